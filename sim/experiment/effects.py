"""Effect sizes of a study's factors on its metrics, and its outcome classes by level.

A factor's effect on a metric is the difference of the metric's mean between the runs
at the factor's highest level and those at its lowest, with a normal 95 % interval
(Welch's standard error). A factor sampled over a range (Latin hypercube, Sobol,
Morris) has no levels: its lowest and highest quarter of runs take their place. Runs
of the other factors are pooled, which the designs balance. Everything here takes a
run table and names; it knows no model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

Z95 = 1.959963984540054
"""The 97.5th percentile of the standard normal: half a 95 % interval in standard errors."""

MAX_LEVELS = 8
"""A numeric factor with more distinct values than this is split into quarters."""

EFFECT_COLUMNS = (
    "factor",
    "metric",
    "low",
    "high",
    "runs_low",
    "runs_high",
    "mean_low",
    "mean_high",
    "difference",
    "ci_low",
    "ci_high",
    "standardized",
)
"""Columns of :func:`factor_effects`' table."""


def finished(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs whose status is ``ok``: the table itself when none failed, so that a
    million runs are not copied for each figure (do not modify it in place)."""
    done = runs["status"] == "ok"
    return runs if done.all() else runs[done]


def level_codes(values: pd.Series) -> tuple[pd.Series, list[str]]:
    """Each run's level of a factor as text, and the levels in order.

    Numeric factors with at most :data:`MAX_LEVELS` values keep their values; with more
    they are cut into quarters of runs (``0.02 to 0.26``); others keep their text. The
    levels are a categorical series (a small code a run, its text once a level), so
    that a million runs make no million strings.
    """
    if pd.api.types.is_numeric_dtype(values) and values.nunique() > MAX_LEVELS:
        bins = pd.qcut(values, 4, duplicates="drop")
        low = float(values.min())
        order = [f"{max(iv.left, low):.2f} to {iv.right:.2f}" for iv in bins.cat.categories]
        return bins.cat.rename_categories(order), order
    if pd.api.types.is_numeric_dtype(values):
        levels = np.sort(values.dropna().unique())
        order = [f"{v:g}" for v in levels]
        codes = np.where(values.isna(), -1, np.searchsorted(levels, values.to_numpy()))
        return pd.Series(pd.Categorical.from_codes(codes, order), index=values.index), order
    text = values.astype(str)
    order = sorted(text.unique())
    return pd.Series(pd.Categorical(text, categories=order), index=values.index), order


def _mean(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else np.nan


def _contrast(low: np.ndarray, high: np.ndarray) -> tuple[float, float, float, float]:
    """Difference of means (high minus low), its 95 % interval, and it over the pooled sd."""
    low, high = low[~np.isnan(low)], high[~np.isnan(high)]
    if len(low) < 2 or len(high) < 2:
        return (np.nan,) * 4
    diff = float(high.mean() - low.mean())
    se = float(np.sqrt(low.var(ddof=1) / len(low) + high.var(ddof=1) / len(high)))
    pooled = float(np.sqrt(0.5 * (low.var(ddof=1) + high.var(ddof=1))))
    standardized = diff / pooled if pooled > 0 else (0.0 if diff == 0 else np.nan)
    return diff, diff - Z95 * se, diff + Z95 * se, standardized


def factor_effects(
    runs: pd.DataFrame, factors: Sequence[str], metrics: Sequence[str]
) -> pd.DataFrame:
    """The effect of each numeric factor on each metric: highest level minus lowest.

    Parameters
    ----------
    runs : DataFrame
        Finished runs: a column per factor and per metric.
    factors : sequence of str
        Factor columns; those that are not numeric or hold one value are skipped.
    metrics : sequence of str
        Metric columns.

    Returns
    -------
    DataFrame
        One row per factor and metric (:data:`EFFECT_COLUMNS`): the two levels compared,
        their runs and means, the difference with its 95 % interval, and the difference
        over the pooled standard deviation of the two groups (Cohen's d).
    """
    rows = []
    for factor in factors:
        values = runs[factor]
        if not pd.api.types.is_numeric_dtype(values) or values.nunique() < 2:
            continue
        codes, order = level_codes(values)
        lo_mask, hi_mask = (codes == order[0]).to_numpy(), (codes == order[-1]).to_numpy()
        for metric in metrics:
            x = runs[metric].to_numpy(dtype=np.float64)
            lo, hi = x[lo_mask], x[hi_mask]
            diff, ci_lo, ci_hi, d = _contrast(lo, hi)
            rows.append(
                (
                    factor,
                    metric,
                    order[0],
                    order[-1],
                    int(lo_mask.sum()),
                    int(hi_mask.sum()),
                    _mean(lo),
                    _mean(hi),
                    diff,
                    ci_lo,
                    ci_hi,
                    d,
                )
            )
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


def outcome_shares(runs: pd.DataFrame, factor: str, classes: Sequence[str]) -> pd.DataFrame:
    """The share of runs in each outcome class at each level of a factor.

    Returns
    -------
    DataFrame
        One row per level, in order (index named after the factor), a column ``runs``
        then one per class of ``classes`` that occurs.
    """
    codes, order = level_codes(runs[factor])
    shares = pd.crosstab(codes, runs["outcome"], normalize="index").reindex(order).fillna(0.0)
    present = [c for c in classes if c in shares.columns]
    present += [c for c in shares.columns if c not in present]
    out = shares[present]
    out.insert(0, "runs", codes.value_counts().reindex(order).fillna(0).astype(int))
    return out.rename_axis(factor)


def leading_class(runs: pd.DataFrame, rows: str, columns: str) -> pd.DataFrame:
    """The most common outcome class and its share in each cell of two factors.

    Returns
    -------
    DataFrame
        Levels of ``rows`` down, levels of ``columns`` across; each cell the class and
        its share of the cell's runs (``mutual 64%``), empty where no run is.
    """
    r_codes, r_order = level_codes(runs[rows])
    c_codes, c_order = level_codes(runs[columns])
    frame = pd.DataFrame({"r": r_codes, "c": c_codes, "outcome": runs["outcome"].astype(str)})
    cells = {}
    for (r, c), part in frame.groupby(["r", "c"], observed=True):
        counts = part["outcome"].value_counts()
        cells[(r, c)] = f"{counts.index[0]} {counts.iloc[0] / len(part):.0%}"
    table = pd.DataFrame(
        [[cells.get((r, c), "") for c in c_order] for r in r_order], index=r_order, columns=c_order
    )
    return table.rename_axis(index=rows, columns=columns)
