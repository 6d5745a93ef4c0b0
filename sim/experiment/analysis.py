"""Analysis of finished experiments: sensitivity indices of a Sobol or Morris design.

SALib's analysers expect the model outputs in the order its samplers produced the
points; the design module keeps that order as the point index, so each point's
output here is its metric averaged over its replicates, in point order.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.experiment.batch import BatchModel
from sim.experiment.designs import factor_matrix, problem
from sim.experiment.effects import finished
from sim.experiment.spec import Spec, parse_spec
from sim.experiment.storage import ResultStore


def results_spec(path: str | Path, model: BatchModel | None = None) -> Spec:
    """The spec an experiment's results were made with, read back from its manifest."""
    import json

    from sim.experiment.storage import MANIFEST, corrupt

    store = ResultStore(path)
    manifest = store.read_manifest()
    where = store.root / MANIFEST
    if not isinstance(manifest.get("spec"), str):
        raise corrupt(where, "it holds no spec")
    text = manifest["spec"]
    source = str(manifest.get("spec_source", where))
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise corrupt(where, "its spec is neither TOML nor JSON") from None
    if not isinstance(data, dict):
        raise corrupt(where, "its spec is not a table")
    return parse_spec(
        data, source=source, text=text, default_name=manifest.get("name"), model=model
    )


def point_means(runs: pd.DataFrame, metric: str, n_points: int) -> np.ndarray:
    """A metric averaged over each point's finished replicates, in point order.

    Raises
    ------
    InputError
        If the metric is unknown or a point has no finished run.
    """
    if metric not in runs.columns:
        raise InputError("metric", metric, "not a column of runs.parquet")
    ok = finished(runs)
    means = ok.groupby("point")[metric].mean().reindex(range(n_points))
    missing = means.index[means.isna()]
    if len(missing):
        raise InputError(
            "metric", metric, f"no value at {len(missing)} design point(s), e.g. {missing[0]}"
        )
    return means.to_numpy(dtype=np.float64)


def sensitivity(
    path: str | Path, metric: str, model: BatchModel | None = None, num_resamples: int = 100
) -> pd.DataFrame:
    """Sensitivity indices of a metric from a finished ``sobol`` or ``morris`` experiment.

    Parameters
    ----------
    path : path
        The results folder.
    metric : str
        A numeric column of ``runs.parquet``.
    model : BatchModel, optional
        The model the experiment swept; by default the one its spec names.
    num_resamples : int
        Bootstrap resamples of SALib's confidence intervals.

    Returns
    -------
    pandas.DataFrame
        One row per scenario and factor: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` for a
        Sobol design; ``mu``, ``mu_star``, ``sigma``, ``mu_star_conf`` for Morris.
    """
    spec = results_spec(path, model)
    design = spec.design
    if design.kind not in ("sobol", "morris"):
        raise InputError(
            str(path), "design.kind", f"sensitivity needs sobol or morris, not {design.kind}"
        )
    names, x = factor_matrix(design)
    per = len(x)
    store = ResultStore(path)
    if metric not in store.runs_schema().names:
        raise InputError("metric", metric, "not a column of runs.parquet")
    runs = store.runs(columns=["point", "status", metric])
    y_all = point_means(runs, metric, per * len(spec.scenarios))
    frames = []
    for i, scenario in enumerate(spec.scenarios):
        y = y_all[i * per : (i + 1) * per]
        if design.kind == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(
                problem(design),
                y,
                calc_second_order=design.second_order,
                num_resamples=num_resamples,
                seed=design.seed,
            )
            cols = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            res = morris.analyze(
                problem(design),
                x,
                y,
                num_levels=design.levels,
                num_resamples=num_resamples,
                seed=design.seed,
            )
            cols = ("mu", "mu_star", "sigma", "mu_star_conf")
        frame = pd.DataFrame({c: np.asarray(res[c], dtype=np.float64) for c in cols})
        frame.insert(0, "factor", list(names))
        frame.insert(0, "scenario", scenario)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
