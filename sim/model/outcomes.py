"""What a run produced: per-couple metrics, weekly series and outcome classes.

The outcome classes are decided by thresholds on metrics, never on traits. All
thresholds live in :class:`Thresholds`, documented in ``docs/ODD.md``; a researcher
may pass other values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from sim.model.declarations import STATE as STATE_VARIABLES
from sim.model.declarations import Ending, Event, Variable

if TYPE_CHECKING:
    from sim.model.state import State

OUTCOME_CLASSES: tuple[str, ...] = (
    "mutual",
    "coaching",
    "coercive",
    "irrelationship",
    "eroded",
    "stalemate",
    "ended_healthy",
    "ended_destructive",
)
"""Every outcome class, in code order (a class's code is its index here)."""

ENDING_KINDS: tuple[str, ...] = tuple(e.name.lower() for e in Ending)
"""Names of :class:`~sim.model.state.Ending` values: together, healthy, destructive."""


def _reported(variable: Variable) -> dict[str, Callable[[State], np.ndarray]]:
    """How a run reports one declared variable: by name, one value per couple."""
    name, label = variable.name, variable.reported_as
    if variable.report == "each":
        return {
            f"{label}_a": lambda s: getattr(s, name)[0].copy(),
            f"{label}_b": lambda s: getattr(s, name)[1].copy(),
        }
    if variable.report == "mean":
        return {label: lambda s: getattr(s, name).mean(axis=0)}
    return {label: lambda s: getattr(s, name).copy()}


SERIES: dict[str, Callable[[State], np.ndarray]] = {
    name: report
    for variable in STATE_VARIABLES
    if variable.series
    for name, report in _reported(variable).items()
} | {"together": lambda s: s.active.astype(np.float64)}
"""Weekly per-couple series a run can record, by name: every declared variable
marked ``series`` (:data:`sim.model.declarations.STATE`), and ``together``."""

METRICS: dict[str, Callable[[State], np.ndarray]] = {
    name: report
    for variable in STATE_VARIABLES
    if variable.metric
    for name, report in _reported(variable).items()
}
"""The final metrics that are declared variables, reported as they stand at the end."""


def _rate(s: State, kind: Event) -> np.ndarray:
    return s.counts[kind].sum(axis=0) / np.maximum(s.weeks, 1)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.where(whole > 0, part / np.maximum(whole, 1e-12), np.nan)


def final_metrics(s: State) -> dict[str, np.ndarray]:
    """Per-couple metrics at the end of a run (or at the week the couple ended).

    Rates are per week together. ``help_asymmetry`` is the difference of help given by
    the two partners over its total (0 balanced, 1 one-way); ``free_help_share`` is help
    given freely or unasked over all help given in answer or under demand (NaN where
    no help was given at all); ``effort_intimacy_gap`` is effort minus intimacy.
    """
    c = s.counts
    given = s.help_given
    free = c[Event.HELP_FREE].sum(0) + c[Event.NOTICE].sum(0)
    all_help = free + c[Event.HELP_CONDITIONAL].sum(0) + c[Event.HELP_DEMANDED].sum(0)
    out = {name: report(s) for name, report in METRICS.items()}
    out |= {
        "capability_gain_a": s.capability[0] - s.capability0[0],
        "capability_gain_b": s.capability[1] - s.capability0[1],
        "help_asymmetry": np.nan_to_num(_share(np.abs(given[0] - given[1]), given.sum(0))),
        "free_help_share": _share(free.astype(np.float64), all_help),
        "coercion_rate": _rate(s, Event.COERCION),
        "conflict_rate": _rate(s, Event.CONFLICT),
        "demand_rate": _rate(s, Event.DEMAND),
        "effort_intimacy_gap": s.effort - s.intimacy,
        "weeks": s.weeks.copy(),
        "ended": ~s.active,
        "step_ended": s.step_ended.copy(),
        "ending_kind": s.ending.astype(np.int8),
    }
    for kind in Event:
        out[f"n_{kind.name.lower()}"] = c[kind].sum(axis=0)
    return out


@dataclass(frozen=True)
class Thresholds:
    """Thresholds of the outcome classes, checked in the order of the fields' groups.

    A couple that ended is ``ended_healthy`` or ``ended_destructive`` by its ending
    kind. A couple still together takes the first class whose test it passes:

    1. ``coercive``: ``coercion_recent >= coercive_rate``.
    2. ``irrelationship``: ``effort >= irrelationship_effort`` and
       ``intimacy < irrelationship_intimacy``.
    3. ``eroded``: ``demand_recent >= eroded_demand_rate`` and the lower goodwill
       ``< eroded_goodwill``; or mean resentment ``>= eroded_resentment``.
    4. ``stalemate``: ``conflict_recent >= stalemate_conflict_rate``: conflict in a
       large share of recent weeks that resolves neither way, whether over unequal
       development or over convictions.
    5. ``coaching``: ``help_asymmetry >= coaching_asymmetry`` and
       ``intimacy < coaching_intimacy``.
    6. ``mutual``: ``intimacy >= mutual_intimacy`` and the lower satisfaction
       ``>= mutual_satisfaction``.
    7. Otherwise ``mutual`` when ``intimacy >= fallback_intimacy``, else ``eroded``:
       a couple with no named pattern has either kept its closeness or worn it down.
    """

    coercive_rate: float = 0.08
    irrelationship_effort: float = 0.45
    irrelationship_intimacy: float = 0.35
    eroded_demand_rate: float = 0.08
    eroded_goodwill: float = 0.4
    eroded_resentment: float = 0.5
    stalemate_conflict_rate: float = 0.3
    coaching_asymmetry: float = 0.45
    coaching_intimacy: float = 0.45
    mutual_intimacy: float = 0.5
    mutual_satisfaction: float = 0.5
    fallback_intimacy: float = 0.35

    def as_dict(self) -> dict[str, float]:
        """The thresholds by name."""
        return asdict(self)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Names of every threshold."""
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class Check:
    """One test of the outcome classes: a metric compared with a threshold.

    Attributes
    ----------
    label : str
        The metric in words.
    metric : callable
        The metric of final metrics (arrays or numbers).
    op : str
        ``">="`` or ``"<"``.
    threshold : str
        Name of the :class:`Thresholds` field it is compared with.
    """

    label: str
    metric: Callable[[Mapping[str, np.ndarray]], np.ndarray]
    op: str
    threshold: str

    def holds(self, m: Mapping[str, np.ndarray], th: Thresholds) -> np.ndarray:
        """Where the test passes."""
        value, limit = self.metric(m), getattr(th, self.threshold)
        return value >= limit if self.op == ">=" else value < limit

    def describe(self, m: Mapping[str, float], th: Thresholds) -> str:
        """The test in words, with its value, as it came out for one couple."""
        value, limit = float(self.metric(m)), getattr(th, self.threshold)
        op = self.op if self.holds(m, th) else ("<" if self.op == ">=" else ">=")
        shown, bound = _reading_true(value, limit, op)
        return f"{self.label} {shown} {op} {bound} ({self.threshold})"


def _reading_true(value: float, limit: float, op: str) -> tuple[str, str]:
    """``value`` and ``limit`` with two decimals, or as many more as it takes for the
    comparison ``op`` of the numbers as written to read true (``0.0799 < 0.08``, not
    ``0.08 < 0.08``)."""
    for digits in range(2, 17):
        shown, bound = f"{value:.{digits}f}", f"{limit:.{digits}f}"
        a, b = float(shown), float(bound)
        if (a >= b) if op == ">=" else (a < b):
            return shown, bound
    return repr(value), repr(limit)


def _lower(a: str, b: str) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    return lambda m: np.minimum(m[a], m[b])


def _metric(name: str) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    return lambda m: m[name]


def _mean_resentment(m: Mapping[str, np.ndarray]) -> np.ndarray:
    return 0.5 * (m["resentment_a"] + m["resentment_b"])


FALLBACK = Check("intimacy", _metric("intimacy"), ">=", "fallback_intimacy")
"""The test of a couple with no named pattern: ``mutual`` when it holds, else ``eroded``."""

PATTERN_RULES: tuple[tuple[str, tuple[tuple[Check, ...], ...]], ...] = (
    ("coercive", ((Check("recent coercion", _metric("coercion_recent"), ">=", "coercive_rate"),),)),
    (
        "irrelationship",
        (
            (
                Check("effort", _metric("effort"), ">=", "irrelationship_effort"),
                Check("intimacy", _metric("intimacy"), "<", "irrelationship_intimacy"),
            ),
        ),
    ),
    (
        "eroded",
        (
            (
                Check("recent demands", _metric("demand_recent"), ">=", "eroded_demand_rate"),
                Check("lower goodwill", _lower("goodwill_a", "goodwill_b"), "<", "eroded_goodwill"),
            ),
            (Check("mean resentment", _mean_resentment, ">=", "eroded_resentment"),),
        ),
    ),
    (
        "stalemate",
        ((Check("recent conflict", _metric("conflict_recent"), ">=", "stalemate_conflict_rate"),),),
    ),
    (
        "coaching",
        (
            (
                Check("help asymmetry", _metric("help_asymmetry"), ">=", "coaching_asymmetry"),
                Check("intimacy", _metric("intimacy"), "<", "coaching_intimacy"),
            ),
        ),
    ),
    (
        "mutual",
        (
            (
                Check("intimacy", _metric("intimacy"), ">=", "mutual_intimacy"),
                Check(
                    "lower satisfaction",
                    _lower("satisfaction_a", "satisfaction_b"),
                    ">=",
                    "mutual_satisfaction",
                ),
            ),
        ),
    ),
)
"""The classes of a couple still together, in the order they are tested: a class is
taken when every test of one of its alternatives passes; a couple that passes none is
classed by :data:`FALLBACK`. This table is the classifier: :func:`classify` applies it
and the story explains a class by walking it."""

ENDED_CLASSES: dict[Ending, str] = {
    Ending.HEALTHY: "ended_healthy",
    Ending.DESTRUCTIVE: "ended_destructive",
}
"""The class of a couple that ended, by its ending kind (set by the engine, R9.5)."""


def classify(m: Mapping[str, np.ndarray], th: Thresholds | None = None) -> np.ndarray:
    """Outcome class code of each couple (an index into :data:`OUTCOME_CLASSES`).

    A couple that ended takes its :data:`ENDED_CLASSES` class; one still together the
    first class of :data:`PATTERN_RULES` it passes, else the :data:`FALLBACK` class.
    """
    th = th or Thresholds()
    code = {name: i for i, name in enumerate(OUTCOME_CLASSES)}
    fallback = np.where(FALLBACK.holds(m, th), code["mutual"], code["eroded"])
    conditions = [(m["ending_kind"] == kind, name) for kind, name in ENDED_CLASSES.items()]
    for name, alternatives in PATTERN_RULES:
        passes = np.zeros(np.shape(m["intimacy"]), dtype=bool)
        for checks in alternatives:
            passes |= np.logical_and.reduce([np.asarray(c.holds(m, th)) for c in checks])
        conditions.append((passes, name))
    return np.select([c for c, _ in conditions], [code[k] for _, k in conditions], fallback)


def pattern(m: dict[str, np.ndarray], th: Thresholds | None = None) -> np.ndarray:
    """Pattern class code of each couple: the class its metrics show with its ending set
    aside (``mutual``, ``coaching``, ``coercive``, ...), for a couple that ended the
    pattern it had when it ended (its metrics are frozen at that week)."""
    return classify({**m, "ending_kind": np.zeros_like(m["ending_kind"])}, th)


def class_names(codes: np.ndarray) -> np.ndarray:
    """Outcome class names for an array of codes."""
    return np.asarray(OUTCOME_CLASSES, dtype=object)[codes]
