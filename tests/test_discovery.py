"""Scenario discovery: EMA Workbench's PRIM on run tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiment import discovery as sd


def _factors(n: int, seed: int) -> pd.DataFrame:
    """Three factors sampled uniformly on [0, 1], as an LHS sweep's run table has them."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {name: rng.uniform(0, 1, n) for name in ("a.narcissism", "a.dependency", "b.dependency")}
    )


@pytest.mark.parametrize("threshold", [0.35, 0.6])
def test_prim_finds_the_threshold_of_the_one_factor_that_decides(threshold):
    x = _factors(500, seed=4)
    y = (x["a.narcissism"] > threshold).to_numpy()
    (box,) = sd.prim_boxes(x, y)
    assert box.restricted == ("a.narcissism",)
    (limit,) = box.limits.itertuples(index=False)
    assert limit.low == pytest.approx(threshold, abs=0.05)
    assert limit.high == limit.range_high == x["a.narcissism"].max()
    assert box.density >= sd.DENSITY and box.coverage > 0.9
    assert limit.qp_low < 1e-6 and np.isnan(limit.qp_high)  # only the lower limit is peeled


def test_box_statistics_are_those_of_the_runs_inside_its_limits():
    x = _factors(400, seed=9)
    noise = np.random.default_rng(1).normal(0, 0.08, len(x))
    intimacy = pd.Series(1.0 - x["b.dependency"] + noise)
    y = sd.Target("intimacy", below=0.3).hits(intimacy)
    boxes = sd.prim_boxes(x, y, boxes=2)
    first = boxes[0]
    assert "b.dependency" in first.restricted
    limit = first.limits.set_index("factor").loc["b.dependency"]
    assert limit.low > 0.55 and limit.high == limit.range_high
    inside = first.contains(x)
    assert first.n == inside.sum() and first.k == y[inside].sum()
    assert first.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert first.density == pytest.approx(y[inside].mean())
    assert first.mass == pytest.approx(inside.mean())
    # A second box is sought among the runs the first leaves out.
    if len(boxes) > 1:
        second = boxes[1]
        outside = ~inside
        assert second.number == 2 and second.n == (second.contains(x) & outside).sum()


def test_a_categorical_factor_keeps_the_levels_of_interest():
    rng = np.random.default_rng(3)
    x = _factors(600, seed=3).assign(**{sd.SCENARIO_FACTOR: rng.choice(["p", "q", "r"], 600)})
    y = ((x["a.dependency"] > 0.5) & (x[sd.SCENARIO_FACTOR] == "q")).to_numpy()
    (box,) = sd.prim_boxes(x, y)
    limits = box.limits.set_index("factor")
    assert limits.loc[sd.SCENARIO_FACTOR, "values"] == "q"
    assert limits.loc["a.dependency", "low"] == pytest.approx(0.5, abs=0.06)
    assert box.contains(x).sum() == box.n


def test_choose_takes_the_most_covering_box_dense_enough_else_the_densest():
    t = pd.DataFrame(
        {
            "coverage": [1.0, 0.95, 0.9, 0.7, 0.5],
            "density": [0.2, 0.5, 0.81, 0.9, 0.95],
            "res_dim": [0, 1, 1, 2, 2],
        }
    )
    assert sd.choose(t, 0.8) == 2
    assert sd.choose(t, 0.9) == 3
    assert sd.choose(t, 0.99) == 4  # none reaches it: the densest
    assert sd.choose(t, 0.1) == 0  # the whole space is dense enough


def test_targets_say_what_they_select():
    values = pd.Series([0.1, 0.25, 0.5, np.nan, 0.9])
    assert sd.Target("intimacy", below=0.3).hits(values).tolist() == [1, 1, 0, 0, 0]
    assert sd.Target("intimacy", above=0.3).hits(values).tolist() == [0, 0, 1, 0, 1]
    band = sd.Target("intimacy", above=0.2, below=0.6)
    assert band.hits(values).tolist() == [0, 1, 1, 0, 0]
    assert band.describe() == "0.2 < intimacy < 0.6"
    assert band.slug == "intimacy_above_0.2_below_0.6"
    cls = sd.Target("outcome", value="coercive")
    assert cls.hits(pd.Series(["mutual", "coercive"])).tolist() == [False, True]
    assert (cls.describe(), cls.slug) == ("outcome = coercive", "coercive")
    for bad in (
        {"column": "intimacy"},
        {"column": "outcome", "value": "coercive", "above": 0.1},
        {"column": "intimacy", "above": 0.6, "below": 0.2},
        {"column": "intimacy", "below": float("nan")},
    ):
        with pytest.raises(ValueError):
            sd.Target(**bad)
