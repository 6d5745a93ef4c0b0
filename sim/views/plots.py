"""Plot specs: validate an experiment's ``[[plots]]`` against its results and draw them.

Each ``[[plots]]`` table names a ``kind`` and that kind's fields (see
:data:`KINDS`). Fields are checked against what the results hold (factors and
metrics of ``runs.parquet``, series of ``timeseries/``) before anything is drawn,
so a misspelt metric is a one-line :class:`~sim.errors.InputError`, not a traceback.
Figures go to ``results/NAME/figures/`` as PNG and SVG, with ``figures.json``
listing each file, its title and caption for the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sim import atomic
from sim.errors import InputError
from sim.experiment.effects import finished
from sim.experiment.storage import ResultStore
from sim.views import figures, scenario_run

FIGURES = "figures"
"""Folder of an experiment's results that holds its figures."""

INDEX = "figures.json"
"""The list of figures (file stem, title, caption) inside :data:`FIGURES`."""

FACET = "factor or scenario column, or a list, one panel per level on shared axes"

KINDS: dict[str, dict[str, str]] = {
    "timeseries": {
        "series": "series name or list (default: every recorded series)",
        "by": "factor or scenario column, or a list of them, whose levels make the lines",
        "facet": FACET,
    },
    "phase": {
        "x": "series on the x axis",
        "y": "series on the y axis",
        "by": "as timeseries",
        "facet": FACET,
    },
    "outcomes": {"by": "factor or scenario column, or a list, one bar per level", "facet": FACET},
    "regime": {
        "x": "factor on the x axis",
        "y": "factor on the y axis",
        "metric": "final metric to map (default: the dominant outcome class)",
        "facet": FACET,
    },
    "sensitivity": {"metrics": "final metric or list (default: intimacy)"},
    "bars": {
        "metrics": "final metric or list, one bar each",
        "by": "factor or scenario column, or a list, one group of bars per level",
    },
    "profile": {
        "metrics": "prefix or list: final metrics recorded by age as <prefix>_age<N>",
        "by": "factor or scenario column, or a list, one panel per level",
    },
    "events": {
        "run": "run number of the couple to replay (default: 0)",
        "where": "table of column = value: replay the first finished run that matches",
    },
    "bands": {"series": "series name or list (default: every recorded series)"},
    "expected": {},
    "survival": {
        "by": "factor or scenario column, or a list, one Kaplan-Meier curve per level",
        "facet": FACET,
    },
    "hazard": {
        "by": "factor or scenario column, or a list, one line of yearly hazards per level",
        "facet": FACET,
    },
    "cox": {
        "covariates": "column or list (default: every parameter that varies over the runs)",
        "by": "factor or scenario column, or a list, one model per level (default: one model)",
    },
}
"""Every plot kind and its fields; ``title`` and ``caption`` are allowed for all."""

_COMMON = {"kind", "title", "caption"}
_REQUIRED = {
    "phase": ("x", "y"),
    "regime": ("x", "y"),
    "bars": ("metrics",),
    "profile": ("metrics",),
}


@dataclass(frozen=True)
class Saved:
    """A figure written to disk."""

    stem: str
    title: str
    caption: str
    png: Path
    svg: Path
    table: pd.DataFrame | None = None
    axes: tuple[dict[str, str], ...] = ()
    tick_pt: float = 0.0


ENDINGS = ("ended", "step_ended")
"""Final metrics the survival, hazard and cox plots read: whether and when a run ended."""

RUN_COLUMNS = ("run", "point", "replicate", "key", "scenario", "status", "outcome")
"""Columns of the run table every figure and the page may read: identity and outcome."""


class Results:
    """What a results folder holds, loaded once for every plot of it."""

    planned = False
    """Whether this is what a spec will store (:class:`Planned`), not stored results."""

    def __init__(self, path: str | Path):
        from sim.experiment.analysis import results_spec

        self.root = Path(path)
        self.store = ResultStore(self.root)
        self.manifest = self.store.read_manifest()
        self.spec = results_spec(self.root)
        schema = self.store.runs_schema()
        self.columns: tuple[str, ...] = tuple(schema.names)
        self.numeric: set[str] = {
            f.name
            for f in schema
            if pa.types.is_integer(f.type)
            or pa.types.is_floating(f.type)
            or pa.types.is_boolean(f.type)
        }
        self._wanted: set[str] = set(RUN_COLUMNS) | set(self.factors)
        self._runs: pd.DataFrame | None = None
        self._series: pd.DataFrame | None = None

    @property
    def runs(self) -> pd.DataFrame:
        """The run table, with only the columns the plots so far have asked for.

        Identity, status, outcome and factor columns are always there; a plot's metrics
        are added by :meth:`want` (a million runs' whole table would not fit in memory).
        """
        if self._runs is None:
            self._runs = self.store.runs([c for c in self.columns if c in self._wanted])
        return self._runs

    def read(self, names: Iterable[str]) -> pd.DataFrame:
        """Some columns of the run table (those it holds), read afresh and not kept."""
        return self.store.runs([c for c in dict.fromkeys(names) if c in self.columns])

    def has_series(self) -> bool:
        """Whether the folder holds time series parts."""
        return self.store.has_series()

    def want(self, names: Iterable[str]) -> None:
        """Add columns of the run table that a plot reads."""
        new = {n for n in names if n in self.columns} - self._wanted
        if new:
            self._wanted |= new
            self._runs = None

    @property
    def series(self) -> pd.DataFrame:
        """The tidy time series, read on first use, with the couple means of paired series."""
        if self._series is None:
            ts = self.store.timeseries()
            for name in self.couple_means:
                ts[name] = 0.5 * (ts[f"{name}_a"] + ts[f"{name}_b"])
            self._series = ts
        return self._series

    @property
    def couple_means(self) -> tuple[str, ...]:
        """Series recorded for both partners (``resentment_a`` and ``_b``): their mean."""
        recorded = set(self.spec.series) if self.spec.record_every else set()
        return tuple(
            name[:-2]
            for name in self.spec.series
            if name.endswith("_a") and f"{name[:-2]}_b" in recorded and name[:-2] not in recorded
        )

    @property
    def series_names(self) -> tuple[str, ...]:
        """Series recorded by the sweep, and the couple means of paired ones."""
        if not self.spec.record_every:
            return ()
        return tuple(self.spec.series) + self.couple_means

    @property
    def factors(self) -> list[str]:
        """The swept factors (and ``scenario`` when there are several)."""
        names = [f.name for f in self.spec.design.factors]
        for pt in self.spec.design.points:
            names += [n for n, _ in pt if n not in names]
        return (["scenario"] if len(self.spec.scenarios) > 1 else []) + names

    def parameters(self) -> list[str]:
        """The model's parameter columns that the run table holds."""
        from sim.experiment.models import get_model

        return [c for c in get_model(self.spec.model).defaults() if c in self.columns]

    def default_by(self) -> str | None:
        """The grouping of a plot that names none: scenario, else the first factor."""
        return self.factors[0] if self.factors else None


class Planned(Results):
    """What a sweep of a spec will store: its run table's columns, without its rows.

    Its columns come from one run of one step of the model (with the spec's final
    metrics), so that a spec's ``[[plots]]`` are checked before any run starts.
    """

    planned = True

    def __init__(self, spec, model, root: str | Path):
        from sim.experiment.chunks import ChunkTask, run_chunk
        from sim.experiment.seeding import run_keys

        self.root = Path(root)
        self.spec = spec
        self.manifest: dict[str, object] = {}
        params = {c: np.array([float(v)]) for c, v in model.defaults().items()}
        extra = [f.name for f in spec.design.factors if f.name not in params]
        extra += [n for pt in spec.design.points for n, _ in pt if n not in params]
        label = spec.population or spec.scenarios[0]
        one = np.zeros(1, dtype=np.int64)
        task = ChunkTask(
            chunk_id=0,
            model=model,
            point=one,
            replicate=one,
            keys=run_keys(spec.seed, one, one),
            scenario=np.asarray([label], dtype=object),
            factors={name: np.array([np.nan]) for name in dict.fromkeys(extra)},
            params=params,
            steps=1,
            final=spec.final,
        )
        schema = run_chunk(task).runs.schema
        names = ["run", *schema.names]
        numeric = {"run"} | {
            f.name
            for f in schema
            if pa.types.is_integer(f.type)
            or pa.types.is_floating(f.type)
            or pa.types.is_boolean(f.type)
        }
        if "outcome" not in names:  # the run failed: take every metric as a number
            kept = spec.final if spec.final is not None else model.metric_names()
            names += [m for m in kept if m not in names]
            numeric |= set(kept)
        self.columns = tuple(names)
        self.numeric = numeric
        self._wanted = set()
        self._runs = None
        self._series = None

    @property
    def runs(self) -> pd.DataFrame:
        """No rows: nothing has run yet."""
        return pd.DataFrame(columns=list(self.columns))

    def has_series(self) -> bool:
        """Series will be recorded when the spec names them."""
        return bool(self.spec.record_every and self.spec.series)

    def want(self, names: Iterable[str]) -> None:
        """Nothing to read."""


def check_spec_plots(spec, model, root: str | Path) -> None:
    """Check a spec's ``[[plots]]`` against what its sweep will store, before it runs.

    Raises
    ------
    InputError
        For the first plot table at fault, naming the spec file and ``plots[i]``.
    """
    if not spec.plots:
        return
    planned = Planned(spec, model, root)
    for i, plot in enumerate(spec.plots):
        validate(plot, i, planned)


def default_plots(res: Results) -> list[dict[str, object]]:
    """Plots of an experiment whose spec lists none: what its design lends itself to.

    A study of one scenario's replicates gets its series' bands (when it records any)
    and its outcome classes against the scenario's expectations.
    """
    if scenario_run.study_scenario(res.spec) is not None:
        study = [dict(p) for p in scenario_run.STUDY_PLOTS]
        return study if res.series_names else study[1:]
    plots: list[dict[str, object]] = [{"kind": "outcomes"}]
    if res.series_names:
        plots.append({"kind": "timeseries", "series": list(res.spec.series[:2])})
    if res.spec.design.kind in ("sobol", "morris"):
        plots.append({"kind": "sensitivity"})
    grid = [f.name for f in res.spec.design.factors if len(f.values) > 1]
    if len(grid) >= 2:
        plots.append({"kind": "regime", "x": grid[0], "y": grid[1]})
    if "a.dependency" in res.columns:  # a couple to replay: the relationship model
        plots.append({"kind": "events"})
    return plots


def _names(value: object, key: str, fail) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise fail(key, f"expected a name or a list of names, got {value!r}")


def validate(plot: Mapping[str, object], i: int, res: Results) -> dict[str, object]:
    """Check one plot table against the results; return it with defaults filled in.

    Raises
    ------
    InputError
        For an unknown kind or field, or a metric, series or factor the results lack.
    """
    source = str(res.spec.source if res.spec.source != "<dict>" else res.root)
    where = f"plots[{i}]"

    def fail(key: str, message: str) -> InputError:
        return InputError(source, f"{where}.{key}", message)

    kind = plot.get("kind")
    if kind not in KINDS:
        raise fail("kind", f"unknown plot kind {kind!r}; expected one of {', '.join(KINDS)}")
    allowed = _COMMON | set(KINDS[kind])
    unknown = sorted(set(plot) - allowed)
    if unknown:
        raise fail(
            unknown[0],
            f"not a field of a {kind} plot; expected some of {', '.join(sorted(allowed))}",
        )
    for key in _REQUIRED.get(kind, ()):
        if key not in plot:
            raise fail(key, f"missing; a {kind} plot needs {' and '.join(_REQUIRED[kind])}")
    for key in ("title", "caption"):
        if key in plot and not isinstance(plot[key], str):
            raise fail(key, "expected a string")
    out = dict(plot)
    columns = set(res.columns)
    numeric = res.numeric

    def column(key: str, value: object, pool: set[str], what: str) -> None:
        names = _names(value, key, fail)
        for name in names:
            if name not in pool:
                hint = ", ".join(sorted(pool)[:12]) or "none"
                if pool is numeric and name in columns:
                    raise fail(key, f"column {name!r} holds no numbers; expected one of {hint}")
                raise fail(key, f"{what} {name!r} is not in the results; expected one of {hint}")
        if what != "series":  # series are read from timeseries/, not the run table
            res.want(names)

    series = set(res.series_names)
    if kind in ("timeseries", "phase", "bands") and not series:
        raise fail("kind", f"a {kind} plot needs series; the spec records none (metrics.series)")
    if kind in ("timeseries", "phase", "bands") and not res.has_series():
        raise InputError(
            str(res.root / "timeseries"),
            "",
            "missing or empty, though the spec records series; rerun the sweep with --force",
        )
    if kind in ("timeseries", "bands"):
        out["series"] = _names(plot.get("series", list(res.spec.series)), "series", fail)
        column("series", out["series"], series, "series")
    if kind == "expected" and scenario_run.study_scenario(res.spec) is None:
        raise fail(
            "kind",
            "an expected plot needs a study of one scenario (scenario = NAME, a scenarios "
            "design, no factors) whose file gives the classes it expects",
        )
    if kind == "phase":
        column("x", plot["x"], series, "series")
        column("y", plot["y"], series, "series")
    if kind == "bars":
        out["metrics"] = _names(plot["metrics"], "metrics", fail)
        column("metrics", out["metrics"], numeric, "metric")
    if kind == "profile":
        out["metrics"] = _names(plot["metrics"], "metrics", fail)
        for prefix in out["metrics"]:
            ages = figures.profile_columns(list(res.columns), prefix)
            if not ages:
                raise fail("metrics", f"no metric {prefix}_age<N> in the results")
            res.want(col for _, col in ages)
    if kind in ("survival", "hazard", "cox"):
        lacking = [c for c in ENDINGS if c not in columns]
        if lacking:
            raise fail(
                "kind",
                f"a {kind} plot needs the final metrics {' and '.join(ENDINGS)}; the results "
                f"lack {', '.join(lacking)} (keep them in [metrics] final)",
            )
        res.want(ENDINGS)
    if kind == "cox":
        out["covariates"] = _names(plot.get("covariates", res.parameters()), "covariates", fail)
        column("covariates", out["covariates"], numeric, "column")
        out.setdefault("by", None)
    if kind in ("timeseries", "phase", "outcomes", "bars", "profile", "survival", "hazard"):
        out.setdefault("by", res.default_by())
    if kind in ("timeseries", "phase", "outcomes", "bars", "profile", "survival", "hazard", "cox"):
        if out["by"] is not None:
            column("by", out["by"], columns, "column")
    if kind in ("timeseries", "phase", "outcomes", "survival", "hazard", "regime"):
        if "facet" in plot:
            column("facet", plot["facet"], columns, "column")
    if kind == "regime":
        for key in ("x", "y"):
            if key in plot:
                column(key, plot[key], numeric, "factor")
        if "metric" in plot:
            column("metric", plot["metric"], numeric, "metric")
    if kind == "sensitivity":
        if res.spec.design.kind not in ("sobol", "morris"):
            raise fail(
                "kind",
                f"a sensitivity plot needs a sobol or morris design, not {res.spec.design.kind}",
            )
        out["metrics"] = _names(plot.get("metrics", "intimacy"), "metrics", fail)
        column("metrics", out["metrics"], numeric, "metric")
    if kind == "events" and "a.dependency" not in columns:
        raise fail("kind", "an events plot replays one couple; these results hold no couple")
    if kind == "events" and res.planned:
        if "where" in plot and "run" in plot:
            raise fail("where", "give either run or where, not both")
        if "where" in plot:
            where_ = plot["where"]
            if not isinstance(where_, Mapping) or not where_:
                raise fail("where", "expected a table of column = value")
            for name in where_:
                if name not in columns:
                    raise fail(f"where.{name}", "not a column of the results")
        run = plot.get("run", 0)
        if isinstance(run, bool) or not isinstance(run, int) or run < 0:
            raise fail("run", f"expected a run number, got {run!r}")
    elif kind == "events":
        # Only the columns the choice of run reads (not every column the plots want).
        wanted = ["run", "status"]
        if "where" in plot:
            if "run" in plot:
                raise fail("where", "give either run or where, not both")
            if isinstance(plot["where"], Mapping):
                wanted += [str(name) for name in plot["where"]]
        table = res.read(wanted)
        ok = finished(table)
        if "where" in plot:
            out["run"] = _match(plot["where"], ok, columns, fail)
        run = out.get("run", 0)
        if isinstance(run, bool) or not isinstance(run, int):
            raise fail("run", f"expected a run number, got {run!r}")
        if not (ok["run"] == run).any():
            raise fail("run", f"no finished run {run} in the results (0 to {len(table) - 1})")
    return out


def _match(where: object, ok: pd.DataFrame, columns: set[str], fail) -> int:
    """The first finished run whose columns equal the values of a ``where`` table."""
    if not isinstance(where, Mapping) or not where:
        raise fail("where", "expected a table of column = value")
    mask = pd.Series(True, index=ok.index)
    for name, value in where.items():
        if name not in columns:
            raise fail(f"where.{name}", "not a column of the results")
        col = ok[name]
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not pd.api.types.is_numeric_dtype(col):
                raise fail(f"where.{name}", f"expected a {col.dtype} value, got {value!r}")
            mask &= np.isclose(col.to_numpy(dtype=float), float(value))
        else:
            mask &= col.astype(str) == str(value)
    if not mask.any():
        raise fail("where", f"no finished run matches {dict(where)}")
    return int(ok.loc[mask, "run"].iloc[0])


def plan(res: Results) -> list[dict[str, object]]:
    """Every plot to draw for the results, validated: the spec's, or the defaults."""
    plots = list(res.spec.plots) or default_plots(res)
    return [validate(p, i, res) for i, p in enumerate(plots)]


def draw(plot: Mapping[str, object], res: Results) -> figures.Drawn:
    """Draw one validated plot, in relsim's style (every artist, not just the axes)."""
    with figures.style.style():
        return _draw(plot, res)


def _draw(plot: Mapping[str, object], res: Results) -> figures.Drawn:
    kind = plot["kind"]
    facet = plot.get("facet")
    if kind == "timeseries":
        return figures.timeseries(res.runs, res.series, plot["series"], plot["by"], facet)
    if kind == "phase":
        return figures.phase(res.runs, res.series, plot["x"], plot["y"], plot["by"], facet)
    if kind == "outcomes":
        return figures.outcome_shares(res.runs, plot["by"], facet, expected_classes(res, plot))
    if kind == "regime":
        return figures.regime(res.runs, plot["x"], plot["y"], plot.get("metric"), plot.get("facet"))
    if kind == "sensitivity":
        from sim.experiment.analysis import sensitivity

        indices = {m: sensitivity(res.root, m) for m in plot["metrics"]}
        return figures.sensitivity(indices, res.spec.design.kind)
    if kind == "bars":
        return figures.bars(res.runs, plot["metrics"], plot["by"])
    if kind == "profile":
        return figures.profile(res.runs, plot["metrics"], plot["by"])
    if kind == "events":
        return events(res, int(plot.get("run", 0)))
    if kind == "bands":
        note = "A couple that ended keeps its last values." if "a.dependency" in res.columns else ""
        return figures.bands(res.series, plot["series"], note)
    if kind == "expected":
        sc = scenario_run.study_scenario(res.spec)
        if sc is None or not sc.expected:
            return figures.outcome_shares(res.runs, None)
        expected = {e.outcome: e.min_share for e in sc.expected}
        return figures.expected_outcomes(res.runs, expected, res.spec.steps)
    year = scenario_run.WEEKS_PER_YEAR
    if kind == "survival":
        return figures.survival(res.runs, res.spec.steps, plot["by"], year, facet)
    if kind == "hazard":
        return figures.hazard(res.runs, res.spec.steps, plot["by"], year, facet)
    if kind == "cox":
        by = plot.get("by")
        models = figures.cox_models(res.runs, res.spec.steps, plot["covariates"], by)
        return figures.cox(models, figures._by_text(by) if by is not None else "")
    raise ValueError(f"unknown plot kind {kind!r}")


def expected_classes(res: Results, plot: Mapping[str, object]) -> dict[str, list[str]] | None:
    """The classes each scenario's file expects, when an outcomes plot has a bar per
    scenario (``by = "scenario"``) of the relationship model; else None."""
    if plot.get("by") != "scenario" or "a.dependency" not in res.columns:
        return None
    from sim.scenario import load_scenario

    out = {}
    for name in res.spec.scenarios:
        try:
            out[name] = [e.outcome for e in load_scenario(name).expected]
        except InputError:
            continue  # a scenario file that has gone: its bar is left unmarked
    return out or None


def events(res: Results, run: int) -> figures.Drawn:
    """The event strip of one run of the results, replayed from its parameters and key."""
    from sim.model import parameters as reg
    from sim.model.engine import replay

    row = res.store.run_row(run)
    a = {t: float(row[f"a.{t}"]) for t in reg.TRAIT_NAMES}
    b = {t: float(row[f"b.{t}"]) for t in reg.TRAIT_NAMES}
    env = {e: row[f"env.{e}"] for e in reg.ENV_NAMES}
    env = {k: (int(v) if reg.REGISTRY[k].integer else float(v)) for k, v in env.items()}
    replayed = replay(a, b, env, int(row["key"]), res.spec.steps)
    factors = [f for f in res.factors if f in row.index]
    short = figures.style.short
    where = ", ".join(
        f"{short(f)} {row[f]:g}" if isinstance(row[f], float) else f"{short(f)} {row[f]}"
        for f in factors
    )
    title = f"run {run}" + (f": {where}" if where else "") + f", ended {row['outcome']}"
    return figures.event_strip(figures.event_table(replayed.events), replayed.intimacy, title)


def _stem(i: int, plot: Mapping[str, object]) -> str:
    parts = [f"{i:02d}", str(plot["kind"])]
    for key in ("series", "x", "y", "metric", "metrics", "by", "facet", "run"):
        value = plot.get(key)
        if value is None:
            continue
        parts += [str(v) for v in (value if isinstance(value, list) else [value])]
    stem = "-".join(parts).replace(".", "_").replace(" ", "_")
    return "".join(c for c in stem if c.isalnum() or c in "-_")[:80]


def _title(plot: Mapping[str, object]) -> str:
    if "title" in plot:
        return str(plot["title"])
    kind = plot["kind"]
    short = figures.style.short
    facet = f", by {figures.style.by_words(plot['facet'])}" if plot.get("facet") else ""
    if kind == "timeseries":
        return f"{', '.join(short(n) for n in plot['series'])} over time{facet}"
    if kind == "phase":
        return f"{short(plot['y'])} against {short(plot['x'])}{facet}"
    if kind == "outcomes":
        return f"outcome classes{facet}"
    if kind == "regime":
        what = short(plot["metric"]) if plot.get("metric") else "outcome class"
        return f"regime map of {what} over {short(plot['x'])} and {short(plot['y'])}{facet}"
    if kind == "sensitivity":
        return f"sensitivity of {', '.join(short(n) for n in plot['metrics'])}"
    if kind == "bars":
        return ", ".join(short(n) for n in plot["metrics"])
    if kind == "profile":
        return f"{', '.join(short(n) for n in plot['metrics'])} by relationship age"
    if kind == "bands":
        stems = [stem for stem, _ in figures.band_panels(plot["series"])]
        listed = ", ".join(stems[:-1]) + (" and " if len(stems) > 1 else "") + stems[-1]
        return f"{listed} over time"
    if kind == "expected":
        return "outcome classes against what the scenario expects"
    if kind == "survival":
        return f"survival of couples (Kaplan-Meier){facet}"
    if kind == "hazard":
        return f"hazard of ending by year{facet}"
    if kind == "cox":
        return "hazard ratios of ending (Cox model)"
    return f"events of run {plot.get('run', 0)}"


def draw_results(
    path: str | Path, plots: Sequence[Mapping[str, object]] | None = None
) -> list[Saved]:
    """Draw every plot of a results folder into ``figures/`` (PNG and SVG).

    Every plot is checked first; then each figure is drawn from its own columns of the
    run table (:func:`draw_saved`), read for it and freed once it is saved, so that the
    page of a large sweep holds one figure's columns at a time.

    Parameters
    ----------
    path : path
        The results folder (``results/NAME``).
    plots : sequence of mapping, optional
        Plot tables to draw instead of the spec's.

    Returns
    -------
    list of Saved
        The figures written, in order; ``figures/figures.json`` lists them too.

    Raises
    ------
    InputError
        For missing results or an invalid plot; nothing is drawn then.
    """
    res = Results(path)
    raw = list(plots) if plots is not None else (list(res.spec.plots) or default_plots(res))
    for i, plot in enumerate(raw):
        validate(plot, i, res)
    del res  # each figure reads its own columns
    folder = Path(path) / FIGURES
    folder.mkdir(parents=True, exist_ok=True)
    saved = [draw_saved(Path(path), i, plot) for i, plot in enumerate(raw)]
    index = [_entry(s) for s in saved]
    atomic.write_text(folder / INDEX, json.dumps(index, indent=2))
    for old in folder.glob("*.*"):
        if old.suffix in (".png", ".svg") and old.stem not in {s.stem for s in saved}:
            old.unlink()
    return saved


def draw_saved(root: Path, i: int, plot: Mapping[str, object]) -> Saved:
    """Draw the ``i``-th plot table of a results folder (checked already) from its own
    columns of the run table, and save it into ``figures/``."""
    res = Results(root)
    plot = validate(plot, i, res)
    drawn = draw(plot, res)
    stem = _stem(i, plot)
    png, svg = res.root / FIGURES / f"{stem}.png", res.root / FIGURES / f"{stem}.svg"
    figures.style.save_files(drawn.figure, png, svg)
    caption = str(plot.get("caption", drawn.caption))
    axes = tuple(figures.axes_info(drawn.figure))
    tick = figures.smallest_tick(drawn.figure)
    return Saved(stem, _title(plot), caption, png, svg, drawn.table, axes, tick)


def _entry(s: Saved) -> dict[str, object]:
    """A figure's entry of ``figures.json``; its table, if any, as columns and rows."""
    entry: dict[str, object] = {
        "stem": s.stem,
        "title": s.title,
        "caption": s.caption,
        "axes": list(s.axes),
        "tick_pt": s.tick_pt,
    }
    if s.table is not None:
        rows = s.table.astype(object).where(s.table.notna(), None).to_numpy().tolist()
        entry["table"] = {"columns": [str(c) for c in s.table.columns], "rows": rows}
    return entry


def read_table(entry: Mapping[str, object]) -> pd.DataFrame | None:
    """The table of a ``figures.json`` entry (see :func:`draw_results`), or None."""
    table = entry.get("table")
    if not isinstance(table, Mapping):
        return None
    return pd.DataFrame(table["rows"], columns=table["columns"])


def read_index(path: str | Path) -> list[dict[str, str]]:
    """The figures of a results folder as ``figures.json`` lists them (empty if none)."""
    index = Path(path) / FIGURES / INDEX
    if not index.is_file():
        return []
    return json.loads(index.read_text(encoding="utf-8"))
