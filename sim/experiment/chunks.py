"""Chunks: a slice of an experiment's runs that one worker runs as one vectorised batch.

A :class:`ChunkTask` carries everything a worker needs (the batch model, each run's
parameters, key and indices, the horizon and what to record) and nothing it would
have to read from disk; :func:`run_chunk` returns the chunk's rows as Arrow tables
for the runner to write. Column order is fixed by the task, never by the data, so
every chunking of an experiment writes the same columns.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim.experiment.batch import BatchModel


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of runs.

    Attributes
    ----------
    chunk_id : int
        Number of the chunk's parts on disk.
    model : BatchModel
        The model to run.
    point, replicate : ndarray of int64
        Design point and replicate index of each run.
    keys : ndarray of uint64
        Random key of each run.
    scenario : ndarray of object
        Base scenario of each run.
    factors : dict of str to ndarray
        Factor values of each run that are not parameter columns themselves
        (``both.*``), recorded for analysis.
    params : dict of str to ndarray
        Every concrete parameter column of each run.
    steps, record_every : int
        Horizon, and recording interval of the series (0: none).
    series : tuple of str
        Series to record.
    final : tuple of str, or None
        Final metrics to keep (with ``outcome`` when the model gives one); None keeps all.
    """

    chunk_id: int
    model: BatchModel
    point: np.ndarray
    replicate: np.ndarray
    keys: np.ndarray
    scenario: np.ndarray
    factors: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    steps: int
    record_every: int = 0
    series: tuple[str, ...] = ()
    final: tuple[str, ...] | None = None

    @property
    def n(self) -> int:
        """Number of runs in the chunk."""
        return len(self.keys)


@dataclass(frozen=True)
class ChunkOutput:
    """What a worker sends back: the chunk's run rows and series rows, and the seconds
    its model took to run them (the rest of the sweep's time is overhead)."""

    chunk_id: int
    runs: pa.Table
    series: pa.Table | None
    error: str | None = None
    seconds: float = 0.0


def _head(task: ChunkTask, status: str, error: str | None) -> dict[str, pa.Array]:
    cols: dict[str, pa.Array] = {
        "point": pa.array(task.point, pa.int64()),
        "replicate": pa.array(task.replicate, pa.int64()),
        "key": pa.array(task.keys, pa.uint64()),
        "scenario": pa.array(list(task.scenario), pa.string()),
        "status": pa.array([status] * task.n, pa.string()),
        "error": pa.array([error] * task.n, pa.string()),
    }
    for name, values in task.factors.items():
        cols[name] = pa.array(values, pa.float64())
    for name, values in task.params.items():
        cols[name] = pa.array(values, pa.float64())
    return cols


def failure(task: ChunkTask, error: str) -> ChunkOutput:
    """The rows of a chunk that failed: its runs with status ``failed`` and the error."""
    return ChunkOutput(task.chunk_id, pa.table(_head(task, "failed", error)), None, error)


def _array(values: np.ndarray) -> pa.Array:
    values = np.asarray(values)
    if values.dtype == object:
        return pa.array(list(values), pa.string())
    return pa.array(values)


def run_chunk(task: ChunkTask) -> ChunkOutput:
    """Run a chunk; a chunk whose model raises comes back as a failure, not an exception."""
    try:
        t0 = time.perf_counter()
        result = task.model.run(task.params, task.keys, task.steps, task.record_every, task.series)
        seconds = time.perf_counter() - t0
        cols = _head(task, "ok", None)
        names = list(result.metrics)
        if task.final is not None:
            names = [m for m in (*task.final, "outcome") if m in result.metrics]
            names = list(dict.fromkeys(names))
        for name in names:
            cols[name] = _array(result.metrics[name])
        series = None
        if task.record_every and task.series:
            steps = np.asarray(result.steps, dtype=np.int64)
            k = len(steps)
            sc = {
                "point": pa.array(np.repeat(task.point, k), pa.int64()),
                "replicate": pa.array(np.repeat(task.replicate, k), pa.int64()),
                "step": pa.array(np.tile(steps, task.n), pa.int64()),
            }
            for name in task.series:
                sc[name] = pa.array(np.asarray(result.series[name], dtype=np.float64).T.ravel())
            series = pa.table(sc)
        return ChunkOutput(task.chunk_id, pa.table(cols), series, seconds=seconds)
    except Exception as err:  # noqa: BLE001 - a failing chunk is recorded with its error
        last = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
        where = f" (at {last.filename}:{last.lineno})" if last else ""
        return failure(task, f"{type(err).__name__}: {err}{where}")
