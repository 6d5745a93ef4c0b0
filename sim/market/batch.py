"""The market as a batch model the experiment runner sweeps (``model = "market"``).

One run is one market of ``market.size`` people for ``steps`` weeks: its final
metrics are the population summaries of :func:`sim.market.history.summary` and its
series the weekly population series of :data:`sim.market.market.WEEK_SERIES`.
Concrete columns are ``market.<name>``, ``pop.<trait>`` (population means) and
``env.<name>`` (the environment of every couple). A run depends only on its columns,
its key (the market key) and the number of weeks, so results do not depend on the
chunking or the executor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from sim.errors import InputError
from sim.experiment.batch import BatchResult, ParameterInfo
from sim.experiment.provenance import code_fingerprint
from sim.market import RESULT_MODULES as MARKET_MODULES
from sim.market import history
from sim.market import parameters as mreg
from sim.market.market import WEEK_SERIES, Market, Settings
from sim.model import RESULT_MODULES as MODEL_MODULES
from sim.model import parameters as reg


@dataclass(frozen=True)
class MarketBatch:
    """The partner market (:class:`sim.market.Market`) as a batch model."""

    name: str = "market"

    def factor_names(self) -> tuple[str, ...]:
        """``market.<name>``, ``pop.<trait>`` and ``env.<name>``."""
        return mreg.qualified_names()

    def lookup(self, name: str) -> ParameterInfo:
        """The parameter behind a name; raises ``ParameterError`` for an unknown one."""
        return mreg.lookup(name)

    def columns(self, name: str) -> tuple[str, ...]:
        """Every market name is a column of its own."""
        self.lookup(name)
        return (name,)

    def defaults(self) -> dict[str, float]:
        """``market.*``, ``pop.*`` then ``env.*`` with their defaults."""
        return dict(_defaults())

    def scenario_names(self) -> tuple[str, ...]:
        """None: a market has no named scenarios."""
        return ()

    def base(self, scenario: str) -> dict[str, float]:
        """The defaults: a market sweep has one base, ``"default"``."""
        if scenario != "default":
            raise InputError(
                scenario,
                "",
                'a market sweep has no scenarios; leave scenario out or write "default"',
            )
        return self.defaults()

    def series_names(self) -> tuple[str, ...]:
        """The market's weekly population series."""
        return WEEK_SERIES

    def metric_names(self) -> tuple[str, ...]:
        """The population summaries, found by running a market of two for one week."""
        return _metric_names()

    def fingerprint(self) -> str:
        """The code fingerprint of ``sim.market.RESULT_MODULES`` and of the relationship
        model's (``sim.model.RESULT_MODULES``): the couples run on its engine."""
        return _fingerprint()

    def run(
        self,
        params: Mapping[str, np.ndarray],
        keys: np.ndarray,
        steps: int,
        record_every: int = 0,
        series: Sequence[str] = (),
    ) -> BatchResult:
        """Run one market per key, one after another, and gather their summaries."""
        keys = np.asarray(keys, dtype=np.uint64)
        n = len(keys)
        names = _metric_names()
        metrics: dict[str, list] = {m: [] for m in names}
        recorded: dict[str, list[list[float]]] = {s: [] for s in series}
        weeks = np.zeros(0, dtype=np.int64)
        for i in range(n):
            groups: dict[str, dict[str, float]] = {"market": {}, "pop": {}, "env": {}}
            for column, values in params.items():
                prefix, _, rest = column.partition(".")
                param = self.lookup(column)
                x = float(np.asarray(values)[i])
                groups[prefix][rest] = int(round(x)) if param.integer else x
            settings = Settings.build(groups["market"], groups["pop"], groups["env"])
            market = Market(settings, keys[i], record_every=record_every if series else 0)
            market.run(steps)
            if series:
                if market.series_weeks[-1] != steps:
                    market.record()
                weeks = np.asarray(market.series_weeks, dtype=np.int64)
                for s in series:
                    recorded[s].append(market.series[s])
            summary = history.summary(market)
            for m in names:
                metrics[m].append(summary[m])
        out = {
            m: np.asarray(v, dtype=object if m == "outcome" else np.float64)
            for m, v in metrics.items()
        }
        return BatchResult(
            out,
            weeks,
            {
                s: np.asarray(v, dtype=np.float64).T.reshape(len(weeks), n)
                for s, v in recorded.items()
            },
        )


@cache
def _defaults() -> tuple[tuple[str, float], ...]:
    items = [(f"market.{k}", v) for k, v in mreg.market_defaults().items()]
    items += [(f"pop.{k}", v) for k, v in mreg.population_defaults().items()]
    items += [(f"env.{k}", v) for k, v in reg.env_defaults().items()]
    return tuple((k, float(v)) for k, v in items)


@cache
def _metric_names() -> tuple[str, ...]:
    return history.summary_names()


@cache
def _fingerprint() -> str:
    return code_fingerprint((*MARKET_MODULES, *MODEL_MODULES))


MARKET = MarketBatch()
"""The partner market as a batch model."""
