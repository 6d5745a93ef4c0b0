"""Calibration: fit the model's parameters to targets by ABC-SMC with pyabc.

- :mod:`sim.calibration.spec`: the spec (``experiments/NAME.toml``), read and checked;
- :mod:`sim.calibration.statistics`: the targets as summary statistics, and the distance;
- :mod:`sim.calibration.simulate`: what a worker does: a few particles' couples, summarised;
- :mod:`sim.calibration.sampler`: the pyabc sampler that runs particles on the executors;
- :mod:`sim.calibration.run`: the calibration, its results folder and its resumption;
- :mod:`sim.calibration.page`: ``index.html`` and its figures.

``relsim calibrate`` (:mod:`sim.cli.cmd_calibrate`) and :func:`calibrate` run it all.
"""

from __future__ import annotations


def calibrate(spec, executor: str = "process", out=None, **options):
    """Calibrate the model to a spec's targets; see :func:`sim.calibration.run.calibrate`."""
    from sim.calibration.run import calibrate as run

    return run(spec, executor, out, **options)
