"""The relationship model as an EMA Workbench model: ``sim.ema_model``."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import sim
from sim.model import ema
from sim.model import parameters as reg

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="ipyparallel", category=UserWarning)
    from ema_workbench import (
        Constant,
        IntegerParameter,
        RealParameter,
        SequentialEvaluator,
        perform_experiments,
    )


def _direct(row, names, steps, replicates, seed, env=None):
    """The outcomes of one experiment computed straight from the engine."""
    values = {"a": {}, "b": {}, "env": dict(env or {})}
    for name in names:
        who, _, what = ema.qualified(name).partition(".")
        for side in ("a", "b") if who == "both" else (who,):
            values[side][what] = row[name]
    run = sim.simulate(
        sim.build_params(values["a"], values["b"], values["env"], replicates),
        sim.couple_keys(seed, replicates),
        steps,
    )
    return run.metrics()


def test_uncertainties_are_registry_parameters_with_its_ranges():
    model = sim.ema_model()
    names = [u.name for u in model.uncertainties]
    assert names == [ema.identifier(q) for q in ema.main_traits()]
    for u in model.uncertainties:
        p = reg.lookup(ema.qualified(u.name))
        assert isinstance(u, RealParameter) and (u.lower_bound, u.upper_bound) == (p.low, p.high)
        assert u.name.isidentifier()
    assert [o.name for o in model.outcomes] == list(ema.outcome_names())
    assert {"intimacy", "coercion_rate", "share_coercive"} <= set(ema.outcome_names())
    everything = sim.ema_model("all")
    assert len(everything.uncertainties) == 2 * len(reg.TRAITS) + len(reg.ENVIRONMENT)
    patience = everything.uncertainties["env_patience"]
    assert isinstance(patience, IntegerParameter)
    assert (patience.lower_bound, patience.upper_bound) == (
        reg.REGISTRY["patience"].low,
        reg.REGISTRY["patience"].high,
    )


def test_perform_experiments_runs_relsim_as_the_engine_does():
    names = {"a.narcissism": (0.5, 1.0), "both.growth": None, "env.patience": (4, 40)}
    outcomes = ["intimacy", "coercion_rate", "share_mutual", "share_coercive", "free_help_share"]
    model = sim.ema_model(names, outcomes, steps=60, replicates=6, seed=5)
    assert model.uncertainties["a_narcissism"].lower_bound == 0.5
    experiments, results = perform_experiments(model, 12, evaluator=SequentialEvaluator(model))
    assert len(experiments) == 12 and set(results) == set(outcomes)
    assert experiments["a_narcissism"].between(0.5, 1.0).all()
    assert experiments["env_patience"].between(4, 40).all()
    for i in (0, 7):
        row = experiments.iloc[i]
        m = _direct(row, ["a_narcissism", "both_growth", "env_patience"], 60, 6, 5)
        assert results["intimacy"][i] == pytest.approx(m["intimacy"].mean())
        assert results["coercion_rate"][i] == pytest.approx(m["coercion_rate"].mean())
        assert results["share_mutual"][i] == pytest.approx(np.mean(m["outcome"] == "mutual"))
        assert results["share_coercive"][i] == pytest.approx(np.mean(m["outcome"] == "coercive"))
        expected = np.nanmean(m["free_help_share"])
        assert results["free_help_share"][i] == pytest.approx(expected, nan_ok=True)
    # The same experiment gives the same outcomes: the couples' keys are the same.
    again = model.function(**experiments.iloc[0][list(model.uncertainties.keys())].to_dict())
    assert again["intimacy"] == results["intimacy"][0]


def test_levers_and_constants_set_registry_parameters():
    model = sim.ema_model(["a.dependency"], ["intimacy"], levers=["env.problem_rate"], steps=30)
    assert [lever.name for lever in model.levers] == ["env_problem_rate"]
    evaluator = SequentialEvaluator(model)
    experiments, results = perform_experiments(model, 2, 2, evaluator=evaluator)
    assert len(experiments) == 4 and experiments["env_problem_rate"].nunique() == 2
    for i, row in experiments.iterrows():
        m = _direct(row, ["a_dependency", "env_problem_rate"], 30, ema.REPLICATES, 0)
        assert results["intimacy"][i] == pytest.approx(m["intimacy"].mean())
    fixed = sim.ema_model(["a.dependency"], ["intimacy"], steps=30)
    fixed.constants = [Constant("env_problem_rate", 0.9)]
    experiments, results = perform_experiments(fixed, 3, evaluator=SequentialEvaluator(fixed))
    env = {"problem_rate": 0.9}
    for i in range(3):
        m = _direct(experiments.iloc[i], ["a_dependency"], 30, ema.REPLICATES, 0, env)
        assert results["intimacy"][i] == pytest.approx(m["intimacy"].mean())


def test_the_model_function_pickles_for_parallel_evaluators():
    model = sim.ema_model(["b.dependency"], ["intimacy"], steps=20, replicates=3)
    function = pickle.loads(pickle.dumps(model.function))
    assert function(b_dependency=0.4) == model.function(**{"b.dependency": 0.4})


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"uncertainties": ["a.nope"]}, "unknown parameter"),
        ({"uncertainties": {"a.narcissism": (0.2, 1.5)}}, "a.narcissism"),
        ({"uncertainties": {"a.narcissism": (0.6, 0.2)}}, "low < high"),
        ({"uncertainties": "some"}, 'or "all"'),
        ({"outcomes": ["happiness"]}, "outcome happiness"),
        ({"replicates": 0}, "at least 1"),
    ],
)
def test_bad_model_settings_raise_parameter_errors(kwargs, expected):
    with pytest.raises(reg.ParameterError, match=expected):
        sim.ema_model(**kwargs)


def test_an_unknown_parameter_at_run_time_is_named():
    model = sim.ema_model(["a.dependency"], ["intimacy"], steps=5, replicates=2)
    with pytest.raises(reg.ParameterError, match="env.nope"):
        model.function(a_dependency=0.3, env_nope=1.0)
