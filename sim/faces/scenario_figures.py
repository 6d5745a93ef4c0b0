"""Figures of one scenario run: replicate bands over time and outcome-class shares.

Figures are built as bare :class:`matplotlib.figure.Figure` objects, which draw with
the headless Agg canvas and never touch pyplot's global state or a display; each is
written atomically (temporary file, then rename), as PNG.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim import atomic
from sim.faces.scenario_run import ScenarioRun
from sim.model.outcomes import OUTCOME_CLASSES

PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("intimacy", ("intimacy",)),
    ("satisfaction", ("satisfaction_a", "satisfaction_b")),
    ("resentment", ("resentment_a", "resentment_b")),
)
"""Panels of the time-series figure: title and the series drawn in it."""


def save(fig: Figure, path: Path) -> Path:
    """Save ``fig`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic.replacing(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=120, bbox_inches="tight")
    return path


def timeseries_figure(run: ScenarioRun) -> Figure:
    """Median and 5-95% band over the replicate couples of intimacy, satisfaction and
    resentment, week by week (a couple that ended keeps its last values)."""
    if not run.series:
        raise ValueError("the run recorded no series; run it with record_every > 0")
    fig = Figure(figsize=(4.2 * len(PANELS), 3.4))
    axes = fig.subplots(1, len(PANELS), sharex=True)
    weeks = run.weeks
    for ax, (title, names) in zip(axes, PANELS, strict=True):
        for name in names:
            values = run.series[name]
            p5, p50, p95 = np.percentile(values, [5, 50, 95], axis=1)
            label = f"partner {name[-1]}" if name.endswith(("_a", "_b")) else name
            (line,) = ax.plot(weeks, p50, label=label)
            ax.fill_between(weeks, p5, p95, color=line.get_color(), alpha=0.2, linewidth=0)
        ax.set_title(title)
        ax.set_xlabel("week")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        if len(names) > 1:
            ax.legend(loc="best", fontsize="small")
    fig.suptitle(
        f"{run.scenario.name}: median and 5-95% of {run.n} couples (seed {run.seed})",
        fontsize="medium",
    )
    fig.tight_layout()
    return fig


def outcomes_figure(run: ScenarioRun) -> Figure:
    """Share of couples in each outcome class, with the expected minimum shares marked."""
    shares = run.shares()
    expected = {e.outcome: e.min_share for e in run.scenario.expected}
    fig = Figure(figsize=(7.5, 3.6))
    ax = fig.subplots()
    x = np.arange(len(OUTCOME_CLASSES))
    colors = ["tab:blue" if c in expected else "tab:gray" for c in OUTCOME_CLASSES]
    ax.bar(x, [shares[c] for c in OUTCOME_CLASSES], color=colors)
    for i, cls in enumerate(OUTCOME_CLASSES):
        if cls in expected:
            ax.hlines(expected[cls], i - 0.4, i + 0.4, colors="black", linestyles="--")
    ax.set_xticks(x, OUTCOME_CLASSES, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of couples")
    ax.set_title(
        f"{run.scenario.name}: outcome classes after {run.steps} weeks (dashed: expected minimum)",
        fontsize="medium",
    )
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def captions(run: ScenarioRun) -> dict[str, tuple[str, str]]:
    """Title and caption of each figure :func:`write_figures` writes, by file name."""
    return {
        "timeseries.png": (
            "Intimacy, satisfaction and resentment over time",
            f"Median (line) and 5-95% band (shade) over the {run.n} replicate couples, "
            "week by week; partners a and b are drawn apart. A couple that ended keeps its "
            "last values.",
        ),
        "outcomes.png": (
            "Outcome-class shares",
            f"Share of the {run.n} couples in each outcome class after {run.steps} weeks. "
            "Blue bars are the classes the scenario expects; the dashed line on each is "
            "the least share it expects.",
        ),
    }


def write_figures(run: ScenarioRun, folder: Path) -> list[Path]:
    """Write ``timeseries.png`` (when series were recorded) and ``outcomes.png``."""
    folder = Path(folder)
    paths = []
    if run.series:
        paths.append(save(timeseries_figure(run), folder / "timeseries.png"))
    paths.append(save(outcomes_figure(run), folder / "outcomes.png"))
    return paths
