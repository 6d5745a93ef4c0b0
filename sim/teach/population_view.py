"""The population in the teaching app: couples drawn from a population, week by week.

The population view runs a :class:`~sim.RelationshipModel` whose couples are drawn
from a population file (:mod:`sim.population`). Its settings hold
the population, a seed and the number of couples. Couple ``r`` has the run key of
replicate ``r`` of ``relsim run --population NAME --seed S``
(:func:`sim.views.scenario_run.replicate_keys`) and is drawn by it, so the view shows
the couples of that run, week by week. The main area shows the share of couples still
together since the start (a survival curve, with the published shares of the
validation targets for the population marked), the week in words, the population's
notes, the outcome and pattern shares as they stand, the mean satisfaction of the
couples still together, and the ratio of positive to negative interactions of the
couples together and of those that ended. The figures are SVG written by
:mod:`sim.teach.svg` and drawn by the browser. Nothing here changes the model: every
figure reads its public state.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import solara

from sim.errors import InputError
from sim.model.engine import DEFAULT_STEPS
from sim.model.mesa_model import RelationshipModel, satisfaction_together
from sim.model.outcomes import OUTCOME_CLASSES
from sim.model.state import Ending, Params
from sim.population import Population, list_populations, load_population
from sim.teach import svg, texts
from sim.teach.app_widgets import Versioned, html_box, text_block
from sim.teach.market_view import PATTERNS
from sim.validation.couples import WEEKS_PER_YEAR
from sim.views import style
from sim.views.scenario_run import replicate_keys

if TYPE_CHECKING:
    from sim.validation.targets import Target

POPULATION_ENV = "RELSIM_APP_POPULATION"
"""Environment variable through which ``relsim app --population`` names the population."""

DEFAULT_POPULATION = "newlyweds"
"""The population the view opens with, when the library has it."""

MIN_COUPLES = 100
"""Fewest couples the view draws."""

MAX_COUPLES = 2000
"""Most couples the view draws: enough for a survival curve, few enough to play live."""

DEFAULT_COUPLES = 500
"""Couples drawn when the view opens (as many as ``relsim run`` runs by default)."""

COUPLES_STEP = 100
"""Resolution of the couples slider."""

SATISFIED = 0.5
"""Least satisfaction of both partners of a "satisfied" couple, unless a target for the
population gives its own (V5's ``satisfied``)."""

GROUP_COLOURS = {"together": style.colour(0), "satisfied": style.colour(2), "ended": "#000000"}
"""Bar colour of each group of the interactions figure."""

ENDED_COLOUR = "#bbbbbb"
"""Bar colour of the couples that ended, in the figure of patterns."""


def initial_population() -> str | None:
    """The population to open with: ``$RELSIM_APP_POPULATION``, else newlyweds, else
    the first of the library."""
    wanted = os.environ.get(POPULATION_ENV)
    if wanted:
        return wanted
    names = list_populations()
    if DEFAULT_POPULATION in names:
        return DEFAULT_POPULATION
    return names[0] if names else None


@dataclass(frozen=True)
class PopulationSettings(Versioned):
    """What the population view's controls set.

    Attributes
    ----------
    population : str or None
        The population's name, or the path of its file.
    couples : int
        Couples drawn from it.
    seed : int
        Root seed of the run keys, as ``relsim run --seed``.
    version : int
        Raised by one at every change, so that the page draws fresh couples.
    """

    population: str | None = DEFAULT_POPULATION
    couples: int = DEFAULT_COUPLES
    seed: int = 1
    version: int = 0

    def load(self) -> Population:
        """The population, read from its file."""
        if self.population is None:
            raise InputError("population view", "", "no population file found")
        return load_population(self.population)

    def keys(self) -> np.ndarray:
        """The couples' keys: the run keys of replicates ``0 .. couples-1`` of
        ``relsim run --population`` with this seed."""
        return replicate_keys(self.seed, self.couples)

    @cached_property
    def loaded(self) -> Population:
        """The population, read from its file once for these settings."""
        return self.load()

    @cached_property
    def params(self) -> Params:
        """The engine's parameters of the couples, drawn by their keys."""
        return self.loaded.draw(self.keys())

    def model_kwargs(self) -> dict[str, object]:
        """Keyword arguments of :class:`RelationshipModel` for these settings."""
        return {
            "params": self.params,
            "keys": self.keys(),
            "steps": DEFAULT_STEPS,
            "rng": self.seed,
            "collect_agents": False,
        }

    def model(self) -> RelationshipModel:
        """A fresh model at week 0."""
        return RelationshipModel(**self.model_kwargs())


# --- what the couples come to ----------------------------------------------------------


def survival_curve(model: RelationshipModel) -> tuple[np.ndarray, np.ndarray]:
    """Weeks ``0 .. model.steps`` and the share of couples still together after each.

    A couple that ended in week ``step_ended`` (counted from 0) lasted ``step_ended + 1``
    weeks: it is together after fewer weeks than that.
    """
    s = model.state
    weeks = np.arange(model.steps + 1)
    lasted = s.step_ended[~s.active] + 1
    ended_by = np.cumsum(np.bincount(lasted, minlength=model.steps + 1))[: model.steps + 1]
    return weeks, (model.n_couples - ended_by) / model.n_couples


@dataclass(frozen=True)
class Published:
    """A published value of a validation target, to mark on a figure.

    Attributes
    ----------
    label : str
        The target and, for a target of several values, which (``V4 (5 y)``).
    x : float or str
        Where: years for a share still together, the group for a ratio.
    value : float
        The published value (a share still together: one minus the share ended).
    low, high : float
        The values the target allows.
    cite : str
        Its sources' short cites.
    """

    label: str
    x: float | str
    value: float
    low: float
    high: float
    cite: str


def _targets(population: str, measure: str) -> tuple[list[Target], str | None]:
    """The validation targets of ``measure`` for a population, and why none could be
    read (None when they could)."""
    from sim.validation.targets import load_targets

    try:
        found = load_targets()
    except InputError as err:
        return [], str(err)
    return [t for t in found if t.measure == measure and t.population == population], None


def published_together(population: str) -> tuple[list[Published], str | None]:
    """The published shares still together of a population (targets ``ended_within``,
    such as V1, V2 and V4), and why the targets could not be read (or None)."""
    from sim.validation.measures import VALUE, ended_within_components

    targets, problem = _targets(population, "ended_within")
    points = []
    for t in targets:
        years = t.args["years"]
        years = [years] if isinstance(years, int) else list(years)
        for y, name in zip(years, ended_within_components(t.args), strict=True):
            crit = t.criteria[name]
            if crit.target is None:
                continue
            lo, _, hi, _ = crit.interval()
            label = t.id if name == VALUE else f"{t.id} ({y} y)"
            value = 1.0 - crit.target
            points.append(
                Published(
                    label, float(y), value, max(1.0 - hi, 0.0), min(1.0 - lo, 1.0), t.short_cite
                )
            )
    return points, problem


def published_ratios(population: str) -> tuple[list[Published], float]:
    """The published ratios of positive to negative interactions of a population
    (target ``positive_negative_ratio``, V5), by group (``satisfied`` and ``ended``),
    and the satisfaction its satisfied couples have at least."""
    targets, _ = _targets(population, "positive_negative_ratio")
    points, satisfied = [], SATISFIED
    groups = {"stable_satisfied": "satisfied", "ended": "ended"}
    for t in targets:
        satisfied = float(t.args.get("satisfied", satisfied))
        for name, group in groups.items():
            crit = t.criteria.get(name)
            if crit is None or crit.target is None:
                continue
            lo, _, hi, _ = crit.interval()
            points.append(Published(t.id, group, float(crit.target), lo, hi, t.short_cite))
    return points, satisfied


@dataclass(frozen=True)
class Ratio:
    """The interactions of one group of couples.

    Attributes
    ----------
    couples : int
        Couples in the group.
    positive, negative : float
        Mean rates of positive and negative interactions (per week, over about the last
        year; frozen at the week a couple ended); NaN for an empty group.
    """

    couples: int
    positive: float
    negative: float

    @property
    def ratio(self) -> float:
        """Positive per negative interaction: the ratio of the mean rates (NaN when the
        group is empty or had no interaction yet)."""
        if self.couples == 0:
            return math.nan
        if self.negative > 0:
            return self.positive / self.negative
        return math.inf if self.positive > 0 else math.nan


def interaction_ratios(model: RelationshipModel, satisfied: float = SATISFIED) -> dict[str, Ratio]:
    """Positive and negative interactions of the couples still together (``together``),
    of those of them whose partners' satisfaction is both at least ``satisfied``
    (``satisfied``), and of the couples that ended (``ended``), as V5 measures them."""
    s = model.state
    pos, neg = s.positive_recent, s.negative_recent
    ended = ~s.active
    low = s.satisfaction.min(axis=0)
    groups = {"together": ~ended, "satisfied": ~ended & (low >= satisfied), "ended": ended}
    out = {}
    for name, g in groups.items():
        n = int(g.sum())
        out[name] = Ratio(n, *((float(x[g].mean()) if n else math.nan) for x in (pos, neg)))
    return out


GROUP_LABELS = {
    "together": "together",
    "satisfied": "together, both\nsatisfied (>= {:g})",
    "ended": "ended",
}
"""Tick labels of the groups of the interactions figure."""


def ended_this_week(model: RelationshipModel) -> tuple[int, int]:
    """Couples that parted in the last week: healthily, destructively."""
    s = model.state
    now = (~s.active) & (s.step_ended == model.steps - 1)
    return (
        int(np.sum(now & (s.ending == Ending.HEALTHY))),
        int(np.sum(now & (s.ending == Ending.DESTRUCTIVE))),
    )


def _percent(x: float) -> str:
    return f"{100 * x:.1f} %"


def _when(week: int) -> str:
    year, rest = divmod(week, WEEKS_PER_YEAR)
    if rest == 0:
        return f"{year} year{'s' if year != 1 else ''}"
    return f"year {year + 1}, week {rest}"


def population_week_in_words(model: RelationshipModel, name: str) -> list[str]:
    """Where the couples stand this week, in plain words: how many are still together,
    who parted this week and how, and the satisfaction of those together. The first
    line is the heading."""
    n, week = model.n_couples, model.steps
    if week == 0:
        return [
            f"Week 0: {n} couples drawn from {name}, all together. Press Step or ▶ Play to start."
        ]
    together = int(model.state.active.sum())
    healthy, destructive = ended_this_week(model)
    lines = [f"{together} of {n} couples still together ({_percent(together / n)})."]
    if healthy + destructive:
        lines.append(
            f"{healthy + destructive} parted this week: {healthy} healthily, "
            f"{destructive} destructively."
        )
    else:
        lines.append("No couple parted this week.")
    if together:
        lines.append(
            f"Mean satisfaction of the couples together: {satisfaction_together(model):.2f}."
        )
    return [f"Week {week} ({_when(week)}):", *lines]


# --- figures ---------------------------------------------------------------------------


def survival_svg(model: RelationshipModel, name: str) -> str:
    """The share of couples still together since the start (a survival curve, week by
    week over the whole run), with the population's published shares still together
    marked (class ``relsim-mark``), as SVG."""
    weeks, share = survival_curve(model)
    points, problem = published_together(name)
    marks = [svg.Mark(p.label, float(p.x) * WEEKS_PER_YEAR, p.value, p.low, p.high) for p in points]
    cites = "; ".join(dict.fromkeys(p.cite for p in points))
    return svg.line_chart(
        f"Still together at week {model.steps}: {_percent(share[-1])}",
        [svg.Series(f"{name}: {model.n_couples} couples", share, style.colour(0))],
        model.horizon,
        (0.0, 1.0),
        "share still together",
        now=model.steps,
        css_class="relsim-chart relsim-plot-survival",
        x_label="since the start",
        marks=marks,
        marks_label=f"published ({cites})",
        note="targets not read" if problem else "",
    )


def shares_svgs(model: RelationshipModel) -> tuple[str, str]:
    """The outcome classes as they stand, and each couple's pattern (its class with the
    ending set aside), split into couples still together and couples that ended, as two
    SVG bar charts."""
    m = model.metrics()
    n = model.n_couples
    ended = m["ended"].astype(bool)
    names = list(OUTCOME_CLASSES)
    outcomes = svg.stacked_bars(
        f"Outcome classes at week {model.steps}",
        names,
        [
            (
                "couples",
                [style.outcome_colour(c) for c in names],
                [float(np.sum(m["outcome"] == c)) / n for c in names],
            )
        ],
        "share of couples",
        css_class="relsim-chart relsim-plot-outcomes",
    )
    patterns = list(PATTERNS)
    split = svg.stacked_bars(
        "Pattern, the ending set aside",
        patterns,
        [
            (
                "still together",
                [style.outcome_colour(c) for c in patterns],
                [float(np.sum((m["pattern"] == c) & ~ended)) / n for c in patterns],
            ),
            (
                "ended",
                ENDED_COLOUR,
                [float(np.sum((m["pattern"] == c) & ended)) / n for c in patterns],
            ),
        ],
        "share of couples",
        css_class="relsim-chart relsim-plot-patterns",
    )
    return outcomes, split


def satisfaction_svg(model: RelationshipModel) -> str:
    """Mean satisfaction of the couples still together, week by week, as SVG."""
    frame = model.datacollector.get_model_vars_dataframe()
    values = frame["satisfaction_together"].to_numpy(dtype=np.float64)
    return svg.line_chart(
        "Satisfaction of the couples still together",
        [svg.Series("mean satisfaction", values, style.colour(2))],
        model.horizon,
        (0.0, 1.0),
        "mean satisfaction",
        now=model.steps,
        css_class="relsim-chart relsim-plot-satisfaction",
        x_label="since the start",
    )


def _ratio_text(r: Ratio) -> str:
    if r.couples == 0:
        return "no couples"
    if math.isnan(r.ratio):
        value = "no interactions yet"
    elif math.isinf(r.ratio):
        value = "no negative ones yet"
    else:
        value = f"{r.ratio:.1f}"
    return f"{value}\n{r.couples} couple{'s' if r.couples != 1 else ''}"


def interactions_svg(model: RelationshipModel, name: str) -> str:
    """Positive interactions per negative one, for the couples together, the satisfied
    among them and the couples that ended, with the population's published ratios, as
    SVG."""
    points, satisfied = published_ratios(name)
    ratios = interaction_ratios(model, satisfied)
    finite = [r.ratio for r in ratios.values() if math.isfinite(r.ratio)]
    top = 1.25 * max([*finite, *(p.value for p in points), 1.0])
    columns = [
        svg.Column(
            GROUP_LABELS[g].format(satisfied),
            r.ratio,
            GROUP_COLOURS[g],
            _ratio_text(r),
            tuple((p.label, p.value) for p in points if p.x == g),
        )
        for g, r in ratios.items()
    ]
    return svg.column_chart(
        "Positive and negative interactions, last year",
        columns,
        top,
        "positive per negative interaction",
        css_class="relsim-chart relsim-plot-interactions",
    )


# --- notes -----------------------------------------------------------------------------


def population_notes_html(settings: PopulationSettings) -> str:
    """The population's title, description and sources, which run of ``relsim run`` the
    couples are, how to read the view and what to try, as HTML."""
    from sim.views.scenario_run import command, study_population_name

    notes = texts.load("population")
    pop = settings.loaded
    run = command(study_population_name(pop), settings.couples, DEFAULT_STEPS, settings.seed, True)
    return (
        text_block(pop.title, [" ".join(pop.description.split())], level=4)
        + text_block("", [f"These are the couples of {run}."])
        + text_block("How to read it", items=notes["how_to_read"], level=5)
        + text_block("Things to try", items=notes["try"], level=5)
        + text_block("Sources", items=pop.sources, level=5)
    )


def distributions_html(pop: Population) -> str:
    """Every parameter's distribution, mean and standard deviation, as an HTML table."""
    from html import escape

    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(text)}</td>"
        f"<td>{mean:.2f}</td><td>{sd:.2f}</td></tr>"
        for name, text, mean, sd in pop.rows()
    )
    head = "<tr><th>parameter</th><th>distribution</th><th>mean</th><th>sd</th></tr>"
    return f'<table style="font-size: 80%">{head}{rows}</table>'


# --- the stage and the rest -----------------------------------------------------------


@solara.component
def PopulationStage(
    run: solara.Reactive[RelationshipModel],
    frame: solara.Reactive[int],
    settings: PopulationSettings,
):
    """The stage: the share still together since the start, the satisfaction of the
    couples together and the ratio of positive to negative interactions."""
    frame.value  # noqa: B018 - redraw after every week
    model, name = run.value, settings.loaded.name
    with solara.Div(classes=["relsim-stage"]):
        with solara.Div(classes=["relsim-pictures"]):
            svg.chart_box(survival_svg(model, name), "relsim-picture")
        with solara.Div(classes=["relsim-plots"]):
            svg.chart_box(satisfaction_svg(model), "relsim-plot")
            svg.chart_box(interactions_svg(model, name), "relsim-plot")


@solara.component
def PopulationRest(
    run: solara.Reactive[RelationshipModel],
    frame: solara.Reactive[int],
    settings: PopulationSettings,
):
    """Below the stage: where the couples stand in words, the population's notes, and
    the outcome and pattern shares as they stand."""
    frame.value  # noqa: B018 - redraw after every week
    model, name = run.value, settings.loaded.name
    lines = population_week_in_words(model, name)
    with solara.Div(classes=["relsim-grid"]):
        html_box(
            text_block("This week in the population", [lines[0]], lines[1:]),
            "relsim-population-week",
        )
        html_box(population_notes_html(settings), "relsim-population-notes")
        for chart in shares_svgs(model):
            svg.chart_box(chart, "relsim-plot")


def population_stage(run, frame, settings: PopulationSettings):
    """The population view's stage."""
    return PopulationStage(run, frame, settings)


def population_rest(run, frame, settings: PopulationSettings):
    """The population view's content below the stage."""
    return PopulationRest(run, frame, settings)


# --- the controls ----------------------------------------------------------------------


@solara.component
def PopulationControls(
    settings: PopulationSettings, on_change: Callable[[PopulationSettings], None]
):
    """The population (its distributions folded away), then a seed and the number of
    couples."""
    names = list_populations()
    if settings.population is not None and settings.population not in names:
        names.append(settings.population)

    def pick(name: str) -> None:
        if name != settings.population:
            on_change(settings.changed(population=name))

    def seed(value: int | None) -> None:
        if value is not None and value >= 0 and value != settings.seed:
            on_change(settings.changed(seed=int(value)))

    with solara.Card("Population", margin=0):
        solara.Select("Population", values=names, value=settings.population, on_value=pick)
        with solara.Details("Distributions of the population", expand=False):
            html_box(distributions_html(settings.loaded), "relsim-population-traits")
    with solara.Card("Run", margin=0):
        solara.InputInt("Seed", value=settings.seed, on_value=seed)
        solara.SliderInt(
            f"couples {settings.couples}",
            value=settings.couples,
            min=MIN_COUPLES,
            max=MAX_COUPLES,
            step=COUPLES_STEP,
            on_value=lambda n: on_change(settings.changed(couples=int(n))),
        )
