"""The partner market in the teaching app: its settings, controls, pictures and words.

The market view runs :class:`sim.PartnerMarket` in the app's player. The settings
hold a seed, the number of people (kept small for a classroom)
and sliders built from the market's parameter registry
(:mod:`sim.market.parameters`): the market's rules, the population mean of every
trait, and the couples' environment. The stage shows the population as a picture
(people on a circle in the order of a trait, couples joined by a curve coloured by
their satisfaction, singles set apart outside the ring), what happened this week in
words, notes for teachers, live plots of the market's ``DataCollector`` series (all
drawn as SVG by the browser, :mod:`sim.teach.svg`), how
the relationships that ended so far ended, satisfaction by relationship age of
chemistry- and compatibility-matched couples (M10) and how often people repeat a
relationship's pattern after an ending that left their deficit unresolved or resolved
(M11). Nothing here changes the market: every figure reads its public state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape

import numpy as np
import solara
from matplotlib import colormaps

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
from sim.teach import svg, texts
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


def _hex(rgba: np.ndarray) -> list[str]:
    rgb = np.round(np.asarray(rgba)[:, :3] * 255).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]


MARKET_W, MARKET_H, MARKET_UNIT = 560.0, 440.0, 165.0
"""Size of the market picture in its own units, and the radius of the ring."""


def population_svg(model: PartnerMarket, arrange_by: str = ARRANGE_DEFAULT) -> str:
    """The whole market as one picture, in SVG.

    People sit at fixed places on a circle, in the order of their initial value of
    ``arrange_by``. Partners are on the ring, joined by a curve (class
    ``relsim-couple-curve``) coloured by their couple's mean satisfaction; singles and
    people recovering from an ending sit just outside the ring at their place, apart
    from the couples (a dot of class ``relsim-person`` and the status's name each).
    """
    m = model.market
    angle = person_angles(m.initial_traits[arrange_by])
    ring = np.column_stack((np.cos(angle), -np.sin(angle)))  # SVG's y runs down
    cx, cy, unit = 200.0, 245.0, MARKET_UNIT
    slots, satisfaction = couple_satisfaction(model)
    low = arrange_by.replace("_", " ")
    title = f"Week {m.week}: {len(slots)} couples among {m.n} people"
    out = [
        f'<svg class="relsim-market-picture" viewBox="0 0 {MARKET_W:g} {MARKET_H:g}" '
        'width="100%" preserveAspectRatio="xMidYMid meet" role="img" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        svg._text(MARKET_W / 2, 20, title, 15, weight="bold"),
        svg._text(cx, 42, f"lowest {low} here, rising clockwise", 11, colour="#555"),
    ]
    width = 1.6 if m.n <= 250 else 0.9
    start, end = ring[m.person[0, slots]], ring[m.person[1, slots]]
    control = 0.35 * 0.5 * (start + end)
    for p0, c, p1, colour in zip(
        start, control, end, _hex(SATISFACTION_COLOURS(satisfaction)), strict=True
    ):
        out.append(
            f'<path class="relsim-couple-curve" d="M{cx + unit * p0[0]:.1f},{cy + unit * p0[1]:.1f}'
            f" Q{cx + unit * c[0]:.1f},{cy + unit * c[1]:.1f} {cx + unit * p1[0]:.1f},"
            f'{cy + unit * p1[1]:.1f}" fill="none" stroke="{colour}" stroke-width="{width}" '
            'stroke-opacity="0.85"/>'
        )
    dot = float(np.clip(np.sqrt(3000.0 / m.n) / 1.6, 1.6, 4.5))
    y_legend = 80.0
    out.append(svg._text(394, y_legend - 32, "people, on the circle", 11, anchor="start"))
    out.append(svg._text(394, y_legend - 18, f"by initial {low}", 11, anchor="start"))
    for status, (label, face, edge) in STATUS_STYLE.items():
        who = np.flatnonzero(m.status == status)
        r = unit * (1.0 if status == PARTNERED else OUTER_RADIUS)
        name = STATUS_NAMES[status]
        out.append(f'<g class="relsim-people relsim-{name}">')
        out.extend(
            f'<circle class="relsim-person" cx="{cx + r * x:.1f}" cy="{cy + r * y:.1f}" '
            f'r="{dot:.1f}" fill="{face}" stroke="{edge}" stroke-width="0.8"/>'
            for x, y in ring[who]
        )
        out.append("</g>")
        out.append(f'<circle cx="400" cy="{y_legend:.0f}" r="4" fill="{face}" stroke="{edge}"/>')
        out.append(svg._text(409, y_legend + 4, f"{label}: {len(who)}", 11, anchor="start"))
        y_legend += 18
    top, height = 170.0, 170.0
    for i in range(10):
        colour = _hex(SATISFACTION_COLOURS([1.0 - (i + 0.5) / 10]))[0]
        out.append(
            f'<rect x="406" y="{top + i * height / 10:.1f}" width="14" '
            f'height="{height / 10 + 0.5:.1f}" fill="{colour}"/>'
        )
    out.append(svg._text(426, top + 5, "1", 10, anchor="start"))
    out.append(svg._text(426, top + height, "0", 10, anchor="start"))
    out.append(svg._text(440, top + height / 2, "couple's satisfaction", 10, anchor="start"))
    out.append(svg._text(440, top + height / 2 + 13, "(the line)", 10, anchor="start"))
    out.append("</svg>")
    return "".join(out)


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


def endings_svg(model: PartnerMarket) -> str:
    """Share of the relationships ended so far by outcome class (a healthy or a
    destructive ending), each bar one pattern (the shape the relationship had)."""
    counts = ending_counts(model)
    total = sum(c["healthy"] + c["destructive"] for c in counts.values())
    names = list(PATTERNS)
    healthy = sum(c["healthy"] for c in counts.values())
    title = f"How the {total} relationships that ended so far ended"
    if not total:
        title = "No relationship has ended yet"
    parts = [
        (f"ended {kind}", colour, [counts[n][kind] / max(total, 1) for n in names])
        for kind, colour in (("healthy", "#2ca02c"), ("destructive", "#d62728"))
    ]
    if total:
        title += f" ({healthy} healthy, {total - healthy} destructive)"
    return svg.stacked_bars(
        title, names, parts, "share of ended relationships", css_class="relsim-chart relsim-endings"
    )


def age_profile_svg(model: PartnerMarket) -> str:
    """Mean satisfaction of couples still together by relationship age, for
    chemistry-matched and compatibility-matched couples (M10)."""
    profile = model.age_profile("satisfaction")
    count = model.market.profile_count
    kinds = model.market.relationships["match"]
    lines = []
    for kind, name in enumerate(MATCH_NAMES):
        values = profile[name].to_numpy().copy()
        values[count[kind] < MIN_PROFILE_COUNT] = np.nan
        lines.append(
            svg.Series(
                f"{name}-matched ({int(np.sum(kinds == kind))} so far)", values, MATCH_COLOURS[name]
            )
        )
    return svg.line_chart(
        "Satisfaction by how long couples have been together",
        lines,
        model.horizon,
        (0.0, 1.0),
        "mean satisfaction",
        css_class="relsim-chart relsim-age-profile",
        x_label="time together",
    )


def repeats_svg(model: PartnerMarket) -> str:
    """How often the relationship after one that ended in a named pattern fell into a
    named pattern again, for people whose deficit the ending left unresolved and for
    the others (M11)."""
    s = model.summary()
    rows, values, told = [], [], []
    for label, key in (("deficit unresolved", "unresolved"), ("resolved (or none)", "resolved")):
        rate = float(s[f"repeat_rate_{key}"])
        pairs = int(s[f"repeat_pairs_{key}"])
        rows.append(label)
        values.append(0.0 if np.isnan(rate) else rate)
        told.append("none yet" if pairs == 0 else f"{round(rate * pairs)} of {pairs}")
    return svg.stacked_bars(
        "After a pattern ends: a pattern again? (" + "; ".join(told) + ")",
        rows,
        [("fell into a named pattern again", "#d62728", values)],
        "share whose next relationship fell into a named pattern again",
        css_class="relsim-chart relsim-repeats",
    )


# --- the week in words -----------------------------------------------------------------


def _person(i: int) -> str:
    return f"person {int(i) + 1}"


def market_week_in_words(model: PartnerMarket) -> list[str]:
    """What happened in the market this week, in plain words: couples formed (and how
    they were matched), couples that parted (the pattern they had and how they ended),
    and where everyone stands now. The first line is the heading."""
    m = model.market
    if m.week == 0:
        return [f"Week 0: {m.n} people, all single, about to meet. Press Step or ▶ Play to start."]
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


# --- the stage and the rest -----------------------------------------------------------

SERIES = {
    "shares": (
        "Share of people in a couple, single, recovering",
        (
            ("partnered_share", "in a couple", "#444444"),
            ("single_share", "single", "#1f77b4"),
            ("recovering_share", "recovering", "#ff7f0e"),
        ),
        (0.0, 1.0),
        "share of people",
    ),
    "satisfaction": (
        "Mean satisfaction of the couples together now",
        (("couple_satisfaction", "satisfaction", "#2ca02c"),),
        (0.0, 1.0),
        "satisfaction",
    ),
    "relationships": (
        "Relationships per person so far",
        (("relationships_per_person", "relationships", "#7f007f"),),
        (0.0, 5.0),
        "relationships",
    ),
}
"""The market's plots of its DataCollector series: title, lines (series, label, colour),
value range and value label."""


def series_svg(model: PartnerMarket, which: str) -> str:
    """One of the market's plots of its DataCollector series (see :data:`SERIES`)."""
    title, lines, y_range, y_label = SERIES[which]
    data = model.datacollector.model_vars
    low, high = y_range
    if which == "relationships":  # the count only grows: widen the axis in whole steps
        high = max(high, float(np.ceil(max(data[lines[0][0]], default=0.0))))
    return svg.line_chart(
        title,
        [svg.Series(label, data[key], colour) for key, label, colour in lines],
        model.horizon,
        (low, high),
        y_label,
        now=model.market.week,
        css_class=f"relsim-chart relsim-market-{which}",
    )


@solara.component
def MarketStage(run: solara.Reactive[PartnerMarket], frame: solara.Reactive[int], arrange_by: str):
    """The stage: the market as a picture, the shares of people by status and the mean
    satisfaction of the couples, week by week."""
    frame.value  # noqa: B018 - redraw after every week
    model = run.value
    with solara.Div(classes=["relsim-stage"]):
        with solara.Div(classes=["relsim-pictures"]):
            svg.chart_box(population_svg(model, arrange_by), "relsim-picture")
        with solara.Div(classes=["relsim-plots"]):
            svg.chart_box(series_svg(model, "shares"), "relsim-plot")
            svg.chart_box(series_svg(model, "satisfaction"), "relsim-plot")


@solara.component
def MarketRest(run: solara.Reactive[PartnerMarket], frame: solara.Reactive[int]):
    """Below the stage: the week in words, the notes, how relationships ended, the
    age profile, repeats and relationships per person."""
    frame.value  # noqa: B018 - redraw after every week
    model = run.value
    lines = market_week_in_words(model)
    with solara.Div(classes=["relsim-grid"]):
        html_box(text_block("This week in the market", [lines[0]], lines[1:]), "relsim-market-week")
        html_box(market_notes_html(), "relsim-market-notes")
        svg.chart_box(endings_svg(model), "relsim-plot")
        svg.chart_box(age_profile_svg(model), "relsim-plot")
        svg.chart_box(repeats_svg(model), "relsim-plot")
        svg.chart_box(series_svg(model, "relationships"), "relsim-plot")


def market_rest(run: solara.Reactive[PartnerMarket], frame: solara.Reactive[int]):
    """The market view's content below the stage."""
    return MarketRest(run, frame)


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
