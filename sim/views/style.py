"""The shared look of every figure: one matplotlib style, one palette, labelled axes.

Figures are drawn headless (the Agg backend) so that sweeps on servers and tests
draw the same pixels as a laptop. Colours come from the Okabe-Ito palette, which
stays distinguishable under the common forms of colour blindness; outcome classes
keep one colour each across every figure of every experiment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

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

RC: dict[str, object] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "font.size": 10,
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

_SIDE = {"a": "partner a's", "b": "partner b's", "both": "both partners'", "env": ""}


def _metric_unit(name: str) -> str:
    if name.startswith("n_"):
        return "events"
    if name.endswith("_rate") or name.endswith("_recent"):
        return "events per week"
    if name.endswith("_share"):
        return "share, 0-1"
    if name in ("weeks", "step_ended", "step"):
        return "weeks"
    return "index, 0-1"


def label(name: str) -> str:
    """An axis label with its unit for a factor, parameter, metric or series name.

    Parameters come with the unit the registry declares (``a.dependency`` gives
    "partner a's dependency (0-1)"); metrics with the unit their name implies.
    """
    if name == "step":
        return "week"
    if name == "scenario":
        return "scenario"
    prefix, _, rest = name.partition(".")
    if rest and prefix in _SIDE:
        unit = ""
        try:
            from sim.model import parameters as reg

            unit = reg.REGISTRY[rest].unit
        except (ImportError, KeyError, AttributeError):
            pass
        words = f"{_SIDE[prefix]} {rest.replace('_', ' ')}".strip()
        return f"{words} ({unit})" if unit else words
    base = name
    who = ""
    if name.endswith("_a") or name.endswith("_b"):
        base, who = name[:-2], f" of {name[-1]}"
    elif name in COUPLE_MEANS:
        who = ", mean of a and b"
    return f"{base.replace('_', ' ')}{who} ({_metric_unit(name)})"


def short(name: str) -> str:
    """A compact name for legends and tick labels: ``a.dependency`` stays as is."""
    return name.replace("_", " ")
