"""Survival analysis of runs that can end: Kaplan-Meier curves, life tables, Cox models.

Nothing here knows a model. A run is the number of steps it lasted and whether it
ended (the event) or was still going at the horizon, where it is right-censored: a
run that ended in step ``s`` (0-based) lasted ``s + 1`` steps; one still going after
the last of ``horizon`` steps is censored at ``horizon``, so that it counts in the
risk set of every time up to the horizon and never as an ending. lifelines does the
estimation: :class:`lifelines.KaplanMeierFitter` the survival curves and their 95 %
bands (exponential Greenwood), :func:`lifelines.utils.survival_table_from_events` the
life table behind the hazard of each interval, :class:`lifelines.CoxPHFitter` the
proportional hazards of covariates.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

CONFIDENCE = 0.95
"""Level of the Kaplan-Meier bands and of the Cox intervals."""

PENALIZER = 0.1
"""Ridge penalty of a Cox model refitted after a fit without one failed to converge."""

ALL = "all runs"
"""The group of every run, when no groups are given."""


def durations(
    ended: np.ndarray, step_ended: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Steps each run lasted and whether it ended (``False``: censored at the horizon).

    Parameters
    ----------
    ended : ndarray of bool
        Whether each run ended within the horizon.
    step_ended : ndarray of int
        The 0-based step in which it ended (ignored for runs that did not end).
    horizon : int
        Steps every run was run for.

    Raises
    ------
    ValueError
        When an ended run's step lies outside ``0 .. horizon - 1``.
    """
    ended = np.asarray(ended, dtype=bool)
    step = np.asarray(step_ended, dtype=np.int64)
    bad = ended & ((step < 0) | (step >= horizon))
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} ended run(s) with a step outside 0..{horizon - 1}, "
            f"e.g. {int(step[bad][0])}"
        )
    return np.where(ended, step + 1, int(horizon)), ended


def _groups(n: int, groups, order) -> tuple[np.ndarray, list]:
    labels = np.full(n, ALL, dtype=object) if groups is None else np.asarray(groups, dtype=object)
    names = list(order) if order is not None else list(dict.fromkeys(labels))
    return labels, names


def kaplan_meier(
    duration: np.ndarray,
    observed: np.ndarray,
    groups: Sequence | np.ndarray | None = None,
    order: Sequence | None = None,
) -> pd.DataFrame:
    """The Kaplan-Meier survival of each group, with its 95 % confidence band.

    Parameters
    ----------
    duration, observed : ndarray
        Steps each run lasted and whether it ended (see :func:`durations`).
    groups : array, optional
        A label per run; default: every run in one group, :data:`ALL`.
    order : sequence, optional
        The groups in the order wanted (default: first appearance); a group with no
        run is left out.

    Returns
    -------
    DataFrame
        One row per group at time 0 and at each time a run of it ended or was
        censored: ``group``, ``time`` (steps), ``at_risk`` (runs going just before
        it), ``ended``, ``censored`` (at it), ``survival`` (the estimate just after
        it: the product of ``1 - ended / at_risk`` up to it) and the band ``lower``,
        ``upper``.
    """
    from lifelines import KaplanMeierFitter  # imported when used: lifelines is slow to load

    duration = np.asarray(duration, dtype=np.float64)
    observed = np.asarray(observed, dtype=bool)
    labels, names = _groups(len(duration), groups, order)
    parts = []
    for name in names:
        mask = labels == name
        if not mask.any():
            continue
        fitter = KaplanMeierFitter(alpha=1 - CONFIDENCE).fit(duration[mask], observed[mask])
        table = fitter.event_table
        curve = fitter.survival_function_.iloc[:, 0].reindex(table.index)
        band = fitter.confidence_interval_survival_function_.reindex(table.index)
        parts.append(
            pd.DataFrame(
                {
                    "group": name,
                    "time": table.index.to_numpy(dtype=np.float64),
                    "at_risk": table["at_risk"].to_numpy(dtype=np.int64),
                    "ended": table["observed"].to_numpy(dtype=np.int64),
                    "censored": table["censored"].to_numpy(dtype=np.int64),
                    "survival": curve.to_numpy(dtype=np.float64),
                    "lower": band.iloc[:, 0].to_numpy(dtype=np.float64),
                    "upper": band.iloc[:, 1].to_numpy(dtype=np.float64),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def life_table(
    duration: np.ndarray,
    observed: np.ndarray,
    width: int,
    intervals: int,
    groups: Sequence | np.ndarray | None = None,
    order: Sequence | None = None,
) -> pd.DataFrame:
    """The life table of each group over intervals of ``width`` steps: the hazard of each.

    The hazard of an interval is the share of the runs still going at its start that
    end during it. Runs censored only at the horizon, and the horizon at the end of
    the last interval or after it, make it exactly one minus the ratio of the
    Kaplan-Meier survival at the interval's end to that at its start.

    Parameters
    ----------
    duration, observed : ndarray
        Steps each run lasted and whether it ended (see :func:`durations`).
    width : int
        Steps an interval (52 for years of weeks).
    intervals : int
        How many intervals from step 0.
    groups, order
        As :func:`kaplan_meier`.

    Returns
    -------
    DataFrame
        One row per group and interval: ``group``, ``interval`` (1, 2...), ``start``
        and ``end`` (steps: the interval holds the durations ``start < t <= end``),
        ``at_risk`` (going at its start), ``ended``, ``censored`` (during it) and
        ``hazard`` (``ended / at_risk``, NaN when none was at risk).
    """
    from lifelines.utils import survival_table_from_events

    duration = np.asarray(duration, dtype=np.float64)
    observed = np.asarray(observed, dtype=bool)
    labels, names = _groups(len(duration), groups, order)
    edges = np.arange(intervals + 1, dtype=np.float64) * width
    parts = []
    for name in names:
        mask = labels == name
        if not mask.any():
            continue
        d = duration[mask]
        # One more edge past the last duration, so that the runs going beyond the
        # last interval stand in the table that lifelines back-fills at-risk counts from.
        cut = np.append(edges, max(edges[-1], d.max()) + 1.0)
        table = survival_table_from_events(d, observed[mask], intervals=cut).iloc[:intervals]
        at_risk = table["at_risk"].to_numpy(dtype=np.int64)
        ended = table["observed"].to_numpy(dtype=np.int64)
        parts.append(
            pd.DataFrame(
                {
                    "group": name,
                    "interval": np.arange(1, intervals + 1),
                    "start": edges[:-1].astype(np.int64),
                    "end": edges[1:].astype(np.int64),
                    "at_risk": at_risk,
                    "ended": ended,
                    "censored": table["censored"].to_numpy(dtype=np.int64),
                    "hazard": np.where(at_risk > 0, ended / np.maximum(at_risk, 1), np.nan),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


@dataclass(frozen=True)
class Cox:
    """A Cox proportional-hazards model of ending on covariates, or why there is none.

    Attributes
    ----------
    table : DataFrame
        One row per covariate in the model: ``covariate``, ``sd`` (its standard
        deviation over the runs), ``hazard_ratio`` (of ending, per standard
        deviation), its 95 % interval ``lower``, ``upper``, and ``p`` (Wald test).
    runs, ended : int
        Runs in the model and how many of them ended (the rest are censored).
    dropped : tuple of (str, str)
        Covariates left out and why: constant over the runs, or a linear
        combination of covariates before them.
    penalizer : float
        The ridge penalty of the fit (0 unless a fit without one failed to converge).
    concordance : float
        Harrell's concordance index of the fitted model.
    error : str
        Why no model was fitted; empty when one was.
    """

    table: pd.DataFrame
    runs: int
    ended: int
    dropped: tuple[tuple[str, str], ...] = ()
    penalizer: float = 0.0
    concordance: float = float("nan")
    error: str = ""


COX_COLUMNS = ("covariate", "sd", "hazard_ratio", "lower", "upper", "p")
"""Columns of :attr:`Cox.table`."""


COLLINEAR = 1e-9
"""A covariate whose share of variance left unexplained by the covariates before it is
below this is a linear combination of them (``1 - R^2`` of its regression on them)."""


def _independent(z: np.ndarray, names: Sequence[str]) -> tuple[list[int], list[str]]:
    """Standardised columns of ``z`` kept in order while each is no linear combination of
    those kept before it; the names of the others."""
    gram = z.T @ z / max(len(z), 1)
    kept: list[int] = []
    dropped = []
    for j, name in enumerate(names):
        v = gram[kept, j]
        left = gram[j, j] - (v @ np.linalg.solve(gram[np.ix_(kept, kept)], v) if kept else 0.0)
        if left > COLLINEAR:
            kept.append(j)
        else:
            dropped.append(name)
    return kept, dropped


def cox(covariates: pd.DataFrame, duration: np.ndarray, observed: np.ndarray) -> Cox:
    """Fit lifelines' Cox proportional-hazards model of ending on the covariates.

    Each covariate is standardised first, so that a hazard ratio is per standard
    deviation and ratios compare across covariates; constant ones, and ones that are
    a linear combination of those before them, are left out (:attr:`Cox.dropped`).
    A fit that does not converge is tried again with a ridge penalty of
    :data:`PENALIZER`; if that fails too, or no run ended, :attr:`Cox.error` says why.

    Parameters
    ----------
    covariates : DataFrame
        One numeric column per covariate, one row per run.
    duration, observed : ndarray
        Steps each run lasted and whether it ended (see :func:`durations`).
    """
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    duration = np.asarray(duration, dtype=np.float64)
    observed = np.asarray(observed, dtype=bool)
    x = covariates.astype(np.float64).reset_index(drop=True)
    n, events = len(x), int(observed.sum())
    sd = x.std(ddof=0)
    varying = [c for c in x.columns if x[c].nunique() > 1]
    dropped = [(c, "constant over the runs") for c in x.columns if c not in varying]
    z = ((x[varying] - x[varying].mean()) / sd[varying]).to_numpy()
    kept, combos = _independent(z, varying)
    dropped += [(c, "a linear combination of the covariates before it") for c in combos]
    names = [varying[j] for j in kept]
    empty = pd.DataFrame(columns=list(COX_COLUMNS))

    def failed(error: str) -> Cox:
        return Cox(empty, n, events, tuple(dropped), error=error)

    if events == 0:
        return failed("no run ended, so there is no ending to model")
    if not names:
        return failed("no covariate varies over the runs")
    data = pd.DataFrame(z[:, kept], columns=names)
    data["_duration"], data["_ended"] = duration, observed.astype(np.int8)
    why = ""
    for penalizer in (0.0, PENALIZER):
        fitter = CoxPHFitter(penalizer=penalizer, alpha=1 - CONFIDENCE)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            try:
                fitter.fit(data, duration_col="_duration", event_col="_ended")
            except ConvergenceError as err:
                why = str(err).strip().splitlines()[0]
                continue
        trouble = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
        if trouble:
            why = str(trouble[0].message).strip().splitlines()[0]
            continue
        s = fitter.summary
        level = f"{100 * CONFIDENCE:g}%"
        table = pd.DataFrame(
            {
                "covariate": names,
                "sd": sd[names].to_numpy(),
                "hazard_ratio": s["exp(coef)"].to_numpy(),
                "lower": s[f"exp(coef) lower {level}"].to_numpy(),
                "upper": s[f"exp(coef) upper {level}"].to_numpy(),
                "p": s["p"].to_numpy(),
            }
        )
        return Cox(
            table,
            n,
            events,
            tuple(dropped),
            penalizer,
            float(fitter.concordance_index_),
        )
    return failed(
        f"the Cox model did not converge, neither without a penalty nor with a ridge "
        f"penalty of {PENALIZER:g} ({why})"
    )
