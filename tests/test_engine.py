"""The batch engine: reproducible per couple, finite and in range for any valid input."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import parameters as reg
from sim.model.engine import build_params, simulate, step
from sim.model.randomness import WeekDraws, couple_keys
from sim.model.state import RANGES, initial_state

STEPS = 260


def _random_params(n: int, seed: int):
    rng = np.random.default_rng(seed)
    a = {t: rng.uniform(0, 1, n) for t in reg.TRAIT_NAMES}
    b = {t: rng.uniform(0, 1, n) for t in reg.TRAIT_NAMES}
    env = {"problem_rate": rng.uniform(0, 1, n), "patience": rng.integers(1, 60, n)}
    return build_params(a, b, env, n)


def _assert_same_couple(big, i, small, j=0):
    for name, arr in big.state.arrays().items():
        small_arr = small.state.arrays()[name]
        np.testing.assert_array_equal(arr[..., i], small_arr[..., j], err_msg=name)


def test_couple_trajectory_is_identical_alone_in_a_batch_and_at_another_position():
    n = 1000
    params = _random_params(n, seed=3)
    keys = couple_keys(11, n)
    batch = simulate(params, keys, STEPS)
    for i in (0, 417, 999):
        alone = simulate(params.subset(np.array([i])), keys[[i]], STEPS)
        _assert_same_couple(batch, i, alone)
    # The same couple placed elsewhere in a reversed batch.
    order = np.arange(n)[::-1]
    reversed_batch = simulate(params.subset(order), keys[order], STEPS)
    _assert_same_couple(batch, 417, reversed_batch, j=n - 1 - 417)


def test_keys_depend_only_on_seed_and_index():
    np.testing.assert_array_equal(couple_keys(5, 10)[3:], couple_keys(5, 7, start=3))
    assert not np.array_equal(couple_keys(5, 10), couple_keys(6, 10))
    assert len(np.unique(couple_keys(5, 100_000))) == 100_000


def test_week_draws_are_uniform_and_slots_independent():
    draws = WeekDraws(couple_keys(1, 200_000), step=4)
    u, v = draws.uniform(0), draws.uniform(1)
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.01
    w = draws.pair(0)
    assert w.shape == (2, 200_000)
    assert abs(np.corrcoef(w[0], w[1])[0, 1]) < 0.01


def _check_ranges(state):
    for name, arr in state.arrays().items():
        if name in ("counts", "events", "active", "ending", "step_ended"):
            continue
        assert np.isfinite(arr).all(), name
        lo, hi = RANGES.get(name, (0, np.inf))  # ``weeks`` is a count
        assert (arr >= lo).all() and (arr <= hi).all(), name
    assert (state.counts >= 0).all()


unit = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    a=st.fixed_dictionaries({t: unit for t in reg.TRAIT_NAMES}),
    b=st.fixed_dictionaries({t: unit for t in reg.TRAIT_NAMES}),
    env=st.fixed_dictionaries(
        {
            p.name: (
                st.integers(int(p.low), int(p.high))
                if p.integer
                else st.floats(p.low, p.high, allow_nan=False)
            )
            for p in reg.ENVIRONMENT
        }
    ),
    seed=st.integers(0, 2**32),
)
def test_state_stays_finite_and_in_range_for_any_valid_parameters(a, b, env, seed):
    params = build_params(a, b, env, n=4)
    state = initial_state(params)
    keys = couple_keys(seed, 4)
    for _ in range(520):
        step(state, params, keys)
        if state.step % 52 == 0:
            _check_ranges(state)
    _check_ranges(state)


def test_ended_couples_are_frozen():
    params = build_params(
        {"dependency": 0.9, "assertiveness": 0.0, "expectation": 0.9},
        {"narcissism": 0.9},
        {"problem_rate": 0.9, "patience": 4, "commitment_threshold": 0.6},
        n=50,
    )
    sim = simulate(params, couple_keys(2, 50), 400, record_every=1, series=("intimacy",))
    ended = ~sim.state.active
    assert ended.any()
    for i in np.flatnonzero(ended)[:10]:
        t = sim.state.step_ended[i]
        tail = sim.series["intimacy"][t + 2 :, i]
        assert (tail == tail[0]).all()
        assert sim.state.weeks[i] == t + 1


def test_reprs_are_one_short_line_that_tells_the_state():
    import sim

    run = sim.run_couples(env={"alternatives": 0.6}, n=200, seed=3, steps=520)
    together = int(run.state.active.sum())
    assert 0 < together < 200
    text = repr(run)
    assert "\n" not in text and len(text) < 200
    assert f"200 couples at week 520: {together} together" in text
    model = sim.RelationshipModel(n_couples=3, rng=1)
    model.step()
    assert repr(model).startswith("<RelationshipModel, week 1: <State of 3 couples at week 1")
    market = sim.PartnerMarket(size=40, rng=1)
    assert repr(market) == "<PartnerMarket of 40 people, week 0>"


def test_the_kind_of_an_ending_rises_smoothly_with_bitterness():
    """R9.5: a parting's kind is drawn, with a chance of bitterness that rises smoothly
    from none at 0.3 to certainty at 0.7, not cut at one value: among couples of the
    newlyweds population that ended, the destructive share climbs across the band."""
    from sim.population import load_population

    n = 6000
    keys = couple_keys(5, n)
    m = simulate(load_population("newlyweds").draw(keys), keys, 520).metrics()
    ended = m["ended"]
    bitterness = (
        np.maximum(m["resentment_a"], m["resentment_b"])
        + 4 * m["coercion_recent"]
        + 2 * m["demand_recent"]
    )[ended]
    destructive = (m["ending_kind"][ended] == 2).astype(float)
    edges = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, np.inf)
    bins = np.digitize(bitterness, edges[1:-1])
    counts = np.bincount(bins, minlength=6)
    shares = np.bincount(bins, weights=destructive, minlength=6) / np.maximum(counts, 1)
    assert (counts >= 30).all(), counts
    assert shares[0] == 0.0 and shares[-1] == 1.0, shares
    assert (np.diff(shares) > 0).all(), shares
    assert 0.0 < shares[1] < 0.3 and 0.7 < shares[4] < 1.0, shares
