"""Kaplan-Meier survival of simulated couples: the share still together by year.

Couples still together at the end of a run are censored there; those that ended are
events at the week they ended. The estimate is lifelines' Kaplan-Meier fitter.
"""

from __future__ import annotations

import pandas as pd
from lifelines import KaplanMeierFitter

from sim.validation.couples import WEEKS_PER_YEAR, Couples


def kaplan_meier(couples: Couples) -> pd.DataFrame:
    """The Kaplan-Meier survival curve of a population's couples, in years.

    Returns
    -------
    DataFrame
        ``years`` (time since the start), ``survival`` (estimated share still
        together) and its 95 % confidence band ``lower`` and ``upper``, one row per
        time at which a couple ended or was censored, from 0.
    """
    weeks, ended = couples.durations()
    fitter = KaplanMeierFitter().fit(weeks / WEEKS_PER_YEAR, event_observed=ended)
    curve = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_survival_function_
    return pd.DataFrame(
        {
            "years": curve.index.to_numpy(dtype=float),
            "survival": curve.to_numpy(),
            "lower": band.iloc[:, 0].to_numpy(),
            "upper": band.iloc[:, 1].to_numpy(),
        }
    )


def survival_at(curve: pd.DataFrame, years: float) -> float:
    """The curve's survival at ``years`` (the last step at or before it)."""
    before = curve[curve["years"] <= years]
    return float(before["survival"].iloc[-1]) if len(before) else 1.0
