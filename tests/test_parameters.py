"""The parameter registry: one declaration per parameter, strict validation."""

import math

import numpy as np
import pytest

from sim.model import parameters as reg
from sim.model.engine import build_params


def test_every_parameter_has_default_inside_its_range_and_is_documented():
    for p in reg.TRAITS + reg.ENVIRONMENT:
        assert p.low <= p.default <= p.high, p.name
        assert p.meaning and p.source and p.unit, p.name
    assert set(reg.MAIN_TRAITS) <= set(reg.TRAIT_NAMES)


def test_traits_cover_the_specification():
    expected = {
        "dependency", "narcissism", "growth", "reciprocity", "capability", "intimacy_fear",
        "scorekeeping", "rigidity", "expectation", "responsiveness", "openness",
        "assertiveness", "intensity_seeking",
    }  # fmt: skip
    assert set(reg.TRAIT_NAMES) == expected


@pytest.mark.parametrize(
    ("a", "env", "name", "fragment"),
    [
        ({"dependncy": 0.5}, {}, "a.dependncy", "unknown trait"),
        ({"dependency": "high"}, {}, "a.dependency", "expected numbers"),
        ({"dependency": 1.5}, {}, "a.dependency", "got 1.5"),
        ({"dependency": math.nan}, {}, "a.dependency", "NaN"),
        ({"dependency": True}, {}, "a.dependency", "expected numbers"),
        ({}, {"patience": 2.5}, "env.patience", "integers"),
        ({}, {"problem_rat": 0.2}, "env.problem_rat", "unknown environment parameter"),
    ],
)
def test_invalid_parameters_raise_an_error_naming_the_parameter(a, env, name, fragment):
    with pytest.raises(reg.ParameterError) as err:
        build_params(a=a, env=env, n=3)
    assert err.value.name == name
    assert fragment in str(err.value)
    assert str(err.value).startswith(name)


def test_scalar_check_names_parameter_and_range():
    with pytest.raises(
        reg.ParameterError, match=r"a\.growth: expected a number in \[0, 1\], got -0.1"
    ):
        reg.REGISTRY["growth"].check(-0.1, "a.")


def test_lookup_accepts_qualified_names_and_rejects_others():
    assert reg.lookup("both.growth").name == "growth"
    assert reg.lookup("env.problem_rate").scope == "env"
    for bad in ("c.growth", "a.problem_rate", "env.growth", "growth"):
        with pytest.raises(reg.ParameterError):
            reg.lookup(bad)
    assert len(reg.qualified_names()) == 3 * len(reg.TRAITS) + len(reg.ENVIRONMENT)


def test_build_params_broadcasts_scalars_and_keeps_arrays():
    p = build_params(a={"dependency": np.array([0.1, 0.2, 0.3])}, b={"growth": 0.9})
    assert p.n == 3
    np.testing.assert_array_equal(p.traits["dependency"][0], [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(p.traits["growth"][1], [0.9, 0.9, 0.9])
    assert p.traits["growth"][0][0] == reg.REGISTRY["growth"].default


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(reg.ParameterError, match="length"):
        build_params(a={"dependency": [0.1, 0.2]}, b={"growth": [0.1, 0.2, 0.3]})
