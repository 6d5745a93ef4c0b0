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
from numba import njit

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

# Parameters ``q``: two slots per trait, one per environment parameter.
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
) = range(0, 2 * len(TRAIT_ORDER), 2)
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
) = range(2 * len(TRAIT_ORDER), 2 * len(TRAIT_ORDER) + len(ENV_ORDER))
N_PARAMS = 2 * len(TRAIT_ORDER) + len(ENV_ORDER)

# Week ``w``: the scratch values of :class:`sim.model.week.Week`, two slots per partner
# (booleans as 0.0 or 1.0), one for the couple's closeness.
W_PROBLEM, W_SIZE, W_ASKED, W_UNRESOLVED, W_HELPED = 0, 2, 4, 6, 8
W_CARED, W_GOOD, W_BAD, W_HURT, W_JOY, W_CLOSENESS = 10, 12, 14, 16, 18, 20
N_WEEK = 21

# Events ``ev``: slot ``2 * kind + partner``, 1 when the partner did it this week.
N_EV = 2 * len(Event)
E_PROBLEM = int(Event.PROBLEM)
E_HANDLED_ALONE = int(Event.HANDLED_ALONE)
E_REQUEST = int(Event.REQUEST)
E_HELP_FREE = int(Event.HELP_FREE)
E_HELP_CONDITIONAL = int(Event.HELP_CONDITIONAL)
E_DECLINE = int(Event.DECLINE)
E_DEMAND = int(Event.DEMAND)
E_HELP_DEMANDED = int(Event.HELP_DEMANDED)
E_WITHDRAW = int(Event.WITHDRAW)
E_NOTICE = int(Event.NOTICE)
E_FIX = int(Event.FIX)
E_COERCION = int(Event.COERCION)
E_FIX_ACCEPTED = int(Event.FIX_ACCEPTED)
E_FIX_REJECTED = int(Event.FIX_REJECTED)
E_ACCEPTANCE_FLIP = int(Event.ACCEPTANCE_FLIP)
E_ACHIEVEMENT = int(Event.ACHIEVEMENT)
E_CELEBRATION = int(Event.CELEBRATION)
E_TRIAL = int(Event.TRIAL)
E_TRIAL_SUPPORT = int(Event.TRIAL_SUPPORT)
E_DISCLOSURE = int(Event.DISCLOSURE)
E_SUGGESTION = int(Event.SUGGESTION)
E_CO_CREATION = int(Event.CO_CREATION)
E_CONFLICT = int(Event.CONFLICT)
E_DEPTH_REQUEST = int(Event.DEPTH_REQUEST)
E_DEPTH_MET = int(Event.DEPTH_MET)
E_DEPTH_RESISTED = int(Event.DEPTH_RESISTED)

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


@njit(cache=True, inline="always")
def _mark(ev, kind, j):
    """Record that partner ``j`` did ``kind`` this week."""
    ev[2 * kind + j] = 1


@njit(cache=True, inline="always")
def _pace(x, q, j):
    """``week._pace``: growth pace of partner ``j``."""
    return q[GROWTH + j] * (0.4 + 1.2 * x[SPRINT + j])


@njit(cache=True, inline="always")
def _self_efficacy(x, j):
    """``week._self_efficacy`` of partner ``j``."""
    return 0.5 + 0.5 * x[AUTONOMY + j]


@njit(cache=True, inline="always")
def _receptivity(q, j):
    """``week._receptivity`` of partner ``j``."""
    return 0.2 + 0.8 * min(1.0, 2.5 * q[DEPENDENCY + j]) * (1.0 - 0.5 * q[FEAR + j])


@njit(cache=True, inline="always")
def _asymmetry(x, var):
    """``week._asymmetry`` of a partner variable."""
    total = x[var] + x[var + 1]
    return abs(x[var] - x[var + 1]) / (total + 0.02)


@njit(cache=True, inline="always")
def _learn_from_help(x, q, w, j, got, amount):
    """``week._learn_from_help`` for partner ``j`` who got help of ``amount``."""
    beyond = got and w[W_SIZE + j] > x[CAP + j]
    pace = _pace(x, q, j) * _self_efficacy(x, j)
    teach = 2.0 * q[LEARNING_RATE] * pace * (1.0 - q[NARCISSISM + 1 - j])
    gain = teach * amount * (1.0 - x[CAP + j]) if beyond else 0.0
    x[CAP + j] = x[CAP + j] + gain


# --- The nine phases, per couple -------------------------------------------------------


@njit(cache=True, inline="always")
def life(x, q, w, ev, base):
    """Phase 1 for one couple: :func:`sim.model.week.life`."""
    d = pair(base, 0)
    for j in range(2):
        if d[j] < q[PROBLEM_RATE]:
            w[W_PROBLEM + j] = 1.0
            _mark(ev, E_PROBLEM, j)
    if w[W_PROBLEM] + w[W_PROBLEM + 1] > 0.0:
        d = pair(base, 1)
        for j in range(2):
            if w[W_PROBLEM + j] > 0.0:
                spread = q[PROBLEM_SPREAD] * (2.0 * d[j] - 1.0)
                w[W_SIZE + j] = _clip(q[PROBLEM_SIZE] + spread, 0.02, 1.0)
    d = pair(base, 2)
    for j in range(2):
        if d[j] < q[ACHIEVEMENT_RATE]:
            _mark(ev, E_ACHIEVEMENT, j)
    d = pair(base, 3)
    for j in range(2):
        trial = d[j] < q[TRIAL_RATE]
        if trial:
            _mark(ev, E_TRIAL, j)
        x[STRESS + j] = 0.8 * x[STRESS + j] + 0.4 * _flag(trial)
    # Sprints start and stop; each draw only where a partner can use it.
    resting = x[SPRINT] == 0.0 or x[SPRINT + 1] == 0.0
    sprinting = x[SPRINT] == 1.0 or x[SPRINT + 1] == 1.0
    start = pair(base, 4) if resting else (1.0, 1.0)
    stop = pair(base, 5) if sprinting else (1.0, 1.0)
    for j in range(2):
        s = x[SPRINT + j]
        flips = (s == 0.0 and start[j] < 0.02 + 0.08 * q[GROWTH + j]) or (
            s == 1.0 and stop[j] < 0.08
        )
        if flips:
            x[SPRINT + j] = 1.0 - s


@njit(cache=True, inline="always")
def cope(x, q, w, ev, base):
    """Phase 2 for one couple: :func:`sim.model.week.cope`."""
    if w[W_PROBLEM] + w[W_PROBLEM + 1] == 0.0:
        return  # no problem: nobody asks, handles alone or learns
    d = pair(base, 6)
    for j in range(2):
        if w[W_PROBLEM + j] == 0.0:
            continue
        dep, cap, size = q[DEPENDENCY + j], x[CAP + j], w[W_SIZE + j]
        within = size <= cap
        if within:
            p_ask = dep
        else:
            p_ask = dep + (1.0 - dep) * q[ASSERTIVENESS + j] * (1.0 - 0.7 * q[FEAR + j])
        if d[j] < p_ask:
            w[W_ASKED + j] = 1.0
            _mark(ev, E_REQUEST, j)
            w[W_UNRESOLVED + j] = size
        else:
            _mark(ev, E_HANDLED_ALONE, j)
            pace = _pace(x, q, j) * _self_efficacy(x, j)
            mastered = size if within else 0.5 * cap
            x[CAP + j] = cap + q[LEARNING_RATE] * pace * mastered * (1.0 - cap)
            w[W_UNRESOLVED + j] = max(size - cap, 0.0)


@njit(cache=True, inline="always")
def notice(x, q, w, ev, base):
    """Phase 3 for one couple: :func:`sim.model.week.notice`."""
    struggling = (0.0, 0.0)
    offer_p = (0.0, 0.0)
    for j in range(2):
        o = 1 - j
        if w[W_PROBLEM + j] > 0.0 and w[W_ASKED + j] == 0.0 and w[W_UNRESOLVED + j] > 0.0:
            p = q[RESPONSIVENESS + o] * x[GOODWILL + o] * (0.4 + 0.6 * x[INTIMACY])
            if j == 0:
                struggling, offer_p = (1.0, struggling[1]), (p, offer_p[1])
            else:
                struggling, offer_p = (struggling[0], 1.0), (offer_p[0], p)
    if struggling[0] + struggling[1] == 0.0:
        return  # nobody struggles alone: no offer, no care, nothing learnt
    d = pair(base, 7)
    offered0 = struggling[0] > 0.0 and d[0] < offer_p[0]
    offered1 = struggling[1] > 0.0 and d[1] < offer_p[1]
    if not (offered0 or offered1):
        return
    d = pair(base, 8)
    taken0 = offered0 and d[0] < _receptivity(q, 0)
    taken1 = offered1 and d[1] < _receptivity(q, 1)
    amount0 = w[W_UNRESOLVED] if taken0 else 0.0
    amount1 = w[W_UNRESOLVED + 1] if taken1 else 0.0
    mutual = 1.0 - _asymmetry(x, HELP_RECENT)
    w[W_CLOSENESS] = w[W_CLOSENESS] + 0.02 * mutual * (_flag(taken0) + _flag(taken1))
    for j in range(2):
        o = 1 - j
        taken = taken0 if j == 0 else taken1
        amount = amount0 if j == 0 else amount1
        if taken:
            _mark(ev, E_NOTICE, o)
            w[W_CARED + j] = 1.0
        w[W_UNRESOLVED + j] = w[W_UNRESOLVED + j] - amount
        w[W_HELPED + j] = w[W_HELPED + j] + amount
        w[W_GOOD + j] = w[W_GOOD + j] + _flag(taken)
        x[GOODWILL + j] = x[GOODWILL + j] - 0.01 * (amount1 if j == 0 else amount0)
    for j in range(2):
        _learn_from_help(x, q, w, j, taken0 if j == 0 else taken1, amount0 if j == 0 else amount1)


@njit(cache=True, inline="always")
def respond(x, q, w, ev, base):
    """Phase 4 for one couple: :func:`sim.model.week.respond`."""
    asked0, asked1 = w[W_ASKED] > 0.0, w[W_ASKED + 1] > 0.0
    demand0 = demand1 = False
    if asked0 or asked1:
        demand0, demand1 = _answer(x, q, w, ev, base, asked0, asked1)
    for j in range(2):
        demand = demand0 if j == 0 else demand1
        x[ESCALATION + j] = 0.97 * x[ESCALATION + j] + 0.15 * _flag(demand)
    x[DEMAND_RECENT] = KEEP * x[DEMAND_RECENT] + RECENT * _flag(demand0 or demand1)


@njit(cache=True, inline="always")
def _answer(x, q, w, ev, base, asked0, asked1):
    """Phase 4 once someone asked: help, help on condition, a no, a demand.

    Returns who pressed a demand; the caller updates escalation and the demand rate.
    """
    gw0, gw1 = x[GOODWILL], x[GOODWILL + 1]
    x[GOODWILL] = gw0 - 0.06 * (w[W_SIZE + 1] * _flag(asked1))
    x[GOODWILL + 1] = gw1 - 0.06 * (w[W_SIZE] * _flag(asked0))
    d = pair(base, 9)
    helps0 = asked0 and d[0] < gw1 * (1.0 - 0.5 * x[STRESS + 1])
    helps1 = asked1 and d[1] < gw0 * (1.0 - 0.5 * x[STRESS])
    cond0 = cond1 = False
    if helps0 or helps1:
        d = pair(base, 10)
        ledger0, ledger1 = x[LEDGER], x[LEDGER + 1]
        cond0 = helps0 and d[0] < q[SCOREKEEPING + 1] * _clip(0.2 + 4.0 * ledger1, 0.0, 1.0)
        cond1 = helps1 and d[1] < q[SCOREKEEPING] * _clip(0.2 + 4.0 * ledger0, 0.0, 1.0)
    free0, free1 = helps0 and not cond0, helps1 and not cond1
    declined0, declined1 = asked0 and not helps0, asked1 and not helps1
    amount0 = w[W_UNRESOLVED] if helps0 else 0.0
    amount1 = w[W_UNRESOLVED + 1] if helps1 else 0.0
    mutual = 1.0 - _asymmetry(x, HELP_RECENT)
    w[W_CLOSENESS] = w[W_CLOSENESS] + (
        0.012 * mutual * (_flag(free0) + _flag(free1))
        - 0.004 * (_flag(declined0) + _flag(declined1))
    )
    for j in range(2):
        o = 1 - j
        free = free0 if j == 0 else free1
        cond = cond0 if j == 0 else cond1
        declined = declined0 if j == 0 else declined1
        if free:
            _mark(ev, E_HELP_FREE, o)
            w[W_CARED + j] = 1.0
        if cond:
            _mark(ev, E_HELP_CONDITIONAL, o)
        if declined:
            _mark(ev, E_DECLINE, o)
        amount = amount0 if j == 0 else amount1
        w[W_UNRESOLVED + j] = w[W_UNRESOLVED + j] - amount
        w[W_HELPED + j] = w[W_HELPED + j] + amount
        # Taking on the partner's problem loads the helper.
        x[STRESS + j] = x[STRESS + j] + 0.15 * (amount1 if j == 0 else amount0)
        w[W_GOOD + j] = w[W_GOOD + j] + _flag(free)
        w[W_BAD + j] = w[W_BAD + j] + _flag(declined)
        w[W_HURT + j] = w[W_HURT + j] + (0.02 * _flag(cond) + 0.01 * _flag(declined))
        # Appreciation refills the helper's goodwill.
        free_o = free1 if j == 0 else free0
        x[GOODWILL + j] = x[GOODWILL + j] + 0.04 * (_flag(free_o) * q[RECIPROCITY + o])
    for j in range(2):
        _learn_from_help(x, q, w, j, helps0 if j == 0 else helps1, amount0 if j == 0 else amount1)

    # A declined request pressed as a demand.
    if not (declined0 or declined1):
        return False, False
    d = pair(base, 11)
    demand0 = declined0 and d[0] < _clip(_press(x, q, 0), 0.0, 1.0)
    demand1 = declined1 and d[1] < _clip(_press(x, q, 1), 0.0, 1.0)
    if not (demand0 or demand1):
        return False, False
    drain0 = 0.1 * (1.0 + x[ESCALATION]) * _flag(demand0)
    drain1 = 0.1 * (1.0 + x[ESCALATION + 1]) * _flag(demand1)
    x[GOODWILL] = x[GOODWILL] - drain1
    x[GOODWILL + 1] = x[GOODWILL + 1] - drain0
    d = pair(base, 12)
    gives0 = demand0 and d[0] < x[GOODWILL + 1]
    gives1 = demand1 and d[1] < x[GOODWILL]
    withdraws0, withdraws1 = demand0 and not gives0, demand1 and not gives1
    for j in range(2):
        o = 1 - j
        demand = demand0 if j == 0 else demand1
        gives = gives0 if j == 0 else gives1
        withdraws = withdraws0 if j == 0 else withdraws1
        if demand:
            _mark(ev, E_DEMAND, j)
        if gives:
            _mark(ev, E_HELP_DEMANDED, o)
        if withdraws:
            _mark(ev, E_WITHDRAW, o)
            _mark(ev, E_CONFLICT, o)
        extracted = w[W_UNRESOLVED + j] if gives else 0.0
        w[W_UNRESOLVED + j] = w[W_UNRESOLVED + j] - extracted
        w[W_HELPED + j] = w[W_HELPED + j] + extracted
        w[W_BAD + j] = w[W_BAD + j] + _flag(demand)
        # The pressed partner feels controlled; the demanding one grows more dissatisfied.
        demand_o = demand1 if j == 0 else demand0
        w[W_HURT + j] = w[W_HURT + j] + (0.04 * _flag(demand_o) + 0.02 * _flag(withdraws))
        w[W_JOY + j] = w[W_JOY + j] - 0.02 * _flag(demand)
    w[W_CLOSENESS] = w[W_CLOSENESS] - (
        0.02 * (_flag(demand0) + _flag(demand1)) + 0.02 * (_flag(withdraws0) + _flag(withdraws1))
    )
    return demand0, demand1


@njit(cache=True, inline="always")
def _press(x, q, j):
    """How hard partner ``j`` presses a declined request (before clipping)."""
    press = (1.0 - q[ASSERTIVENESS + j]) * max(q[DEPENDENCY + j], q[EXPECTATION + j])
    return press * (0.6 + x[ESCALATION + j])


@njit(cache=True, inline="always")
def fix(x, q, w, ev, base):
    """Phase 5 for one couple: :func:`sim.model.week.fix`."""
    push_p0 = _push_chance(x, q, 0)
    push_p1 = _push_chance(x, q, 1)
    pushes0 = pushes1 = False
    if push_p0 > 0.0 or push_p1 > 0.0:
        d = pair(base, 13)
        pushes0, pushes1 = d[0] < push_p0, d[1] < push_p1
    refused0, refused1 = x[LAST_FIX + 1] < 0, x[LAST_FIX] < 0
    coerces0, coerces1 = pushes0 and refused0, pushes1 and refused1
    # Partner j receives the help partner o pushes.
    accepts0 = accepts1 = False
    if pushes0 or pushes1:
        d = pair(base, 14)
        accepts0 = pushes1 and d[0] < x[ACCEPTANCE]
        accepts1 = pushes0 and d[1] < x[ACCEPTANCE + 1]
    for j in range(2):
        pushes = pushes0 if j == 0 else pushes1
        pushed = pushes1 if j == 0 else pushes0
        coerced = coerces1 if j == 0 else coerces0
        accepts = accepts0 if j == 0 else accepts1
        rejects = pushed and not accepts
        if pushes:
            _mark(ev, E_FIX, j)
        if pushes and (refused0 if j == 0 else refused1):
            _mark(ev, E_COERCION, j)
        if accepts:
            _mark(ev, E_FIX_ACCEPTED, j)
        if rejects:
            _mark(ev, E_FIX_REJECTED, j)
            _mark(ev, E_CONFLICT, j)
        if pushed:
            response = 1.0 if accepts else -1.0
            last = x[LAST_FIX + j]
            if last != 0 and response != last:
                _mark(ev, E_ACCEPTANCE_FLIP, j)
            x[LAST_FIX + j] = response

        dep = q[DEPENDENCY + j]
        a, r, c = _flag(accepts), _flag(rejects), _flag(coerced)
        x[AUTONOMY + j] = x[AUTONOMY + j] - 0.03 * a - 0.04 * c
        x[SELF_REGARD + j] = x[SELF_REGARD + j] - 0.01 * a - 0.01 * c
        acc = x[ACCEPTANCE + j] - 0.15 * (1.0 - 0.5 * dep) * a
        acc = acc + 0.25 * dep * (1.0 - x[AUTONOMY + j]) * r
        drift = 0.02 * (0.3 + 0.6 * dep - acc)
        x[ACCEPTANCE + j] = acc + drift
        w[W_HURT + j] = w[W_HURT + j] + (0.015 * a + 0.02 * r + 0.05 * c)
        # The pusher feels admired when help is taken, wronged when it is refused.
        accepts_o = accepts1 if j == 0 else accepts0
        rejects_o = (pushes0 if j == 0 else pushes1) and not accepts_o
        w[W_JOY + j] = w[W_JOY + j] + 0.01 * _flag(accepts_o)
        w[W_HURT + j] = w[W_HURT + j] + 0.02 * q[NARCISSISM + j] * _flag(rejects_o)
        w[W_BAD + j] = w[W_BAD + j] + c
        # Accepted help on a problem still weighing lifts a little of it.
        lift = 0.5 * w[W_UNRESOLVED + j] if accepts else 0.0
        w[W_UNRESOLVED + j] = w[W_UNRESOLVED + j] - lift
        w[W_HELPED + j] = w[W_HELPED + j] + lift
    w[W_CLOSENESS] = w[W_CLOSENESS] - (
        0.008 * (_flag(pushes0) + _flag(pushes1)) + 0.02 * (_flag(coerces0) + _flag(coerces1))
    )
    coerced_any = _flag(coerces0 or coerces1)
    x[COERCION_RECENT] = KEEP * x[COERCION_RECENT] + RECENT * coerced_any


@njit(cache=True, inline="always")
def _push_chance(x, q, j):
    """Chance that partner ``j`` pushes help on the other this week (phase 5)."""
    o = 1 - j
    narc = q[NARCISSISM + j]
    gap = _clip(x[CAP + j] - x[CAP + o], 0.0, 1.0)
    project = narc * _clip(0.1 + 2.0 * gap + 0.8 * q[DEPENDENCY + o], 0.0, 1.0)
    refused = x[LAST_FIX + o] < 0
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
    one_way = _asymmetry(x, HELP_RECENT)
    leaning = _clip((x[HELP_RECENT] + x[HELP_RECENT + 1]) / 0.05, 0.0, 1.0)
    sharing = min(depth0, depth1) * match * (1.0 - 0.7 * one_way)
    target = sharing * (0.7 + 0.3 * leaning) + 0.25 * x[SHARED]
    mean_stress = (x[STRESS] + x[STRESS + 1]) / 2.0
    w[W_CLOSENESS] = w[W_CLOSENESS] + (0.04 * (target - x[INTIMACY]) - 0.01 * mean_stress)
    for j in range(2):
        depth = depth0 if j == 0 else depth1
        if depth > 0.3:
            _mark(ev, E_DISCLOSURE, j)
        w[W_GOOD + j] = w[W_GOOD + j] + 0.3 * _flag(match > 0.8) * _flag(depth > 0.3)

    news0, news1 = ev[2 * E_ACHIEVEMENT] > 0, ev[2 * E_ACHIEVEMENT + 1] > 0
    celebrated0 = celebrated1 = False
    if news0 or news1:
        d = pair(base, 15)
        resp0, resp1 = q[RESPONSIVENESS], q[RESPONSIVENESS + 1]
        celebrated0 = news0 and d[0] < resp1 * (1.0 - 0.6 * q[NARCISSISM + 1])
        celebrated1 = news1 and d[1] < resp0 * (1.0 - 0.6 * q[NARCISSISM])
    n_celebrated = _flag(celebrated0) + _flag(celebrated1)
    w[W_CLOSENESS] = w[W_CLOSENESS] + 0.03 * n_celebrated
    for j in range(2):
        celebrated = celebrated0 if j == 0 else celebrated1
        if celebrated:
            _mark(ev, E_CELEBRATION, 1 - j)
            w[W_CARED + j] = 1.0
        w[W_JOY + j] = w[W_JOY + j] + 0.03 * _flag(celebrated)
        w[W_GOOD + j] = w[W_GOOD + j] + _flag(celebrated)

    trial0, trial1 = ev[2 * E_TRIAL] > 0, ev[2 * E_TRIAL + 1] > 0
    walked0 = walked1 = False
    if trial0 or trial1:
        d = pair(base, 16)
        walk0 = q[RESPONSIVENESS + 1] * x[GOODWILL + 1] * _receptivity(q, 0)
        walk1 = q[RESPONSIVENESS] * x[GOODWILL] * _receptivity(q, 1)
        walked0, walked1 = trial0 and d[0] < walk0, trial1 and d[1] < walk1
    n_walked = _flag(walked0) + _flag(walked1)
    w[W_CLOSENESS] = w[W_CLOSENESS] + 0.04 * n_walked
    for j in range(2):
        walked = walked0 if j == 0 else walked1
        trial = trial0 if j == 0 else trial1
        if walked:
            _mark(ev, E_TRIAL_SUPPORT, 1 - j)
            w[W_CARED + j] = 1.0
        x[STRESS + j] = x[STRESS + j] - 0.25 * _flag(walked)
        w[W_GOOD + j] = w[W_GOOD + j] + _flag(walked)
        w[W_JOY + j] = w[W_JOY + j] - 0.05 * _flag(trial and not walked)
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
        pace = _pace(x, q, j)
        step = 0.02 * pace * (2.0 * d[j] - 1.0)
        x[DIRECTION + j] = _clip(x[DIRECTION + j] + step, 0.0, 1.0)
        x[CAP + j] = x[CAP + j] + 0.001 * pace * (1.0 - x[CAP + j])

    d = pair(base, 18)
    suggests0, suggests1 = d[0] < 0.15, d[1] < 0.15
    threatened0 = threatened1 = creates0 = creates1 = False
    if suggests0 or suggests1:
        d = pair(base, 19)
        threatened0 = suggests1 and d[0] < q[RIGIDITY]
        threatened1 = suggests0 and d[1] < q[RIGIDITY + 1]
        d = pair(base, 20)
        creates0 = suggests1 and not threatened0 and d[0] < 1.0 - 0.5 * q[RIGIDITY + 1]
        creates1 = suggests0 and not threatened1 and d[1] < 1.0 - 0.5 * q[RIGIDITY]
    w[W_CLOSENESS] = w[W_CLOSENESS] + (
        0.015 * (_flag(creates0) + _flag(creates1))
        - 0.02 * (_flag(threatened0) + _flag(threatened1))
    )
    for j in range(2):
        if suggests0 if j == 0 else suggests1:
            _mark(ev, E_SUGGESTION, j)
        creates = creates0 if j == 0 else creates1
        if threatened0 if j == 0 else threatened1:
            _mark(ev, E_CONFLICT, j)
        if creates:
            _mark(ev, E_CO_CREATION, j)
        w[W_HURT + j] = w[W_HURT + j] + (
            0.015 * _flag(threatened0 or threatened1)
            + 0.02 * q[SCOREKEEPING + j] * _flag(creates)
        )
        w[W_JOY + j] = w[W_JOY + j] + 0.01 * _flag(creates0 or creates1)

    gap0 = x[CAP] - x[CAP + 1]
    gap1 = x[CAP + 1] - x[CAP]
    seek0 = _seek_chance(x, q, 0, gap0)
    seek1 = _seek_chance(x, q, 1, gap1)
    seeks0 = seeks1 = opens0 = opens1 = False
    if seek0 > 0.0 or seek1 > 0.0:
        d = pair(base, 21)
        seeks0, seeks1 = d[0] < seek0, d[1] < seek1
        if seeks0 or seeks1:
            d = pair(base, 22)
            opens0 = seeks1 and d[0] < q[OPENNESS] * (1.0 - 0.5 * q[RIGIDITY])
            opens1 = seeks0 and d[1] < q[OPENNESS + 1] * (1.0 - 0.5 * q[RIGIDITY + 1])
    resists0, resists1 = seeks1 and not opens0, seeks0 and not opens1
    for j in range(2):
        opens = opens0 if j == 0 else opens1
        resists = resists0 if j == 0 else resists1
        if seeks0 if j == 0 else seeks1:
            _mark(ev, E_DEPTH_REQUEST, j)
        if opens:
            _mark(ev, E_DEPTH_MET, j)
        if resists:
            _mark(ev, E_DEPTH_RESISTED, j)
            _mark(ev, E_CONFLICT, j)
        gap = gap0 if j == 0 else gap1
        change = 0.1 * q[OPENNESS + j] * max(-gap, 0.0)
        x[CAP + j] = x[CAP + j] + (change if opens else 0.0)
    w[W_CLOSENESS] = w[W_CLOSENESS] + (
        0.03 * (_flag(opens0) + _flag(opens1)) - 0.02 * (_flag(resists0) + _flag(resists1))
    )
    for j in range(2):
        blamed = _flag(resists1 if j == 0 else resists0)
        x[SELF_REGARD + j] = x[SELF_REGARD + j] - 0.02 * blamed
        w[W_JOY + j] = w[W_JOY + j] + (0.02 * _flag(opens0 or opens1) - 0.03 * blamed)
        w[W_HURT + j] = w[W_HURT + j] + 0.01 * _flag(resists0 if j == 0 else resists1)

    calm_p0 = 0.06 * q[INTENSITY] if x[STRESS] < 0.3 else 0.0
    calm_p1 = 0.06 * q[INTENSITY + 1] if x[STRESS + 1] < 0.3 else 0.0
    calm0 = calm1 = False
    if calm_p0 > 0.0 or calm_p1 > 0.0:
        d = pair(base, 23)
        calm0, calm1 = d[0] < calm_p0, d[1] < calm_p1
    if calm0:
        _mark(ev, E_CONFLICT, 0)
    if calm1:
        _mark(ev, E_CONFLICT, 1)
    w[W_CLOSENESS] = w[W_CLOSENESS] - 0.01 * (_flag(calm0) + _flag(calm1))
    # Chemistry fades, and a stirred-up conflict rekindles a little of it.
    x[CHEMISTRY] = 0.99 * x[CHEMISTRY] + 0.02 * _flag(calm0 or calm1)


@njit(cache=True, inline="always")
def _seek_chance(x, q, j, gap):
    """Chance that partner ``j``, ahead by ``gap``, asks for more depth (phase 7)."""
    seek = _clip((gap - 0.1) * 2.0, 0.0, 1.0) * (1.0 - 0.5 * x[INTIMACY])
    return seek * (1.0 - q[NARCISSISM + j])


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
        insecure = _clip(
            (max(q[DEPENDENCY + j], q[RIGIDITY + j]) - 0.3) / 0.3,
            0.0,
            1.0,
        )
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
        if good + bad > 0:
            trust_target = _clip(0.5 + 0.25 * (good - bad), 0.0, 1.0)
            x[TRUST + j] = x[TRUST + j] + 0.05 * (trust_target - x[TRUST + j])

        # Goodwill recovers toward a level set by responsiveness, lowered by resentment.
        rest = (0.5 + 0.5 * q[RESPONSIVENESS + j]) * (1.0 - 0.6 * res)
        x[GOODWILL + j] = x[GOODWILL + j] + 0.02 * (rest - x[GOODWILL + j])
        aut = x[AUTONOMY + j]
        x[AUTONOMY + j] = aut + 0.01 * (1.0 - 0.5 * q[DEPENDENCY + j] - aut)
        x[SELF_REGARD + j] = x[SELF_REGARD + j] + 0.005 * (0.7 - x[SELF_REGARD + j])
    x[INTIMACY] = x[INTIMACY] + w[W_CLOSENESS] - 0.002 * x[INTIMACY]
    conflict = ev[2 * E_CONFLICT] > 0 or ev[2 * E_CONFLICT + 1] > 0
    x[CONFLICT_RECENT] = KEEP * x[CONFLICT_RECENT] + RECENT * _flag(conflict)


@njit(cache=True, inline="always")
def commit(x, q, w, ev, base, weeks):
    """Phase 9 for one couple: :func:`sim.model.week.commit`.

    Returns the ending (``Ending.TOGETHER`` when the couple stays together).
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
        leaves = leaves or below >= q[PATIENCE]
    if not leaves:
        return np.int8(0)
    bitter = max(x[RESENTMENT], x[RESENTMENT + 1]) >= 0.5 or x[COERCION_RECENT] >= 0.05
    return DESTRUCTIVE if bitter else HEALTHY


@njit(cache=True, inline="always")
def _clamp(x):
    """``week.clamp`` of one couple's scratch state."""
    for k in range(N_STATE):
        x[k] = _clip(x[k], LOW[k], HIGH[k])


# --- Many couples, many weeks ----------------------------------------------------------


@njit(cache=True)
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
    x = np.empty(N_STATE)
    q = np.empty(N_PARAMS)
    w = np.empty(N_WEEK)
    ev = np.zeros(N_EV, dtype=np.uint8)
    total = np.zeros(N_EV, dtype=np.int64)
    for i in range(n):
        for k in range(len(partner)):
            x[2 * k] = partner[k][0, i]
            x[2 * k + 1] = partner[k][1, i]
        for k in range(len(couple)):
            x[INTIMACY + k] = couple[k][i]
        ev[:] = 0
        if active[i]:
            for k in range(len(traits)):
                q[2 * k] = traits[k][0, i]
                q[2 * k + 1] = traits[k][1, i]
            for k in range(len(env)):
                q[PROBLEM_RATE + k] = env[k][i]
            total[:] = 0
            together = weeks[i]
            for t in range(n_weeks):
                step = step0 + t
                base = week_base(keys[i], step)
                ev[:] = 0
                w[:] = 0.0
                life(x, q, w, ev, base)
                cope(x, q, w, ev, base)
                notice(x, q, w, ev, base)
                respond(x, q, w, ev, base)
                fix(x, q, w, ev, base)
                share(x, q, w, ev, base)
                grow(x, q, w, ev, base)
                appraise(x, q, w, ev, base)
                end = commit(x, q, w, ev, base, together)
                together += 1
                total += ev
                _clamp(x)
                if end != 0:
                    ending[i] = end
                    step_ended[i] = step
                    active[i] = False
                    if t < n_weeks - 1:
                        ev[:] = 0  # later weeks find the couple apart: no events
                    break
            weeks[i] = together
            for k in range(N_EV):
                counts[k // 2, k % 2, i] += total[k]
        else:
            _clamp(x)
        for k in range(N_EV):
            events[k // 2, k % 2, i] = ev[k] > 0
        for k in range(len(partner)):
            partner[k][0, i] = x[2 * k]
            partner[k][1, i] = x[2 * k + 1]
        for k in range(len(couple)):
            couple[k][i] = x[INTIMACY + k]


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
