"""The week's rules compiled for blocks of couples: the fast path of
:func:`sim.model.week.step`.

:mod:`sim.model.week` states the nine phases as array operations over every couple at
once; that is the readable reference, and ``docs/ODD.md`` describes it. Array code
pays for many temporary ``(2, n)`` arrays. This module runs the same rules in compiled
code (Numba) for :data:`LANES` couples side by side: a block's state sits in a small
scratch array on the stack (one row per variable, one column per couple) while it lives
through many weeks, and each phase is a loop over the columns without branches, which
the compiler turns into vector instructions (AVX-512 or AVX2 where the processor has
them). Every draw is hashed for every couple, used or not; draws are a pure function of
key, week and slot, so an unused draw changes nothing.

The results are bit for bit those of the reference: every expression keeps the
reference's order of floating-point operations, Numba is not allowed to reorder or
contract them (no ``fastmath``), and ``tests/test_kernel.py`` checks every array of the
state against :func:`sim.model.week.step_reference` after one week and after ten years.
A change to a rule is made in both places.

Compiled code is cached next to this file (``cache=True``) and keyed on this file's
timestamp: after changing :class:`~sim.model.state.Event` or the ranges in
:mod:`sim.model.state`, which are compiled in as constants, touch this file.
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from sim.model.state import COUPLE_RANGES, PARTNER_RANGES, Ending, Event, Params, State

# --- Per-couple scratch layout --------------------------------------------------------
# State ``x``: two slots per partner variable (partner a, then b), one per couple variable.
PARTNER_VARS = (
    "capability",
    "stress",
    "goodwill",
    "satisfaction",
    "resentment",
    "trust",
    "autonomy",
    "commitment",
    "self_regard",
    "acceptance",
    "disclosed",
    "care",
    "ledger",
    "escalation",
    "direction",
    "sprint",
    "help_recent",
    "below",
    "last_fix",
    "help_given",
    "capability0",
)
"""Partner arrays the kernel advances, in scratch order (``capability0`` is only clamped)."""

COUPLE_VARS = (
    "intimacy",
    "effort",
    "chemistry",
    "shared",
    "conflict_recent",
    "coercion_recent",
    "demand_recent",
)
"""Float couple arrays the kernel advances, in scratch order."""

(
    CAP,
    STRESS,
    GOODWILL,
    SATISFACTION,
    RESENTMENT,
    TRUST,
    AUTONOMY,
    COMMITMENT,
    SELF_REGARD,
    ACCEPTANCE,
    DISCLOSED,
    CARE,
    LEDGER,
    ESCALATION,
    DIRECTION,
    SPRINT,
    HELP_RECENT,
    BELOW,
    LAST_FIX,
    HELP_GIVEN,
    CAP0,
) = range(0, 2 * len(PARTNER_VARS), 2)
(
    INTIMACY,
    EFFORT,
    CHEMISTRY,
    SHARED,
    CONFLICT_RECENT,
    COERCION_RECENT,
    DEMAND_RECENT,
) = range(2 * len(PARTNER_VARS), 2 * len(PARTNER_VARS) + len(COUPLE_VARS))
N_STATE = 2 * len(PARTNER_VARS) + len(COUPLE_VARS)

# Parameters ``q``, after the state: two slots per trait, one per environment parameter.
TRAIT_ORDER = (
    "dependency",
    "narcissism",
    "growth",
    "reciprocity",
    "intimacy_fear",
    "scorekeeping",
    "rigidity",
    "expectation",
    "responsiveness",
    "openness",
    "assertiveness",
    "intensity_seeking",
)
"""Traits the rules read, in scratch order (the trait ``capability`` only sets the start)."""

ENV_ORDER = (
    "problem_rate",
    "problem_size",
    "problem_spread",
    "achievement_rate",
    "trial_rate",
    "learning_rate",
    "alternatives",
    "commitment_threshold",
    "patience",
)
"""Environment parameters the rules read, in scratch order."""

(
    DEPENDENCY,
    NARCISSISM,
    GROWTH,
    RECIPROCITY,
    FEAR,
    SCOREKEEPING,
    RIGIDITY,
    EXPECTATION,
    RESPONSIVENESS,
    OPENNESS,
    ASSERTIVENESS,
    INTENSITY,
) = range(N_STATE, N_STATE + 2 * len(TRAIT_ORDER), 2)
(
    PROBLEM_RATE,
    PROBLEM_SIZE,
    PROBLEM_SPREAD,
    ACHIEVEMENT_RATE,
    TRIAL_RATE,
    LEARNING_RATE,
    ALTERNATIVES,
    THRESHOLD,
    PATIENCE,
) = range(N_STATE + 2 * len(TRAIT_ORDER), N_STATE + 2 * len(TRAIT_ORDER) + len(ENV_ORDER))
N_PARAMS = 2 * len(TRAIT_ORDER) + len(ENV_ORDER)

# Week ``w``, after the parameters: the scratch values of :class:`sim.model.week.Week`,
# two slots per partner (booleans as 0.0 or 1.0), one for the couple's closeness.
W0 = N_STATE + N_PARAMS
W_PROBLEM, W_SIZE, W_ASKED, W_UNRESOLVED, W_HELPED = W0, W0 + 2, W0 + 4, W0 + 6, W0 + 8
W_CARED, W_GOOD, W_BAD, W_HURT, W_JOY = W0 + 10, W0 + 12, W0 + 14, W0 + 16, W0 + 18
W_CLOSENESS = W0 + 20
N_WEEK = 21

N_SCRATCH = W0 + N_WEEK

# Events ``ev``, an array of their own: slot ``EV_<KIND> + partner`` counts the times the
# partner did it this week (more than 1 only for a conflict started in several phases).
EV0 = 0
N_EV = 2 * len(Event)
EV_PROBLEM = EV0 + 2 * int(Event.PROBLEM)
EV_HANDLED_ALONE = EV0 + 2 * int(Event.HANDLED_ALONE)
EV_REQUEST = EV0 + 2 * int(Event.REQUEST)
EV_HELP_FREE = EV0 + 2 * int(Event.HELP_FREE)
EV_HELP_CONDITIONAL = EV0 + 2 * int(Event.HELP_CONDITIONAL)
EV_DECLINE = EV0 + 2 * int(Event.DECLINE)
EV_DEMAND = EV0 + 2 * int(Event.DEMAND)
EV_HELP_DEMANDED = EV0 + 2 * int(Event.HELP_DEMANDED)
EV_WITHDRAW = EV0 + 2 * int(Event.WITHDRAW)
EV_NOTICE = EV0 + 2 * int(Event.NOTICE)
EV_FIX = EV0 + 2 * int(Event.FIX)
EV_COERCION = EV0 + 2 * int(Event.COERCION)
EV_FIX_ACCEPTED = EV0 + 2 * int(Event.FIX_ACCEPTED)
EV_FIX_REJECTED = EV0 + 2 * int(Event.FIX_REJECTED)
EV_ACCEPTANCE_FLIP = EV0 + 2 * int(Event.ACCEPTANCE_FLIP)
EV_ACHIEVEMENT = EV0 + 2 * int(Event.ACHIEVEMENT)
EV_CELEBRATION = EV0 + 2 * int(Event.CELEBRATION)
EV_TRIAL = EV0 + 2 * int(Event.TRIAL)
EV_TRIAL_SUPPORT = EV0 + 2 * int(Event.TRIAL_SUPPORT)
EV_DISCLOSURE = EV0 + 2 * int(Event.DISCLOSURE)
EV_SUGGESTION = EV0 + 2 * int(Event.SUGGESTION)
EV_CO_CREATION = EV0 + 2 * int(Event.CO_CREATION)
EV_CONFLICT = EV0 + 2 * int(Event.CONFLICT)
EV_DEPTH_REQUEST = EV0 + 2 * int(Event.DEPTH_REQUEST)
EV_DEPTH_MET = EV0 + 2 * int(Event.DEPTH_MET)
EV_DEPTH_RESISTED = EV0 + 2 * int(Event.DEPTH_RESISTED)

TOGETHER = float(Ending.TOGETHER)
HEALTHY = float(Ending.HEALTHY)
DESTRUCTIVE = float(Ending.DESTRUCTIVE)


def _ranges() -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper clamp bound of every scratch state slot (see ``week.clamp``)."""
    lo, hi = np.zeros(N_STATE), np.ones(N_STATE)
    for k, name in enumerate(PARTNER_VARS):
        lo[2 * k : 2 * k + 2], hi[2 * k : 2 * k + 2] = PARTNER_RANGES.get(name, (0.0, 1.0))
    for k, name in enumerate(COUPLE_VARS):
        lo[INTIMACY + k], hi[INTIMACY + k] = COUPLE_RANGES.get(name, (0.0, 1.0))
    return lo, hi


LOW, HIGH = _ranges()

# Memory of "recent" rates: about a year (``week.RECENT``).
RECENT = 1.0 / 52.0
KEEP = 1 - RECENT

# SplitMix64 constants of :mod:`sim.model.randomness`.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_STEP = np.uint64(0xD1B54A32D192ED03)
_S27, _S30, _S31, _S32 = np.uint64(27), np.uint64(30), np.uint64(31), np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_TO_UNIT32 = 2.0**-32


# --- Draws and small helpers -----------------------------------------------------------
# Every helper is inlined into its caller (``inline="always"``): a call left in a loop
# over lanes keeps the compiler from vectorizing it. ``_min`` and ``_max`` replace the
# builtins ``min`` and ``max`` for the same reason.


@njit(cache=True, inline="always")
def _mix64(z):
    """SplitMix64 finaliser (``randomness.mix64``) on one uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def week_base(key, step):
    """The hash every draw of a couple's week starts from (``WeekDraws._base``)."""
    return _mix64(key ^ (np.uint64(step + 1) * _STEP))


@njit(cache=True, inline="always")
def pair(base, slot):
    """Partner a's and b's uniform number of a pair slot (``WeekDraws.pair``)."""
    z = _mix64(base + np.uint64(slot + 1025) * _GOLDEN)
    return np.float64(z >> _S32) * _TO_UNIT32, np.float64(z & _LOW32) * _TO_UNIT32


@njit(cache=True, inline="always")
def _clip(v, lo, hi):
    """``np.clip`` of one number."""
    v = v if v > lo else lo
    return v if v < hi else hi


@njit(cache=True, inline="always")
def _max(a, b):
    """``np.maximum`` of two numbers that are not NaN (``a`` when they are equal)."""
    return b if b > a else a


@njit(cache=True, inline="always")
def _min(a, b):
    """``np.minimum`` of two numbers that are not NaN (``a`` when they are equal)."""
    return b if b < a else a


@njit(cache=True, inline="always")
def _flag(c):
    """A condition as the 0.0 or 1.0 NumPy makes of a boolean in arithmetic."""
    return 1.0 if c else 0.0


@njit(cache=True, inline="always")
def _pace(growth, sprint):
    """``week._pace``: growth pace."""
    return growth * (0.4 + 1.2 * sprint)


@njit(cache=True, inline="always")
def _self_efficacy(autonomy):
    """``week._self_efficacy``."""
    return 0.5 + 0.5 * autonomy


@njit(cache=True, inline="always")
def _receptivity(dependency, fear):
    """``week._receptivity``."""
    return 0.2 + 0.8 * _min(1.0, 2.5 * dependency) * (1.0 - 0.5 * fear)


@njit(cache=True, inline="always")
def _asymmetry(given_a, given_b):
    """``week._asymmetry``."""
    total = given_a + given_b
    return abs(given_a - given_b) / (total + 0.02)


@njit(cache=True, inline="always")
def _learn_from_help(z, l, j, got, amount):
    """``week._learn_from_help`` for partner ``j``, who got help of ``amount`` if ``got``."""
    cap = z[CAP + j, l]
    beyond = got & (z[W_SIZE + j, l] > cap)
    pace = _pace(z[GROWTH + j, l], z[SPRINT + j, l]) * _self_efficacy(z[AUTONOMY + j, l])
    teach = 2.0 * z[LEARNING_RATE, l] * pace * (1.0 - z[NARCISSISM + 1 - j, l])
    z[CAP + j, l] = cap + (teach * amount * (1.0 - cap) if beyond else 0.0)


# --- The nine phases, per couple -------------------------------------------------------
# Each runs the couple in lane ``l`` of the block's scratch ``z`` (events in ``ev``) and
# keeps the order of operations of its reference in ``sim.model.week``; a term the
# reference multiplies by a boolean is multiplied by ``_flag`` of it. No phase branches
# on a couple's values (a conditional is a select), so the loop over lanes vectorizes.


@njit(cache=True, inline="always")
def life(z, ev, base, l):
    """Phase 1 for one couple: :func:`sim.model.week.life`."""
    d = pair(base[l], 0)
    spread_draw = pair(base[l], 1)
    news = pair(base[l], 2)
    trials = pair(base[l], 3)
    start = pair(base[l], 4)
    stop = pair(base[l], 5)
    for j in range(2):
        problem = d[j] < z[PROBLEM_RATE, l]
        z[W_PROBLEM + j, l] = _flag(problem)
        spread = z[PROBLEM_SPREAD, l] * (2.0 * spread_draw[j] - 1.0)
        size = _clip(z[PROBLEM_SIZE, l] + spread, 0.02, 1.0)
        z[W_SIZE + j, l] = size if problem else 0.0
        trial = trials[j] < z[TRIAL_RATE, l]
        ev[EV_PROBLEM + j, l] += _flag(problem)
        ev[EV_ACHIEVEMENT + j, l] += _flag(news[j] < z[ACHIEVEMENT_RATE, l])
        ev[EV_TRIAL + j, l] += _flag(trial)
        z[STRESS + j, l] = 0.8 * z[STRESS + j, l] + 0.4 * _flag(trial)
        sprint = z[SPRINT + j, l]
        starts = (sprint == 0.0) & (start[j] < 0.02 + 0.08 * z[GROWTH + j, l])
        stops = (sprint == 1.0) & (stop[j] < 0.08)
        z[SPRINT + j, l] = 1.0 - sprint if starts | stops else sprint


@njit(cache=True, inline="always")
def cope(z, ev, base, l):
    """Phase 2 for one couple: :func:`sim.model.week.cope`."""
    d = pair(base[l], 6)
    for j in range(2):
        dep, cap, size = z[DEPENDENCY + j, l], z[CAP + j, l], z[W_SIZE + j, l]
        within = size <= cap
        ask_beyond = dep + (1.0 - dep) * z[ASSERTIVENESS + j, l] * (1.0 - 0.7 * z[FEAR + j, l])
        p_ask = dep if within else ask_beyond
        problem = z[W_PROBLEM + j, l] > 0.0
        asked = problem & (d[j] < p_ask)
        alone = problem & (not asked)
        z[W_ASKED + j, l] = _flag(asked)
        ev[EV_REQUEST + j, l] += _flag(asked)
        ev[EV_HANDLED_ALONE + j, l] += _flag(alone)
        pace = _pace(z[GROWTH + j, l], z[SPRINT + j, l]) * _self_efficacy(z[AUTONOMY + j, l])
        mastered = size if within else 0.5 * cap
        gain = z[LEARNING_RATE, l] * pace * mastered * (1.0 - cap)
        z[CAP + j, l] = cap + (gain if alone else 0.0)
        beyond = _max(size - cap, 0.0)
        z[W_UNRESOLVED + j, l] = beyond if alone else (size if asked else 0.0)


@njit(cache=True, inline="always")
def notice(z, ev, base, l):
    """Phase 3 for one couple: :func:`sim.model.week.notice`."""
    s0 = (z[W_PROBLEM, l] > 0.0) & (z[W_ASKED, l] == 0.0) & (z[W_UNRESOLVED, l] > 0.0)
    s1 = (z[W_PROBLEM + 1, l] > 0.0) & (z[W_ASKED + 1, l] == 0.0) & (z[W_UNRESOLVED + 1, l] > 0.0)
    struggling = (s0, s1)
    offer = pair(base[l], 7)
    take = pair(base[l], 8)
    t0 = t1 = False
    a0 = a1 = 0.0
    for j in range(2):
        o = 1 - j
        offer_p = z[RESPONSIVENESS + o, l] * z[GOODWILL + o, l] * (0.4 + 0.6 * z[INTIMACY, l])
        offered = struggling[j] & (offer[j] < offer_p)
        taken = offered & (take[j] < _receptivity(z[DEPENDENCY + j, l], z[FEAR + j, l]))
        amount = z[W_UNRESOLVED + j, l] if taken else 0.0
        if j == 0:
            t0, a0 = taken, amount
        else:
            t1, a1 = taken, amount
    taken_, amount_ = (t0, t1), (a0, a1)
    mutual = 1.0 - _asymmetry(z[HELP_RECENT, l], z[HELP_RECENT + 1, l])
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] + 0.02 * mutual * (_flag(t0) + _flag(t1))
    for j in range(2):
        taken, amount = taken_[j], amount_[j]
        ev[EV_NOTICE + 1 - j, l] += _flag(taken)
        z[W_UNRESOLVED + j, l] = z[W_UNRESOLVED + j, l] - amount
        z[W_HELPED + j, l] = z[W_HELPED + j, l] + amount
        z[W_CARED + j, l] = 1.0 if taken else z[W_CARED + j, l]
        z[W_GOOD + j, l] = z[W_GOOD + j, l] + _flag(taken)
        z[GOODWILL + j, l] = z[GOODWILL + j, l] - 0.01 * amount_[1 - j]
    for j in range(2):
        _learn_from_help(z, l, j, taken_[j], amount_[j])


@njit(cache=True, inline="always")
def respond(z, ev, base, l):
    """Phase 4 for one couple: :func:`sim.model.week.respond`."""
    asked0, asked1 = z[W_ASKED, l] > 0.0, z[W_ASKED + 1, l] > 0.0
    demand0, demand1 = _answer(z, ev, base, l, (asked0, asked1))
    for j in range(2):
        demand = demand0 if j == 0 else demand1
        z[ESCALATION + j, l] = 0.97 * z[ESCALATION + j, l] + 0.15 * _flag(demand)
    z[DEMAND_RECENT, l] = KEEP * z[DEMAND_RECENT, l] + RECENT * _flag(demand0 | demand1)


@njit(cache=True, inline="always")
def _answer(z, ev, base, l, asked):
    """Phase 4, the answers: help, help on condition, a no, a demand (all zero for a
    partner who did not ask).

    Returns who pressed a demand; the caller updates escalation and the demand rate.
    """
    helper_goodwill = (z[GOODWILL + 1, l], z[GOODWILL, l])
    for j in range(2):
        o = 1 - j
        z[GOODWILL + j, l] = z[GOODWILL + j, l] - 0.06 * (z[W_SIZE + o, l] * _flag(asked[o]))
    help_draw = pair(base[l], 9)
    cond_draw = pair(base[l], 10)
    h0 = h1 = c0 = c1 = False
    for j in range(2):
        o = 1 - j
        willing = helper_goodwill[j] * (1.0 - 0.5 * z[STRESS + o, l])
        helps = asked[j] & (help_draw[j] < willing)
        keep_score = z[SCOREKEEPING + o, l] * _clip(0.2 + 4.0 * z[LEDGER + o, l], 0.0, 1.0)
        conditional = helps & (cond_draw[j] < keep_score)
        if j == 0:
            h0, c0 = helps, conditional
        else:
            h1, c1 = helps, conditional
    helps_, cond_ = (h0, h1), (c0, c1)
    free_ = (h0 & (not c0), h1 & (not c1))
    declined_ = (asked[0] & (not h0), asked[1] & (not h1))
    amount_ = (z[W_UNRESOLVED, l] if h0 else 0.0, z[W_UNRESOLVED + 1, l] if h1 else 0.0)
    mutual = 1.0 - _asymmetry(z[HELP_RECENT, l], z[HELP_RECENT + 1, l])
    n_free = _flag(free_[0]) + _flag(free_[1])
    n_declined = _flag(declined_[0]) + _flag(declined_[1])
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] + (0.012 * mutual * n_free - 0.004 * n_declined)
    for j in range(2):
        o = 1 - j
        free, conditional, declined = free_[j], cond_[j], declined_[j]
        ev[EV_HELP_FREE + o, l] += _flag(free)
        ev[EV_HELP_CONDITIONAL + o, l] += _flag(conditional)
        ev[EV_DECLINE + o, l] += _flag(declined)
        z[W_UNRESOLVED + j, l] = z[W_UNRESOLVED + j, l] - amount_[j]
        z[W_HELPED + j, l] = z[W_HELPED + j, l] + amount_[j]
        # Taking on the partner's problem loads the helper.
        z[STRESS + j, l] = z[STRESS + j, l] + 0.15 * amount_[o]
        z[W_CARED + j, l] = 1.0 if free else z[W_CARED + j, l]
        z[W_GOOD + j, l] = z[W_GOOD + j, l] + _flag(free)
        z[W_BAD + j, l] = z[W_BAD + j, l] + _flag(declined)
        z[W_HURT + j, l] = z[W_HURT + j, l] + (0.02 * _flag(conditional) + 0.01 * _flag(declined))
        # Appreciation refills the helper's goodwill.
        z[GOODWILL + j, l] = z[GOODWILL + j, l] + 0.04 * (_flag(free_[o]) * z[RECIPROCITY + o, l])
    for j in range(2):
        _learn_from_help(z, l, j, helps_[j], amount_[j])

    # A declined request pressed as a demand.
    press_draw = pair(base[l], 11)
    demand_ = (
        declined_[0]
        & (
            press_draw[0]
            < _clip(
                _press(z[ASSERTIVENESS, l], z[DEPENDENCY, l], z[EXPECTATION, l], z[ESCALATION, l]),
                0.0,
                1.0,
            )
        ),
        declined_[1]
        & (
            press_draw[1]
            < _clip(
                _press(
                    z[ASSERTIVENESS + 1, l],
                    z[DEPENDENCY + 1, l],
                    z[EXPECTATION + 1, l],
                    z[ESCALATION + 1, l],
                ),
                0.0,
                1.0,
            )
        ),
    )
    drain_ = (
        0.1 * (1.0 + z[ESCALATION, l]) * _flag(demand_[0]),
        0.1 * (1.0 + z[ESCALATION + 1, l]) * _flag(demand_[1]),
    )
    z[GOODWILL, l] = z[GOODWILL, l] - drain_[1]
    z[GOODWILL + 1, l] = z[GOODWILL + 1, l] - drain_[0]
    give_draw = pair(base[l], 12)
    gives_ = (
        demand_[0] & (give_draw[0] < z[GOODWILL + 1, l]),
        demand_[1] & (give_draw[1] < z[GOODWILL, l]),
    )
    withdraws_ = (demand_[0] & (not gives_[0]), demand_[1] & (not gives_[1]))
    for j in range(2):
        o = 1 - j
        demand, gives, withdraws = demand_[j], gives_[j], withdraws_[j]
        ev[EV_DEMAND + j, l] += _flag(demand)
        ev[EV_HELP_DEMANDED + o, l] += _flag(gives)
        ev[EV_WITHDRAW + o, l] += _flag(withdraws)
        ev[EV_CONFLICT + o, l] += _flag(withdraws)
        extracted = z[W_UNRESOLVED + j, l] if gives else 0.0
        z[W_UNRESOLVED + j, l] = z[W_UNRESOLVED + j, l] - extracted
        z[W_HELPED + j, l] = z[W_HELPED + j, l] + extracted
        z[W_BAD + j, l] = z[W_BAD + j, l] + _flag(demand)
        # The pressed partner feels controlled; the demanding one grows more dissatisfied.
        z[W_HURT + j, l] = z[W_HURT + j, l] + (0.04 * _flag(demand_[o]) + 0.02 * _flag(withdraws))
        z[W_JOY + j, l] = z[W_JOY + j, l] - 0.02 * _flag(demand)
    n_demand = _flag(demand_[0]) + _flag(demand_[1])
    n_withdraws = _flag(withdraws_[0]) + _flag(withdraws_[1])
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] - (0.02 * n_demand + 0.02 * n_withdraws)
    return demand_[0], demand_[1]


@njit(cache=True, inline="always")
def _press(assertiveness, dependency, expectation, escalation):
    """How hard a partner presses a declined request (before clipping)."""
    press = (1.0 - assertiveness) * _max(dependency, expectation)
    return press * (0.6 + escalation)


@njit(cache=True, inline="always")
def fix(z, ev, base, l):
    """Phase 5 for one couple: :func:`sim.model.week.fix`."""
    push_p = (
        _push_chance(
            z[NARCISSISM, l], z[CAP, l], z[CAP + 1, l], z[DEPENDENCY + 1, l], z[LAST_FIX + 1, l]
        ),
        _push_chance(
            z[NARCISSISM + 1, l], z[CAP + 1, l], z[CAP, l], z[DEPENDENCY, l], z[LAST_FIX, l]
        ),
    )
    refused_ = (z[LAST_FIX + 1, l] < 0, z[LAST_FIX, l] < 0)
    d = pair(base[l], 13)
    pushes_ = (d[0] < push_p[0], d[1] < push_p[1])
    d = pair(base[l], 14)
    # Partner j receives the help the other pushes.
    accepts_ = (pushes_[1] & (d[0] < z[ACCEPTANCE, l]), pushes_[0] & (d[1] < z[ACCEPTANCE + 1, l]))
    coerces_ = (pushes_[0] & refused_[0], pushes_[1] & refused_[1])
    rejects_ = (pushes_[1] & (not accepts_[0]), pushes_[0] & (not accepts_[1]))
    for j in range(2):
        o = 1 - j
        pushed, accepts, rejects = pushes_[o], accepts_[j], rejects_[j]
        ev[EV_FIX + j, l] += _flag(pushes_[j])
        ev[EV_COERCION + j, l] += _flag(coerces_[j])
        ev[EV_FIX_ACCEPTED + j, l] += _flag(accepts)
        ev[EV_FIX_REJECTED + j, l] += _flag(rejects)
        ev[EV_CONFLICT + j, l] += _flag(rejects)
        response = 1.0 if accepts else (-1.0 if rejects else 0.0)
        last = z[LAST_FIX + j, l]
        ev[EV_ACCEPTANCE_FLIP + j, l] += _flag(pushed & (last != 0) & (response != last))
        z[LAST_FIX + j, l] = response if pushed else last

        dep = z[DEPENDENCY + j, l]
        a, r, c = _flag(accepts), _flag(rejects), _flag(coerces_[o])
        z[AUTONOMY + j, l] = z[AUTONOMY + j, l] - 0.03 * a - 0.04 * c
        z[SELF_REGARD + j, l] = z[SELF_REGARD + j, l] - 0.01 * a - 0.01 * c
        acceptance = z[ACCEPTANCE + j, l] - 0.15 * (1.0 - 0.5 * dep) * a
        acceptance = acceptance + 0.25 * dep * (1.0 - z[AUTONOMY + j, l]) * r
        drift = 0.02 * (0.3 + 0.6 * dep - acceptance)
        z[ACCEPTANCE + j, l] = acceptance + drift
        z[W_HURT + j, l] = z[W_HURT + j, l] + (0.015 * a + 0.02 * r + 0.05 * c)
        # The pusher feels admired when help is taken, wronged when it is refused.
        z[W_JOY + j, l] = z[W_JOY + j, l] + 0.01 * _flag(accepts_[o])
        z[W_HURT + j, l] = z[W_HURT + j, l] + 0.02 * z[NARCISSISM + j, l] * _flag(rejects_[o])
        z[W_BAD + j, l] = z[W_BAD + j, l] + c
        # Accepted help on a problem still weighing lifts a little of it.
        lift = 0.5 * z[W_UNRESOLVED + j, l] if accepts else 0.0
        z[W_UNRESOLVED + j, l] = z[W_UNRESOLVED + j, l] - lift
        z[W_HELPED + j, l] = z[W_HELPED + j, l] + lift
    n_pushes = _flag(pushes_[0]) + _flag(pushes_[1])
    n_coerces = _flag(coerces_[0]) + _flag(coerces_[1])
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] - (0.008 * n_pushes + 0.02 * n_coerces)
    coerced = _flag(coerces_[0] | coerces_[1])
    z[COERCION_RECENT, l] = KEEP * z[COERCION_RECENT, l] + RECENT * coerced


@njit(cache=True, inline="always")
def _push_chance(narc, cap, other_cap, other_dependency, other_last_fix):
    """Chance that a partner pushes help on the other this week (phase 5)."""
    gap = _clip(cap - other_cap, 0.0, 1.0)
    project = narc * _clip(0.1 + 2.0 * gap + 0.8 * other_dependency, 0.0, 1.0)
    refused = other_last_fix < 0
    return 0.5 * project * (narc if refused else 1.0)


@njit(cache=True, inline="always")
def share(z, ev, base, l):
    """Phase 6 for one couple: :func:`sim.model.week.share`."""
    own0 = (1.0 - z[FEAR, l]) * (0.3 + 0.7 * z[TRUST, l])
    own1 = (1.0 - z[FEAR + 1, l]) * (0.3 + 0.7 * z[TRUST + 1, l])
    recip0, recip1 = z[RECIPROCITY, l], z[RECIPROCITY + 1, l]
    depth0 = _min((1.0 - recip0) * own0 + recip0 * z[DISCLOSED + 1, l], 1.0 - z[FEAR, l])
    depth1 = _min((1.0 - recip1) * own1 + recip1 * z[DISCLOSED, l], 1.0 - z[FEAR + 1, l])
    z[DISCLOSED, l], z[DISCLOSED + 1, l] = depth0, depth1
    match = 1.0 - abs(depth0 - depth1)
    one_way = _asymmetry(z[HELP_RECENT, l], z[HELP_RECENT + 1, l])
    leaning = _clip((z[HELP_RECENT, l] + z[HELP_RECENT + 1, l]) / 0.05, 0.0, 1.0)
    sharing = _min(depth0, depth1) * match * (1.0 - 0.7 * one_way)
    target = sharing * (0.7 + 0.3 * leaning) + 0.25 * z[SHARED, l]
    mean_stress = (z[STRESS, l] + z[STRESS + 1, l]) / 2.0
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] + (0.04 * (target - z[INTIMACY, l]) - 0.01 * mean_stress)
    depth_ = (depth0, depth1)
    for j in range(2):
        ev[EV_DISCLOSURE + j, l] += _flag(depth_[j] > 0.3)
        z[W_GOOD + j, l] = z[W_GOOD + j, l] + 0.3 * _flag(match > 0.8) * _flag(depth_[j] > 0.3)

    news = (ev[EV_ACHIEVEMENT, l] > 0, ev[EV_ACHIEVEMENT + 1, l] > 0)
    d = pair(base[l], 15)
    celebrate0 = z[RESPONSIVENESS + 1, l] * (1.0 - 0.6 * z[NARCISSISM + 1, l])
    celebrate1 = z[RESPONSIVENESS, l] * (1.0 - 0.6 * z[NARCISSISM, l])
    celebrated_ = (news[0] & (d[0] < celebrate0), news[1] & (d[1] < celebrate1))
    n_celebrated = _flag(celebrated_[0]) + _flag(celebrated_[1])
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] + 0.03 * n_celebrated
    for j in range(2):
        celebrated = celebrated_[j]
        ev[EV_CELEBRATION + 1 - j, l] += _flag(celebrated)
        z[W_JOY + j, l] = z[W_JOY + j, l] + 0.03 * _flag(celebrated)
        z[W_CARED + j, l] = 1.0 if celebrated else z[W_CARED + j, l]
        z[W_GOOD + j, l] = z[W_GOOD + j, l] + _flag(celebrated)
    trial_ = (ev[EV_TRIAL, l] > 0, ev[EV_TRIAL + 1, l] > 0)
    d = pair(base[l], 16)
    walk0 = (
        z[RESPONSIVENESS + 1, l] * z[GOODWILL + 1, l] * _receptivity(z[DEPENDENCY, l], z[FEAR, l])
    )
    walk1 = (
        z[RESPONSIVENESS, l] * z[GOODWILL, l] * _receptivity(z[DEPENDENCY + 1, l], z[FEAR + 1, l])
    )
    walked_ = (trial_[0] & (d[0] < walk0), trial_[1] & (d[1] < walk1))
    n_walked = _flag(walked_[0]) + _flag(walked_[1])
    for j in range(2):
        walked = walked_[j]
        ev[EV_TRIAL_SUPPORT + 1 - j, l] += _flag(walked)
        z[STRESS + j, l] = z[STRESS + j, l] - 0.25 * _flag(walked)
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] + 0.04 * n_walked
    for j in range(2):
        walked = walked_[j]
        z[W_CARED + j, l] = 1.0 if walked else z[W_CARED + j, l]
        z[W_GOOD + j, l] = z[W_GOOD + j, l] + _flag(walked)
        z[W_JOY + j, l] = z[W_JOY + j, l] - 0.05 * _flag(trial_[j] & (not walked))
    shared = 0.995 * z[SHARED, l] + 0.15 * n_walked + 0.02 * n_celebrated
    z[SHARED, l] = _clip(shared, 0.0, 1.0)
    mean_fear = (z[FEAR, l] + z[FEAR + 1, l]) / 2.0
    mean_commitment = (z[COMMITMENT, l] + z[COMMITMENT + 1, l]) / 2.0
    effort_target = 0.25 + 0.7 * mean_fear * (0.5 + 0.5 * mean_commitment)
    z[EFFORT, l] = z[EFFORT, l] + 0.05 * (effort_target - z[EFFORT, l])


@njit(cache=True, inline="always")
def grow(z, ev, base, l):
    """Phase 7 for one couple: :func:`sim.model.week.grow`."""
    d = pair(base[l], 17)
    for j in range(2):
        pace = _pace(z[GROWTH + j, l], z[SPRINT + j, l])
        step = 0.02 * pace * (2.0 * d[j] - 1.0)
        z[DIRECTION + j, l] = _clip(z[DIRECTION + j, l] + step, 0.0, 1.0)
        z[CAP + j, l] = z[CAP + j, l] + 0.001 * pace * (1.0 - z[CAP + j, l])

    d = pair(base[l], 18)
    suggests_ = (d[0] < 0.15, d[1] < 0.15)
    hear = pair(base[l], 19)
    make = pair(base[l], 20)
    # Partner j hears the other's suggestion.
    threatened_ = (
        suggests_[1] & (hear[0] < z[RIGIDITY, l]),
        suggests_[0] & (hear[1] < z[RIGIDITY + 1, l]),
    )
    creates_ = (
        suggests_[1] & (not threatened_[0]) & (make[0] < 1.0 - 0.5 * z[RIGIDITY + 1, l]),
        suggests_[0] & (not threatened_[1]) & (make[1] < 1.0 - 0.5 * z[RIGIDITY, l]),
    )
    n_creates = _flag(creates_[0]) + _flag(creates_[1])
    n_threatened = _flag(threatened_[0]) + _flag(threatened_[1])
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] + (0.015 * n_creates - 0.02 * n_threatened)
    for j in range(2):
        creates = creates_[j]
        ev[EV_SUGGESTION + j, l] += _flag(suggests_[j])
        ev[EV_CONFLICT + j, l] += _flag(threatened_[j])
        ev[EV_CO_CREATION + j, l] += _flag(creates)
        z[W_HURT + j, l] = z[W_HURT + j, l] + (
            0.015 * _flag(threatened_[0] | threatened_[1])
            + 0.02 * z[SCOREKEEPING + j, l] * _flag(creates)
        )
        z[W_JOY + j, l] = z[W_JOY + j, l] + 0.01 * _flag(creates_[0] | creates_[1])

    gap_ = (z[CAP, l] - z[CAP + 1, l], z[CAP + 1, l] - z[CAP, l])
    seek_p = (
        _seek_chance(gap_[0], z[INTIMACY, l], z[NARCISSISM, l]),
        _seek_chance(gap_[1], z[INTIMACY, l], z[NARCISSISM + 1, l]),
    )
    d = pair(base[l], 21)
    seeks_ = (d[0] < seek_p[0], d[1] < seek_p[1])
    d = pair(base[l], 22)
    opens_ = (
        seeks_[1] & (d[0] < z[OPENNESS, l] * (1.0 - 0.5 * z[RIGIDITY, l])),
        seeks_[0] & (d[1] < z[OPENNESS + 1, l] * (1.0 - 0.5 * z[RIGIDITY + 1, l])),
    )
    resists_ = (seeks_[1] & (not opens_[0]), seeks_[0] & (not opens_[1]))
    for j in range(2):
        opens, resists = opens_[j], resists_[j]
        ev[EV_DEPTH_REQUEST + j, l] += _flag(seeks_[j])
        ev[EV_DEPTH_MET + j, l] += _flag(opens)
        ev[EV_DEPTH_RESISTED + j, l] += _flag(resists)
        ev[EV_CONFLICT + j, l] += _flag(resists)
        change = 0.1 * z[OPENNESS + j, l] * _max(-gap_[j], 0.0)
        z[CAP + j, l] = z[CAP + j, l] + (change if opens else 0.0)
    n_opens = _flag(opens_[0]) + _flag(opens_[1])
    n_resists = _flag(resists_[0]) + _flag(resists_[1])
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] + (0.03 * n_opens - 0.02 * n_resists)
    for j in range(2):
        blamed = _flag(resists_[1 - j])
        z[SELF_REGARD + j, l] = z[SELF_REGARD + j, l] - 0.02 * blamed
        z[W_JOY + j, l] = z[W_JOY + j, l] + (0.02 * _flag(opens_[0] | opens_[1]) - 0.03 * blamed)
        z[W_HURT + j, l] = z[W_HURT + j, l] + 0.01 * _flag(resists_[j])

    calm_p = (
        0.06 * z[INTENSITY, l] if z[STRESS, l] < 0.3 else 0.0,
        0.06 * z[INTENSITY + 1, l] if z[STRESS + 1, l] < 0.3 else 0.0,
    )
    d = pair(base[l], 23)
    calm_ = (d[0] < calm_p[0], d[1] < calm_p[1])
    ev[EV_CONFLICT + 0, l] += _flag(calm_[0])
    ev[EV_CONFLICT + 1, l] += _flag(calm_[1])
    z[W_CLOSENESS, l] = z[W_CLOSENESS, l] - 0.01 * (_flag(calm_[0]) + _flag(calm_[1]))
    # Chemistry fades, and a stirred-up conflict rekindles a little of it.
    z[CHEMISTRY, l] = 0.99 * z[CHEMISTRY, l] + 0.02 * _flag(calm_[0] | calm_[1])


@njit(cache=True, inline="always")
def _seek_chance(gap, intimacy, narc):
    """Chance that a partner ahead by ``gap`` asks for more depth (phase 7)."""
    seek = _clip((gap - 0.1) * 2.0, 0.0, 1.0) * (1.0 - 0.5 * intimacy)
    return seek * (1.0 - narc)


@njit(cache=True, inline="always")
def appraise(z, ev, base, l):
    """Phase 8 for one couple: :func:`sim.model.week.appraise`."""
    divergence = abs(z[DIRECTION, l] - z[DIRECTION + 1, l])
    for j in range(2):
        st = _clip(
            z[STRESS + j, l] + 0.5 * z[W_UNRESOLVED + j, l] - 0.1 * z[W_HELPED + j, l], 0.0, 1.0
        )
        z[STRESS + j, l] = st
        care = 0.9 * z[CARE + j, l] + 0.1 * z[W_CARED + j, l]
        z[CARE + j, l] = care
        gap = _max(z[EXPECTATION + j, l] - care, 0.0) * (1.0 - 0.7 * z[ASSERTIVENESS + j, l])
        insecure = _clip((_max(z[DEPENDENCY + j, l], z[RIGIDITY + j, l]) - 0.3) / 0.3, 0.0, 1.0)
        threat = divergence * insecure
        target = (
            0.35
            + 0.55 * z[INTIMACY, l]
            + 0.2 * care
            + 0.2 * z[CHEMISTRY, l]
            + 0.1 * z[SHARED, l]
            - 0.6 * gap
            - 0.4 * z[RESENTMENT + j, l]
            - 0.25 * st
            - 0.8 * threat
            - 0.15 * (1.0 - z[SELF_REGARD + j, l])
        )
        sat = z[SATISFACTION + j, l]
        z[SATISFACTION + j, l] = sat + 0.08 * (_clip(target, 0.0, 1.0) - sat) + z[W_JOY + j, l]

    for j in range(2):
        given = z[W_HELPED + 1 - j, l]
        z[HELP_RECENT + j, l] = 0.99 * z[HELP_RECENT + j, l] + 0.01 * given
        z[HELP_GIVEN + j, l] = z[HELP_GIVEN + j, l] + given
        keep = z[SCOREKEEPING + j, l]
        ledger = 0.97 * z[LEDGER + j, l] + 0.2 * (0.5 + keep) * (given - z[W_HELPED + j, l])
        z[LEDGER + j, l] = ledger
        res = z[RESENTMENT + j, l]
        let_go = 0.03 * (1.0 - 0.8 * keep) * res
        owed = 0.02 * keep * _max(ledger, 0.0)
        res = res + z[W_HURT + j, l] + owed - let_go
        z[RESENTMENT + j, l] = res

        good, bad = z[W_GOOD + j, l], z[W_BAD + j, l]
        trust = z[TRUST + j, l]
        trust_target = _clip(0.5 + 0.25 * (good - bad), 0.0, 1.0)
        z[TRUST + j, l] = trust + 0.05 * (trust_target - trust) if good + bad > 0 else trust

        # Goodwill recovers toward a level set by responsiveness, lowered by resentment.
        rest = (0.5 + 0.5 * z[RESPONSIVENESS + j, l]) * (1.0 - 0.6 * res)
        z[GOODWILL + j, l] = z[GOODWILL + j, l] + 0.02 * (rest - z[GOODWILL + j, l])
        aut = z[AUTONOMY + j, l]
        z[AUTONOMY + j, l] = aut + 0.01 * (1.0 - 0.5 * z[DEPENDENCY + j, l] - aut)
        z[SELF_REGARD + j, l] = z[SELF_REGARD + j, l] + 0.005 * (0.7 - z[SELF_REGARD + j, l])
    z[INTIMACY, l] = z[INTIMACY, l] + z[W_CLOSENESS, l] - 0.002 * z[INTIMACY, l]
    conflict = (ev[EV_CONFLICT, l] > 0) | (ev[EV_CONFLICT + 1, l] > 0)
    z[CONFLICT_RECENT, l] = KEEP * z[CONFLICT_RECENT, l] + RECENT * _flag(conflict)


@njit(cache=True, inline="always")
def commit(z, ev, base, l, weeks):
    """Phase 9 for one couple: :func:`sim.model.week.commit`.

    Returns the ending as a float (``Ending.TOGETHER``, 0, when the couple stays
    together); ``weeks`` is the number of weeks together before this one.
    """
    time_in = _min(weeks / 260.0, 1.0)
    investment = 0.4 * time_in + 0.3 * z[EFFORT, l] + 0.3 * z[SHARED, l]
    leaves = False
    for j in range(2):
        o = 1 - j
        dep, narc = z[DEPENDENCY + j, l], z[NARCISSISM + j, l]
        # Needing the partner, or having made the partner one's project, also binds.
        bound = 0.3 * dep + 0.3 * narc * z[DEPENDENCY + o, l]
        alternatives = z[ALTERNATIVES, l] * (0.6 + 0.8 * narc) * (1.0 - 0.6 * dep)
        target = 0.15 + 0.8 * z[SATISFACTION + j, l] + 0.3 * investment + bound - 0.5 * alternatives
        target = _clip(target, 0.0, 1.0)
        c = z[COMMITMENT + j, l] + 0.05 * (target - z[COMMITMENT + j, l])
        z[COMMITMENT + j, l] = c
        below = z[BELOW + j, l] + 1.0 if c < z[THRESHOLD, l] else 0.0
        z[BELOW + j, l] = below
        leaves = leaves | (below >= z[PATIENCE, l])
    bitter = (_max(z[RESENTMENT, l], z[RESENTMENT + 1, l]) >= 0.5) | (z[COERCION_RECENT, l] >= 0.05)
    return (DESTRUCTIVE if bitter else HEALTHY) if leaves else TOGETHER


# --- Many couples, many weeks ----------------------------------------------------------

LANES = 8
"""Couples run side by side in one block: one AVX-512 register of float64 each."""

_N_Z = N_SCRATCH * LANES
_N_E = N_EV * LANES
_N_S = N_STATE * LANES
(LANE_TOGETHER, LANE_ALIVE, LANE_END) = range(3)
LOW_LANES, HIGH_LANES = np.repeat(LOW, LANES), np.repeat(HIGH, LANES)
_N_LANE = 3 * LANES


@intrinsic
def _stack_floats(typingctx, size):
    """A pointer to ``size`` float64 on the stack of the calling function.

    Scratch values on the stack cannot be touched by anything else, so the compiler
    keeps them in registers or vector registers; a heap array would be reloaded after
    every store. ``size`` must be a constant of this module.
    """

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(types.float64)
        return cgutils.alloca_once(builder, ty, size=args[0])

    return types.CPointer(types.float64)(types.intp), codegen


@intrinsic
def _stack_words(typingctx, size):
    """A pointer to ``size`` uint64 on the stack of the calling function."""

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(types.uint64)
        return cgutils.alloca_once(builder, ty, size=args[0])

    return types.CPointer(types.uint64)(types.intp), codegen


@njit(cache=True, error_model="numpy")
def advance(
    partner,
    couple,
    weeks,
    active,
    step_ended,
    ending,
    counts,
    events,
    traits,
    env,
    keys,
    step0,
    n_weeks,
):
    """Advance every couple ``n_weeks`` weeks from week ``step0``, in place.

    ``partner`` and ``couple`` are the state arrays named in :data:`PARTNER_VARS` and
    :data:`COUPLE_VARS`; ``traits`` and ``env`` the parameter arrays named in
    :data:`TRAIT_ORDER` and :data:`ENV_ORDER`. Couples are independent: the couples
    together at ``step0`` live through all their weeks in blocks of :data:`LANES`,
    side by side in the vector lanes (:func:`_live`). ``events`` is left with each
    couple's events of the last week, as ``step`` leaves it. The caller runs this only
    when some couple is together at ``step0``: a week in which none is does not clamp
    (``week.step``), and clamping is idempotent, so a couple apart is clamped once.
    """
    n = keys.shape[0]
    together = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if active[i]:
            together[m] = i
            m += 1
            continue
        for k in range(len(partner)):
            for j in range(2):
                partner[k][j, i] = _clip(partner[k][j, i], LOW[2 * k + j], HIGH[2 * k + j])
        for k in range(len(couple)):
            couple[k][i] = _clip(couple[k][i], LOW[INTIMACY + k], HIGH[INTIMACY + k])
        for k in range(N_EV):
            events[k // 2, k % 2, i] = False
    for start in range(0, m, LANES):
        block = together[start : min(start + LANES, m)]
        _live(
            partner,
            couple,
            weeks,
            active,
            step_ended,
            ending,
            counts,
            events,
            traits,
            env,
            keys,
            block,
            step0,
            n_weeks,
        )


@njit(cache=True, error_model="numpy")
def _live(
    partner,
    couple,
    weeks,
    active,
    step_ended,
    ending,
    counts,
    events,
    traits,
    env,
    keys,
    block,
    step0,
    n_weeks,
):
    """Run the couples ``block`` (at most :data:`LANES`, all together at ``step0``)
    side by side for up to ``n_weeks`` weeks.

    Lane ``l`` of the scratch arrays holds couple ``block[l]``. Every phase runs as a
    loop over the lanes without branches (a draw is hashed for every lane whether or
    not its result is used, which changes nothing: draws are a pure function of key,
    week and slot), so the compiler runs the lanes in vector registers. A couple that
    has ended keeps its state of that week, exactly as the reference freezes it.
    """
    lanes = block.shape[0]
    # A block cut short is filled up with copies of its first couple, never written
    # back: the phases then always run a whole number of vector widths, and the
    # compiler, told so by ``width``, emits no one-lane version of them.
    width = (lanes + LANES - 1) & -LANES
    # Each scratch array is seen by lane (``z[k, l]``) in the phases and flat
    # (``zf[k * LANES + l]``) in the loops over whole rows, which compile to plain
    # vector loads and stores.
    z_at, ev_at = _stack_floats(_N_Z), _stack_floats(_N_E)
    z, zf = carray(z_at, (N_SCRATCH, LANES)), carray(z_at, _N_Z)
    ev, evf = carray(ev_at, (N_EV, LANES)), carray(ev_at, _N_E)
    total = carray(_stack_floats(_N_E), _N_E)
    before = carray(_stack_floats(_N_S), _N_S)
    lane = carray(_stack_floats(_N_LANE), (3, LANES))
    key = carray(_stack_words(LANES), (LANES,))
    base = carray(_stack_words(LANES), (LANES,))
    for l in range(width):
        i = block[l] if l < lanes else block[0]
        for k in range(len(partner)):
            z[2 * k, l] = partner[k][0, i]
            z[2 * k + 1, l] = partner[k][1, i]
        for k in range(len(couple)):
            z[INTIMACY + k, l] = couple[k][i]
        for k in range(len(traits)):
            z[DEPENDENCY + 2 * k, l] = traits[k][0, i]
            z[DEPENDENCY + 2 * k + 1, l] = traits[k][1, i]
        for k in range(len(env)):
            z[PROBLEM_RATE + k, l] = env[k][i]
        key[l] = keys[i]
        lane[LANE_TOGETHER, l] = weeks[i]
        lane[LANE_ALIVE, l] = 1.0
    for k in range(_N_E):
        total[k] = 0.0
    alive = lanes
    for t in range(n_weeks):
        step = step0 + t
        if alive == 0:
            # Every couple of the block has ended: later weeks find them apart.
            for k in range(_N_E):
                evf[k] = 0.0
            break
        for l in range(LANES):
            base[l] = week_base(key[l], step)
        for k in range(W0 * LANES, _N_Z):
            zf[k] = 0.0
        for k in range(_N_E):
            evf[k] = 0.0
        if alive < lanes:
            for k in range(_N_S):
                before[k] = zf[k]
        for l in range(width):
            life(z, ev, base, l)
        for l in range(width):
            cope(z, ev, base, l)
        for l in range(width):
            notice(z, ev, base, l)
        for l in range(width):
            respond(z, ev, base, l)
        for l in range(width):
            fix(z, ev, base, l)
        for l in range(width):
            share(z, ev, base, l)
        for l in range(width):
            grow(z, ev, base, l)
        for l in range(width):
            appraise(z, ev, base, l)
        for l in range(width):
            lane[LANE_END, l] = commit(z, ev, base, l, lane[LANE_TOGETHER, l])
        _clamp(zf)
        if alive < lanes:
            # Couples that ended before this week stay as they were, without events.
            for l in range(lanes):
                if lane[LANE_ALIVE, l] == 0.0:
                    for k in range(N_STATE):
                        z[k, l] = before[k * LANES + l]
                    for k in range(N_EV):
                        ev[k, l] = 0.0
        for k in range(_N_E):
            total[k] += 1.0 if evf[k] > 0.0 else 0.0
        for l in range(lanes):
            if lane[LANE_ALIVE, l] > 0.0:
                lane[LANE_TOGETHER, l] += 1.0
                end = lane[LANE_END, l]
                if end != TOGETHER:
                    i = block[l]
                    ending[i] = np.int8(end)
                    step_ended[i] = step
                    lane[LANE_ALIVE, l] = 0.0
                    alive -= 1
                    if t < n_weeks - 1:
                        for k in range(N_EV):
                            ev[k, l] = 0.0  # later weeks find the couple apart
    for l in range(lanes):
        i = block[l]
        for k in range(len(partner)):
            partner[k][0, i] = z[2 * k, l]
            partner[k][1, i] = z[2 * k + 1, l]
        for k in range(len(couple)):
            couple[k][i] = z[INTIMACY + k, l]
        weeks[i] = np.int64(lane[LANE_TOGETHER, l])
        active[i] = lane[LANE_ALIVE, l] > 0.0
        for k in range(N_EV):
            counts[k // 2, k % 2, i] += np.int64(total[k * LANES + l])
            events[k // 2, k % 2, i] = ev[k, l] > 0.0


@njit(cache=True, inline="always")
def _clamp(zf):
    """``week.clamp``: every state variable back into its documented range.

    ``zf`` is the flat scratch of a block; :data:`LOW_LANES` and :data:`HIGH_LANES`
    hold the bounds in the same layout.
    """
    for k in range(_N_S):
        zf[k] = _clip(zf[k], LOW_LANES[k], HIGH_LANES[k])


# --- The Python side -------------------------------------------------------------------


def run_weeks(s: State, p: Params, keys: np.ndarray, n_weeks: int = 1) -> None:
    """Advance every couple of ``s`` by ``n_weeks`` weeks in place, as ``n_weeks`` calls
    of :func:`sim.model.week.step_reference` would.

    Parameters and state are read afresh on every call, so couples may be added,
    removed or rewritten between calls (a slot's values and ``active`` flag changed).
    """
    if n_weeks <= 0:
        return
    if not s.active.any():
        s.events[:] = False
        s.step += n_weeks
        return
    partner = tuple(_float_array(s, name, 2) for name in PARTNER_VARS)
    couple = tuple(_float_array(s, name, 1) for name in COUPLE_VARS)
    traits = tuple(_param(p.traits[name], 2) for name in TRAIT_ORDER)
    env = tuple(_param(p.env[name], 1) for name in ENV_ORDER)
    own = {
        "weeks": _own(s, "weeks", np.int64),
        "active": _own(s, "active", np.bool_),
        "step_ended": _own(s, "step_ended", np.int64),
        "ending": _own(s, "ending", np.int8),
    }
    counts = np.ascontiguousarray(s.counts, dtype=np.int64)
    events = np.ascontiguousarray(s.events, dtype=np.bool_)
    advance(
        partner,
        couple,
        own["weeks"],
        own["active"],
        own["step_ended"],
        own["ending"],
        counts,
        events,
        traits,
        env,
        np.ascontiguousarray(keys, dtype=np.uint64),
        s.step,
        n_weeks,
    )
    if counts is not s.counts:
        s.counts[...] = counts
    if events is not s.events:
        s.events[...] = events
    s.step += n_weeks


def _float_array(s: State, name: str, ndim: int) -> np.ndarray:
    """State array ``name`` as the kernel needs it: C-ordered float64 (replaced if not)."""
    return _own(s, name, np.float64, ndim)


def _own(s: State, name: str, dtype, ndim: int | None = None) -> np.ndarray:
    arr = getattr(s, name)
    if arr.dtype != dtype or not arr.flags.c_contiguous or not arr.flags.writeable:
        arr = np.array(arr, dtype=dtype, order="C")
        setattr(s, name, arr)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"state array {name} has {arr.ndim} dimensions, expected {ndim}")
    return arr


def _param(values: np.ndarray, ndim: int) -> np.ndarray:
    arr = np.ascontiguousarray(values, dtype=np.float64)
    if arr.ndim != ndim:
        raise ValueError(f"parameter array has {arr.ndim} dimensions, expected {ndim}")
    return arr
