"""The batch-model interface the experiment runner sweeps, and the relationship model's.

The runner knows nothing of couples or traits. It asks a *batch model* for its
parameter registry (which names a factor may use, their ranges and defaults, and the
concrete columns a run is described by) and gives it chunks of parameter sets and
random keys to run for a number of steps. Any model offering the same few methods can
be swept, stored and resumed by the same machinery.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from sim.errors import InputError


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

        Results made under another fingerprint are not mixed with new ones.
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


@dataclass(frozen=True)
class RelationshipBatch:
    """The relationship model (:mod:`sim.model.engine`) as a batch model.

    Concrete columns are ``a.<trait>``, ``b.<trait>`` and ``env.<name>``; a factor
    ``both.<trait>`` sets ``a.<trait>`` and ``b.<trait>`` to the same value. A base
    configuration is a scenario, read by :func:`sim.scenario.load_scenario`; the name
    ``"default"`` is also accepted for the registry defaults when no scenario file of
    that name exists.
    """

    name: str = "relationship"

    def factor_names(self) -> tuple[str, ...]:
        """Every qualified name of the registry (see ``parameters.qualified_names``)."""
        from sim.model import parameters

        return parameters.qualified_names()

    def lookup(self, name: str) -> ParameterInfo:
        """The registry's parameter; raises ``ParameterError`` for an unknown name."""
        from sim.model import parameters

        return parameters.lookup(name)

    def columns(self, name: str) -> tuple[str, ...]:
        """``both.x`` is ``a.x`` and ``b.x``; any other qualified name is itself."""
        self.lookup(name)
        prefix, _, rest = name.partition(".")
        return (f"a.{rest}", f"b.{rest}") if prefix == "both" else (name,)

    def defaults(self) -> dict[str, float]:
        """``a.*``, ``b.*`` then ``env.*`` with the registry defaults."""
        return dict(_relationship_defaults())

    def base(self, scenario: str) -> dict[str, float]:
        """Trait and environment values of a scenario, on top of the defaults."""
        from sim.model.parameters import ParameterError

        values = self.defaults()
        try:
            from sim.scenario import load_scenario
        except ImportError:
            if scenario == "default":
                return values
            raise InputError(scenario, "", "no scenario loader available") from None
        try:
            sc = load_scenario(scenario)
        except ParameterError as err:
            raise InputError(scenario, err.name, str(err)) from None
        except InputError:
            if scenario == "default":
                return values
            raise
        for prefix, part in (("a", sc.a), ("b", sc.b), ("env", sc.env)):
            for key, value in dict(part).items():
                values[f"{prefix}.{key}"] = float(value)
        return values

    def series_names(self) -> tuple[str, ...]:
        """The engine's recordable series (``sim.model.outcomes.SERIES``)."""
        from sim.model.outcomes import SERIES

        return tuple(SERIES)

    def metric_names(self) -> tuple[str, ...]:
        """The engine's final metrics, found by running one couple for one week."""
        return _relationship_metric_names()

    def fingerprint(self) -> str:
        """SHA-256 of the source of ``sim.model``: any change to the rules changes it."""
        return _source_hash()

    def run(
        self,
        params: Mapping[str, np.ndarray],
        keys: np.ndarray,
        steps: int,
        record_every: int = 0,
        series: Sequence[str] = (),
    ) -> BatchResult:
        """Build the engine's parameters from the columns and simulate every couple."""
        from sim.model.engine import build_params, simulate

        groups: dict[str, dict[str, np.ndarray]] = {"a": {}, "b": {}, "env": {}}
        for column, values in params.items():
            prefix, _, rest = column.partition(".")
            groups[prefix][rest] = np.asarray(values)
        keys = np.asarray(keys, dtype=np.uint64)
        p = build_params(groups["a"], groups["b"], groups["env"], len(keys))
        sim = simulate(p, keys, steps, record_every, tuple(series) if record_every else ())
        return BatchResult(sim.metrics(), np.asarray(sim.steps, dtype=np.int64), sim.series)


@cache
def _relationship_defaults() -> tuple[tuple[str, float], ...]:
    from sim.model import parameters as reg

    items = [
        (f"{who}.{t}", reg.REGISTRY[t].default) for who in reg.PARTNERS for t in reg.TRAIT_NAMES
    ]
    items += [(f"env.{e}", reg.REGISTRY[e].default) for e in reg.ENV_NAMES]
    return tuple((k, float(v)) for k, v in items)


def package_hash(package) -> str:
    """SHA-256 of the names and sources of a package's modules (``*.py`` beside its
    ``__init__``): a model's fingerprint, which changes with any change to its code."""
    digest = hashlib.sha256()
    for path in sorted(Path(package.__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def _source_hash() -> str:
    import sim.model

    return package_hash(sim.model)


@cache
def _relationship_metric_names() -> tuple[str, ...]:
    from sim.model.engine import run_couples

    return tuple(run_couples(n=1, steps=1).metrics())


RELATIONSHIP = RelationshipBatch()
"""The relationship model, the batch model every experiment sweeps unless told otherwise."""
