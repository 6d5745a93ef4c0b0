"""The relationship model as a batch model the experiment runner sweeps.

Concrete columns are ``a.<trait>``, ``b.<trait>`` and ``env.<name>``; a factor
``both.<trait>`` sets ``a.<trait>`` and ``b.<trait>`` to the same value. A base
configuration is a scenario (``scenarios/NAME.toml``, or a path to one); a population
(``populations/NAME.toml``, or a path) draws each run's columns by its key. A run is one
couple: its final metrics and outcome class come from :func:`sim.model.engine.simulate`
and its series from :data:`sim.model.outcomes.SERIES`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from sim import population as populations
from sim import scenario as scenarios
from sim.errors import InputError
from sim.experiment.batch import BatchResult, ParameterInfo
from sim.experiment.provenance import code_fingerprint
from sim.model import RESULT_MODULES
from sim.model import parameters as reg
from sim.model.engine import build_params, run_couples, simulate
from sim.model.outcomes import SERIES


@dataclass(frozen=True)
class RelationshipBatch:
    """The relationship model (:mod:`sim.model.engine`) as a batch model.

    The name ``"default"`` is accepted as a base for the registry defaults when no
    scenario file of that name exists.
    """

    name: str = "relationship"

    def factor_names(self) -> tuple[str, ...]:
        """Every qualified name of the registry (see ``parameters.qualified_names``)."""
        return reg.qualified_names()

    def lookup(self, name: str) -> ParameterInfo:
        """The registry's parameter; raises ``ParameterError`` for an unknown name."""
        return reg.lookup(name)

    def columns(self, name: str) -> tuple[str, ...]:
        """``both.x`` is ``a.x`` and ``b.x``; any other qualified name is itself."""
        self.lookup(name)
        prefix, _, rest = name.partition(".")
        return (f"a.{rest}", f"b.{rest}") if prefix == "both" else (name,)

    def defaults(self) -> dict[str, float]:
        """``a.*``, ``b.*`` then ``env.*`` with the registry defaults."""
        return dict(_defaults())

    def scenario_names(self) -> tuple[str, ...]:
        """Every scenario file's name (``sim.scenario.list_scenarios``)."""
        return tuple(scenarios.list_scenarios())

    def base(self, scenario: str) -> dict[str, float]:
        """Trait and environment values of a scenario, on top of the defaults."""
        values = self.defaults()
        try:
            sc = scenarios.load_scenario(scenario)
        except reg.ParameterError as err:
            raise InputError(scenario, err.name, str(err)) from None
        except InputError:
            if scenario == "default":
                return values
            raise
        for prefix, part in (("a", sc.a), ("b", sc.b), ("env", sc.env)):
            for key, value in dict(part).items():
                values[f"{prefix}.{key}"] = float(value)
        return values

    def base_source(self, scenario: str) -> str:
        """The file a scenario name was read from (the user's folder before the shipped
        one), for the provenance; ``"registry defaults"`` for ``default``."""
        try:
            return str(scenarios.scenario_path(scenario).resolve())
        except InputError:
            return "registry defaults"

    def population_names(self) -> tuple[str, ...]:
        """Every population file's name (``sim.population.list_populations``)."""
        return tuple(populations.list_populations())

    def population(self, name: str) -> populations.Population:
        """The population of a name or path (``sim.population.load_population``)."""
        return populations.load_population(name)

    def series_names(self) -> tuple[str, ...]:
        """The engine's recordable series (``sim.model.outcomes.SERIES``)."""
        return tuple(SERIES)

    def metric_names(self) -> tuple[str, ...]:
        """The engine's final metrics, found by running one couple for one week."""
        return _metric_names()

    def fingerprint(self) -> str:
        """The code fingerprint of ``sim.model.RESULT_MODULES``: the registry, the
        declarations, the rules, the engine and the outcomes, without docstrings."""
        return _fingerprint()

    def warm(self) -> None:
        """Load the compiled engine (one couple for one week), as a worker does when it
        starts, so that its first chunk does not wait for it."""
        _metric_names()

    def run(
        self,
        params: Mapping[str, np.ndarray],
        keys: np.ndarray,
        steps: int,
        record_every: int = 0,
        series: Sequence[str] = (),
    ) -> BatchResult:
        """Build the engine's parameters from the columns and simulate every couple."""
        groups: dict[str, dict[str, np.ndarray]] = {"a": {}, "b": {}, "env": {}}
        for column, values in params.items():
            prefix, _, rest = column.partition(".")
            groups[prefix][rest] = np.asarray(values)
        keys = np.asarray(keys, dtype=np.uint64)
        p = build_params(groups["a"], groups["b"], groups["env"], len(keys))
        out = simulate(p, keys, steps, record_every, tuple(series) if record_every else ())
        return BatchResult(out.metrics(), np.asarray(out.steps, dtype=np.int64), out.series)


@cache
def _defaults() -> tuple[tuple[str, float], ...]:
    items = [
        (f"{who}.{t}", reg.REGISTRY[t].default) for who in reg.PARTNERS for t in reg.TRAIT_NAMES
    ]
    items += [(f"env.{e}", reg.REGISTRY[e].default) for e in reg.ENV_NAMES]
    return tuple((k, float(v)) for k, v in items)


@cache
def _fingerprint() -> str:
    return code_fingerprint(RESULT_MODULES)


@cache
def _metric_names() -> tuple[str, ...]:
    return tuple(run_couples(n=1, steps=1).metrics())


RELATIONSHIP = RelationshipBatch()
"""The relationship model, the batch model every experiment sweeps unless told otherwise."""
