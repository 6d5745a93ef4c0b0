"""Charts for the teaching app, written as SVG text and drawn by the browser.

The app redraws its plots every week while a run plays. Drawing them here as SVG
(a few kilobytes of text a chart, a fraction of a millisecond to write) and letting the
browser draw them keeps ten weeks a second and more within reach of a classroom
laptop, where rendering images with matplotlib on the server took about a second a
week. The charts need nothing from the network: Solara's Altair widget loads its
renderer from a content delivery network, which a machine offline cannot reach.

Every chart has a title, fixed axes (the range of its quantity, and the whole run in
weeks with years marked), and scales with the width of its box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import solara

WEEKS_PER_YEAR = 52
"""Weeks of a year on the time axes."""

WIDTH, HEIGHT = 520.0, 250.0
"""Size of a chart in its own units (it scales to the width of its box)."""

LEFT, RIGHT, TOP, BOTTOM = 48.0, 12.0, 40.0, 40.0
"""Margins of the plotting area, in the chart's units."""


@dataclass(frozen=True)
class Series:
    """One line of a line chart, with an optional band around it.

    Attributes
    ----------
    label : str
        Name in the legend.
    values : sequence of float
        One value a week from week 0 (NaN leaves a gap).
    colour : str
        Line colour.
    low, high : sequence of float or None
        Lower and upper edge of a band drawn behind the line, one value a week.
    dashed : bool
        Draw the line dashed (the second run of a comparison).
    """

    label: str
    values: Sequence[float]
    colour: str
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None
    dashed: bool = False


@dataclass(frozen=True)
class Mark:
    """A published value marked on a line chart: a diamond at ``(week, value)`` with a
    bar from ``low`` to ``high`` (class ``relsim-mark``) and its label beside it.

    Attributes
    ----------
    label : str
        What it is (``V1``).
    week : float
        Where on the time axis.
    value, low, high : float
        The value and the range allowed around it.
    """

    label: str
    week: float
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Column:
    """One column of a column chart.

    Attributes
    ----------
    label : str
        Its name under the axis (a line break splits it in two lines).
    value : float
        Its height; a value that is not finite draws no column.
    colour : str
        Its fill.
    note : str
        Text above it (a line break splits it in two lines).
    marks : tuple of (str, float)
        Published values drawn as a black line across it, each labelled.
    """

    label: str
    value: float
    colour: str
    note: str = ""
    marks: tuple[tuple[str, float], ...] = ()


def _num(x: float) -> str:
    return f"{x:.1f}"


def _text(x, y, s, size=12.0, anchor="middle", weight="normal", colour="#222") -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size:g}" text-anchor="{anchor}" '
        f'font-weight="{weight}" fill="{colour}">{escape(s)}</text>'
    )


def _open(title: str, css_class: str, height: float = HEIGHT) -> list[str]:
    return [
        f'<svg class="{css_class}" viewBox="0 0 {WIDTH:g} {height:g}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        _text(WIDTH / 2, 18, title, 15, weight="bold"),
    ]


def week_ticks(weeks: int) -> tuple[list[int], str]:
    """Where the time axis of a run of ``weeks`` weeks has ticks, and its label: a tick
    every year (every other year past twelve), or every 13 weeks for a run of two years
    or less."""
    if weeks <= 2 * WEEKS_PER_YEAR:
        return list(range(0, weeks + 1, 13)), "weeks"
    every = WEEKS_PER_YEAR * (1 if weeks <= 12 * WEEKS_PER_YEAR else 2)
    return list(range(0, weeks + 1, every)), f"years ({WEEKS_PER_YEAR} weeks each)"


def _path(xs: np.ndarray, ys: np.ndarray) -> str:
    """An SVG path through the points, broken where a value is missing."""
    out, pen = [], "M"
    for x, y in zip(xs, ys, strict=True):
        if not np.isfinite(y):
            pen = "M"
            continue
        out.append(f"{pen}{x:.1f},{y:.1f}")
        pen = "L"
    return "".join(out)


def line_chart(
    title: str,
    series: Sequence[Series],
    weeks: int,
    y_range: tuple[float, float] = (0.0, 1.0),
    y_label: str = "",
    now: int | None = None,
    css_class: str = "relsim-chart",
    x_label: str = "",
    marks: Sequence[Mark] = (),
    marks_label: str = "",
    note: str = "",
) -> str:
    """A line chart over the weeks of a run, as SVG text.

    Parameters
    ----------
    title : str
        Title above the chart.
    series : sequence of Series
        The lines (and bands) to draw, one value a week from week 0.
    weeks : int
        Last week of the time axis (the run's horizon): the axis never rescales.
    y_range : (float, float)
        Range of the value axis: the quantity's whole range, so that a small value
        looks small.
    y_label : str
        Label of the value axis.
    now : int, optional
        The week shown; marked by a thin vertical line.
    css_class : str
        Class of the ``svg`` element.
    x_label : str
        Label of the time axis, in place of its unit (which is added in brackets).
    marks : sequence of Mark
        Published values to mark, with ``marks_label`` in the legend.
    note : str
        A small note in the lower left corner of the plotting area.
    """
    low, high = y_range
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP + 8

    def sx(week):
        return x0 + (x1 - x0) * np.asarray(week, dtype=float) / max(weeks, 1)

    def sy(value):
        v = np.clip(np.asarray(value, dtype=float), low, high)
        return y0 - (y0 - y1) * (v - low) / (high - low)

    out = _open(title, css_class)
    out.append(
        f'<rect x="{x0}" y="{_num(y1)}" width="{_num(x1 - x0)}" height="{_num(y0 - y1)}" '
        'fill="#fafafa" stroke="#999" stroke-width="0.8"/>'
    )
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        v = low + frac * (high - low)
        y = float(sy(v))
        out.append(f'<line x1="{x0}" x2="{x1}" y1="{_num(y)}" y2="{_num(y)}" stroke="#e3e3e3"/>')
        out.append(_text(x0 - 5, y + 4, f"{v:g}", 11, anchor="end"))
    ticks, label = week_ticks(weeks)
    for week in ticks:
        x = float(sx(week))
        out.append(
            f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{_num(y0)}" y2="{_num(y0 + 4)}" '
            'stroke="#666"/>'
        )
        shown = week if label == "weeks" else week // WEEKS_PER_YEAR
        out.append(_text(x, y0 + 16, str(shown), 11))
    shown_label = f"{x_label} ({label})" if x_label else label
    out.append(_text((x0 + x1) / 2, HEIGHT - 6, shown_label, 11, colour="#444"))
    if y_label:
        out.append(
            f'<text transform="translate(13,{_num((y0 + y1) / 2)}) rotate(-90)" font-size="11" '
            f'text-anchor="middle" fill="#444">{escape(y_label)}</text>'
        )
    if now is not None:
        x = float(sx(min(now, weeks)))
        out.append(
            f'<line class="relsim-now" x1="{_num(x)}" x2="{_num(x)}" y1="{_num(y1)}" '
            f'y2="{_num(y0)}" stroke="#aaa" stroke-dasharray="2,3"/>'
        )
    for s in series:
        if s.low is None or s.high is None:
            continue
        lo, hi = np.asarray(s.low, dtype=float), np.asarray(s.high, dtype=float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        w = np.flatnonzero(ok)
        if len(w) < 2:
            continue
        top = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(sx(w), sy(hi[w]), strict=True))
        bottom = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in zip(sx(w[::-1]), sy(lo[w[::-1]]), strict=True)
        )
        out.append(
            f'<polygon class="relsim-band" points="{top} {bottom}" fill="{s.colour}" '
            'fill-opacity="0.18" stroke="none"/>'
        )
    for s in series:
        values = np.asarray(s.values, dtype=float)
        if not len(values):
            continue
        dash = ' stroke-dasharray="6,4"' if s.dashed else ""
        d = _path(sx(np.arange(len(values))), sy(values))
        if d:
            out.append(
                f'<path class="relsim-line" d="{d}" fill="none" stroke="{s.colour}" '
                f'stroke-width="2"{dash}/>'
            )
    for m in marks:
        x, y = float(sx(m.week)), float(sy(m.value))
        lo, hi = float(sy(m.low)), float(sy(m.high))
        out.append(
            f'<g class="relsim-mark" data-value="{m.value!r}" data-week="{m.week!r}">'
            f"<title>{escape(m.label)}: {m.value:g}</title>"
            f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{_num(lo)}" y2="{_num(hi)}" '
            'stroke="#777" stroke-width="1.5"/>'
            f'<path d="M{_num(x)},{_num(y - 6)} l6,6 l-6,6 l-6,-6 z" fill="white" '
            'stroke="black" stroke-width="1.2"/></g>'
        )
        out.append(_text(x - 8, y - 6, m.label, 11, anchor="end"))
    if note:
        out.append(_text(x0 + 4, y0 - 5, note, 10, anchor="start", colour="#777"))
    x = x0 + 4
    if marks and marks_label:
        out.append(f'<path d="M{_num(x + 9)},24 l6,6 l-6,6 l-6,-6 z" fill="white" stroke="black"/>')
        out.append(_text(x + 22, 34, marks_label, 11, anchor="start"))
        x += 30 + 6.2 * len(marks_label)
    for s in series:
        dash = ' stroke-dasharray="6,4"' if s.dashed else ""
        out.append(
            f'<line x1="{_num(x)}" x2="{_num(x + 18)}" y1="30" y2="30" '
            f'stroke="{s.colour}" stroke-width="2.5"{dash}/>'
        )
        out.append(_text(x + 22, 34, s.label, 11, anchor="start"))
        x += 30 + 6.2 * len(s.label)
    out.append("</svg>")
    return "".join(out)


def stacked_bars(
    title: str,
    rows: Sequence[str],
    parts: Sequence[tuple[str, str | Sequence[str], Sequence[float]]],
    x_label: str = "share",
    css_class: str = "relsim-chart",
) -> str:
    """Horizontal bars of shares from 0 to 1, as SVG text.

    ``rows`` names the bars from the top; each part is ``(label, colour, values)``, one
    value a row, stacked left to right (one part gives plain bars); its colour is one
    for every row, or a sequence of one a row. Each bar (class ``relsim-bar``) carries its
    share as ``data-value``.
    """
    row_h = 22.0
    height = TOP + BOTTOM + row_h * len(rows) + 10
    x0, x1, y_top = 130.0, WIDTH - RIGHT - 40, TOP + 10
    out = _open(title, css_class, height)
    y_axis = y_top + row_h * len(rows)
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = x0 + frac * (x1 - x0)
        out.append(
            f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{_num(y_top)}" y2="{_num(y_axis)}" '
            'stroke="#e3e3e3"/>'
        )
        out.append(_text(x, y_axis + 15, f"{frac:g}", 11))
    out.append(_text((x0 + x1) / 2, height - 6, x_label, 11, colour="#444"))
    for r, name in enumerate(rows):
        y = y_top + r * row_h
        out.append(_text(x0 - 6, y + row_h * 0.68, name, 12, anchor="end"))
        left = 0.0
        for label, colour, values in parts:
            share = float(np.clip(values[r], 0.0, 1.0))
            fill = colour if isinstance(colour, str) else colour[r]
            if share > 0:
                out.append(
                    f'<rect class="relsim-bar" x="{_num(x0 + left * (x1 - x0))}" '
                    f'y="{_num(y + 3)}" width="{_num(share * (x1 - x0))}" '
                    f'height="{_num(row_h - 6)}" fill="{fill}" data-value="{share!r}">'
                    f"<title>{escape(name)}, {escape(label)}: {share:.0%}</title></rect>"
                )
            left += share
        if left > 0:
            out.append(
                _text(
                    x0 + left * (x1 - x0) + 4, y + row_h * 0.68, f"{left:.0%}", 11, anchor="start"
                )
            )
    if len(parts) > 1:
        x = x0
        for label, colour, _ in parts:
            fill = colour if isinstance(colour, str) else "#777777"
            out.append(f'<rect x="{_num(x)}" y="23" width="12" height="10" fill="{fill}"/>')
            out.append(_text(x + 16, 32, label, 11, anchor="start"))
            x += 30 + 6.2 * len(label)
    out.append("</svg>")
    return "".join(out)


def column_chart(
    title: str,
    columns: Sequence[Column],
    top: float,
    y_label: str = "",
    css_class: str = "relsim-chart",
) -> str:
    """Vertical columns from 0 to ``top``, as SVG text, each with a note above it and
    published values marked across it. Each column (class ``relsim-column``) and mark
    (class ``relsim-mark``) carries its value as ``data-value``."""
    x0, x1, y0, y1 = LEFT + 8, WIDTH - RIGHT, HEIGHT - BOTTOM - 10, TOP + 8
    out = _open(title, css_class)

    def sy(value: float) -> float:
        return y0 - (y0 - y1) * min(max(value, 0.0), top) / top

    out.append(
        f'<line x1="{x0}" x2="{x1}" y1="{_num(y0)}" y2="{_num(y0)}" stroke="#999" '
        'stroke-width="0.8"/>'
    )
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = sy(frac * top)
        out.append(f'<line x1="{x0}" x2="{x1}" y1="{_num(y)}" y2="{_num(y)}" stroke="#eee"/>')
        out.append(_text(x0 - 5, y + 4, f"{frac * top:.3g}", 11, anchor="end"))
    if y_label:
        out.append(
            f'<text transform="translate(13,{_num((y0 + y1) / 2)}) rotate(-90)" font-size="11" '
            f'text-anchor="middle" fill="#444">{escape(y_label)}</text>'
        )
    slot = (x1 - x0) / max(len(columns), 1)
    width = 0.5 * slot
    for i, c in enumerate(columns):
        cx = x0 + slot * (i + 0.4)
        height = c.value if np.isfinite(c.value) else 0.0
        y = sy(height)
        if height > 0:
            out.append(
                f'<rect class="relsim-column" x="{_num(cx - width / 2)}" y="{_num(y)}" '
                f'width="{_num(width)}" height="{_num(y0 - y)}" fill="{c.colour}" '
                f'data-value="{c.value!r}"><title>{escape(c.label)}</title></rect>'
            )
        for j, line in enumerate(c.note.split("\n") if c.note else ()):
            out.append(_text(cx, y - 18 + 13 * j, line, 11))
        for label, value in c.marks:
            ym, ends = sy(value), f'x1="{_num(cx - width / 2 - 6)}" x2="{_num(cx + width / 2 + 6)}"'
            # A white edge keeps the mark visible across a dark column.
            out.append(
                f'<line {ends} y1="{_num(ym)}" y2="{_num(ym)}" stroke="white" stroke-width="5"/>'
                f'<line class="relsim-mark" {ends} y1="{_num(ym)}" y2="{_num(ym)}" '
                f'stroke="black" stroke-width="2.5" data-value="{value!r}"/>'
            )
            out.append(_text(cx + width / 2 + 8, ym + 4, f"{label}: {value:g}", 11, "start"))
        for j, line in enumerate(c.label.split("\n")):
            out.append(_text(cx, y0 + 15 + 13 * j, line, 11))
    out.append("</svg>")
    return "".join(out)


def stacked_area(
    title: str,
    layers: Sequence[tuple[str, str, Sequence[float]]],
    weeks: int,
    css_class: str = "relsim-chart",
) -> str:
    """Shares over the weeks of a run, stacked to 1, as SVG text: each layer is
    ``(label, colour, share a week from week 0)``."""
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP + 8
    out = _open(title, css_class)
    n = max((len(v) for _, _, v in layers), default=0)
    xs = x0 + (x1 - x0) * np.arange(n) / max(weeks, 1)
    if n == 1:  # week 0 alone: a sliver, so that the shares show
        xs = np.array([x0, x0 + 3.0])
    base = np.zeros(len(xs))
    for label, colour, values in layers:
        v = np.asarray(values, dtype=float)[:n]
        top = base + (np.repeat(v, 2) if n == 1 else v)
        if np.any(top > base):
            hi, lo = y0 - (y0 - y1) * top, y0 - (y0 - y1) * base
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, hi, strict=True))
            pts += " " + " ".join(
                f"{x:.1f},{y:.1f}" for x, y in zip(xs[::-1], lo[::-1], strict=True)
            )
            out.append(
                f'<polygon class="relsim-layer" points="{pts}" fill="{colour}" '
                f'stroke="none"><title>{escape(label)}</title></polygon>'
            )
        base = top
    out.append(
        f'<rect x="{x0}" y="{_num(y1)}" width="{_num(x1 - x0)}" height="{_num(y0 - y1)}" '
        'fill="none" stroke="#999" stroke-width="0.8"/>'
    )
    for frac in (0.0, 0.5, 1.0):
        y = y0 - (y0 - y1) * frac
        out.append(_text(x0 - 5, y + 4, f"{frac:g}", 11, anchor="end"))
    ticks, label = week_ticks(weeks)
    for week in ticks:
        x = x0 + (x1 - x0) * week / max(weeks, 1)
        out.append(
            f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{_num(y0)}" y2="{_num(y0 + 4)}" '
            'stroke="#666"/>'
        )
        shown = week if label == "weeks" else week // WEEKS_PER_YEAR
        out.append(_text(x, y0 + 16, str(shown), 11))
    out.append(_text((x0 + x1) / 2, HEIGHT - 6, label, 11, colour="#444"))
    x = x0
    for label, colour, _ in layers:
        out.append(f'<rect x="{_num(x)}" y="23" width="10" height="10" fill="{colour}"/>')
        out.append(_text(x + 13, 32, label, 10, anchor="start"))
        x += 18 + 5.6 * len(label)
    out.append("</svg>")
    return "".join(out)


def chart_box(svg: str, css_class: str):
    """A solara element holding one chart's SVG, marked with ``css_class``."""
    return solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["relsim-chart-box", css_class])
