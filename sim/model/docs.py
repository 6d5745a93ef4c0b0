"""Tables of ``docs/ODD.md`` generated from the code: parameters, state, events, thresholds.

The parameter table is built from the registry (:mod:`sim.model.parameters`), the
state and event tables from the declarations (:mod:`sim.model.declarations`), the
threshold table from :class:`~sim.model.outcomes.Thresholds`. In ``docs/ODD.md`` each
table sits between marker comments such as ``<!-- parameter-table:start -->`` and
``<!-- parameter-table:end -->``; ``python -m sim.model.docs --write docs/ODD.md``
rewrites what lies between them, and ``--check`` reports whether they are current. The
README's table of limits (:func:`sim.inputs.limits_table`) is kept the same way
(``--write README.md``).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path

import numpy as np

from sim import atomic, inputs
from sim.model.declarations import BOOKKEEPING, COUPLE, EVENTS, PARTNER, STATE, Variable
from sim.model.engine import build_params
from sim.model.outcomes import Thresholds
from sim.model.parameters import ENVIRONMENT, TRAITS, Parameter
from sim.model.state import initial_state


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _number(x: float, integer: bool = False) -> str:
    return str(int(x)) if integer else f"{x:g}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [_row(header), "|" + "|".join("---" for _ in header) + "|"]
    lines += [_row(r) for r in rows]
    return "\n".join(lines) + "\n"


def _parameter_row(p: Parameter) -> list[str]:
    lo, hi = _number(p.low, p.integer), _number(p.high, p.integer)
    return [
        f"`{p.name}`",
        p.scope,
        _number(p.default, p.integer),
        f"[{lo}, {hi}]",
        p.unit,
        p.meaning,
        p.source,
    ]


def parameter_table() -> str:
    """Markdown table of every trait and environment parameter of the registry.

    Returns
    -------
    str
        One row per parameter, traits first, in registry order, with columns name,
        scope, default, range, unit, meaning and source; ends with a newline.
    """
    header = ("name", "scope", "default", "range", "unit", "meaning", "source")
    return _table(header, [_parameter_row(p) for p in (*TRAITS, *ENVIRONMENT)])


def threshold_table() -> str:
    """Markdown table of the outcome thresholds and their default values.

    Returns
    -------
    str
        One row per field of :class:`~sim.model.outcomes.Thresholds`, in field order,
        with columns name and default; ends with a newline.
    """
    defaults = Thresholds()
    rows = [[f"`{f.name}`", _number(getattr(defaults, f.name))] for f in fields(Thresholds)]
    return _table(("name", "default"), rows)


def _range(v: Variable) -> str:
    high = "∞" if math.isinf(v.high) else _number(v.high)
    return f"[{_number(v.low)}, {high}]"


def _reported(v: Variable) -> str:
    name = v.reported_as
    shown = {"each": f"`{name}_a`, `{name}_b`", "mean": f"`{name}` (mean)", "value": f"`{name}`"}
    how = [w for w, on in (("metric", v.metric), ("series", v.series)) if on]
    return f"{shown[v.report]} as {' and '.join(how)}" if v.report and how else ""


def _initial(scope: str) -> dict[str, np.ndarray]:
    state = initial_state(build_params())
    return {v.name: getattr(state, v.name) for v in STATE if v.scope == scope}


def state_table(scope: str) -> str:
    """Markdown table of the float state variables of one scope, in slot order.

    Parameters
    ----------
    scope : str
        ``"partner"`` or ``"couple"``.

    Returns
    -------
    str
        Columns name, meaning, range, the initial value at the registry's default
        traits (partner a's for partner variables) and how a run reports it.
    """
    initial = _initial(scope)
    rows = []
    for v in STATE:
        if v.scope != scope:
            continue
        value = initial[v.name]
        first = value[0, 0] if scope == PARTNER else value[0]
        rows.append([f"`{v.name}`", v.meaning, _range(v), f"{float(first):.3g}", _reported(v)])
    return _table(("name", "meaning", "range", "initial (default traits)", "reported"), rows)


def bookkeeping_table() -> str:
    """Markdown table of the couple arrays that are not floats."""
    rows = [[f"`{name}`", dtype, meaning] for name, _, dtype, meaning in BOOKKEEPING]
    return _table(("name", "type", "meaning"), rows)


def event_table() -> str:
    """Markdown table of every event kind, in code order.

    Returns
    -------
    str
        Columns code, name, meaning, the group the picture and the event strip draw it
        in and its valence (+1 positive, -1 negative, 0 neither).
    """
    rows = [
        [
            str(code),
            f"`{kind.name}`",
            kind.meaning,
            kind.group,
            f"{kind.valence:+d}" if kind.valence else "0",
        ]
        for code, kind in enumerate(EVENTS)
    ]
    return _table(("code", "name", "meaning", "drawn as", "valence"), rows)


TABLES: dict[str, Callable[[], str]] = {
    "parameter-table": parameter_table,
    "partner-state-table": lambda: state_table(PARTNER),
    "couple-state-table": lambda: state_table(COUPLE),
    "bookkeeping-table": bookkeeping_table,
    "event-table": event_table,
    "threshold-table": threshold_table,
}
"""Generated tables of ``docs/ODD.md`` by marker name."""

README_TABLES: dict[str, Callable[[], str]] = {"limits-table": inputs.limits_table}
"""Generated tables of ``README.md`` by marker name."""


def tables_of(path: Path) -> dict[str, Callable[[], str]]:
    """The generated tables of a file: the README's, or the ODD's."""
    return README_TABLES if path.name == "README.md" else TABLES


def _pattern(name: str) -> re.Pattern[str]:
    start, end = re.escape(f"<!-- {name}:start -->"), re.escape(f"<!-- {name}:end -->")
    return re.compile(f"({start})(.*?)({end})", re.DOTALL)


def blocks(text: str, tables: Mapping[str, object] = TABLES) -> dict[str, str]:
    """The text between each pair of ``tables``' markers found in ``text``, by name."""
    out = {}
    for name in tables:
        match = _pattern(name).search(text)
        if match:
            out[name] = match.group(2)
    return out


def refresh(text: str, tables: Mapping[str, Callable[[], str]] = TABLES) -> str:
    """``text`` with every one of ``tables`` between its markers replaced by the
    generated one.

    Raises
    ------
    ValueError
        If a marker pair is missing or appears more than once.
    """
    for name, make in tables.items():
        pattern = _pattern(name)
        found = len(pattern.findall(text))
        if found != 1:
            raise ValueError(f"expected one <!-- {name}:start/end --> pair, found {found}")
        body = "\n" + make() + "\n"
        text = pattern.sub(lambda m, body=body: m.group(1) + body + m.group(3), text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Print the tables, or refresh or check them in a markdown file.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 on success; 1 when ``--check`` finds a table out of date.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sim.model.docs",
        description="Generate the parameter, state, event and threshold tables of docs/ODD.md "
        "and the table of limits of README.md.",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="FILE", help="rewrite the tables between the markers")
    group.add_argument("--check", metavar="FILE", help="exit 1 if the tables are out of date")
    args = parser.parse_args(argv)
    if args.write or args.check:
        path = Path(args.write or args.check)
        text = path.read_text(encoding="utf-8")
        try:
            new = refresh(text, tables_of(path))
        except ValueError as err:
            print(f"{path}: {err}", file=sys.stderr)
            return 1
        if args.check:
            if new != text:
                print(f"{path}: tables out of date; run python -m sim.model.docs --write {path}")
                return 1
            print(f"{path}: tables up to date")
            return 0
        if new != text:
            atomic.write_text(path, new)
            print(f"{path}: tables rewritten")
        else:
            print(f"{path}: tables already up to date")
        return 0
    for name, make in TABLES.items():
        print(f"<!-- {name} -->")
        print(make())
    return 0


if __name__ == "__main__":
    sys.exit(main())
