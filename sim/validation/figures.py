"""Figures of the validation page, each with its caption and the numbers it shows.

Each function draws tables it is given and returns a :class:`~sim.views.figures.Drawn`
in the project's style (:mod:`sim.views.style`); :func:`validation_figures` computes
those tables from a :class:`~sim.validation.run.Validation` and draws every figure
the validation has data for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment import survival as surv
from sim.validation import measures
from sim.validation.couples import Couples, MissingData
from sim.validation.measures import MEASURES, VALUE
from sim.validation.run import Outcome, Validation
from sim.validation.survival import kaplan_meier
from sim.views import style
from sim.views.figures import Drawn, cox, survival_steps


@dataclass(frozen=True)
class Point:
    """A published value to mark on a figure, with the values the model may take.

    Attributes
    ----------
    label : str
        What it is (``V1``).
    x : float
        Where on the x axis (years for the survival figure).
    value : float
        The published value.
    low, high : float
        The allowed values (either may be infinite).
    group : str
        The population or line it belongs to.
    """

    label: str
    x: float
    value: float
    low: float
    high: float
    group: str = ""


def _figure(ncols: int = 1, width: float = 6.0, height: float = 3.8):
    with style.style():
        fig = Figure(figsize=(width * ncols, height), layout="constrained")
        axes = fig.subplots(1, ncols, squeeze=False).ravel()
    return fig, list(axes)


def _colours(groups: Sequence[str]) -> dict[str, str]:
    return {g: style.colour(i) for i, g in enumerate(groups)}


def survival(curves: Mapping[str, pd.DataFrame], points: Sequence[Point] = ()) -> Drawn:
    """Kaplan-Meier survival of each population, with published points and their bars.

    Parameters
    ----------
    curves : mapping of str to DataFrame
        Per population, :func:`~sim.validation.survival.kaplan_meier`'s table.
    points : sequence of Point
        Published shares still together (``1 -`` the share ended), by population.
    """
    fig, (ax,) = _figure()
    colours = _colours(list(curves))
    rows = []
    for name, curve in curves.items():
        survival_steps(ax, curve["years"], curve, colours[name], name)
        rows.append(curve.assign(population=name))
    for p in points:
        c = colours.get(p.group, "#000000")
        err = [[p.value - max(p.low, 0.0)], [min(p.high, 1.0) - p.value]]
        ax.errorbar([p.x], [p.value], yerr=err, fmt="D", color=c, mec="black", capsize=4, ms=6)
        ax.annotate(p.label, (p.x, p.value), xytext=(6, 4), textcoords="offset points", fontsize=8)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("years since the start of the relationship")
    ax.set_ylabel("share still together")
    ax.legend(loc="lower left", title="population")
    caption = (
        "Kaplan-Meier estimate of the share of couples still together (line; shade: 95 % "
        "confidence band), by population. Diamonds: the published shares still together "
        "(one minus the share ended) with bars spanning the values the target allows. "
        "Couples still together at the end of the run are right-censored there: counted at "
        "risk until then, never as an ending."
    )
    return Drawn(fig, caption, pd.concat(rows, ignore_index=True) if rows else pd.DataFrame())


def hazard(tables: Mapping[str, pd.DataFrame], peak_window: tuple[float, float] | None) -> Drawn:
    """The yearly hazard of ending of each population.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Per population, :func:`~sim.validation.measures.yearly_hazard`'s table.
    peak_window : (float, float) or None
        Years in which the hazard should peak, shaded.
    """
    fig, (ax,) = _figure()
    colours = _colours(list(tables))
    if peak_window is not None:
        ax.axvspan(peak_window[0] - 0.5, peak_window[1] + 0.5, color="#eeeeee", lw=0)
    for name, table in tables.items():
        ax.plot(table["year"], table["hazard"], marker="o", color=colours[name], label=name)
    ax.set_xlabel("year of the relationship")
    ax.set_ylabel("yearly hazard of ending (share)")
    ax.set_xticks(sorted({int(y) for t in tables.values() for y in t["year"]}))
    ax.set_ylim(bottom=0)
    ax.legend(loc="best", title="population")
    window = (
        f" Grey: years {peak_window[0]:g} to {peak_window[1]:g}, where the hazard of real "
        "marriages peaks."
        if peak_window is not None
        else ""
    )
    caption = (
        "Share of the couples together at the start of each year that end during it, by "
        f"population.{window}"
    )
    frame = pd.concat([t.assign(population=n) for n, t in tables.items()], ignore_index=True)
    return Drawn(fig, caption, frame)


def cox_model(couples: Couples) -> surv.Cox:
    """The Cox model of ending on every parameter that varies over a population's couples."""
    weeks, ended = couples.durations()
    return surv.cox(pd.DataFrame(dict(couples.parameters)), weeks, ended)


def satisfaction(tables: Mapping[str, pd.DataFrame]) -> Drawn:
    """Mean satisfaction by year among couples still together, with its quartiles.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Per population, :func:`~sim.validation.measures.satisfaction_by_year`'s table.
    """
    fig, (ax,) = _figure()
    colours = _colours(list(tables))
    for name, t in tables.items():
        c = colours[name]
        ax.fill_between(t["year"], t["q25"], t["q75"], color=c, alpha=0.2, lw=0)
        ax.plot(t["year"], t["mean"], marker="o", color=c, label=name)
    ax.set_xlabel("year of the relationship")
    ax.set_ylabel("satisfaction, mean of both partners (0-1)")
    ax.set_ylim(0, 1)
    ax.legend(loc="best", title="population")
    caption = (
        "Mean satisfaction (line) of the couples still together at each year, with the "
        "interquartile range of their satisfaction (shade), by population."
    )
    frame = pd.concat([t.assign(population=n) for n, t in tables.items()], ignore_index=True)
    return Drawn(fig, caption, frame)


def interactions(table: pd.DataFrame, references: Mapping[str, float]) -> Drawn:
    """Ratio of positive to negative interactions by group of couples.

    Parameters
    ----------
    table : DataFrame
        :func:`~sim.validation.measures.ratio_by_group`'s table (``group``, ``couples``,
        ``ratio``), whose groups are outcome classes or other labels.
    references : mapping of str to float
        Lines to draw across, by label (the targets' bounds).
    """
    fig, (ax,) = _figure(width=7.0)
    x = np.arange(len(table))
    colours = [style.outcome_colour(str(g), i) for i, g in enumerate(table["group"])]
    ratio = table["ratio"].replace([np.inf, -np.inf], np.nan)
    ax.bar(x, ratio.fillna(0), color=colours, edgecolor="#444444", lw=0.5)
    for xi, (r, n) in enumerate(zip(ratio, table["couples"], strict=True)):
        text = f"n={n:,}" if np.isfinite(r) else f"n={n:,}, no ratio"
        ax.annotate(
            text, (xi, 0 if not np.isfinite(r) else r), ha="center", va="bottom", fontsize=7
        )
    for i, (label, value) in enumerate(references.items()):
        ax.axhline(value, color="#333333", ls=style.DASHES[1 + i % 3], lw=1, label=label)
    ax.set_xticks(x, [style.short(str(g)) for g in table["group"]], rotation=30, ha="right")
    ax.set_ylabel("positive per negative interaction")
    if references:
        ax.legend(loc="best")
    caption = (
        "Ratio of the mean rate of positive interactions to the mean rate of negative ones "
        "over about the last year (frozen at the week a couple ended), by outcome class, for "
        "every couple that ended and for the stable, satisfied couples. Lines: the targets' "
        "bounds."
    )
    return Drawn(fig, caption, table)


AGAINST_CAPTION = (
    "the model's value (dot: green when the target is met, vermillion when not) against the "
    "published value (black tick), with the values the target allows (grey bar); a value the "
    "model could not give has no dot."
)


def _against(ax, rows: pd.DataFrame, xlabel: str) -> None:
    y = np.arange(len(rows))[::-1]
    for yi, row in zip(y, rows.itertuples(), strict=True):
        lo = row.low if math.isfinite(row.low) else -1.0
        hi = row.high if math.isfinite(row.high) else 1.0
        ax.plot([lo, hi], [yi, yi], color="#bbbbbb", lw=6, solid_capstyle="butt")
        if math.isfinite(row.target):
            ax.plot([row.target], [yi], "|", color="#333333", ms=14, mew=2)
        colour = style.OUTCOME_COLOURS["mutual"] if row.met else style.OUTCOME_COLOURS["coercive"]
        if math.isfinite(row.model):
            ax.plot([row.model], [yi], "o", color=colour, ms=8, mec="black")
    ax.set_yticks(y, list(rows["label"]))
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(-1, 1)
    ax.axvline(0, color="#888888", lw=0.8)
    ax.set_xlabel(xlabel)


def against_targets(rows: pd.DataFrame, title: str, xlabel: str) -> Drawn:
    """Model values against published ones, each with the values the target allows.

    Parameters
    ----------
    rows : DataFrame
        One row per value: ``label``, ``model``, ``target`` (may be NaN), ``low``,
        ``high`` (the allowed values, either may be infinite) and ``met``.
    title, xlabel : str
        The panel's title and the x axis's label.
    """
    fig, (ax,) = _figure(height=0.55 * len(rows) + 1.6)
    _against(ax, rows, xlabel)
    ax.set_title(title)
    return Drawn(fig, AGAINST_CAPTION[0].upper() + AGAINST_CAPTION[1:], rows)


def market_scatter(pairs: tuple[np.ndarray, np.ndarray], rows: pd.DataFrame) -> Drawn:
    """Partners' attractiveness in the market's couples, beside the market targets.

    Parameters
    ----------
    pairs : (ndarray, ndarray)
        One partner's and the other's attractiveness, one entry per couple.
    rows : DataFrame
        The market targets, as :func:`against_targets` takes them.
    """
    fig, (ax, bx) = _figure(ncols=2, width=4.8, height=max(3.8, 0.55 * len(rows) + 1.6))
    a, b = pairs
    r = float(np.corrcoef(a, b)[0, 1]) if len(a) > 2 else float("nan")
    ax.scatter(a, b, s=6, alpha=0.5, color=style.colour(0), lw=0)
    ax.set_xlabel("attractiveness of one partner")
    ax.set_ylabel("attractiveness of the other")
    ax.set_title(f"{len(a):,} couples of the partner market, r = {r:.2f}")
    ax.set_aspect("equal", adjustable="datalim")
    _against(bx, rows, "correlation of attractiveness")
    caption = (
        "Left: both partners' attractiveness in every couple the partner market formed "
        "(one dot a couple) and their correlation. Right: " + AGAINST_CAPTION
    )
    frame = pd.DataFrame({"partner": a, "other": b})
    return Drawn(fig, caption, frame)


# --- From a validation to its figures ------------------------------------------------------


def _outcomes(v: Validation, measure: str) -> list[Outcome]:
    return [o for o in v.outcomes if o.target.measure == measure]


def _survival_points(v: Validation) -> list[Point]:
    points = []
    for o in _outcomes(v, "ended_within"):
        years = measures._years_list(o.target.args["years"])
        names = MEASURES["ended_within"].components(o.target.args)
        for y, name in zip(years, names, strict=True):
            crit = o.target.criteria[name]
            if crit.target is None:
                continue
            lo, _, hi, _ = crit.interval()
            label = o.target.id if name == VALUE else f"{o.target.id} ({y} y)"
            points.append(Point(label, y, 1 - crit.target, 1 - hi, 1 - lo, o.target.population))
    return points


def _rows(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    rows = []
    for o in outcomes:
        for name, crit in o.target.criteria.items():
            lo, _, hi, _ = crit.interval()
            c = o.checks[name]
            label = o.target.id if name == VALUE else f"{o.target.id} {name}"
            target = crit.target if crit.target is not None else math.nan
            rows.append((label, c.value, target, lo, hi, c.met))
    return pd.DataFrame(rows, columns=["label", "model", "target", "low", "high", "met"])


def _interaction_table(v: Validation) -> tuple[pd.DataFrame, dict[str, float]] | None:
    for o in _outcomes(v, "positive_negative_ratio"):
        couples = v.couples[o.target.population]
        try:
            by_class = measures.ratio_by_group(couples, couples.metric("outcome"))
            ended = couples.metric("ended").astype(bool)
            low = np.minimum(couples.metric("satisfaction_a"), couples.metric("satisfaction_b"))
            stable = ~ended & (low >= o.target.args["satisfied"])
            groups = np.where(ended, "all ended", np.where(stable, "stable, satisfied", ""))
            extra = measures.ratio_by_group(couples, groups)
        except MissingData:
            return None
        extra = extra[extra["group"] != ""]
        table = pd.concat([by_class, extra], ignore_index=True)
        refs = {}
        for name, crit in o.target.criteria.items():
            lo, _, hi, _ = crit.interval()
            bound = lo if math.isfinite(lo) else hi
            refs[f"{o.target.id} {name.replace('_', ' ')}: {crit.describe()}"] = bound
        return table, refs
    return None


def validation_figures(v: Validation) -> list[tuple[str, str, Drawn]]:
    """Every figure the validation has data for: ``(stem, title, drawn)`` each.

    A figure whose data the model does not record (the interaction rates, say) is
    left out; :func:`missing_figures` says which and why.
    """
    out = []
    if v.couples:
        curves = {name: kaplan_meier(c) for name, c in v.couples.items()}
        out.append(("survival", "Survival of couples", survival(curves, _survival_points(v))))
        hazard_targets = _outcomes(v, "hazard_shape")
        window = None
        years = 10
        if hazard_targets:
            crit = hazard_targets[0].target.criteria["peak_year"]
            lo, _, hi, _ = crit.interval()
            window = (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else None
            years = hazard_targets[0].target.args["years"]
        tables = {n: measures.yearly_hazard(c, years) for n, c in v.couples.items()}
        out.append(("hazard", "Yearly hazard of ending", hazard(tables, window)))
        models = {n: cox_model(c) for n, c in v.couples.items() if c.parameters}
        if models:
            out.append(("cox", "Traits and ending: a Cox model", cox(models, "population")))
        try:
            sat = {n: measures.satisfaction_by_year(c) for n, c in v.couples.items()}
            out.append(("satisfaction", "Satisfaction by year", satisfaction(sat)))
        except MissingData:
            pass
    inter = _interaction_table(v)
    if inter is not None:
        out.append(("interactions", "Positive and negative interactions", interactions(*inter)))
    model = [
        o
        for o in v.outcomes
        if o.target.measure in ("investment_correlations", "commitment_predicts_ending")
    ]
    if model and any(math.isfinite(c.value) for o in model for c in o.checks.values()):
        drawn = against_targets(_rows(model), "investment model", "correlation (Pearson r)")
        out.append(("investment", "The investment model's correlations", drawn))
    market = [o for o in v.outcomes if MEASURES[o.target.measure].data == "market"]
    if v.market_pairs is not None and market:
        drawn = market_scatter(v.market_pairs, _rows(market))
        out.append(("market", "Attractiveness of partners in the market", drawn))
    elif market and any(math.isfinite(c.value) for o in market for c in o.checks.values()):
        drawn = against_targets(_rows(market), "partner market", "correlation of attractiveness")
        out.append(("market", "Attractiveness of partners in the market", drawn))
    return out


def missing_figures(v: Validation, drawn: Sequence[str]) -> list[str]:
    """Sentences naming each figure a target asks for that was left out, and why."""
    groups = {
        "interactions": ("positive_negative_ratio",),
        "investment": ("investment_correlations", "commitment_predicts_ending"),
        "market": ("market_attractiveness", "kalick_hamilton"),
    }
    out = []
    for stem, names in groups.items():
        outcomes = [o for o in v.outcomes if o.target.measure in names]
        if not outcomes or stem in drawn:
            continue
        errors = [o.error for o in outcomes if o.error]
        why = errors[0] if errors else "no value could be computed"
        out.append(f"No {stem} figure: {why}.")
    return out
