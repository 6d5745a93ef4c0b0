"""Each mechanism's signature (M1 to M17 of the specification, bar the market's M10
and M11) holds as a dose-response and comes through the rule that carries it.

As ``validation.md`` defines it ("What graded means for the mechanisms"), a test runs
five levels of the mechanism's trait, 0.05, 0.275, 0.5, 0.725 and 0.95 of its range,
every other trait at its default, 2,000 couples a level for ten years at a fixed seed,
and asserts the signature's direction over all five levels. It then runs the same
couples with the mechanism's own strength ``mN_*`` at 0 and asserts that at most half
of the effect (the difference between the highest and the lowest level) remains.

Design choices, the same for every test:

- Every level runs the same 2,000 couple keys (common random numbers): two levels
  differ by the parameter, not by the lives drawn. Keys come from one fixed seed.
- Unless a test says otherwise, couples do not end (``commitment_threshold`` 0), so
  that a mechanism's dynamics are measured over the same ten years at every level
  rather than up to an ending whose timing itself depends on the level. Tests of
  endings (M9's stability, M16, M17) run the default environment.
- Noise: a step between adjacent levels may go against the signature's direction by at
  most three standard errors of the difference of the two levels' means (computed from
  the couples as if the levels were independent, which overstates it under common
  random numbers). A larger reversal fails, whether or not the signature says
  "monotonically": at 2,000 couples a level that is about 0.01 on a 0-1 scale.
- Each signature also needs a minimum total effect, :data:`MIN_EFFECT`, so that a flat
  response fails.
- Signatures that do not hold are tests marked as expected failures (strict, so that a
  change that meets one shows), each with its reason.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from sim.model import parameters as reg
from sim.model.declarations import Ending
from sim.model.engine import build_params, simulate
from sim.model.randomness import couple_keys

pytestmark = pytest.mark.slow

LEVELS = (0.05, 0.275, 0.5, 0.725, 0.95)
"""The five levels of a trait, as fractions of its range."""

N = 2000
"""Couples a level."""

SEED = 20261122

STAY = (("commitment_threshold", 0.0),)
"""Couples do not end: dynamics over the same ten years at every level."""

ABLATION_REMAINS = 0.5
"""At most this share of a signature's effect may remain with its rule switched off."""

MIN_EFFECT = 0.02
"""Smallest effect over the levels that counts as a signature, on a 0-1 scale: about
ten standard errors of a level's mean at 2,000 couples."""


# --- Running sweeps -------------------------------------------------------------------


class Sweep:
    """Final metrics (and optionally weekly series) of ``N`` couples at each level.

    ``m[name]`` has shape ``(levels, couples)``: every final metric, the partners' mean
    ``satisfaction``, ``resentment``, ``goodwill`` and ``capability_gain``, and for each
    recorded series ``<series>_mean``, its mean over the run. ``series[name]`` has shape
    ``(weeks recorded, levels, couples)``.
    """

    def __init__(self, metrics, series, levels):
        self.m = metrics
        self.series = series
        self.levels = levels

    def mean(self, name):
        return np.nanmean(self.m[name].astype(float), axis=1)

    def se(self, name):
        x = self.m[name].astype(float)
        return np.nanstd(x, axis=1) / np.sqrt(np.isfinite(x).sum(axis=1))

    def share(self, outcome):
        return (self.m["outcome"] == outcome).mean(axis=1)

    def add(self, name, values):
        """A derived per-couple quantity, to check like a metric."""
        self.m[name] = np.asarray(values, dtype=float)
        return self


def _scaled(name, levels):
    """Levels as fractions of a parameter's range."""
    p = reg.REGISTRY[name]
    return tuple(p.low + x * (p.high - p.low) for x in levels)


@functools.lru_cache(maxsize=8)
def _run(who, name, a, b, env, levels, series, every):
    k, n = len(levels), N
    a, b, env = dict(a), dict(b), dict(env)
    column = np.repeat(np.asarray(_scaled(name, levels)), n)
    if who in ("a", "both"):
        a[name] = column
    if who in ("b", "both"):
        b[name] = column
    if who == "env":
        env[name] = column
    params = build_params(a, b, env, k * n)
    keys = np.tile(couple_keys(SEED, n), k)
    sim = simulate(params, keys, record_every=every if series else 0, series=series)
    metrics = {key: np.asarray(v).reshape(k, n) for key, v in sim.metrics().items()}
    direction = sim.state.direction
    metrics["divergence"] = np.abs(direction[0] - direction[1]).reshape(k, n)
    for state in ("satisfaction", "resentment", "goodwill", "capability_gain"):
        metrics[state] = 0.5 * (metrics[f"{state}_a"] + metrics[f"{state}_b"])
    recorded = {s: sim.series[s].reshape(len(sim.steps), k, n) for s in series}
    for s in series:  # the mean over the run of a recorded series, per couple
        metrics[f"{s}_mean"] = recorded[s][1:].mean(axis=0)
    return Sweep(metrics, recorded, levels)


def sweep(param, a=None, b=None, env=STAY, levels=LEVELS, series=(), every=52, **switches):
    """Couples at each level of ``param`` (``"a.x"``, ``"b.x"``, ``"both.x"`` or
    ``"env.x"``), others at their defaults; ``switches`` set mechanism strengths."""
    who, name = param.split(".")
    env = dict(env) | switches
    freeze = lambda d: tuple(sorted((d or {}).items()))  # noqa: E731
    return _run(who, name, freeze(a), freeze(b), freeze(env), levels, tuple(series), every)


# --- Checking a signature -------------------------------------------------------------


def assert_graded(run, name, rising, min_effect=MIN_EFFECT, levels=slice(None)):
    """The level means of ``name`` move one way over the ``levels``, within noise, by at
    least ``min_effect``; returns the means.

    A step against the direction may be at most three standard errors of the
    difference of the two levels' means.
    """
    values, se = run.mean(name)[levels], run.se(name)[levels]
    sign = 1.0 if rising else -1.0
    allowed = 3.0 * np.sqrt(se[1:] ** 2 + se[:-1] ** 2)
    assert (sign * np.diff(values) >= -allowed).all(), f"{name} not graded: {values.round(3)}"
    total = sign * (values[-1] - values[0])
    assert total >= min_effect, f"{name}: effect {total:.3f} < {min_effect} ({values.round(3)})"
    return values


def fall(values):
    """Fall of level means from the lowest level to the highest."""
    return float(values[0] - values[-1])


def assert_ablated(run, off, name, rising):
    """With the rule off (``off``), at most :data:`ABLATION_REMAINS` of the effect of
    ``run`` on ``name`` remains (an effect that reverses counts as none)."""
    sign = 1.0 if rising else -1.0
    on, ablated = run.mean(name), off.mean(name)
    full, kept = sign * (on[-1] - on[0]), sign * (ablated[-1] - ablated[0])
    assert kept <= ABLATION_REMAINS * full, (
        f"{name}: {kept:.3f} of {full:.3f} remains with the rule off "
        f"(on {on.round(3)}, off {ablated.round(3)})"
    )


def assert_signature(param, strength, directions, **kwargs):
    """Each metric of ``directions`` (name: whether it rises) is graded over the levels
    of ``param`` and mostly goes with the mechanism's ``strength`` at 0; returns both
    sweeps. ``kwargs`` go to :func:`sweep`."""
    on = sweep(param, **kwargs)
    off = sweep(param, **kwargs, **{strength: 0.0})
    for name, rising in directions.items():
        assert_graded(on, name, rising)
        assert_ablated(on, off, name, rising)
    return on, off


# --- M1 demand escalation -------------------------------------------------------------


def test_m1_requester_dependency_drains_goodwill_and_breeds_resentment():
    on, off = assert_signature(
        "a.dependency", "m1_demand", {"goodwill_b": False, "resentment": True}
    )
    # From the balanced level up (the requester at about the helper's own dependency
    # and beyond), demands cost closeness, and that fall goes with the rule; below it
    # see the next test.
    balanced = slice(1, None)
    intimacy = assert_graded(on, "intimacy", rising=False, levels=balanced)
    assert fall(off.mean("intimacy")[balanced]) <= ABLATION_REMAINS * fall(intimacy)


@pytest.mark.xfail(
    strict=True,
    reason="M1 against M3 and M14 at the lowest level: M3 puts the balanced couple "
    "(requester at 0.275) at the best point of a sweep over dependency, and a requester "
    "of 0.05 beside a partner of the default 0.3 gives and rarely asks, so help runs "
    "one way (help asymmetry 0.46) and closeness is lower: intimacy 0.54 against 0.66, "
    "0.66 against 0.69 with the one-way discount of R6.2 (m7_displacement) off",
)
def test_m1_requester_dependency_lowers_intimacy_over_the_whole_range():
    assert_graded(sweep("a.dependency"), "intimacy", rising=False)


def test_m1_problem_rate_drains_goodwill_and_intimacy_and_breeds_resentment():
    directions = {"goodwill_b": False, "intimacy": False, "resentment": True}
    assert_signature("env.problem_rate", "m1_demand", directions)


# --- M2 transferring problems, M3 balance ---------------------------------------------


def test_m2_transferring_problems_stalls_own_growth_and_loads_the_partner():
    directions = {"capability_gain_a": False, "stress_b_mean": True}
    on, _ = assert_signature("a.dependency", "m2_transfer", directions, series=("stress_b",))
    # Equal growth traits: above the partner's own dependency, the more dependent
    # partner gains less.
    above = np.asarray(LEVELS) > reg.REGISTRY["dependency"].default
    gain_a, gain_b = on.mean("capability_gain_a"), on.mean("capability_gain_b")
    assert (gain_a[above] < gain_b[above] - MIN_EFFECT).all(), (gain_a, gain_b)


def test_m3_balanced_couple_keeps_growing_and_is_at_the_best_dependency():
    """Both partners at each level. The balanced couple handles what it can and asks
    when a problem is beyond reach: the low, default-like dependency of level 0.275.
    M3 has no strength of its own; dependency works through transfers (M2), so
    ``m2_transfer`` at 0 removes the dose-response."""
    on = sweep("both.dependency")
    off = sweep("both.dependency", m2_transfer=0.0)
    balanced = 1
    for name in ("intimacy", "satisfaction"):
        values = on.mean(name)
        assert values[balanced] >= values.max() - MIN_EFFECT, (name, values)
        assert values[balanced] - values[-1] > 0.3, (name, values)
        assert_ablated(on, off, name, rising=False)
    rising = (on.m["capability_gain_a"] > 0) & (on.m["capability_gain_b"] > 0)
    assert rising[balanced].mean() > 0.95
    assert on.mean("intimacy")[balanced] > 0.6
    assert_graded(on, "capability_gain", rising=False)
    assert_ablated(on, off, "capability_gain", rising=False)


# --- M4 scorekeeping, M5 expectations, M6 anticipatory care --------------------------


def test_m4_scorekeeping_breeds_resentment_and_makes_help_conditional():
    directions = {"resentment": True, "satisfaction": False, "free_help_share": False}
    assert_signature("both.scorekeeping", "m4_scorekeeping", directions)


def test_m5_unspoken_expectations_lower_satisfaction_and_asking_softens_it():
    """Five levels of expectation at each of five levels of assertiveness."""
    drops = []
    for assertive in LEVELS:
        on = sweep("a.expectation", a={"assertiveness": assertive})
        off = sweep("a.expectation", a={"assertiveness": assertive}, m5_expectation=0.0)
        assert_graded(on, "satisfaction_a", rising=False)
        assert_ablated(on, off, "satisfaction_a", rising=False)
        drops.append(fall(on.mean("satisfaction_a")))
    # Asking clearly softens the drop, level by level.
    assert (np.diff(drops) < 0).all(), drops
    assert drops[0] - drops[-1] > 0.1, drops
    # At the highest assertiveness care received is the same at every expectation
    # (no demands): the drop is the cost of the gap itself.
    clear = sweep("a.expectation", a={"assertiveness": LEVELS[-1]})
    care = clear.mean("care_a")
    assert care.max() - care.min() < 0.01, care
    assert drops[-1] > 0.1


def test_m6_responsiveness_brings_help_unasked_and_raises_intimacy_and_trust():
    on = sweep("b.responsiveness")
    m = on.m
    helps = m["n_notice"] + m["n_help_free"] + m["n_help_conditional"] + m["n_help_demanded"]
    on.add("unasked_share", m["n_notice"] / np.maximum(helps, 1))
    assert_graded(on, "unasked_share", rising=True)
    assert_graded(on, "intimacy", rising=True)
    assert_graded(on, "trust", rising=True)


@pytest.mark.xfail(
    strict=True,
    reason="help offered unasked is rare at default traits (a problem left unasked "
    "beyond reach, about one a year once capabilities outgrow most problems), so the "
    "anticipation rule (R3.3) carries almost none of responsiveness's effect on "
    "intimacy and trust, which runs through goodwill's recovery, celebration, trial "
    "support and turning toward",
)
def test_m6_effect_of_responsiveness_goes_with_anticipation_off():
    on = sweep("b.responsiveness")
    off = sweep("b.responsiveness", m6_anticipation=0.0)
    assert_ablated(on, off, "intimacy", rising=True)
    assert_ablated(on, off, "trust", rising=True)


# --- M7 personal development relationship, M8 coercive help --------------------------

PDR_A = {"dependency": 0.7, "capability": 0.3}
PDR_B = {"capability": 0.7}
"""A less developed, dependent partner and a more developed one whose self-focus is
the dose."""


def test_m7_help_stays_one_way_while_intimacy_fades_with_the_helpers_self_focus():
    on = sweep("b.narcissism", a=PDR_A, b=PDR_B, series=("intimacy",))
    off = sweep("b.narcissism", a=PDR_A, b=PDR_B, series=("intimacy",), m7_displacement=0.0)
    for run in (on, off):
        intimacy = run.series["intimacy"]  # yearly, weeks 0, 52, ..., 520
        run.add("decline", intimacy[1] - intimacy[-1])
    assert_graded(on, "help_asymmetry", rising=True)
    assert_graded(on, "decline", rising=True)
    assert_graded(on, "intimacy", rising=False)
    # Intimacy declines from the first year to the tenth in nearly every couple of the
    # most self-focused helper; the asymmetry of help stays high the while.
    assert (on.m["decline"][-1] > 0).mean() > 0.9
    assert on.mean("help_asymmetry")[-1] > 0.4
    for name, rising in (("help_asymmetry", True), ("decline", True), ("intimacy", False)):
        assert_ablated(on, off, name, rising)


M8_GRID = (0.1, 0.5, 0.9)


def _coercive_grid(**switches):
    """Coercive share of couples that stay, by partner dependency (rows) and helper
    narcissism (columns)."""
    return np.array(
        [
            sweep("b.narcissism", a={"dependency": dep}, levels=M8_GRID, **switches).share(
                "coercive"
            )
            for dep in M8_GRID
        ]
    )


def test_m8_coercion_needs_a_self_focused_helper_and_a_dependent_partner():
    """The coercive share on couples that stay (``commitment_threshold`` 0): counting
    couples that ended destructive after a coercion would mix in the many dependent
    couples that end destructive through demand escalation (M1) alone."""
    grid = _coercive_grid()
    others = np.delete(grid.ravel(), grid.size - 1)
    assert grid[-1, -1] >= 3 * others.max(), grid
    assert grid[-1, -1] > 0.5, grid
    # Neither trait alone: high narcissism with the middle dependency, or high
    # dependency with the middle narcissism, stays far below.
    assert grid[1, -1] < grid[-1, -1] / 3 and grid[-1, 1] < grid[-1, -1] / 3, grid
    assert _coercive_grid(m8_coercion=0.0).max() == 0.0


@pytest.mark.parametrize(
    "param, partner",
    [("b.narcissism", {"a": {"dependency": 0.9}}), ("a.dependency", {"b": {"narcissism": 0.9}})],
    ids=["helper_narcissism", "partner_dependency"],
)
def test_m8_coercion_and_lost_autonomy_grow_with_each_trait(param, partner):
    on, off = assert_signature(param, "m8_coercion", {"coercion_rate": True}, **partner)
    assert_graded(on, "autonomy_a", rising=False)
    if param == "b.narcissism":  # dependency lowers autonomy of itself (its resting level)
        assert_ablated(on, off, "autonomy_a", rising=False)


def test_m8_acceptance_of_coercive_help_oscillates():
    trapped = sweep("b.narcissism", a={"dependency": 0.9}, levels=(0.9,))
    accepted, rejected = trapped.m["n_fix_accepted"][0], trapped.m["n_fix_rejected"][0]
    flips = trapped.m["n_acceptance_flip"][0]
    assert flips.sum() / (accepted + rejected).sum() > 0.3
    assert ((accepted > 5) & (rejected > 5)).mean() > 0.9


# --- M9 irrelationship ----------------------------------------------------------------


def test_m9_fear_of_closeness_gives_effort_without_intimacy():
    on, _ = assert_signature("both.intimacy_fear", "m9_stand_in", {"effort": True})
    # Fear caps disclosure itself (R6.1, no strength of its own): closeness and
    # satisfaction fall with it whether or not effort stands in.
    for name in ("disclosure", "intimacy", "satisfaction"):
        assert_graded(on, name, rising=False)
    assert_graded(
        on.add("irrelationship", on.m["outcome"] == "irrelationship"), "irrelationship", True
    )


def test_m9_irrelationship_is_stable():
    """Fearful couples are less satisfied yet end no more often: the effort they keep
    up holds their commitment (R9.1). With the stand-in switched off they end like any
    dissatisfied couple, more often the more they fear closeness."""
    on = sweep("both.intimacy_fear", env=())
    off = sweep("both.intimacy_fear", env=(), m9_stand_in=0.0)
    ended = on.mean("ended")
    assert ended.max() - ended[0] <= 0.1, ended
    assert_graded(on, "satisfaction", rising=False)
    assert_graded(off, "ended", rising=True, min_effect=0.3)


# --- M12 independent growth, M13 rigid convictions ----------------------------------


def _divergence_cost(run, partner="a"):
    """Per level, the satisfaction one typical divergence of growth paths costs: the
    slope of the partner's final satisfaction on the final distance between the two
    partners' growth directions, times that distance's standard deviation, with its
    standard error. Directions wander by chance alone (R7.1), so within a level the
    distance is an experiment."""
    cost, se = [], []
    for x, y in zip(run.m["divergence"], run.m[f"satisfaction_{partner}"], strict=True):
        slope, intercept = np.polyfit(x, y, 1)
        resid = y - (slope * x + intercept)
        cost.append(-slope * x.std())
        se.append(resid.std() / np.sqrt(len(x)))
    return np.array(cost), np.array(se)


@pytest.mark.parametrize("moderator", ["rigidity", "dependency"])
def test_m12_divergent_growth_hurts_only_the_rigid_or_dependent(moderator):
    """The moderator is partner ``a``'s; growth at its default for both."""
    cost, se = _divergence_cost(sweep(f"a.{moderator}"))
    ablated, _ = _divergence_cost(sweep(f"a.{moderator}", m12_divergence=0.0))
    assert abs(cost[0]) < 0.01, cost  # a secure, flexible partner barely minds
    assert cost.max() >= max(MIN_EFFECT, 3 * cost[0]), cost
    upper, lower = cost[len(cost) // 2 + 1 :], cost[:2]
    assert upper.min() > lower.max() + 3 * se.max(), cost
    assert np.abs(ablated).max() <= ABLATION_REMAINS * cost.max(), (cost, ablated)
    if moderator == "rigidity":
        assert (np.diff(cost) >= -3 * np.sqrt(2) * se.max()).all(), cost
    # Dependency: the cost rises up to 0.725 and is smaller at 0.95, where demand
    # escalation (M1) has already brought satisfaction low and it moves less.


def test_m13_rigidity_raises_conflict_and_co_creation_raises_intimacy():
    directions = {"conflict_rate": True, "intimacy": False}
    on, _ = assert_signature("both.rigidity", "m13_threat", directions)
    assert (np.diff(on.mean("n_co_creation")) < 0).all()


# --- M14 barriers ---------------------------------------------------------------------


def test_m14_the_partner_who_never_asks_gives_without_receiving_and_blocks_intimacy():
    """The parentified giver: a partner of low dependency who asks even for help beyond
    reach less the less assertive they are (a.assertiveness falling)."""
    on = sweep("a.assertiveness", a={"dependency": 0.05})
    off = sweep("a.assertiveness", a={"dependency": 0.05}, m14_receiving=0.0)
    given, received = on.mean("help_given_a"), on.mean("help_given_b")
    assert (np.diff(received) > 0).all() and received[0] < 0.5 * received[-1], received
    assert abs(given[-1] - given[0]) < 0.05 * given.mean(), given  # gives all the same
    assert received[0] < 0.25 * given[0]
    assert_graded(on, "intimacy", rising=True)
    assert_ablated(on, off, "intimacy", rising=True)
    conflict = on.mean("conflict_rate")
    assert conflict.max() - conflict.min() < 0.01, conflict  # low conflict throughout


def test_m14_the_self_sufficient_who_fears_closeness_cannot_receive():
    """The hyper self-sufficient: low dependency, rising fear of closeness. Receiving
    goes with the barrier's rule; closeness falls with fear's cap on disclosure (R6.1),
    which has no strength of its own."""
    on = sweep("a.intimacy_fear", a={"dependency": 0.05})
    off = sweep("a.intimacy_fear", a={"dependency": 0.05}, m14_receiving=0.0)
    received = on.mean("help_given_b")
    assert (np.diff(received) < 0).all() and received[-1] < 0.7 * received[0], received
    assert_ablated(on, off, "help_given_b", rising=False)
    assert_graded(on, "intimacy", rising=False)
    conflict = on.mean("conflict_rate")
    assert conflict.max() - conflict.min() < 0.01, conflict


# --- M15 mutual steps -----------------------------------------------------------------


def test_m15_matched_disclosure_raises_intimacy_and_trust():
    """Reciprocity of both partners, one more guarded than the other (intimacy fear
    0.5): matching needs depths that differ; partners with the same traits disclose
    alike already."""
    directions = {"intimacy": True, "trust": True}
    assert_signature("both.reciprocity", "m15_mutual_steps", directions, b={"intimacy_fear": 0.5})


def test_m15_celebrated_achievements_raise_intimacy():
    on, _ = assert_signature("env.achievement_rate", "m15_mutual_steps", {"intimacy": True})
    assert_graded(on, "n_celebration", rising=True)


TRIAL_LEVELS = tuple(0.1 * x for x in LEVELS)
"""Trial rates 0.0025 to 0.0475 a week: up to a major trial every 20 weeks (the range
allows 0.5, a trial every other week, which no couple lives)."""


def test_m15_support_through_trials_holds_commitment():
    """With support through trials, more trials cost commitment at most half of what
    they cost when support builds no shared history and closeness."""
    on = sweep("env.trial_rate", levels=TRIAL_LEVELS)
    off = sweep("env.trial_rate", levels=TRIAL_LEVELS, m15_mutual_steps=0.0)
    assert_graded(on, "n_trial_support", rising=True)
    unsupported = assert_graded(off, "commitment_a", rising=False)
    supported = on.mean("commitment_a")
    assert fall(supported) <= ABLATION_REMAINS * fall(unsupported), (supported, unsupported)
    assert (supported > unsupported).all()


def test_m15_pressing_after_a_no_feeds_demand_escalation():
    dependent = {"dependency": 0.6}
    on, _ = assert_signature("a.assertiveness", "m1_demand", {"goodwill_b": True}, a=dependent)
    assert_graded(on, "demand_rate", rising=False)


# --- M16 developmental imbalance, M17 the therapeutic contrast -----------------------

SEEKER = {"capability": 0.8, "growth": 0.6}
RESISTANT = {"capability": 0.3}


def _higher_functioning(run):
    closed = np.abs(run.m["capability_a"] - run.m["capability_b"]) < 0.1
    run.add("higher_functioning", (run.m["outcome"] == "mutual") & closed)
    return run.add("mutual", run.m["outcome"] == "mutual")


def test_m16_openness_of_the_resistant_partner_decides_higher_functioning():
    """Default environment: couples end, and one that ended did not reach higher
    functioning. Higher functioning is the ``mutual`` class with the development gap
    closed (within 0.1): the resistant partner moved."""
    on = _higher_functioning(sweep("b.openness", a=SEEKER, b=RESISTANT, env=()))
    off = _higher_functioning(sweep("b.openness", a=SEEKER, b=RESISTANT, env=(), m16_depth=0.0))
    for name in ("higher_functioning", "mutual"):
        share = assert_graded(on, name, rising=True, min_effect=0.5)
        # Rises steeply but without a jump: no step of more than half the whole rise.
        assert np.diff(share).max() <= 0.5 * (share[-1] - share[0]), (name, share)
        assert_ablated(on, off, name, rising=True)
    assert_graded(on, "conflict_rate", rising=False)
    assert_ablated(on, off, "conflict_rate", rising=False)
    for name in ("satisfaction_a", "self_regard_a"):  # the seeker's
        assert_graded(on, name, rising=True)
        assert_ablated(on, off, name, rising=True)


HELPED = {"dependency": 0.6, "capability": 0.2}
HELPER = {"assertiveness": 0.8, "capability": 0.8}


def test_m17_help_without_a_stake_builds_the_helped_partners_capability():
    """Measured with the more developed partner's requests for depth (M16) off in both
    arms: they close the same development gap on their own, at every level of
    narcissism but the highest, so that with them on teaching is redundant and its
    switch removes nothing (the full model keeps the direction, checked below)."""
    on, _ = assert_signature(
        "b.narcissism",
        "m17_teaching",
        {"capability_gain_a": False},
        a=HELPED,
        b=HELPER,
        m16_depth=0.0,
    )
    assert on.mean("capability_gain_a")[0] > 0.3
    full = sweep("b.narcissism", a=HELPED, b=HELPER)
    assert_graded(full, "capability_gain_a", rising=False)


def test_m17_the_bounded_helpers_couple_ends_if_at_all_healthily():
    run = sweep("b.narcissism", a=HELPED, b=HELPER, env=())
    ended = run.m["ended"]
    healthy = np.where(ended, run.m["ending_kind"] == Ending.HEALTHY, np.nan)
    run.add("healthy_ending", healthy)
    assert_graded(run, "healthy_ending", rising=False)
    assert run.mean("healthy_ending")[0] > 0.5


# --- No floors or ceilings ------------------------------------------------------------

OTHER_TRAITS = tuple(t for t in reg.TRAIT_NAMES if t not in reg.MAIN_TRAITS)

BOUNDED = ("satisfaction_a", "satisfaction_b", "intimacy", "goodwill_a", "goodwill_b", "trust")


@pytest.mark.parametrize("who", ["both", "a"])
@pytest.mark.parametrize("trait", [*reg.MAIN_TRAITS, *OTHER_TRAITS])
def test_no_ordinary_trait_value_pins_a_state_to_its_floor_or_ceiling(who, trait):
    """Couples that stay ten years (the harder case: an ending stops the slide)."""
    run = sweep(f"{who}.{trait}")
    for name in BOUNDED:
        values = run.mean(name)
        assert values.min() > 0.02 and values.max() < 0.98, (name, values.round(3))
