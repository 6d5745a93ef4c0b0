"""The teaching app: Mesa's ``SolaraViz`` over one scenario's couples or a partner market.

A switch at the top of the sidebar picks the view. In "one scenario" the model is a
:class:`~sim.RelationshipModel`: the sidebar holds ``SolaraViz``'s play, step and
reset, then a scenario picker, a seed, a number of couples, which couple to follow,
and sliders for every trait of each partner (the main traits first, the others and the
environment in collapsible groups, all read from the parameter registry). Any change
but the couple followed builds a fresh model. The main area shows a picture of the
followed couple with this week's interactions drawn between the partners, its week in
plain words (from :mod:`sim.teach.story`), the scenario's teaching notes, the outcome
classes so far and live plots of the model's ``DataCollector`` series. In "partner
market" the model is a :class:`~sim.PartnerMarket` (see :mod:`sim.teach.market_view`).
In "population" it is a :class:`~sim.RelationshipModel` of couples drawn from a
population, the couples of ``relsim run --population`` (see
:mod:`sim.teach.population_view`). Each view keeps its model while another is shown.

Serve it with ``relsim app`` (which runs ``solara run sim.teach.app``); ``Page`` is
the page solara shows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import solara
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Patch
from mesa.visualization import SolaraViz, make_plot_component

from sim.model import parameters as reg
from sim.model.declarations import GROUPS, Group, group_hits
from sim.model.engine import DEFAULT_STEPS
from sim.model.mesa_model import RelationshipModel
from sim.model.outcomes import OUTCOME_CLASSES, final_metrics
from sim.model.state import Ending
from sim.scenario import list_scenarios, load_scenario, parse_overrides
from sim.teach.app_widgets import (
    ModelKeeper,
    ParameterSlider,
    Versioned,
    html_box,
    text_block,
    use_kept_model,
)
from sim.teach.market_view import (
    ARRANGE_DEFAULT,
    MarketControls,
    MarketSettings,
    market_components,
)
from sim.teach.population_view import (
    POPULATION_ENV,
    PopulationControls,
    PopulationSettings,
    initial_population,
    population_components,
)
from sim.teach.story import (
    PARTNER_NAMES,
    change_lines,
    explain_outcome,
    is_quiet,
    week_lines,
)

SCENARIO_ENV = "RELSIM_APP_SCENARIO"
"""Environment variable through which ``relsim app --scenario`` names the first scenario."""

OVERRIDES_ENV = "RELSIM_APP_SET"
"""Environment variable through which ``relsim app --set`` gives the values to set over
the first scenario's, as ``KEY=VALUE`` separated by spaces."""

MAX_COUPLES = 300
"""Most couples the app runs at once (the plots show their means)."""

COLOURS = {"a": "#1f77b4", "b": "#d62728"}
"""Line colour of each partner in the plots."""


VIEWS = ("one scenario", "partner market", "population")
"""The app's views, as the switch names them."""


@dataclass(frozen=True)
class Settings(Versioned):
    """What the controls set: the traits of both partners, the environment, seed, couples.

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
    version : int
        Raised by one at every change, so that the page can rebuild what depends on it.
    """

    scenario: str | None
    a: Mapping[str, float] = field(default_factory=reg.trait_defaults)
    b: Mapping[str, float] = field(default_factory=reg.trait_defaults)
    env: Mapping[str, float] = field(default_factory=reg.env_defaults)
    seed: int = 1
    couples: int = 1
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
            "collect_agents": False,
        }

    def model(self) -> RelationshipModel:
        """A fresh model at week 0."""
        return RelationshipModel(**self.model_kwargs())


def scenario_settings(
    name: str | None,
    seed: int = 1,
    couples: int = 1,
    overrides: Sequence[tuple[str, float]] = (),
) -> Settings:
    """Settings holding a scenario's traits and environment, with ``overrides`` (as
    :func:`sim.scenario.parse_overrides` gives them) set over them, registry defaults
    elsewhere."""
    if name is None:
        return Settings(None, seed=seed, couples=couples)
    sc = load_scenario(name).with_overrides(overrides)
    return Settings(
        name,
        a={**reg.trait_defaults(), **sc.a},
        b={**reg.trait_defaults(), **sc.b},
        env={**reg.env_defaults(), **sc.env},
        seed=seed,
        couples=couples,
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


def week_interactions(events: np.ndarray) -> list[tuple[Group, str, int]]:
    """The interactions of one week of one couple: ``(group, colour, from_partner)``.

    ``events`` is ``state.events[:, :, couple]``; each declared group is reported once
    per partner who did one of its events.
    """
    hits = group_hits(events)
    return [
        (group, GROUP_COLOURS[g], p) for g, group in enumerate(GROUPS) for p in (0, 1) if hits[g, p]
    ]


def draw_couple(
    model: RelationshipModel, couple: int = 0, names: tuple[str, str] = PARTNER_NAMES
) -> Figure:
    """A picture of one couple: two partners and this week's interactions between them.

    The distance between the partners shrinks as intimacy grows; each partner's size
    shows capability, fill colour satisfaction (red low, green high) and the width of
    the red rim resentment. Arrows run from the partner who acted to the other.
    """
    s = model.state
    fig = Figure(figsize=(5.0, 3.4))
    ax = fig.add_subplot()
    ax.set_xlim(-1.4, 1.4)
    ax.set_ylim(-1.0, 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    together = bool(s.active[couple])
    half = 0.35 + 0.5 * (1.0 - float(s.intimacy[couple]))
    centres = ((-half, 0.0), (half, 0.0))
    fill = colormaps["RdYlGn"]
    radii = []
    for p, (x, y) in enumerate(centres):
        r = 0.12 + 0.2 * float(s.capability[p, couple])
        radii.append(r)
        colour = fill(float(s.satisfaction[p, couple])) if together else "#bbbbbb"
        rim = 1.0 + 10.0 * float(s.resentment[p, couple])
        ax.add_patch(Circle((x, y), r, facecolor=colour, edgecolor="#b00000", linewidth=rim))
        ax.text(x, y, names[p], ha="center", va="center", fontsize=14, weight="bold")
        ax.text(
            x,
            -0.62,
            f"satisfaction {s.satisfaction[p, couple]:.2f}\nresentment "
            f"{s.resentment[p, couple]:.2f}\ncapability {s.capability[p, couple]:.2f}",
            ha="center",
            va="top",
            fontsize=7,
        )
    drawn = week_interactions(s.events[:, :, couple]) if model.steps else []
    arrows_from = [0, 0]
    for group, colour, p in drawn:
        if group.shape == "line":
            xs = np.linspace(-half + radii[0], half - radii[1], 9)
            ys = 0.06 * np.where(np.arange(9) % 2 == 0, 1, -1) + (0.5 - p) * 0.12
            ax.plot(xs, ys, color=colour, linewidth=2)
            continue
        # Arrows bulge to one side of the line between the partners when they run
        # from a to b and to the other side when from b to a; later ones bulge more.
        rad = 0.35 + 0.2 * arrows_from[p]
        arrows_from[p] += 1
        sign = 1.0 if p == 0 else -1.0
        ax.add_patch(
            FancyArrowPatch(
                (centres[p][0] + sign * radii[p], 0.0),
                (centres[1 - p][0] - sign * radii[1 - p], 0.0),
                connectionstyle=f"arc3,rad={-rad}",
                arrowstyle="-|>",
                mutation_scale=14,
                color=colour,
                linewidth=2,
            )
        )
    kinds = dict.fromkeys((group.name, colour) for group, colour, _ in drawn)
    if kinds:
        ax.legend(
            handles=[Patch(color=c, label=n) for n, c in kinds],
            loc="upper center",
            ncol=3,
            fontsize=7,
            frameon=False,
        )
    status = "" if together else f" (ended: {Ending(int(s.ending[couple])).name.lower()})"
    which = f"couple {couple + 1} of {model.n_couples}, " if model.n_couples > 1 else ""
    ax.set_title(f"{which}week {model.steps}{status}", fontsize=9)
    return fig


# --- components shown by SolaraViz -----------------------------------------------------


def CouplePicture(model: RelationshipModel, couple: int = 0):
    """One couple as a picture (a SolaraViz component: called with the model)."""
    return solara.FigureMatplotlib(draw_couple(model, couple), format="png", bbox_inches="tight")


CHANGE_SERIES = ("intimacy", "satisfaction", "resentment", "goodwill", "capability")
"""Series of the model's DataCollector whose weekly change "this week in words" tells."""


def week_in_words(model: RelationshipModel, couple: int = 0) -> list[str]:
    """This week of one couple in plain words, from the story's narrator.

    With one couple the model's series are that couple's own, so what changed this
    week is told too.
    """
    if model.steps == 0:
        return ["Week 0: the couple has just got together. Press Step or ▶ to start."]
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
    frame = model.datacollector.get_model_vars_dataframe()
    if len(frame) < 2:
        return []

    def snapshot(row) -> dict[str, np.ndarray]:
        out = {}
        for name in CHANGE_SERIES:
            pair = [f"{name}_{who}" for who in reg.PARTNERS]
            cols = pair if all(c in row for c in pair) else [name]
            out[name] = np.array([row[c] for c in cols], dtype=np.float64)
        return out

    return change_lines(snapshot(frame.iloc[-2]), snapshot(frame.iloc[-1]), PARTNER_NAMES)


def WeekInWords(model: RelationshipModel, couple: int = 0):
    """This week of one couple in words (a SolaraViz component)."""
    lines = week_in_words(model, couple)
    which = f" (couple {couple + 1})" if model.n_couples > 1 else ""
    html = text_block(f"This week in words{which}", [lines[0]], lines[1:])
    return html_box(html, "relsim-week")


def OutcomeView(model: RelationshipModel):
    """Outcome-class shares of many couples, or why one couple stands where it does."""
    if model.n_couples == 1:
        m = {k: np.asarray(v)[0] for k, v in final_metrics(model.state).items()}
        outcome, lines = explain_outcome(m, model.thresholds)
        html = text_block(
            f"Outcome so far: {outcome}", lines[1:2], [ln.strip() for ln in lines[2:]]
        )
        return html_box(html, "relsim-outcome")
    shares = model.outcome_shares()
    fig = Figure(figsize=(5.0, 3.2))
    ax = fig.add_subplot()
    ax.barh(list(OUTCOME_CLASSES)[::-1], [shares[c] for c in OUTCOME_CLASSES][::-1])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of couples")
    ax.set_title(f"Outcome classes at week {model.steps} ({model.n_couples} couples)")
    return solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


def _pair(name: str) -> dict[str, str]:
    return {f"{name}_a": COLOURS["a"], f"{name}_b": COLOURS["b"]}


SERIES_PLOTS = [
    make_plot_component("intimacy"),
    make_plot_component(_pair("satisfaction")),
    make_plot_component(_pair("resentment")),
    make_plot_component(_pair("goodwill")),
    make_plot_component(_pair("capability")),
]
"""Live plots of the model's DataCollector series."""


def followed_couple(model: RelationshipModel, followed: int) -> int:
    """Index of the couple to follow: ``followed`` counts from 1 and is capped at the
    model's couples."""
    return min(max(int(followed), 1), model.n_couples) - 1


def components_for(settings: Settings, followed: solara.Reactive[int] | None = None) -> list:
    """The main area's components, in order (SolaraViz components on page 0): the
    followed couple's picture and week in words, the scenario's notes, the outcome
    classes and the plots. ``followed`` holds which couple to follow (from 1); the
    picture and the words change with it without rebuilding the model."""

    def couple(model: RelationshipModel) -> int:
        return followed_couple(model, followed.value if followed is not None else 1)

    def FollowedPicture(model: RelationshipModel):
        return CouplePicture(model, couple(model))

    def FollowedWeek(model: RelationshipModel):
        return WeekInWords(model, couple(model))

    def AboutScenario(model: RelationshipModel):
        return ScenarioNotes(settings.scenario)

    return [
        (FollowedPicture, 0),
        (FollowedWeek, 0),
        (AboutScenario, 0),
        (OutcomeView, 0),
        *SERIES_PLOTS,
    ]


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


@solara.component
def ScenarioNotes(name: str | None):
    """A scenario's title, description and teaching notes."""
    if name is None:
        solara.Text("No scenario: registry defaults.")
        return
    sc = load_scenario(name)
    html = (
        text_block(sc.title, [" ".join(sc.description.split())], level=4)
        + text_block("What to notice", items=sc.notice, level=5)
        + text_block("Things to try", items=sc.things_to_try, level=5)
    )
    html_box(html, "relsim-notes", scroll=True)


@solara.component
def Controls(
    settings: Settings,
    on_change: Callable[[Settings], None],
    followed: solara.Reactive[int] | None = None,
):
    """Scenario picker, seed, couples, the couple to follow, and sliders built from the
    registry."""
    names = list_scenarios()

    def pick(name: str) -> None:
        loaded = scenario_settings(name, settings.seed, settings.couples)
        on_change(replace(loaded, version=settings.version + 1))

    def seed(value: int | None) -> None:
        if value is not None and value >= 0:
            on_change(settings.changed(seed=int(value)))

    with solara.Card("Scenario", margin=0):
        solara.Select("Scenario", values=names, value=settings.scenario, on_value=pick)
    with solara.Card("Run", margin=0):
        solara.InputInt("Seed", value=settings.seed, on_value=seed)
        solara.SliderInt(
            "Couples",
            value=settings.couples,
            min=1,
            max=MAX_COUPLES,
            on_value=lambda n: on_change(settings.changed(couples=int(n))),
        )
        if followed is not None and settings.couples > 1:
            shown = min(followed.value, settings.couples)
            solara.SliderInt(
                f"Follow couple {shown}",
                value=shown,
                min=1,
                max=settings.couples,
                on_value=followed.set,
            )
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


@solara.component
def BelowPlayControls(controls: Callable[[], None], generation: int = 0):
    """Sidebar content drawn by ``controls``, below SolaraViz's play controls.

    Solara orders sidebar content by how deep in the page each ``Sidebar`` is declared,
    and content declared equally deep by when it was mounted, which changes each time
    SolaraViz is rebuilt. Declaring the controls two components deeper than SolaraViz
    declares its own keeps them below Play and Step. Between the two sits the empty
    element that keeps the controls in place across generations (see
    :func:`ViewSwitch`).
    """
    _Deeper(controls, generation)


@solara.component
def _Deeper(controls: Callable[[], None], generation: int):
    with solara.Sidebar():
        if generation % 2 == 0:
            solara.Div(style="display: none")
    _SidebarControls(controls)


@solara.component
def _SidebarControls(controls: Callable[[], None]):
    with solara.Sidebar():
        controls()


@solara.component
def ViewSwitch(view: str, on_view: Callable[[str], None], generation: int):
    """The switch between the app's views, at the top of the sidebar (declared less
    deep than anything a view puts there): ``view`` is the view shown, ``on_view`` gets
    the view picked.

    Solara's layout matches sidebar content to what it showed before by position, so
    SolaraViz's play controls would outlive a change of view or of settings: still
    "playing" a model that is gone, and with Reset building a model of stale
    parameters. ``generation`` changes with every such change; an empty element after
    the switch in odd generations moves SolaraViz's sidebar content down one place, so
    that it starts afresh, paused. Another empty element below it in even generations
    (:func:`BelowPlayControls`) moves the teacher's controls back, so that they stay in
    place (a slider keeps the keyboard's focus) as long as the view does not change.
    """
    with solara.Sidebar():
        with solara.Card("View", margin=0):
            solara.ToggleButtonsSingle(value=view, values=list(VIEWS), on_value=on_view, dense=True)
        if generation % 2:
            solara.Div(style="display: none")


@solara.component
def ModelView(
    current: Versioned,
    keeper: ModelKeeper,
    components: list,
    name: str,
    controls: Callable[[], None],
    generation: int,
):
    """SolaraViz over the kept model of ``current`` settings, ``controls`` below its play
    controls; a fresh SolaraViz for every settings version."""
    model = use_kept_model(keeper, current.version, current.model)
    SolaraViz(model, components=components, model_params=current.model_kwargs(), name=name).key(
        f"{name}-{current.version}"
    )
    BelowPlayControls(controls, generation)


@solara.component
def ScenarioView(
    settings: solara.Reactive[Settings],
    keeper: ModelKeeper,
    followed: solara.Reactive[int],
    generation: int = 0,
):
    """One scenario's couples: SolaraViz over the model, the teacher's controls below."""
    current = settings.value
    components = solara.use_memo(lambda: components_for(current, followed), [current.version])
    ModelView(
        current,
        keeper,
        components,
        "relsim: a couple, week by week",
        lambda: Controls(current, settings.set, followed),
        generation,
    )


@solara.component
def MarketView(
    settings: solara.Reactive[MarketSettings],
    keeper: ModelKeeper,
    arrange_by: solara.Reactive[str],
    generation: int = 0,
):
    """The partner market: SolaraViz over the market, its controls below."""
    current = settings.value
    components = solara.use_memo(lambda: market_components(arrange_by), [])
    ModelView(
        current,
        keeper,
        components,
        "relsim: a partner market, week by week",
        lambda: MarketControls(current, settings.set, arrange_by),
        generation,
    )


@solara.component
def PopulationView(
    settings: solara.Reactive[PopulationSettings],
    keeper: ModelKeeper,
    generation: int = 0,
):
    """Couples drawn from a population: SolaraViz over the model, its controls below."""
    current = settings.value
    components = solara.use_memo(lambda: population_components(current), [current.version])
    ModelView(
        current,
        keeper,
        components,
        "relsim: couples of a population, week by week",
        lambda: PopulationControls(current, settings.set),
        generation,
    )


@dataclass(frozen=True)
class Shown:
    """The view shown, and how many times the view was switched (which changes the
    page's generation at every switch, whichever two views it is between)."""

    view: str = VIEWS[0]
    switches: int = 0

    def to(self, view: str) -> Shown:
        """The view ``view`` shown, counted as a switch when it is another."""
        return self if view == self.view else Shown(view, self.switches + 1)


def initial_view() -> str:
    """The view to open with: the population view when ``relsim app --population`` named
    one, else one scenario."""
    return VIEWS[2] if os.environ.get(POPULATION_ENV) else VIEWS[0]


@solara.component
def Page():
    """The app: the view switch, then the chosen view.

    Every change of a view's controls builds a fresh model and a fresh ``SolaraViz``
    (keyed by the settings' version), so that its Reset button rebuilds the model of
    the current settings and a run in progress stops. Every view's settings and model
    live here, so switching views and back finds each where it was left (paused).
    """
    first = solara.use_memo(
        lambda: scenario_settings(initial_scenario(), overrides=initial_overrides()), []
    )
    shown = solara.use_reactive(Shown(initial_view()))
    settings = solara.use_reactive(first)
    followed = solara.use_reactive(1)
    market = solara.use_reactive(MarketSettings())
    arrange_by = solara.use_reactive(ARRANGE_DEFAULT)
    population = solara.use_reactive(PopulationSettings(initial_population()))
    keepers = solara.use_memo(lambda: {name: ModelKeeper() for name in VIEWS}, [])
    versions = settings.value.version + market.value.version + population.value.version
    generation = shown.value.switches + versions
    view = shown.value.view
    ViewSwitch(view, lambda v: shown.set(shown.value.to(v)), generation)
    if view == VIEWS[0]:
        ScenarioView(settings, keepers[VIEWS[0]], followed, generation)
    elif view == VIEWS[1]:
        MarketView(market, keepers[VIEWS[1]], arrange_by, generation)
    else:
        PopulationView(population, keepers[VIEWS[2]], generation)
