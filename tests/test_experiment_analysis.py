"""Another model through the same machinery, and sensitivity indices with known answers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sim.errors import InputError
from sim.experiment.analysis import results_spec, sensitivity
from sim.experiment.batch import BatchModel, BatchResult
from sim.experiment.runner import load_timeseries, run_experiment
from sim.experiment.spec import parse_spec


@dataclass(frozen=True)
class Range:
    low: float = 0.0
    high: float = 1.0
    default: float = 0.5
    integer: bool = False


@dataclass(frozen=True)
class Linear:
    """A toy batch model: y = x1 + 0.1 x2 (x3 has no effect), plus a noise metric."""

    name: str = "linear"

    def factor_names(self):
        return ("x1", "x2", "x3")

    def lookup(self, name):
        if name not in self.factor_names():
            raise ValueError(f"{name}: unknown parameter; expected x1, x2 or x3")
        return Range()

    def columns(self, name):
        return (name,)

    def defaults(self):
        return {"x1": 0.5, "x2": 0.5, "x3": 0.5}

    def scenario_names(self):
        return ()

    def base(self, scenario):
        if scenario != "default":
            raise InputError(scenario, "", "unknown scenario")
        return self.defaults()

    def series_names(self):
        return ("y",)

    def metric_names(self):
        return ("y", "noise")

    def fingerprint(self):
        return "linear-1"

    def run(self, params, keys, steps, record_every=0, series=()):
        y = params["x1"] + 0.1 * params["x2"]
        noise = (np.asarray(keys) % np.uint64(1000)).astype(np.float64) / 1000
        recorded = np.arange(0, steps + 1, record_every) if record_every else np.zeros(0)
        out = {"y": np.tile(y, (len(recorded), 1)) * recorded[:, None] / steps} if series else {}
        return BatchResult({"y": y, "noise": noise}, recorded.astype(np.int64), out)


def spec(design, **extra):
    data = {"name": "lin", "description": "toy", "steps": 4, "design": design, **extra}
    return parse_spec(data, source="lin.toml", model=Linear())


def test_toy_model_is_a_batch_model_and_runs_through_the_runner(tmp_path):
    model = Linear()
    assert isinstance(model, BatchModel)
    s = spec(
        {"kind": "grid", "factors": {"x1": [0.0, 1.0], "x2": [0.5]}},
        replicates=2,
        metrics={"series": ["y"], "record_every": 2},
    )
    runs = run_experiment(s, executor="serial", out=tmp_path / "lin", quiet=True, model=model)
    assert list(runs["x1"]) == [0.0, 0.0, 1.0, 1.0]
    np.testing.assert_allclose(runs["y"], [0.05, 0.05, 1.05, 1.05])
    series = load_timeseries(tmp_path / "lin")
    assert list(series["step"][:3]) == [0, 2, 4]
    np.testing.assert_allclose(series["y"][:3], [0.0, 0.025, 0.05])


def test_unknown_toy_factor_is_an_input_error():
    with pytest.raises(InputError, match="x9"):
        spec({"kind": "grid", "factors": {"x9": [0.1]}})


def test_sobol_indices_find_the_factor_that_matters(tmp_path):
    factors = {"x1": [0, 1], "x2": [0, 1], "x3": [0, 1]}
    s = spec({"kind": "sobol", "samples": 256, "factors": factors}, seed=3)
    run_experiment(s, executor="serial", out=tmp_path / "s", quiet=True, model=Linear())
    assert results_spec(tmp_path / "s", Linear()).design == s.design
    idx = sensitivity(tmp_path / "s", "y", Linear()).set_index("factor")
    assert idx.loc["x1", "S1"] == pytest.approx(1 / 1.01, abs=0.05)
    assert idx.loc["x2", "ST"] == pytest.approx(0.01 / 1.01, abs=0.01)
    assert abs(idx.loc["x3", "ST"]) < 1e-9


def test_morris_elementary_effects_are_the_slopes(tmp_path):
    factors = {"x1": [0, 1], "x2": [0, 1], "x3": [0, 1]}
    s = spec({"kind": "morris", "samples": 10, "levels": 4, "factors": factors}, seed=5)
    run_experiment(s, executor="serial", out=tmp_path / "m", quiet=True, model=Linear())
    idx = sensitivity(tmp_path / "m", "y", Linear()).set_index("factor")
    np.testing.assert_allclose(idx["mu_star"], [1.0, 0.1, 0.0], atol=1e-9)


def test_sensitivity_needs_a_sampled_design(tmp_path):
    s = spec({"kind": "grid", "factors": {"x1": [0.0, 1.0]}})
    run_experiment(s, executor="serial", out=tmp_path / "g", quiet=True, model=Linear())
    with pytest.raises(InputError, match="sobol or morris"):
        sensitivity(tmp_path / "g", "y", Linear())
