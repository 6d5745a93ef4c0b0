"""Calibration specs: read and strictly check ``experiments/NAME.toml`` for ``relsim calibrate``.

A spec names the couples (a population to draw them from, or a scenario), how many a
particle runs and for how long, the parameters to fit with their priors, the targets
(validation targets by id, or the researcher's own data as CSV) and the settings of
pyabc's sequential Monte Carlo. Every fault is an :class:`~sim.errors.InputError`
naming the file, the key and what was expected, raised before anything is written.
The format is documented in ``experiments/README.md``.

Example::

    name = "calibrate_newlyweds"
    description = "Which alternatives and barriers make newlyweds end as often as real ones?"
    population = "newlyweds"        # or scenario = "NAME", every couple alike
    couples = 1000                  # couples a particle
    years = 10
    seed = 11

    [parameters]                    # each with its prior; {} is uniform over the registry range
    "env.alternatives" = {}
    "env.barriers" = { low = 0.2, high = 1.0 }
    "env.commitment_threshold" = { kind = "normal", mean = 0.25, sd = 0.1 }

    [[targets]]
    validation = "V1"               # a target of validation/targets.toml
    [[targets]]
    csv = "data/dissolution.csv"    # columns year, ended[, sd]

    [abc]
    particles = 500
    generations = 12
    min_epsilon_diff = 0.02
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim import datafiles as df
from sim import inputs
from sim.calibration.statistics import Statistic
from sim.errors import InputError
from sim.model import parameters as reg
from sim.model.outcomes import OUTCOME_CLASSES
from sim.validation.couples import WEEKS_PER_YEAR
from sim.validation.measures import MEASURES, VALUE

TOP_KEYS: dict[str, str] = {
    "name": "the results folder's name (default: the file name)",
    "description": "the question the calibration answers",
    "population": "a population to draw the couples from (name or path)",
    "scenario": "a scenario every couple follows (name or path), instead of a population",
    "couples": "couples a particle runs, a whole number >= 10",
    "years": "years every couple runs, a whole number in 1-100 (52 weeks each)",
    "seed": "root seed of the calibration, a whole number >= 0",
    "pool": "couples drawn once from the population that particles sample from",
    "parameters": "the parameters to fit, each with its prior",
    "targets": "[[targets]] entries: validation = ID or csv = FILE",
    "abc": "settings of pyabc's sequential Monte Carlo",
}
"""Top-level keys of a calibration spec, with what each holds."""

ABC_KEYS: dict[str, str] = {
    "particles": "particles a generation, a whole number >= 5",
    "generations": "most generations, a whole number >= 1",
    "min_epsilon": "stop once the acceptance threshold is at most this (>= 0)",
    "min_epsilon_diff": "stop once the threshold falls by less than this (>= 0)",
    "quantile": "each threshold is this weighted quantile of the last distances, in (0, 1]",
    "min_acceptance_rate": "stop once the acceptance rate falls below this, in [0, 1)",
    "max_simulations": "stop once this many particles were simulated in all",
    "predictive": "posterior draws simulated for the predictive check, a whole number >= 1",
}
"""Keys of the ``[abc]`` table."""

PRIOR_KEYS: dict[str, str] = {
    "kind": "uniform (default) or normal (truncated to low and high)",
    "low": "least value (default: the registry's)",
    "high": "greatest value (default: the registry's)",
    "mean": "the normal prior's mean",
    "sd": "the normal prior's standard deviation",
}
"""Keys of one parameter's prior."""

TARGET_KEYS: dict[str, str] = {
    "validation": "the id of a validation target (V1)",
    "file": "the targets file the id is read from (default validation/targets.toml)",
    "csv": "a CSV file of the researcher's own data, relative to the spec",
    "scale": "the scale each value is compared on: a number > 0 (or a table by component)",
}
"""Keys of one ``[[targets]]`` entry."""

CSV_KINDS: dict[str, tuple[str, str, str]] = {
    "dissolution": ("year", "ended", "share of couples ended within the year (years 1..)"),
    "satisfaction": ("year", "satisfaction", "mean satisfaction of couples together"),
    "outcomes": ("outcome", "share", "share of couples in each outcome class"),
    "interactions": ("group", "ratio", "positive over negative interactions by group"),
}
"""The researcher's data a CSV target may hold: its two columns (and an optional ``sd``)."""

CSV_SCALE = {"dissolution": 0.03, "satisfaction": 0.03, "outcomes": 0.03, "interactions": 0.5}
"""Scale of a CSV target's values when neither an ``sd`` column nor ``scale`` is given."""

BOUND_SCALE = 0.1
"""Scale of a validation component given by bounds only, times the bound (at least 1)."""

RATIO_GROUPS = ("stable_satisfied", "ended")
"""Groups an interactions CSV may name (those of the ``positive_negative_ratio`` measure)."""

PRIOR_KINDS = ("uniform", "normal")


@dataclass(frozen=True)
class Prior:
    """The prior of one fitted parameter.

    Attributes
    ----------
    name : str
        Qualified name (``env.alternatives``, ``both.dependency``).
    kind : str
        ``uniform`` on ``[low, high]`` or ``normal`` truncated to it.
    low, high : float
        The support, inside the registry's range.
    mean, sd : float
        The normal prior's (NaN for a uniform one).
    integer : bool
        The parameter takes whole numbers: values are rounded when simulated.
    """

    name: str
    kind: str
    low: float
    high: float
    mean: float = math.nan
    sd: float = math.nan
    integer: bool = False

    def describe(self) -> str:
        """The prior in a few words."""
        if self.kind == "uniform":
            return f"uniform on [{self.low:g}, {self.high:g}]"
        return f"normal(mean {self.mean:g}, sd {self.sd:g}) on [{self.low:g}, {self.high:g}]"

    def identity(self) -> list[object]:
        """What decides the prior, for hashing."""
        return [self.name, self.kind, self.low, self.high, self.mean, self.sd, self.integer]


@dataclass(frozen=True)
class Abc:
    """Settings of pyabc's ABC-SMC (see ``ABCSMC.run``)."""

    particles: int = 100
    generations: int = 8
    min_epsilon: float = 0.0
    min_epsilon_diff: float = 0.0
    quantile: float = 0.5
    min_acceptance_rate: float = 0.0
    max_simulations: int | None = None
    predictive: int = 50


@dataclass(frozen=True)
class CalibrationSpec:
    """A checked calibration spec.

    Attributes
    ----------
    name, description : str
        The results folder's name and the question asked.
    population, scenario : str
        Where the couples come from: a population (drawn) or a scenario (every couple
        alike); exactly one is set.
    couples, years, seed, pool : int
        Couples a particle, years a couple runs, the root seed, and the size of the
        pool of couples drawn once from the population.
    parameters : tuple of Prior
        The parameters fitted, in file order.
    statistics : tuple of Statistic
        The targets, one number each.
    abc : Abc
        pyabc's settings.
    source, text : str
        The file read (``"<dict>"`` for a dict) and its text verbatim.
    """

    name: str
    description: str
    population: str
    scenario: str
    couples: int
    years: int
    seed: int
    pool: int
    parameters: tuple[Prior, ...]
    statistics: tuple[Statistic, ...]
    abc: Abc
    source: str = "<dict>"
    text: str = ""

    @property
    def weeks(self) -> int:
        """Weeks every couple runs."""
        return self.years * WEEKS_PER_YEAR

    @property
    def names(self) -> tuple[str, ...]:
        """The fitted parameters' names."""
        return tuple(p.name for p in self.parameters)

    def identity(self) -> dict[str, object]:
        """Everything that decides the posterior but the stopping rules: a calibration
        stopped or given more generations resumes from the same results."""
        a = self.abc
        return {
            "population": self.population,
            "scenario": self.scenario,
            "couples": self.couples,
            "years": self.years,
            "seed": self.seed,
            "pool": self.pool,
            "parameters": [p.identity() for p in self.parameters],
            "statistics": [s.identity() for s in self.statistics],
            "particles": a.particles,
            "quantile": a.quantile,
        }

    def identity_hash(self, extra: Mapping[str, object] | None = None) -> str:
        """SHA-256 of :meth:`identity` with ``extra`` (the model's fingerprint...)."""
        blob = json.dumps({**self.identity(), **(extra or {})}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def is_calibration(path: str | os.PathLike) -> bool:
    """Whether a TOML file is a calibration spec (it has ``[parameters]`` and
    ``[[targets]]``) rather than a sweep's; False for a file that cannot be read."""
    try:
        data, _, _ = inputs.read_toml(path, "spec")
    except InputError:
        return False
    return isinstance(data.get("parameters"), dict) and isinstance(data.get("targets"), list)


def load_calibration(path: str | os.PathLike) -> CalibrationSpec:
    """Read and check a calibration spec file.

    Raises
    ------
    InputError
        For a missing or malformed file, or any fault of its keys and values.
    """
    path = Path(path)
    data, text, src = inputs.read_toml(path, "calibration spec", df.display(path))
    return parse_calibration(data, src, text, path.stem, path.parent)


def parse_calibration(
    data: Mapping[str, Any],
    source: str = "<dict>",
    text: str | None = None,
    default_name: str | None = None,
    folder: str | os.PathLike | None = None,
) -> CalibrationSpec:
    """Check a spec given as a mapping (the parsed TOML); see the module docstring.

    ``folder`` is where CSV targets are looked for (default: the working directory).
    """
    src = source
    df.no_unknown(src, "", data, TOP_KEYS)
    df.require(src, "", data, {k: TOP_KEYS[k] for k in ("parameters", "targets")})
    name = data.get("name", default_name)
    if not isinstance(name, str) or not df.NAME_PATTERN.match(name):
        raise InputError(src, "name", f"expected lower case letters, digits and '_', got {name!r}")
    description = df.text(src, "description", data.get("description", name))
    population, scenario, population_name = _couples_from(src, data)
    couples = _whole(src, "couples", data.get("couples", 1000), 10)
    years = _whole(src, "years", data.get("years", 10), 1, 100)
    seed = _whole(src, "seed", data.get("seed", 0), 0)
    if scenario and "pool" in data:
        raise InputError(src, "pool", "a scenario's couples are all alike; pool needs a population")
    pool = _whole(src, "pool", data.get("pool", 20 * couples), couples)
    parameters = _parameters(src, df.table(src, "parameters", data["parameters"]))
    base = Path(folder) if folder is not None else Path.cwd()
    statistics = _targets(src, data["targets"], base, population_name, years)
    abc = _abc(src, df.table(src, "abc", data.get("abc", {})))
    if text is None:
        text = json.dumps(data, sort_keys=True, default=str)
    return CalibrationSpec(
        name=name,
        description=description,
        population=population,
        scenario=scenario,
        couples=couples,
        years=years,
        seed=seed,
        pool=pool,
        parameters=parameters,
        statistics=statistics,
        abc=abc,
        source=src,
        text=text,
    )


def _whole(src: str, key: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(src, key, f"expected a whole number, got {df.kind_of(value)} {value!r}")
    if value < low or (high is not None and value > high):
        span = f">= {low}" if high is None else f"in {low}-{high}"
        raise InputError(src, key, f"expected a whole number {span}, got {value}")
    return value


def _number(src: str, key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InputError(src, key, f"expected a number, got {df.kind_of(value)} {value!r}")
    return float(value)


def _couples_from(src: str, data: Mapping[str, Any]) -> tuple[str, str, str]:
    """The population or scenario the couples come from, and the population's name."""
    from sim.population import load_population
    from sim.scenario import load_scenario

    if "population" in data and "scenario" in data:
        raise InputError(src, "population", "give either population or scenario, not both")
    if "scenario" in data:
        scenario = df.line(src, "scenario", data["scenario"])
        try:
            load_scenario(scenario)
        except (InputError, reg.ParameterError) as err:
            raise InputError(src, "scenario", str(err)) from None
        return "", scenario, ""
    if "population" not in data:
        raise InputError(src, "population", "missing; expected a population (or a scenario)")
    population = df.line(src, "population", data["population"])
    try:
        loaded = load_population(population)
    except InputError as err:
        raise InputError(src, "population", str(err)) from None
    return population, "", loaded.name


def _parameters(src: str, table: Mapping[str, Any]) -> tuple[Prior, ...]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("a", "b", "both", "env") and isinstance(value, dict) and key not in flat:
            if all(isinstance(v, dict) for v in value.values()):
                flat.update({f"{key}.{k}": v for k, v in value.items()})
                continue
        flat[key] = value
    if not flat:
        raise InputError(src, "parameters", "expected at least one parameter to fit")
    priors, columns = [], {}
    for name, raw in flat.items():
        key = f"parameters.{df.shown(name)}"
        try:
            param = reg.lookup(name)
        except reg.ParameterError as err:
            hint = df.close_match(name, reg.qualified_names())
            raise InputError(src, key, f"{str(err).removeprefix(f'{name}: ')}{hint}") from None
        prefix, _, rest = name.partition(".")
        for column in (f"a.{rest}", f"b.{rest}") if prefix == "both" else (name,):
            if column in columns:
                raise InputError(src, key, f"sets {column} already set by {columns[column]}")
            columns[column] = name
        priors.append(_prior(src, key, name, raw, param))
    return tuple(priors)


def _prior(src: str, key: str, name: str, raw: object, param: reg.Parameter) -> Prior:
    if not isinstance(raw, dict):
        raise InputError(
            src, key, f"expected a table {{}} or {{ low, high }} or {{ kind, ... }}, got {raw!r}"
        )
    df.no_unknown(src, f"{key}.", raw, PRIOR_KEYS)
    kind = raw.get("kind", "uniform")
    if kind not in PRIOR_KINDS:
        raise InputError(
            src, f"{key}.kind", f"unknown prior {kind!r}; expected one of {', '.join(PRIOR_KINDS)}"
        )
    low = _number(src, f"{key}.low", raw.get("low", param.low))
    high = _number(src, f"{key}.high", raw.get("high", param.high))
    span = f"[{param.low:g}, {param.high:g}]"
    if low < param.low or high > param.high:
        raise InputError(
            src,
            key,
            f"the prior [{low:g}, {high:g}] leaves the range of {name}, {span}",
        )
    if not low < high:
        raise InputError(src, key, f"expected low < high, got low {low:g} and high {high:g}")
    if kind == "uniform":
        for k in ("mean", "sd"):
            if k in raw:
                raise InputError(src, f"{key}.{k}", 'only a prior of kind = "normal" has one')
        return Prior(name, kind, low, high, integer=param.integer)
    if param.integer:
        raise InputError(
            src, f"{key}.kind", f"{name} takes whole numbers; expected a uniform prior"
        )
    df.require(src, f"{key}.", raw, {"mean": PRIOR_KEYS["mean"], "sd": PRIOR_KEYS["sd"]})
    mean = _number(src, f"{key}.mean", raw["mean"])
    sd = _number(src, f"{key}.sd", raw["sd"])
    if not low <= mean <= high:
        raise InputError(
            src, f"{key}.mean", f"expected a mean in [{low:g}, {high:g}], got {mean:g}"
        )
    if not sd > 0:
        raise InputError(src, f"{key}.sd", f"expected a number > 0, got {sd:g}")
    return Prior(name, kind, low, high, mean, sd)


def _abc(src: str, table: Mapping[str, Any]) -> Abc:
    df.no_unknown(src, "abc.", table, ABC_KEYS)
    d = Abc()

    def fraction(key: str, default: float, low_open: bool, high_open: bool) -> float:
        x = _number(src, f"abc.{key}", table.get(key, default))
        if (x <= 0 if low_open else x < 0) or (x >= 1 if high_open else x > 1):
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            raise InputError(
                src, f"abc.{key}", f"expected a number in {left}0, 1{right}, got {x:g}"
            )
        return x

    def at_least_zero(key: str, default: float) -> float:
        x = _number(src, f"abc.{key}", table.get(key, default))
        if x < 0:
            raise InputError(src, f"abc.{key}", f"expected a number >= 0, got {x:g}")
        return x

    max_sims = table.get("max_simulations")
    return Abc(
        particles=_whole(src, "abc.particles", table.get("particles", d.particles), 5),
        generations=_whole(src, "abc.generations", table.get("generations", d.generations), 1),
        min_epsilon=at_least_zero("min_epsilon", d.min_epsilon),
        min_epsilon_diff=at_least_zero("min_epsilon_diff", d.min_epsilon_diff),
        quantile=fraction("quantile", d.quantile, True, False),
        min_acceptance_rate=fraction("min_acceptance_rate", d.min_acceptance_rate, False, True),
        max_simulations=None
        if max_sims is None
        else _whole(src, "abc.max_simulations", max_sims, 1),
        predictive=_whole(src, "abc.predictive", table.get("predictive", d.predictive), 1),
    )


# --- Targets ---------------------------------------------------------------------------------


def _targets(
    src: str, raw: object, folder: Path, population: str, years: int
) -> tuple[Statistic, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        raise InputError(src, "targets", "expected one or more [[targets]] tables")
    out: list[Statistic] = []
    for i, entry in enumerate(raw):
        key = f"targets[{i}]"
        df.no_unknown(src, f"{key}.", entry, TARGET_KEYS)
        if ("validation" in entry) == ("csv" in entry):
            raise InputError(src, key, "expected either validation = ID or csv = FILE")
        if "validation" in entry:
            stats = _validation_target(src, key, entry, population)
        else:
            if "file" in entry:
                raise InputError(src, f"{key}.file", "only a validation target names a file")
            stats = _csv_target(src, key, entry, folder)
        for s in stats:
            if any(o.name == s.name for o in out):
                raise InputError(src, key, f"{s.name} is already a target")
        out.extend(stats)
    _check_horizon(src, out, years)
    return tuple(out)


def _scale_of(src: str, key: str, entry: Mapping, component: str, default: float) -> float:
    if "scale" not in entry:
        return default
    raw = entry["scale"]
    where = f"{key}.scale"
    if isinstance(raw, dict):
        if component not in raw:
            return default
        raw, where = raw[component], f"{where}.{component}"
    x = _number(src, where, raw)
    if not x > 0:
        raise InputError(src, where, f"expected a number > 0, got {x:g}")
    return x


def _validation_target(src: str, key: str, entry: Mapping, population: str) -> list[Statistic]:
    from sim.validation.targets import default_path, load_targets

    ident = df.line(src, f"{key}.validation", entry["validation"])
    path = entry.get("file", None)
    if path is not None:
        path = df.line(src, f"{key}.file", path)
    try:
        targets = load_targets(path if path is not None else default_path())
    except InputError as err:
        raise InputError(src, f"{key}.file", str(err)) from None
    by_id = {t.id: t for t in targets}
    if ident not in by_id:
        hint = df.close_match(ident, tuple(by_id))
        raise InputError(
            src,
            f"{key}.validation",
            f"unknown target {ident!r}{hint}; expected one of {', '.join(by_id)}",
        )
    t = by_id[ident]
    if MEASURES[t.measure].data != "couples":
        raise InputError(src, f"{key}.validation", f"{ident} is a target of the partner market")
    if t.population != population:
        where = f"population {population}" if population else "a scenario"
        raise InputError(
            src,
            f"{key}.validation",
            f"{ident} is a target of population {t.population}; this calibration runs {where}",
        )
    if isinstance(entry.get("scale"), dict):
        for name in entry["scale"]:
            if name not in t.criteria:
                raise InputError(
                    src,
                    f"{key}.scale.{df.shown(name)}",
                    f"not a component of {ident}; expected one of {', '.join(t.criteria)}",
                )
    out = []
    for component, crit in t.criteria.items():
        name = ident if component == VALUE else f"{ident}.{component}"
        args = (
            ("measure", t.measure),
            ("args", tuple(sorted((k, _hashable(v)) for k, v in t.args.items()))),
            ("component", component),
        )
        label = t.what if component == VALUE else f"{t.what}: {component}"
        if crit.tolerance is not None and crit.tolerance > 0 and crit.target is not None:
            scale = _scale_of(src, key, entry, component, crit.tolerance)
            out.append(Statistic(name, ident, "measure", args, crit.target, scale, None, label))
        else:
            lo, _, hi, _ = crit.interval()
            bound = max((abs(b) for b in (lo, hi) if math.isfinite(b)), default=1.0)
            scale = _scale_of(src, key, entry, component, BOUND_SCALE * max(1.0, bound))
            out.append(Statistic(name, ident, "measure", args, 0.0, scale, crit, label))
    return out


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def _csv_target(src: str, key: str, entry: Mapping, folder: Path) -> list[Statistic]:
    text = df.line(src, f"{key}.csv", entry["csv"])
    path = Path(text) if Path(text).is_absolute() else folder / text
    shown = df.display(path)
    content, _ = inputs.read_text(path, "CSV table of targets", shown)
    rows = list(csv.reader(io.StringIO(content, newline="")))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InputError(shown, "", "empty; expected a header row and data rows")
    header = [c.strip() for c in rows[0]]
    kind = _csv_kind(shown, header)
    first, second, what = CSV_KINDS[kind]
    if isinstance(entry.get("scale"), dict):
        raise InputError(src, f"{key}.scale", "expected a number for a CSV target")
    if len(rows) < 2:
        raise InputError(shown, "", "no data rows")
    out = []
    seen = set()
    for line_no, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise InputError(
                shown, f"line {line_no}", f"expected {len(header)} values, got {len(row)}"
            )
        cells = dict(zip(header, (c.strip() for c in row), strict=True))
        where = f"line {line_no}"
        label_value = cells[first]
        value = _csv_number(shown, f"{where}, {second}", cells[second])
        if kind in ("dissolution", "outcomes") and not 0 <= value <= 1:
            raise InputError(
                shown, f"{where}, {second}", f"expected a share in [0, 1], got {value:g}"
            )
        if "sd" in cells:
            scale = _csv_number(shown, f"{where}, sd", cells["sd"])
            if not scale > 0:
                raise InputError(shown, f"{where}, sd", f"expected a number > 0, got {scale:g}")
        else:
            scale = _scale_of(src, key, entry, VALUE, CSV_SCALE[kind])
        stem = Path(text).stem
        if kind in ("dissolution", "satisfaction"):
            year = _csv_year(shown, where, label_value, low=1 if kind == "dissolution" else 0)
            name = f"{stem}.year_{year}"
            stat_kind = "ended" if kind == "dissolution" else "satisfaction"
            args = (("year", year),)
            label = f"{what}, year {year}"
        elif kind == "outcomes":
            if label_value not in OUTCOME_CLASSES:
                hint = df.close_match(label_value, OUTCOME_CLASSES)
                raise InputError(
                    shown,
                    f"{where}, outcome",
                    f"unknown outcome class {label_value!r}{hint}; expected one of "
                    f"{', '.join(OUTCOME_CLASSES)}",
                )
            name, stat_kind = f"{stem}.{label_value}", "outcome"
            args = (("outcome", label_value),)
            label = f"share of couples {label_value}"
        else:
            if label_value not in RATIO_GROUPS:
                raise InputError(
                    shown,
                    f"{where}, group",
                    f"unknown group {label_value!r}; expected one of {', '.join(RATIO_GROUPS)}",
                )
            name, stat_kind = f"{stem}.{label_value}", "measure"
            args = (
                ("measure", "positive_negative_ratio"),
                ("args", (("satisfied", 0.5),)),
                ("component", label_value),
            )
            label = f"positive over negative interactions, {label_value.replace('_', ' ')}"
        if name in seen:
            raise InputError(shown, f"{where}, {first}", f"{label_value} is given twice")
        seen.add(name)
        out.append(Statistic(name, text, stat_kind, args, value, scale, None, label))
    return out


def _csv_kind(shown: str, header: list[str]) -> str:
    for kind, (first, second, _) in CSV_KINDS.items():
        if header in ([first, second], [first, second, "sd"]):
            return kind
    expected = "; ".join(f"{a},{b}[,sd] ({kind})" for kind, (a, b, _) in CSV_KINDS.items())
    raise InputError(
        shown, "", f"unexpected columns {','.join(header)}; expected one of: {expected}"
    )


def _csv_number(shown: str, where: str, text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise InputError(shown, where, f"expected a number, got {text!r}") from None
    if not math.isfinite(x):
        raise InputError(shown, where, f"expected a finite number, got {text!r}")
    return x


def _csv_year(shown: str, where: str, text: str, low: int) -> int:
    try:
        year = int(text)
    except ValueError:
        raise InputError(shown, f"{where}, year", f"expected a whole year, got {text!r}") from None
    if year < low:
        raise InputError(shown, f"{where}, year", f"expected a year >= {low}, got {year}")
    return year


def _check_horizon(src: str, statistics: list[Statistic], years: int) -> None:
    """Refuse statistics the couples' horizon cannot give: each is computed from a few
    couples written by hand that ran ``years`` years."""
    import numpy as np

    from sim.calibration.statistics import raw_values
    from sim.validation.couples import Couples, MissingData
    from sim.validation.run import SERIES_READ

    n, records = 5, years + 1
    metrics = {
        "ended": [False] * n,
        "step_ended": [-1] * n,
        "satisfaction_a": [0.5] * n,
        "satisfaction_b": [0.5] * n,
        "positive_recent": [1.0] * n,
        "negative_recent": [1.0] * n,
        "outcome": ["mutual"] * n,
    }
    # every series the measures read: each partner half way, every couple together
    series = {name: [[1.0 if name == "together" else 0.5] * n] * records for name in SERIES_READ}
    couples = Couples(
        {k: np.asarray(v) for k, v in metrics.items()},
        {k: np.asarray(v, dtype=float) for k, v in series.items()},
        np.arange(records) * WEEKS_PER_YEAR,
        years * WEEKS_PER_YEAR,
    )
    for s in statistics:
        try:
            raw_values([s], couples)
        except (ValueError, MissingData) as err:
            raise InputError(
                src, "years", f"{s.name} cannot be computed from {years} years of couples: {err}"
            ) from None
