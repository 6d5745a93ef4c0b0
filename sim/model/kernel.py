"""The week's rules compiled per couple: the fast path of :func:`sim.model.week.step`.

:mod:`sim.model.week` states the nine phases as array operations over every couple at
once; that is the readable reference, and ``docs/ODD.md`` describes it. Array code
pays for many temporary ``(2, n)`` arrays and for draws it does not use. This module
runs the same rules couple by couple in compiled code (Numba): a couple's state sits in
a small scratch array while it lives through many weeks, and a draw is hashed only
when its result is used (draws are a pure function of key, week and slot, so a skipped
draw changes nothing).

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

HEALTHY = np.int8(Ending.HEALTHY)
DESTRUCTIVE = np.int8(Ending.DESTRUCTIVE)


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
# Helpers that take arrays are inlined into their callers (``inline="always"``): a call
# that passes arrays costs more than the few operations it does.


@njit(cache=True)
def _mix64(z):
    """SplitMix64 finaliser (``randomness.mix64``) on one uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def week_base(key, step):
    """The hash every draw of a couple's week starts from (``WeekDraws._base``)."""
    return _mix64(key ^ (np.uint64(step + 1) * _STEP))


@njit(cache=True)
def pair(base, slot):
    """Partner a's and b's uniform number of a pair slot (``WeekDraws.pair``)."""
    z = _mix64(base + np.uint64(slot + 1025) * _GOLDEN)
    return np.float64(z >> _S32) * _TO_UNIT32, np.float64(z & _LOW32) * _TO_UNIT32


@njit(cache=True)
def _clip(v, lo, hi):
    """``np.clip`` of one number."""
    v = v if v > lo else lo
    return v if v < hi else hi


@njit(cache=True)
def _flag(c):
    """A condition as the 0.0 or 1.0 NumPy makes of a boolean in arithmetic."""
    return 1.0 if c else 0.0


@njit(cache=True)
def _pace(growth, sprint):
    """``week._pace``: growth pace."""
    return growth * (0.4 + 1.2 * sprint)


@njit(cache=True)
def _self_efficacy(autonomy):
    """``week._self_efficacy``."""
    return 0.5 + 0.5 * autonomy


@njit(cache=True)
def _receptivity(dependency, fear):
    """``week._receptivity``."""
    return 0.2 + 0.8 * min(1.0, 2.5 * dependency) * (1.0 - 0.5 * fear)


@njit(cache=True)
def _asymmetry(given_a, given_b):
    """``week._asymmetry``."""
    total = given_a + given_b
    return abs(given_a - given_b) / (total + 0.02)


@njit(cache=True, inline="always")
def _learn_from_help(x, q, w, j, got, amount):
    """``week._learn_from_help`` for partner ``j``, who got help of ``amount`` if ``got``."""
    cap = x[CAP + j]
    beyond = got & (w[W_SIZE + j] > cap)
    pace = _pace(q[GROWTH + j], x[SPRINT + j]) * _self_efficacy(x[AUTONOMY + j])
    teach = 2.0 * q[LEARNING_RATE] * pace * (1.0 - q[NARCISSISM + 1 - j])
    x[CAP + j] = cap + (teach * amount * (1.0 - cap) if beyond else 0.0)


# --- The nine phases, per couple -------------------------------------------------------
# Each keeps the order of operations of its reference in ``sim.model.week``; a term the
# reference multiplies by a boolean is multiplied by ``_flag`` of it. Draws used only
# after a rare event are hashed only when the event happened.


@njit(cache=True, inline="always")
def life(x, q, w, ev, base):
    """Phase 1 for one couple: :func:`sim.model.week.life`."""
    d = pair(base, 0)
    any_problem = (d[0] < q[PROBLEM_RATE]) | (d[1] < q[PROBLEM_RATE])
    spread_draw = pair(base, 1) if any_problem else (0.5, 0.5)
    news = pair(base, 2)
    trials = pair(base, 3)
    start = pair(base, 4)
    sprinting = (x[SPRINT] == 1.0) | (x[SPRINT + 1] == 1.0)
    stop = pair(base, 5) if sprinting else (1.0, 1.0)
    for j in range(2):
        problem = d[j] < q[PROBLEM_RATE]
        w[W_PROBLEM + j] = _flag(problem)
        spread = q[PROBLEM_SPREAD] * (2.0 * spread_draw[j] - 1.0)
        size = _clip(q[PROBLEM_SIZE] + spread, 0.02, 1.0)
        w[W_SIZE + j] = size if problem else 0.0
        trial = trials[j] < q[TRIAL_RATE]
        ev[EV_PROBLEM + j] += _flag(problem)
        ev[EV_ACHIEVEMENT + j] += _flag(news[j] < q[ACHIEVEMENT_RATE])
        ev[EV_TRIAL + j] += _flag(trial)
        x[STRESS + j] = 0.8 * x[STRESS + j] + 0.4 * _flag(trial)
        sprint = x[SPRINT + j]
        starts = (sprint == 0.0) & (start[j] < 0.02 + 0.08 * q[GROWTH + j])
        stops = (sprint == 1.0) & (stop[j] < 0.08)
        x[SPRINT + j] = 1.0 - sprint if starts | stops else sprint


@njit(cache=True, inline="always")
def cope(x, q, w, ev, base):
    """Phase 2 for one couple: :func:`sim.model.week.cope`."""
    d = pair(base, 6)
    for j in range(2):
        dep, cap, size = q[DEPENDENCY + j], x[CAP + j], w[W_SIZE + j]
        within = size <= cap
        ask_beyond = dep + (1.0 - dep) * q[ASSERTIVENESS + j] * (1.0 - 0.7 * q[FEAR + j])
        p_ask = dep if within else ask_beyond
        problem = w[W_PROBLEM + j] > 0.0
        asked = problem & (d[j] < p_ask)
        alone = problem & (not asked)
        w[W_ASKED + j] = _flag(asked)
        ev[EV_REQUEST + j] += _flag(asked)
        ev[EV_HANDLED_ALONE + j] += _flag(alone)
        pace = _pace(q[GROWTH + j], x[SPRINT + j]) * _self_efficacy(x[AUTONOMY + j])
        mastered = size if within else 0.5 * cap
        gain = q[LEARNING_RATE] * pace * mastered * (1.0 - cap)
        x[CAP + j] = cap + (gain if alone else 0.0)
        beyond = max(size - cap, 0.0)
        w[W_UNRESOLVED + j] = beyond if alone else (size if asked else 0.0)


@njit(cache=True, inline="always")
def notice(x, q, w, ev, base):
    """Phase 3 for one couple: :func:`sim.model.week.notice`."""
    s0 = (w[W_PROBLEM] > 0.0) & (w[W_ASKED] == 0.0) & (w[W_UNRESOLVED] > 0.0)
    s1 = (w[W_PROBLEM + 1] > 0.0) & (w[W_ASKED + 1] == 0.0) & (w[W_UNRESOLVED + 1] > 0.0)
    if not (s0 | s1):
        return  # nobody struggles alone: no offer, no care, nothing learnt
    struggling = (s0, s1)
    offer = pair(base, 7)
    take = pair(base, 8)
    t0 = t1 = False
    a0 = a1 = 0.0
    for j in range(2):
        o = 1 - j
        offer_p = q[RESPONSIVENESS + o] * x[GOODWILL + o] * (0.4 + 0.6 * x[INTIMACY])
        offered = struggling[j] & (offer[j] < offer_p)
        taken = offered & (take[j] < _receptivity(q[DEPENDENCY + j], q[FEAR + j]))
        amount = w[W_UNRESOLVED + j] if taken else 0.0
        if j == 0:
            t0, a0 = taken, amount
        else:
            t1, a1 = taken, amount
    taken_, amount_ = (t0, t1), (a0, a1)
    mutual = 1.0 - _asymmetry(x[HELP_RECENT], x[HELP_RECENT + 1])
    w[W_CLOSENESS] = w[W_CLOSENESS] + 0.02 * mutual * (_flag(t0) + _flag(t1))
    for j in range(2):
        taken, amount = taken_[j], amount_[j]
        ev[EV_NOTICE + 1 - j] += _flag(taken)
        w[W_UNRESOLVED + j] = w[W_UNRESOLVED + j] - amount
        w[W_HELPED + j] = w[W_HELPED + j] + amount
        w[W_CARED + j] = 1.0 if taken else w[W_CARED + j]
        w[W_GOOD + j] = w[W_GOOD + j] + _flag(taken)
        x[GOODWILL + j] = x[GOODWILL + j] - 0.01 * amount_[1 - j]
    for j in range(2):
        _learn_from_help(x, q, w, j, taken_[j], amount_[j])


@njit(cache=True, inline="always")
def respond(x, q, w, ev, base):
    """Phase 4 for one couple: :func:`sim.model.week.respond`."""
    asked0, asked1 = w[W_ASKED] > 0.0, w[W_ASKED + 1] > 0.0
    demand0 = demand1 = False
    if asked0 | asked1:
        demand0, demand1 = _answer(x, q, w, ev, base, (asked0, asked1))
    for j in range(2):
        demand = demand0 if j == 0 else demand1
        x[ESCALATION + j] = 0.97 * x[ESCALATION + j] + 0.15 * _flag(demand)
    x[DEMAND_RECENT] = KEEP * x[DEMAND_RECENT] + RECENT * _flag(demand0 | demand1)


@njit(cache=True, inline="always")
def _answer(x, q, w, ev, base, asked):
    """Phase 4 once someone asked: help, help on condition, a no, a demand.

    Returns who pressed a demand; the caller updates escalation and the demand rate.
    """
    helper_goodwill = (x[GOODWILL + 1], x[GOODWILL])
    for j in range(2):
        o = 1 - j
        x[GOODWILL + j] = x[GOODWILL + j] - 0.06 * (w[W_SIZE + o] * _flag(asked[o]))
    help_draw = pair(base, 9)
    cond_draw = pair(base, 10)
    h0 = h1 = c0 = c1 = False
    for j in range(2):
        o = 1 - j
        willing = helper_goodwill[j] * (1.0 - 0.5 * x[STRESS + o])
        helps = asked[j] & (help_draw[j] < willing)
        keep_score = q[SCOREKEEPING + o] * _clip(0.2 + 4.0 * x[LEDGER + o], 0.0, 1.0)
        conditional = helps & (cond_draw[j] < keep_score)
        if j == 0:
            h0, c0 = helps, conditional
        else:
            h1, c1 = helps, conditional
    helps_, cond_ = (h0, h1), (c0, c1)
    free_ = (h0 & (not c0), h1 & (not c1))
    declined_ = (asked[0] & (not h0), asked[1] & (not h1))
    amount_ = (w[W_UNRESOLVED] if h0 else 0.0, w[W_UNRESOLVED + 1] if h1 else 0.0)
    mutual = 1.0 - _asymmetry(x[HELP_RECENT], x[HELP_RECENT + 1])
    n_free = _flag(free_[0]) + _flag(free_[1])
    n_declined = _flag(declined_[0]) + _flag(declined_[1])
    w[W_CLOSENESS] = w[W_CLOSENESS] + (0.012 * mutual * n_free - 0.004 * n_declined)
    for j in range(2):
        o = 1 - j
        free, conditional, declined = free_[j], cond_[j], declined_[j]
        ev[EV_HELP_FREE + o] += _flag(free)
        ev[EV_HELP_CONDITIONAL + o] += _flag(conditional)
        ev[EV_DECLINE + o] += _flag(declined)
        w[W_UNRESOLVED + j] = w[W_UNRESOLVED + j] - amount_[j]
        w[W_HELPED + j] = w[W_HELPED + j] + amount_[j]
        # Taking on the partner's problem loads the helper.
        x[STRESS + j] = x[STRESS + j] + 0.15 * amount_[o]
        w[W_CARED + j] = 1.0 if free else w[W_CARED + j]
        w[W_GOOD + j] = w[W_GOOD + j] + _flag(free)
        w[W_BAD + j] = w[W_BAD + j] + _flag(declined)
        w[W_HURT + j] = w[W_HURT + j] + (0.02 * _flag(conditional) + 0.01 * _flag(declined))
        # Appreciation refills the helper's goodwill.
        x[GOODWILL + j] = x[GOODWILL + j] + 0.04 * (_flag(free_[o]) * q[RECIPROCITY + o])
    for j in range(2):
        _learn_from_help(x, q, w, j, helps_[j], amount_[j])

    # A declined request pressed as a demand.
    if not (declined_[0] | declined_[1]):
        return False, False
    press_draw = pair(base, 11)
    demand_ = (
        declined_[0]
        & (
            press_draw[0]
            < _clip(
                _press(q[ASSERTIVENESS], q[DEPENDENCY], q[EXPECTATION], x[ESCALATION]), 0.0, 1.0
            )
        ),
        declined_[1]
        & (
            press_draw[1]
            < _clip(
                _press(
                    q[ASSERTIVENESS + 1], q[DEPENDENCY + 1], q[EXPECTATION + 1], x[ESCALATION + 1]
                ),
                0.0,
                1.0,
            )
        ),
    )
    if not (demand_[0] | demand_[1]):
        return False, False
    drain_ = (
        0.1 * (1.0 + x[ESCALATION]) * _flag(demand_[0]),
        0.1 * (1.0 + x[ESCALATION + 1]) * _flag(demand_[1]),
    )
    x[GOODWILL] = x[GOODWILL] - drain_[1]
    x[GOODWILL + 1] = x[GOODWILL + 1] - drain_[0]
    give_draw = pair(base, 12)
    gives_ = (
        demand_[0] & (give_draw[0] < x[GOODWILL + 1]),
        demand_[1] & (give_draw[1] < x[GOODWILL]),
    )
    withdraws_ = (demand_[0] & (not gives_[0]), demand_[1] & (not gives_[1]))
    for j in range(2):
        o = 1 - j
        demand, gives, withdraws = demand_[j], gives_[j], withdraws_[j]
        ev[EV_DEMAND + j] += _flag(demand)
        ev[EV_HELP_DEMANDED + o] += _flag(gives)
        ev[EV_WITHDRAW + o] += _flag(withdraws)
        ev[EV_CONFLICT + o] += _flag(withdraws)
        extracted = w[W_UNRESOLVED + j] if gives else 0.0
        w[W_UNRESOLVED + j] = w[W_UNRESOLVED + j] - extracted
        w[W_HELPED + j] = w[W_HELPED + j] + extracted
        w[W_BAD + j] = w[W_BAD + j] + _flag(demand)
        # The pressed partner feels controlled; the demanding one grows more dissatisfied.
        w[W_HURT + j] = w[W_HURT + j] + (0.04 * _flag(demand_[o]) + 0.02 * _flag(withdraws))
        w[W_JOY + j] = w[W_JOY + j] - 0.02 * _flag(demand)
    n_demand = _flag(demand_[0]) + _flag(demand_[1])
    n_withdraws = _flag(withdraws_[0]) + _flag(withdraws_[1])
    w[W_CLOSENESS] = w[W_CLOSENESS] - (0.02 * n_demand + 0.02 * n_withdraws)
    return demand_[0], demand_[1]


@njit(cache=True)
def _press(assertiveness, dependency, expectation, escalation):
    """How hard a partner presses a declined request (before clipping)."""
    press = (1.0 - assertiveness) * max(dependency, expectation)
    return press * (0.6 + escalation)


@njit(cache=True, inline="always")
def fix(x, q, w, ev, base):
    """Phase 5 for one couple: :func:`sim.model.week.fix`."""
    push_p = (
        _push_chance(q[NARCISSISM], x[CAP], x[CAP + 1], q[DEPENDENCY + 1], x[LAST_FIX + 1]),
        _push_chance(q[NARCISSISM + 1], x[CAP + 1], x[CAP], q[DEPENDENCY], x[LAST_FIX]),
    )
    refused_ = (x[LAST_FIX + 1] < 0, x[LAST_FIX] < 0)
    pushes_ = (False, False)
    if (push_p[0] > 0.0) | (push_p[1] > 0.0):
        d = pair(base, 13)
        pushes_ = (d[0] < push_p[0], d[1] < push_p[1])
    if not (pushes_[0] | pushes_[1]):
        # Nobody pushes (most weeks): only the drifts are left, every other term is zero.
        for j in range(2):
            acceptance = x[ACCEPTANCE + j]
            x[ACCEPTANCE + j] = acceptance + 0.02 * (0.3 + 0.6 * q[DEPENDENCY + j] - acceptance)
        x[COERCION_RECENT] = KEEP * x[COERCION_RECENT] + RECENT * 0.0
        return
    d = pair(base, 14)
    # Partner j receives the help the other pushes.
    accepts_ = (pushes_[1] & (d[0] < x[ACCEPTANCE]), pushes_[0] & (d[1] < x[ACCEPTANCE + 1]))
    coerces_ = (pushes_[0] & refused_[0], pushes_[1] & refused_[1])
    rejects_ = (pushes_[1] & (not accepts_[0]), pushes_[0] & (not accepts_[1]))
    for j in range(2):
        o = 1 - j
        pushed, accepts, rejects = pushes_[o], accepts_[j], rejects_[j]
        ev[EV_FIX + j] += _flag(pushes_[j])
        ev[EV_COERCION + j] += _flag(coerces_[j])
        ev[EV_FIX_ACCEPTED + j] += _flag(accepts)
        ev[EV_FIX_REJECTED + j] += _flag(rejects)
        ev[EV_CONFLICT + j] += _flag(rejects)
        response = 1.0 if accepts else (-1.0 if rejects else 0.0)
        last = x[LAST_FIX + j]
        ev[EV_ACCEPTANCE_FLIP + j] += _flag(pushed & (last != 0) & (response != last))
        x[LAST_FIX + j] = response if pushed else last

        dep = q[DEPENDENCY + j]
        a, r, c = _flag(accepts), _flag(rejects), _flag(coerces_[o])
        x[AUTONOMY + j] = x[AUTONOMY + j] - 0.03 * a - 0.04 * c
        x[SELF_REGARD + j] = x[SELF_REGARD + j] - 0.01 * a - 0.01 * c
        acceptance = x[ACCEPTANCE + j] - 0.15 * (1.0 - 0.5 * dep) * a
        acceptance = acceptance + 0.25 * dep * (1.0 - x[AUTONOMY + j]) * r
        drift = 0.02 * (0.3 + 0.6 * dep - acceptance)
        x[ACCEPTANCE + j] = acceptance + drift
        w[W_HURT + j] = w[W_HURT + j] + (0.015 * a + 0.02 * r + 0.05 * c)
        # The pusher feels admired when help is taken, wronged when it is refused.
        w[W_JOY + j] = w[W_JOY + j] + 0.01 * _flag(accepts_[o])
        w[W_HURT + j] = w[W_HURT + j] + 0.02 * q[NARCISSISM + j] * _flag(rejects_[o])
        w[W_BAD + j] = w[W_BAD + j] + c
        # Accepted help on a problem still weighing lifts a little of it.
        lift = 0.5 * w[W_UNRESOLVED + j] if accepts else 0.0
        w[W_UNRESOLVED + j] = w[W_UNRESOLVED + j] - lift
        w[W_HELPED + j] = w[W_HELPED + j] + lift
    n_pushes = _flag(pushes_[0]) + _flag(pushes_[1])
    n_coerces = _flag(coerces_[0]) + _flag(coerces_[1])
    w[W_CLOSENESS] = w[W_CLOSENESS] - (0.008 * n_pushes + 0.02 * n_coerces)
    coerced = _flag(coerces_[0] | coerces_[1])
    x[COERCION_RECENT] = KEEP * x[COERCION_RECENT] + RECENT * coerced


@njit(cache=True)
def _push_chance(narc, cap, other_cap, other_dependency, other_last_fix):
    """Chance that a partner pushes help on the other this week (phase 5)."""
    gap = _clip(cap - other_cap, 0.0, 1.0)
    project = narc * _clip(0.1 + 2.0 * gap + 0.8 * other_dependency, 0.0, 1.0)
    refused = other_last_fix < 0
    return 0.5 * project * (narc if refused else 1.0)


@njit(cache=True, inline="always")
def share(x, q, w, ev, base):
    """Phase 6 for one couple: :func:`sim.model.week.share`."""
    own0 = (1.0 - q[FEAR]) * (0.3 + 0.7 * x[TRUST])
    own1 = (1.0 - q[FEAR + 1]) * (0.3 + 0.7 * x[TRUST + 1])
    recip0, recip1 = q[RECIPROCITY], q[RECIPROCITY + 1]
    depth0 = min((1.0 - recip0) * own0 + recip0 * x[DISCLOSED + 1], 1.0 - q[FEAR])
    depth1 = min((1.0 - recip1) * own1 + recip1 * x[DISCLOSED], 1.0 - q[FEAR + 1])
    x[DISCLOSED], x[DISCLOSED + 1] = depth0, depth1
    match = 1.0 - abs(depth0 - depth1)
    one_way = _asymmetry(x[HELP_RECENT], x[HELP_RECENT + 1])
    leaning = _clip((x[HELP_RECENT] + x[HELP_RECENT + 1]) / 0.05, 0.0, 1.0)
    sharing = min(depth0, depth1) * match * (1.0 - 0.7 * one_way)
    target = sharing * (0.7 + 0.3 * leaning) + 0.25 * x[SHARED]
    mean_stress = (x[STRESS] + x[STRESS + 1]) / 2.0
    w[W_CLOSENESS] = w[W_CLOSENESS] + (0.04 * (target - x[INTIMACY]) - 0.01 * mean_stress)
    depth_ = (depth0, depth1)
    for j in range(2):
        ev[EV_DISCLOSURE + j] += _flag(depth_[j] > 0.3)
        w[W_GOOD + j] = w[W_GOOD + j] + 0.3 * _flag(match > 0.8) * _flag(depth_[j] > 0.3)

    # Without good news or a trial, every term of celebration or support is zero.
    news = (ev[EV_ACHIEVEMENT] > 0, ev[EV_ACHIEVEMENT + 1] > 0)
    n_celebrated = 0.0
    if news[0] | news[1]:
        d = pair(base, 15)
        celebrate0 = q[RESPONSIVENESS + 1] * (1.0 - 0.6 * q[NARCISSISM + 1])
        celebrate1 = q[RESPONSIVENESS] * (1.0 - 0.6 * q[NARCISSISM])
        celebrated_ = (news[0] & (d[0] < celebrate0), news[1] & (d[1] < celebrate1))
        n_celebrated = _flag(celebrated_[0]) + _flag(celebrated_[1])
        w[W_CLOSENESS] = w[W_CLOSENESS] + 0.03 * n_celebrated
        for j in range(2):
            celebrated = celebrated_[j]
            ev[EV_CELEBRATION + 1 - j] += _flag(celebrated)
            w[W_JOY + j] = w[W_JOY + j] + 0.03 * _flag(celebrated)
            w[W_CARED + j] = 1.0 if celebrated else w[W_CARED + j]
            w[W_GOOD + j] = w[W_GOOD + j] + _flag(celebrated)
    trial_ = (ev[EV_TRIAL] > 0, ev[EV_TRIAL + 1] > 0)
    n_walked = 0.0
    if trial_[0] | trial_[1]:
        d = pair(base, 16)
        walk0 = q[RESPONSIVENESS + 1] * x[GOODWILL + 1] * _receptivity(q[DEPENDENCY], q[FEAR])
        walk1 = q[RESPONSIVENESS] * x[GOODWILL] * _receptivity(q[DEPENDENCY + 1], q[FEAR + 1])
        walked_ = (trial_[0] & (d[0] < walk0), trial_[1] & (d[1] < walk1))
        n_walked = _flag(walked_[0]) + _flag(walked_[1])
        for j in range(2):
            walked = walked_[j]
            ev[EV_TRIAL_SUPPORT + 1 - j] += _flag(walked)
            x[STRESS + j] = x[STRESS + j] - 0.25 * _flag(walked)
        w[W_CLOSENESS] = w[W_CLOSENESS] + 0.04 * n_walked
        for j in range(2):
            walked = walked_[j]
            w[W_CARED + j] = 1.0 if walked else w[W_CARED + j]
            w[W_GOOD + j] = w[W_GOOD + j] + _flag(walked)
            w[W_JOY + j] = w[W_JOY + j] - 0.05 * _flag(trial_[j] & (not walked))
    shared = 0.995 * x[SHARED] + 0.15 * n_walked + 0.02 * n_celebrated
    x[SHARED] = _clip(shared, 0.0, 1.0)
    mean_fear = (q[FEAR] + q[FEAR + 1]) / 2.0
    mean_commitment = (x[COMMITMENT] + x[COMMITMENT + 1]) / 2.0
    effort_target = 0.25 + 0.7 * mean_fear * (0.5 + 0.5 * mean_commitment)
    x[EFFORT] = x[EFFORT] + 0.05 * (effort_target - x[EFFORT])


@njit(cache=True, inline="always")
def grow(x, q, w, ev, base):
    """Phase 7 for one couple: :func:`sim.model.week.grow`."""
    d = pair(base, 17)
    for j in range(2):
        pace = _pace(q[GROWTH + j], x[SPRINT + j])
        step = 0.02 * pace * (2.0 * d[j] - 1.0)
        x[DIRECTION + j] = _clip(x[DIRECTION + j] + step, 0.0, 1.0)
        x[CAP + j] = x[CAP + j] + 0.001 * pace * (1.0 - x[CAP + j])

    d = pair(base, 18)
    suggests_ = (d[0] < 0.15, d[1] < 0.15)
    threatened_ = creates_ = (False, False)
    if suggests_[0] | suggests_[1]:
        hear = pair(base, 19)
        make = pair(base, 20)
        # Partner j hears the other's suggestion.
        threatened_ = (
            suggests_[1] & (hear[0] < q[RIGIDITY]),
            suggests_[0] & (hear[1] < q[RIGIDITY + 1]),
        )
        creates_ = (
            suggests_[1] & (not threatened_[0]) & (make[0] < 1.0 - 0.5 * q[RIGIDITY + 1]),
            suggests_[0] & (not threatened_[1]) & (make[1] < 1.0 - 0.5 * q[RIGIDITY]),
        )
        # Without a suggestion every term below is zero.
        n_creates = _flag(creates_[0]) + _flag(creates_[1])
        n_threatened = _flag(threatened_[0]) + _flag(threatened_[1])
        w[W_CLOSENESS] = w[W_CLOSENESS] + (0.015 * n_creates - 0.02 * n_threatened)
        for j in range(2):
            creates = creates_[j]
            ev[EV_SUGGESTION + j] += _flag(suggests_[j])
            ev[EV_CONFLICT + j] += _flag(threatened_[j])
            ev[EV_CO_CREATION + j] += _flag(creates)
            w[W_HURT + j] = w[W_HURT + j] + (
                0.015 * _flag(threatened_[0] | threatened_[1])
                + 0.02 * q[SCOREKEEPING + j] * _flag(creates)
            )
            w[W_JOY + j] = w[W_JOY + j] + 0.01 * _flag(creates_[0] | creates_[1])

    gap_ = (x[CAP] - x[CAP + 1], x[CAP + 1] - x[CAP])
    seek_p = (
        _seek_chance(gap_[0], x[INTIMACY], q[NARCISSISM]),
        _seek_chance(gap_[1], x[INTIMACY], q[NARCISSISM + 1]),
    )
    seeks_ = opens_ = (False, False)
    if (seek_p[0] > 0.0) | (seek_p[1] > 0.0):
        d = pair(base, 21)
        seeks_ = (d[0] < seek_p[0], d[1] < seek_p[1])
        if seeks_[0] | seeks_[1]:
            d = pair(base, 22)
            opens_ = (
                seeks_[1] & (d[0] < q[OPENNESS] * (1.0 - 0.5 * q[RIGIDITY])),
                seeks_[0] & (d[1] < q[OPENNESS + 1] * (1.0 - 0.5 * q[RIGIDITY + 1])),
            )
    resists_ = (seeks_[1] & (not opens_[0]), seeks_[0] & (not opens_[1]))
    if seeks_[0] | seeks_[1]:  # without a request for depth every term is zero
        for j in range(2):
            opens, resists = opens_[j], resists_[j]
            ev[EV_DEPTH_REQUEST + j] += _flag(seeks_[j])
            ev[EV_DEPTH_MET + j] += _flag(opens)
            ev[EV_DEPTH_RESISTED + j] += _flag(resists)
            ev[EV_CONFLICT + j] += _flag(resists)
            change = 0.1 * q[OPENNESS + j] * max(-gap_[j], 0.0)
            x[CAP + j] = x[CAP + j] + (change if opens else 0.0)
        n_opens = _flag(opens_[0]) + _flag(opens_[1])
        n_resists = _flag(resists_[0]) + _flag(resists_[1])
        w[W_CLOSENESS] = w[W_CLOSENESS] + (0.03 * n_opens - 0.02 * n_resists)
        for j in range(2):
            blamed = _flag(resists_[1 - j])
            x[SELF_REGARD + j] = x[SELF_REGARD + j] - 0.02 * blamed
            w[W_JOY + j] = w[W_JOY + j] + (0.02 * _flag(opens_[0] | opens_[1]) - 0.03 * blamed)
            w[W_HURT + j] = w[W_HURT + j] + 0.01 * _flag(resists_[j])

    calm_p = (
        0.06 * q[INTENSITY] if x[STRESS] < 0.3 else 0.0,
        0.06 * q[INTENSITY + 1] if x[STRESS + 1] < 0.3 else 0.0,
    )
    calm_ = (False, False)
    if (calm_p[0] > 0.0) | (calm_p[1] > 0.0):
        d = pair(base, 23)
        calm_ = (d[0] < calm_p[0], d[1] < calm_p[1])
        ev[EV_CONFLICT + 0] += _flag(calm_[0])
        ev[EV_CONFLICT + 1] += _flag(calm_[1])
        w[W_CLOSENESS] = w[W_CLOSENESS] - 0.01 * (_flag(calm_[0]) + _flag(calm_[1]))
    # Chemistry fades, and a stirred-up conflict rekindles a little of it.
    x[CHEMISTRY] = 0.99 * x[CHEMISTRY] + 0.02 * _flag(calm_[0] | calm_[1])


@njit(cache=True)
def _seek_chance(gap, intimacy, narc):
    """Chance that a partner ahead by ``gap`` asks for more depth (phase 7)."""
    seek = _clip((gap - 0.1) * 2.0, 0.0, 1.0) * (1.0 - 0.5 * intimacy)
    return seek * (1.0 - narc)


@njit(cache=True, inline="always")
def appraise(x, q, w, ev, base):
    """Phase 8 for one couple: :func:`sim.model.week.appraise`."""
    divergence = abs(x[DIRECTION] - x[DIRECTION + 1])
    for j in range(2):
        st = _clip(x[STRESS + j] + 0.5 * w[W_UNRESOLVED + j] - 0.1 * w[W_HELPED + j], 0.0, 1.0)
        x[STRESS + j] = st
        care = 0.9 * x[CARE + j] + 0.1 * w[W_CARED + j]
        x[CARE + j] = care
        gap = max(q[EXPECTATION + j] - care, 0.0) * (1.0 - 0.7 * q[ASSERTIVENESS + j])
        insecure = _clip((max(q[DEPENDENCY + j], q[RIGIDITY + j]) - 0.3) / 0.3, 0.0, 1.0)
        threat = divergence * insecure
        target = (
            0.35
            + 0.55 * x[INTIMACY]
            + 0.2 * care
            + 0.2 * x[CHEMISTRY]
            + 0.1 * x[SHARED]
            - 0.6 * gap
            - 0.4 * x[RESENTMENT + j]
            - 0.25 * st
            - 0.8 * threat
            - 0.15 * (1.0 - x[SELF_REGARD + j])
        )
        sat = x[SATISFACTION + j]
        x[SATISFACTION + j] = sat + 0.08 * (_clip(target, 0.0, 1.0) - sat) + w[W_JOY + j]

    for j in range(2):
        given = w[W_HELPED + 1 - j]
        x[HELP_RECENT + j] = 0.99 * x[HELP_RECENT + j] + 0.01 * given
        x[HELP_GIVEN + j] = x[HELP_GIVEN + j] + given
        keep = q[SCOREKEEPING + j]
        ledger = 0.97 * x[LEDGER + j] + 0.2 * (0.5 + keep) * (given - w[W_HELPED + j])
        x[LEDGER + j] = ledger
        res = x[RESENTMENT + j]
        let_go = 0.03 * (1.0 - 0.8 * keep) * res
        owed = 0.02 * keep * max(ledger, 0.0)
        res = res + w[W_HURT + j] + owed - let_go
        x[RESENTMENT + j] = res

        good, bad = w[W_GOOD + j], w[W_BAD + j]
        trust = x[TRUST + j]
        trust_target = _clip(0.5 + 0.25 * (good - bad), 0.0, 1.0)
        x[TRUST + j] = trust + 0.05 * (trust_target - trust) if good + bad > 0 else trust

        # Goodwill recovers toward a level set by responsiveness, lowered by resentment.
        rest = (0.5 + 0.5 * q[RESPONSIVENESS + j]) * (1.0 - 0.6 * res)
        x[GOODWILL + j] = x[GOODWILL + j] + 0.02 * (rest - x[GOODWILL + j])
        aut = x[AUTONOMY + j]
        x[AUTONOMY + j] = aut + 0.01 * (1.0 - 0.5 * q[DEPENDENCY + j] - aut)
        x[SELF_REGARD + j] = x[SELF_REGARD + j] + 0.005 * (0.7 - x[SELF_REGARD + j])
    x[INTIMACY] = x[INTIMACY] + w[W_CLOSENESS] - 0.002 * x[INTIMACY]
    conflict = (ev[EV_CONFLICT] > 0) | (ev[EV_CONFLICT + 1] > 0)
    x[CONFLICT_RECENT] = KEEP * x[CONFLICT_RECENT] + RECENT * _flag(conflict)


@njit(cache=True, inline="always")
def commit(x, q, w, ev, base, weeks):
    """Phase 9 for one couple: :func:`sim.model.week.commit`.

    Returns the ending (``Ending.TOGETHER``, 0, when the couple stays together).
    """
    time_in = min(weeks / 260.0, 1.0)
    investment = 0.4 * time_in + 0.3 * x[EFFORT] + 0.3 * x[SHARED]
    leaves = False
    for j in range(2):
        o = 1 - j
        dep, narc = q[DEPENDENCY + j], q[NARCISSISM + j]
        # Needing the partner, or having made the partner one's project, also binds.
        bound = 0.3 * dep + 0.3 * narc * q[DEPENDENCY + o]
        alternatives = q[ALTERNATIVES] * (0.6 + 0.8 * narc) * (1.0 - 0.6 * dep)
        target = 0.15 + 0.8 * x[SATISFACTION + j] + 0.3 * investment + bound - 0.5 * alternatives
        target = _clip(target, 0.0, 1.0)
        c = x[COMMITMENT + j] + 0.05 * (target - x[COMMITMENT + j])
        x[COMMITMENT + j] = c
        below = x[BELOW + j] + 1.0 if c < q[THRESHOLD] else 0.0
        x[BELOW + j] = below
        leaves = leaves | (below >= q[PATIENCE])
    if not leaves:
        return np.int8(0)
    bitter = (max(x[RESENTMENT], x[RESENTMENT + 1]) >= 0.5) | (x[COERCION_RECENT] >= 0.05)
    return DESTRUCTIVE if bitter else HEALTHY


# --- Many couples, many weeks ----------------------------------------------------------


@intrinsic
def _stack_scratch(typingctx, size):
    """A pointer to ``size`` float64 on the stack of the calling function.

    Scratch values on the stack cannot be touched by anything else, so the compiler
    keeps many of them in registers; a heap array would be reloaded after every store.
    """

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(types.float64)
        return cgutils.alloca_once(builder, ty, size=args[0])

    return types.CPointer(types.float64)(types.intp), codegen


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
    :data:`TRAIT_ORDER` and :data:`ENV_ORDER`. Couples are independent, so each lives
    through all its weeks in turn while its state stays in a small scratch array.
    ``events`` is left with each couple's events of the last week, as ``step`` leaves
    it. The caller runs this only when some couple is together at ``step0``: a week
    in which none is does not clamp (``week.step``), and clamping is idempotent.
    """
    n = keys.shape[0]
    io = np.zeros(N_SCRATCH)  # one couple's state and parameters, on their way in and out
    last_events = np.zeros(N_EV)
    total = np.zeros(N_EV, dtype=np.int64)
    for i in range(n):
        for k in range(len(partner)):
            io[2 * k] = partner[k][0, i]
            io[2 * k + 1] = partner[k][1, i]
        for k in range(len(couple)):
            io[INTIMACY + k] = couple[k][i]
        last_events[:] = 0.0
        if active[i]:
            for k in range(len(traits)):
                io[DEPENDENCY + 2 * k] = traits[k][0, i]
                io[DEPENDENCY + 2 * k + 1] = traits[k][1, i]
            for k in range(len(env)):
                io[PROBLEM_RATE + k] = env[k][i]
            total[:] = 0
            end, last, together = _live(io, last_events, total, keys[i], step0, n_weeks, weeks[i])
            weeks[i] = together
            if end != 0:
                ending[i] = end
                step_ended[i] = last
                active[i] = False
            for k in range(N_EV):
                counts[k // 2, k % 2, i] += total[k]
        else:
            for k in range(N_STATE):
                io[k] = _clip(io[k], LOW[k], HIGH[k])
        for k in range(N_EV):
            events[k // 2, k % 2, i] = last_events[k] > 0.0
        for k in range(len(partner)):
            partner[k][0, i] = io[2 * k]
            partner[k][1, i] = io[2 * k + 1]
        for k in range(len(couple)):
            couple[k][i] = io[INTIMACY + k]


@njit(cache=True, error_model="numpy")
def _live(io, last_events, total, key, step0, n_weeks, together):
    """Run one couple that is together at ``step0`` for up to ``n_weeks`` weeks.

    ``io`` brings the couple's state and parameters and takes back its state;
    ``last_events`` takes its events of the last week and ``total`` adds up its events
    of all these weeks. Returns the ending, the last week run and the weeks together.
    """
    # The state, parameters and week values sit in one scratch array on the stack, the
    # events in another: the phases see the first as x, q and w. Read and written at
    # fixed offsets only, their values can stay in registers.
    z = carray(_stack_scratch(N_SCRATCH), N_SCRATCH)
    ev = carray(_stack_scratch(N_EV), N_EV)
    for k in range(W0):
        z[k] = io[k]
    end = np.int8(0)
    step = step0
    for t in range(n_weeks):
        step = step0 + t
        base = week_base(key, step)
        for k in range(W0, N_SCRATCH):
            z[k] = 0.0
        for k in range(N_EV):
            ev[k] = 0.0
        life(z, z, z, ev, base)
        cope(z, z, z, ev, base)
        notice(z, z, z, ev, base)
        respond(z, z, z, ev, base)
        fix(z, z, z, ev, base)
        share(z, z, z, ev, base)
        grow(z, z, z, ev, base)
        appraise(z, z, z, ev, base)
        end = commit(z, z, z, ev, base, together)
        together += 1
        for k in range(N_EV):
            total[k] += ev[k] > 0.0
        _clamp(z)
        if end != 0:
            if t < n_weeks - 1:
                for k in range(N_EV):
                    ev[k] = 0.0  # later weeks find the couple apart: no events
            break
    for k in range(N_STATE):
        io[k] = z[k]
    for k in range(N_EV):
        last_events[k] = ev[k]
    return end, step, together


@njit(cache=True, inline="always")
def _clamp(x):
    """``week.clamp``: every state variable back into its documented range."""
    for k in range(N_STATE):
        x[k] = _clip(x[k], LOW[k], HIGH[k])


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
