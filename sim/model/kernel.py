"""The compiled engine: the rules of :mod:`sim.model.week` run for blocks of couples.

This module knows no rule. It lays out a block of :data:`LANES` couples in a small
scratch array on the stack (one row per variable, one column per couple), gives the
rules named views on its rows, runs the phases of :data:`sim.model.week.PHASES` for the
block week after week (each rule holds the state it writes last in the week in its
declared range, :func:`sim.model.week.set_state`), and writes each couple back when it
parts or has lived its weeks, taking the next couple into its lane. The layout is
generated from the declarations (:mod:`sim.model.declarations`)
and the registry (:mod:`sim.model.parameters`): a new state variable, event, trait or
environment parameter needs no change here.

Scratch values on the stack cannot be touched by anything else, so the compiler keeps
them in registers and runs the loop over a block's couples in vector instructions
(AVX-512 or AVX2 where the processor has them); the scratch arrays are aligned to a
cache line (:data:`ALIGN`), so that every row of a block starts on one. Every draw
is hashed for every couple, used or not; draws are a pure function of key, week and
slot, so an unused draw changes nothing, and a couple's trajectory is the same alone or
in any block.

Compiled code is cached (``cache=True``); the cache is keyed on the source of every
module that is compiled into it (:data:`COMPILED_MODULES`), so that a change to a rule
or a declaration is never run from a stale cache (see :func:`_key_cache_on_sources`).
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
from numba import carray, config, njit, types
from numba.core import caching, cgutils
from numba.extending import intrinsic

from sim.model.declarations import BOOKKEEPING, COUPLE, STATE
from sim.model.layout import (
    ACCUMULATOR_ROWS,
    COUPLE_ROWS,
    ENV,
    HIGH,
    LANES,
    LOW,
    N_EVENT_ROWS,
    N_ROWS,
    N_STATE,
    PARTNER_ROWS,
    TRAIT,
    WEEK,
    WEEK0,
)
from sim.model.layout import (
    STATE as ROWS,
)
from sim.model.parameters import ENV_NAMES, TRAIT_NAMES
from sim.model.randomness import week_hash
from sim.model.rules import clip, minimum
from sim.model.state import Params
from sim.model.state import State as StateArrays
from sim.model.week import PHASES

COMPILED_MODULES = (
    "sim.hashing",
    "sim.model.declarations",
    "sim.model.parameters",
    "sim.model.randomness",
    "sim.model.rules",
    "sim.model.week",
    "sim.model.kernel",
)
"""The modules whose code is compiled into the engine."""


def sources_hash(paths) -> str:
    """SHA-256 of the contents of the files ``paths``, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


SOURCES_HASH = sources_hash(importlib.util.find_spec(name).origin for name in COMPILED_MODULES)
"""Hash of the source of every module compiled into the engine."""


class _StampedOnSources:
    """A cache locator for this module's functions whose stamp is :data:`SOURCES_HASH`.

    Numba keys a cached function on its own file only; the engine inlines the rules and
    the declarations of other modules, so its cache must also go stale when they change.
    """

    def get_source_stamp(self):
        return (super().get_source_stamp(), SOURCES_HASH)

    @classmethod
    def from_function(cls, py_func, py_file):
        if getattr(py_func, "__module__", None) != __name__:
            return None
        return super().from_function(py_func, py_file)


def _key_cache_on_sources() -> bool:
    """Put the stamped locators first among numba's cache locators (for this module's
    functions only; every other function is located as before).

    Returns whether they are in place. Where this numba keeps its locators elsewhere,
    the engine is not cached at all (:data:`CACHED`) rather than run from a stale cache.
    """
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    locators = getattr(impl, "_locator_classes", None)
    if not isinstance(locators, list):
        return False
    if any(issubclass(c, _StampedOnSources) for c in locators):
        return True
    stamped = [
        type(f"Stamped{base.__name__}", (_StampedOnSources, base), {})
        for base in (
            caching.UserProvidedCacheLocator,
            caching.InTreeCacheLocator,
            caching.UserWideCacheLocator,
        )
    ]
    locators[0:0] = stamped
    return True


CACHED = _key_cache_on_sources()
"""Whether compiled code is cached: only when the cache is keyed on every source."""

# --- Scratch on the stack ------------------------------------------------------------------

_N_Z = N_ROWS * LANES
_N_E = N_EVENT_ROWS * LANES
_N_S = N_STATE * LANES


ALIGN = 64
"""Bytes the scratch arrays are aligned to: a cache line, and one AVX-512 vector of
eight float64 (a row of :data:`LANES` float64 is a whole number of them, so that every
row starts aligned). Unaligned, every vector load of a row may straddle two cache lines,
and where the stack happened to fall differed from one process to the next (a
process's stack starts at a random offset): the same build ran at 11.4 or 13.3 M
couple-weeks a second from one run to the next (``benchmarks/README.md``)."""


def _aligned_on_stack(builder, ty, size):
    """Stack space for ``size`` values of LLVM type ``ty`` at the function's entry,
    aligned to :data:`ALIGN` bytes."""
    space = cgutils.alloca_once(builder, ty, size=size)
    space.align = ALIGN
    return space


@intrinsic
def _stack_floats(typingctx, size):
    """A pointer to ``size`` float64 on the stack of the calling function, aligned to
    :data:`ALIGN` bytes.

    ``size`` must be a constant of this module, so that the space is reserved once, at
    the function's entry.
    """

    def codegen(context, builder, signature, args):
        return _aligned_on_stack(builder, context.get_value_type(types.float64), args[0])

    return types.CPointer(types.float64)(types.intp), codegen


@intrinsic
def _stack_words(typingctx, size):
    """A pointer to ``size`` uint64 on the stack of the calling function, aligned to
    :data:`ALIGN` bytes."""

    def codegen(context, builder, signature, args):
        return _aligned_on_stack(builder, context.get_value_type(types.uint64), args[0])

    return types.CPointer(types.uint64)(types.intp), codegen


_view = carray
"""An array of the given shape over a pointer to stack space."""

if config.DISABLE_JIT:
    # Interpreted, stack space is a NumPy array; the numbers are the same.

    def _stack_floats(size):
        return np.zeros(size)

    def _stack_words(size):
        return np.zeros(size, dtype=np.uint64)

    def _view(space, shape):
        return space.reshape(shape)


# --- The week's phases ----------------------------------------------------------------

if len(PHASES) != 9:
    raise ImportError(f"the engine runs nine phases a week; sim.model.week has {len(PHASES)}")
_PHASE_0, _PHASE_1, _PHASE_2, _PHASE_3, _PHASE_4, _PHASE_5, _PHASE_6, _PHASE_7, _PHASE_8 = PHASES
"""The phases, in order, each inlined on its own into the loop over a block's lanes in
:func:`_live`. A function that ran all nine would be inlined whole, and before Numba
inlines a function it copies its code block by block, each block's copy with all of
the function's variables, so the cost grows with the square of the function's size: a
week's function took 77 of the compile's 105 s that way, and the whole compile takes
about 40 s without it, the generated code the same (``benchmarks/README.md``, "The
compile")."""


# --- Many couples, many weeks ----------------------------------------------------------------

PARTNER_VARS = tuple(v.name for v in STATE if v.scope != COUPLE)
"""Partner state arrays the engine advances, in declaration order."""
COUPLE_VARS = tuple(v.name for v in STATE if v.scope == COUPLE)
"""Float couple state arrays the engine advances, in declaration order."""


@njit(cache=CACHED, error_model="numpy")
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
    :data:`COUPLE_VARS`; ``traits`` and ``env`` the parameter arrays in registry
    order. Couples are independent: the couples together at ``step0`` live through
    their weeks side by side in the :data:`LANES` vector lanes (:func:`_live`).
    ``events`` is left with each couple's events of the last week. A couple already
    apart is only held in its ranges, and has no events.
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
                at = PARTNER_ROWS[k] + j
                partner[k][j, i] = clip(partner[k][j, i], LOW[at], HIGH[at])
        for k in range(len(couple)):
            at = COUPLE_ROWS[k]
            couple[k][i] = clip(couple[k][i], LOW[at], HIGH[at])
        for k in range(N_EVENT_ROWS):
            events[k // 2, k % 2, i] = False
    if m > 0:
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
            together[:m],
            step0,
            n_weeks,
        )


@njit(inline="always")
def _load(rows, key, partner, couple, weeks, traits, env, keys, lane, i):
    """Put couple ``i``'s state, parameters and key into lane ``lane``."""
    for k in range(len(partner)):
        rows[PARTNER_ROWS[k], lane] = partner[k][0, i]
        rows[PARTNER_ROWS[k] + 1, lane] = partner[k][1, i]
    for k in range(len(couple)):
        rows[COUPLE_ROWS[k], lane] = couple[k][i]
    rows[ROWS.weeks, lane] = weeks[i]
    for k in range(len(traits)):
        rows[TRAIT[0] + 2 * k, lane] = traits[k][0, i]
        rows[TRAIT[0] + 2 * k + 1, lane] = traits[k][1, i]
    for k in range(len(env)):
        rows[ENV[0] + k, lane] = env[k][i]
    key[lane] = keys[i]


@njit(inline="always")
def _store(rows, ev, total, partner, couple, weeks, active, counts, events, lane, i, apart):
    """Write lane ``lane`` back to couple ``i``: its state, its event counts and its
    last week's events (none when it parted before the last week of the call)."""
    for k in range(len(partner)):
        partner[k][0, i] = rows[PARTNER_ROWS[k], lane]
        partner[k][1, i] = rows[PARTNER_ROWS[k] + 1, lane]
    for k in range(len(couple)):
        couple[k][i] = rows[COUPLE_ROWS[k], lane]
    weeks[i] = np.int64(rows[ROWS.weeks, lane])
    active[i] = rows[WEEK.ending, lane] == 0.0
    for k in range(N_EVENT_ROWS):
        counts[k // 2, k % 2, i] += np.int64(total[k * LANES + lane])
        events[k // 2, k % 2, i] = ev[k, lane] > 0.0 and not apart


@njit(cache=CACHED, error_model="numpy")
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
    together,
    step0,
    n_weeks,
):
    """Run the couples ``together`` (all together at ``step0``) for up to ``n_weeks``
    weeks each, :data:`LANES` at a time side by side.

    Each lane holds one couple at its own week. When a couple ends, or has lived its
    ``n_weeks``, the lane writes it back and takes the next couple waiting, so no lane
    works for a couple that has parted; a couple's weeks, and so its numbers, are the
    same in any lane and beside any others. Once no couple waits, a lane that falls
    free keeps running its last couple without writing it back: the phases always run
    whole vector widths.
    """
    m = together.shape[0]
    # Each scratch array is seen by row (``rows[row, lane]``) in the rules and flat
    # (``flat[row * LANES + lane]``) in the loops over whole rows.
    space, event_space = _stack_floats(_N_Z), _stack_floats(_N_E)
    flat, rows = _view(space, _N_Z), _view(space, (N_ROWS, LANES))
    ev_flat, ev = _view(event_space, _N_E), _view(event_space, (N_EVENT_ROWS, LANES))
    total = _view(_stack_floats(_N_E), _N_E)
    key = _view(_stack_words(LANES), LANES)
    draws = _view(_stack_words(LANES), LANES)
    lane_couple = np.empty(LANES, dtype=np.int64)
    lane_week = np.zeros(LANES, dtype=np.int64)
    waiting = 0
    for lane in range(LANES):
        i = together[min(waiting, m - 1)]
        _load(rows, key, partner, couple, weeks, traits, env, keys, lane, i)
        lane_couple[lane] = i if waiting < m else -1
        waiting += 1 if waiting < m else 0
    for k in range(_N_E):
        total[k] = 0.0
    for k in range(WEEK0 * LANES, _N_Z):
        flat[k] = 0.0
    running = min(m, LANES)
    while running > 0:
        for lane in range(LANES):
            draws[lane] = week_hash(key[lane], step0 + lane_week[lane])
        for row in ACCUMULATOR_ROWS:
            for lane in range(LANES):
                rows[row, lane] = 0.0
        for k in range(_N_E):
            ev_flat[k] = 0.0
        # The phases one by one, each over every lane: written out, because Numba
        # inlines only a call whose function it can name (see _PHASE_0).
        for lane in range(LANES):
            _PHASE_0(rows, ev, draws, lane)
        for lane in range(LANES):
            _PHASE_1(rows, ev, draws, lane)
        for lane in range(LANES):
            _PHASE_2(rows, ev, draws, lane)
        for lane in range(LANES):
            _PHASE_3(rows, ev, draws, lane)
        for lane in range(LANES):
            _PHASE_4(rows, ev, draws, lane)
        for lane in range(LANES):
            _PHASE_5(rows, ev, draws, lane)
        for lane in range(LANES):
            _PHASE_6(rows, ev, draws, lane)
        for lane in range(LANES):
            _PHASE_7(rows, ev, draws, lane)
        for lane in range(LANES):
            _PHASE_8(rows, ev, draws, lane)
        for k in range(_N_E):  # a week with an event counts once (counts are whole)
            total[k] += minimum(ev_flat[k], 1.0)
        for lane in range(LANES):
            i = lane_couple[lane]
            if i < 0:
                continue
            lane_week[lane] += 1
            end = rows[WEEK.ending, lane]
            if end == 0.0 and lane_week[lane] < n_weeks:
                continue
            if end != 0.0:
                ending[i] = np.int8(end)
                step_ended[i] = step0 + lane_week[lane] - 1
            apart = end != 0.0 and lane_week[lane] < n_weeks
            _store(rows, ev, total, partner, couple, weeks, active, counts, events, lane, i, apart)
            for k in range(N_EVENT_ROWS):
                total[k * LANES + lane] = 0.0
            lane_week[lane] = 0
            if waiting < m:
                i = together[waiting]
                waiting += 1
                _load(rows, key, partner, couple, weeks, traits, env, keys, lane, i)
                lane_couple[lane] = i
            else:
                lane_couple[lane] = -1
                running -= 1


# --- The Python side -------------------------------------------------------------------


def run_weeks(s: StateArrays, p: Params, keys: np.ndarray, n_weeks: int = 1) -> None:
    """Advance every couple of ``s`` by ``n_weeks`` weeks in place.

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
    traits = tuple(_param(p.traits[name], 2) for name in TRAIT_NAMES)
    env = tuple(_param(p.env[name], 1) for name in ENV_NAMES)
    own = {name: _own(s, name, np.dtype(dtype)) for name, _, dtype, _ in BOOKKEEPING}
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


def _float_array(s: StateArrays, name: str, ndim: int) -> np.ndarray:
    """State array ``name`` as the kernel needs it: C-ordered float64 (replaced if not)."""
    return _own(s, name, np.float64, ndim)


def _own(s: StateArrays, name: str, dtype, ndim: int | None = None) -> np.ndarray:
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
