"""The experiment machinery: specs, designs, seeding, chunks, executors, storage, runner.

- :mod:`~sim.experiment.batch`: the batch-model interface the runner sweeps, and the
  relationship model's implementation of it.
- :mod:`~sim.experiment.spec`: read and validate ``experiments/NAME.toml``.
- :mod:`~sim.experiment.designs`: design points (grid, explicit, lhs, sobol, morris,
  scenarios).
- :mod:`~sim.experiment.seeding`: each run's key from (seed, point, replicate).
- :mod:`~sim.experiment.chunks`: a chunk of runs as one vectorised batch.
- :mod:`~sim.experiment.executors`: serial, process and Dask executors.
- :mod:`~sim.experiment.storage`: ``results/NAME`` on disk, atomic and resumable.
- :mod:`~sim.experiment.provenance`: versions and commit for the manifest.
- :mod:`~sim.experiment.runner`: ``run_experiment`` and ``load_results``.
- :mod:`~sim.experiment.analysis`: Sobol and Morris indices of a finished experiment.
"""
