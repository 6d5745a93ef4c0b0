"""SplitMix64: the 64-bit mixing function behind every random key and draw.

Both the model's counter-based draws (:mod:`sim.model.randomness`) and the experiment
runner's run keys (:mod:`sim.experiment.seeding`) hash with it, so it lives here, beside
neither. It is the finaliser of Steele, Lea and Flood's (2014) SplitMix64 generator, a
well-tested mixing function, applied elementwise with wrapping arithmetic.
"""

from __future__ import annotations

import numpy as np
from numba import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
"""The 64-bit golden-ratio increment of SplitMix64."""

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser applied elementwise to a uint64 array (wrapping arithmetic)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


_S27, _S30, _S31 = np.uint64(27), np.uint64(30), np.uint64(31)


@njit(inline="always")
def mix64_one(z):
    """:func:`mix64` of one uint64, for compiled code (the same numbers)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)
