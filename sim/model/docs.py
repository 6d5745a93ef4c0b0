"""Tables of ``docs/ODD.md`` generated from the code: parameters and outcome thresholds.

The parameter table is built from the registry (:mod:`sim.model.parameters`), the
threshold table from :class:`~sim.model.outcomes.Thresholds`. In ``docs/ODD.md`` each
table sits between marker comments such as ``<!-- parameter-table:start -->`` and
``<!-- parameter-table:end -->``; ``python -m sim.model.docs --write docs/ODD.md``
rewrites what lies between them, and ``--check`` reports whether they are current.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path

from sim import atomic
from sim.model.outcomes import Thresholds
from sim.model.parameters import ENVIRONMENT, TRAITS, Parameter


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


TABLES: dict[str, Callable[[], str]] = {
    "parameter-table": parameter_table,
    "threshold-table": threshold_table,
}
"""Generated tables by marker name."""


def _pattern(name: str) -> re.Pattern[str]:
    start, end = re.escape(f"<!-- {name}:start -->"), re.escape(f"<!-- {name}:end -->")
    return re.compile(f"({start})(.*?)({end})", re.DOTALL)


def blocks(text: str) -> dict[str, str]:
    """The text between each pair of table markers found in ``text``, by marker name."""
    out = {}
    for name in TABLES:
        match = _pattern(name).search(text)
        if match:
            out[name] = match.group(2)
    return out


def refresh(text: str) -> str:
    """``text`` with every table between its markers replaced by the generated one.

    Raises
    ------
    ValueError
        If a marker pair is missing or appears more than once.
    """
    for name, make in TABLES.items():
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
        description="Generate the parameter and threshold tables of docs/ODD.md.",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="FILE", help="rewrite the tables between the markers")
    group.add_argument("--check", metavar="FILE", help="exit 1 if the tables are out of date")
    args = parser.parse_args(argv)
    if args.write or args.check:
        path = Path(args.write or args.check)
        text = path.read_text(encoding="utf-8")
        try:
            new = refresh(text)
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
