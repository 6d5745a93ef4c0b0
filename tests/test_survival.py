"""Survival analysis of endings: durations, Kaplan-Meier, the life-table hazard and Cox,
each against a hand computation on runs whose ending weeks are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from sim.experiment import survival as sv

# Ten couples run for 52 weeks: seven ended (0-based week), three still together.
STEP_ENDED = np.array([3, 3, 10, 20, 20, 20, 40, -1, -1, -1])
HORIZON = 52


def test_durations_count_an_ended_couple_to_its_week_and_censor_the_rest_at_the_horizon():
    weeks, ended = sv.durations(STEP_ENDED >= 0, STEP_ENDED, HORIZON)
    assert weeks.tolist() == [4, 4, 11, 21, 21, 21, 41, 52, 52, 52]
    assert ended.tolist() == [True] * 7 + [False] * 3
    with pytest.raises(ValueError, match="outside 0..51"):
        sv.durations(np.array([True]), np.array([52]), HORIZON)
    with pytest.raises(ValueError, match="outside"):
        sv.durations(np.array([True]), np.array([-1]), HORIZON)


def test_kaplan_meier_is_the_product_of_one_minus_ended_over_at_risk():
    weeks, ended = sv.durations(STEP_ENDED >= 0, STEP_ENDED, HORIZON)
    curve = sv.kaplan_meier(weeks, ended)
    # By hand: at each week a couple ended, n still together just before it and d ended.
    hand = [
        (0, 10, 0, 1.0),
        (4, 10, 2, 1 - 2 / 10),
        (11, 8, 1, (1 - 2 / 10) * (1 - 1 / 8)),
        (21, 7, 3, (1 - 2 / 10) * (1 - 1 / 8) * (1 - 3 / 7)),
        (41, 4, 1, (1 - 2 / 10) * (1 - 1 / 8) * (1 - 3 / 7) * (1 - 1 / 4)),
        (52, 3, 0, (1 - 2 / 10) * (1 - 1 / 8) * (1 - 3 / 7) * (1 - 1 / 4)),
    ]
    assert curve["time"].tolist() == [t for t, *_ in hand]
    assert curve["at_risk"].tolist() == [n for _, n, _, _ in hand]
    assert curve["ended"].tolist() == [d for _, _, d, _ in hand]
    assert curve["survival"].to_numpy() == pytest.approx([s for *_, s in hand])
    # The three still together are in every risk set up to the horizon, censored there,
    # and never counted as endings: the curve stays at 0.3, not 0.
    assert curve["censored"].tolist() == [0, 0, 0, 0, 0, 3]
    assert curve["survival"].iloc[-1] == pytest.approx(0.3)
    assert (curve["lower"] <= curve["survival"] + 1e-12).all()
    assert (curve["survival"] <= curve["upper"] + 1e-12).all()


def test_a_couple_censored_at_a_time_someone_ends_is_still_at_risk_then():
    weeks = np.array([2, 3, 3, 5, 8])
    ended = np.array([True, False, True, True, False])
    curve = sv.kaplan_meier(weeks, ended).set_index("time")
    assert curve.loc[3.0, "at_risk"] == 4  # the one censored at 3 is counted at 3
    assert curve.loc[2.0, "survival"] == pytest.approx(4 / 5)
    assert curve.loc[3.0, "survival"] == pytest.approx(4 / 5 * 3 / 4)
    assert curve.loc[5.0, "survival"] == pytest.approx(4 / 5 * 3 / 4 * 1 / 2)
    assert curve.loc[8.0, "survival"] == pytest.approx(4 / 5 * 3 / 4 * 1 / 2)


def test_kaplan_meier_of_groups_is_each_groups_own_curve_in_the_order_asked():
    weeks, ended = sv.durations(STEP_ENDED >= 0, STEP_ENDED, HORIZON)
    groups = np.array(["x", "y"] * 5)
    curves = sv.kaplan_meier(weeks, ended, groups, order=["y", "x", "absent"])
    assert list(dict.fromkeys(curves["group"])) == ["y", "x"]
    for g in ("x", "y"):
        mask = groups == g
        alone = sv.kaplan_meier(weeks[mask], ended[mask])
        mine = curves[curves["group"] == g]
        np.testing.assert_allclose(mine["survival"], alone["survival"])
        assert mine["at_risk"].iloc[0] == mask.sum()


def _hand_life_table(weeks, ended, width, intervals):
    rows = []
    for k in range(1, intervals + 1):
        start, end = (k - 1) * width, k * width
        at_risk = int((weeks > start).sum())
        d = int((ended & (weeks > start) & (weeks <= end)).sum())
        rows.append((k, at_risk, d, d / at_risk if at_risk else np.nan))
    return rows


def test_the_hazard_of_each_year_is_the_hand_computed_life_table():
    # 130 weeks: two whole years and a half; group b has no ending in year 2 and its
    # couples still together run past the last whole year.
    step = np.array([10, 51, 52, 60, 103, 120, -1, -1, 5, 30, -1, -1, -1, 125])
    groups = np.array(["a"] * 8 + ["b"] * 6)
    weeks, ended = sv.durations(step >= 0, step, 130)
    table = sv.life_table(weeks, ended, 52, 2, groups)
    for g in ("a", "b"):
        mask = groups == g
        mine = table[table["group"] == g]
        hand = _hand_life_table(weeks[mask], ended[mask], 52, 2)
        assert mine["interval"].tolist() == [k for k, *_ in hand]
        assert mine["at_risk"].tolist() == [n for _, n, _, _ in hand]
        assert mine["ended"].tolist() == [d for _, _, d, _ in hand]
        np.testing.assert_allclose(mine["hazard"], [h for *_, h in hand])
    b = table[table["group"] == "b"]
    assert b["at_risk"].tolist() == [6, 4] and b["hazard"].tolist() == [2 / 6, 0.0]
    assert table[["start", "end"]].drop_duplicates().values.tolist() == [[0, 52], [52, 104]]


def test_with_censoring_only_at_the_horizon_the_hazard_is_one_minus_the_km_ratio():
    rng = np.random.default_rng(5)
    step = np.where(rng.random(400) < 0.6, rng.integers(0, 520, 400), -1)
    weeks, ended = sv.durations(step >= 0, step, 520)
    table = sv.life_table(weeks, ended, 52, 10)
    curve = sv.kaplan_meier(weeks, ended)

    def s_at(t):
        return curve.loc[curve["time"] <= t, "survival"].iloc[-1]

    expected = [1 - s_at(52 * k) / s_at(52 * (k - 1)) for k in range(1, 11)]
    np.testing.assert_allclose(table["hazard"], expected)
    assert table["censored"].tolist() == [0] * 9 + [int((~ended).sum())]


def _proportional_hazards(n=1500, seed=3):
    """Runs whose log-hazard of ending is 2 x1 (x2 does nothing), censored at 520."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"x1": rng.uniform(0, 1, n), "x2": rng.uniform(0, 1, n)})
    t = np.ceil(rng.exponential(400 * np.exp(-2.0 * x["x1"].to_numpy())))
    ended = t <= 520
    return x, np.minimum(t, 520), ended


def test_cox_hazard_ratios_are_per_standard_deviation_of_each_covariate():
    x, weeks, ended = _proportional_hazards()
    x["same"] = 0.5
    x["sum"] = x["x1"] + x["x2"]
    model = sv.cox(x, weeks, ended)
    assert not model.error and model.penalizer == 0.0
    assert model.runs == 1500 and model.ended == int(ended.sum())
    assert dict(model.dropped) == {
        "same": "constant over the runs",
        "sum": "a linear combination of the covariates before it",
    }
    table = model.table.set_index("covariate")
    assert list(table.index) == ["x1", "x2"]
    # The same model fitted on the raw columns: a ratio per sd is exp(beta * sd).
    raw = CoxPHFitter().fit(x[["x1", "x2"]].assign(T=weeks, E=ended), "T", "E")
    sd = x[["x1", "x2"]].std(ddof=0)
    np.testing.assert_allclose(table["hazard_ratio"], np.exp(raw.params_ * sd), rtol=1e-5)
    np.testing.assert_allclose(table["sd"], sd)
    # and the true effect (log-hazard 2 per unit of x1) lies in the interval
    assert table.loc["x1", "lower"] < np.exp(2.0 * sd["x1"]) < table.loc["x1", "upper"]
    assert table.loc["x2", "lower"] < 1 < table.loc["x2", "upper"]
    assert 0.5 < model.concordance <= 1


def test_cox_without_endings_or_varying_covariates_says_why():
    x, weeks, _ = _proportional_hazards(100)
    none = sv.cox(x, weeks, np.zeros(100, dtype=bool))
    assert none.error == "no run ended, so there is no ending to model" and none.table.empty
    flat = sv.cox(pd.DataFrame({"c": np.ones(100)}), weeks, weeks < 300)
    assert flat.error == "no covariate varies over the runs"


def test_a_cox_fit_that_does_not_converge_is_refitted_with_a_penalty():
    # x separates the runs completely: those with x = 1 all end first, so that the
    # unpenalised likelihood grows without bound.
    n = 200
    x = pd.DataFrame({"x": np.repeat([0.0, 1.0], n // 2)})
    weeks = np.where(x["x"] == 1, np.arange(n) % 50 + 1, 520)
    ended = (x["x"] == 1).to_numpy()
    model = sv.cox(x, weeks, ended)
    assert not model.error and model.penalizer == sv.PENALIZER
    assert model.table["hazard_ratio"].iloc[0] > 1
