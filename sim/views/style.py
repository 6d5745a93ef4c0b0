"""The shared look of every figure: one matplotlib style, one palette, labelled axes.

Figures are drawn headless (the Agg backend) so that sweeps on servers and tests
draw the same pixels as a laptop. Colours come from the Okabe-Ito palette, which
stays distinguishable under the common forms of colour blindness; outcome classes
keep one colour each across every figure of every experiment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from sim import atomic  # noqa: E402

OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
)
"""The Okabe-Ito palette, colour-blind safe, in its published order."""

LINE_COLOURS: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
"""Okabe-Ito reordered for lines on white: the pale yellow comes last."""

OUTCOME_COLOURS: dict[str, str] = {
    "mutual": "#009E73",
    "coaching": "#56B4E9",
    "coercive": "#D55E00",
    "irrelationship": "#CC79A7",
    "eroded": "#E69F00",
    "stalemate": "#F0E442",
    "ended_healthy": "#0072B2",
    "ended_destructive": "#000000",
}
"""One fixed colour per outcome class, so a class looks the same in every figure."""

SAVE_DPI = 150
"""Pixels a figure inch takes in its PNG."""

WIDEST = 10.4
"""Widest a figure is drawn, in inches: a page shows it at full size (100 px an inch,
:data:`sim.views.page.PX_PER_INCH`), so its 12 pt labels read as large as the text."""

RC: dict[str, object] = {
    "figure.dpi": 100,
    "savefig.dpi": SAVE_DPI,
    "savefig.bbox": "tight",
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "legend.title_fontsize": 12,
    "legend.frameon": False,
    "font.size": 12,
    "figure.titlesize": 13,
    "figure.labelsize": 12,
    "lines.linewidth": 1.6,
    "axes.prop_cycle": matplotlib.cycler(color=list(LINE_COLOURS)),
    "svg.fonttype": "none",
}
"""rcParams of every relsim figure."""


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Draw inside this context to get relsim's style without changing global state."""
    with plt.rc_context(RC):
        yield


def save(figure, target, format: str) -> None:  # noqa: A002 - savefig's own name
    """Write a figure in relsim's style: :data:`SAVE_DPI`, cropped to what is drawn."""
    with style():
        figure.savefig(target, format=format, dpi=SAVE_DPI, bbox_inches="tight")


def save_all(figure, *targets: tuple[object, str]) -> None:
    """Write a figure in several formats, each ``(target, format)``, from one layout.

    As :func:`save` for each, but the layout (constrained layout and the crop to what
    is drawn) is worked out once, at :data:`SAVE_DPI`, and every format is drawn from
    it: :func:`save` lays the figure out afresh for each file, which costs as much as
    drawing it. The first format is drawn exactly as :func:`save` would draw it. The
    figure keeps that layout afterwards (its layout engine is set to none).
    """
    with style():
        figure.set_dpi(SAVE_DPI)
        figure.draw_without_rendering()  # runs the layout engine, at the PNG's resolution
        bbox = figure.get_tightbbox().padded(matplotlib.rcParams["savefig.pad_inches"])
        figure.set_layout_engine("none")
        for tmp, format in targets:  # noqa: A001 - savefig's own name
            figure.savefig(tmp, format=format, dpi=SAVE_DPI, bbox_inches=bbox)


def save_files(figure, png: Path, svg: Path) -> None:
    """Write a figure to ``png`` and ``svg``, each atomically, from one layout
    (:func:`save_all`)."""
    with atomic.replacing(png) as png_tmp, atomic.replacing(svg) as svg_tmp:
        save_all(figure, (png_tmp, "png"), (svg_tmp, "svg"))


def colour(i: int) -> str:
    """The i-th line colour, cycling."""
    return LINE_COLOURS[i % len(LINE_COLOURS)]


DASHES: tuple[str, ...] = ("-", "--", ":", "-.")
"""Line styles that tell apart lines sharing a colour when there are more than eight."""


def dash(i: int) -> str:
    """The line style of the i-th line: solid for the first eight, then dashed, dotted..."""
    return DASHES[(i // len(LINE_COLOURS)) % len(DASHES)]


def outcome_colour(name: str, i: int = 0) -> str:
    """The fixed colour of an outcome class (a palette colour for an unknown one)."""
    return OUTCOME_COLOURS.get(name, OKABE_ITO[i % len(OKABE_ITO)])


COUPLE_MEANS = (
    "satisfaction",
    "resentment",
    "goodwill",
    "capability",
    "commitment",
    "autonomy",
    "stress",
    "care",
)
"""Partner series whose couple mean the figures offer under the bare name."""

_SIDE = {"a": "A's", "b": "B's", "both": "both partners'", "pop": "the population's"}


def _declared() -> dict[str, tuple[str, str]]:
    """Every reported state variable and event metric: (words, unit), from the declarations."""
    from sim.model.declarations import EVENTS, STATE

    out: dict[str, tuple[str, str]] = {}
    for v in STATE:
        words = v.reported_as.replace("_", " ")
        unit = f"{v.low:g}-{v.high:g}" if v.high != float("inf") else ""
        if v.name.endswith("_recent"):
            words = v.meaning
        if v.report == "each":
            out[f"{v.reported_as}_a"] = (f"A's {words}", unit)
            out[f"{v.reported_as}_b"] = (f"B's {words}", unit)
        elif v.report == "mean":
            out[v.reported_as] = (f"{words}, mean of A and B", unit)
        elif v.report:
            out[v.reported_as] = (words, unit)
        if v.name in COUPLE_MEANS:
            out[v.name] = (f"{words}, mean of A and B", unit)
    for kind in EVENTS:
        name = kind.name.lower()
        out[f"n_{name}"] = (f"{kind.meaning}, both partners", "count")
        out[f"{name}_rate"] = (f"{kind.meaning}, both partners", "times per week")
    return out


_DECLARED: dict[str, tuple[str, str]] | None = None


def _words_unit(name: str) -> tuple[str, str]:
    """Human words for a name and its unit (empty when none is known)."""
    global _DECLARED
    if name == "step":
        return "week", ""
    if name in ("weeks", "step_ended"):
        return ("weeks together" if name == "weeks" else "week the couple ended"), "weeks"
    prefix, dot, rest = name.partition(".")
    if dot:
        unit = ""
        try:
            from sim.model import parameters as reg

            unit = reg.REGISTRY[rest].unit
        except (ImportError, KeyError, AttributeError):
            pass
        words = rest.replace("_", " ")
        side = _SIDE.get(prefix, "")
        return (f"{side} {words}".strip(), unit)
    if _DECLARED is None:
        _DECLARED = _declared()
    if name in _DECLARED:
        return _DECLARED[name]
    if name.endswith(("_a", "_b")):
        words, unit = _words_unit(name[:-2])
        return f"{name[-1].upper()}'s {words}", unit
    unit = "share, 0-1" if name.endswith("_share") else ""
    return name.replace("_", " "), unit


def label(name: str) -> str:
    """An axis label with its unit for a factor, parameter, metric or series name.

    Words and units come from the declarations: parameters from the registry
    (``a.dependency`` gives "A's dependency (0-1)"), state variables from
    :data:`~sim.model.declarations.STATE` (``goodwill_b`` gives "B's goodwill (0-1)"),
    event counts and rates from :data:`~sim.model.declarations.EVENTS`.
    """
    words, unit = _words_unit(name)
    return f"{words} ({unit})" if unit else words


def unit(name: str) -> str:
    """The unit of a name, as :func:`label` gives it (empty when none is known)."""
    return _words_unit(name)[1]


def short(name: str) -> str:
    """Human words for a name, without its unit: ``goodwill_b`` gives "B's goodwill"."""
    return _words_unit(name)[0]


def pair_label(stem: str) -> str:
    """An axis label for both partners' series of a stem: ``satisfaction`` gives
    "satisfaction of A and B (0-1)"."""
    words, unit = _words_unit(f"{stem}_a")
    words = f"{words.removeprefix("A's ")} of A and B"
    return f"{words} ({unit})" if unit else words


def by_words(by) -> str:
    """Human words for a grouping: one column, or several joined."""
    if by is None or (not isinstance(by, str) and not by):
        return "all runs together"
    cols = [by] if isinstance(by, str) else list(by)
    return " and ".join(short(c) for c in cols)
