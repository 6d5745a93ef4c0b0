"""The batch-model interface the experiment runner sweeps.

The runner knows nothing of couples or traits. It asks a *batch model* for its
parameter registry (which names a factor may use, their ranges and defaults, and the
concrete columns a run is described by) and gives it chunks of parameter sets and
random keys to run for a number of steps. Any model offering the same few methods can
be swept, stored and resumed by the same machinery; each model keeps its batch model
beside itself and registers it with :func:`sim.experiment.models.register`.

A model may also offer named *populations* (:class:`PopulationModel`): distributions
to draw each run's parameters from by the run's key, which a spec names instead of a
scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np


class ParameterInfo(Protocol):
    """What the runner needs to know of one parameter."""

    low: float
    high: float
    default: float
    integer: bool


@dataclass(frozen=True)
class BatchResult:
    """What a batch model returns for one chunk of runs.

    Attributes
    ----------
    metrics : dict of str to ndarray
        Final metrics, one array of length ``n`` per name (numbers, booleans or
        strings).
    steps : ndarray of int64
        The steps at which ``series`` was recorded.
    series : dict of str to ndarray
        Recorded series, each of shape ``(len(steps), n)``.
    """

    metrics: dict[str, np.ndarray]
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    series: dict[str, np.ndarray] = field(default_factory=dict)


@runtime_checkable
class BatchModel(Protocol):
    """A model the runner can sweep.

    A run is a pure function of its parameter values, its uint64 key and the number
    of steps; ``run`` must honour that, so that results do not depend on chunking,
    executor or worker count.
    """

    name: str

    def factor_names(self) -> tuple[str, ...]:
        """Every name a factor may sweep."""
        ...

    def lookup(self, name: str) -> ParameterInfo:
        """The parameter behind a factor name; raise ``InputError`` or ``ValueError``."""
        ...

    def columns(self, name: str) -> tuple[str, ...]:
        """The concrete parameter columns a factor sets (several for a shared value)."""
        ...

    def defaults(self) -> dict[str, float]:
        """Every concrete parameter column with its default value, in a fixed order."""
        ...

    def scenario_names(self) -> tuple[str, ...]:
        """Every named base configuration (scenario) a spec may list, for ``"all"``."""
        ...

    def base(self, scenario: str) -> dict[str, float]:
        """Concrete parameter values of a named base configuration (scenario).

        Raises
        ------
        InputError
            If the scenario is unknown or invalid.
        """
        ...

    def series_names(self) -> tuple[str, ...]:
        """Names of the series ``run`` can record."""
        ...

    def fingerprint(self) -> str:
        """A string that changes whenever the model's results may change (its code).

        Results made under another fingerprint are not mixed with new ones;
        :func:`sim.experiment.provenance.code_fingerprint` makes one from the modules
        that decide the results.
        """
        ...

    def metric_names(self) -> tuple[str, ...]:
        """Names of the final metrics ``run`` returns."""
        ...

    def run(
        self,
        params: Mapping[str, np.ndarray],
        keys: np.ndarray,
        steps: int,
        record_every: int = 0,
        series: Sequence[str] = (),
    ) -> BatchResult:
        """Run ``len(keys)`` runs, one per key, with one parameter value per run and column."""
        ...


class PopulationInfo(Protocol):
    """A loaded population, as a :class:`PopulationModel` gives it."""

    def identity(self) -> Mapping[str, object]:
        """What decides its draws (JSON-serialisable): results drawn from another
        identity are not mixed with new ones."""
        ...

    def columns(self, keys: np.ndarray) -> dict[str, np.ndarray]:
        """Every concrete parameter column, one value per key; each value a pure
        function of its own key."""
        ...


@runtime_checkable
class PopulationModel(Protocol):
    """A batch model whose runs may draw their parameters from named populations.

    Optional beside :class:`BatchModel`: a spec may name a population only for a model
    that offers these methods.
    """

    def population_names(self) -> tuple[str, ...]:
        """Every named population a spec may name."""
        ...

    def population(self, name: str) -> PopulationInfo:
        """The population of a name (or path).

        Raises
        ------
        InputError
            If the population is unknown or invalid.
        """
        ...
