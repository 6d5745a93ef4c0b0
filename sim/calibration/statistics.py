"""Summary statistics of a calibration and the distance between model and targets.

A calibration's targets become a list of :class:`Statistic`: one number the model's
couples give (a component of a validation measure, the share ended within a year, the
mean satisfaction at a year, the share of an outcome class, an interaction ratio), the
value it is compared with and the scale of that comparison. The distance pyabc
minimises is the weighted Euclidean norm (``pyabc.distance.PNormDistance`` with
``p = 2`` and weights ``1 / scale``)

    d = sqrt( sum_k ((x_k - y_k) / s_k) ** 2 )

over the statistics ``k``: ``x_k`` the model's value, ``y_k`` the target and ``s_k``
its scale. A statistic with a bound only (``>= 3``, ``peak_year`` in 2 to 6) enters as
its miss, how far outside the allowed values the model is (0 inside), against a target
of 0. A value the model cannot give (NaN: no couple ended, so no ratio) counts as
:data:`MISSING` scales off the target.

Everything here is a pure function of a :class:`~sim.validation.couples.Couples`, so
that workers compute the statistics of their particles and send back a few numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.validation import measures
from sim.validation.couples import Couples
from sim.validation.targets import Criterion

MISSING = 10.0
"""How many scales off its target a statistic the model cannot compute counts."""

VALUE_PREFIX = "value:"
"""Prefix of the raw values kept beside each statistic (for the predictive check)."""

KINDS = ("measure", "ended", "satisfaction", "outcome")
"""How a statistic is computed: a validation measure's component, the share ended
within a year, the mean satisfaction of couples together at a year, an outcome share."""


@dataclass(frozen=True)
class Statistic:
    """One number of the model compared with one target value.

    Attributes
    ----------
    name : str
        Unique key among the calibration's statistics (``V1``, ``V4.within_5``,
        ``dissolution.year_3``).
    target : str
        The entry of the spec it comes from (a validation id or a CSV file).
    kind : str
        One of :data:`KINDS`.
    args : tuple of (str, object)
        What the kind needs: ``measure``, ``args`` and ``component`` for a measure;
        ``year`` for ``ended`` and ``satisfaction``; ``outcome`` for ``outcome``.
    observed : float
        The target value; 0 for a statistic given by a bound only.
    scale : float
        The scale of the comparison (> 0).
    criterion : Criterion or None
        For a statistic given by bounds only: the allowed values, whose miss enters.
    label : str
        What it is, in words.
    """

    name: str
    target: str
    kind: str
    args: tuple[tuple[str, Any], ...]
    observed: float
    scale: float
    criterion: Criterion | None = field(default=None, compare=False)
    label: str = ""

    @property
    def arguments(self) -> dict[str, Any]:
        """``args`` as a dict."""
        return dict(self.args)

    def identity(self) -> list[object]:
        """What decides the statistic and its comparison, for hashing."""
        crit = None
        if self.criterion is not None:
            crit = list(self.criterion.interval())
        return [self.name, self.kind, _plain(self.args), self.observed, self.scale, crit]

    def described(self) -> str:
        """The target in words: ``0.2 ± 0.05`` or the allowed values."""
        if self.criterion is not None:
            return self.criterion.describe()
        return f"{self.observed:.3g} ± {self.scale:.3g}"


def _plain(value: object) -> object:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    return value


def raw_values(statistics: Sequence[Statistic], couples: Couples) -> dict[str, float]:
    """The model's value of every statistic for one set of couples (NaN when it cannot
    be computed)."""
    cache: dict[object, measures.Measured] = {}
    out = {}
    for s in statistics:
        a = s.arguments
        if s.kind == "measure":
            key = (a["measure"], a["args"])
            if key not in cache:
                margs = {k: list(v) if isinstance(v, tuple) else v for k, v in a["args"]}
                cache[key] = measures.MEASURES[a["measure"]].function(couples, **margs)
            value = cache[key].values[a["component"]]
        elif s.kind == "ended":
            value = float(couples.ended_by(a["year"]).mean()) if couples.n else math.nan
        elif s.kind == "satisfaction":
            sat, together = measures.couple_satisfaction(couples, a["year"])
            value = float(sat[together].mean()) if together.any() else math.nan
        elif s.kind == "outcome":
            value = float(np.mean(couples.metric("outcome") == a["outcome"]))
        else:  # pragma: no cover - kinds are checked when the spec is read
            raise ValueError(f"unknown statistic kind {s.kind!r}")
        out[s.name] = float(value)
    return out


def compared(statistics: Sequence[Statistic], values: Mapping[str, float]) -> dict[str, float]:
    """What pyabc compares: per statistic, the value (or its miss) with NaN and infinite
    values put :data:`MISSING` scales off the target; and every raw value under
    :data:`VALUE_PREFIX`."""
    out: dict[str, float] = {}
    for s in statistics:
        raw = float(values[s.name])
        x = raw
        if s.criterion is not None:
            x = s.criterion.check(raw)[1] if math.isfinite(raw) else math.nan
        if not math.isfinite(x):
            x = s.observed + MISSING * s.scale
        out[s.name] = x
        out[VALUE_PREFIX + s.name] = raw
    return out


def observed(statistics: Sequence[Statistic]) -> dict[str, float]:
    """The observed summary statistics pyabc is given: every target value."""
    return {s.name: float(s.observed) for s in statistics}


def weights(statistics: Sequence[Statistic]) -> dict[str, float]:
    """The weights of pyabc's ``PNormDistance``: one over each statistic's scale."""
    return {s.name: 1.0 / s.scale for s in statistics}


def distance(statistics: Sequence[Statistic], values: Mapping[str, float]) -> float:
    """The distance of the model's raw values from the targets (see the module notes)."""
    x = compared(statistics, values)
    return math.sqrt(sum(((x[s.name] - s.observed) / s.scale) ** 2 for s in statistics))


def series_needed() -> tuple[str, ...]:
    """The series the statistics may read, recorded every year."""
    from sim.validation.run import SERIES_READ

    return SERIES_READ
