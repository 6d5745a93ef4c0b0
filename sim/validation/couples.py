"""Simulated couples as the measures read them: final metrics and yearly records.

A :class:`Couples` holds what a run of one population gave: the final metrics of every
couple (:func:`sim.model.outcomes.final_metrics`, frozen at the week a couple ended)
and the series recorded every :data:`WEEKS_PER_YEAR` weeks. The measures of
:mod:`sim.validation.measures` are pure functions of it, so that a test can hand them
a few couples written by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.experiment import survival
from sim.model.parameters import PARTNERS

WEEKS_PER_YEAR = 52
"""Weeks in a year of the model."""


class MissingData(Exception):
    """A measure needs a metric or series that the simulated couples do not hold.

    Parameters
    ----------
    kind : str
        ``"metric"`` or ``"series"``.
    name : str
        The name that is missing.
    """

    def __init__(self, kind: str, name: str):
        self.kind = kind
        self.name = name
        super().__init__(f"needs the {kind} {name!r}, which this model does not record")


@dataclass(frozen=True)
class Couples:
    """Final metrics and yearly series of one population's simulated couples.

    Attributes
    ----------
    metrics : mapping of str to ndarray
        Final metrics, each of shape ``(n,)``: at least ``ended`` (bool) and
        ``step_ended`` (the 0-based week in which a couple ended, -1 while together).
    series : mapping of str to ndarray
        Recorded series, each of shape ``(len(steps), n)``.
    steps : ndarray of int
        The weeks at which ``series`` was recorded (0 is the start).
    weeks : int
        How many weeks the couples were run.
    population : str
        The population they were drawn from.
    parameters : mapping of str to ndarray
        Each couple's traits and environment as drawn, each of shape ``(n,)``, by
        column (``a.dependency``, ``b.dependency``, ``env.barriers``...).
    """

    metrics: Mapping[str, np.ndarray]
    series: Mapping[str, np.ndarray] = field(default_factory=dict)
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weeks: int = 520
    population: str = ""
    parameters: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of couples."""
        return int(np.asarray(self.metrics["ended"]).shape[0])

    def metric(self, name: str) -> np.ndarray:
        """One final metric as an array; :class:`MissingData` when it is not recorded."""
        if name not in self.metrics:
            raise MissingData("metric", name)
        return np.asarray(self.metrics[name])

    def at_year(self, name: str, year: int) -> np.ndarray:
        """Series ``name`` as recorded at week ``52 * year``, one value per couple.

        Raises
        ------
        MissingData
            When the series is not recorded.
        ValueError
            When it was not recorded at that week.
        """
        if name not in self.series:
            raise MissingData("series", name)
        week = WEEKS_PER_YEAR * year
        rows = np.flatnonzero(np.asarray(self.steps) == week)
        if rows.size == 0:
            raise ValueError(f"series {name!r} was not recorded at week {week} (year {year})")
        return np.asarray(self.series[name])[rows[0]]

    def years_recorded(self) -> np.ndarray:
        """The whole years at which the series were recorded (0 is the start)."""
        steps = np.asarray(self.steps)
        return steps[steps % WEEKS_PER_YEAR == 0] // WEEKS_PER_YEAR

    def durations(self) -> tuple[np.ndarray, np.ndarray]:
        """Weeks each couple lasted and whether it ended (``False``: still together).

        A couple that ended in week ``step_ended`` (0-based) lasted ``step_ended + 1``
        weeks; one still together is censored at :attr:`weeks`
        (:func:`sim.experiment.survival.durations`).
        """
        return survival.durations(self.metric("ended"), self.metric("step_ended"), self.weeks)

    def ended_by(self, years: float) -> np.ndarray:
        """Whether each couple ended within its first ``years`` years.

        Raises
        ------
        ValueError
            When the couples were run for fewer weeks than that.
        """
        if years * WEEKS_PER_YEAR > self.weeks:
            raise ValueError(
                f"needs {years:g} years of couples; they were run for {self.weeks} weeks"
            )
        weeks, ended = self.durations()
        return ended & (weeks <= years * WEEKS_PER_YEAR)


def from_simulation(sim, weeks: int, population: str = "", params=None) -> Couples:
    """The :class:`Couples` of a :class:`~sim.model.engine.Simulation` run ``weeks`` weeks,
    with the columns of its :class:`~sim.model.state.Params` when given."""
    columns = {}
    if params is not None:
        for i, who in enumerate(PARTNERS):
            columns |= {f"{who}.{t}": np.asarray(v[i]) for t, v in params.traits.items()}
        columns |= {f"env.{e}": np.asarray(v) for e, v in params.env.items()}
    return Couples(
        metrics=sim.metrics(),
        series=dict(sim.series),
        steps=np.asarray(sim.steps),
        weeks=int(weeks),
        population=population,
        parameters=columns,
    )
