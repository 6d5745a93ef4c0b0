"""What a validation says in words and numbers: its table and ``validation.json``.

:func:`table` gives one row per checked value (a target whose measure gives several
values, like V4's shares within 5 and 10 years, has one row each): target id, what,
the model's value, the published value, the values allowed, met or not and the short
cite. :func:`shortfalls` says, for every target not met, which value and by how much.
:func:`to_json` holds every value, the curves behind the figures and the settings.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from sim.validation.measures import VALUE
from sim.validation.run import Outcome, Validation
from sim.validation.targets import Criterion

UNDEFINED = "no value (the measure is undefined for these couples: too few ended, say)"
"""What a shortfall says of a value the measure could not give."""

COLUMNS = ("id", "what", "model", "target", "allowed", "met", "source")
"""Columns of the validation table."""


def _value(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.3g}"


def rows(v: Validation) -> pd.DataFrame:
    """The validation table: one row per checked value, the columns of :data:`COLUMNS`."""
    out = []
    for o in v.outcomes:
        t = o.target
        for name, crit in t.criteria.items():
            c = o.checks[name]
            ident = t.id if name == VALUE else f"{t.id} {name}"
            out.append(
                (
                    ident,
                    t.what,
                    _value(c.value),
                    t.target_text(name),
                    crit.describe(),
                    "yes" if c.met else "NO",
                    t.short_cite,
                )
            )
    return pd.DataFrame(out, columns=list(COLUMNS))


def table(v: Validation, width: int = 60) -> str:
    """The validation table as fixed-width text.

    A target with several values has one row each; its ``what`` and source are shown
    on its first row only, ``what`` cut to ``width`` characters, and a shape's
    description (in ``what`` already) is shown as ``shape``.
    """
    frame = rows(v)
    shapes = {o.target.id for o in v.outcomes if isinstance(o.target.target, str)}
    first = ~frame["id"].str.split(" ").str[0].duplicated()
    frame.loc[frame["id"].str.split(" ").str[0].isin(shapes), "target"] = "shape"
    frame["what"] = frame["what"].map(lambda s: s if len(s) <= width else s[: width - 1] + "…")
    frame.loc[~first, ["what", "source"]] = ""
    widths = {c: max(len(c), *(len(x) for x in frame[c])) for c in frame.columns}
    right = {"model", "target"}

    def line(cells) -> str:
        parts = [
            (str(x).rjust if c in right else str(x).ljust)(widths[c])
            for c, x in zip(frame.columns, cells, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(frame.columns), *(line(r) for r in frame.itertuples(index=False))])


def _miss_text(crit: Criterion, value: float, miss: float) -> str:
    lo, _, hi, _ = crit.interval()
    side = "below" if value < lo else "above"
    return f"model {_value(value)}, allowed {crit.describe()}: {_value(miss)} {side}"


def shortfalls(v: Validation) -> list[str]:
    """One line for every target not met: which values, and by how much."""
    lines = []
    for o in v.failing():
        t = o.target
        if o.error:
            lines.append(f"{t.id} ({t.what}): not computed: {o.error}")
            continue
        undefined = [n for n, c in o.checks.items() if math.isnan(c.value)]
        parts = [
            f"{'' if name == VALUE else name + ' '}{_miss_text(t.criteria[name], c.value, c.miss)}"
            for name, c in o.checks.items()
            if not c.met and name not in undefined
        ]
        if undefined:
            names = "" if undefined == [VALUE] else ", ".join(undefined) + ": "
            parts.append(f"{names}{UNDEFINED}")
        lines.append(f"{t.id} ({t.what}): " + "; ".join(parts))
    return lines


def summary(v: Validation) -> str:
    """One line: how many targets were met."""
    met = sum(o.met for o in v.outcomes)
    return f"{met} of {len(v.outcomes)} targets met"


def _plain(x: Any) -> Any:
    """A value JSON can hold: NaN as null, infinities as strings, arrays as lists."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_plain(v) for v in x.tolist()]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float):
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
    return x


def _criterion(crit: Criterion) -> dict[str, Any]:
    lo, lo_open, hi, hi_open = crit.interval()
    return {
        "target": crit.target,
        "tolerance": crit.tolerance,
        "low": lo,
        "low_excluded": lo_open,
        "high": hi,
        "high_excluded": hi_open,
        "allowed": crit.describe(),
    }


def _outcome(o: Outcome) -> dict[str, Any]:
    t = o.target
    return {
        "id": t.id,
        "what": t.what,
        "measure": t.measure,
        "population": t.population,
        "args": dict(t.args),
        "target": t.target,
        "met": o.met,
        "error": o.error or None,
        "seconds": round(o.seconds, 3),
        "values": {
            name: {
                "model": c.value,
                "met": c.met,
                "miss": c.miss,
                **_criterion(t.criteria[name]),
            }
            for name, c in o.checks.items()
        },
        "details": o.measured.details if o.measured is not None else {},
        "note": t.note,
        "sources": [
            {
                "short": s.short,
                "citation": s.full(),
                "authors": s.authors,
                "year": s.year,
                "title": s.title,
                "journal": s.journal,
                "volume": s.volume,
                "pages": s.pages,
                "publisher": s.publisher,
            }
            for s in t.sources
        ],
    }


def to_json(
    v: Validation, curves: dict[str, Any] | None = None, provenance: dict[str, Any] | None = None
) -> str:
    """``validation.json``: settings, every target with its values and criteria, the
    figures' tables (``curves``) and provenance."""
    data = {
        "all_met": v.met,
        "summary": summary(v),
        "settings": {
            "seed": v.settings.seed,
            "quick": v.settings.quick,
            "couples_per_population": v.settings.n,
            "weeks": v.settings.weeks,
            "populations": list(v.couples),
        },
        "seconds": {k: round(s, 3) for k, s in v.seconds.items()},
        "targets": [_outcome(o) for o in v.outcomes],
        "figures": curves or {},
        "provenance": provenance or {},
    }
    return json.dumps(_plain(data), indent=2, allow_nan=False)
