"""One scenario's replicate couples: the study ``relsim run`` makes, and its summaries.

``relsim run NAME`` is a study of one scenario's replicates (:func:`study_spec`): a
``scenarios`` design of that one scenario, run and stored by the experiment runner as
every sweep is, into ``results/NAME``. Values set over the scenario's with
``--set KEY=VALUE`` are factors of one value each in its design (so that they are part
of its identity, and resume and ``relsim plot``/``report`` read them back), and the study
is stored in ``results/NAME+KEY=VALUE`` (:func:`study_folder_name`); its expectations
are the unmodified scenario's and are shown for reference, not checked.
:func:`load_study` reads such a folder back as a :class:`ScenarioRun`, which gives the
outcome shares against what the scenario expects, metric summaries and printable tables.
Replicate ``r`` of a study with seed ``s`` has the run key ``run_keys(s, 0, r)``
(:func:`replicate_keys`).

``relsim run --population NAME`` is the same study of a population's couples
(:func:`population_study_spec`): each replicate drawn from the population by its key.

:func:`run_scenarios` runs several scenarios in one vectorised engine batch without
storing anything, for ``relsim demo --quick`` and the scenario benchmark; couple ``i``
of such a run with seed ``s`` has key ``couple_keys(s, n)[i]``, as in
:func:`sim.run_couples`.
"""

from __future__ import annotations

import json
import shlex
import textwrap
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.datafiles import toml_string
from sim.errors import InputError
from sim.experiment.analysis import results_spec
from sim.experiment.seeding import run_keys
from sim.experiment.spec import Spec, parse_spec
from sim.experiment.storage import ResultStore
from sim.model import parameters as reg
from sim.model.batch import RELATIONSHIP
from sim.model.engine import build_params, simulate
from sim.model.outcomes import OUTCOME_CLASSES
from sim.model.randomness import couple_keys
from sim.population import Population, load_population, population_dir
from sim.scenario import (
    PRIMARY_MAX_SHARE,
    TWO_WAY_MIN_SHARE,
    Expectation,
    Scenario,
    load_scenario,
    overrides_text,
    scenario_dir,
)

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
"""Weekly series a study of one scenario records for its figures."""

STUDY_PLOTS: tuple[dict[str, str], ...] = ({"kind": "bands"}, {"kind": "expected"})
"""The figures of a study of one scenario: replicate bands of its series over time, and
its outcome-class shares against the shares it expects."""

POPULATION_PLOTS: tuple[dict[str, str], ...] = ({"kind": "bands"}, {"kind": "outcomes"})
"""The figures of a study of a population: replicate bands of its series over time, and
its outcome-class shares. A study of a scenario with values set over it, or of one that
expects no classes, draws these too, since no expectations apply to it."""

REFERENCE_NOTE = (
    "Expected shares are the unmodified scenario's, for reference only: with {overrides} "
    "they are not checked."
)
"""What the tables of a study with overrides say about the scenario's expectations."""

NO_EXPECTATIONS_NOTE = "The scenario names no expected outcome classes: nothing is checked."
"""What the tables and pages of a scenario without ``[expected]`` say about it."""

ENDED_BY_YEARS: tuple[int, ...] = (1, 2, 5, 10)
"""Years after which ``relsim run --population`` gives the share of couples ended."""

WEEKS_PER_YEAR = 52


class Check(NamedTuple):
    """One test of a scenario's expectation against what its couples did.

    Attributes
    ----------
    kind : str
        ``share`` (an expected class reached its least share), ``two_way`` (the first
        two classes of a two-way pattern together), ``leads`` (the primary class has the
        largest share), ``at_most`` (the primary class leaves some couples to other
        classes) or ``pattern`` (the expected pattern is the one most couples show).
    text : str
        What was checked and what was found, in one line.
    ok : bool
        Whether it held.
    """

    kind: str
    text: str
    ok: bool


def _runner_up(shares: Mapping[str, float], cls: str) -> str:
    """The class with the largest share other than ``cls``, with that share."""
    name = max((c for c in shares if c != cls), key=lambda c: shares[c])
    return f"{name} {shares[name]:.2f}"


@dataclass
class ScenarioRun:
    """The result of running one scenario for ``n`` replicate couples.

    Attributes
    ----------
    scenario : Scenario or None
        What was run; None for a study of a population.
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
    population : Population or None
        The population the couples were drawn from, for a study of a population.
    """

    scenario: Scenario | None
    seed: int
    steps: int
    keys: np.ndarray
    metrics: dict[str, np.ndarray]
    series: dict[str, np.ndarray] = field(default_factory=dict)
    weeks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    population: Population | None = None

    @property
    def n(self) -> int:
        """Number of couples."""
        return len(self.keys)

    def shares(self) -> dict[str, float]:
        """Share of couples in every outcome class (zero where none), in class order."""
        names = self.metrics["outcome"]
        return {c: float(np.mean(names == c)) for c in OUTCOME_CLASSES}

    def pattern_shares(self) -> dict[str, float] | None:
        """Share of couples showing each class as their ``pattern`` (the class with the
        ending set aside), in class order; None when the metrics do not carry it (a
        study read back from its results folder)."""
        if "pattern" not in self.metrics:
            return None
        names = self.metrics["pattern"]
        return {c: float(np.mean(names == c)) for c in OUTCOME_CLASSES}

    @property
    def expected(self) -> tuple[Expectation, ...]:
        """The scenario's expected classes; none for a study of a population."""
        return self.scenario.expected if self.scenario is not None else ()

    @property
    def two_way(self) -> str | None:
        """The scenario's two-way note, if any."""
        return self.scenario.two_way if self.scenario is not None else None

    def ended_by(self, weeks: int) -> float:
        """Share of couples that ended within ``weeks`` weeks."""
        ended = np.asarray(self.metrics["ended"], dtype=bool)
        when = np.asarray(self.metrics["step_ended"])
        return float(np.mean(ended & (when <= weeks))) if len(ended) else float("nan")

    def checks(self) -> list[Check]:
        """Every test of the scenario's expectation, in order: each expected class
        against its least share; for a two-way pattern, the first two classes together
        against :data:`~sim.scenario.TWO_WAY_MIN_SHARE`; the primary class leading every
        other class and taking at most :data:`~sim.scenario.PRIMARY_MAX_SHARE` of the
        couples; and, when the metrics carry each couple's ``pattern`` and the scenario
        names a pattern class, that class leading the patterns. Empty unless
        :attr:`checked` (for a population, a scenario that expects no classes and a
        scenario with values set over it, whose expectations are the unmodified
        scenario's)."""
        if not self.checked:
            return []
        shares = self.shares()
        out = [
            Check(
                "share",
                f"{e.outcome} {shares[e.outcome]:.2f}, at least {e.min_share:.2f}",
                shares[e.outcome] >= e.min_share,
            )
            for e in self.expected
        ]
        if self.two_way:
            first_two = self.expected[:2]
            together = sum(shares[e.outcome] for e in first_two)
            names = " + ".join(e.outcome for e in first_two)
            out.append(
                Check(
                    "two_way",
                    f"{names} {together:.2f}, at least {TWO_WAY_MIN_SHARE:.2f}",
                    together >= TWO_WAY_MIN_SHARE,
                )
            )
        primary = self.scenario.primary.outcome
        out.append(
            Check(
                "leads",
                f"{primary} {shares[primary]:.2f} leads (next: {_runner_up(shares, primary)})",
                shares[primary] >= max(v for c, v in shares.items() if c != primary),
            )
        )
        out.append(
            Check(
                "at_most",
                f"{primary} {shares[primary]:.2f}, at most {PRIMARY_MAX_SHARE:.2f} "
                "(couples with the same traits differ)",
                shares[primary] <= PRIMARY_MAX_SHARE,
            )
        )
        patterns = self.pattern_shares()
        cls = self.scenario.pattern_class
        if patterns is not None and cls is not None:
            out.append(
                Check(
                    "pattern",
                    f"pattern {cls} {patterns[cls]:.2f} leads the patterns "
                    f"(next: {_runner_up(patterns, cls)})",
                    patterns[cls] >= max(v for c, v in patterns.items() if c != cls),
                )
            )
        return out

    @property
    def checked(self) -> bool:
        """Whether the scenario's expectations apply: a scenario that names some, run as
        its file has it."""
        return self.scenario is not None and self.scenario.expectations_apply

    def expectation_met(self) -> bool:
        """Whether every test of :meth:`checks` held (true when there is none)."""
        return all(c.ok for c in self.checks())

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


def replicate_keys(seed: int, n: int) -> np.ndarray:
    """Run keys of replicates ``0 .. n-1`` of a study of one scenario with root ``seed``.

    A study of one scenario has one design point, so replicate ``r``'s key is
    ``sim.experiment.seeding.run_keys(seed, 0, r)``: ``relsim story`` with the same
    seed tells replicate 0, the first row of the study's ``runs.parquet``.
    """
    return run_keys(seed, np.zeros(n, dtype=np.int64), np.arange(n, dtype=np.int64))


def study_scenario_name(scenario: Scenario) -> str:
    """How a study names its scenario: the name of a shipped scenario, else the file's
    absolute path (so that the study reads it from any working directory)."""
    return _study_name(scenario.name, scenario.path, scenario_dir())


def study_population_name(population: Population) -> str:
    """How a study names its population: as :func:`study_scenario_name` its scenario."""
    return _study_name(population.name, population.path, population_dir())


def _study_name(name: str, path: Path, folder: Path) -> str:
    shipped = folder / f"{name}.toml"
    if shipped.is_file() and shipped.resolve() == Path(path).resolve():
        return name
    return str(Path(path).resolve())


def study_folder_name(scenario: Scenario) -> str:
    """The results folder (and study name) of a scenario's study: its name, followed for
    each value set over it by ``+KEY=VALUE``, in the order of the keys, so that a study
    with other values never mixes with the unmodified scenario's."""
    overrides = sorted(scenario.overrides)
    return "+".join([scenario.name, *(f"{k}={v:g}" for k, v in overrides)])


def study_text(scenario: Scenario, couples: int, steps: int, seed: int, record_every: int) -> str:
    """The spec (TOML) of a study of one scenario's ``couples`` replicates, as
    ``relsim run`` writes it into the manifest; values set over the scenario are
    factors of one value each, in the order of their keys."""
    name = study_scenario_name(scenario)
    overrides = tuple(sorted(scenario.overrides))
    plots = STUDY_PLOTS if scenario.expectations_apply else POPULATION_PLOTS
    plots = plots if record_every else plots[1:]
    head = [f"# {command(name, couples, steps, seed, overrides=overrides)}"]
    head += [f"name = {toml_string(study_folder_name(scenario))}"]
    head += [f"description = {toml_string(' '.join(scenario.description.split()))}"]
    head += [f"scenario = {toml_string(name)}"]
    factors = [f"{toml_string(k)} = [{float(v)!r}]" for k, v in overrides]
    return _study_text(head, couples, steps, seed, record_every, plots, factors)


def population_study_text(
    population: Population, couples: int, steps: int, seed: int, record_every: int
) -> str:
    """The spec (TOML) of a study of ``couples`` couples drawn from a population, as
    ``relsim run --population`` writes it into the manifest."""
    name = study_population_name(population)
    plots = POPULATION_PLOTS if record_every else POPULATION_PLOTS[1:]
    head = [f"# {command(name, couples, steps, seed, population=True)}"]
    head += [f"name = {toml_string(population.name)}"]
    head += [f"description = {toml_string(' '.join(population.description.split()))}"]
    head += [f"population = {toml_string(name)}"]
    return _study_text(head, couples, steps, seed, record_every, plots)


def _study_text(
    head: list[str],
    couples: int,
    steps: int,
    seed: int,
    record_every: int,
    plots: Sequence[Mapping[str, str]],
    factors: Sequence[str] = (),
) -> str:
    lines = [
        *head,
        f"steps = {steps}",
        f"replicates = {couples}",
        f"seed = {seed}",
        f"max_runs = {couples}",
        "",
        "[design]",
        'kind = "scenarios"',
    ]
    if factors:
        lines += ["", "[design.factors]", *factors]
    if record_every:
        series = ", ".join(toml_string(s) for s in BAND_SERIES)
        lines += ["", "[metrics]", f"series = [{series}]", f"record_every = {record_every}"]
    for plot in plots:
        lines += ["", "[[plots]]", *(f"{k} = {toml_string(v)}" for k, v in plot.items())]
    return "\n".join(lines) + "\n"


def study_spec(scenario: Scenario, couples: int, steps: int, seed: int, record_every: int) -> Spec:
    """The validated spec of :func:`study_text`, for the experiment runner."""
    text = study_text(scenario, couples, steps, seed, record_every)
    return parse_spec(tomllib.loads(text), source=str(scenario.path), text=text, model=RELATIONSHIP)


def population_study_spec(
    population: Population, couples: int, steps: int, seed: int, record_every: int
) -> Spec:
    """The validated spec of :func:`population_study_text`, for the experiment runner."""
    text = population_study_text(population, couples, steps, seed, record_every)
    source = str(population.path)
    return parse_spec(tomllib.loads(text), source=source, text=text, model=RELATIONSHIP)


def command(
    name: str,
    couples: int,
    steps: int,
    seed: int,
    population: bool = False,
    overrides: Sequence[tuple[str, float]] = (),
) -> str:
    """The ``relsim run`` command of a study of one scenario (or of a population), with
    the ``--set`` of every value set over the scenario."""
    what = f"--population {shlex.quote(name)}" if population else shlex.quote(name)
    sets = "".join(f" --set {k}={v:g}" for k, v in overrides)
    return f"relsim run {what} --couples {couples} --steps {steps} --seed {seed}{sets}"


def fixed_factors(factors: object) -> tuple[tuple[str, float], ...] | None:
    """The values a design's factors fix, if each has one value; else None.

    ``factors`` is a spec's :class:`~sim.experiment.spec.Factor` tuple, or the
    ``design.factors`` table of a spec's TOML (quoted names, or nested tables); empty
    or None gives ``()``.
    """
    if not factors:
        return ()
    if isinstance(factors, Mapping):
        out = []
        for name, value in factors.items():
            if isinstance(value, Mapping):
                nested = fixed_factors({f"{name}.{k}": v for k, v in value.items()})
                if nested is None:
                    return None
                out += nested
            elif isinstance(value, list) and len(value) == 1:
                out.append((str(name), value[0]))
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out.append((str(name), value))
            else:
                return None
        return tuple(out)
    out = []
    for f in factors:
        if len(getattr(f, "values", ())) != 1:
            return None
        out.append((f.name, f.values[0]))
    return tuple(out)


def is_study(
    model: str, kind: str, scenarios: Sequence[str], factors: object, population: str = ""
) -> bool:
    """Whether a design is a study of one scenario's replicates: the relationship model,
    a ``scenarios`` design of exactly one scenario, no population and no factors but
    factors of one value each (the values ``relsim run --set`` sets over the scenario)."""
    return (
        model == RELATIONSHIP.name
        and kind == "scenarios"
        and len(scenarios) == 1
        and fixed_factors(factors) is not None
        and not population
    )


def study_of(manifest: Mapping[str, object]) -> str | None:
    """The scenario a results folder's manifest shows to be a study of, or None.

    Read from the manifest alone (the spec verbatim is parsed, not validated), so that
    a folder is recognised even when its scenario file has gone.
    """
    found = _manifest_study(manifest)
    if found is None or found[1]:
        return None
    return found[0][0]


def study_overrides_of(manifest: Mapping[str, object]) -> tuple[tuple[str, float], ...]:
    """The values a study's manifest shows were set over its scenario (none when it is
    no study of a scenario)."""
    found = _manifest_study(manifest)
    return found[2] if found is not None else ()


def population_study_of(manifest: Mapping[str, object]) -> str | None:
    """The population a results folder's manifest shows to be a study of, or None
    (read from the manifest alone, as :func:`study_of`)."""
    found = _manifest_study(manifest)
    if found is None or not found[1] or found[2]:
        return None
    return found[1]


def _manifest_study(
    manifest: Mapping[str, object],
) -> tuple[list[str], str, tuple[tuple[str, float], ...]] | None:
    """The scenarios, population and fixed factors of a manifest whose design is a
    study of either."""
    design = manifest.get("design")
    if not isinstance(design, Mapping):
        return None
    text = str(manifest.get("spec", ""))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None
    except RecursionError:
        return None
    inner = data.get("design") if isinstance(data, dict) else None
    factors = inner.get("factors") if isinstance(inner, dict) else None
    scenarios = design.get("scenarios")
    scenarios = list(scenarios) if isinstance(scenarios, list) else []
    population = str(design.get("population") or "")
    if not is_study(str(manifest.get("model")), str(design.get("kind")), scenarios, factors):
        return None
    return scenarios, population, fixed_factors(factors) or ()


def study_scenario(spec: Spec) -> Scenario | None:
    """The scenario of a study of one scenario's replicates, with the values the study set
    over it (:meth:`~sim.scenario.Scenario.with_overrides`), or None for any other study
    (or when its scenario file cannot be read any more)."""
    if not is_study(
        spec.model, spec.design.kind, spec.scenarios, spec.design.factors, spec.population
    ):
        return None
    try:
        sc = load_scenario(spec.scenarios[0])
    except InputError:
        return None
    return sc.with_overrides(fixed_factors(spec.design.factors) or ())


def study_population(spec: Spec) -> Population | None:
    """The population of a study of a population's couples (a ``scenarios`` design of
    the relationship model naming a population, no factors), or None."""
    if (
        not spec.population
        or spec.design.factors
        or not is_study(spec.model, spec.design.kind, spec.scenarios, spec.design.factors)
    ):
        return None
    try:
        return load_population(spec.population)
    except InputError:
        return None


STUDY_COLUMNS: tuple[str, ...] = (
    "run",
    "replicate",
    "key",
    "status",
    "outcome",
    "ended",
    "step_ended",
)
"""Columns of a study's run table that :func:`load_study` reads besides the main metrics."""


def load_study(path: str | Path) -> ScenarioRun:
    """A study of one scenario's replicates (or of a population's couples), read back
    from its results folder.

    Only finished runs are kept, in replicate order; series are those the study
    recorded, each ``(weeks, runs)``.

    Raises
    ------
    InputError
        If the folder holds no results, or results of another kind of study.
    """
    store = ResultStore(path)
    spec = results_spec(path)
    sc = study_scenario(spec)
    pop = study_population(spec) if sc is None else None
    if sc is None and pop is None:
        raise InputError(str(store.root), "", "holds no study of one scenario's replicates")
    names = set(store.runs_schema().names)
    wanted = [c for c in (*STUDY_COLUMNS, *MAIN_METRICS) if c in names]
    runs = store.runs(wanted)
    runs = runs[runs["status"] == "ok"].sort_values("replicate", kind="stable")
    metrics = {c: runs[c].to_numpy() for c in runs.columns}
    series: dict[str, np.ndarray] = {}
    weeks = np.zeros(0, dtype=np.int64)
    if spec.record_every and spec.series:
        ts = store.timeseries()
        ts = ts[ts["replicate"].isin(runs["replicate"])].sort_values(["replicate", "step"])
        weeks = np.unique(ts["step"].to_numpy()).astype(np.int64)
        shape = (len(runs), len(weeks))
        series = {s: ts[s].to_numpy(dtype=np.float64).reshape(shape).T for s in spec.series}
    keys = runs["key"].to_numpy().astype(np.uint64)
    return ScenarioRun(sc, spec.seed, spec.steps, keys, metrics, series, weeks, pop)


def shares_table(run: ScenarioRun) -> str:
    """The outcome shares as text: every class that occurred or was expected (for a
    scenario with values set over it, the unmodified scenario's expectations are shown
    for reference, unchecked)."""
    shares = run.shares()
    expected = {e.outcome: e.min_share for e in run.expected}
    head = "   expected" if run.checked else "   unmodified scenario expects"
    lines = [f"{'outcome':<20}{'share':>7}" + (head if expected else "")]
    for cls in OUTCOME_CLASSES:
        if shares[cls] == 0 and cls not in expected:
            continue
        mark = ""
        if cls in expected:
            ok = ("ok" if shares[cls] >= expected[cls] else "BELOW") if run.checked else ""
            mark = f"at least {expected[cls]:.2f}  {ok}"
        lines.append(f"{cls:<20}{shares[cls]:>7.2f}   {mark}".rstrip())
    if run.scenario is not None and not run.scenario.expected:
        lines.append(NO_EXPECTATIONS_NOTE)
        return "\n".join(lines)
    if run.scenario is not None and run.scenario.modified:
        text = overrides_text(run.scenario.overrides)
        lines += textwrap.wrap(REFERENCE_NOTE.format(overrides=text), 88)
        return "\n".join(lines)
    if run.two_way:
        first_two = run.expected[:2]
        together = sum(shares[e.outcome] for e in first_two)
        names = " + ".join(e.outcome for e in first_two)
        ok = "ok" if together >= TWO_WAY_MIN_SHARE else "BELOW"
        lines.append(
            f"{'(two-way) ' + names}: {together:.2f}   at least {TWO_WAY_MIN_SHARE:.2f}  {ok}"
        )
    for check in run.checks():
        if check.kind in ("leads", "at_most", "pattern"):
            what = check.text if check.kind == "pattern" else f"primary {check.text}"
            lines.append(f"{what}  {'ok' if check.ok else 'NOT MET'}")
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


def ended_table(run: ScenarioRun, years: Sequence[int] = ENDED_BY_YEARS) -> str:
    """The share of couples ended within each of ``years`` the run lasted, as text."""
    lines = [f"{'ended within':<20}{'share':>7}"]
    for year in years:
        if year * WEEKS_PER_YEAR <= run.steps:
            label = f"{year} year{'s' if year != 1 else ''}"
            lines.append(f"{label:<20}{run.ended_by(year * WEEKS_PER_YEAR):>7.2f}")
    return "\n".join(lines) if len(lines) > 1 else ""


MAIN_OUTCOME_NOTE = (
    "main outcome: the scenario's primary expected class (its largest class, marked *, "
    "when it expects none) and its share of {what};"
)
"""How the demo's tables explain their ``main outcome`` column (``what``: couples, runs)."""


def demo_table(runs: Sequence[ScenarioRun]) -> str:
    """One line per scenario: primary class share (or, for a scenario expecting none, the
    largest class's, marked ``*``) and the main metrics' means."""
    head = (
        f"{'scenario':<29}{'main outcome':<25}{'intimacy':>9}{'satisf.':>9}"
        f"{'resent.':>9}{'ended':>7}"
    )
    lines = [head, "-" * len(head)]
    for run in runs:
        m = run.metrics
        shares = run.shares()
        expected = run.scenario.primary
        primary = expected.outcome if expected else max(shares, key=shares.__getitem__)
        share = shares[primary]
        mark = "" if expected else "*"
        satisfaction = 0.5 * (m["satisfaction_a"] + m["satisfaction_b"]).mean()
        resentment = 0.5 * (m["resentment_a"] + m["resentment_b"]).mean()
        lines.append(
            f"{run.scenario.name:<29}{primary + f'{mark} {share:.2f}':<25}"
            f"{m['intimacy'].mean():>9.2f}{satisfaction:>9.2f}{resentment:>9.2f}"
            f"{np.mean(m['ended']):>7.2f}"
        )
    return "\n".join(lines)
