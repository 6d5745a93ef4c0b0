"""Design points: which parameter values an experiment runs, before replicates.

``grid`` and ``scenarios`` are full factorials (``itertools.product`` order: the last
factor varies fastest); ``explicit`` lists its points; ``lhs`` samples a Latin
hypercube with :class:`scipy.stats.qmc.LatinHypercube`; ``sobol`` and ``morris`` use
SALib's samplers so that SALib's analysers read the results in the order it expects.
With several base scenarios every design is crossed with them, scenario outermost.
A spec that names a population has one base, the defaults; each run's columns are
then drawn by its key and the factors laid over them (:func:`drawn_params`).

Point counts, for ``k`` factors and ``S`` scenarios:

==========  =====================================================
grid        S x product of the factors' value counts
scenarios   S x product of the factors' value counts (1 if none)
explicit    S x number of points
lhs         S x samples
sobol       S x samples x (k + 2), or x (2k + 2) with second order
morris      S x samples x (k + 1)
==========  =====================================================
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from sim.experiment.batch import BatchModel
from sim.experiment.spec import Design, Spec


@dataclass(frozen=True)
class Points:
    """The design points of an experiment.

    Attributes
    ----------
    scenario : ndarray of object
        Base scenario of each point (the population's name for a spec naming one).
    factors : dict of str to ndarray
        Each factor's value at each point, as designed (NaN where an explicit point
        leaves a factor at its base value).
    params : dict of str to ndarray
        Every concrete parameter column of the model at each point: the scenario's
        values with the factors applied.
    """

    scenario: np.ndarray
    factors: dict[str, np.ndarray]
    params: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        """Number of points."""
        return len(self.scenario)


def problem(design: Design) -> dict[str, object]:
    """The SALib problem of a sampled design: names and bounds of its factors."""
    return {
        "num_vars": len(design.factors),
        "names": [f.name for f in design.factors],
        "bounds": [[f.low, f.high] for f in design.factors],
    }


def factor_matrix(design: Design) -> tuple[tuple[str, ...], np.ndarray]:
    """Factor names and the matrix of factor values, one row per point (one scenario).

    Explicit points that leave a factor out hold NaN there.
    """
    names = tuple(f.name for f in design.factors)
    kind = design.kind
    if kind in ("grid", "scenarios"):
        rows = list(itertools.product(*(f.values for f in design.factors)))
        return names, np.asarray(rows, dtype=np.float64).reshape(len(rows), len(names))
    if kind == "explicit":
        names = tuple(dict.fromkeys(name for pt in design.points for name, _ in pt))
        matrix = np.full((len(design.points), len(names)), np.nan)
        for i, pt in enumerate(design.points):
            for name, value in pt:
                matrix[i, names.index(name)] = value
        return names, matrix
    if kind == "lhs":
        from scipy.stats import qmc

        sampler = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(design.seed))
        unit = sampler.random(design.samples)
        lows = [f.low for f in design.factors]
        highs = [f.high for f in design.factors]
        return names, qmc.scale(unit, lows, highs)
    if kind == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(
            problem(design),
            design.samples,
            calc_second_order=design.second_order,
            seed=design.seed,
        )
        return names, np.asarray(x, dtype=np.float64)
    if kind == "morris":
        from SALib.sample import morris

        x = morris.sample(
            problem(design), design.samples, num_levels=design.levels, seed=design.seed
        )
        return names, np.asarray(x, dtype=np.float64)
    raise ValueError(f"unknown design kind {kind!r}")


def n_points(spec: Spec) -> int:
    """Number of design points, without building them."""
    d = spec.design
    k = len(d.factors)
    per = {
        "grid": lambda: math.prod(len(f.values) for f in d.factors),
        "scenarios": lambda: math.prod(len(f.values) for f in d.factors),
        "explicit": lambda: len(d.points),
        "lhs": lambda: d.samples,
        "sobol": lambda: d.samples * (2 * k + 2 if d.second_order else k + 2),
        "morris": lambda: d.samples * (k + 1),
    }[d.kind]()
    return len(spec.scenarios) * per


def design_points(spec: Spec, model: BatchModel) -> Points:
    """Every design point of ``spec``: scenarios crossed with the factor matrix.

    Integer parameters (such as a patience in weeks) take the nearest whole value of
    a sampled design.
    """
    names, matrix = factor_matrix(spec.design)
    m = len(matrix)
    columns = tuple(model.defaults())
    bases = {s: model.base(s) for s in spec.scenarios}
    labels = (spec.population,) if spec.population else spec.scenarios
    scenario = np.repeat(np.asarray(labels, dtype=object), m)
    params = {c: np.concatenate([np.full(m, bases[s][c]) for s in spec.scenarios]) for c in columns}
    factors: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        values = np.tile(matrix[:, j], len(spec.scenarios))
        if model.lookup(name).integer:
            values = np.round(values)
        factors[name] = values
        given = ~np.isnan(values)
        for column in model.columns(name):
            params[column] = np.where(given, values, params[column])
    return Points(scenario, factors, params)


def drawn_params(
    points: Points, model: BatchModel, idx: np.ndarray, drawn: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The parameter columns of runs at points ``idx`` drawn from a population.

    Parameters
    ----------
    points : Points
        The design points.
    model : BatchModel
        The model, which says which columns each factor sets.
    idx : ndarray of int
        The point of each run.
    drawn : dict of str to ndarray
        Every column's drawn value for each run.

    Returns
    -------
    dict of str to ndarray
        The drawn values, except where the design sets a column (a factor's value that
        is not NaN): there the point's value. Columns in the order of ``points.params``.
    """
    out = {c: np.asarray(drawn[c], dtype=np.float64) for c in points.params}
    for name, values in points.factors.items():
        given = ~np.isnan(values[idx])
        for column in model.columns(name):
            out[column] = np.where(given, points.params[column][idx], out[column])
    return out
