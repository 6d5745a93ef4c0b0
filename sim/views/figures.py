"""Figures of an experiment's results, one function per kind, each with its caption.

Every function takes tables already loaded (the run table, the tidy time series, the
sensitivity indices or a PRIM box) and returns a :class:`Drawn`: the matplotlib
``Figure``, a caption saying what it shows and how it was computed, and the numbers
behind it, so tests and the report can check the figure against its data. Nothing here
reads spec files or writes to disk; :mod:`sim.views.plots` does that.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from sim.experiment import survival as surv
from sim.experiment.effects import MAX_LEVELS, finished, level_codes
from sim.model.declarations import GROUPS, group_hits
from sim.model.outcomes import OUTCOME_CLASSES
from sim.views import style

MAX_LINES = 5
"""Most lines one panel overlays: past this, each level gets a panel of its own (small
multiples on shared axes)."""

BAND = (0.05, 0.95)
"""Quantiles of the replicate band around each median line."""


@dataclass
class Drawn:
    """A figure with its caption and the numbers it shows.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure (Agg canvas).
    caption : str
        One or two sentences: what is shown and how it was computed.
    data : pandas.DataFrame
        The table drawn (medians, shares, indices or events).
    table : pandas.DataFrame or None
        A table a page shows beneath the figure (a Cox model's hazard ratios), or None.
    """

    figure: Figure
    caption: str
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    table: pd.DataFrame | None = None


def _figure(
    n: int = 1,
    ncols: int | None = None,
    width: float = 5.2,
    height: float = 3.6,
    share: bool = False,
):
    """A figure of ``n`` panels, at most :data:`style.WIDEST` inches wide (panels shrink
    to fit), with shared axes when ``share``."""
    ncols = ncols or min(n, 3)
    nrows = -(-n // ncols)
    scale = min(1.0, style.WIDEST / (width * ncols))
    with style.style():
        fig = Figure(
            figsize=(width * ncols * scale, max(height * scale, 2.4) * nrows),
            layout="constrained",
        )
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=share, sharey=share).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    if share:  # shared axes: tick labels on the outer panels only
        for i, ax in enumerate(axes[:n]):
            ax.tick_params(labelbottom=i + ncols >= n, labelleft=i % ncols == 0)
    return fig, list(axes[:n])


def _levels(frame: pd.DataFrame, by: str | Sequence[str] | None) -> pd.Series:
    """One label per row: the group a run belongs to (factor levels, binned if many)."""
    if by is None or (not isinstance(by, str) and not by):
        return pd.Series("all runs", index=frame.index)
    cols = [by] if isinstance(by, str) else list(by)
    parts = [level_codes(frame[col])[0] for col in cols]
    # One label a combination of levels, shared by its runs (no string a run).
    codes = np.column_stack([part.cat.codes.to_numpy() for part in parts])
    combos, inverse = np.unique(codes, axis=0, return_inverse=True)
    texts = [
        ", ".join(
            "nan" if c < 0 else str(part.cat.categories[c])
            for part, c in zip(parts, row, strict=True)
        )
        for row in combos
    ]
    return pd.Series(np.asarray(texts, dtype=object)[inverse.ravel()], index=frame.index)


def _ordered(labels: pd.Series, frame: pd.DataFrame, by) -> list[str]:
    """Group labels in the order of their factor values (not alphabetical)."""
    if by is None or (not isinstance(by, str) and not by):
        return ["all runs"]
    cols = [by] if isinstance(by, str) else list(by)
    # Only the grouping columns are sorted (a copy of every column the frame holds
    # weighed as much as the run table at a million runs); the order is the same.
    order = frame[cols].assign(_label=labels).sort_values(cols, kind="stable")["_label"]
    return list(dict.fromkeys(order))


def _by_text(by) -> str:
    return style.by_words(by)


def _is_none(by) -> bool:
    return by is None or (not isinstance(by, str) and not by)


def small_multiples(ok: pd.DataFrame, by, facet) -> tuple[object, object]:
    """The grouping of lines and of panels: ``facet``'s levels make panels and ``by``'s
    lines; with no facet and more than :data:`MAX_LINES` levels of ``by``, each level of
    ``by`` gets a panel of its own."""
    if _is_none(facet) and not _is_none(by) and _levels(ok, by).nunique() > MAX_LINES:
        return None, by
    return by, facet


def axes_info(fig: Figure) -> list[dict[str, str]]:
    """Every visible panel's title and axis labels (the figure's shared labels where a
    panel has none of its own); colour bars are left out."""
    sup_x = fig.get_supxlabel() if hasattr(fig, "get_supxlabel") else ""
    sup_y = fig.get_supylabel() if hasattr(fig, "get_supylabel") else ""
    out = []
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison or hasattr(ax, "_colorbar"):
            continue  # a colour bar, or a panel that holds only a message
        out.append(
            {
                "title": ax.get_title() or fig.get_suptitle(),
                "x": ax.get_xlabel() or _shared_label(ax, "x") or sup_x,
                "y": ax.get_ylabel() or _shared_label(ax, "y") or sup_y,
            }
        )
    return out


def _shared_label(ax, which: str) -> str:
    """The label of an axis that ``ax`` shares, labelled on another panel."""
    shared = ax.get_shared_x_axes() if which == "x" else ax.get_shared_y_axes()
    for other in shared.get_siblings(ax):
        text = other.get_xlabel() if which == "x" else other.get_ylabel()
        if text:
            return text
    return ""


def smallest_tick(fig: Figure) -> float:
    """The size in points of the smallest visible tick label of the figure."""
    sizes = [
        t.get_fontsize()
        for ax in fig.axes
        if ax.get_visible()
        for axis in (ax.xaxis, ax.yaxis)
        for t in axis.get_ticklabels()
        if t.get_visible() and t.get_text()
    ]
    return float(min(sizes)) if sizes else 0.0


def _panel_labels(fig: Figure, axes, x: str, y: str) -> None:
    """Axis labels of small multiples: once for the figure when there are several panels."""
    if len(axes) > 1:
        fig.supxlabel(x)
        fig.supylabel(y)
    else:
        axes[0].set_xlabel(x)
        axes[0].set_ylabel(y)


def _legend(ax, by, n: int) -> None:
    """A legend inside the axes for a few lines, beside them for many."""
    if n <= 5:
        ax.legend(title=_by_text(by), loc="best")
    else:
        handles, labels = ax.get_legend_handles_labels()
        ncols = 1 if n <= 10 else 2
        fig = ax.figure
        width, height = fig.get_size_inches()
        longest = max(len(label) for label in labels)
        rows = -(-n // ncols)
        fig.set_size_inches(width + ncols * (0.8 + 0.075 * longest), max(height, 0.22 * rows + 1.0))
        fig.legend(handles, labels, title=_by_text(by), loc="outside right upper", ncols=ncols)


def _figure_legend(fig: Figure, ax, by) -> None:
    """One legend for every panel, above them."""
    handles, labels = ax.get_legend_handles_labels()
    if len(handles) > 1:
        fig.legend(
            handles,
            labels,
            title=_by_text(by),
            loc="outside upper center",
            ncols=min(len(handles), 5),
        )


def _panel_groups(ok: pd.DataFrame, by, facet):
    """Lines and panels of a figure: each finished run's line label and panel label,
    and both in order."""
    by, facet = small_multiples(ok, by, facet)
    lines, panels = _levels(ok, by), _levels(ok, facet)
    return by, facet, lines, _ordered(lines, ok, by), panels, _ordered(panels, ok, facet)


def _panel_title(facet, panel: str) -> str:
    if _is_none(facet):
        return "all runs"
    text = panel.replace("_", " ") if facet == "scenario" else f"{_by_text(facet)} {panel}"
    return textwrap.fill(text, 24)


def timeseries(
    runs: pd.DataFrame,
    series: pd.DataFrame,
    names: Sequence[str],
    by: str | Sequence[str] | None,
    facet: str | Sequence[str] | None = None,
) -> Drawn:
    """Median and 5-95 % band over replicates of each series, one line per group.

    Parameters
    ----------
    runs : DataFrame
        The run table (for the grouping columns).
    series : DataFrame
        Tidy time series with ``run`` and ``step`` columns.
    names : sequence of str
        Series to draw, one row of panels each.
    by : str, list of str or None
        Column(s) of the run table whose levels make the lines.
    facet : str, list of str or None
        Column(s) whose levels make the panels, on shared axes. With none and more
        than :data:`MAX_LINES` levels of ``by``, each level of ``by`` gets a panel.
    """
    ok = finished(runs)
    by, facet, lines, order, panels, panel_order = _panel_groups(ok, by, facet)
    ts = series.merge(
        ok[["run"]].assign(_group=lines.to_numpy(), _panel=panels.to_numpy()), on="run"
    )
    cells = [(name, panel) for name in names for panel in panel_order]
    ncols = min(len(panel_order), 4) if len(panel_order) > 1 else min(len(names), 3)
    share = len(cells) > 1 and len(names) == 1  # never one axis for two series
    fig, axes = _figure(len(cells), ncols=ncols, width=4.0, height=3.2, share=share)
    rows = []
    alpha = 0.2 if len(order) <= 3 else 0.1
    for ax, (name, panel) in zip(axes, cells, strict=True):
        part = ts[ts["_panel"] == panel]
        stats = part.groupby(["_group", "step"])[name].quantile([0.5, *BAND]).unstack()
        for i, group in enumerate(order):
            if group not in stats.index.get_level_values(0):
                continue
            s = stats.loc[group]
            c = style.colour(i)
            ax.fill_between(s.index, s[BAND[0]], s[BAND[1]], color=c, alpha=alpha, lw=0)
            ax.plot(s.index, s[0.5], color=c, ls=style.dash(i), label=group)
            rows.append(
                pd.DataFrame(
                    {
                        "series": name,
                        "panel": panel,
                        "group": group,
                        "step": s.index,
                        "median": s[0.5].to_numpy(),
                        "q05": s[BAND[0]].to_numpy(),
                        "q95": s[BAND[1]].to_numpy(),
                    }
                )
            )
        title = _panel_title(facet, panel) if len(panel_order) > 1 else style.short(name)
        ax.set_title(
            title if len(names) == 1 or len(panel_order) == 1 else f"{title}: {style.short(name)}"
        )
    if share:
        _panel_labels(fig, axes, style.label("step"), style.label(names[0]))
    else:
        for ax, (name, _) in zip(axes, cells, strict=True):
            ax.set_xlabel(style.label("step"))
            ax.set_ylabel(style.label(name))
    if len(order) > 1:
        _figure_legend(fig, axes[0], by)
    n_rep = int(ok.groupby([lines, panels]).size().min()) if len(ok) else 0
    what = ", ".join(style.short(n) for n in names)
    where = f", one panel per {_by_text(facet)} on shared axes" if len(panel_order) > 1 else ""
    caption = (
        f"{what} week by week{where}, one line per level of {_by_text(by)}: the median over "
        f"runs, with a band from the 5th to the 95th percentile (at least {n_rep} runs a "
        "line). Compare the lines within a panel for the effect of "
        f"{_by_text(by)}" + (f", the panels for that of {_by_text(facet)}." if where else ".")
    )
    return Drawn(fig, caption, pd.concat(rows, ignore_index=True) if rows else pd.DataFrame())


def phase(
    runs: pd.DataFrame,
    series: pd.DataFrame,
    x: str,
    y: str,
    by: str | Sequence[str] | None,
    facet: str | Sequence[str] | None = None,
) -> Drawn:
    """A phase portrait: the median trajectory of each group in the (x, y) plane.

    Each group's line runs from its start (open circle) to its end (filled circle).
    With one panel of a few lines, faint lines behind them are a few single runs, to
    show the spread; ``facet`` (or many groups) draws small multiples, as
    :func:`timeseries` does.
    """
    ok = finished(runs)
    by, facet, lines, order, panels, panel_order = _panel_groups(ok, by, facet)
    ts = series.merge(
        ok[["run"]].assign(_group=lines.to_numpy(), _panel=panels.to_numpy()), on="run"
    )
    n = len(panel_order)
    fig, axes = _figure(n, ncols=min(n, 4), width=4.2 if n > 1 else 5.6, height=4.0, share=n > 1)
    med = ts.groupby(["_panel", "_group", "step"])[[x, y]].median()
    single_runs = n == 1 and len(order) <= 3
    rows = []
    for ax, panel in zip(axes, panel_order, strict=True):
        for i, group in enumerate(order):
            if (panel, group) not in med.index.droplevel(2):
                continue
            c = style.colour(i)
            if single_runs:
                some = ts.loc[ts["_group"] == group, "run"].drop_duplicates().head(3)
                for run in some:
                    one = ts[ts["run"] == run]
                    ax.plot(one[x], one[y], color=c, alpha=0.2, lw=0.7)
            m = med.loc[(panel, group)]
            ax.plot(m[x], m[y], color=c, ls=style.dash(i), label=group, gid="median")
            ax.plot(m[x].iloc[0], m[y].iloc[0], "o", mfc="white", mec=c, ms=6)
            ax.plot(m[x].iloc[-1], m[y].iloc[-1], "o", color=c, ms=7)
            rows.append(m.reset_index().assign(group=group, panel=panel))
        ax.set_title(
            _panel_title(facet, panel) if n > 1 else f"{style.short(y)} against {style.short(x)}"
        )
    _panel_labels(fig, axes, style.label(x), style.label(y))
    if len(order) > 1:
        _figure_legend(fig, axes[0], by)
    where = f", one panel per {_by_text(facet)} on shared axes" if n > 1 else ""
    caption = (
        f"Phase portrait of {style.short(y)} against {style.short(x)}{where}: the median "
        f"trajectory over runs for each level of {_by_text(by)}, from its start (open "
        "circle) to its last week (filled circle)"
        + ("; faint lines are single runs." if single_runs else ".")
    )
    return Drawn(fig, caption, pd.concat(rows, ignore_index=True) if rows else pd.DataFrame())


def outcome_shares(
    runs: pd.DataFrame,
    by: str | Sequence[str] | None,
    facet: str | Sequence[str] | None = None,
    expected: Mapping[str, Sequence[str]] | None = None,
) -> Drawn:
    """Stacked bars of the share of each outcome class, one bar per group.

    Parameters
    ----------
    runs : DataFrame
        The run table (``status``, ``outcome`` and the grouping columns).
    by : str, list of str or None
        Column(s) whose levels make the bars.
    facet : str, list of str or None
        Column(s) whose levels make panels, one above the other on a shared axis.
    expected : mapping of str to sequence of str, optional
        Per bar label (a scenario), the classes it is expected to produce: their
        segments are outlined, and a dot under the bar marks each one.
    """
    ok = finished(runs)
    labels, panels = _levels(ok, by), _levels(ok, facet)
    order, panel_order = _ordered(labels, ok, by), _ordered(panels, ok, facet)
    classes = _class_order(ok["outcome"].unique())
    n = len(panel_order)
    width = max(5.2, 0.42 * len(order) + 3.2)
    fig, axes = _figure(n, ncols=1, width=width, height=3.0 if n > 1 else 4.2, share=n > 1)
    xs = np.arange(len(order))
    frames = []
    for ax, panel in zip(axes, panel_order, strict=True):
        mask = (panels == panel).to_numpy()
        shares = pd.crosstab(labels[mask], ok.loc[mask, "outcome"], normalize="index")
        shares = shares.reindex(index=order, columns=classes).fillna(0.0)
        bottom = np.zeros(len(order))
        for i, cls in enumerate(classes):
            vals = shares[cls].to_numpy()
            ax.bar(
                xs, vals, bottom=bottom, color=style.outcome_colour(cls, i), label=cls, width=0.8
            )
            for j, group in enumerate(order):
                if expected and cls in expected.get(group, ()):
                    ax.bar(
                        j,
                        vals[j],
                        bottom=bottom[j],
                        width=0.8,
                        fill=False,
                        edgecolor="black",
                        lw=1.6,
                        gid="expected",
                    )
                    ax.plot(
                        j,
                        -0.04 - 0.05 * list(expected[group]).index(cls),
                        "o",
                        ms=5,
                        color=style.outcome_colour(cls, i),
                        mec="black",
                        clip_on=False,
                    )
            bottom += vals
        ax.set_ylim(0, 1)
        ax.set_axisbelow(True)
        ax.grid(False, axis="x")
        ax.set_title(_panel_title(facet, panel) if n > 1 else "outcome classes")
        frames.append(shares.rename_axis("group").reset_index().assign(panel=panel))
    rotate = len(order) > 4
    axes[-1].set_xticks(xs, order, rotation=40 if rotate else 0, ha="right" if rotate else "center")
    _panel_labels(fig, axes, _by_text(by) if not _is_none(by) else "", "share of runs (0-1)")
    handles, names = axes[0].get_legend_handles_labels()
    keep = dict(zip(names, handles, strict=True))
    fig.legend(keep.values(), keep.keys(), title="outcome", loc="outside right upper")
    counts = ok.groupby([labels.to_numpy(), panels.to_numpy()]).size()
    where = f", one panel per {_by_text(facet)}" if n > 1 else ""
    marks = (
        " Outlined segments, with a dot under the bar, are the classes the scenario's file "
        "expects: a bar with little outlined colour misses its expectation."
        if expected
        else ""
    )
    caption = (
        f"Share of runs ending in each outcome class, one bar per level of {_by_text(by)}"
        f"{where} ({count_range(counts)} runs a bar). Compare the bars for how "
        f"{_by_text(by)} shifts couples between classes.{marks}"
    )
    return Drawn(fig, caption, pd.concat(frames, ignore_index=True))


def _class_order(present) -> list[str]:
    known = list(style.OUTCOME_COLOURS)
    return [c for c in known if c in present] + sorted(c for c in present if c not in known)


def _cells(values: pd.Series) -> pd.Series:
    """Cell coordinates along one regime-map axis: the values, or bins when continuous."""
    if values.nunique() > 2 * MAX_LEVELS:
        return pd.cut(values, MAX_LEVELS).map(lambda iv: round(iv.mid, 3)).astype(float)
    return values


def regime(
    runs: pd.DataFrame,
    x: str,
    y: str,
    metric: str | None = None,
    facet: str | Sequence[str] | None = None,
) -> Drawn:
    """A map over two factors: the dominant outcome class, or a metric's mean, per cell.

    With no metric each cell is coloured by its most common outcome class and
    annotated with that class's share of the cell's runs; with a metric each cell is
    coloured by the metric's mean over the cell's runs and annotated with it, on one
    colour scale for every map. ``facet`` (a column or several: a third factor, the
    scenario) draws one map per level on shared axes.
    """
    # A copy of the columns the map reads only, not of every column the table holds.
    facets_by = [] if _is_none(facet) else [facet] if isinstance(facet, str) else list(facet)
    keep = [x, y, "outcome", *facets_by, *([metric] if metric is not None else [])]
    ok = finished(runs)[list(dict.fromkeys(keep))].copy()
    ok["_x"], ok["_y"] = _cells(ok[x]), _cells(ok[y])
    ok["_panel"] = _levels(ok, facet).to_numpy()
    if metric is not None:
        cell_means = ok.groupby(["_x", "_y", "_panel"])[metric].mean()
        lo, hi = float(np.nanmin(cell_means)), float(np.nanmax(cell_means))
    facets = _ordered(ok["_panel"], ok, facet)
    fig, axes = _figure(len(facets), width=4.8, height=4.2, share=len(facets) > 1)
    xs, ys = sorted(ok["_x"].unique()), sorted(ok["_y"].unique())
    classes = _class_order(ok["outcome"].unique())
    cmap_classes = ListedColormap([style.outcome_colour(c, i) for i, c in enumerate(classes)])
    rows = []
    image = None
    for ax, level in zip(axes, facets, strict=True):
        part = ok[ok["_panel"] == level]
        grid = np.full((len(ys), len(xs)), np.nan)
        text = np.full((len(ys), len(xs)), "", dtype=object)
        for (cx, cy), cell in part.groupby(["_x", "_y"]):
            i, j = ys.index(cy), xs.index(cx)
            counts = cell["outcome"].value_counts()
            top, share = counts.index[0], counts.iloc[0] / len(cell)
            if metric is None:
                grid[i, j] = classes.index(top)
                text[i, j] = f"{share:.0%}"
            else:
                grid[i, j] = cell[metric].mean()
                text[i, j] = f"{grid[i, j]:.2f}"
            rows.append(
                {
                    "facet": None if _is_none(facet) else level,
                    "x": cx,
                    "y": cy,
                    "runs": len(cell),
                    "dominant": top,
                    "share": share,
                    "value": cell[metric].mean() if metric else np.nan,
                }
            )
        if metric is None:
            image = ax.imshow(
                grid,
                origin="lower",
                aspect="auto",
                cmap=cmap_classes,
                vmin=-0.5,
                vmax=len(classes) - 0.5,
                interpolation="nearest",
            )
        else:
            image = ax.imshow(
                grid,
                origin="lower",
                aspect="auto",
                cmap="cividis",
                vmin=lo,
                vmax=hi if hi > lo else lo + 1e-9,
                interpolation="nearest",
            )
        for i in range(len(ys)):
            for j in range(len(xs)):
                if text[i, j]:
                    dark = metric is None and classes[int(grid[i, j])] in (
                        "ended_destructive",
                        "coercive",
                        "ended_healthy",
                    )
                    if metric is not None:
                        lo, hi = image.get_clim()
                        dark = (grid[i, j] - lo) < 0.45 * (hi - lo or 1)
                    ax.text(
                        j,
                        i,
                        text[i, j],
                        ha="center",
                        va="center",
                        fontsize=10,
                        color="white" if dark else "black",
                        gid="cell",
                    )
        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
        ax.grid(False)
        what = style.short(metric) if metric else "dominant outcome class"
        ax.set_title(_panel_title(facet, level) if len(facets) > 1 else what)
    _panel_labels(fig, axes, style.label(x), style.label(y))
    where = f", one map per level of {_by_text(facet)} on shared axes" if len(facets) > 1 else ""
    if metric is None:
        bar = fig.colorbar(image, ax=axes, ticks=range(len(classes)))
        bar.ax.set_yticklabels(classes)
        bar.set_label("dominant outcome class")
        caption = (
            f"The most common outcome class of the runs in each cell of {style.short(x)} and "
            f"{style.short(y)}{where}, annotated with the share of the cell's runs in it. "
            "Look for the borders where the colour changes: the values of the two factors "
            "at which couples tip from one outcome to another; a low share marks a cell "
            "where no class dominates."
        )
    else:
        bar = fig.colorbar(image, ax=axes)
        bar.set_label(style.label(metric))
        caption = (
            f"The mean final {style.short(metric)} of the runs in each cell of "
            f"{style.short(x)} and {style.short(y)}{where}, on one colour scale. Look for "
            "the direction in which the colour changes fastest: the factor that moves "
            f"{style.short(metric)} most there."
        )
    n = pd.DataFrame(rows)["runs"] if rows else pd.Series([0])
    caption += f" {count_range(n)} runs a cell."
    return Drawn(fig, caption, pd.DataFrame(rows))


def sensitivity(indices: Mapping[str, pd.DataFrame], kind: str) -> Drawn:
    """Sobol first-order and total indices, or Morris mu* against sigma, per metric.

    Parameters
    ----------
    indices : mapping of str to DataFrame
        Per metric, the table of :func:`sim.experiment.analysis.sensitivity`.
    kind : {"sobol", "morris"}
        The design the indices came from.
    """
    metrics = list(indices)
    panels = [
        (metric, scenario)
        for metric in metrics
        for scenario in indices[metric]["scenario"].drop_duplicates()
    ]
    fig, axes = _figure(len(panels), width=5.2, height=4.6, share=kind == "sobol")
    frames = [indices[metric].assign(metric=metric) for metric in metrics]
    for ax, (metric, scenario) in zip(axes, panels, strict=True):
        table = indices[metric]
        t = table[table["scenario"] == scenario].reset_index(drop=True)
        if kind == "sobol":
            pos = np.arange(len(t))
            h = 0.38
            ax.barh(pos - h / 2, t["S1"], h, xerr=t["S1_conf"], color=style.colour(0), label="S1")
            ax.barh(pos + h / 2, t["ST"], h, xerr=t["ST_conf"], color=style.colour(1), label="ST")
            ax.set_yticks(pos, [style.short(f) for f in t["factor"]])
            if ax is axes[0]:
                ax.invert_yaxis()  # shared: once for every panel
            ax.set_xlabel("Sobol index (share of variance, 0-1)")
            ax.set_ylabel("factor")
            ax.axvline(0, color="#888888", lw=0.8)
            if ax is axes[0]:
                ax.legend(loc="lower right")
        else:
            ax.errorbar(
                t["mu_star"].to_numpy(float),
                t["sigma"].to_numpy(float),
                xerr=t["mu_star_conf"].to_numpy(float),
                fmt="o",
                color=style.colour(0),
                ecolor="#999999",
            )
            for _, row in t.iterrows():
                ax.annotate(
                    style.short(row["factor"]),
                    (row["mu_star"], row["sigma"]),
                    fontsize=10,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
            ax.set_xlabel(f"mu* (mean |elementary effect| on {style.short(metric)})")
            ax.set_ylabel(f"sigma (spread of elementary effects on {style.short(metric)})")
        ax.set_title(
            style.short(metric) + (f" ({scenario})" if table["scenario"].nunique() > 1 else "")
        )
    if kind == "sobol":
        caption = (
            f"Sobol first-order (S1) and total (ST) indices of final "
            f"{', '.join(style.short(m) for m in metrics)}, on one shared axis, computed by "
            "SALib from each design point's mean over its replicates; whiskers show 95 % "
            "bootstrap confidence intervals. Look for the longest bars: those traits drive the "
            "metric; ST well above S1 marks interactions."
        )
    else:
        caption = (
            f"Morris screening of final {', '.join(style.short(m) for m in metrics)}: for each "
            "factor, the mean absolute elementary effect (mu*) against the standard deviation "
            "of its elementary effects (sigma), computed by SALib from each design point's "
            "mean over its replicates. Look to the right for the factors that matter most; "
            "high up, for those whose effect depends on the other factors or is not linear. "
            "Factors near the origin can be fixed at any value."
        )
    return Drawn(fig, caption, pd.concat(frames, ignore_index=True))


def event_table(events: np.ndarray) -> pd.DataFrame:
    """The weeks of one couple as a table of drawn interactions.

    Parameters
    ----------
    events : ndarray of bool, shape (steps, N_EVENTS, 2)
        What each partner did each week (:class:`sim.model.engine.Replay`).

    Returns
    -------
    DataFrame
        One row per week (1..steps) and one boolean column per declared group and
        partner, e.g. ``request a`` (:data:`sim.model.declarations.GROUPS`).
    """
    hits = group_hits(events)
    columns = {
        f"{group.name} {who}": hits[:, g, p]
        for g, group in enumerate(GROUPS)
        for p, who in enumerate("ab")
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(1, len(events) + 1, name="week"))


WINDOW = 13
"""Weeks of the moving window of an event-rate panel: a quarter of a year."""


def event_strip(events: pd.DataFrame, intimacy: np.ndarray, title: str) -> Drawn:
    """One couple's intimacy week by week, and below it small multiples of how often each
    partner does each kind of interaction: the share of the last :data:`WINDOW` weeks
    in which they did it."""
    groups = [g.name for g in GROUPS]
    ncols = 3
    nrows = -(-len(groups) // ncols)
    with style.style():
        fig = Figure(figsize=(style.WIDEST, 2.6 + 2.1 * nrows), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=(2.6, 2.1 * nrows))
        ax0 = top.subplots()
        axes = bottom.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    weeks = np.arange(len(intimacy))
    ax0.plot(weeks, intimacy, color=style.colour(0))
    ax0.set_ylabel(style.label("intimacy"))
    ax0.set_xlabel(style.label("step"))
    ax0.set_ylim(0, 1)
    ax0.set_title(title)
    rates = events.astype(float).rolling(WINDOW, min_periods=1).mean()
    for i, (ax, group) in enumerate(zip(axes, groups, strict=False)):
        for p, who in enumerate("ab"):
            col = f"{group} {who}"
            ax.plot(
                rates.index,
                rates[col],
                color=style.colour(p),
                ls=style.DASHES[p],
                label=f"{who.upper()} did it",
            )
        ax.set_title(group)
        ax.set_ylim(0, 1.05)
        ax.tick_params(labelbottom=i + ncols >= len(groups), labelleft=i % ncols == 0)
        if i % ncols == 0:
            ax.set_ylabel("share of weeks")
        if i + ncols >= len(groups):
            ax.set_xlabel(style.label("step"))
    for ax in axes[len(groups) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    bottom.legend(handles, labels, loc="outside upper center", ncols=2)
    counts = events.sum()
    caption = (
        f"One couple week by week ({title}): its intimacy above; below, one panel per kind "
        f"of interaction, the share of the last {WINDOW} weeks in which partner A (solid) "
        "or B (dashed) did it at least once. A line near 1 is a habit of nearly every "
        "week; look for the kinds that rise or fall as intimacy moves. Totals over the "
        f"run: {', '.join(f'{k} {int(v)}' for k, v in counts.items())}."
    )
    return Drawn(fig, caption, events)


def bars(runs: pd.DataFrame, metrics: Sequence[str], by: str | Sequence[str] | None) -> Drawn:
    """Grouped bars of final metrics: one group of bars per level of ``by``, one bar per
    metric, each the mean over runs with a whisker from the 5th to the 95th percentile.

    Metrics of different units (a count, a share) get panels of their own, so that no
    axis holds two units."""
    ok = finished(runs)
    labels = _levels(ok, by)
    order = _ordered(labels, ok, by)
    grouped = ok.groupby(labels.to_numpy())
    units: dict[str, list[str]] = {}
    for metric in metrics:
        units.setdefault(style.unit(metric), []).append(metric)
    n = len(units)
    most = max(len(m) for m in units.values())
    fig, axes = _figure(n, ncols=n, width=max(4.6, 0.4 * len(order) * most + 2.5), height=4.6)
    xs = np.arange(len(order))
    rows = []
    k = 0
    for ax, (unit, group) in zip(axes, units.items(), strict=True):
        width = 0.8 / len(group)
        for j, metric in enumerate(group):
            mean = grouped[metric].mean().reindex(order)
            lo = grouped[metric].quantile(BAND[0]).reindex(order)
            hi = grouped[metric].quantile(BAND[1]).reindex(order)
            pos = xs - 0.4 + width * (j + 0.5)
            yerr = np.vstack([(mean - lo).clip(lower=0), (hi - mean).clip(lower=0)])
            ax.bar(
                pos,
                mean,
                width,
                color=style.colour(k),
                label=style.short(metric),
                yerr=yerr,
                capsize=2,
            )
            k += 1
            rows.append(
                pd.DataFrame(
                    {"metric": metric, "group": order, "mean": mean, "q05": lo, "q95": hi}
                ).reset_index(drop=True)
            )
        rotate = len(order) > 4
        ax.set_xticks(xs, order, rotation=30 if rotate else 0, ha="right" if rotate else "center")
        ax.set_xlabel(style.label(by) if isinstance(by, str) else _by_text(by) if by else "")
        ax.set_ylabel(f"mean over runs ({unit})" if unit else "mean over runs")
        ax.set_title(unit or "value")
        ax.grid(False, axis="x")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=1)
    counts = grouped.size()
    caption = (
        f"{', '.join(style.short(m) for m in metrics)}: the mean over runs for each level of "
        f"{_by_text(by)}, with a whisker from the 5th to the 95th percentile "
        f"({count_range(counts)} runs a group)"
        + ("; metrics of different units have panels of their own." if n > 1 else ".")
        + f" Compare the heights of a metric's bars across the levels of {_by_text(by)}; "
        "whiskers that overlap much mark a difference small beside the spread of the runs."
    )
    return Drawn(fig, caption, pd.concat(rows, ignore_index=True))


def profile_columns(columns: Sequence[str], prefix: str) -> list[tuple[int, str]]:
    """The columns ``<prefix>_age<N>`` of a run table, as (N, column), by N."""
    found = []
    for col in columns:
        head, sep, tail = col.rpartition("_age")
        if sep and head == prefix and tail.isdigit():
            found.append((int(tail), col))
    return sorted(found)


def profile(runs: pd.DataFrame, prefixes: Sequence[str], by: str | Sequence[str] | None) -> Drawn:
    """Final metrics recorded by age (columns ``<prefix>_age<N>``) drawn against the age:
    one line per prefix, the median over runs with a 5-95 % band, one panel per level
    of ``by``."""
    ok = finished(runs)
    labels = _levels(ok, by)
    order = _ordered(labels, ok, by)
    fig, axes = _figure(len(order), width=4.6, height=3.6)
    found = {style.unit(c) for p in prefixes for _, c in profile_columns(ok.columns, p)}
    units = found.pop() if len(found) == 1 else ""
    rows = []
    for ax, group in zip(axes, order, strict=True):
        part = ok[(labels == group).to_numpy()]
        for k, prefix in enumerate(prefixes):
            cols = profile_columns(part.columns, prefix)
            ages = np.array([a for a, _ in cols])
            values = part[[c for _, c in cols]].to_numpy(dtype=float)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.nanmedian(values, axis=0) if len(values) else np.full(len(ages), np.nan)
                lo = np.nanquantile(values, BAND[0], axis=0) if len(values) else med
                hi = np.nanquantile(values, BAND[1], axis=0) if len(values) else med
            c = style.colour(k)
            ax.fill_between(ages, lo, hi, color=c, alpha=0.15, lw=0)
            ax.plot(
                ages, med, color=c, ls=style.dash(k), marker="o", ms=3, label=style.short(prefix)
            )
            rows.append(
                pd.DataFrame(
                    {"group": group, "prefix": prefix, "age": ages, "median": med, "q05": lo}
                ).assign(q95=hi)
            )
        ax.set_xlabel("relationship age (weeks)")
        ax.set_ylabel(f"median over runs ({units})" if units else "median over runs")
        ax.set_title(_panel_title(by, group))
    axes[0].legend(loc="best")
    caption = (
        f"{', '.join(style.short(p) for p in prefixes)} by relationship age, one line each: "
        "the median over runs with a band from the 5th to the 95th percentile, one panel per "
        f"level of {_by_text(by)}. Look for where the lines part or cross as relationships "
        "age, and compare the panels for how that changes with "
        f"{_by_text(by)}."
    )
    return Drawn(fig, caption, pd.concat(rows, ignore_index=True) if rows else pd.DataFrame())


def band_panels(names: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Panels of a band figure: one per series, the two partners' series sharing one."""
    panels: dict[str, list[str]] = {}
    for name in names:
        stem = name[:-2] if name.endswith(("_a", "_b")) else name
        panels.setdefault(stem, []).append(name)
    return list(panels.items())


def bands(series: pd.DataFrame, names: Sequence[str], note: str = "") -> Drawn:
    """Median and 5-95 % band over every run of each series, week by week.

    The series of partners ``a`` and ``b`` (``satisfaction_a``, ``satisfaction_b``) share
    a panel, one line each; any other series has a panel of its own.

    Parameters
    ----------
    series : DataFrame
        Tidy time series with ``run`` and ``step`` columns.
    names : sequence of str
        Series to draw.
    note : str
        A sentence to add to the caption.
    """
    panels = band_panels(names)
    fig, axes = _figure(len(panels), ncols=len(panels), width=4.4, height=3.4)
    rows = []
    for ax, (stem, members) in zip(axes, panels, strict=True):
        for i, name in enumerate(members):
            s = series.groupby("step")[name].quantile([0.5, *BAND]).unstack()
            label = f"partner {name[-1].upper()}" if len(members) > 1 else style.short(name)
            c = style.colour(i)
            ax.fill_between(s.index, s[BAND[0]], s[BAND[1]], color=c, alpha=0.2, lw=0)
            ax.plot(s.index, s[0.5], color=c, ls=style.dash(i), label=label)
            rows.append(
                pd.DataFrame(
                    {
                        "series": name,
                        "step": s.index,
                        "median": s[0.5].to_numpy(),
                        "q05": s[BAND[0]].to_numpy(),
                        "q95": s[BAND[1]].to_numpy(),
                    }
                )
            )
        values = series[members].to_numpy()
        if values.size and np.nanmin(values) >= 0 and np.nanmax(values) <= 1:
            ax.set_ylim(0, 1)
        ax.set_xlabel(style.label("step"))
        ax.set_ylabel(style.pair_label(stem) if len(members) > 1 else style.label(members[0]))
        ax.set_title(style.short(stem))
        if len(members) > 1:
            ax.legend(loc="best")
    n = int(series["run"].nunique()) if len(series) else 0
    caption = (
        f"Median (line) and 5-95 % band (shade) over the {n} runs, week by week; the "
        "series of partners A and B are drawn apart in one panel. Look for where the "
        "median settles and how wide the band grows: a wide band is couples whose paths "
        f"part. {note}"
    ).strip()
    return Drawn(fig, caption, pd.concat(rows, ignore_index=True) if rows else pd.DataFrame())


def expected_outcomes(runs: pd.DataFrame, expected: Mapping[str, float], steps: int) -> Drawn:
    """The share of runs in every outcome class, against the least share expected of some.

    Parameters
    ----------
    runs : DataFrame
        The run table (``status`` and ``outcome`` columns).
    expected : mapping of str to float
        The classes expected and the least share expected of each.
    steps : int
        Weeks each run ran, for the caption.
    """
    ok = finished(runs)
    classes = _class_order(set(OUTCOME_CLASSES) | set(ok["outcome"]))
    shares = ok["outcome"].value_counts(normalize=True).reindex(classes, fill_value=0.0)
    fig, (ax,) = _figure(1, width=7.0, height=3.8)
    xs = np.arange(len(classes))
    colours = [
        style.outcome_colour(c, i) if c in expected else "#BBBBBB" for i, c in enumerate(classes)
    ]
    ax.bar(xs, shares.to_numpy(), color=colours, width=0.8)
    for i, cls in enumerate(classes):
        if cls in expected:
            ax.hlines(expected[cls], i - 0.4, i + 0.4, colors="black", linestyles="--")
    ax.set_xticks(xs, classes, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of runs (0-1)")
    ax.set_axisbelow(True)
    ax.grid(False, axis="x")
    ax.set_title(f"outcome classes after {steps} weeks")
    caption = (
        f"Share of the {len(ok)} runs in each outcome class after {steps} weeks. Coloured "
        "bars are the classes the scenario expects, grey bars the others; the dashed line "
        "on each expected class is the least share it expects: a coloured bar below its "
        "line misses the expectation."
    )
    data = pd.DataFrame(
        {
            "outcome": classes,
            "share": shares.to_numpy(),
            "expected_at_least": [expected.get(c, np.nan) for c in classes],
        }
    )
    return Drawn(fig, caption, data)


# --- Endings: survival, hazard, Cox ---------------------------------------------------------


def _endings(runs: pd.DataFrame, steps: int, by) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Finished runs with their group labels, and each one's duration and whether it ended."""
    ok = finished(runs)
    ok = ok.assign(_group=_levels(ok, by).to_numpy())
    weeks, ended = surv.durations(ok["ended"].to_numpy(), ok["step_ended"].to_numpy(), steps)
    return ok, weeks, ended


def _lines(by) -> str:
    if by is None or (not isinstance(by, str) and not by):
        return "one line for every couple together"
    return f"one line per level of {_by_text(by)}"


def count_range(counts) -> str:
    """How many a bar, cell or line holds: ``600`` when all hold as many, else
    ``580 to 620``."""
    low, high = (int(min(counts)), int(max(counts))) if len(counts) else (0, 0)
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def _censoring(ended: np.ndarray, steps: int, groups: pd.Series) -> str:
    n, k = len(ended), int(ended.sum())
    sizes = groups.value_counts()
    each = f" ({count_range(sizes)} a line)" if len(sizes) > 1 else ""
    return (
        f"{n:,} couples{each}, {k:,} ended within the {steps} weeks run; the {n - k:,} "
        f"still together at week {steps} are right-censored there: counted at risk until "
        "then, never as an ending."
    )


def survival_steps(ax, years, curve: pd.DataFrame, colour: str, label: str, ls="-", alpha=0.2):
    """One Kaplan-Meier curve as steps, with its confidence band shaded."""
    ax.step(years, curve["survival"], where="post", color=colour, ls=ls, label=label)
    ax.fill_between(
        years, curve["lower"], curve["upper"], step="post", color=colour, alpha=alpha, lw=0
    )


def survival(runs: pd.DataFrame, steps: int, by, per_year: int, facet=None) -> Drawn:
    """Kaplan-Meier survival of the couples, one curve with its 95 % band per group.

    Parameters
    ----------
    runs : DataFrame
        The run table (``status``, ``ended``, ``step_ended`` and the ``by`` columns).
    steps : int
        Weeks every run was run for: the horizon, where couples still together are
        censored.
    by : str, list of str or None
        Column(s) whose levels make the curves.
    per_year : int
        Weeks a year, for the x axis.
    facet : str, list of str or None
        Column(s) whose levels make panels on shared axes; with none and more than
        :data:`MAX_LINES` levels of ``by``, each level gets a panel.
    """
    ok0 = finished(runs)
    by, facet = small_multiples(ok0, by, facet)
    ok, weeks, ended = _endings(runs, steps, by)
    panels = _levels(ok, facet)
    order, panel_order = _ordered(ok["_group"], ok, by), _ordered(panels, ok, facet)
    n = len(panel_order)
    fig, axes = _figure(n, ncols=min(n, 4), width=4.0 if n > 1 else 6.0, height=3.4, share=n > 1)
    frames = []
    for ax, panel in zip(axes, panel_order, strict=True):
        mask = (panels == panel).to_numpy()
        curves = surv.kaplan_meier(weeks[mask], ended[mask], ok["_group"].to_numpy()[mask], order)
        alpha = 0.2 if len(order) <= 3 else 0.08
        for i, group in enumerate(order):
            curve = curves[curves["group"] == group]
            if len(curve):
                years = curve["time"] / per_year
                survival_steps(ax, years, curve, style.colour(i), group, style.dash(i), alpha)
        ax.set_xlim(0, steps / per_year)
        ax.set_ylim(0, 1.02)
        ax.set_title(_panel_title(facet, panel) if n > 1 else "survival of couples")
        if len(curves):
            frames.append(curves.assign(years=curves["time"] / per_year, panel=panel))
    _panel_labels(fig, axes, "years since the start", "share still together")
    if len(order) > 1:
        _figure_legend(fig, axes[0], by)
    where = f", one panel per {_by_text(facet)} on shared axes" if n > 1 else ""
    caption = (
        "Kaplan-Meier estimate of the share of couples still together (step line; shade: "
        f"95 % confidence band), {_lines(by)}{where}. The lower a curve, the more of "
        "its couples have ended; where the bands of two curves part, their difference "
        "is more than chance. " + _censoring(ended, steps, ok["_group"] + " " + panels)
    )
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Drawn(fig, caption, data)


def hazard(runs: pd.DataFrame, steps: int, by, per_year: int, facet=None) -> Drawn:
    """The hazard of ending in each year (a life table), one line of steps per group and
    one panel per level of ``facet`` on shared axes.

    Runs shorter than a year get one interval, the weeks run. Parameters as
    :func:`survival`.
    """
    ok0 = finished(runs)
    by, facet = small_multiples(ok0, by, facet)
    ok, weeks, ended = _endings(runs, steps, by)
    panels = _levels(ok, facet)
    order, panel_order = _ordered(ok["_group"], ok, by), _ordered(panels, ok, facet)
    width = per_year if steps >= per_year else steps
    intervals = steps // width
    n = len(panel_order)
    fig, axes = _figure(n, ncols=min(n, 4), width=4.0 if n > 1 else 6.0, height=3.4, share=n > 1)
    edges = np.arange(intervals + 1) * width / per_year
    what = "yearly hazard of ending" if width == per_year else "hazard of ending"
    tables = []
    for ax, panel in zip(axes, panel_order, strict=True):
        mask = (panels == panel).to_numpy()
        groups = ok["_group"].to_numpy()[mask]
        table = surv.life_table(weeks[mask], ended[mask], width, intervals, groups, order)
        for i, group in enumerate(order):
            part = table[table["group"] == group]
            if len(part):
                ax.stairs(
                    part["hazard"].to_numpy(),
                    edges,
                    color=style.colour(i),
                    ls=style.dash(i),
                    lw=1.6,
                    label=group,
                    baseline=None,
                )
        ax.set_xlim(0, edges[-1])
        ax.set_ylim(bottom=0)
        ax.set_title(_panel_title(facet, panel) if n > 1 else what)
        tables.append(table.assign(panel=panel) if n > 1 else table)
    _panel_labels(
        fig,
        axes,
        "years since the start",
        "hazard of ending (share a year)" if width == per_year else "hazard of ending",
    )
    if len(order) > 1:
        if n > 1:
            _figure_legend(fig, axes[0], by)
        else:
            _legend(axes[0], by, len(order))
    span = "year" if width == per_year else f"{width} weeks"
    rest = steps - intervals * width
    where = f", one panel per {_by_text(facet)} on shared axes" if n > 1 else ""
    caption = (
        f"Hazard of ending in each {span}: the share of the couples still together at its "
        f"start that ended during it (a life table), {_lines(by)}{where}. Look for the "
        "years in which couples are most at risk, and for the line that stays highest: "
        "those couples end soonest. "
        + _censoring(ended, steps, ok["_group"] + " " + panels)
        + (f" The last {rest} weeks, less than a year, are left out." if rest else "")
    )
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    data = table.assign(start_year=table["start"] / per_year) if len(table) else table
    return Drawn(fig, caption, data)


RATIO_TICKS = (0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 20, 50)
"""Ticks of a hazard-ratio axis, on a log scale."""


COX_HEADINGS = {
    "covariate": "covariate",
    "sd": "standard deviation",
    "hazard_ratio": "hazard ratio per sd",
    "lower": "95 % low",
    "upper": "95 % high",
    "p": "p",
}
"""Headings of the Cox table a page shows."""


def cox_models(
    runs: pd.DataFrame, steps: int, covariates: Sequence[str], by
) -> dict[str, surv.Cox]:
    """A Cox model of ending on the covariates for each group of finished runs."""
    ok, weeks, ended = _endings(runs, steps, by)
    out = {}
    for group in _ordered(ok["_group"], ok, by):
        mask = (ok["_group"] == group).to_numpy()
        part = ok.loc[mask, list(covariates)]
        out[group] = surv.cox(part, weeks[mask], ended[mask])
    return out


def cox_table(models: Mapping[str, surv.Cox]) -> pd.DataFrame:
    """The hazard ratios of every fitted model, one row per group and covariate."""
    frames = [m.table.assign(group=g) for g, m in models.items() if not m.error]
    if not frames:
        return pd.DataFrame(columns=["group", *surv.COX_COLUMNS])
    table = pd.concat(frames, ignore_index=True)
    return table[["group", *surv.COX_COLUMNS]]


def cox(models: Mapping[str, surv.Cox], by_text: str = "") -> Drawn:
    """Hazard ratios of ending per standard deviation of each covariate, one panel a model.

    Parameters
    ----------
    models : mapping of str to Cox
        Per group, :func:`sim.experiment.survival.cox`'s model.
    by_text : str
        What the groups are (``population``, a factor), for the caption.
    """
    longest = max((len(m.table) for m in models.values()), default=0)
    fig, axes = _figure(len(models), width=5.4, height=0.24 * max(longest, 4) + 1.6)
    notes = []
    for ax, (group, m) in zip(axes, models.items(), strict=True):
        name = f"{by_text} = {group}" if by_text else group
        fitted = f"{m.runs:,} couples, {m.ended:,} ended, concordance {m.concordance:.2f}"
        ax.set_title(name if m.error else f"{name}\n{fitted}", fontsize=11)
        if m.error:
            ax.text(
                0.5,
                0.5,
                "no model:\n" + textwrap.fill(m.error, 48),
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=8,
            )
            ax.set_axis_off()
            notes.append(f"No model{f' for {name}' if len(models) > 1 else ''}: {m.error}.")
            continue
        t = m.table
        y = np.arange(len(t))[::-1]
        hr = t["hazard_ratio"].to_numpy(dtype=float)
        err = [hr - t["lower"].to_numpy(dtype=float), t["upper"].to_numpy(dtype=float) - hr]
        colours = [style.colour(0) if p < 0.05 else "#999999" for p in t["p"]]
        ax.errorbar(hr, y, xerr=err, fmt="none", ecolor="#666666", elinewidth=1, capsize=2)
        ax.scatter(hr, y, color=colours, zorder=3, s=18)
        ax.axvline(1.0, color="#333333", lw=0.8)
        ax.set_xscale("log")
        lo, hi = ax.get_xlim()
        ax.xaxis.set_major_locator(FixedLocator([v for v in RATIO_TICKS if lo <= v <= hi]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_yticks(y, [style.short(c) for c in t["covariate"]])
        ax.set_xlabel("hazard ratio of ending per standard deviation")
        if m.penalizer:
            notes.append(
                f"The model for {name} has a ridge penalty of {m.penalizer:g}: without one "
                "it did not converge."
            )
    dropped = {c: why for m in models.values() for c, why in m.dropped}
    constant = [c for c, why in dropped.items() if why.startswith("constant")]
    combos = [c for c, why in dropped.items() if not why.startswith("constant")]
    if constant:
        some = f"{len(constant)} covariate{'s' if len(constant) > 1 else ''}"
        notes.append(f"Left out as constant over the couples: {some}.")
    if combos:
        notes.append(f"Left out as linear combinations of the others: {', '.join(combos)}.")
    groups = f", one model per level of {by_text}" if by_text else ""
    caption = (
        "Cox proportional-hazards model of ending (lifelines, Efron ties)"
        f"{groups}: the hazard ratio of ending per standard deviation of each covariate "
        "that varies over the couples (dot; coloured when p < 0.05) with its 95 % interval "
        "(bar); above 1, couples with more of it end sooner. Couples still together at the "
        "horizon are right-censored there. " + " ".join(notes)
    ).strip()
    data = cox_table(models)
    shown = data.rename(columns=COX_HEADINGS | {"group": by_text or "group"})
    if not by_text:
        shown = shown.drop(columns=by_text or "group")
    return Drawn(fig, caption, data, shown if len(shown) else None)


def peeling_trajectory(trajectory: pd.DataFrame, chosen: int, what: str, number: int = 1) -> Drawn:
    """PRIM's peeling trajectory: the density of each step's box against its coverage.

    Parameters
    ----------
    trajectory : DataFrame
        EMA Workbench's peeling trajectory (``coverage``, ``density``, ``res_dim``...),
        as :class:`sim.experiment.discovery.Box` keeps it.
    chosen : int
        The step taken as the box.
    what : str
        The runs of interest in words (``outcome = coercive``).
    number : int
        The box's number, for the title.
    """
    t = trajectory.reset_index(drop=True)
    fig, (ax,) = _figure(1, width=6.0, height=4.4)
    ax.plot(t["coverage"], t["density"], color="#BBBBBB", lw=0.8, zorder=1)
    dims = sorted(int(d) for d in t["res_dim"].unique())
    for i, d in enumerate(dims):
        part = t[t["res_dim"] == d]
        ax.scatter(
            part["coverage"],
            part["density"],
            s=22,
            color=style.colour(i),
            label=f"{d} factor{'s' if d != 1 else ''}",
            zorder=2,
        )
    pick = t.iloc[chosen]
    ax.scatter(
        [pick["coverage"]],
        [pick["density"]],
        s=140,
        facecolors="none",
        edgecolors="black",
        linewidths=1.4,
        zorder=3,
    )
    ax.annotate(
        f"chosen: step {chosen}",
        (pick["coverage"], pick["density"]),
        xytext=(8, -14),
        textcoords="offset points",
        fontsize=8,
    )
    ax.set_xlim(-0.02, 1.05)
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("coverage (share of all runs of interest in the box, 0-1)")
    ax.set_ylabel("density (share of the box's runs of interest, 0-1)")
    ax.set_title(f"box {number}: peeling trajectory")
    ax.legend(title="restricted", loc="lower left")
    caption = (
        f"Each point is one step of PRIM's peeling trajectory (EMA Workbench) for runs with "
        f"{what}: the share of the box's runs that have it (density) against the share of "
        f"all such runs inside the box (coverage), coloured by the number of factors the box "
        f"restricts. Peeling starts from the whole factor space (coverage 1) and moves left "
        f"as it trims; the ringed point, step {chosen} of {len(t) - 1}, is the box chosen."
    )
    return Drawn(fig, caption, t)


def prim_box(limits: pd.DataFrame, coverage: float, density: float, number: int = 1) -> Drawn:
    """The limits of a PRIM box on each factor it restricts, within the runs' range.

    Parameters
    ----------
    limits : DataFrame
        The box's limits, as :attr:`sim.experiment.discovery.Box.limits` gives them.
    coverage, density : float
        The box's statistics, for the title.
    number : int
        The box's number, for the title.
    """
    n = max(len(limits), 1)
    fig, (ax,) = _figure(1, width=7.0, height=1.2 + 0.55 * n)
    ys = np.arange(len(limits))
    for y, row in zip(ys, limits.itertuples(index=False), strict=True):
        ax.barh(y, 1.0, height=0.5, color="#EEEEEE", edgecolor="#BBBBBB")
        if row.values:
            ax.text(0.5, y, f"in {{{row.values}}}", ha="center", va="center", fontsize=8)
            continue
        span = row.range_high - row.range_low
        lo = (row.low - row.range_low) / span if span > 0 else 0.0
        hi = (row.high - row.range_low) / span if span > 0 else 1.0
        ax.barh(y, hi - lo, left=lo, height=0.5, color=style.colour(0))
        ax.text(lo, y + 0.38, f"{row.low:.3g}", ha="center", va="bottom", fontsize=8)
        ax.text(hi, y + 0.38, f"{row.high:.3g}", ha="center", va="bottom", fontsize=8)
    ax.set_yticks(ys, [style.short(f) for f in limits["factor"]])
    ax.set_ylim(-0.6, len(limits) - 0.2 if len(limits) else 0.6)
    ax.invert_yaxis()
    ax.set_xlim(-0.05, 1.05)
    ax.set_xticks([0, 1], ["lowest run", "highest run"])
    ax.grid(False)
    ax.set_title(f"box {number}: coverage {coverage:.2f}, density {density:.2f}")
    caption = (
        "The box on each factor it restricts: the coloured bar spans the box's limits "
        "(numbers at its ends), the grey bar the whole range the runs cover, from the "
        "lowest run's value to the highest's; a categorical factor lists the levels kept. "
        "Factors not shown are left unrestricted."
    )
    return Drawn(fig, caption, limits.reset_index(drop=True))


def box_scatter(x: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame, number: int = 1) -> Drawn:
    """The runs on the two numeric factors a box narrows most, with the box drawn.

    Most narrowed: the box spans the least share of the runs' range on it. With one
    numeric factor restricted, the runs are spread over it in two rows: of
    interest and not. Empty when the box restricts no numeric factor.
    """
    numeric = limits[limits["values"] == ""]
    width = (numeric["high"] - numeric["low"]) / (numeric["range_high"] - numeric["range_low"])
    numeric = numeric.assign(_width=width.fillna(1.0)).sort_values("_width", kind="stable")
    numeric = numeric.reset_index(drop=True)
    fig, (ax,) = _figure(1, width=5.6, height=4.4)
    if numeric.empty:
        ax.set_visible(False)
        return Drawn(fig, "The box restricts no numeric factor.", pd.DataFrame())
    y = np.asarray(y, dtype=bool)
    first = numeric.iloc[0]
    xs = x[first["factor"]].to_numpy(dtype=np.float64)
    if len(numeric) > 1:
        second = numeric.iloc[1]
        ys = x[second["factor"]].to_numpy(dtype=np.float64)
        ylabel = style.label(second["factor"])
    else:
        second = None
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(xs))
        ys = y.astype(np.float64) + jitter
        ylabel = "of interest"
    ax.scatter(xs[~y], ys[~y], s=9, color="#AAAAAA", alpha=0.6, label="other runs")
    ax.scatter(xs[y], ys[y], s=11, color=style.colour(3), alpha=0.8, label="runs of interest")
    if second is not None:
        ax.add_patch(
            Rectangle(
                (first["low"], second["low"]),
                first["high"] - first["low"],
                second["high"] - second["low"],
                fill=False,
                edgecolor="black",
                lw=1.4,
            )
        )
    else:
        ax.axvspan(first["low"], first["high"], color=style.colour(0), alpha=0.12, lw=0)
        ax.set_yticks([0, 1], ["no", "yes"])
    ax.set_xlabel(style.label(first["factor"]))
    ax.set_ylabel(ylabel)
    ax.set_title(f"box {number} over the runs")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    shown = [first["factor"]] + ([second["factor"]] if second is not None else [])
    caption = (
        f"Every run used, on {' and '.join(shown)}: runs of interest coloured, the others "
        f"grey; the {'rectangle' if second is not None else 'shaded band'} is the box "
        f"{'on these two factors' if second is not None else 'on this factor'}"
        + (
            f" (it restricts {len(limits)} factors; the rest are not shown)."
            if len(limits) > len(shown)
            else "."
        )
    )
    data = pd.DataFrame({shown[0]: xs, "of_interest": y})
    if second is not None:
        data[shown[1]] = ys
    return Drawn(fig, caption, data)
