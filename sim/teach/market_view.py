"""The partner market in the teaching app: its settings, controls, pictures and words.

The market view runs :class:`sim.PartnerMarket` in Mesa's ``SolaraViz``. The sidebar
holds the play controls, a seed, the number of people (kept small for a classroom)
and sliders built from the market's parameter registry
(:mod:`sim.market.parameters`): the market's rules, the population mean of every
trait, and the couples' environment. The main area shows the population as a picture
(people on a circle in the order of a trait, couples joined by a curve coloured by
their satisfaction, singles set apart outside the ring), what happened this week in
words, notes for teachers, live plots of the market's ``DataCollector`` series, how
the relationships that ended so far ended, satisfaction by relationship age of
chemistry- and compatibility-matched couples (M10) and how often people repeat a
relationship's pattern after an ending that left their deficit unresolved or resolved
(M11). Nothing here changes the market: every figure reads its public state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import solara
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization import make_plot_component

from sim.market import parameters as mreg
from sim.market.market import (
    CHEMISTRY,
    MATCH_NAMES,
    PARTNERED,
    RECOVERING,
    SINGLE,
    STATUS_NAMES,
)
from sim.market.mesa_model import PartnerMarket
from sim.model import parameters as reg
from sim.model.engine import DEFAULT_STEPS
from sim.model.outcomes import OUTCOME_CLASSES
from sim.model.state import Ending
from sim.teach import texts
from sim.teach.app_widgets import ParameterSlider, Versioned, html_box, text_block

MIN_PEOPLE = 20
"""Fewest people the app's market holds."""

MAX_PEOPLE = 600
"""Most people the app's market holds: enough for a population, few enough to see."""

DEFAULT_PEOPLE = 200
"""People in the market when the view opens."""

PEOPLE_STEP = 10
"""Resolution of the people slider."""

MAIN_MARKET = ("chemistry_weight", "growth_step")
"""Market parameters shown first (the two behind M10 and M11); the rest are folded away."""

ARRANGE_DEFAULT = "capability"
"""Trait whose initial value orders people around the circle when the view opens."""

OUTER_RADIUS = 1.14
"""Distance from the centre at which people outside a couple are drawn (partners at 1)."""

PATTERNS = tuple(c for c in OUTCOME_CLASSES if not c.startswith("ended"))
"""Pattern classes: the shape a relationship had, its ending set aside."""

MIN_PROFILE_COUNT = 10
"""Fewest couples that reached a relationship age for the age profile to show that age."""

MAX_ENDINGS_TOLD = 4
"""Endings of one week told one by one; more are counted."""

SATISFACTION_COLOURS = colormaps["RdYlGn"]
"""Colour of a couple by satisfaction: red low, green high (as in the couple picture)."""

STATUS_STYLE = {
    PARTNERED: ("in a couple", "#444444", "#444444"),
    SINGLE: ("single", "#1f77b4", "#1f77b4"),
    RECOVERING: ("recovering from an ending", "white", "#ff7f0e"),
}
"""Legend label, face colour and edge colour of a person's dot by status."""

MATCH_COLOURS = {"chemistry": "#d62728", "compatibility": "#1f77b4"}
"""Line colour of each match kind in the age profile."""


def _market_defaults() -> dict[str, float]:
    """Default of every market rule but the size, which the app sets on its own slider."""
    return {k: v for k, v in mreg.market_defaults().items() if k != "size"}


@dataclass(frozen=True)
class MarketSettings(Versioned):
    """What the market view's controls set.

    Attributes
    ----------
    size : int
        People in the market.
    market : mapping of str to float
        Every market parameter but ``size``.
    population : mapping of str to float
        Population mean of every trait.
    env : mapping of str to float
        Environment of every couple.
    seed : int
        The market's seed.
    version : int
        Raised by one at every change, so that the page builds a fresh market.
    """

    size: int = DEFAULT_PEOPLE
    market: Mapping[str, float] = field(default_factory=_market_defaults)
    population: Mapping[str, float] = field(default_factory=mreg.population_defaults)
    env: Mapping[str, float] = field(default_factory=reg.env_defaults)
    seed: int = 1
    version: int = 0

    def model_kwargs(self) -> dict[str, object]:
        """Keyword arguments of :class:`PartnerMarket` for these settings."""
        return {
            "size": self.size,
            "market": dict(self.market),
            "population": dict(self.population),
            "env": dict(self.env),
            "steps": DEFAULT_STEPS,
            "rng": self.seed,
        }

    def model(self) -> PartnerMarket:
        """A fresh market at week 0."""
        return PartnerMarket(**self.model_kwargs())


# --- the population in a picture -------------------------------------------------------


def person_angles(initial: np.ndarray) -> np.ndarray:
    """Each person's angle on the circle: people in order of ``initial`` (their initial
    value of a trait; ties in order of index), the lowest at the top, rising clockwise.

    Initial traits never change, so everyone keeps their place week after week.
    """
    n = len(initial)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(initial, kind="stable")] = np.arange(n)
    return np.pi / 2 - 2 * np.pi * rank / n


def couple_curves(start: np.ndarray, end: np.ndarray, points: int = 24) -> np.ndarray:
    """Curves joining partners on the unit circle, bowed toward the centre so that
    partners who sit side by side are joined by a visible loop: quadratic Bezier
    curves whose control point is a third of the way from the centre to the chord's
    middle. Shape ``(couples, points, 2)``."""
    t = np.linspace(0.0, 1.0, points)[None, :, None]
    control = 0.35 * 0.5 * (start + end)
    return (
        (1 - t) ** 2 * start[:, None, :]
        + 2 * (1 - t) * t * control[:, None, :]
        + t**2 * end[:, None, :]
    )


def couple_satisfaction(model: PartnerMarket) -> tuple[np.ndarray, np.ndarray]:
    """The couple slots in use and each one's mean satisfaction over its two partners."""
    m = model.market
    slots = np.flatnonzero(m.occupied)
    return slots, m.state.satisfaction[:, slots].mean(axis=0)


def draw_population(model: PartnerMarket, arrange_by: str = ARRANGE_DEFAULT) -> Figure:
    """The whole market as one picture.

    People sit at fixed places on a circle, in the order of their initial value of
    ``arrange_by``. Partners are on the ring, joined by a curve coloured by their
    couple's mean satisfaction; singles and people recovering from an ending sit just
    outside the ring at their place, apart from the couples.
    """
    m = model.market
    angle = person_angles(m.initial_traits[arrange_by])
    ring = np.column_stack((np.cos(angle), np.sin(angle)))
    fig = Figure(figsize=(5.4, 4.1))
    ax = fig.add_axes((0.0, 0.0, 0.66, 0.9))
    ax.set_aspect("equal")
    ax.set_xlim(-1.22, 1.22)
    ax.set_ylim(-1.22, 1.3)
    ax.axis("off")
    slots, satisfaction = couple_satisfaction(model)
    norm = Normalize(0.0, 1.0)
    couples = LineCollection(
        couple_curves(ring[m.person[0, slots]], ring[m.person[1, slots]]),
        colors=SATISFACTION_COLOURS(norm(satisfaction)),
        linewidths=1.4 if m.n <= 250 else 0.8,
        alpha=0.85,
        gid="couples",
    )
    ax.add_collection(couples)
    dot = float(np.clip(3000.0 / m.n, 4.0, 40.0))
    handles = []
    for status, (label, face, edge) in STATUS_STYLE.items():
        who = np.flatnonzero(m.status == status)
        r = 1.0 if status == PARTNERED else OUTER_RADIUS
        ax.scatter(
            r * ring[who, 0],
            r * ring[who, 1],
            s=dot,
            c=face,
            edgecolors=edge,
            linewidths=0.8,
            zorder=3,
            gid=STATUS_NAMES[status],
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor=face,
                markeredgecolor=edge,
                label=f"{label}: {len(who)}",
            )
        )
    low = arrange_by.replace("_", " ")
    ax.annotate(
        f"lowest {low} here, rising clockwise",
        xy=(0.0, 1.0),
        xytext=(0.0, OUTER_RADIUS + 0.1),
        ha="center",
        va="bottom",
        fontsize=8,
        color="#555555",
        arrowprops={"arrowstyle": "-", "color": "#999999", "linewidth": 0.6},
    )
    fig.suptitle(f"Week {m.week}: {len(slots)} couples among {m.n} people", fontsize=10)
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.64, 0.9),
        fontsize=8,
        frameon=False,
        title=f"people, on the circle\nby initial {low}",
        title_fontsize=8,
        alignment="left",
    )
    cax = fig.add_axes((0.68, 0.08, 0.035, 0.42))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=SATISFACTION_COLOURS), cax=cax)
    bar.set_label("couple's satisfaction (the line)", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return fig


# --- what ended, and what it left ------------------------------------------------------


def ending_counts(model: PartnerMarket) -> dict[str, dict[str, int]]:
    """Relationships that ended so far, by pattern class and kind of ending:
    ``{pattern: {"healthy": n, "destructive": n}}``."""
    rel = model.market.relationships
    ended = rel["end"] >= 0
    pattern = rel["pattern"][ended]
    ending = rel["ending"][ended]
    out = {}
    for code, name in enumerate(OUTCOME_CLASSES):
        if name in PATTERNS:
            mine = pattern == code
            out[name] = {
                "healthy": int(np.sum(mine & (ending == Ending.HEALTHY))),
                "destructive": int(np.sum(mine & (ending == Ending.DESTRUCTIVE))),
            }
    return out


def draw_endings(model: PartnerMarket) -> Figure:
    """Share of the relationships ended so far by outcome class (a healthy or a
    destructive ending), each bar one pattern (the shape the relationship had)."""
    counts = ending_counts(model)
    total = sum(c["healthy"] + c["destructive"] for c in counts.values())
    fig = Figure(figsize=(5.0, 3.2))
    ax = fig.add_subplot()
    names = list(PATTERNS)[::-1]
    left = np.zeros(len(names))
    for kind, colour in (("healthy", "#2ca02c"), ("destructive", "#d62728")):
        share = np.array([counts[n][kind] for n in names]) / max(total, 1)
        ax.barh(names, share, left=left, color=colour, label=f"ended {kind}")
        left += share
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of ended relationships")
    healthy = sum(c["healthy"] for c in counts.values())
    ax.set_title(
        f"How the {total} relationships that ended so far ended"
        + (f" ({healthy} healthy, {total - healthy} destructive)" if total else ""),
        fontsize=9,
    )
    if total:
        ax.legend(loc="lower right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "No relationship has ended yet.", ha="center", transform=ax.transAxes)
    return fig


def draw_age_profile(model: PartnerMarket) -> Figure:
    """Mean satisfaction of couples still together by relationship age, for
    chemistry-matched and compatibility-matched couples (M10)."""
    profile = model.age_profile("satisfaction")
    count = model.market.profile_count
    kinds = model.market.relationships["match"]
    fig = Figure(figsize=(5.0, 3.2))
    ax = fig.add_subplot()
    oldest = 0
    for kind, name in enumerate(MATCH_NAMES):
        enough = count[kind] >= MIN_PROFILE_COUNT
        values = profile[name].to_numpy().copy()
        values[~enough] = np.nan
        if enough.any():
            oldest = max(oldest, int(np.flatnonzero(enough)[-1]))
        ax.plot(
            profile.index,
            values,
            color=MATCH_COLOURS[name],
            label=f"{name}-matched ({int(np.sum(kinds == kind))} couples so far)",
        )
    ax.set_xlim(0, max(oldest, 13))
    ax.set_ylim(0, 1)
    ax.set_xlabel("weeks together")
    ax.set_ylabel("mean satisfaction")
    ax.set_title("Satisfaction by how long couples have been together", fontsize=9)
    ax.legend(loc="lower left", fontsize=8)
    return fig


def draw_repeats(model: PartnerMarket) -> Figure:
    """How often the relationship after one that ended in a named pattern fell into a
    named pattern again, for people whose deficit the ending left unresolved and for
    the others (M11)."""
    s = model.summary()
    groups = (
        ("deficit left unresolved\nby the ending", "unresolved", "#d62728"),
        ("deficit resolved\n(or none)", "resolved", "#2ca02c"),
    )
    fig = Figure(figsize=(5.0, 3.2))
    ax = fig.add_subplot()
    for x, (_, key, colour) in enumerate(groups):
        rate = float(s[f"repeat_rate_{key}"])
        pairs = int(s[f"repeat_pairs_{key}"])
        ax.bar(x, 0.0 if np.isnan(rate) else rate, color=colour, width=0.6)
        told = "none yet" if pairs == 0 else f"{round(rate * pairs)} of {pairs} repeated"
        ax.text(x, (0 if np.isnan(rate) else rate) + 0.02, told, ha="center", fontsize=8)
    ax.set_xticks([0, 1], [g[0] for g in groups], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share whose next relationship\nfell into a named pattern again", fontsize=8)
    ax.set_title("After a pattern ends: a pattern again?", fontsize=9)
    return fig


# --- the week in words -----------------------------------------------------------------


def _person(i: int) -> str:
    return f"person {int(i) + 1}"


def market_week_in_words(model: PartnerMarket) -> list[str]:
    """What happened in the market this week, in plain words: couples formed (and how
    they were matched), couples that parted (the pattern they had and how they ended),
    and where everyone stands now. The first line is the heading."""
    m = model.market
    if m.week == 0:
        return [f"Week 0: {m.n} people, all single, about to meet. Press Step or ▶ to start."]
    week = m.week - 1
    rel = m.relationships
    formed = np.flatnonzero(rel["start"] == week)
    ended = np.flatnonzero(rel["end"] == week)
    lines = []
    if len(formed):
        chemistry = int(np.sum(rel["match"][formed] == CHEMISTRY))
        lines.append(
            f"{_count(len(formed), 'new couple')} formed: {chemistry} drawn mostly by "
            f"chemistry, {len(formed) - chemistry} mostly by compatibility."
        )
    for serial in ended[:MAX_ENDINGS_TOLD]:
        pattern = OUTCOME_CLASSES[int(rel["pattern"][serial])]
        how = "healthily" if rel["ending"][serial] == Ending.HEALTHY else "destructively"
        lines.append(
            f"{_person(rel['a'][serial]).capitalize()} and {_person(rel['b'][serial])} "
            f"parted after {int(rel['weeks'][serial])} weeks: a {pattern} relationship "
            f"that ended {how}."
        )
    if len(ended) > MAX_ENDINGS_TOLD:
        lines.append(f"{_count(len(ended) - MAX_ENDINGS_TOLD, 'more couple')} parted too.")
    if not len(formed) and not len(ended):
        lines.append("No couple formed or parted.")
    partnered = int(np.sum(m.status == PARTNERED))
    single = int(np.sum(m.status == SINGLE))
    recovering = int(np.sum(m.status == RECOVERING))
    lines.append(
        f"Now {partnered} of {m.n} people are in a couple, {single} single and "
        f"{recovering} recovering from an ending."
    )
    return [f"Week {m.week}:", *lines]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def market_notes_html() -> str:
    """The market's notes for teachers as HTML."""
    notes = texts.load("market")
    return (
        text_block(notes["title"], [notes["description"]], level=4)
        + text_block("What to notice", items=notes["notice"], level=5)
        + text_block("Things to try", items=notes["try"], level=5)
    )


# --- components shown by SolaraViz -----------------------------------------------------


def _figure(fig: Figure):
    return solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


def MarketWeekInWords(model: PartnerMarket):
    """This week of the market in words (a SolaraViz component)."""
    lines = market_week_in_words(model)
    return html_box(
        text_block("This week in the market", [lines[0]], lines[1:]), "relsim-market-week"
    )


def MarketNotes(model: PartnerMarket):
    """What the market is, what to notice and what to try (a SolaraViz component)."""
    return html_box(market_notes_html(), "relsim-market-notes", scroll=True)


def EndingsView(model: PartnerMarket):
    """How the relationships ended so far ended (a SolaraViz component)."""
    return _figure(draw_endings(model))


def AgeProfileView(model: PartnerMarket):
    """Satisfaction by relationship age per match kind (a SolaraViz component)."""
    return _figure(draw_age_profile(model))


def RepeatsView(model: PartnerMarket):
    """Repeat rates after unresolved and resolved endings (a SolaraViz component)."""
    return _figure(draw_repeats(model))


def _shares(ax) -> None:
    ax.set_ylim(0, 1)
    ax.set_title("Share of people in a couple, single, recovering", fontsize=9)


def _satisfaction(ax) -> None:
    ax.set_ylim(0, 1)
    ax.set_title("Mean satisfaction of the couples together now", fontsize=9)


def _relationships(ax) -> None:
    ax.set_title("Relationships per person so far", fontsize=9)


SERIES_PLOTS = [
    make_plot_component(
        {"partnered_share": "#444444", "single_share": "#1f77b4", "recovering_share": "#ff7f0e"},
        post_process=_shares,
    ),
    make_plot_component("couple_satisfaction", post_process=_satisfaction),
    make_plot_component("relationships_per_person", post_process=_relationships),
]
"""Live plots of the market's DataCollector series."""


def market_components(arrange_by: solara.Reactive[str]) -> list:
    """The market view's main area, in order (SolaraViz components on page 0).

    ``arrange_by`` holds the trait that orders the circle; the picture redraws when it
    changes without rebuilding the market.
    """

    def PopulationPicture(model: PartnerMarket):
        """The population as a picture (a SolaraViz component)."""
        return _figure(draw_population(model, arrange_by.value))

    return [
        (PopulationPicture, 0),
        (MarketWeekInWords, 0),
        SERIES_PLOTS[0],
        (MarketNotes, 0),
        SERIES_PLOTS[1],
        (EndingsView, 0),
        (AgeProfileView, 0),
        (RepeatsView, 0),
        SERIES_PLOTS[2],
    ]


# --- the controls ----------------------------------------------------------------------


@solara.component
def MarketControls(
    settings: MarketSettings,
    on_change: Callable[[MarketSettings], None],
    arrange_by: solara.Reactive[str],
):
    """Seed and people, the market's rules, the population's trait means, the couples'
    environment (every slider read from the registries), and the picture's order."""

    def seed(value: int | None) -> None:
        if value is not None and value >= 0:
            on_change(settings.changed(seed=int(value)))

    def slider(group: str, param: reg.Parameter, label: str = "") -> None:
        ParameterSlider(
            param,
            getattr(settings, group)[param.name],
            lambda v, n=param.name: on_change(settings.with_value(group, n, v)),
            label=label,
        )

    with solara.Card("Market", margin=0):
        solara.InputInt("Seed", value=settings.seed, on_value=seed)
        solara.SliderInt(
            f"people {settings.size}",
            value=settings.size,
            min=MIN_PEOPLE,
            max=MAX_PEOPLE,
            step=PEOPLE_STEP,
            on_value=lambda n: on_change(settings.changed(size=int(n))),
        )
        for name in MAIN_MARKET:
            slider("market", mreg.MARKET_REGISTRY[name])
        with solara.Details("More rules of the market", expand=False):
            for param in mreg.MARKET:
                if param.name != "size" and param.name not in MAIN_MARKET:
                    slider("market", param)
    with solara.Card("Population", margin=0):
        solara.Select(
            "Arrange the circle by",
            values=list(reg.TRAIT_NAMES),
            value=arrange_by.value,
            on_value=arrange_by.set,
        )
        for trait in reg.MAIN_TRAITS:
            slider("population", reg.REGISTRY[trait], f"mean {trait.replace('_', ' ')}")
        with solara.Details("More trait means", expand=False):
            for param in reg.TRAITS:
                if param.name not in reg.MAIN_TRAITS:
                    slider("population", param, f"mean {param.name.replace('_', ' ')}")
    with solara.Card("Environment", margin=0):
        with solara.Details("Environment of every couple", expand=False):
            for param in reg.ENVIRONMENT:
                slider("env", param)
