"""Kaplan-Meier survival of simulated couples: the share still together by year.

Couples still together at the end of a run are censored there; those that ended are
events at the week they ended. The estimate is lifelines' Kaplan-Meier fitter, through
:func:`sim.experiment.survival.kaplan_meier`.
"""

from __future__ import annotations

import pandas as pd

from sim.experiment import survival
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
    curve = survival.kaplan_meier(weeks, ended)
    years = curve["time"] / WEEKS_PER_YEAR
    return curve[["survival", "lower", "upper"]].assign(years=years)[
        ["years", "survival", "lower", "upper"]
    ]


def survival_at(curve: pd.DataFrame, years: float) -> float:
    """The curve's survival at ``years`` (the last step at or before it)."""
    before = curve[curve["years"] <= years]
    return float(before["survival"].iloc[-1]) if len(before) else 1.0
