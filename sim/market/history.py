"""What a market produced: each person's relationships and population summaries.

Every relationship is one row of :attr:`Market.relationships`; a person's history is
the rows they were a partner in, in the order they formed. Population summaries are
the final metrics of a market run (one row of a sweep's ``runs.parquet``).

Repeat rate (M11): for each person and each relationship of theirs that ended in a
*named pattern* (:data:`NAMED_PATTERNS`: the pattern class its metrics give when its
ending is set aside is coaching, coercive, irrelationship, eroded or stalemate) and was
followed by another, whether the next relationship fell into a named pattern again,
its pattern being taken at its ending or, if still together, at the end of the run. A
relationship whose pattern is ``mutual`` (closeness that lasted, or a couple that
parted from plain dissatisfaction without any named pattern) leaves no pattern to
repeat. Which named pattern forms depends on the partner and on life as well as on the
person; what the person carries is the pattern of dysfunction itself (Johnson and
Neyer 2019: the same person recreates much the same relationship with the next
partner), and the very same class is recorded beside it (``same``). Pairs are split by
whether the person's deficit was unresolved when the earlier relationship ended (see
:func:`sim.market.market.unresolved`), and by the person's initial traits.

Assortment (V10): the within-couple Pearson correlation of desirability over every
relationship the market formed, read from the relationship records, which hold both
partners' desirability (:func:`desirability_pairs`, :func:`desirability_correlation`),
or over the first round of pairing only (:func:`first_couples`), the counterpart of
Kalick and Hamilton's market.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.market.market import (
    CHEMISTRY,
    COMPATIBILITY,
    MATCH_NAMES,
    PARTNERED,
    Market,
)
from sim.model.outcomes import OUTCOME_CLASSES

PROFILE_POINTS = (1, 13, 26, 52, 104, 156, 208, 260)
"""Relationship ages (weeks) at which the age profiles enter the final metrics."""

START_AGES = (1, 13)
"""Ages (weeks, inclusive) over which a match kind's starting level is averaged (M10)."""

LATER_AGES = (92, 117)
"""Ages (weeks, inclusive) around two years over which the later level is averaged (M10)."""

NAMED_PATTERNS = tuple(
    name for name in OUTCOME_CLASSES if name != "mutual" and not name.startswith("ended_")
)
"""The pattern classes that name a pattern of dysfunction (coaching, coercive,
irrelationship, eroded, stalemate): those a repeat (M11) is counted for."""

TRAIT_SPLITS = ("dependency", "narcissism", "intensity_seeking")
"""Initial traits by which repeat rates are split at :data:`HIGH_TRAIT`."""

HIGH_TRAIT = 0.5
"""A trait at or above this counts as high in the repeat rates by trait."""


def relationship_table(market: Market) -> pd.DataFrame:
    """Every relationship of the market, one row each, with class names.

    Columns: ``serial``, partners ``a`` and ``b``, ``start``, ``end`` (-1 while
    together), ``weeks`` (the engine's weeks together so far), ``together``,
    ``outcome`` and ``pattern`` (names; for couples still together, as of now),
    ``ending`` (together, healthy, destructive), ``match`` (chemistry or
    compatibility), the chemistry and compatibility felt at the start, the
    partners' desirability and their unresolved flags.
    """
    cols = market.relationships.columns()
    n = market.relationships.n
    together = cols["end"] < 0
    outcome, pattern = cols["outcome"].copy(), cols["pattern"].copy()
    weeks = cols["weeks"].copy()
    live = np.flatnonzero(together)
    if len(live):
        slots = cols["slot"][live]
        o, p = market.classify_slots(slots)
        outcome[live], pattern[live] = o, p
        weeks[live] = market.state.weeks[slots]
    names = np.asarray(OUTCOME_CLASSES, dtype=object)
    table = pd.DataFrame(
        {
            "serial": np.arange(n),
            "a": cols["a"],
            "b": cols["b"],
            "start": cols["start"],
            "end": cols["end"],
            "weeks": weeks,
            "together": together,
            "outcome": names[outcome] if n else [],
            "pattern": names[pattern] if n else [],
            "ending": np.asarray(("together", "healthy", "destructive"), dtype=object)[
                cols["ending"]
            ]
            if n
            else [],
            "match": np.asarray(MATCH_NAMES, dtype=object)[cols["match"]] if n else [],
            "chemistry": cols["chemistry"],
            "compatibility": cols["compatibility"],
            "from_chemistry": cols["from_chemistry"],
            "desirability_a": cols["desirability_a"],
            "desirability_b": cols["desirability_b"],
            "unresolved_a": cols["unresolved_a"],
            "unresolved_b": cols["unresolved_b"],
            "left_unresolved_a": cols["left_unresolved_a"],
            "left_unresolved_b": cols["left_unresolved_b"],
        }
    )
    return table


def person_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The relationship table seen by each partner: one row per (person, relationship),
    sorted by person then start, with ``partner``, ``order`` (0 for a person's first)
    and ``left_unresolved`` (the person's own flag at the ending)."""
    parts = []
    for me, other in (("a", "b"), ("b", "a")):
        part = table.assign(
            person=table[me],
            partner=table[other],
            left_unresolved=table[f"left_unresolved_{me}"],
            started_unresolved=table[f"unresolved_{me}"],
        )
        parts.append(part)
    rows = pd.concat(parts, ignore_index=True).sort_values(["person", "start", "serial"])
    rows["order"] = rows.groupby("person").cumcount()
    keep = [
        "person",
        "order",
        "serial",
        "partner",
        "start",
        "end",
        "weeks",
        "together",
        "outcome",
        "pattern",
        "ending",
        "match",
        "started_unresolved",
        "left_unresolved",
    ]
    return rows[keep].reset_index(drop=True)


def person_history(market: Market, person: int) -> pd.DataFrame:
    """One person's relationships, in the order they formed."""
    rows = person_rows(relationship_table(market))
    return rows[rows["person"] == person].reset_index(drop=True)


def repeats(rows: pd.DataFrame, traits: dict[str, np.ndarray]) -> pd.DataFrame:
    """Consecutive pairs of a person's relationships whose first one ended in a named
    pattern (:data:`NAMED_PATTERNS`).

    Columns: ``person``, ``pattern`` and ``next_pattern``, ``repeat`` (the next one's
    pattern is named too), ``same`` (the two patterns are the same class),
    ``unresolved`` (the person's deficit unresolved at the first one's end), and the
    person's initial value of every trait in :data:`TRAIT_SPLITS`.
    """
    nxt = rows.groupby("person").shift(-1)
    pairs = rows.assign(next_pattern=nxt["pattern"], next_serial=nxt["serial"])
    named = pairs["pattern"].isin(NAMED_PATTERNS)
    pairs = pairs[~pairs["together"] & named & pairs["next_serial"].notna()]
    out = pd.DataFrame(
        {
            "person": pairs["person"].to_numpy(),
            "pattern": pairs["pattern"].to_numpy(),
            "next_pattern": pairs["next_pattern"].to_numpy(),
            "unresolved": pairs["left_unresolved"].to_numpy(dtype=bool),
        }
    )
    out["repeat"] = out["next_pattern"].isin(NAMED_PATTERNS).to_numpy(dtype=bool)
    out["same"] = (out["pattern"] == out["next_pattern"]).to_numpy(dtype=bool)
    for name in TRAIT_SPLITS:
        out[name] = traits[name][out["person"].to_numpy(dtype=np.int64)]
    return out


MIN_PAIRS = 3
"""Fewest couples over which :func:`desirability_correlation` is taken; NaN below."""


def desirability_pairs(market: Market) -> tuple[np.ndarray, np.ndarray]:
    """Both partners' desirability in every relationship formed, as two arrays.

    Row ``k`` of each is relationship ``k`` (in the order they formed); partner ``a``
    is the one drawn in the first half of the meeting round. For a scatter plot of
    who paired with whom.
    """
    records = market.relationships
    return records["desirability_a"].copy(), records["desirability_b"].copy()


def first_couples(market: Market) -> np.ndarray:
    """Whether each relationship formed (in the order they formed) was the first of both
    partners: the first round of pairing, from a market where everyone starts single,
    as in Kalick and Hamilton's (1986) market, where everyone pairs once."""
    records = market.relationships
    a, b = records["a"], records["b"]
    serial = np.arange(records.n)
    first = np.full(market.n, records.n, dtype=np.int64)
    np.minimum.at(first, a, serial)
    np.minimum.at(first, b, serial)
    return (first[a] == serial) & (first[b] == serial)


def desirability_correlation(market: Market, first_only: bool = False) -> float:
    """Within-couple Pearson correlation of desirability over every relationship formed,
    or only over the first round of pairing (:func:`first_couples`) with ``first_only``.

    NaN with fewer than :data:`MIN_PAIRS` couples or when either partner's desirability
    does not vary.
    """
    a, b = desirability_pairs(market)
    if first_only:
        keep = first_couples(market)
        a, b = a[keep], b[keep]
    if len(a) < MIN_PAIRS or np.ptp(a) == 0.0 or np.ptp(b) == 0.0:
        return np.nan
    return float(np.corrcoef(a, b)[0, 1])


def _rate(flags: pd.Series) -> float:
    return float(flags.mean()) if len(flags) else np.nan


def _mean_over(profile: np.ndarray, count: np.ndarray, ages: tuple[int, int]) -> float:
    lo, hi = ages
    c = count[lo : hi + 1]
    if c.sum() == 0:
        return np.nan
    return float((profile[lo : hi + 1] * c)[c > 0].sum() / c.sum())


def summary(market: Market) -> dict[str, float | str]:
    """Population summaries of a market: the final metrics of a market run.

    See :data:`SUMMARY_NAMES` for the names; docs/ODD.md (Partner market) says what
    each one is.
    """
    table = relationship_table(market)
    rows = person_rows(table)
    pairs = repeats(rows, market.initial_traits)
    weeks = max(market.week, 1)
    ended = table[~table["together"]]
    out: dict[str, float | str] = {
        "partnered_share": float(np.mean(market.status == PARTNERED)),
        "relationships_per_person": float(market.n_relationships.mean()),
        "ever_partnered_share": float(np.mean(market.n_relationships > 0)),
        "single_time_share": float(market.weeks_single.mean() / weeks),
        "formed_per_person": len(table) / market.n,
        "ended_per_person": len(ended) / market.n,
        "ended_healthy_share": _rate(ended["ending"] == "healthy"),
        "mean_weeks_ended": float(ended["weeks"].mean()) if len(ended) else np.nan,
        "chemistry_matched_share": _rate(table["match"] == "chemistry"),
        "desirability_correlation": desirability_correlation(market),
        "repeat_rate": _rate(pairs["repeat"]),
        "repeat_rate_unresolved": _rate(pairs.loc[pairs["unresolved"], "repeat"]),
        "repeat_rate_resolved": _rate(pairs.loc[~pairs["unresolved"], "repeat"]),
        "repeat_pairs_unresolved": int(pairs["unresolved"].sum()),
        "repeat_pairs_resolved": int((~pairs["unresolved"]).sum()),
    }
    for name in TRAIT_SPLITS:
        high = pairs[name] >= HIGH_TRAIT
        out[f"repeat_rate_{name}_high"] = _rate(pairs.loc[high, "repeat"])
        out[f"repeat_rate_{name}_low"] = _rate(pairs.loc[~high, "repeat"])
    for measure in ("satisfaction", "intimacy"):
        prof = market.age_profile(measure)
        for kind, label in ((CHEMISTRY, "chemistry"), (COMPATIBILITY, "compatibility")):
            count = market.profile_count[kind]
            start = _mean_over(prof[kind], count, START_AGES)
            later = _mean_over(prof[kind], count, LATER_AGES)
            out[f"{measure}_start_{label}"] = start
            out[f"{measure}_decline_{label}"] = start - later
            for age in PROFILE_POINTS:
                value = prof[kind, age] if age < prof.shape[1] else np.nan
                out[f"{measure}_{label}_age{age:03d}"] = float(value)
    names = list(OUTCOME_CLASSES)
    counts = table["outcome"].value_counts()
    for name in names:
        out[f"share_{name}"] = float(counts.get(name, 0) / len(table)) if len(table) else np.nan
    out["outcome"] = str(counts.index[0]) if len(counts) else "none"
    return out


def summary_names() -> tuple[str, ...]:
    """Names of :func:`summary`'s metrics, in order (from a two-person market)."""
    from sim.market.market import Settings

    m = Market(Settings.build({"size": 2}), np.uint64(1))
    m.run(1)
    return tuple(summary(m))
