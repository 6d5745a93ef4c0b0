"""Run scenarios for many replicate couples and summarise what they produced.

``relsim run``, ``relsim demo`` and the scenario benchmark share this module: it
builds the engine's parameters from scenarios, runs them (several scenarios in one
vectorised batch when asked), and turns the result into outcome shares, metric
summaries, printable tables and a per-couple Parquet file.

Couple ``i`` of a scenario run with seed ``s`` has key ``couple_keys(s, n)[i]``, so
its trajectory is the same whether the scenario runs alone or batched with others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import atomic
from sim.model import parameters as reg
from sim.model.engine import build_params, simulate
from sim.model.outcomes import OUTCOME_CLASSES
from sim.model.randomness import couple_keys
from sim.scenario import TWO_WAY_MIN_SHARE, Scenario

MAIN_METRICS: tuple[str, ...] = (
    "intimacy",
    "satisfaction_a",
    "satisfaction_b",
    "resentment_a",
    "resentment_b",
    "trust",
    "effort",
    "help_asymmetry",
    "free_help_share",
    "capability_gain_a",
    "capability_gain_b",
    "autonomy_a",
    "autonomy_b",
    "conflict_rate",
    "demand_rate",
    "coercion_rate",
)
"""Metrics ``relsim run`` summarises, in the order it prints them."""

BAND_SERIES: tuple[str, ...] = (
    "intimacy",
    "satisfaction_a",
    "satisfaction_b",
    "resentment_a",
    "resentment_b",
)
"""Weekly series recorded for the figures of ``relsim run``."""


@dataclass
class ScenarioRun:
    """The result of running one scenario for ``n`` replicate couples.

    Attributes
    ----------
    scenario : Scenario
        What was run.
    seed : int
        Root seed of the couple keys.
    steps : int
        Weeks run.
    keys : ndarray of uint64
        One key per couple.
    metrics : dict of str to ndarray
        Final metrics of every couple, with ``outcome`` (class name).
    series : dict of str to ndarray
        Recorded weekly series, each ``(len(weeks), n)``; empty when none recorded.
    weeks : ndarray
        Weeks at which ``series`` was recorded.
    """

    scenario: Scenario
    seed: int
    steps: int
    keys: np.ndarray
    metrics: dict[str, np.ndarray]
    series: dict[str, np.ndarray] = field(default_factory=dict)
    weeks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        """Number of couples."""
        return len(self.keys)

    def shares(self) -> dict[str, float]:
        """Share of couples in every outcome class (zero where none), in class order."""
        names = self.metrics["outcome"]
        return {c: float(np.mean(names == c)) for c in OUTCOME_CLASSES}

    def expectation_met(self) -> bool:
        """Whether every expected class reached its minimum share (and, for a two-way
        pattern, the first two together reached :data:`TWO_WAY_MIN_SHARE`)."""
        shares = self.shares()
        ok = all(shares[e.outcome] >= e.min_share for e in self.scenario.expected)
        if self.scenario.two_way:
            first_two = self.scenario.expected[:2]
            ok &= sum(shares[e.outcome] for e in first_two) >= TWO_WAY_MIN_SHARE
        return bool(ok)

    def summary(self, names: Sequence[str] = MAIN_METRICS) -> pd.DataFrame:
        """Mean, median, 5th and 95th percentile of each metric over the couples."""
        rows = {}
        for name in names:
            x = np.asarray(self.metrics[name], dtype=np.float64)
            x = x[~np.isnan(x)]
            if x.size == 0:
                rows[name] = (np.nan,) * 4
                continue
            p5, p50, p95 = np.percentile(x, [5, 50, 95])
            rows[name] = (x.mean(), p50, p5, p95)
        return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "median", "p5", "p95"])

    def frame(self) -> pd.DataFrame:
        """One row per couple: identity, the scenario's parameter values, final metrics."""
        params = self.scenario.build_params(1)
        cols: dict[str, object] = {
            "scenario": np.full(self.n, self.scenario.name, dtype=object),
            "couple": np.arange(self.n, dtype=np.int64),
            "seed": np.full(self.n, self.seed, dtype=np.int64),
            "key": self.keys.astype(np.uint64),
            "steps": np.full(self.n, self.steps, dtype=np.int64),
        }
        for who, row in (("a", 0), ("b", 1)):
            for t in reg.TRAIT_NAMES:
                cols[f"{who}.{t}"] = np.full(self.n, params.traits[t][row, 0])
        for e in reg.ENV_NAMES:
            cols[f"env.{e}"] = np.full(self.n, params.env[e][0])
        for name, values in self.metrics.items():
            cols[name] = np.asarray(values)
        return pd.DataFrame(cols)


def run_scenarios(
    scenarios: Sequence[Scenario],
    n: int,
    steps: int,
    seed: int,
    record_every: int = 0,
    series: Sequence[str] = BAND_SERIES,
) -> list[ScenarioRun]:
    """Run every scenario for ``n`` couples in one engine batch; one result each.

    Each scenario gets the keys ``couple_keys(seed, n)``, so its result is the one it
    would give alone with that seed.
    """
    if not scenarios:
        return []
    k = len(scenarios)
    a, b, env = {}, {}, {}
    for t in reg.TRAIT_NAMES:
        default = reg.REGISTRY[t].default
        a[t] = np.repeat([sc.a.get(t, default) for sc in scenarios], n)
        b[t] = np.repeat([sc.b.get(t, default) for sc in scenarios], n)
    for e in reg.ENV_NAMES:
        default = reg.REGISTRY[e].default
        env[e] = np.repeat([sc.env.get(e, default) for sc in scenarios], n)
    params = build_params(a, b, env, k * n)
    keys = couple_keys(seed, n)
    sim = simulate(params, np.tile(keys, k), steps, record_every, tuple(series))
    metrics = sim.metrics()
    runs = []
    for i, sc in enumerate(scenarios):
        part = slice(i * n, (i + 1) * n)
        runs.append(
            ScenarioRun(
                scenario=sc,
                seed=seed,
                steps=steps,
                keys=keys,
                metrics={name: values[part] for name, values in metrics.items()},
                series={name: values[:, part] for name, values in sim.series.items()},
                weeks=sim.steps,
            )
        )
    return runs


def run_scenario(
    scenario: Scenario, n: int, steps: int, seed: int, record_every: int = 0
) -> ScenarioRun:
    """Run one scenario for ``n`` replicate couples (see :func:`run_scenarios`)."""
    return run_scenarios([scenario], n, steps, seed, record_every)[0]


def write_couples(run: ScenarioRun, path: Path) -> Path:
    """Write the per-couple table to ``path`` as Parquet, atomically.

    The table goes to a temporary file in the same folder first and is renamed into
    place, so a reader never sees half a file. The schema's metadata records the
    scenario, seed and steps.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(run.frame(), preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta.update(
        {
            b"relsim.scenario": run.scenario.name.encode(),
            b"relsim.seed": str(run.seed).encode(),
            b"relsim.steps": str(run.steps).encode(),
        }
    )
    table = table.replace_schema_metadata(meta)
    with atomic.replacing(path) as tmp:
        pq.write_table(table, tmp)
    return path


def shares_table(run: ScenarioRun) -> str:
    """The outcome shares as text: every class that occurred or was expected."""
    shares = run.shares()
    expected = {e.outcome: e.min_share for e in run.scenario.expected}
    lines = [f"{'outcome':<20}{'share':>7}   expected"]
    for cls in OUTCOME_CLASSES:
        if shares[cls] == 0 and cls not in expected:
            continue
        mark = ""
        if cls in expected:
            ok = "ok" if shares[cls] >= expected[cls] else "BELOW"
            mark = f"at least {expected[cls]:.2f}  {ok}"
        lines.append(f"{cls:<20}{shares[cls]:>7.2f}   {mark}".rstrip())
    if run.scenario.two_way:
        first_two = run.scenario.expected[:2]
        together = sum(shares[e.outcome] for e in first_two)
        names = " + ".join(e.outcome for e in first_two)
        ok = "ok" if together >= TWO_WAY_MIN_SHARE else "BELOW"
        lines.append(
            f"{'(two-way) ' + names}: {together:.2f}   at least {TWO_WAY_MIN_SHARE:.2f}  {ok}"
        )
    return "\n".join(lines)


def metrics_table(run: ScenarioRun, names: Sequence[str] = MAIN_METRICS) -> str:
    """Mean, median and 5-95% range of the main metrics as text."""
    s = run.summary(names)
    lines = [f"{'metric':<20}{'mean':>8}{'median':>8}{'5%':>8}{'95%':>8}"]
    for name, row in s.iterrows():
        lines.append(
            f"{name:<20}{row['mean']:>8.3f}{row['median']:>8.3f}{row['p5']:>8.3f}{row['p95']:>8.3f}"
        )
    ended = float(np.mean(run.metrics["ended"]))
    lines.append(f"{'ended (share)':<20}{ended:>8.3f}")
    return "\n".join(lines)


def demo_table(runs: Sequence[ScenarioRun]) -> str:
    """One line per scenario: primary class share and the main metrics' means."""
    head = (
        f"{'scenario':<29}{'main outcome':<25}{'intimacy':>9}{'satisf.':>9}"
        f"{'resent.':>9}{'ended':>7}"
    )
    lines = [head, "-" * len(head)]
    for run in runs:
        m = run.metrics
        primary = run.scenario.primary.outcome
        share = run.shares()[primary]
        satisfaction = 0.5 * (m["satisfaction_a"] + m["satisfaction_b"]).mean()
        resentment = 0.5 * (m["resentment_a"] + m["resentment_b"]).mean()
        lines.append(
            f"{run.scenario.name:<29}{primary + f' {share:.2f}':<25}"
            f"{m['intimacy'].mean():>9.2f}{satisfaction:>9.2f}{resentment:>9.2f}"
            f"{np.mean(m['ended']):>7.2f}"
        )
    return "\n".join(lines)
