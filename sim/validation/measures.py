"""The measures a validation target names: pure functions of simulated couples.

Each measure takes the :class:`~sim.validation.couples.Couples` of one population (or,
for the partner market, a provider of the market's correlations, a seed and whether the
run is quick) and named arguments, and returns a :class:`Measured`: the values a target
checks, by component, and details shown beside them. :data:`MEASURES` declares every
measure once, with its arguments and components; ``validation/targets.toml`` names them.

Years are counted from the start of the relationship, 52 weeks each: year ``y`` is
weeks ``52 (y - 1)`` to ``52 y - 1`` (0-based), and a couple "ended within N years"
ended in one of its first ``52 N`` weeks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment import survival
from sim.validation.couples import WEEKS_PER_YEAR, Couples

VALUE = "value"
"""The component name of a measure that gives one value."""


@dataclass(frozen=True)
class Measured:
    """What a measure gave.

    Attributes
    ----------
    values : dict of str to float
        The values a target checks, by component (:data:`VALUE` for a single value).
    details : dict of str to object
        Numbers behind them (group sizes, the hazard of each year...), for the page
        and ``validation.json``; never checked.
    """

    values: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Argument:
    """One named argument of a measure.

    Attributes
    ----------
    kind : str
        ``"int"`` a whole number, ``"ints"`` a whole number or a non-empty array of
        them, ``"float"`` a number, ``"span"`` an array of two whole numbers ``[first,
        last]`` with ``first <= last``.
    default : object
        Its value when a target does not give it.
    low, high : float
        The range every number of it must lie in.
    meaning : str
        What it is, one line.
    """

    kind: str
    default: Any
    low: float
    high: float
    meaning: str


class MarketProvider(Protocol):
    """What the market measures call: the partner market's assortment correlations.

    A provider may also offer ``attractiveness_pairs(seed, quick)``, both partners'
    attractiveness in every couple the market formed, which the page draws.
    """

    def attractiveness_correlation(self, seed: int, quick: bool) -> float:
        """Within-couple correlation of attractiveness in the partner market."""

    def kalick_hamilton_correlations(self, seed: int, quick: bool) -> Mapping[str, float]:
        """Correlation of partners' attractiveness under each of Kalick and Hamilton's
        rules: ``{"attractiveness": r, "matching": r}``."""


@dataclass(frozen=True)
class Measure:
    """One measure, declared once.

    Attributes
    ----------
    name : str
        How a target names it.
    data : str
        ``"couples"``: a function of one population's couples, ``function(couples,
        **args)``; ``"market"``: of the partner market, ``function(provider, seed,
        quick, **args)``.
    function : callable
        Computes it; returns a :class:`Measured`.
    meaning : str
        What it measures, one line.
    arguments : mapping of str to Argument
        Its named arguments.
    components : callable
        The names of the values it gives, from its arguments.
    """

    name: str
    data: str
    function: Callable[..., Measured]
    meaning: str
    arguments: Mapping[str, Argument] = field(default_factory=dict)
    components: Callable[[Mapping[str, Any]], tuple[str, ...]] = lambda args: (VALUE,)

    def defaults(self) -> dict[str, Any]:
        """Every argument at its default."""
        return {name: arg.default for name, arg in self.arguments.items()}


# --- Endings -------------------------------------------------------------------------------


def _years_list(years: int | list[int]) -> list[int]:
    return [years] if isinstance(years, int) else list(years)


def ended_within(couples: Couples, years: int | list[int] = 5) -> Measured:
    """Share of couples that ended within ``years`` years (one value per number given).

    With one number the value is :data:`VALUE`; with several, ``within_<N>`` each.
    """
    wanted = _years_list(years)
    shares = {y: float(couples.ended_by(y).mean()) for y in wanted}
    names = ended_within_components({"years": years})
    return Measured(
        {name: shares[y] for name, y in zip(names, wanted, strict=True)},
        {"couples": couples.n},
    )


def ended_within_components(args: Mapping[str, Any]) -> tuple[str, ...]:
    """Components of :func:`ended_within`: one per number of years."""
    years = args.get("years", 5)
    if isinstance(years, int):
        return (VALUE,)
    return tuple(f"within_{y}" for y in years)


def yearly_hazard(couples: Couples, years: int = 10) -> pd.DataFrame:
    """Life table by year of the relationship: couples at risk, ended, and the hazard.

    Parameters
    ----------
    couples : Couples
        Run for at least ``52 * years`` weeks.
    years : int
        Years of the table.

    Returns
    -------
    DataFrame
        One row per year ``1 .. years``: ``at_risk`` (together at the start of the
        year), ``ended`` (ended during it) and ``hazard`` (``ended / at_risk``, NaN when
        no couple was at risk), from :func:`sim.experiment.survival.life_table`.
    """
    if years * WEEKS_PER_YEAR > couples.weeks:
        raise ValueError(f"needs {years} years of couples; they were run for {couples.weeks} weeks")
    weeks, ended = couples.durations()
    table = survival.life_table(weeks, ended, WEEKS_PER_YEAR, years)
    return table.rename(columns={"interval": "year"})[["year", "at_risk", "ended", "hazard"]]


def hazard_shape(
    couples: Couples, years: int = 10, late: list[int] | None = None, min_ended: int = 50
) -> Measured:
    """The shape of the yearly hazard of ending: where it peaks and how it falls after.

    Components: ``peak_year``, the year of the highest hazard (the first such year on
    a tie); ``first_to_peak``, the hazard of year 1 over the peak; ``late_to_peak``, the
    mean hazard of the years ``late`` (``[first, last]``, default the last three) over
    the peak. A hazard that rises from year 1, peaks in years 2 to 6 and falls after
    has ``peak_year`` in 2..6 and both ratios below 1. All three are NaN when fewer
    than ``min_ended`` couples ended within ``years`` years: the shape of a handful of
    endings is noise.
    """
    first, last = late if late is not None else [years - 2, years]
    if not 1 <= first <= last <= years:
        raise ValueError(f"late years [{first}, {last}] must lie within 1..{years}")
    table = yearly_hazard(couples, years)
    h = table["hazard"].to_numpy()
    peak = float(np.nanmax(h)) if np.isfinite(h).any() else np.nan
    ended = bool(peak > 0) and int(table["ended"].sum()) >= max(min_ended, 1)
    peak_year = float(table["year"].iloc[int(np.nanargmax(h))]) if ended else np.nan
    return Measured(
        {
            "peak_year": peak_year,
            "first_to_peak": float(h[0] / peak) if ended else np.nan,
            "late_to_peak": float(np.nanmean(h[first - 1 : last]) / peak) if ended else np.nan,
        },
        {
            "hazard": [float(x) for x in h],
            "at_risk": table["at_risk"].tolist(),
            "ended": int(table["ended"].sum()),
        },
    )


# --- Interactions --------------------------------------------------------------------------


def _ratio(positive: np.ndarray, negative: np.ndarray) -> float:
    if positive.size == 0:
        return np.nan
    neg = float(negative.mean())
    return float(positive.mean()) / neg if neg > 0 else (np.inf if positive.mean() > 0 else np.nan)


def positive_negative_ratio(couples: Couples, satisfied: float = 0.5) -> Measured:
    """Ratio of positive to negative interactions in stable, satisfied couples and in
    couples that ended.

    Positive and negative interactions are the final metrics ``positive_recent`` and
    ``negative_recent`` (weighted weekly rates over about the last year, frozen at the
    week a couple ended). ``stable_satisfied``: couples still together at the end whose
    partners' satisfaction is both at least ``satisfied``; ``ended``: couples that
    ended. Each component is the ratio of the group's mean rates (NaN for an empty
    group).
    """
    pos, neg = couples.metric("positive_recent"), couples.metric("negative_recent")
    ended = couples.metric("ended").astype(bool)
    low = np.minimum(couples.metric("satisfaction_a"), couples.metric("satisfaction_b"))
    groups = {"stable_satisfied": ~ended & (low >= satisfied), "ended": ended}
    return Measured(
        {name: _ratio(pos[g], neg[g]) for name, g in groups.items()},
        {
            **{f"couples_{name}": int(g.sum()) for name, g in groups.items()},
            **{
                f"positive_{name}": float(pos[g].mean()) if g.any() else None
                for name, g in groups.items()
            },
            **{
                f"negative_{name}": float(neg[g].mean()) if g.any() else None
                for name, g in groups.items()
            },
        },
    )


def ratio_by_group(couples: Couples, labels: np.ndarray) -> pd.DataFrame:
    """Ratio of the mean positive to the mean negative rate in each group of couples.

    Returns
    -------
    DataFrame
        One row per label: ``couples``, ``positive``, ``negative`` (mean rates) and
        ``ratio``.
    """
    frame = pd.DataFrame(
        {
            "group": np.asarray(labels),
            "positive": couples.metric("positive_recent"),
            "negative": couples.metric("negative_recent"),
        }
    )
    out = frame.groupby("group", sort=False).agg(
        couples=("positive", "size"), positive=("positive", "mean"), negative=("negative", "mean")
    )
    out["ratio"] = out["positive"] / out["negative"].where(out["negative"] > 0)
    return out.reset_index()


# --- Satisfaction over the years -----------------------------------------------------------


def couple_satisfaction(couples: Couples, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean satisfaction of the two partners at ``year`` and whether each couple was
    together then."""
    sat = 0.5 * (couples.at_year("satisfaction_a", year) + couples.at_year("satisfaction_b", year))
    return sat, couples.at_year("together", year) > 0.5


def satisfaction_by_year(couples: Couples) -> pd.DataFrame:
    """Satisfaction of couples still together, at every recorded whole year.

    Returns
    -------
    DataFrame
        One row per year: ``couples`` together, their ``mean`` satisfaction (mean of
        both partners) and its quartiles ``q25``, ``median``, ``q75``.
    """
    rows = []
    for year in couples.years_recorded():
        sat, together = couple_satisfaction(couples, int(year))
        s = sat[together]
        q = np.quantile(s, [0.25, 0.5, 0.75]) if s.size else [np.nan] * 3
        rows.append((int(year), int(s.size), float(s.mean()) if s.size else np.nan, *q))
    return pd.DataFrame(rows, columns=["year", "couples", "mean", "q25", "median", "q75"])


def satisfaction_decline(
    couples: Couples,
    early: list[int] | None = None,
    late: list[int] | None = None,
    factor: float = 2.0,
) -> Measured:
    """How mean satisfaction among couples together declines early and late.

    Components: ``decline_early``, mean satisfaction at the first year of ``early``
    (default ``[0, 4]``) minus at its last; ``margin``, ``decline_early - factor *
    decline_late`` with ``decline_late`` the same over ``late`` (default ``[4, 10]``).
    Satisfaction that declines over the first years, most of it early, then levels has
    ``decline_early > 0`` and ``margin >= 0``.
    """
    early = early or [0, 4]
    late = late or [4, 10]
    by_year = satisfaction_by_year(couples).set_index("year")["mean"]

    def mean_at(year: int) -> float:
        if year not in by_year.index:
            raise ValueError(f"satisfaction was not recorded at year {year}")
        return float(by_year.loc[year])

    d_early = mean_at(early[0]) - mean_at(early[1])
    d_late = mean_at(late[0]) - mean_at(late[1])
    return Measured(
        {"decline_early": d_early, "margin": d_early - factor * d_late},
        {"decline_late": d_late, "mean_by_year": {int(k): float(v) for k, v in by_year.items()}},
    )


def lowest_fifth_ending_ratio(
    couples: Couples, at_year: int = 1, by_year: int = 10, min_ended: int = 50
) -> Measured:
    """How much more often the least satisfied fifth of couples ends.

    Couples together at ``at_year`` are split into fifths by their mean satisfaction
    then (ties broken by order); the value is the share of the lowest fifth that ended
    within ``by_year`` years over that share in the top three fifths (``inf`` when only
    the lowest fifth has endings). NaN when fewer than ``min_ended`` of these couples
    ended: a ratio of a handful of endings is noise.
    """
    sat, together = couple_satisfaction(couples, at_year)
    ended = couples.ended_by(by_year)[together]
    rank = pd.Series(sat[together]).rank(method="first").to_numpy()
    fifth = pd.qcut(rank, 5, labels=False) if rank.size >= 5 else np.zeros(rank.size, int)
    low, top = ended[fifth == 0], ended[fifth >= 2]
    share_low = float(low.mean()) if low.size else np.nan
    share_top = float(top.mean()) if top.size else np.nan
    if int(ended.sum()) < max(min_ended, 1):
        ratio = np.nan
    elif share_top > 0:
        ratio = share_low / share_top
    else:
        ratio = np.inf
    return Measured(
        {VALUE: float(ratio)},
        {
            "couples": int(together.sum()),
            "ended": int(ended.sum()),
            "ended_share_lowest_fifth": share_low,
            "ended_share_top_three_fifths": share_top,
        },
    )


# --- The investment model ------------------------------------------------------------------


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan
    return float(stats.pearsonr(x, y).statistic)


def investment_correlations(couples: Couples, at_year: int = 1) -> Measured:
    """Correlation of commitment with satisfaction, with the perceived quality of
    alternatives and with investments, over the partners of couples together at
    ``at_year`` (both partners of each couple, pooled).

    Components: ``satisfaction``, ``alternatives``, ``investments`` (Pearson's r; NaN
    when either variable does not vary).
    """
    together = couples.at_year("together", at_year) > 0.5

    def partners(name: str) -> np.ndarray:
        a = couples.at_year(f"{name}_a", at_year)[together]
        b = couples.at_year(f"{name}_b", at_year)[together]
        return np.concatenate([a, b])

    commitment = partners("commitment")
    others = {
        "satisfaction": partners("satisfaction"),
        "alternatives": partners("alternative_quality"),
        "investments": partners("investment"),
    }
    return Measured(
        {name: _pearson(commitment, x) for name, x in others.items()},
        {"partners": int(commitment.size)},
    )


def commitment_predicts_ending(couples: Couples, at_year: int = 1, by_year: int = 5) -> Measured:
    """Point-biserial correlation of a couple's mean commitment at ``at_year`` with its
    ending within ``by_year`` years, over couples together at ``at_year``.

    Negative when the more committed end less often; NaN when no couple, or every
    couple, ended.
    """
    together = couples.at_year("together", at_year) > 0.5
    commitment = (
        0.5
        * (couples.at_year("commitment_a", at_year) + couples.at_year("commitment_b", at_year))[
            together
        ]
    )
    ended = couples.ended_by(by_year)[together]
    if ended.all() or not ended.any() or np.ptp(commitment) == 0:
        r = np.nan
    else:
        r = float(stats.pointbiserialr(ended, commitment).statistic)
    return Measured(
        {VALUE: r}, {"couples": int(together.sum()), "ended_share": float(ended.mean())}
    )


# --- The partner market --------------------------------------------------------------------


def market_attractiveness(provider: MarketProvider, seed: int, quick: bool) -> Measured:
    """Within-couple correlation of attractiveness in the partner market."""
    return Measured({VALUE: float(provider.attractiveness_correlation(seed, quick))})


def kalick_hamilton(provider: MarketProvider, seed: int, quick: bool) -> Measured:
    """Correlation of partners' attractiveness in Kalick and Hamilton's dating market,
    under the attractiveness rule and under the matching rule."""
    r = provider.kalick_hamilton_correlations(seed, quick)
    return Measured({rule: float(r[rule]) for rule in ("attractiveness", "matching")})


# --- The declarations ----------------------------------------------------------------------

_YEAR = "a year of the relationship"
_MIN_ENDED = "fewest endings the value is read from"
MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "ended_within",
            "couples",
            ended_within,
            "share of couples ended within N years",
            {"years": Argument("ints", 5, 1, 100, "the years N (a number or an array)")},
            ended_within_components,
        ),
        Measure(
            "hazard_shape",
            "couples",
            hazard_shape,
            "where the yearly hazard of ending peaks, and how it compares early and late",
            {
                "years": Argument("int", 10, 3, 100, "years of the hazard table"),
                "late": Argument("span", [8, 10], 1, 100, "the late years [first, last]"),
                "min_ended": Argument("int", 50, 1, 10**9, _MIN_ENDED),
            },
            lambda args: ("peak_year", "first_to_peak", "late_to_peak"),
        ),
        Measure(
            "positive_negative_ratio",
            "couples",
            positive_negative_ratio,
            "positive over negative interactions, stable satisfied couples and ended ones",
            {"satisfied": Argument("float", 0.5, 0, 1, "least satisfaction of both partners")},
            lambda args: ("stable_satisfied", "ended"),
        ),
        Measure(
            "satisfaction_decline",
            "couples",
            satisfaction_decline,
            "decline of mean satisfaction among couples together, early and late",
            {
                "early": Argument("span", [0, 4], 0, 100, "the early years [first, last]"),
                "late": Argument("span", [4, 10], 0, 100, "the late years [first, last]"),
                "factor": Argument("float", 2.0, 0, 100, "how many times the late decline"),
            },
            lambda args: ("decline_early", "margin"),
        ),
        Measure(
            "lowest_fifth_ending_ratio",
            "couples",
            lowest_fifth_ending_ratio,
            "ending of the least satisfied fifth over that of the top three fifths",
            {
                "at_year": Argument("int", 1, 0, 100, f"{_YEAR} at which satisfaction is read"),
                "by_year": Argument("int", 10, 1, 100, "endings within this many years"),
                "min_ended": Argument("int", 50, 1, 10**9, _MIN_ENDED),
            },
        ),
        Measure(
            "investment_correlations",
            "couples",
            investment_correlations,
            "correlation of commitment with satisfaction, alternatives and investments",
            {"at_year": Argument("int", 1, 0, 100, f"{_YEAR} at which they are read")},
            lambda args: ("satisfaction", "alternatives", "investments"),
        ),
        Measure(
            "commitment_predicts_ending",
            "couples",
            commitment_predicts_ending,
            "point-biserial correlation of commitment with ending",
            {
                "at_year": Argument("int", 1, 0, 100, f"{_YEAR} at which commitment is read"),
                "by_year": Argument("int", 5, 1, 100, "endings within this many years"),
            },
        ),
        Measure(
            "market_attractiveness",
            "market",
            market_attractiveness,
            "within-couple correlation of attractiveness in the partner market",
        ),
        Measure(
            "kalick_hamilton",
            "market",
            kalick_hamilton,
            "partners' attractiveness correlation in Kalick and Hamilton's market, by rule",
            components=lambda args: ("attractiveness", "matching"),
        ),
    )
}
"""Every measure a target may name, by name."""
