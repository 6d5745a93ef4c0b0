"""What a study's runs say, in a few sentences and two tables: its page opens with it,
and ``relsim sweep`` prints it when the sweep ends.

The effects are :func:`sim.experiment.effects.factor_effects` on the study's main
metrics (those its plots and its ``[metrics]`` name, else the relationship's five main
ones); the outcome classes are their shares at each level of each factor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from markupsafe import Markup

from sim.experiment import effects
from sim.views import style
from sim.views.page import html_table, render

DEFAULT_METRICS = ("intimacy", "satisfaction_a", "satisfaction_b", "resentment_a", "resentment_b")
"""Main metrics of a study that names none."""

MOST_METRICS = 8
"""Most metrics a summary reports."""

MOST_SENTENCES = 6
"""Most effects a summary tells in words (the largest, by standardized size)."""


MOST_OUTCOME_SENTENCES = 3
"""Most factors whose outcome classes a summary tells in words (those that move the
leading class most)."""


@dataclass
class Summary:
    """The summary of a study.

    Attributes
    ----------
    question : str
        The study's description, as its spec gives it.
    runs : int
        Finished runs summarised.
    metrics : list of str
        The main metrics.
    effects : DataFrame
        :func:`~sim.experiment.effects.factor_effects` of every factor on every metric.
    outcomes : dict of str to DataFrame
        Per factor, the share of runs in each outcome class at each of its levels.
    leading : DataFrame or None
        The leading outcome class of each scenario at each level of the first numeric
        factor with levels, when the study runs several scenarios.
    sentences : list of str
        The findings in words.
    """

    question: str
    runs: int
    metrics: list[str]
    effects: pd.DataFrame
    outcomes: dict[str, pd.DataFrame] = field(default_factory=dict)
    leading: pd.DataFrame | None = None
    sentences: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The summary as lines for a terminal: question, then findings."""
        question = " ".join(self.question.split())
        lines = [f"question: {question}" if question else "question: (no description)"]
        lines += [f"  - {s}" for s in self.sentences]
        return "\n".join(lines)

    def effects_table(self) -> pd.DataFrame:
        """The effects as a page shows them: human names, the interval in one column."""
        e = self.effects
        if e.empty:
            return pd.DataFrame()
        interval = [
            "" if np.isnan(lo) else f"{lo:+.3f} to {hi:+.3f}"
            for lo, hi in zip(e["ci_low"], e["ci_high"], strict=True)
        ]
        return pd.DataFrame(
            {
                "factor": e["factor"].map(style.short),
                "metric": e["metric"].map(style.short),
                "from": e["low"],
                "to": e["high"],
                "mean at lowest": e["mean_low"],
                "mean at highest": e["mean_high"],
                "difference": e["difference"],
                "95 % interval": interval,
                "standardized (d)": e["standardized"],
            }
        )


def main_metrics(res) -> list[str]:
    """The metrics a study is about: those its plots and its ``[metrics]`` name that the
    run table holds as numbers, else :data:`DEFAULT_METRICS`; at most :data:`MOST_METRICS`."""
    spec = res.spec
    named: list[str] = []
    for plot in spec.plots:
        for key in ("metrics", "metric", "series", "x", "y"):
            value = plot.get(key)
            named += [value] if isinstance(value, str) else list(value or [])
    if spec.record_every:
        named += list(spec.series)
    if spec.final is not None:
        named += list(spec.final)
    factors = set(res.factors)
    usable = [
        n for n in dict.fromkeys(named) if n in res.numeric and n not in factors and n != "run"
    ]
    if not usable:
        usable = [n for n in DEFAULT_METRICS if n in res.numeric]
    return usable[:MOST_METRICS]


def _span(row) -> str:
    """From which level to which: the values, or the quarters of a sampled factor."""
    if " to " in str(row.low):
        return f"from its lowest quarter ({row.low}) to its highest ({row.high})"
    return f"from {row.low} to {row.high}"


def _sentence(row) -> str:
    lo, hi = row.ci_low, row.ci_high
    way = "raises" if row.difference > 0 else "lowers"
    return (
        f"{style.short(row.factor)} {_span(row)} {way} "
        f"{style.short(row.metric)} by {abs(row.difference):.3g} "
        f"(95 % interval {lo:+.3g} to {hi:+.3g}; d = {row.standardized:+.2f})"
    )


def _findings(e: pd.DataFrame, outcomes: dict[str, pd.DataFrame], runs: pd.DataFrame) -> list[str]:
    out = []
    if not e.empty:
        clear = e[(e["ci_low"] > 0) | (e["ci_high"] < 0)]
        clear = clear.reindex(clear["standardized"].abs().sort_values(ascending=False).index)
        out += [_sentence(row) for row in clear.head(MOST_SENTENCES).itertuples()]
        unclear = sorted(set(e["metric"]) - set(clear["metric"]))
        if unclear:
            words = ", ".join(style.short(m) for m in unclear)
            out.append(f"no factor moves {words} beyond its 95 % interval")
    if "outcome" in runs.columns and len(runs):
        shares = runs["outcome"].value_counts(normalize=True)
        top = ", ".join(f"{c} {s:.0%}" for c, s in shares.head(3).items())
        out.append(f"outcome classes over all {len(runs):,} runs: {top}")
        leader = shares.index[0]
        spread = {
            f: float(t[leader].max() - t[leader].min())
            for f, t in outcomes.items()
            if f != "scenario" and len(t) > 1 and leader in t.columns
        }
        for factor in sorted(spread, key=spread.get, reverse=True)[:MOST_OUTCOME_SENTENCES]:
            table = outcomes[factor]
            by_level = ", ".join(f"{s:.0%} at {lvl}" for lvl, s in table[leader].items())
            out.append(f"{leader} by {style.short(factor)}: {by_level}")
    return out


def study_summary(res) -> Summary:
    """The summary of a results folder's finished runs.

    Parameters
    ----------
    res : sim.views.plots.Results
        The results, loaded.
    """
    metrics = main_metrics(res)
    res.want(metrics)
    ok = effects.finished(res.runs)
    factors = [f for f in res.factors if f in ok.columns and ok[f].nunique() > 1]
    eff = effects.factor_effects(ok, factors, metrics)
    outcomes: dict[str, pd.DataFrame] = {}
    leading = None
    if "outcome" in ok.columns and len(ok):
        classes = list(style.OUTCOME_COLOURS)
        outcomes = {f: effects.outcome_shares(ok, f, classes) for f in factors}
        grid = [f for f in factors if f != "scenario" and ok[f].nunique() <= effects.MAX_LEVELS]
        if "scenario" in factors and grid:
            leading = effects.leading_class(ok, "scenario", grid[0])
    return Summary(
        question=res.spec.description or "",
        runs=len(ok),
        metrics=metrics,
        effects=eff,
        outcomes=outcomes,
        leading=leading,
        sentences=_findings(eff, outcomes, ok),
    )


def summary_section(summary: Summary) -> Markup:
    """What the runs say: the findings in words, the effects table, the leading class
    by scenario and factor level, and the outcome classes by each factor's level."""
    table = summary.effects_table()
    outcomes = [
        (style.short(f), html_table(t.rename_axis(style.short(f)).reset_index(), "{:.0%}"))
        for f, t in summary.outcomes.items()
    ]
    leading = summary.leading
    return Markup(
        render(
            "summary.html",
            summary=summary,
            effects=html_table(table) if len(table) else None,
            leading=_leading_html(leading) if leading is not None else None,
            leading_by=style.short(leading.columns.name) if leading is not None else "",
            outcomes=outcomes,
        )
    )


def _leading_html(leading: pd.DataFrame) -> Markup:
    by = style.short(leading.columns.name)
    frame = leading.rename(columns=lambda level: f"{by} {level}")
    return html_table(frame.rename_axis(index="scenario", columns=None).reset_index())
