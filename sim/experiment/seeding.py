"""Run keys: each run's random key is a pure function of (root seed, point, replicate).

A run's trajectory depends only on its parameters, its key and the step count, so
keys must not depend on chunking, executor, worker count or how many replicates run
beside it. The root seed goes through :class:`numpy.random.SeedSequence`; a point's
key is the SplitMix64 hash (:func:`sim.hashing.mix64`) of that state and the point
index (the construction the model uses for a batch's couple keys), and a run's key
hashes the point key with the replicate index. Adding replicates or points leaves
every existing key as it was.
"""

from __future__ import annotations

import numpy as np

from sim.hashing import GOLDEN as _GOLDEN
from sim.hashing import mix64

_REPLICATE = np.uint64(0xC2B2AE3D27D4EB4F)


def root_state(seed: int) -> np.uint64:
    """The 64-bit state of a root seed (``SeedSequence(seed).generate_state``)."""
    return np.random.SeedSequence(int(seed)).generate_state(1, dtype=np.uint64)[0]


def point_keys(seed: int, points: np.ndarray) -> np.ndarray:
    """Keys of design points under a root seed."""
    idx = np.asarray(points, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix64(root_state(seed) ^ mix64(idx * _GOLDEN + _GOLDEN))


def run_keys(seed: int, points: np.ndarray, replicates: np.ndarray) -> np.ndarray:
    """Keys of runs given by their point and replicate indices (arrays of equal length)."""
    reps = np.asarray(replicates, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix64(point_keys(seed, points) ^ mix64((reps + np.uint64(1)) * _REPLICATE))
