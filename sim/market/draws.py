"""Counter-based draws of the market: each number a hash of (key, week, slot, person).

The market's own chances (who meets whom, who accepts) must not depend on the order
of people in memory, on which chunk a market runs in, or on the executor: like a
couple's weekly draws (:mod:`sim.model.randomness`), each uniform number is the
SplitMix64 finaliser of the market key mixed with the week, a fixed slot number and
the person's id.
"""

from __future__ import annotations

import numpy as np

from sim.hashing import mix64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_WEEK = np.uint64(0xD1B54A32D192ED03)
_SLOT = np.uint64(0xA0761D6478BD642F)
_COUPLE = np.uint64(0xE7037ED1A0B428DB)
_TO_UNIT = 2.0**-53

SLOT_TRAITS = 0
"""First slot of the population's trait draws (one slot per trait and draw)."""
SLOT_DESIRABILITY = 500
"""Slot of the draw of each person's desirability."""
SLOT_ORDER = 1000
"""First slot of the meeting order (one slot per meeting round)."""
SLOT_ACCEPT = 2000
"""First slot of the acceptance draws (one slot per meeting round)."""
SLOT_LOOK = 3000
"""Slot of the draw of the person a partnered person notices in a week."""


def market_key(seed: int) -> np.uint64:
    """The 64-bit key of a market from a non-negative seed (via ``SeedSequence``)."""
    return np.random.SeedSequence(int(seed)).generate_state(1, dtype=np.uint64)[0]


def uniform(key: np.uint64, week: int, slot: int, ids: np.ndarray) -> np.ndarray:
    """One uniform number in [0, 1) per id for (market key, week, slot)."""
    with np.errstate(over="ignore"):
        base = mix64(
            np.uint64(key) ^ mix64(np.uint64(week + 1) * _WEEK + np.uint64(slot + 1) * _SLOT)
        )
        z = mix64(base + (np.asarray(ids, dtype=np.uint64) + np.uint64(1)) * _GOLDEN)
    return (z >> np.uint64(11)).astype(np.float64) * _TO_UNIT


def couple_key(key: np.uint64, serials: np.ndarray) -> np.ndarray:
    """Engine keys of the market's couples, from the market key and each couple's serial."""
    with np.errstate(over="ignore"):
        return mix64(
            np.uint64(key) ^ mix64((np.asarray(serials, dtype=np.uint64) + np.uint64(1)) * _COUPLE)
        )
