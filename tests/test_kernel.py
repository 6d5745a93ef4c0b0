"""The compiled kernel gives bit for bit the state of the NumPy reference phases.

Every array of the state (partner and couple variables, events, counts, weeks, ending,
step_ended, active) is compared exactly, floats also by their bit patterns, after ten
years and after single weeks, for random parameters across the registry's ranges, the
edges of those ranges, every scenario, couples that end, and slots rewritten between
weeks as a partner market does.
"""

import copy

import numpy as np
import pytest

from sim.model import kernel
from sim.model import parameters as reg
from sim.model.engine import build_params, simulate
from sim.model.randomness import WeekDraws, couple_keys
from sim.model.state import Params, State, initial_state
from sim.model.week import RECENT, step, step_reference
from sim.scenario import list_scenarios, load_scenario

YEARS_10 = 520


def assert_same_state(got: State, want: State) -> None:
    """Every array equal, and every float array equal bit for bit (signs of zero too)."""
    assert got.step == want.step
    for name, arr in want.arrays().items():
        other = got.arrays()[name]
        assert other.dtype == arr.dtype, name
        np.testing.assert_array_equal(other, arr, err_msg=name)
        if arr.dtype == np.float64:
            np.testing.assert_array_equal(other.view(np.uint64), arr.view(np.uint64), name)


def random_params(n: int, seed: int) -> Params:
    """Couples drawn uniformly across every registry range, then a block of edge values."""
    rng = np.random.default_rng(seed)

    def draw(p: reg.Parameter) -> np.ndarray:
        if p.integer:
            return rng.integers(int(p.low), int(p.high) + 1, n).astype(float)
        values = rng.uniform(p.low, p.high, n)
        # A tenth of the couples sit on an edge of each range.
        edge = rng.random(n) < 0.1
        values[edge] = rng.choice([p.low, p.high], edge.sum())
        return values

    a = {t.name: draw(t) for t in reg.TRAITS}
    b = {t.name: draw(t) for t in reg.TRAITS}
    env = {e.name: draw(e) for e in reg.ENVIRONMENT}
    # Whole couples at the corners: every trait and parameter at its low or high end.
    for row, end in enumerate(("low", "high", "low", "high")):
        for table in (a, b):
            for name in table:
                table[name][row] = getattr(reg.REGISTRY[name], end)
        for name in env:
            env[name][row] = getattr(reg.REGISTRY[name], "high" if row >= 2 else end)
    return build_params(a, b, env, n)


def concat(params: list[Params]) -> Params:
    """One batch holding the couples of several parameter sets."""
    traits = {k: np.concatenate([p.traits[k] for p in params], axis=1) for k in params[0].traits}
    env = {k: np.concatenate([p.env[k] for p in params]) for k in params[0].env}
    return Params(traits, env)


def both_engines(params: Params, keys: np.ndarray, steps: int):
    return simulate(params, keys, steps), simulate(params, keys, steps, engine="numpy")


@pytest.fixture(scope="module")
def random_batch():
    params = random_params(3000, seed=20261123)
    keys = couple_keys(7, params.n)
    return params, keys, both_engines(params, keys, YEARS_10)


def test_ten_years_of_random_couples_are_bit_identical(random_batch):
    _, _, (fast, ref) = random_batch
    assert_same_state(fast.state, ref.state)


def test_the_random_batch_covers_endings_and_couples_still_together(random_batch):
    _, _, (_, ref) = random_batch
    ended = ~ref.state.active
    assert 0.05 < ended.mean() < 0.95
    assert set(np.unique(ref.state.ending[ended])) == {1, 2}  # healthy and destructive
    assert (ref.state.step_ended[ended] < YEARS_10 - 1).any()  # some ended long before


def test_metrics_and_outcomes_are_identical(random_batch):
    _, _, (fast, ref) = random_batch
    got, want = fast.metrics(), ref.metrics()
    assert got.keys() == want.keys()
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)


def test_every_scenario_is_bit_identical():
    names = list_scenarios()
    params = concat([load_scenario(name).build_params(60) for name in names])
    keys = couple_keys(11, params.n)
    fast, ref = both_engines(params, keys, YEARS_10)
    assert_same_state(fast.state, ref.state)


def test_recorded_series_are_identical():
    params = random_params(300, seed=5)
    keys = couple_keys(3, params.n)
    fast = simulate(params, keys, 100, record_every=7)
    ref = simulate(params, keys, 100, record_every=7, engine="numpy")
    np.testing.assert_array_equal(fast.steps, ref.steps)
    for name in ref.series:
        np.testing.assert_array_equal(fast.series[name], ref.series[name], err_msg=name)


def test_single_weeks_leave_identical_states_events_and_counts():
    params = random_params(800, seed=9)
    keys = couple_keys(4, params.n)
    # Start from a state ten years on, where many couples have ended, and from the start.
    later = simulate(params, keys, 300, engine="numpy").state
    for start in (initial_state(params), later):
        fast, ref = copy.deepcopy(start), copy.deepcopy(start)
        for _ in range(40):
            step(fast, params, keys)
            step_reference(ref, params, keys)
            assert_same_state(fast, ref)


def test_many_weeks_in_one_call_equal_as_many_single_weeks():
    params = random_params(500, seed=12)
    keys = couple_keys(8, params.n)
    start = simulate(params, keys, 200).state
    whole, weekly = copy.deepcopy(start), copy.deepcopy(start)
    kernel.run_weeks(whole, params, keys, 60)
    for _ in range(60):
        step(weekly, params, keys)
    assert_same_state(whole, weekly)
    ended_in_call = start.active & ~whole.active
    assert ended_in_call.any()
    # A couple that ended during the call shows no events of the weeks after.
    late = ended_in_call & (whole.step_ended < whole.step - 1)
    assert late.any() and not whole.events[:, :, late].any()


def test_a_week_with_no_couple_together_only_moves_the_clock():
    params = random_params(20, seed=2)
    keys = couple_keys(1, params.n)
    fast = initial_state(params)
    fast.active[:] = False
    fast.stress[:] = 2.0  # out of range: a week with nobody together clamps nothing
    fast.events[:] = True
    ref = copy.deepcopy(fast)
    step(fast, params, keys)
    step_reference(ref, params, keys)
    assert_same_state(fast, ref)
    assert (fast.stress == 2.0).all() and not fast.events.any() and fast.step == 1


def test_slots_rewritten_between_weeks_are_read_afresh():
    """A partner market removes couples and writes new ones into their slots."""
    params = random_params(400, seed=21)
    keys = couple_keys(5, params.n).copy()
    fast = simulate(params, keys, 150).state
    ref = copy.deepcopy(fast)
    rng = np.random.default_rng(3)
    for _ in range(5):
        for s in (fast, ref):
            for _ in range(20):
                step(s, params, keys) if s is fast else step_reference(s, params, keys)
        # Reuse some slots: fresh parameters, initial values and keys, active again.
        slots = rng.choice(params.n, 30, replace=False)
        fresh = random_params(30, seed=int(rng.integers(1 << 30)))
        for name in params.traits:
            params.traits[name][:, slots] = fresh.traits[name]
        for name in params.env:
            params.env[name][slots] = fresh.env[name]
        new = initial_state(fresh)
        for s in (fast, ref):
            for name, arr in new.arrays().items():
                getattr(s, name)[..., slots] = arr
        keys[slots] = couple_keys(99, 30, start=int(rng.integers(1 << 20)))
        assert_same_state(fast, ref)
    assert_same_state(fast, ref)


def test_kernel_draws_are_the_reference_draws():
    keys = couple_keys(17, 50)
    for week in (0, 1, 519, 10_000):
        draws = WeekDraws(keys, week)
        for slot in (0, 7, 23):
            want = draws.pair(slot)
            got = np.array(
                [kernel.pair(np.uint64(kernel.week_base(key, week)), slot) for key in keys]
            ).T
            np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))


def test_kernel_layout_matches_the_model():
    assert kernel.RECENT == RECENT
    assert set(kernel.TRAIT_ORDER) == set(reg.TRAIT_NAMES) - {"capability"}
    assert kernel.ENV_ORDER == reg.ENV_NAMES
    state_fields = set(initial_state(build_params()).arrays())
    assert set(kernel.PARTNER_VARS + kernel.COUPLE_VARS) <= state_fields
    handled = {"weeks", "active", "step_ended", "ending", "counts", "events"}
    assert state_fields == set(kernel.PARTNER_VARS + kernel.COUPLE_VARS) | handled


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown engine"):
        simulate(build_params(), couple_keys(1, 1), 2, engine="fortran")


@pytest.mark.parametrize("n", [5, 13, 37])
def test_blocks_cut_short_and_couples_ending_inside_a_block_are_bit_identical(n):
    # The kernel runs couples in blocks of kernel.LANES: these sizes leave a last block
    # cut short, and couples that end leave the others of their block going on.
    params = random_params(n, seed=100 + n)
    keys = couple_keys(13, params.n)
    got, want = both_engines(params, keys, YEARS_10)
    assert_same_state(got.state, want.state)
    assert n % kernel.LANES != 0
    assert 0 < (~want.state.active).sum()
