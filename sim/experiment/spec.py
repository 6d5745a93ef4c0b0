"""Experiment specs: read and strictly validate ``experiments/NAME.toml``.

A spec names the base scenario(s) or a population to draw each run from, the horizon,
the replicates, the root seed, the design and its factors, what to record, a run limit
and the plots to draw. Every unknown key, wrong type, out-of-range value or unknown
scenario or population is an
:class:`~sim.errors.InputError` naming the file and the key, raised before anything
is written.

Example::

    name = "demand"
    model = "relationship"         # a registered batch model; default: the default one
    description = "Does a more dependent partner drain the helper's goodwill?"
    scenario = "balanced"          # or scenarios = ["a", "b"], or scenarios = "all"
    # population = "newlyweds"     # instead: each run drawn from a population by its key
    steps = 520
    replicates = 20
    seed = 1
    max_runs = 100000              # refuse to start past this many runs

    [design]
    kind = "grid"                  # grid, explicit, lhs, sobol, morris, scenarios

    [design.factors]
    "a.dependency" = [0.1, 0.5, 0.9]                      # listed values
    "env.problem_rate" = { low = 0.2, high = 0.8, num = 4 }  # evenly spaced

    [metrics]
    final = ["intimacy", "goodwill_b"]   # default: every final metric
    series = ["intimacy"]                # recorded every record_every steps
    record_every = 4                     # 0 records no series

    [[plots]]
    kind = "timeseries"                  # drawn by the plotting face
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sim import inputs
from sim.errors import InputError
from sim.experiment.batch import BatchModel, PopulationModel
from sim.experiment.models import get_model, model_names

DESIGN_KINDS = ("grid", "explicit", "lhs", "sobol", "morris", "scenarios")
"""Every design kind a spec may name."""

DEFAULT_MAX_RUNS = inputs.RUNS.default
"""Run limit when a spec names none; ``--force`` starts past it."""

_TOP_KEYS = {
    "name",
    "model",
    "description",
    "scenario",
    "scenarios",
    "population",
    "steps",
    "replicates",
    "seed",
    "max_runs",
    "design",
    "metrics",
    "plots",
}
_DESIGN_KEYS = {"kind", "factors", "points", "samples", "levels", "second_order", "seed"}
_METRIC_KEYS = {"final", "series", "record_every"}
_RANGE_KEYS = {"low", "high", "num"}
_PREFIXES = ("a", "b", "both", "env", "market", "pop")


@dataclass(frozen=True)
class Factor:
    """One swept parameter.

    Attributes
    ----------
    name : str
        Qualified name, e.g. ``a.dependency`` or ``both.growth``.
    values : tuple of float
        Grid values (listed, or ``num`` evenly spaced from ``low`` to ``high``); empty
        for sampled designs.
    low, high : float
        Range of a sampled design (and of a spaced grid).
    """

    name: str
    values: tuple[float, ...] = ()
    low: float = math.nan
    high: float = math.nan


@dataclass(frozen=True)
class Design:
    """How design points are made.

    Attributes
    ----------
    kind : str
        One of :data:`DESIGN_KINDS`.
    factors : tuple of Factor
        Swept parameters, in file order.
    points : tuple of tuple of (str, float)
        The points of an ``explicit`` design.
    samples : int
        ``lhs``: points; ``sobol``: base sample N; ``morris``: trajectories.
    levels : int
        Grid levels of a ``morris`` design.
    second_order : bool
        Whether a ``sobol`` design allows second-order indices.
    seed : int
        Seed of the sampled designs (the spec's seed unless given).
    """

    kind: str
    factors: tuple[Factor, ...] = ()
    points: tuple[tuple[tuple[str, float], ...], ...] = ()
    samples: int = 0
    levels: int = 4
    second_order: bool = False
    seed: int = 0


@dataclass(frozen=True)
class Spec:
    """A validated experiment spec.

    Attributes
    ----------
    name, description : str
        The experiment's name (the results folder) and the question it asks.
    model : str
        The name of the batch model swept (as registered in
        :mod:`sim.experiment.models`); empty for the default model.
    scenarios : tuple of str
        Base scenarios; ``("default",)`` when the file names none (or a population).
    steps, replicates, seed : int
        Horizon in steps, runs per design point, root seed.
    design : Design
        The design.
    final : tuple of str, or None
        Final metrics kept; ``None`` keeps every one.
    series : tuple of str
        Series recorded every ``record_every`` steps (none when 0).
    record_every : int
        Recording interval in steps; 0 records no series.
    max_runs : int
        The run limit.
    plots : tuple of dict
        Plot tables, carried through for the plotting face.
    source : str
        The file the spec came from (``"<dict>"`` when built in Python).
    text : str
        The spec verbatim (TOML text, or JSON for a spec built from a dict).
    population : str
        The population each run is drawn from by its key (a name or a path), with the
        design's factors laid over the drawn values; empty for none.
    """

    name: str
    description: str
    scenarios: tuple[str, ...]
    steps: int
    replicates: int
    seed: int
    design: Design
    final: tuple[str, ...] | None = None
    series: tuple[str, ...] = ()
    record_every: int = 0
    max_runs: int = DEFAULT_MAX_RUNS
    plots: tuple[Mapping[str, object], ...] = field(default=(), compare=False)
    source: str = "<dict>"
    text: str = ""
    model: str = ""
    population: str = ""

    @property
    def text_hash(self) -> str:
        """SHA-256 of the spec verbatim."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def identity(self) -> dict[str, object]:
        """Everything that decides the runs' values (not replicates, texts, limits, plots).

        Two specs with equal identities give equal values for every (point, replicate)
        they share, so results of one may be extended by the other: adding replicates
        keeps the finished runs.
        """
        d = self.design
        population = {"population": self.population} if self.population else {}
        return {
            **population,
            "scenarios": list(self.scenarios),
            "steps": self.steps,
            "seed": self.seed,
            "design": {
                "kind": d.kind,
                "factors": [[f.name, list(f.values), f.low, f.high] for f in d.factors],
                "points": [[list(p) for p in pt] for pt in d.points],
                "samples": d.samples,
                "levels": d.levels,
                "second_order": d.second_order,
                "seed": d.seed,
            },
            "final": None if self.final is None else list(self.final),
            "series": list(self.series),
            "record_every": self.record_every,
        }

    def identity_hash(self, extra: Mapping[str, object] | None = None) -> str:
        """SHA-256 of :meth:`identity` (with ``extra``, e.g. the scenarios' values and the
        population's identity)."""
        blob = json.dumps({**self.identity(), **(extra or {})}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def load_spec(path: str | Path, model: BatchModel | None = None) -> Spec:
    """Read and validate an experiment spec file (for ``model``, or the one it names).

    Raises
    ------
    InputError
        For a missing or malformed file, or any invalid key or value.
    """
    data, text, source = inputs.read_toml(path, "spec")
    return parse_spec(data, source=source, text=text, default_name=Path(path).stem, model=model)


def parse_spec(
    data: Mapping[str, object],
    source: str = "<dict>",
    text: str | None = None,
    default_name: str | None = None,
    model: BatchModel | None = None,
) -> Spec:
    """Validate a spec given as a mapping (the parsed TOML); see the module docstring.

    The spec is validated for ``model`` when one is given (a spec naming another model
    is an error), else for the model its ``model`` key names.
    """
    v = _Validator(source)
    if not isinstance(data, Mapping):
        raise v.fail("", "expected a table of spec keys")
    inputs.check_tree(data, source)
    v.keys(data, _TOP_KEYS, "")
    model = _model(v, data, model)
    if text is None:
        text = json.dumps(data, sort_keys=True, default=str)
    name = inputs.safe_name(v.string(data, "name", default_name), source, "name")
    description = v.string(data, "description", None)
    steps = v.integer(data, "steps", 520, low=1)
    replicates = v.integer(data, "replicates", 1, low=1)
    seed = v.integer(data, "seed", 0, low=0)
    max_runs = v.integer(data, "max_runs", DEFAULT_MAX_RUNS, low=1)
    if replicates > max_runs:
        raise v.fail(
            "replicates", f"{replicates:,} replicates exceed max_runs {max_runs:,}; raise max_runs"
        )
    population = _population(v, data, model)
    scenarios = _scenarios(v, data, model)
    design = _design(v, data.get("design"), seed, model, max_runs)
    final, series, record_every = _metrics(v, data.get("metrics", {}), model)
    plots = data.get("plots", [])
    if not isinstance(plots, list) or not all(
        isinstance(p, dict) and isinstance(p.get("kind"), str) for p in plots
    ):
        raise InputError(source, "plots", "expected [[plots]] tables, each with a string kind")
    return Spec(
        name=name,
        description=description,
        scenarios=scenarios,
        steps=steps,
        replicates=replicates,
        seed=seed,
        design=design,
        final=final,
        series=series,
        record_every=record_every,
        max_runs=max_runs,
        plots=tuple(plots),
        source=source,
        text=text,
        model=model.name,
        population=population,
    )


def _model(v: _Validator, data: Mapping, model: BatchModel | None) -> BatchModel:
    """The model a spec is validated for: the one given, or the one it names."""
    if "model" not in data:
        return model if model is not None else get_model()
    name = data["model"]
    if not isinstance(name, str) or name not in model_names():
        known = ", ".join(model_names())
        raise v.fail("model", f"unknown model {name!r}; expected one of {known}")
    if model is not None and model.name != name:
        raise v.fail("model", f"the spec names model {name!r}, but is read for {model.name!r}")
    return model if model is not None else get_model(name)


class _Validator:
    """Typed look-ups that raise :class:`InputError` naming the file and key."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, message: str) -> InputError:
        return InputError(self.source, key, message)

    def keys(self, table: object, allowed: set[str], where: str) -> None:
        if not isinstance(table, Mapping):
            raise self.fail(where.rstrip("."), "expected a table")
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail(
                f"{where}{unknown[0]}", f"unknown key; expected one of {', '.join(sorted(allowed))}"
            )

    def string(self, table: Mapping, key: str, default: str | None, where: str = "") -> str:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "missing; expected a string")
        if not isinstance(value, str):
            raise self.fail(f"{where}{key}", f"expected a string, got {type(value).__name__}")
        return value

    def integer(
        self,
        table: Mapping,
        key: str,
        default: int | None,
        low: int = 0,
        where: str = "",
        high: int = inputs.MAX_INTEGER,
    ) -> int:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "missing; expected an integer")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where}{key}", f"expected an integer, got {value!r}")
        if value < low:
            raise self.fail(f"{where}{key}", f"expected an integer >= {low}, got {value}")
        if value > high:
            raise self.fail(
                f"{where}{key}",
                f"expected an integer of at most {high:,}, got {value:,}"
                if value <= inputs.MAX_INTEGER
                else f"expected an integer of at most {high:,}, got one of 64 bits or more",
            )
        return value

    def number(self, value: object, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"expected a number, got {value!r}")
        try:
            x = float(value)
        except OverflowError:
            raise self.fail(key, "expected a number, got one too large") from None
        if not math.isfinite(x):
            raise self.fail(key, f"expected a finite number, got {x}")
        return x


def _scenarios(v: _Validator, data: Mapping, model: BatchModel) -> tuple[str, ...]:
    if "scenario" in data and "scenarios" in data:
        raise v.fail("scenarios", "give either scenario or scenarios, not both")
    if "scenarios" in data:
        raw = data["scenarios"]
        if raw == "all":
            names = _all_scenarios(v, model)
        elif isinstance(raw, list) and raw and all(isinstance(s, str) for s in raw):
            names = tuple(raw)
        else:
            raise v.fail("scenarios", 'expected a non-empty list of scenario names, or "all"')
        if len(set(names)) != len(names):
            raise v.fail("scenarios", "a scenario is listed twice")
    else:
        names = (v.string(data, "scenario", "default"),)
    for name in names:
        try:
            model.base(name)
        except InputError as err:
            raise v.fail("scenario" if "scenario" in data else "scenarios", str(err)) from None
        except ValueError as err:
            raise v.fail("scenarios", f"{name}: {err}") from None
    return names


def _population(v: _Validator, data: Mapping, model: BatchModel) -> str:
    """The population a spec names (checked by loading it), or ``""``."""
    if "population" not in data:
        return ""
    for key in ("scenario", "scenarios"):
        if key in data:
            raise v.fail("population", f"give either population or {key}, not both")
    name = v.string(data, "population", None)
    if not name:
        raise v.fail("population", "expected a population name or a path to a .toml file")
    if not isinstance(model, PopulationModel):
        raise v.fail("population", f"the {model.name} model draws no populations")
    try:
        model.population(name)
    except InputError as err:
        raise v.fail("population", str(err)) from None
    return name


def _all_scenarios(v: _Validator, model: BatchModel) -> tuple[str, ...]:
    names = tuple(model.scenario_names())
    if not names:
        raise v.fail("scenarios", f"the {model.name} model has no named scenarios")
    return names


def _flatten(table: Mapping) -> dict[str, object]:
    """Accept ``a.dependency = ...`` written unquoted (a nested table) as well as quoted."""
    out: dict[str, object] = {}
    for key, value in table.items():
        if key in _PREFIXES and isinstance(value, Mapping):
            for sub, x in value.items():
                out[f"{key}.{sub}"] = x
        else:
            out[key] = value
    return out


def _parameter(v: _Validator, model: BatchModel, name: str, key: str):
    try:
        return model.lookup(name)
    except (ValueError, KeyError) as err:
        raise v.fail(key, str(err).removeprefix(f"{name}: ")) from None


def _check_value(v: _Validator, param, x: float, key: str) -> float:
    if not param.low <= x <= param.high:
        raise v.fail(key, f"expected a value in [{param.low:g}, {param.high:g}], got {x:g}")
    if param.integer and x != int(x):
        raise v.fail(key, f"expected an integer in [{param.low:g}, {param.high:g}], got {x:g}")
    return x


def _factor(
    v: _Validator, model: BatchModel, name: str, raw: object, kind: str, max_runs: int
) -> Factor:
    key = f"design.factors.{name}"
    param = _parameter(v, model, name, key)
    sampled = kind in ("lhs", "sobol", "morris")
    if isinstance(raw, list):
        nums = [v.number(x, key) for x in raw]
        if sampled:
            if len(nums) != 2:
                raise v.fail(key, f"a {kind} design needs a range [low, high] or {{low, high}}")
            low, high = nums
            return _range(v, param, name, key, low, high)
        if not nums:
            raise v.fail(key, "expected at least one value")
        if len(set(nums)) != len(nums):
            raise v.fail(key, "a value is listed twice")
        return Factor(name, tuple(_check_value(v, param, x, key) for x in nums))
    if isinstance(raw, Mapping):
        v.keys(raw, _RANGE_KEYS if not sampled else {"low", "high"}, f"{key}.")
        if "low" not in raw or "high" not in raw:
            raise v.fail(key, "expected a table with low and high")
        low, high = v.number(raw["low"], f"{key}.low"), v.number(raw["high"], f"{key}.high")
        f = _range(v, param, name, key, low, high)
        if sampled:
            return f
        num = v.integer(raw, "num", None, low=2, where=f"{key}.")
        if num > max_runs:
            raise v.fail(
                f"{key}.num",
                f"{num:,} values make more runs than max_runs {max_runs:,} allows; raise max_runs",
            )
        values = tuple(low + (high - low) * i / (num - 1) for i in range(num))
        if param.integer:
            values = tuple(sorted({float(round(x)) for x in values}))
        return Factor(name, values, low, high)
    if not sampled and isinstance(raw, int | float) and not isinstance(raw, bool):
        return Factor(name, (_check_value(v, param, v.number(raw, key), key),))
    raise v.fail(
        key, "expected a list of values or a table {low, high" + (", num}" if not sampled else "}")
    )


def _range(v: _Validator, param, name: str, key: str, low: float, high: float) -> Factor:
    if not low < high:
        raise v.fail(key, f"expected low < high, got low {low:g} and high {high:g}")
    if not (param.low <= low and high <= param.high):
        raise v.fail(
            key, f"range [{low:g}, {high:g}] leaves the valid range [{param.low:g}, {param.high:g}]"
        )
    return Factor(name, (), low, high)


def _design(v: _Validator, raw: object, seed: int, model: BatchModel, max_runs: int) -> Design:
    if raw is None:
        raise v.fail("design", "missing; expected a [design] table with a kind")
    v.keys(raw, _DESIGN_KEYS, "design.")
    kind = v.string(raw, "kind", None, "design.")
    if kind not in DESIGN_KINDS:
        raise v.fail(
            "design.kind", f"unknown design {kind!r}; expected one of {', '.join(DESIGN_KINDS)}"
        )
    factors_raw = raw.get("factors", {})
    if not isinstance(factors_raw, Mapping):
        raise v.fail("design.factors", "expected a table of factor = values")
    factors = tuple(
        _factor(v, model, name, value, kind, max_runs)
        for name, value in _flatten(factors_raw).items()
    )
    _no_overlap(v, model, [f.name for f in factors], "design.factors")
    design_seed = v.integer(raw, "seed", seed, low=0, where="design.")
    extra = {"points", "samples", "levels", "second_order"} & set(raw)
    allowed = {
        "grid": set(),
        "scenarios": set(),
        "explicit": {"points"},
        "lhs": {"samples"},
        "sobol": {"samples", "second_order"},
        "morris": {"samples", "levels"},
    }[kind]
    if extra - allowed:
        raise v.fail(f"design.{sorted(extra - allowed)[0]}", f"not used by a {kind} design")
    if kind == "explicit":
        if factors:
            raise v.fail("design.factors", "an explicit design lists its points, not factors")
        return Design(kind, points=_points(v, raw.get("points"), model), seed=design_seed)
    if kind in ("grid", "scenarios"):
        if kind == "grid" and not factors:
            raise v.fail("design.factors", "a grid design needs at least one factor")
        return Design(kind, factors, seed=design_seed)
    if not factors:
        raise v.fail("design.factors", f"a {kind} design needs at least one factor")
    if kind in ("sobol", "morris") and len(factors) < 2:
        raise v.fail("design.factors", f"a {kind} design needs at least two factors")
    samples = v.integer(raw, "samples", None, low=2 if kind != "lhs" else 1, where="design.")
    if samples > max_runs:
        raise v.fail(
            "design.samples",
            f"{samples:,} samples make more runs than max_runs {max_runs:,} allows; raise max_runs",
        )
    if kind == "sobol" and samples & (samples - 1):
        raise v.fail("design.samples", f"a sobol design needs a power of 2, got {samples}")
    levels = (
        v.integer(raw, "levels", 4, low=2, where="design.", high=inputs.MAX_LEVELS)
        if kind == "morris"
        else 4
    )
    second = raw.get("second_order", False)
    if not isinstance(second, bool):
        raise v.fail("design.second_order", f"expected true or false, got {second!r}")
    return Design(kind, factors, (), samples, levels, second, design_seed)


def _no_overlap(v: _Validator, model: BatchModel, names: list[str], key: str) -> None:
    seen: dict[str, str] = {}
    for name in names:
        for column in model.columns(name):
            if column in seen:
                raise v.fail(f"{key}.{name}", f"sets {column} already set by {seen[column]}")
            seen[column] = name


def _points(v: _Validator, raw: object, model: BatchModel):
    if not isinstance(raw, list) or not raw:
        raise v.fail("design.points", "expected a non-empty list of tables of factor = value")
    points = []
    for i, item in enumerate(raw):
        key = f"design.points[{i}]"
        if not isinstance(item, Mapping) or not item:
            raise v.fail(key, "expected a non-empty table of factor = value")
        pt = []
        for name, value in _flatten(item).items():
            param = _parameter(v, model, name, f"{key}.{name}")
            x = _check_value(v, param, v.number(value, f"{key}.{name}"), f"{key}.{name}")
            pt.append((name, x))
        _no_overlap(v, model, [n for n, _ in pt], key)
        points.append(tuple(pt))
    return tuple(points)


def _metrics(v: _Validator, raw: object, model: BatchModel):
    v.keys(raw, _METRIC_KEYS, "metrics.")
    final = raw.get("final")
    if final is not None:
        known = model.metric_names()
        if not isinstance(final, list) or not all(isinstance(m, str) for m in final):
            raise v.fail("metrics.final", "expected a list of metric names")
        for m in final:
            if m not in known:
                raise v.fail(
                    "metrics.final", f"unknown metric {m!r}; expected some of {', '.join(known)}"
                )
        final = tuple(dict.fromkeys(final))
    series = raw.get("series", [])
    known_series = model.series_names()
    if not isinstance(series, list) or not all(isinstance(s, str) for s in series):
        raise v.fail("metrics.series", "expected a list of series names")
    for s in series:
        if s not in known_series:
            raise v.fail(
                "metrics.series",
                f"unknown series {s!r}; expected some of {', '.join(known_series)}",
            )
    record_every = v.integer(raw, "record_every", 0, low=0, where="metrics.")
    if record_every and not series:
        raise v.fail("metrics.series", "record_every is set but no series is named")
    if series and not record_every:
        raise v.fail("metrics.record_every", "series are named but record_every is 0")
    return final, tuple(dict.fromkeys(series)), record_every
