"""A pyabc sampler that runs whole batches of particles on relsim's executors.

pyabc hands a sampler one function, ``simulate_one``, which proposes a parameter (from
the prior or from the last generation's kernel), simulates the model there, computes
the distance and decides acceptance. :class:`BatchSampler` runs it in two passes over
a batch of candidate particles ``j = start, start + 1, ...``:

1. *propose*: with numpy's and Python's global generators seeded from ``(seed, t, j)``,
   ``simulate_one`` runs until the model is asked for a sample; the model
   (:class:`CoupleModel`) notes the proposed values and stops it;
2. the candidates' couples run on the executor, many particles a task
   (:func:`sim.calibration.simulate.run_task`), each from a root seed of ``(seed, t, j)``;
3. *evaluate*: with the same seeds again, ``simulate_one`` proposes the same values
   and the model returns their statistics; pyabc computes the distance, accepts or not
   and weighs the particle.

Candidates are evaluated in the order of ``j`` and the generation ends at its ``n``-th
acceptance; candidates simulated past it are dropped. A generation is therefore a pure
function of the seed, ``t`` and the last generation: the same whatever the executor,
the number of workers or the batch sizes, and the same when a stopped calibration runs
it again.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyabc
from pyabc.sampler import Sampler

from sim.calibration.simulate import Setup, Task, run_task

_PROPOSE = 0x5EED
_COUPLES = 0xC0DE
_PREDICTIVE = -7

TASK_COUPLES = 8_000
"""Most couples one task runs in one call of the engine (several particles' worth)."""

OVERSHOOT = 1.2
"""A batch holds this many times the candidates the acceptance rate says are needed."""


class _Proposed(Exception):
    """Raised by the model in the propose pass, once the proposed values are noted."""


class CoupleModel(pyabc.Model):
    """The calibration's model as pyabc sees it.

    Its :meth:`sample` never simulates: in the propose pass it notes the values pyabc
    proposes and stops ``simulate_one``; in the evaluate pass it returns the statistics
    the executor computed for those values.

    Parameters
    ----------
    names : tuple of str
        The fitted parameters, in the order of the values noted.
    """

    def __init__(self, names: tuple[str, ...]):
        super().__init__("relsim")
        self.names = names
        self.proposing = True
        self.proposed: np.ndarray | None = None
        self.ready: tuple[np.ndarray, dict[str, float]] | None = None

    def sample(self, pars) -> dict[str, float]:
        """The statistics of ``pars``; see the class notes."""
        values = np.array([float(pars[name]) for name in self.names])
        if self.proposing:
            self.proposed = values
            raise _Proposed
        expected, stats = self.ready
        if not np.array_equal(values, expected):
            raise RuntimeError("pyabc proposed other values when the candidate was evaluated")
        return stats


def candidate_seed(seed: int, t: int, j: int) -> np.ndarray:
    """The seed of numpy's and Python's generators for candidate ``j`` of generation ``t``."""
    return np.random.SeedSequence([seed, _PROPOSE, t + 1, j]).generate_state(4)


def couples_root(seed: int, t: int, j: int) -> int:
    """The root seed of the couples of candidate ``j`` of generation ``t``
    (``t = -7`` for the posterior predictive draws)."""
    state = np.random.SeedSequence([seed, _COUPLES, t + 8, j]).generate_state(1, np.uint64)
    return int(state[0])


def predictive_root(seed: int, i: int) -> int:
    """The root seed of the couples of the ``i``-th posterior predictive draw."""
    return couples_root(seed, _PREDICTIVE, i)


def _seed_generators(state: np.ndarray) -> None:
    # pyabc draws from numpy's global generator (scipy.stats' rvs), so it is seeded
    np.random.seed(state)  # noqa: NPY002
    random.seed(int(state[0]))


@dataclass
class Generation:
    """What a generation of the sampler took.

    Attributes
    ----------
    t : int
        The generation.
    evaluated : int
        Candidates evaluated (pyabc's samples).
    simulated : int
        Candidates simulated (evaluated and dropped past the last acceptance).
    seconds : float
        Wall time of the sampling.
    engine_seconds : float
        Time the engine's ``simulate`` took, summed over tasks.
    task_seconds : float
        Time the tasks took, summed (the engine, the pool, the statistics).
    """

    t: int
    evaluated: int = 0
    simulated: int = 0
    seconds: float = 0.0
    engine_seconds: float = 0.0
    task_seconds: float = 0.0


Progress = Callable[[str, dict], None]
"""Called with an event (``start``, ``batch``, ``end``) and what is known so far."""


@dataclass
class Runs:
    """Runs tasks on an executor and keeps the time they took."""

    executor: object
    setup: Setup
    engine_seconds: float = 0.0
    task_seconds: float = 0.0
    simulated: int = 0

    def tasks(self, ids: list[int], roots: list[int], values: np.ndarray) -> list[Task]:
        """The tasks of a batch: contiguous runs of particles, at most
        :data:`TASK_COUPLES` couples each and about four tasks a worker."""
        workers = max(1, int(getattr(self.executor, "workers", 1)))
        per_task = max(1, TASK_COUPLES // self.setup.couples)
        per_task = max(1, min(per_task, math.ceil(len(ids) / (4 * workers))))
        return [
            Task(
                self.setup,
                tuple(ids[i : i + per_task]),
                tuple(roots[i : i + per_task]),
                values[i : i + per_task],
            )
            for i in range(0, len(ids), per_task)
        ]

    def run(self, ids: list[int], roots: list[int], values: np.ndarray) -> dict[int, dict]:
        """Each particle's statistics, by id."""
        out: dict[int, dict] = {}
        for task, outcome in self.executor.map(run_task, self.tasks(ids, roots, values)):
            if isinstance(outcome, BaseException):
                raise RuntimeError(
                    f"a task of {len(task.ids)} particles failed: "
                    f"{type(outcome).__name__}: {outcome}"
                ) from outcome
            self.engine_seconds += outcome.engine_seconds
            self.task_seconds += outcome.seconds
            self.simulated += len(outcome.ids)
            out.update(zip(outcome.ids, outcome.stats, strict=True))
        return out


class BatchSampler(Sampler):
    """Samples a generation in batches of particles run on a relsim executor.

    Parameters
    ----------
    model : CoupleModel
        The model pyabc was given.
    runs : Runs
        The executor and what every particle shares.
    seed : int
        The calibration's root seed.
    progress : callable, optional
        Told of each generation's start, batches and end.
    """

    def __init__(self, model: CoupleModel, runs: Runs, seed: int, progress: Progress | None = None):
        super().__init__()
        self.model = model
        self.runs = runs
        self.seed = seed
        self.progress = progress or (lambda event, info: None)
        self.rate = 1.0
        self.generations: list[Generation] = []

    def _propose(self, simulate_one, t: int, j: int) -> np.ndarray:
        self.model.proposing = True
        _seed_generators(candidate_seed(self.seed, t, j))
        try:
            simulate_one()
        except _Proposed:
            return self.model.proposed
        raise RuntimeError("pyabc evaluated a particle without asking the model")

    def _evaluate(self, simulate_one, t: int, j: int, values: np.ndarray, stats: dict):
        self.model.proposing = False
        self.model.ready = (values, stats)
        _seed_generators(candidate_seed(self.seed, t, j))
        return simulate_one()

    def _batch_size(self, missing: int, rate: float, max_eval: float, start: int) -> int:
        workers = max(1, int(getattr(self.runs.executor, "workers", 1)))
        size = math.ceil(missing / max(rate, 1e-3) * (OVERSHOOT if rate < 1 else 1.0))
        if rate < 1:
            size += workers
        size = min(size, 50 * missing + workers)
        if math.isfinite(max_eval):
            size = min(size, int(max_eval) - start)
        return max(1, size)

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        """Evaluate candidates in order until ``n`` are accepted (or ``max_eval`` are
        evaluated); see the module notes."""
        sample = self._create_empty_sample()
        gen = Generation(t)
        started = time.perf_counter()
        engine0, task0 = self.runs.engine_seconds, self.runs.task_seconds
        sim0 = self.runs.simulated
        eps = float(ana_vars.eps(t)) if ana_vars is not None else math.nan
        rate = 1.0 if all_accepted or math.isinf(eps) else self.rate
        accepted = evaluated = start = 0
        self.progress("start", {"t": t, "n": n, "epsilon": eps})
        while accepted < n and evaluated < max_eval:
            size = self._batch_size(n - accepted, rate, max_eval, start)
            ids = list(range(start, start + size))
            values = np.array([self._propose(simulate_one, t, j) for j in ids])
            roots = [couples_root(self.seed, t, j) for j in ids]
            stats = self.runs.run(ids, roots, values)
            for row, j in enumerate(ids):
                particle = self._evaluate(simulate_one, t, j, values[row], stats[j])
                sample.append(particle)
                evaluated += 1
                accepted += bool(particle.accepted)
                if accepted >= n or evaluated >= max_eval:
                    break
            start += size
            rate = accepted / evaluated if evaluated else rate
            self.progress(
                "batch",
                {
                    "t": t,
                    "n": n,
                    "epsilon": eps,
                    "accepted": accepted,
                    "evaluated": evaluated,
                    "seconds": time.perf_counter() - started,
                },
            )
        self.rate = max(rate, 1e-3)
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        gen.evaluated = evaluated
        gen.simulated = self.runs.simulated - sim0
        gen.seconds = time.perf_counter() - started
        gen.engine_seconds = self.runs.engine_seconds - engine0
        gen.task_seconds = self.runs.task_seconds - task0
        self.generations.append(gen)
        self.progress(
            "end",
            {
                "t": t,
                "n": n,
                "epsilon": eps,
                "accepted": accepted,
                "evaluated": evaluated,
                "seconds": gen.seconds,
            },
        )
        return sample
