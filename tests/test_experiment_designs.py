"""Designs: documented point counts, SALib's own samples, scenarios crossed with factors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol

from sim.calibration.spec import is_calibration
from sim.errors import InputError
from sim.experiment.designs import design_points, factor_matrix, n_points, problem
from sim.experiment.seeding import point_keys, run_keys
from sim.experiment.spec import load_spec, parse_spec
from sim.model.batch import RELATIONSHIP, RelationshipBatch

SHIPPED = sorted(
    p for p in (Path(__file__).parents[1] / "experiments").glob("*.toml") if not is_calibration(p)
)


def spec(design: dict, **extra):
    return parse_spec({"name": "d", "description": "d", "steps": 5, "design": design, **extra})


FOUR = {
    "a.dependency": [0.0, 1.0],
    "b.narcissism": [0.0, 1.0],
    "both.growth": [0.1, 0.9],
    "both.reciprocity": [0.2, 1.0],
}


@pytest.mark.parametrize(
    "design, expected",
    [
        (
            {
                "kind": "grid",
                "factors": {"a.dependency": [0.1, 0.2, 0.3], "env.problem_rate": [0.2, 0.4]},
            },
            6,
        ),
        (
            {
                "kind": "grid",
                "factors": {"b.growth": {"low": 0, "high": 1, "num": 5}, "a.growth": [0.5]},
            },
            5,
        ),
        (
            {
                "kind": "explicit",
                "points": [{"a.dependency": 0.1}, {"b.narcissism": 0.9, "a.growth": 0.2}],
            },
            2,
        ),
        (
            {"kind": "lhs", "samples": 17, "factors": {"a.dependency": [0, 1], "b.growth": [0, 1]}},
            17,
        ),
        ({"kind": "sobol", "samples": 8, "factors": FOUR}, 8 * (4 + 2)),
        ({"kind": "sobol", "samples": 8, "second_order": True, "factors": FOUR}, 8 * (2 * 4 + 2)),
        ({"kind": "morris", "samples": 5, "levels": 6, "factors": FOUR}, 5 * (4 + 1)),
    ],
)
def test_point_counts(design, expected):
    s = spec(design)
    assert n_points(s) == expected
    assert design_points(s, RELATIONSHIP).n == expected


def test_sobol_matches_salib():
    s = spec({"kind": "sobol", "samples": 16, "factors": FOUR}, seed=42)
    names, matrix = factor_matrix(s.design)
    want = salib_sobol.sample(problem(s.design), 16, calc_second_order=False, seed=42)
    assert names == tuple(FOUR)
    np.testing.assert_array_equal(matrix, want)


def test_morris_matches_salib():
    s = spec({"kind": "morris", "samples": 6, "levels": 4, "factors": FOUR, "seed": 9})
    _, matrix = factor_matrix(s.design)
    want = salib_morris.sample(problem(s.design), 6, num_levels=4, seed=9)
    np.testing.assert_array_equal(matrix, want)


def test_lhs_one_sample_per_stratum():
    s = spec(
        {"kind": "lhs", "samples": 10, "factors": {"a.dependency": [0.2, 0.7], "b.growth": [0, 1]}}
    )
    _, m = factor_matrix(s.design)
    assert m[:, 0].min() >= 0.2 and m[:, 0].max() <= 0.7
    strata = np.floor((m[:, 1]) * 10).astype(int)
    assert sorted(strata) == list(range(10))


def test_both_sets_both_partners_and_grid_order():
    s = spec(
        {"kind": "grid", "factors": {"a.dependency": [0.1, 0.9], "both.growth": [0.2, 0.4, 0.6]}}
    )
    p = design_points(s, RELATIONSHIP)
    np.testing.assert_array_equal(p.params["a.dependency"], np.repeat([0.1, 0.9], 3))
    np.testing.assert_array_equal(p.params["a.growth"], np.tile([0.2, 0.4, 0.6], 2))
    np.testing.assert_array_equal(p.params["b.growth"], p.params["a.growth"])
    assert (p.params["b.dependency"] == RELATIONSHIP.defaults()["b.dependency"]).all()


def test_explicit_points_leave_other_factors_at_base():
    s = spec(
        {
            "kind": "explicit",
            "points": [{"a.dependency": 0.1}, {"env.patience": 10, "a.dependency": 0.5}],
        }
    )
    p = design_points(s, RELATIONSHIP)
    np.testing.assert_array_equal(p.params["a.dependency"], [0.1, 0.5])
    patience = RELATIONSHIP.defaults()["env.patience"]
    np.testing.assert_array_equal(p.params["env.patience"], [patience, 10])
    assert np.isnan(p.factors["env.patience"][0])


def test_sampled_integer_parameter_is_rounded():
    s = spec({"kind": "lhs", "samples": 20, "factors": {"env.patience": [4, 40]}})
    p = design_points(s, RELATIONSHIP)
    values = p.params["env.patience"]
    np.testing.assert_array_equal(values, np.round(values))
    assert values.min() >= 4 and values.max() <= 40


def test_run_keys_depend_only_on_seed_point_replicate():
    pts = np.array([0, 5, 5, 1000])
    reps = np.array([0, 0, 3, 7])
    keys = run_keys(1, pts, reps)
    assert len(set(keys.tolist())) == 4
    np.testing.assert_array_equal(run_keys(1, pts[2:], reps[2:]), keys[2:])
    assert not np.array_equal(run_keys(2, pts, reps), keys)
    assert point_keys(1, pts).dtype == np.uint64


@dataclass(frozen=True)
class TwoScenarios(RelationshipBatch):
    """The relationship model with two made-up scenarios, independent of scenario files."""

    def base(self, scenario: str) -> dict[str, float]:
        values = self.defaults()
        overrides = {"calm": {"env.problem_rate": 0.1}, "stormy": {"env.problem_rate": 0.9}}
        if scenario not in overrides:
            raise InputError(scenario, "", "unknown scenario")
        return {**values, **overrides[scenario], "b.narcissism": 0.7}


def test_scenarios_design_crosses_scenarios_with_factors():
    model = TwoScenarios()
    s = parse_spec(
        {
            "name": "s",
            "description": "s",
            "scenarios": ["calm", "stormy"],
            "design": {"kind": "scenarios", "factors": {"a.dependency": [0.2, 0.6, 0.8]}},
        },
        model=model,
    )
    p = design_points(s, model)
    assert n_points(s) == p.n == 6
    assert list(p.scenario) == ["calm"] * 3 + ["stormy"] * 3
    np.testing.assert_array_equal(p.params["env.problem_rate"], [0.1] * 3 + [0.9] * 3)
    np.testing.assert_array_equal(p.params["a.dependency"], [0.2, 0.6, 0.8] * 2)
    assert (p.params["b.narcissism"] == 0.7).all()


def test_unknown_scenario_is_an_input_error():
    with pytest.raises(InputError, match="unknown scenario"):
        parse_spec(
            {
                "name": "s",
                "description": "s",
                "scenarios": ["calm", "windy"],
                "design": {"kind": "scenarios"},
            },
            model=TwoScenarios(),
        )


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_experiments_are_valid_and_small(path):
    if 'scenarios = "all"' in path.read_text():
        scenario = pytest.importorskip("sim.scenario")
        if not scenario.list_scenarios():
            pytest.skip("no scenario files yet to compare")
    s = load_spec(path)
    assert s.name == path.stem
    assert len(s.description.split()) >= 20
    runs = n_points(s) * s.replicates
    assert runs <= s.max_runs
    assert runs * s.steps <= 30_000_000  # minutes, not hours, on two cores


def test_all_scenarios_through_the_scenario_loader(monkeypatch):
    scenario = pytest.importorskip("sim.scenario")

    @dataclass(frozen=True)
    class Fake:
        name: str
        a: dict
        b: dict
        env: dict

    fakes = {
        "calm": Fake("calm", {"dependency": 0.1}, {}, {"problem_rate": 0.2}),
        "stormy": Fake("stormy", {}, {"narcissism": 0.9}, {"problem_rate": 0.8}),
    }

    def load(name):
        if name not in fakes:
            raise InputError(name, "", "unknown scenario")
        return fakes[name]

    monkeypatch.setattr(scenario, "list_scenarios", lambda: sorted(fakes))
    monkeypatch.setattr(scenario, "load_scenario", load)
    s = parse_spec(
        {
            "name": "all",
            "description": "every scenario",
            "scenarios": "all",
            "design": {"kind": "scenarios", "factors": {"b.growth": [0.3, 0.7]}},
        }
    )
    assert s.scenarios == ("calm", "stormy")
    p = design_points(s, RELATIONSHIP)
    np.testing.assert_array_equal(p.params["env.problem_rate"], [0.2, 0.2, 0.8, 0.8])
    d = RELATIONSHIP.defaults()
    np.testing.assert_array_equal(p.params["a.dependency"], [0.1, 0.1] + [d["a.dependency"]] * 2)
    np.testing.assert_array_equal(p.params["b.narcissism"], [d["b.narcissism"]] * 2 + [0.9, 0.9])
    np.testing.assert_array_equal(p.params["b.growth"], [0.3, 0.7, 0.3, 0.7])
