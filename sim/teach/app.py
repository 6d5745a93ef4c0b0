"""The teaching app: one scenario's couples, a partner market, or a population, week by week.

The app is a Solara page over Mesa models: a :class:`~sim.RelationshipModel` of couples
or a :class:`~sim.PartnerMarket`. A bar at the top switches between the views and
into projector mode (large type, the settings folded away, the picture and the two
main plots filling a 1280 x 720 screen). Each view has its settings in a column on the
left and, on the right, the play controls (:mod:`sim.teach.player`), a stage with the
picture and the two main plots, and below it the rest.

In "one scenario" the settings are a scenario picker, a seed, a number of couples,
which couple to follow, a second run to compare with (the same scenario with one trait
changed, or another scenario, with the same seed), sliders for every trait of each
partner (the main traits first, the others and the environment in collapsible groups,
all read from the parameter registry), and a card that saves the settings as a scenario
file and loads one (:mod:`sim.teach.keep`). Any change but the couple followed builds a
fresh run. The stage shows the followed couple as a picture with this week's
interactions drawn between the partners, and their satisfaction and resentment
week by week; below are the week in plain words (from :mod:`sim.teach.story`), the
outcome so far, the scenario's teaching notes and the other plots. With many couples
the plots show the median and the band of the middle 80 % of the couples, and the
outcome classes are shown as they form. The plots are SVG drawn by the browser
(:mod:`sim.teach.svg`). In "partner market" the model is a :class:`~sim.PartnerMarket`
(see :mod:`sim.teach.market_view`); in "population" a :class:`~sim.RelationshipModel`
of couples drawn from a population (see :mod:`sim.teach.population_view`). Each
view keeps its run while another is shown.

Serve it with ``relsim app`` (which runs ``solara run sim.teach.app``); ``Page`` is
the page solara shows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape

import numpy as np
import solara
from matplotlib import colormaps
from matplotlib.colors import to_hex

from sim.model import parameters as reg
from sim.model.declarations import GROUPS, STATE, Group, group_hits
from sim.model.engine import DEFAULT_STEPS
from sim.model.mesa_model import RelationshipModel
from sim.model.outcomes import OUTCOME_CLASSES, final_metrics
from sim.model.state import Ending
from sim.scenario import Scenario, list_scenarios, load_scenario, parse_overrides
from sim.teach import svg
from sim.teach.app_widgets import ParameterSlider, Versioned, html_box, text_block
from sim.teach.keep import KeepControls
from sim.teach.market_view import (
    ARRANGE_DEFAULT,
    MarketControls,
    MarketSettings,
    MarketStage,
    market_rest,
)
from sim.teach.player import DEFAULT_SPEED, Player
from sim.teach.population_view import (
    POPULATION_ENV,
    PopulationControls,
    PopulationSettings,
    initial_population,
    population_rest,
    population_stage,
)
from sim.teach.story import (
    PARTNER_NAMES,
    change_lines,
    explain_outcome,
    is_quiet,
    week_lines,
)
from sim.views.scenario_run import replicate_keys

SCENARIO_ENV = "RELSIM_APP_SCENARIO"
"""Environment variable through which ``relsim app --scenario`` names the first scenario."""

OVERRIDES_ENV = "RELSIM_APP_SET"
"""Environment variable through which ``relsim app --set`` gives the values to set over
the first scenario's, as ``KEY=VALUE`` separated by spaces."""

MAX_COUPLES = 300
"""Most couples the app runs at once."""

COUPLES_STEP = 1
"""Resolution of the couples slider."""

COLOURS = {"a": "#1f77b4", "b": "#d62728"}
"""Line colour of each partner in the plots."""

BAND = (10, 90)
"""Percentiles of the band the plots show around the median of many couples."""

VIEWS = ("one scenario", "partner market", "population")
"""The app's views, as the switch names them."""

COMPARE_NONE, COMPARE_TRAIT, COMPARE_SCENARIO = "nothing", "one trait changed", "another scenario"
COMPARE_KINDS = (COMPARE_NONE, COMPARE_TRAIT, COMPARE_SCENARIO)
"""What the second run of a comparison can be."""

RUN_NAMES = ("left", "right")
"""How the plots name the two runs of a comparison (the left one solid, the right dashed)."""

VARIABLES = {v.name: v for v in STATE}
"""State variables by name, for the range of each plot."""


@dataclass(frozen=True)
class Settings(Versioned):
    """What the controls set: the traits of both partners, the environment, seed, couples,
    and what to compare with.

    Attributes
    ----------
    scenario : str or None
        The scenario the traits were loaded from.
    a, b : mapping of str to float
        Every trait of partner ``a`` and ``b``.
    env : mapping of str to float
        Every environment parameter.
    seed : int
        Root seed of the couples' random keys.
    couples : int
        Number of couples.
    compare : str
        What runs on the right: one of :data:`COMPARE_KINDS`.
    compare_key : str
        The trait changed on the right, as ``a.<trait>``, ``b.<trait>`` or ``env.<name>``.
    compare_value : float or None
        Its value on the right (``None``: its value on the left).
    compare_scenario : str or None
        The scenario on the right.
    source : Scenario or None
        The scenario the traits were loaded from, as its file has it (for its notes,
        and for saving the settings as a scenario file).
    version : int
        Raised by one at every change, so that the page can rebuild what depends on it.
    """

    scenario: str | None
    a: Mapping[str, float] = field(default_factory=reg.trait_defaults)
    b: Mapping[str, float] = field(default_factory=reg.trait_defaults)
    env: Mapping[str, float] = field(default_factory=reg.env_defaults)
    seed: int = 1
    couples: int = 1
    compare: str = COMPARE_NONE
    compare_key: str = "b.narcissism"
    compare_value: float | None = None
    compare_scenario: str | None = None
    source: Scenario | None = None
    version: int = 0

    def model_kwargs(self) -> dict[str, object]:
        """Keyword arguments of :class:`RelationshipModel` for these settings."""
        return {
            "a": dict(self.a),
            "b": dict(self.b),
            "env": dict(self.env),
            "n_couples": self.couples,
            "steps": DEFAULT_STEPS,
            "rng": self.seed,
            "keys": replicate_keys(self.seed, self.couples),
            "collect_agents": False,
        }

    def model(self) -> RelationshipModel:
        """A fresh model at week 0."""
        return RelationshipModel(**self.model_kwargs())

    def compared_value(self) -> float:
        """The value of ``compare_key`` on the right."""
        group, name = self.compare_key.split(".", 1)
        mine = float(getattr(self, group)[name])
        return mine if self.compare_value is None else float(self.compare_value)

    def second(self) -> Settings | None:
        """The settings of the run on the right, with the same seed and couples, or
        ``None`` when nothing is compared."""
        if self.compare == COMPARE_TRAIT:
            group, name = self.compare_key.split(".", 1)
            values = {**getattr(self, group), name: self.compared_value()}
            return replace(self, compare=COMPARE_NONE, **{group: values})
        if self.compare == COMPARE_SCENARIO and self.compare_scenario:
            return scenario_settings(self.compare_scenario, self.seed, self.couples)
        return None


def scenario_settings(
    name: str | None,
    seed: int = 1,
    couples: int = 1,
    overrides: Sequence[tuple[str, float]] = (),
) -> Settings:
    """Settings holding a scenario's traits and environment (the scenario given by name
    or path), with ``overrides`` (as :func:`sim.scenario.parse_overrides` gives them)
    set over them, registry defaults elsewhere."""
    if name is None:
        return Settings(None, seed=seed, couples=couples)
    return settings_of(load_scenario(name), seed, couples, overrides)


def settings_of(
    source: Scenario, seed: int = 1, couples: int = 1, overrides: Sequence[tuple[str, float]] = ()
) -> Settings:
    """Settings holding the traits and environment of a loaded scenario, with
    ``overrides`` set over them, registry defaults elsewhere."""
    sc = source.with_overrides(overrides)
    return Settings(
        source.name,
        a={**reg.trait_defaults(), **sc.a},
        b={**reg.trait_defaults(), **sc.b},
        env={**reg.env_defaults(), **sc.env},
        seed=seed,
        couples=couples,
        source=source,
    )


def initial_scenario() -> str | None:
    """The scenario to open with: ``$RELSIM_APP_SCENARIO``, else the first of the library."""
    wanted = os.environ.get(SCENARIO_ENV)
    if wanted:
        return wanted
    names = list_scenarios()
    return names[0] if names else None


def initial_overrides() -> tuple[tuple[str, float], ...]:
    """The values to set over the first scenario's: ``$RELSIM_APP_SET`` (``KEY=VALUE``
    separated by spaces), else none."""
    return parse_overrides(os.environ.get(OVERRIDES_ENV, "").split())


# --- what a run keeps week by week -----------------------------------------------------

PARTNER_SERIES = ("satisfaction", "resentment", "goodwill", "capability")
"""Partner variables the plots show, for each partner."""

COUPLE_SERIES = ("intimacy",)
"""Couple variables the plots show."""


class History:
    """The weekly median and band of every plotted variable over a model's couples, and
    the outcome-class shares as they form.

    Attributes
    ----------
    rows : dict of str to list of ndarray
        Per variable, one array a week from week 0: shape ``(3, 2)`` (low, median and
        high; partner ``a`` and ``b``) for partner variables, ``(3,)`` for couple ones.
    shares : list of ndarray
        One array of the outcome-class shares a week (in the order of
        :data:`OUTCOME_CLASSES`); zeros at week 0, when no class has formed.
    """

    def __init__(self, model: RelationshipModel) -> None:
        self.rows: dict[str, list[np.ndarray]] = {n: [] for n in PARTNER_SERIES + COUPLE_SERIES}
        self.shares: list[np.ndarray] = []
        self.record(model)

    def record(self, model: RelationshipModel) -> None:
        """Add this week of ``model``."""
        s = model.state
        q = (BAND[0], 50, BAND[1])
        for name in PARTNER_SERIES:
            self.rows[name].append(np.percentile(getattr(s, name), q, axis=1))
        for name in COUPLE_SERIES:
            self.rows[name].append(np.percentile(getattr(s, name), q))
        if model.steps == 0 or model.n_couples == 1:
            self.shares.append(np.zeros(len(OUTCOME_CLASSES)))
        else:
            shares = model.outcome_shares()
            self.shares.append(np.array([shares[c] for c in OUTCOME_CLASSES]))

    def series(self, name: str) -> np.ndarray:
        """The rows of one variable as an array: shape ``(weeks, 3, ...)``."""
        return np.asarray(self.rows[name])


class CoupleRun:
    """The run of one scenario view: one model, or two side by side with the same seed.

    Attributes
    ----------
    settings : list of Settings
        The settings of each model (the left one first).
    models : list of RelationshipModel
    histories : list of History
    """

    def __init__(self, settings: Settings) -> None:
        second = settings.second()
        self.version = settings.version
        self.settings = [settings] if second is None else [settings, second]
        self.models = [s.model() for s in self.settings]
        self.histories = [History(m) for m in self.models]

    @property
    def running(self) -> bool:
        """True while any model can go on."""
        return any(m.running for m in self.models)

    @property
    def steps(self) -> int:
        """Weeks run so far (the furthest of the models)."""
        return max(m.steps for m in self.models)

    @property
    def horizon(self) -> int:
        """Last week of the run."""
        return self.models[0].horizon

    def step(self) -> None:
        """One week of every model that can go on (none past its horizon)."""
        for model, history in zip(self.models, self.histories, strict=True):
            if model.running:
                model.step()
                history.record(model)


# --- the couple in a picture -----------------------------------------------------------

GROUP_COLOURS: tuple[str, ...] = (
    "#1f77b4",
    "#2ca02c",
    "#8c564b",
    "#d62728",
    "#ff7f0e",
    "#e6b800",
    "#17becf",
    "#7f7f7f",
    "#7f007f",
)
"""Colours of the drawn groups of interactions, in the order of
:data:`~sim.model.declarations.GROUPS`."""
assert len(GROUP_COLOURS) >= len(GROUPS), "a colour for every drawn group"

SATISFACTION_FILL = colormaps["RdYlGn"]
"""Fill of a partner by satisfaction: red low, green high."""


def week_interactions(events: np.ndarray) -> list[tuple[Group, str, int]]:
    """The interactions of one week of one couple: ``(group, colour, from_partner)``.

    ``events`` is ``state.events[:, :, couple]``; each declared group is reported once
    per partner who did one of its events.
    """
    hits = group_hits(events)
    return [
        (group, GROUP_COLOURS[g], p) for g, group in enumerate(GROUPS) for p in (0, 1) if hits[g, p]
    ]


PICTURE_W, PICTURE_H, UNIT = 560.0, 380.0, 200.0
"""Size of the couple picture in its own units, and the length of one model unit."""


def couple_svg(
    model: RelationshipModel, couple: int = 0, names: tuple[str, str] = PARTNER_NAMES, note=""
) -> str:
    """A picture of one couple as SVG: two partners and this week's interactions.

    The distance between the partners shrinks as intimacy grows; each partner's size
    shows capability, fill colour satisfaction (red low, green high) and the width of
    the red rim resentment. Arrows (class ``relsim-arrow``) run from the partner who
    acted to the other; a conflict is a zigzag line (class ``relsim-conflict``).
    ``note`` is added to the title (such as which run of a comparison it is).
    """
    s = model.state
    together = bool(s.active[couple])
    half = 0.35 + 0.5 * (1.0 - float(s.intimacy[couple]))
    cx, cy = PICTURE_W / 2, 175.0
    centres = (cx - half * UNIT, cx + half * UNIT)
    radii = [UNIT * (0.12 + 0.2 * float(s.capability[p, couple])) for p in (0, 1)]
    status = "" if together else f" (ended: {Ending(int(s.ending[couple])).name.lower()})"
    which = f"couple {couple + 1} of {model.n_couples}, " if model.n_couples > 1 else ""
    title = f"{note}{which}week {model.steps}{status}"
    out = [
        f'<svg class="relsim-couple" viewBox="0 0 {PICTURE_W:g} {PICTURE_H:g}" width="100%" '
        'preserveAspectRatio="xMidYMid meet" role="img" font-family="sans-serif">',
        f"<title>{escape(title)}</title><defs>",
    ]
    for g, colour in enumerate(GROUP_COLOURS):
        out.append(
            f'<marker id="relsim-head-{g}" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="6" markerHeight="6" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(svg._text(cx, 20, title, 15, weight="bold"))
    for p, x in enumerate(centres):
        sat, res = float(s.satisfaction[p, couple]), float(s.resentment[p, couple])
        fill = to_hex(SATISFACTION_FILL(sat)) if together else "#bbbbbb"
        rim = 2.0 + 16.0 * res
        out.append(
            f'<circle class="relsim-partner" cx="{x:.1f}" cy="{cy}" r="{radii[p]:.1f}" '
            f'fill="{fill}" stroke="#b00000" stroke-width="{rim:.1f}"/>'
        )
        out.append(svg._text(x, cy + 8, names[p], 24, weight="bold"))
        lines = (
            f"satisfaction {sat:.2f}",
            f"resentment {res:.2f}",
            f"capability {s.capability[p, couple]:.2f}",
        )
        for i, line in enumerate(lines):
            out.append(svg._text(x, 300 + 18 * i, line, 14))
    drawn = week_interactions(s.events[:, :, couple]) if model.steps else []
    arrows_from = [0, 0]
    for group, colour, p in drawn:
        g = GROUPS.index(group)
        if group.shape == "line":
            xs = np.linspace(centres[0] + radii[0], centres[1] - radii[1], 9)
            ys = cy + 12 * np.where(np.arange(9) % 2 == 0, 1, -1) + (p - 0.5) * 24
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
            out.append(
                f'<polyline class="relsim-conflict" points="{pts}" fill="none" '
                f'stroke="{colour}" stroke-width="3"/>'
            )
            continue
        # Arrows bulge up when they run from A to B and down when from B to A; later
        # ones bulge more.
        rad = 0.35 + 0.2 * arrows_from[p]
        arrows_from[p] += 1
        sign = 1.0 if p == 0 else -1.0
        start = centres[p] + sign * radii[p]
        end = centres[1 - p] - sign * radii[1 - p]
        bulge = cy - sign * rad * abs(end - start)
        out.append(
            f'<path class="relsim-arrow" d="M{start:.1f},{cy} Q{cx:.1f},{bulge:.1f} '
            f'{end:.1f},{cy}" fill="none" stroke="{colour}" stroke-width="3" '
            f'marker-end="url(#relsim-head-{g})"/>'
        )
    kinds = dict.fromkeys((group.name, colour) for group, colour, _ in drawn)
    x = 10.0
    for name, colour in kinds:
        out.append(f'<rect x="{x:.1f}" y="34" width="12" height="12" fill="{colour}"/>')
        out.append(svg._text(x + 16, 45, name, 13, anchor="start"))
        x += 34 + 7.0 * len(name)
    out.append("</svg>")
    return "".join(out)


# --- the plots -------------------------------------------------------------------------


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def series_chart(run: CoupleRun, name: str) -> str:
    """One variable week by week: each partner's line (or the couple's), the median and
    the middle 80 % of many couples, the right run of a comparison dashed."""
    var = VARIABLES[name]
    n = run.models[0].n_couples
    lines = []
    for r, history in enumerate(run.histories):
        rows = history.series(name)
        where = f", {RUN_NAMES[r]}" if len(run.histories) > 1 else ""
        if rows.ndim == 3:
            parts = [(PARTNER_NAMES[p], COLOURS[who], rows[:, :, p]) for p, who in enumerate("ab")]
        else:
            parts = [("couple", "#2ca02c", rows)]
        for label, colour, q in parts:
            band = (q[:, 0], q[:, 2]) if n > 1 else (None, None)
            lines.append(svg.Series(f"{label}{where}", q[:, 1], colour, *band, dashed=r == 1))
    title = _label(name)
    if n > 1:
        title += f": median of {n} couples, band: middle {BAND[1] - BAND[0]} %"
    return svg.line_chart(
        title,
        lines,
        run.horizon,
        (var.low, var.high),
        name.replace("_", " "),
        now=run.steps,
        css_class=f"relsim-chart relsim-plot-{name}",
    )


OUTCOME_COLOURS = {
    "mutual": "#2ca02c",
    "eroded": "#bcbd22",
    "coercive": "#d62728",
    "irrelationship": "#9467bd",
    "narcissistic": "#8c564b",
    "ended healthy": "#17becf",
    "ended destructive": "#000000",
}
"""Colour of each outcome class in the share plots (grey for any other)."""


def outcome_colour(name: str) -> str:
    """Colour of an outcome class in the share plots."""
    return OUTCOME_COLOURS.get(name, "#999999")


def shares_charts(run: CoupleRun) -> list[str]:
    """The outcome-class shares of each model of ``run`` as they formed week by week."""
    out = []
    for r, history in enumerate(run.histories):
        rows = np.asarray(history.shares)
        where = f" ({RUN_NAMES[r]})" if len(run.histories) > 1 else ""
        layers = [(c, outcome_colour(c), rows[:, i]) for i, c in enumerate(OUTCOME_CLASSES)]
        out.append(
            svg.stacked_area(
                f"Outcome classes as they form{where}",
                layers,
                run.horizon,
                css_class="relsim-chart relsim-plot-shares",
            )
        )
    return out


# --- the words -------------------------------------------------------------------------

CHANGE_SERIES = ("intimacy", "satisfaction", "resentment", "goodwill", "capability")
"""Variables whose weekly change "this week in words" tells."""


def week_in_words(model: RelationshipModel, couple: int = 0) -> list[str]:
    """This week of one couple in plain words, from the story's narrator.

    With one couple what changed this week is told too.
    """
    if model.steps == 0:
        return ["Week 0: the couple has just got together. Press Step or ▶ Play to start."]
    events = model.state.events[:, :, couple]
    head = f"Week {model.steps}:"
    if not model.state.active[couple] and not events.any():
        return [f"{head} the couple has parted."]
    changes = _week_changes(model) if model.n_couples == 1 else []
    if is_quiet(events):
        return [f"{head} a quiet week; each handled their own problems.", *changes]
    return [head, *week_lines(events, PARTNER_NAMES), *changes]


def _week_changes(model: RelationshipModel) -> list[str]:
    """The story's "what changed" line, from the last two rows of the model's series."""
    frame = model.datacollector.model_vars
    if len(frame["intimacy"]) < 2:
        return []

    def snapshot(row: int) -> dict[str, np.ndarray]:
        out = {}
        for name in CHANGE_SERIES:
            pair = [f"{name}_{who}" for who in reg.PARTNERS]
            cols = pair if all(c in frame for c in pair) else [name]
            out[name] = np.array([frame[c][row] for c in cols], dtype=np.float64)
        return out

    return change_lines(snapshot(-2), snapshot(-1), PARTNER_NAMES)


def outcome_lines(model: RelationshipModel) -> tuple[str, list[str], list[str]]:
    """Heading, paragraph and reasons of the outcome so far of a one-couple model."""
    if model.steps == 0:
        return "Outcome so far: none yet", ["Week 0: nothing has happened yet."], []
    m = {k: np.asarray(v)[0] for k, v in final_metrics(model.state).items()}
    outcome, lines = explain_outcome(m, model.thresholds)
    return f"Outcome so far: {outcome}", lines[1:2], [ln.strip() for ln in lines[2:]]


def outcome_html(model: RelationshipModel) -> str:
    """The outcome so far of a one-couple model, and why, as HTML."""
    return text_block(*outcome_lines(model))


# --- the controls ----------------------------------------------------------------------


@solara.component
def PartnerControls(settings: Settings, who: str, on_change: Callable[[Settings], None]):
    """Sliders for every trait of one partner: main traits, then the rest folded away."""
    traits = getattr(settings, who)
    name = PARTNER_NAMES[reg.PARTNERS.index(who)]

    def slider(param: reg.Parameter):
        ParameterSlider(
            param,
            traits[param.name],
            lambda v, n=param.name: on_change(settings.with_value(who, n, v)),
        )

    with solara.Card(f"Partner {name}", margin=0):
        for trait in reg.MAIN_TRAITS:
            slider(reg.REGISTRY[trait])
        with solara.Details(f"More traits of {name}", expand=False):
            for param in reg.TRAITS:
                if param.name not in reg.MAIN_TRAITS:
                    slider(param)


NO_EXPECTATIONS = "It names no expected outcome classes."
"""What the notes of a scenario without ``[expected]`` (such as a saved one) say."""


def scenario_notes_html(sc: Scenario | None) -> str:
    """A scenario's title, description and teaching notes as HTML."""
    if sc is None:
        return text_block("No scenario", ["Registry defaults."], level=4)
    paragraphs = [" ".join(p.split()) for p in sc.description.split("\n\n")]
    return (
        text_block(sc.title, paragraphs + ([] if sc.expected else [NO_EXPECTATIONS]), level=4)
        + text_block("What to notice", items=sc.notice, level=5)
        + text_block("Things to try", items=sc.things_to_try, level=5)
    )


COMPARE_KEYS = tuple(
    [f"{who}.{p.name}" for who in reg.PARTNERS for p in reg.TRAITS]
    + [f"env.{p.name}" for p in reg.ENVIRONMENT]
)
"""What a comparison of one trait changed can change."""


@solara.component
def CompareControls(settings: Settings, on_change: Callable[[Settings], None]):
    """What runs on the right: nothing, this scenario with one trait changed, or another
    scenario (always with the same seed and couples)."""
    with solara.Card("Side by side", margin=0):
        solara.Select(
            "Compare with",
            values=list(COMPARE_KINDS),
            value=settings.compare,
            on_value=lambda kind: on_change(settings.changed(compare=kind)),
        )
        if settings.compare == COMPARE_TRAIT:
            solara.Select(
                "Trait changed on the right",
                values=list(COMPARE_KEYS),
                value=settings.compare_key,
                on_value=lambda key: on_change(
                    settings.changed(compare_key=key, compare_value=None)
                ),
            )
            group, name = settings.compare_key.split(".", 1)
            param = reg.REGISTRY[name]
            ParameterSlider(
                param,
                settings.compared_value(),
                lambda v: on_change(settings.changed(compare_value=float(v))),
                label=f"right: {settings.compare_key}",
            )
        elif settings.compare == COMPARE_SCENARIO:
            solara.Select(
                "Scenario on the right",
                values=list_scenarios(),
                value=settings.compare_scenario,
                on_value=lambda sc: on_change(settings.changed(compare_scenario=sc)),
            )


@solara.component
def Controls(
    settings: Settings,
    on_change: Callable[[Settings], None],
    followed: solara.Reactive[int],
    typed_name: solara.Reactive[str],
):
    """Scenario picker, seed, couples, the couple to follow, the comparison, sliders
    built from the registry, and saving and loading a scenario file."""
    names = list_scenarios()
    if settings.scenario is not None and settings.scenario not in names:
        names.append(settings.scenario)  # a file loaded from elsewhere

    def load(sc: Scenario) -> None:
        loaded = settings_of(sc, settings.seed, settings.couples)
        keep = {k: getattr(settings, k) for k in ("compare", "compare_key", "compare_scenario")}
        on_change(replace(loaded, version=settings.version + 1, **keep))

    def pick(name: str) -> None:
        # Picking the scenario shown again puts its file's values back.
        same = name == settings.scenario and settings.source is not None
        load(settings.source if same else load_scenario(name))

    def seed(value: int | None) -> None:
        if value is not None and value >= 0:
            on_change(settings.changed(seed=int(value)))

    with solara.Card("Scenario", margin=0):
        solara.Select("Scenario", values=names, value=settings.scenario, on_value=pick)
    with solara.Card("Run", margin=0):
        solara.InputInt("Seed", value=settings.seed, on_value=seed)
        solara.SliderInt(
            f"Couples {settings.couples}",
            value=settings.couples,
            min=1,
            max=MAX_COUPLES,
            step=COUPLES_STEP,
            on_value=lambda n: on_change(settings.changed(couples=int(n))),
        )
        if settings.couples > 1:
            shown = min(followed.value, settings.couples)
            solara.SliderInt(
                f"Follow couple {shown}",
                value=shown,
                min=1,
                max=settings.couples,
                on_value=followed.set,
            )
    CompareControls(settings, on_change)
    for who in reg.PARTNERS:
        PartnerControls(settings, who, on_change)
    with solara.Card("Environment", margin=0):
        with solara.Details("Environment of the couple", expand=False):
            for param in reg.ENVIRONMENT:
                ParameterSlider(
                    param,
                    settings.env[param.name],
                    lambda v, n=param.name: on_change(settings.with_value("env", n, v)),
                )
    KeepControls(
        settings.source,
        (settings.a, settings.b, settings.env),
        typed_name,
        load,
    )


# --- the page --------------------------------------------------------------------------


def followed_couple(model: RelationshipModel, followed: int) -> int:
    """Index of the couple to follow: ``followed`` counts from 1 and is capped at the
    model's couples."""
    return min(max(int(followed), 1), model.n_couples) - 1


def chart(svg_text: str, css_class: str):
    """A chart's SVG in a box of the page."""
    return svg.chart_box(svg_text, css_class)


@solara.component
def ScenarioStage(run: solara.Reactive[CoupleRun], frame: solara.Reactive[int], followed: int):
    """The stage: the followed couple of each run as a picture, and its satisfaction and
    resentment week by week."""
    frame.value  # noqa: B018 - redraw after every week
    current = run.value
    pair = len(current.models) > 1
    with solara.Div(classes=["relsim-stage"] + (["relsim-pair"] if pair else [])):
        with solara.Div(classes=["relsim-pictures"]):
            for r, model in enumerate(current.models):
                note = f"{RUN_NAMES[r]}: " if pair else ""
                chart(
                    couple_svg(model, followed_couple(model, followed), note=note),
                    "relsim-picture",
                )
        with solara.Div(classes=["relsim-plots"]):
            for name in ("satisfaction", "resentment"):
                chart(series_chart(current, name), "relsim-plot")


@solara.component
def ScenarioRest(run: solara.Reactive[CoupleRun], frame: solara.Reactive[int], followed: int):
    """Below the stage: the week in words, the outcome so far, the notes, other plots."""
    frame.value  # noqa: B018 - redraw after every week
    current = run.value
    pair = len(current.models) > 1
    with solara.Div(classes=["relsim-grid"]):
        for r, model in enumerate(current.models):
            couple = followed_couple(model, followed)
            lines = week_in_words(model, couple)
            which = f" (couple {couple + 1})" if model.n_couples > 1 else ""
            side = f", {RUN_NAMES[r]}" if pair else ""
            html_box(
                text_block(f"This week in words{which}{side}", [lines[0]], lines[1:]),
                "relsim-week",
            )
        if current.models[0].n_couples == 1:
            for r, model in enumerate(current.models):
                heading, paragraphs, items = outcome_lines(model)
                side = f" ({RUN_NAMES[r]})" if pair else ""
                html_box(text_block(heading + side, paragraphs, items), "relsim-outcome")
        else:
            for text in shares_charts(current):
                chart(text, "relsim-outcome")
        for settings in current.settings:
            html_box(scenario_notes_html(settings.source), "relsim-notes")
        for name in ("goodwill", "capability", "intimacy"):
            chart(series_chart(current, name), "relsim-plot")


@solara.component
def ViewFrame(
    run: solara.Reactive,
    reset: Callable[[], None],
    frame: solara.Reactive[int],
    speed: solara.Reactive[int],
    projector: bool,
    controls: Callable[[], None],
    stage: Callable[[], None],
    rest: Callable[[], None],
):
    """A view: its settings on the left (folded away in projector mode), and on the
    right the player, the stage and the rest."""
    with solara.Div(classes=["relsim-body"]):
        if not projector:
            with solara.Div(classes=["relsim-settings"]):
                controls()
        with solara.Div(classes=["relsim-main"]):
            Player(run, reset, frame, speed)
            stage()
            rest()


@solara.component
def ScenarioView(
    settings: solara.Reactive[Settings],
    run: solara.Reactive[CoupleRun],
    followed: solara.Reactive[int],
    speed: solara.Reactive[int],
    projector: bool = False,
):
    """One scenario's couples (or two runs side by side)."""
    frame = solara.use_reactive(0)
    typed_name = solara.use_reactive("")

    def change(new: Settings) -> None:
        settings.set(new)
        run.set(CoupleRun(new))

    ViewFrame(
        run,
        lambda: run.set(CoupleRun(settings.value)),
        frame,
        speed,
        projector,
        lambda: Controls(settings.value, change, followed, typed_name),
        lambda: ScenarioStage(run, frame, followed.value),
        lambda: ScenarioRest(run, frame, followed.value),
    ).key(f"scenario-{run.value.version}")


@solara.component
def MarketView(
    settings: solara.Reactive[MarketSettings],
    run: solara.Reactive,
    arrange_by: solara.Reactive[str],
    speed: solara.Reactive[int],
    projector: bool = False,
):
    """The partner market."""
    frame = solara.use_reactive(0)

    def change(new: MarketSettings) -> None:
        settings.set(new)
        run.set(new.model())

    ViewFrame(
        run,
        lambda: run.set(settings.value.model()),
        frame,
        speed,
        projector,
        lambda: MarketControls(settings.value, change, arrange_by),
        lambda: MarketStage(run, frame, arrange_by.value),
        lambda: market_rest(run, frame),
    ).key(f"market-{settings.value.version}")


@solara.component
def PopulationView(
    settings: solara.Reactive[PopulationSettings],
    run: solara.Reactive,
    speed: solara.Reactive[int],
    projector: bool = False,
):
    """Couples drawn from a population."""
    frame = solara.use_reactive(0)

    def change(new: PopulationSettings) -> None:
        settings.set(new)
        run.set(new.model())

    current = settings.value
    ViewFrame(
        run,
        lambda: run.set(settings.value.model()),
        frame,
        speed,
        projector,
        lambda: PopulationControls(current, change),
        lambda: population_stage(run, frame, current),
        lambda: population_rest(run, frame, current),
    ).key(f"population-{current.version}")


def initial_view() -> str:
    """The view to open with: the population view when ``relsim app --population`` named
    one, else one scenario."""
    return VIEWS[2] if os.environ.get(POPULATION_ENV) else VIEWS[0]


CSS = """
.relsim-app { font-size: 15px; }
.relsim-top { display: flex; align-items: center; gap: 16px; flex-wrap: wrap;
  padding: 4px 12px; border-bottom: 1px solid #ddd; }
.relsim-top h1 { font-size: 20px; margin: 0; font-weight: 600; }
.relsim-body { display: flex; gap: 12px; padding: 8px; align-items: flex-start; }
.relsim-settings { width: 330px; flex: none; max-height: calc(100vh - 70px); overflow-y: auto;
  display: flex; flex-direction: column; gap: 8px; }
.relsim-main { flex: 1; min-width: 0; }
.relsim-player { gap: 8px; margin-bottom: 6px; }
.relsim-clock { font-size: 1.15em; font-weight: 600; }
.relsim-stopped { background: #fff3cd; border: 1px solid #e0c060; padding: 6px 10px;
  border-radius: 4px; margin-bottom: 6px; font-size: 1.05em; }
.relsim-stage { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 8px; }
.relsim-pictures, .relsim-plots { display: flex; flex-direction: column; gap: 6px;
  min-width: 0; }
.relsim-pair .relsim-pictures { flex-direction: row; }
.relsim-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr));
  gap: 10px; margin-top: 10px; }
.relsim-grid > div { border: 1px solid #e5e5e5; border-radius: 4px; padding: 6px 10px; }
.relsim-chart-box svg { display: block; }
.relsim-projector.relsim-app { font-size: 22px; }
.relsim-projector .relsim-top h1 { font-size: 26px; }
.relsim-projector p, .relsim-projector li { font-size: 22px; line-height: 1.35; }
.relsim-projector h3, .relsim-projector h4 { font-size: 26px; }
.relsim-projector h5 { font-size: 23px; }
.relsim-projector .relsim-stage { height: calc(100vh - 165px); }
.relsim-projector .relsim-pictures > div, .relsim-projector .relsim-plots > div {
  flex: 1 1 0; min-height: 0; }
.relsim-projector .relsim-chart-box svg { width: 100%; height: 100%; }
.relsim-projector .relsim-player .v-btn { font-size: 20px; height: 48px; }
"""
"""The page's own style: the layout, and the large type of projector mode."""


@solara.component
def Page():
    """The app: the bar with the view switch and projector mode, then the chosen view.

    Every change of a view's settings builds a fresh run, paused at week 0. Every view's
    settings and run live here, so switching views and back finds each where it was
    left (paused).
    """
    first = solara.use_memo(
        lambda: scenario_settings(initial_scenario(), overrides=initial_overrides()), []
    )
    opening = solara.use_memo(initial_view, [])
    view = solara.use_reactive(opening)
    projector = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    settings = solara.use_reactive(first)
    couples = solara.use_reactive(solara.use_memo(lambda: CoupleRun(first), []))
    followed = solara.use_reactive(1)
    market = solara.use_reactive(MarketSettings())
    market_run = solara.use_reactive(None)
    arrange_by = solara.use_reactive(ARRANGE_DEFAULT)
    population = solara.use_reactive(
        solara.use_memo(lambda: PopulationSettings(initial_population()), [])
    )
    population_run = solara.use_reactive(
        solara.use_memo(lambda: population.value.model() if opening == VIEWS[2] else None, [])
    )

    def show(name: str) -> None:
        # A view's run is built the first time the view is shown.
        if name == VIEWS[1] and market_run.value is None:
            market_run.set(market.value.model())
        if name == VIEWS[2] and population_run.value is None:
            population_run.set(population.value.model())
        view.set(name)

    solara.Style(CSS)
    classes = ["relsim-app"] + (["relsim-projector"] if projector.value else [])
    with solara.Div(classes=classes):
        with solara.Div(classes=["relsim-top"]):
            solara.HTML(tag="h1", unsafe_innerHTML="relsim: relationships, week by week")
            solara.ToggleButtonsSingle(
                value=view.value, values=list(VIEWS), on_value=show, dense=True
            )
            solara.Switch(label="Projector", value=projector)
        if view.value == VIEWS[0]:
            ScenarioView(settings, couples, followed, speed, projector.value)
        elif view.value == VIEWS[1]:
            MarketView(market, market_run, arrange_by, speed, projector.value)
        else:
            PopulationView(population, population_run, speed, projector.value)
