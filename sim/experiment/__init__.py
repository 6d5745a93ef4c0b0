"""The experiment machinery: specs, designs, seeding, chunks, executors, storage, runner.

- :mod:`~sim.experiment.batch`: the batch-model interface the runner sweeps.
- :mod:`~sim.experiment.models`: the registry of batch models a spec may name.
- :mod:`~sim.experiment.spec`: read and validate ``experiments/NAME.toml``.
- :mod:`~sim.experiment.designs`: design points (grid, explicit, lhs, sobol, morris,
  scenarios).
- :mod:`~sim.experiment.seeding`: each run's key from (seed, point, replicate).
- :mod:`~sim.experiment.chunks`: a chunk of runs as one vectorised batch.
- :mod:`~sim.experiment.executors`: serial, process and Dask executors.
- :mod:`~sim.experiment.storage`: ``results/NAME`` on disk, atomic and resumable.
- :mod:`~sim.experiment.provenance`: versions, commit and code fingerprints for the
  manifest.
- :mod:`~sim.experiment.runner`: ``run_experiment`` and ``load_results``.
- :mod:`~sim.experiment.analysis`: Sobol and Morris indices of a finished experiment.
- :mod:`~sim.experiment.survival`: survival analysis of runs that can end (Kaplan-Meier,
  life-table hazard, Cox proportional hazards), censored at the horizon.

The machinery imports no model and no face: models register their batch models with
:mod:`~sim.experiment.models`, and the views set the runner's report hook
(:func:`~sim.experiment.runner.set_reporter`).
"""

EXPORT_FORMATS = ("csv", "parquet")
"""What ``relsim export`` writes (:meth:`~sim.experiment.storage.ResultStore.export`)."""

SERIAL_BELOW = 40_000_000
"""Couple-weeks below which a sweep given no executor runs serially: starting worker
processes (about 2 s with the compiled engine cached) costs more than the second core
gives back (measured in ``benchmarks/README.md``)."""
