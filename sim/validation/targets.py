"""Validation targets as data: ``validation/targets.toml``, read and checked strictly.

Each ``[[target]]`` entry names a measure of :data:`~sim.validation.measures.MEASURES`,
the population it applies to, the measure's arguments, the published value, the
range the model's value must fall in, and the full citation. Every fault (an unknown
key, a wrong type, an unknown measure or component, a criterion missing) is an
:class:`~sim.errors.InputError` naming the file, the key and what was expected. The
format is documented in ``validation/README.md``.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim import inputs
from sim.errors import InputError
from sim.validation.measures import MEASURES, VALUE, Argument, Measure

MARKET = "market"
"""The population named by targets on the partner market (its measures run the market)."""

ENV_VAR = "RELSIM_TARGETS"
"""Environment variable naming another targets file."""

TARGET_KEYS: dict[str, str] = {
    "id": "a short unique name, letters, digits, '_', '-' or '.'",
    "what": "what is measured, one line",
    "measure": "the name of a measure",
    "population": "the population it applies to",
    "args": "a table of the measure's arguments",
    "target": "the published value: a number, a table of numbers by component, or a shape",
    "tolerance": "how far from target the model may be: a number or a table by component",
    "low": "least value allowed (inclusive): a number or a table by component",
    "high": "greatest value allowed (inclusive): a number or a table by component",
    "above": "the value must be greater than this: a number or a table by component",
    "below": "the value must be less than this: a number or a table by component",
    "note": "how the target is read, a few sentences",
    "source": "the citation, a table or an array of tables",
}
"""Keys of one ``[[target]]`` entry, with what each holds."""

REQUIRED = ("id", "what", "measure", "population", "target", "source")
"""Keys every entry must have."""

BOUNDS = ("low", "high", "above", "below")
"""The keys that bound a value on one side."""

SOURCE_KEYS: dict[str, str] = {
    "authors": "the authors, as cited ('Le, B. and Agnew, C. R.')",
    "year": "the year of publication, a whole number",
    "title": "the title of the work",
    "journal": "the journal or series",
    "volume": "volume (and issue) of the journal",
    "pages": "pages",
    "publisher": "the publisher of a book or report",
    "short": "a short cite for tables ('Le & Agnew 2003'); derived from authors when absent",
}
"""Keys of a ``source`` table."""

SOURCE_REQUIRED = ("authors", "year", "title")
"""Keys every source must have (and one of ``journal`` or ``publisher``)."""

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Source:
    """A published source of a target.

    Attributes
    ----------
    authors, title, journal, volume, pages, publisher : str
        The citation's parts (empty when not given).
    year : int
        Year of publication.
    short : str
        A short cite for tables.
    """

    authors: str
    year: int
    title: str
    journal: str = ""
    volume: str = ""
    pages: str = ""
    publisher: str = ""
    short: str = ""

    def full(self) -> str:
        """The full citation, one line."""
        title = self.title if self.title[-1] in ".?!" else f"{self.title}."
        parts = [f"{self.authors} ({self.year}). {title}"]
        where = self.journal
        if self.volume:
            where += f", {self.volume}"
        if self.pages:
            where += f", {self.pages}"
        if where:
            parts.append(f"{where}.")
        if self.publisher:
            parts.append(f"{self.publisher}.")
        return " ".join(parts)


@dataclass(frozen=True)
class Criterion:
    """What one component of a measure must come to.

    Attributes
    ----------
    target : float or None
        The published value (None for a shape or a bound without a value).
    tolerance : float or None
        Allowed distance from ``target``.
    low, high : float or None
        Inclusive bounds.
    above, below : float or None
        Exclusive bounds.
    """

    target: float | None = None
    tolerance: float | None = None
    low: float | None = None
    high: float | None = None
    above: float | None = None
    below: float | None = None

    def interval(self) -> tuple[float, bool, float, bool]:
        """The allowed values: lower end, whether it is excluded, upper end, likewise."""
        lo, lo_open, hi, hi_open = -math.inf, False, math.inf, False
        ends_low, ends_high = (
            [(self.low, False), (self.above, True)],
            [
                (self.high, False),
                (self.below, True),
            ],
        )
        if self.tolerance is not None and self.target is not None:
            ends_low.append((self.target - self.tolerance, False))
            ends_high.append((self.target + self.tolerance, False))
        for value, is_open in ends_low:
            if value is not None and (value > lo or (value == lo and is_open)):
                lo, lo_open = value, is_open
        for value, is_open in ends_high:
            if value is not None and (value < hi or (value == hi and is_open)):
                hi, hi_open = value, is_open
        return lo, lo_open, hi, hi_open

    def check(self, value: float) -> tuple[bool, float]:
        """Whether ``value`` is allowed, and how far outside the allowed values it is
        (0 when allowed, NaN for a NaN value)."""
        if value is None or math.isnan(value):
            return False, math.nan
        lo, lo_open, hi, hi_open = self.interval()
        # inclusive ends allow for rounding: 0.2 - 0.05 is 0.15000000000000002
        if value < lo - _slack(lo) or (lo_open and value <= lo):
            return False, lo - value
        if value > hi + _slack(hi) or (hi_open and value >= hi):
            return False, value - hi
        return True, 0.0

    def describe(self) -> str:
        """The allowed values in words: ``0.15 to 0.25``, ``>= 3.5``, ``< 1``."""
        lo, lo_open, hi, hi_open = self.interval()
        if math.isfinite(lo) and math.isfinite(hi):
            if (
                self.tolerance is not None
                and self.target is not None
                and (lo, hi)
                == (
                    self.target - self.tolerance,
                    self.target + self.tolerance,
                )
            ):
                return f"{_num(self.target)} ± {_num(self.tolerance)}"
            left = "above " if lo_open else ""
            right = " (exclusive)" if hi_open else ""
            return f"{left}{_num(lo)} to {_num(hi)}{right}"
        if math.isfinite(lo):
            return f"{'>' if lo_open else '>='} {_num(lo)}"
        if math.isfinite(hi):
            return f"{'<' if hi_open else '<='} {_num(hi)}"
        return "any"


def _slack(bound: float) -> float:
    return 1e-12 * max(1.0, abs(bound)) if math.isfinite(bound) else 0.0


def _num(x: float) -> str:
    return f"{x:.3g}"


@dataclass(frozen=True)
class Target:
    """One validation target, checked against the measures.

    Attributes
    ----------
    id : str
        Its short name (``V1``).
    what : str
        What is measured, one line.
    measure : str
        The measure's name.
    population : str
        The population it applies to (:data:`MARKET` for the partner market).
    args : dict
        The measure's arguments, defaults filled in.
    target : float or str or dict of str to float
        The published value as the file gives it.
    criteria : dict of str to Criterion
        What each component of the measure must come to.
    sources : tuple of Source
        Its published sources.
    note : str
        How it is read.
    file, key : str
        Where it was read: the file as errors name it, and the entry's key there.
    """

    id: str
    what: str
    measure: str
    population: str
    args: Mapping[str, Any]
    target: float | str | Mapping[str, float]
    criteria: Mapping[str, Criterion]
    sources: tuple[Source, ...]
    note: str = ""
    file: str = ""
    key: str = ""

    @property
    def short_cite(self) -> str:
        """The sources' short cites, joined."""
        return "; ".join(s.short for s in self.sources)

    def target_text(self, component: str = VALUE) -> str:
        """The published value of one component, as text (a shape's description)."""
        if isinstance(self.target, str):
            return self.target
        if isinstance(self.target, Mapping):
            value = self.target.get(component)
            return _num(value) if value is not None else ""
        return _num(self.target)


def default_path() -> Path:
    """The targets file: ``$RELSIM_TARGETS`` when set, else the repository's
    ``validation/targets.toml`` (found beside the package), else that path in the
    working directory."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    beside = Path(__file__).resolve().parent.parent.parent / "validation" / "targets.toml"
    return beside if beside.is_file() else Path.cwd() / "validation" / "targets.toml"


def load_targets(
    path: str | os.PathLike | None = None,
    populations: Iterable[str] | None = None,
) -> tuple[Target, ...]:
    """Read and check a targets file.

    Parameters
    ----------
    path : path, optional
        The file (default :func:`default_path`).
    populations : iterable of str, optional
        The populations a couples measure may name; any name when not given.

    Raises
    ------
    InputError
        For a missing or malformed file and every fault of its entries: one line
        naming the file, the key and what was expected.
    """
    path = Path(path) if path is not None else default_path()
    src = _display(path)
    if not path.exists():
        raise InputError(src, "", "no such targets file")
    data, _, _ = inputs.read_toml(path, "targets file", src)
    return parse_targets(data, src, populations)


def parse_targets(
    data: Mapping[str, Any], src: str, populations: Iterable[str] | None = None
) -> tuple[Target, ...]:
    """Check the parsed contents of a targets file (see :func:`load_targets`)."""
    for key in data:
        if key != "target":
            raise InputError(src, _shown(key), "unknown key; expected [[target]] entries only")
    entries = data.get("target")
    if not isinstance(entries, list) or not entries:
        raise InputError(src, "target", "expected one or more [[target]] entries")
    known = None if populations is None else tuple(populations)
    out: list[Target] = []
    for i, entry in enumerate(entries):
        target = _target(src, f"target[{i}]", entry, known)
        if any(t.id == target.id for t in out):
            raise InputError(src, f"target[{i}].id", f"{target.id!r} is given twice")
        out.append(target)
    return tuple(out)


def _target(src: str, where: str, entry: object, populations: tuple[str, ...] | None) -> Target:
    def fail(key: str, message: str) -> InputError:
        return InputError(src, f"{where}.{key}" if key else where, message)

    if not isinstance(entry, dict):
        raise fail("", f"expected a table, got {_kind(entry)}")
    for key in entry:
        if key not in TARGET_KEYS:
            raise fail(_shown(key), f"unknown key; expected one of {', '.join(TARGET_KEYS)}")
    for key in REQUIRED:
        if key not in entry:
            raise fail(key, f"missing; expected {TARGET_KEYS[key]}")
    ident = _text(fail, "id", entry["id"])
    if not ID_PATTERN.match(ident):
        raise fail("id", f"expected {TARGET_KEYS['id']}, got {ident!r}")
    what = _text(fail, "what", entry["what"])
    if "\n" in what:
        raise fail("what", "expected one line of text")
    name = _text(fail, "measure", entry["measure"])
    if name not in MEASURES:
        raise fail("measure", f"unknown measure {name!r}; expected one of {', '.join(MEASURES)}")
    measure = MEASURES[name]
    population = _text(fail, "population", entry["population"])
    if measure.data == "market" and population != MARKET:
        raise fail("population", f"the measure {name} runs the partner market; expected {MARKET!r}")
    if measure.data == "couples" and populations is not None and population not in populations:
        raise fail(
            "population",
            f"unknown population {population!r}; expected one of {', '.join(populations)}",
        )
    args = _args(fail, measure, entry.get("args", {}))
    components = measure.components(args)
    target = _target_value(fail, entry["target"], components)
    criteria = _criteria(fail, entry, target, components)
    sources = _sources(fail, entry["source"])
    note = _text(fail, "note", entry["note"]) if "note" in entry else ""
    return Target(ident, what, name, population, args, target, criteria, sources, note, src, where)


def _args(fail: Callable[[str, str], InputError], measure: Measure, value: object) -> dict:
    if not isinstance(value, dict):
        raise fail("args", f"expected a table, got {_kind(value)}")
    out = measure.defaults()
    for key, given in value.items():
        if key not in measure.arguments:
            names = ", ".join(measure.arguments)
            expected = f"one of {names}" if names else "none: it takes no arguments"
            raise fail(
                f"args.{_shown(key)}", f"not an argument of {measure.name}; expected {expected}"
            )
        out[key] = _argument(fail, f"args.{key}", measure.arguments[key], given)
    return out


def _argument(fail, key: str, arg: Argument, value: object) -> object:
    def whole(v: object) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    def in_range(numbers: list[float]) -> None:
        for x in numbers:
            if not arg.low <= x <= arg.high:
                raise fail(key, f"expected values in {arg.low:g} to {arg.high:g}, got {x!r}")

    if arg.kind == "int":
        if not whole(value):
            raise fail(
                key, f"expected a whole number ({arg.meaning}), got {_kind(value)} {value!r}"
            )
        in_range([value])
        return value
    if arg.kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(key, f"expected a number ({arg.meaning}), got {_kind(value)} {value!r}")
        in_range([float(value)])
        return float(value)
    if arg.kind == "ints":
        if whole(value):
            in_range([value])
            return value
        if isinstance(value, list) and value and all(whole(v) for v in value):
            in_range(value)
            if len(set(value)) != len(value):
                raise fail(key, f"expected different whole numbers, got {value!r}")
            return list(value)
        raise fail(
            key, f"expected a whole number or an array of them ({arg.meaning}), got {value!r}"
        )
    if isinstance(value, list) and len(value) == 2 and all(whole(v) for v in value):
        in_range(value)
        if value[0] > value[1]:
            raise fail(key, f"expected [first, last] with first <= last, got {value!r}")
        return list(value)
    raise fail(key, f"expected [first, last], two whole numbers ({arg.meaning}), got {value!r}")


def _number(fail, key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise fail(key, f"expected a number, got {_kind(value)} {value!r}")
    return float(value)


def _by_component(fail, key: str, value: object, components: tuple[str, ...]) -> dict:
    """A number for every component, or a table of numbers for some of them."""
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if name not in components:
                raise fail(
                    f"{key}.{_shown(name)}",
                    f"not a component of the measure; expected one of {', '.join(components)}",
                )
            out[name] = _number(fail, f"{key}.{name}", item)
        return out
    number = _number(fail, key, value)
    return dict.fromkeys(components, number)


def _target_value(fail, value: object, components: tuple[str, ...]) -> float | str | dict:
    if isinstance(value, str):
        if not value.strip() or "\n" in value:
            raise fail("target", "expected a one-line description of the shape")
        return value.strip()
    if isinstance(value, dict):
        return _by_component(fail, "target", value, components)
    number = _number(fail, "target", value)
    if len(components) > 1:
        raise fail(
            "target",
            f"the measure gives {', '.join(components)}; expected a table of numbers by component",
        )
    return number


def _criteria(fail, entry: Mapping, target, components: tuple[str, ...]) -> dict[str, Criterion]:
    given = {
        key: _by_component(fail, key, entry[key], components)
        for key in ("tolerance", *BOUNDS)
        if key in entry
    }
    for name, value in given.get("tolerance", {}).items():
        if value < 0:
            key = f"tolerance.{name}" if isinstance(entry["tolerance"], dict) else "tolerance"
            raise fail(key, f"expected a number >= 0, got {value!r}")
    out = {}
    for name in components:
        value = target if isinstance(target, float) else None
        if isinstance(target, dict):
            value = target.get(name)
        tolerance = given.get("tolerance", {}).get(name)
        if tolerance is not None and value is None:
            raise fail("tolerance", f"component {name} has a tolerance but no target value")
        bounds = {key: given.get(key, {}).get(name) for key in BOUNDS}
        if tolerance is None and all(b is None for b in bounds.values()):
            shown = "" if name == VALUE else f" for component {name}"
            raise fail(
                "tolerance",
                f"missing{shown}; expected tolerance, or low, high, above or below",
            )
        crit = Criterion(value, tolerance, **bounds)
        lo, lo_open, hi, hi_open = crit.interval()
        if lo > hi or (lo == hi and (lo_open or hi_open)):
            raise fail("low" if "low" in given else "tolerance", f"no value can meet {name}")
        out[name] = crit
    return out


def _sources(fail, value: object) -> tuple[Source, ...]:
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not items:
        raise fail("source", "expected a table, or an array of tables, of citations")
    return tuple(_source(fail, f"source[{i}]", item) for i, item in enumerate(items))


def _source(fail, key: str, value: object) -> Source:
    if not isinstance(value, dict):
        raise fail(key, f"expected a table, got {_kind(value)}")
    for name in value:
        if name not in SOURCE_KEYS:
            raise fail(
                f"{key}.{_shown(name)}", f"unknown key; expected one of {', '.join(SOURCE_KEYS)}"
            )
    for name in SOURCE_REQUIRED:
        if name not in value:
            raise fail(f"{key}.{name}", f"missing; expected {SOURCE_KEYS[name]}")
    if "journal" not in value and "publisher" not in value:
        raise fail(f"{key}.journal", "missing; expected a journal or a publisher")
    year = value["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 3000:
        raise fail(f"{key}.year", f"expected a year, a whole number, got {year!r}")
    text = {
        name: _text(fail, f"{key}.{name}", value[name])
        for name in SOURCE_KEYS
        if name not in ("year",) and name in value
    }
    text.setdefault("short", short_cite(text["authors"], year))
    return Source(year=year, **text)


def short_cite(authors: str, year: int) -> str:
    """A short cite from authors written ``'Surname, I. and Surname, I.'``.

    Examples
    --------
    >>> short_cite("Le, B. and Agnew, C. R.", 2003)
    'Le & Agnew 2003'
    >>> short_cite("Le, B., Dove, N. L. and Agnew, C. R.", 2010)
    'Le et al. 2010'
    """
    names = [p.strip() for p in re.split(r"\band\b|&", authors) if p.strip()]
    first = [p for p in names[0].split(",") if p.strip()]
    count = len(names) + max(0, len(first) // 2 - 1)
    surname = first[0].strip()
    if count == 1:
        return f"{surname} {year}"
    if count == 2:
        return f"{surname} & {names[-1].split(',')[0].strip()} {year}"
    return f"{surname} et al. {year}"


def _text(fail, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(key, f"expected non-empty text, got {_kind(value)} {value!r}")
    return value.strip()


def _kind(value: object) -> str:
    names = {bool: "boolean", int: "integer", float: "float", str: "string"}
    names.update({list: "array", dict: "table"})
    return names.get(type(value), type(value).__name__)


def _shown(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else repr(key)


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
