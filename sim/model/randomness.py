"""Counter-based random numbers: each draw is a hash of (couple key, step, slot).

A couple's trajectory must not depend on which batch, chunk, executor or position it
runs in. Drawing from a shared ``numpy.random.Generator`` would tie each couple's
numbers to its neighbours'. Here every uniform number is a pure function of the
couple's 64-bit key, the week and a fixed slot number, computed for a whole array of
couples at once with the SplitMix64 finaliser (Steele, Lea and Flood 2014), a
well-tested 64-bit mixing function (:func:`sim.hashing.mix64`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.hashing import GOLDEN as _GOLDEN
from sim.hashing import mix64, mix64_one

_STEP = np.uint64(0xD1B54A32D192ED03)
_TO_UNIT = 2.0**-53
_TO_UNIT32 = 2.0**-32


def couple_keys(root_seed: int, n: int, start: int = 0) -> np.ndarray:
    """Keys of couples ``start .. start+n-1`` under a root seed.

    The root seed goes through ``numpy.random.SeedSequence`` (which accepts any
    non-negative integer and spreads its entropy); couple ``i``'s key is then the
    SplitMix64 hash of that state and ``i``. A couple's key therefore depends only on
    the root seed and its own index, never on how many couples run beside it.
    """
    base = np.random.SeedSequence(int(root_seed)).generate_state(1, dtype=np.uint64)[0]
    idx = np.arange(start, start + n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix64(base ^ mix64(idx * _GOLDEN + _GOLDEN))


class WeekDraws:
    """Uniform draws for one week of a batch of couples.

    Parameters
    ----------
    keys : ndarray of uint64, shape (n,)
        One key per couple.
    step : int
        The week being simulated.

    Notes
    -----
    ``uniform(slot)`` returns one number per couple, ``pair(slot)`` one per partner
    (shape ``(2, n)``); each slot number must be used once per week. Slots are fixed
    constants of the rules, so the same couple at the same week always sees the same
    numbers.
    """

    def __init__(self, keys: np.ndarray, step: int):
        with np.errstate(over="ignore"):
            self._base = mix64(keys ^ (np.uint64(step + 1) * _STEP))

    def uniform(self, slot: int) -> np.ndarray:
        """One uniform number in [0, 1) per couple for this slot."""
        with np.errstate(over="ignore"):
            z = mix64(self._base + np.uint64(slot + 1) * _GOLDEN)
        return (z >> np.uint64(11)).astype(np.float64) * _TO_UNIT

    def pair(self, slot: int) -> np.ndarray:
        """One uniform number per partner, shape ``(2, n)``, with 32-bit resolution.

        Both come from one hash: its high half for partner ``a``, its low half for
        ``b``. Pair slots are offset so that they never meet plain slots.
        """
        with np.errstate(over="ignore"):
            z = mix64(self._base + np.uint64(slot + 1025) * _GOLDEN)
        out = np.empty((2, z.shape[0]))
        np.multiply(z >> np.uint64(32), _TO_UNIT32, out=out[0])
        np.multiply(z & np.uint64(0xFFFFFFFF), _TO_UNIT32, out=out[1])
        return out


# --- The same draws, one couple at a time, for the compiled rules ------------------------

_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)


@njit(inline="always")
def week_hash(key, step):
    """The hash every draw of a couple's week starts from (``WeekDraws``'s base)."""
    return mix64_one(key ^ (np.uint64(step + 1) * _STEP))


@njit(inline="always")
def draw_pair(draws, lane, slot):
    """Partner a's and b's uniform number of draw ``slot`` for the couple in ``lane``.

    ``draws[lane]`` is the couple's :func:`week_hash`; the numbers are those of
    :meth:`WeekDraws.pair`.
    """
    z = mix64_one(draws[lane] + np.uint64(slot + 1025) * _GOLDEN)
    return np.float64(z >> _S32) * _TO_UNIT32, np.float64(z & _LOW32) * _TO_UNIT32
