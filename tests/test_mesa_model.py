"""The Mesa face: agents are views on the arrays, DataCollector and batch_run work."""

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.engine import build_params, simulate


def _run(model, steps):
    for _ in range(steps):
        model.step()
    return model


def test_same_rng_gives_identical_frames_and_another_rng_differs():
    kwargs = dict(a={"dependency": 0.6}, b={"narcissism": 0.5}, n_couples=20, steps=60)
    first = _run(sim.RelationshipModel(rng=7, **kwargs), 60)
    again = _run(sim.RelationshipModel(rng=7, **kwargs), 60)
    other = _run(sim.RelationshipModel(rng=8, **kwargs), 60)
    m1 = first.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(m1, again.datacollector.get_model_vars_dataframe())
    pd.testing.assert_frame_equal(
        first.datacollector.get_agent_vars_dataframe(),
        again.datacollector.get_agent_vars_dataframe(),
    )
    assert not m1.equals(other.datacollector.get_model_vars_dataframe())
    assert len(m1) == 61 and {"intimacy", "satisfaction", "resentment", "ended_share"} <= set(m1)


def test_model_steps_the_same_engine_as_a_batch():
    model = _run(sim.RelationshipModel(a={"growth": 0.9}, n_couples=5, rng=3), 100)
    batch = simulate(build_params({"growth": 0.9}, None, None, 5), sim.couple_keys(3, 5), 100)
    np.testing.assert_array_equal(model.state.intimacy, batch.state.intimacy)
    np.testing.assert_array_equal(model.state.satisfaction, batch.state.satisfaction)


def test_agents_are_views_on_the_arrays():
    model = sim.RelationshipModel(a={"dependency": 0.7}, b={"dependency": 0.1}, n_couples=3, rng=1)
    assert len(model.agents) == 6
    a0 = model.partners[0][0]
    assert a0.role == "a" and a0.partner.role == "b" and a0.partner.couple == 0
    assert a0.traits["dependency"] == 0.7
    a0.goodwill = 0.123
    assert model.state.goodwill[0, 0] == 0.123
    _run(model, 10)
    assert a0.satisfaction == model.state.satisfaction[0, 0]
    dependent = model.agents.select(lambda ag: ag.traits["dependency"] > 0.5)
    assert len(dependent) == 3
    by_role = model.agents.groupby("role").agg("goodwill", np.mean)
    assert set(by_role) == {"a", "b"}


def test_running_stops_at_the_horizon_and_when_every_couple_has_ended():
    model = sim.RelationshipModel(n_couples=2, steps=15, rng=1)
    while model.running:
        model.step()
    assert model.steps == 15
    harsh = sim.RelationshipModel(
        a={"dependency": 1.0, "assertiveness": 0.0, "expectation": 1.0},
        b={"narcissism": 1.0, "responsiveness": 0.0},
        env={"patience": 1, "commitment_threshold": 1.0},
        n_couples=3,
        steps=520,
        rng=1,
    )
    while harsh.running:
        harsh.step()
    assert harsh.steps < 520 and not harsh.state.active.any()


def test_batch_run_over_two_values_and_two_seeds_returns_the_expected_rows():
    results = mesa.batch_run(
        sim.RelationshipModel,
        parameters={"a_dependency": [0.2, 0.8], "n_couples": 3, "collect_agents": False},
        rng=[1, 2],
        max_steps=30,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    assert len(df) == 4
    assert sorted(df["a_dependency"]) == [0.2, 0.2, 0.8, 0.8]
    assert (df["Step"] == 30).all()
    assert df["intimacy"].between(0, 1).all()
    same_seed = df[df["rng"] == 1].sort_values("a_dependency")
    assert same_seed["goodwill"].iloc[0] != same_seed["goodwill"].iloc[1]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"a_dependncy": 0.2}, "a.dependncy"),
        ({"env_patience": 0.5}, "env.patience"),
        ({"b": {"growth": float("nan")}}, "b.growth"),
        ({"q_growth": 0.2}, "q_growth"),
    ],
)
def test_invalid_model_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(sim.ParameterError) as err:
        sim.RelationshipModel(rng=1, **kwargs)
    assert err.value.name == name


def test_both_prefix_sets_both_partners():
    model = sim.RelationshipModel(both_growth=0.9, rng=1)
    assert model.partners[0][0].traits["growth"] == 0.9 == model.partners[1][0].traits["growth"]
