"""Each mechanism's signature (M1 to M17 of the specification, bar the market's M10
and M11) emerges from the rules.

Every test builds couples from traits only, varies just the traits the mechanism
names, runs a few hundred replicate couples at a fixed seed, and asserts a direction
and a minimum effect size.
"""

import numpy as np
import pandas as pd
import pytest

from sim.model import parameters as reg
from sim.model.engine import build_params, run_couples, simulate
from sim.model.randomness import couple_keys

N = 300
SEED = 20261122


def run(a=None, b=None, env=None, n=N, steps=520, record_every=0, seed=SEED):
    sim = run_couples(a, b, env, n=n, seed=seed, steps=steps, record_every=record_every)
    return pd.DataFrame(sim.metrics()), sim


def mean(df, col):
    return float(df[col].astype(float).mean())


def resentment(df):
    return 0.5 * (mean(df, "resentment_a") + mean(df, "resentment_b"))


def assert_monotone(values, decreasing, min_total):
    steps = np.diff(values)
    if decreasing:
        assert (steps < 0).all(), values
        assert values[0] - values[-1] >= min_total, values
    else:
        assert (steps > 0).all(), values
        assert values[-1] - values[0] >= min_total, values


def _random_population(n, seed, steps):
    """Couples with traits drawn across their whole ranges: for within-population checks."""
    rng = np.random.default_rng(seed)
    a = {t: rng.uniform(0, 1, n) for t in reg.TRAIT_NAMES}
    b = {t: rng.uniform(0, 1, n) for t in reg.TRAIT_NAMES}
    env = {"trial_rate": np.full(n, 0.03)}
    sim = simulate(build_params(a, b, env, n), couple_keys(seed, n), steps)
    return pd.DataFrame(sim.metrics())


def _ols(y, columns):
    x = np.column_stack([np.ones(len(y)), *columns])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return coef[1:]


@pytest.fixture(scope="module")
def population():
    return _random_population(4000, seed=7, steps=104)


def test_m1_dependency_drains_goodwill_and_intimacy_and_breeds_resentment():
    runs = [run({"dependency": d})[0] for d in (0.3, 0.5, 0.7, 0.9)]
    assert_monotone([mean(r, "goodwill_b") for r in runs], decreasing=True, min_total=0.3)
    assert_monotone([mean(r, "intimacy") for r in runs], decreasing=True, min_total=0.3)
    assert_monotone([resentment(r) for r in runs], decreasing=False, min_total=0.2)


def test_m1_problem_rate_drains_goodwill_and_intimacy_and_breeds_resentment():
    runs = [run(env={"problem_rate": r})[0] for r in (0.5, 0.7, 0.9)]
    assert_monotone([mean(r, "goodwill_b") for r in runs], decreasing=True, min_total=0.1)
    assert_monotone([mean(r, "intimacy") for r in runs], decreasing=True, min_total=0.03)
    assert_monotone([resentment(r) for r in runs], decreasing=False, min_total=0.03)


def test_m2_transferring_problems_stalls_own_growth_and_loads_the_partner():
    df, dependent = run({"dependency": 0.7}, {"dependency": 0.2}, record_every=4)
    assert mean(df, "capability_gain_a") < mean(df, "capability_gain_b") - 0.03
    _, reliant = run({"dependency": 0.2}, {"dependency": 0.2}, record_every=4)
    assert dependent.series["stress_b"].mean() > reliant.series["stress_b"].mean() * 1.1


def test_m3_balanced_couple_keeps_growing_and_is_near_the_best_dependency():
    levels = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
    runs = {d: run({"dependency": d}, {"dependency": d})[0] for d in levels}
    intimacy = {d: mean(r, "intimacy") for d, r in runs.items()}
    best = max(intimacy.values())
    assert intimacy[0.2] >= best - 0.03, intimacy
    assert intimacy[0.2] > intimacy[0.0] + 0.05 and intimacy[0.2] > intimacy[0.7] + 0.3
    balanced = runs[0.2]
    assert (balanced["capability_gain_a"] > 0).mean() > 0.95
    assert (balanced["capability_gain_b"] > 0).mean() > 0.95
    assert mean(balanced, "intimacy") > 0.6


def test_m4_scorekeeping_breeds_resentment_and_makes_help_conditional():
    runs = [run({"scorekeeping": k}, {"scorekeeping": k})[0] for k in (0.0, 0.5, 0.9)]
    assert_monotone([resentment(r) for r in runs], decreasing=False, min_total=0.3)
    assert_monotone([mean(r, "satisfaction_a") for r in runs], decreasing=True, min_total=0.2)
    assert_monotone([mean(r, "free_help_share") for r in runs], decreasing=True, min_total=0.15)


def test_m5_unspoken_expectations_lower_satisfaction_and_asking_softens_it():
    drops = {}
    for assertive in (0.3, 0.9):
        low = run({"expectation": 0.1, "assertiveness": assertive})[0]
        high = run({"expectation": 0.8, "assertiveness": assertive})[0]
        drops[assertive] = mean(low, "satisfaction_a") - mean(high, "satisfaction_a")
        if assertive == 0.9:  # care received is the same; the drop is the gap's own cost
            assert abs(mean(low, "care_a") - mean(high, "care_a")) < 0.01
    assert drops[0.9] > 0.05
    assert drops[0.3] > drops[0.9] + 0.1


def test_m6_help_given_unasked_or_freely_counts_more_than_demanded_help(population):
    df = population
    free = (df["n_help_free"] + df["n_notice"]).to_numpy(float)
    demanded = df["n_help_demanded"].to_numpy(float)
    controls = [df["n_request"].to_numpy(float), df["n_problem"].to_numpy(float)]
    for outcome in ("intimacy", "trust"):
        coef_free, coef_demanded, *_ = _ols(
            df[outcome].to_numpy(float), [free, demanded, *controls]
        )
        assert coef_free > 0, outcome
        assert coef_free > coef_demanded + 0.001, (outcome, coef_free, coef_demanded)


def test_m7_personal_development_help_stays_one_way_while_intimacy_fades():
    pdr, sim = run({"dependency": 0.7, "capability": 0.3}, {"narcissism": 0.6, "capability": 0.7},
                   record_every=52)  # fmt: skip
    base, _ = run()
    assert mean(pdr, "help_asymmetry") > 2.5 * mean(base, "help_asymmetry")
    intimacy = np.median(sim.series["intimacy"], axis=1)
    assert intimacy[-1] < intimacy[1] - 0.1
    late = sim.series["intimacy"][-1] - sim.series["intimacy"][1]
    assert (late < 0).mean() > 0.7


def test_m8_narcissistic_helper_with_dependent_partner_is_the_coercive_pairing():
    shares, rates = {}, {}
    for narc in (0.1, 0.9):
        for dep in (0.1, 0.9):
            df, _ = run({"dependency": dep}, {"narcissism": narc})
            shares[narc, dep] = float((df["outcome"] == "coercive").mean())
            rates[narc, dep] = mean(df, "coercion_rate")
            if (narc, dep) == (0.9, 0.9):
                trapped = df
    others = [v for k, v in shares.items() if k != (0.9, 0.9)]
    assert shares[0.9, 0.9] > 0.7 and shares[0.9, 0.9] > 2.5 * max(others), shares
    assert rates[0.9, 0.9] > 1.5 * max(v for k, v in rates.items() if k != (0.9, 0.9))
    assert mean(trapped, "autonomy_a") < 0.2  # started at 0.55
    answers = trapped["n_fix_accepted"] + trapped["n_fix_rejected"]
    flip_share = trapped["n_acceptance_flip"].sum() / answers.sum()
    assert flip_share > 0.3  # accepting and rejecting alternate, not one then the other
    assert ((trapped["n_fix_accepted"] > 5) & (trapped["n_fix_rejected"] > 5)).mean() > 0.9


def test_m9_fear_of_closeness_gives_effort_without_intimacy():
    fearful, _ = run({"intimacy_fear": 0.85}, {"intimacy_fear": 0.85})
    secure, _ = run({"intimacy_fear": 0.1}, {"intimacy_fear": 0.1})
    assert mean(fearful, "effort") > mean(secure, "effort") + 0.3
    assert mean(fearful, "disclosure") < mean(secure, "disclosure") - 0.3
    assert mean(fearful, "intimacy") < mean(secure, "intimacy") - 0.25
    assert mean(fearful, "satisfaction_a") < mean(secure, "satisfaction_a") - 0.15
    assert mean(fearful, "ended") < 0.05  # stable all the same


def test_m12_divergent_growth_hurts_only_the_dependent_or_rigid():
    def cost(extra):
        slow = run({**extra, "growth": 0.1}, {"growth": 0.1})[0]
        fast = run({**extra, "growth": 0.9}, {"growth": 0.9})[0]
        return mean(slow, "satisfaction_a") - mean(fast, "satisfaction_a")

    assert cost({}) < 0.01  # a secure partner does not mind
    assert cost({"rigidity": 0.8}) > 0.1
    assert cost({"dependency": 0.6}) > 0.05


def test_m13_rigidity_raises_conflict_and_co_creation_raises_intimacy():
    runs = [run({"rigidity": r}, {"rigidity": r})[0] for r in (0.1, 0.5, 0.9)]
    assert_monotone([mean(r, "conflict_rate") for r in runs], decreasing=False, min_total=0.15)
    assert_monotone([mean(r, "n_co_creation") for r in runs], decreasing=True, min_total=50)
    assert_monotone([mean(r, "intimacy") for r in runs], decreasing=True, min_total=0.1)


@pytest.mark.parametrize(
    "barrier",
    [
        {"responsiveness": 0.95, "dependency": 0.02, "assertiveness": 0.1},  # parentified giver
        {"dependency": 0.0, "capability": 0.9, "assertiveness": 0.3, "intimacy_fear": 0.5},
    ],
    ids=["parentified_giver", "hyper_self_sufficient"],
)
def test_m14_giving_without_receiving_blocks_intimacy_despite_low_conflict(barrier):
    df, _ = run(barrier)
    base, _ = run()
    assert mean(df, "help_given_a") > 5 * mean(df, "help_given_b")
    assert mean(df, "intimacy") < mean(base, "intimacy") - 0.1
    assert mean(df, "conflict_rate") < mean(base, "conflict_rate") + 0.05


def test_m15_matched_disclosure_and_celebration_raise_intimacy_and_trust():
    runs = [run({"reciprocity": r}, {"reciprocity": r})[0] for r in (0.1, 0.5, 0.9)]
    assert_monotone([mean(r, "intimacy") for r in runs], decreasing=False, min_total=0.04)
    assert_monotone([mean(r, "trust") for r in runs], decreasing=False, min_total=0.01)
    quiet = run(env={"achievement_rate": 0.0})[0]
    joyful = run(env={"achievement_rate": 0.2})[0]
    assert mean(joyful, "intimacy") > mean(quiet, "intimacy") + 0.1


def test_m15_support_through_trials_raises_commitment(population):
    df = population
    supported = df["n_trial_support"].to_numpy(float)
    trials = df["n_trial"].to_numpy(float)
    (coef_support, _) = _ols(
        df["commitment_a"].to_numpy(float) + df["commitment_b"], [supported, trials]
    )
    assert coef_support > 0.005


def test_m15_pressing_after_a_no_feeds_demand_escalation():
    timid = run({"assertiveness": 0.1, "dependency": 0.6})[0]
    assertive = run({"assertiveness": 0.9, "dependency": 0.6})[0]
    assert mean(timid, "demand_rate") > 5 * mean(assertive, "demand_rate")
    assert mean(timid, "goodwill_b") < mean(assertive, "goodwill_b") - 0.2


def test_m16_openness_of_the_resistant_partner_decides_higher_functioning():
    hf, conflict, sat, regard = [], [], [], []
    for openness in (0.0, 0.3, 0.6, 0.9):
        df, _ = run({"capability": 0.8, "growth": 0.6}, {"capability": 0.3, "openness": openness})
        closed_gap = (df["capability_a"] - df["capability_b"]).abs() < 0.1
        hf.append(float(((df["outcome"] == "mutual") & closed_gap).mean()))
        conflict.append(mean(df, "conflict_rate"))
        sat.append(mean(df, "satisfaction_a"))
        regard.append(mean(df, "self_regard_a"))
    assert hf[0] < 0.05 and hf[-1] > 0.8 and max(np.diff(hf)) > 0.3, hf
    assert_monotone(conflict, decreasing=True, min_total=0.2)
    assert_monotone(sat, decreasing=False, min_total=0.2)
    assert_monotone(regard, decreasing=False, min_total=0.4)


def test_m17_bounded_help_without_a_stake_builds_the_helped_partners_capability():
    helped = {"dependency": 0.6, "capability": 0.2}
    bounded, _ = run(helped, {"narcissism": 0.05, "assertiveness": 0.8, "capability": 0.8})
    invested, _ = run(helped, {"narcissism": 0.8, "assertiveness": 0.8, "capability": 0.8})
    assert mean(bounded, "capability_gain_a") > mean(invested, "capability_gain_a") + 0.04
    assert mean(bounded, "capability_gain_a") > 0.3
    ended = bounded[bounded["ended"]]
    assert len(ended) == 0 or (ended["ending_kind"] == 1).mean() > 0.8
