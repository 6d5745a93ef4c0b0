"""Scenario discovery: the boxes of factor space where the runs of interest gather.

Each finished run of an experiment is one case: its factor values are the inputs and
whether it is of interest (a :class:`Target`: an outcome class, or a metric past a
threshold) the output. PRIM, the patient rule induction method (Friedman and Fisher
1999), as EMA Workbench implements it (:class:`ema_workbench.analysis.prim.Prim`),
peels thin slices off the factor space, each time the slice that raises the share of
runs of interest inside most, until the box holds too few runs; then pastes back what
pays. Every box along the way is a trade-off of *coverage* (the share of all runs of
interest inside the box) against *density* (the share of runs inside the box that are
of interest); one of them is chosen (:func:`choose`). Further boxes are sought among
the runs the earlier boxes leave out.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.experiment.analysis import results_spec
from sim.experiment.batch import BatchModel
from sim.experiment.effects import finished
from sim.experiment.models import get_model
from sim.experiment.spec import Spec
from sim.experiment.storage import ResultStore

DENSITY = 0.8
"""Density the chosen box must reach, by default: the most covering box that reaches it
is chosen, or the densest box when none does."""

MASS_MIN = 0.05
"""Smallest share of the runs a box may hold (EMA Workbench's default ``mass_min``)."""

ALPHA = 0.05
"""Share of a box's runs one peel takes off, and one paste adds (EMA Workbench's
defaults ``peel_alpha`` and ``paste_alpha``)."""

SCENARIO_FACTOR = "base scenario"
"""The name the base scenario takes as a categorical factor when runs have several.
(EMA Workbench's PRIM drops a column named ``scenario``, its own bookkeeping.)"""

BOOKKEEPING = ("run", "point", "replicate", "key", "status", "error")
"""Columns of ``runs.parquet`` that are neither factors nor metrics."""


@dataclass(frozen=True)
class Target:
    """Which runs are of interest.

    Either runs whose ``column`` (a label such as ``outcome``) equals ``value``, or runs
    whose metric ``column`` is above ``above`` and/or below ``below`` (strictly).

    Attributes
    ----------
    column : str
        A column of ``runs.parquet``.
    value : str, optional
        The label of interest.
    above, below : float, optional
        Thresholds on a numeric column.
    """

    column: str
    value: str | None = None
    above: float | None = None
    below: float | None = None

    def __post_init__(self) -> None:
        thresholds = self.above is not None or self.below is not None
        if (self.value is None) == (not thresholds):
            raise ValueError("a target has a value, or thresholds, not both")
        for t in (self.above, self.below):
            if t is not None and not math.isfinite(t):
                raise ValueError(f"threshold {t} is not a finite number")
        if self.above is not None and self.below is not None and self.above >= self.below:
            raise ValueError(f"above {self.above:g} is not below below {self.below:g}")

    @property
    def is_class(self) -> bool:
        """Whether the target is a label (a class) rather than thresholds on a metric."""
        return self.value is not None

    def hits(self, values: pd.Series) -> np.ndarray:
        """Whether each value is of interest (a missing metric value never is)."""
        if self.is_class:
            return (values.astype(str) == self.value).to_numpy()
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        out = ~np.isnan(x)
        if self.above is not None:
            out &= x > self.above
        if self.below is not None:
            out &= x < self.below
        return out

    def describe(self) -> str:
        """The target in words: ``outcome = coercive``, ``intimacy < 0.3``."""
        if self.is_class:
            return f"{self.column} = {self.value}"
        if self.above is not None and self.below is not None:
            return f"{self.above:g} < {self.column} < {self.below:g}"
        if self.above is not None:
            return f"{self.column} > {self.above:g}"
        return f"{self.column} < {self.below:g}"

    @property
    def slug(self) -> str:
        """A file-name part: ``coercive`` (a class of ``outcome``), ``pattern_coercive``
        (of another column), ``intimacy_below_0.3``."""
        if self.is_class:
            parts = [str(self.value)] if self.column == "outcome" else [self.column, self.value]
        else:
            parts = [self.column]
            if self.above is not None:
                parts += ["above", f"{self.above:g}"]
            if self.below is not None:
                parts += ["below", f"{self.below:g}"]
        text = "_".join(parts)
        return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)


@dataclass(frozen=True)
class Box:
    """One box PRIM found, at the point of its trajectory chosen.

    Attributes
    ----------
    number : int
        1 for the first box, 2 for the one found among the runs it left out, ...
    chosen : int
        The chosen step of the peeling trajectory (a row of ``trajectory``).
    limits : pandas.DataFrame
        One row per factor the box restricts: ``factor``, ``low`` and ``high`` (the
        box), ``range_low`` and ``range_high`` (the runs' whole range), ``values``
        (the levels kept, for a categorical factor, else empty), ``qp_low`` and
        ``qp_high`` (EMA Workbench's quasi-p values of each limit; NaN where a limit
        is not restricted).
    trajectory : pandas.DataFrame
        EMA Workbench's peeling trajectory: a row per step with ``coverage``,
        ``density``, ``mass``, ``res_dim`` (factors restricted), ``n`` (runs in the
        box) and ``k`` (runs of interest in it).
    """

    number: int
    chosen: int
    limits: pd.DataFrame
    trajectory: pd.DataFrame

    def _stat(self, name: str) -> float:
        return float(self.trajectory[name].iloc[self.chosen])

    @property
    def coverage(self) -> float:
        """Share of all runs of interest that fall inside the box."""
        return self._stat("coverage")

    @property
    def density(self) -> float:
        """Share of the runs inside the box that are of interest."""
        return self._stat("density")

    @property
    def mass(self) -> float:
        """Share of all runs inside the box."""
        return self._stat("mass")

    @property
    def n(self) -> int:
        """Runs inside the box (of those left by earlier boxes)."""
        return int(self._stat("n"))

    @property
    def k(self) -> int:
        """Runs of interest inside the box."""
        return int(self._stat("k"))

    @property
    def restricted(self) -> tuple[str, ...]:
        """The factors the box restricts."""
        return tuple(self.limits["factor"])

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        """Whether each row of a factor table lies inside the box (limits inclusive)."""
        inside = np.ones(len(x), dtype=bool)
        for row in self.limits.itertuples(index=False):
            col = x[row.factor]
            if row.values:
                inside &= col.astype(str).isin(row.values.split(", ")).to_numpy()
            else:
                values = col.to_numpy(dtype=np.float64)
                inside &= (values >= row.low) & (values <= row.high)
        return inside

    def lines(self) -> list[str]:
        """The box as lines of text: its statistics, then one line per restricted factor."""
        head = (
            f"box {self.number}: coverage {self.coverage:.2f}, density {self.density:.2f}, "
            f"mass {self.mass:.2f} ({self.k} of {self.n} runs in it of interest), "
            f"step {self.chosen} of its peeling trajectory"
        )
        if self.limits.empty:
            return [head, "  restricts no factor: the whole factor space"]
        width = max(len(f) for f in self.limits["factor"])
        out = [head]
        for row in self.limits.itertuples(index=False):
            if row.values:
                out.append(f"  {row.factor:<{width}}  in {{{row.values}}}")
            else:
                out.append(
                    f"  {row.factor:<{width}}  {row.low:.3g} to {row.high:.3g}"
                    f"  (runs span {row.range_low:.3g} to {row.range_high:.3g})"
                )
        return out


@dataclass(frozen=True)
class Discovery:
    """What :func:`scenario_discovery` found.

    Attributes
    ----------
    target : Target
        Which runs are of interest.
    factors : tuple of str
        The factors PRIM peeled.
    x : pandas.DataFrame
        The factor values of every run used, one row per run.
    y : ndarray of bool
        Whether each run is of interest.
    boxes : tuple of Box
        The boxes found, first the one of the whole factor space.
    settings : dict
        The PRIM settings: ``density``, ``mass_min``, ``peel_alpha``, ``paste_alpha``.
    left_out : int
        Finished runs left out for want of a value of the target's metric.
    page : Path, optional
        The page written of it, if any.
    """

    target: Target
    factors: tuple[str, ...]
    x: pd.DataFrame
    y: np.ndarray
    boxes: tuple[Box, ...]
    settings: dict[str, float] = field(default_factory=dict)
    left_out: int = 0
    page: Path | None = None

    @property
    def runs(self) -> int:
        """Runs used."""
        return len(self.y)

    @property
    def hits(self) -> int:
        """Runs of interest."""
        return int(self.y.sum())

    def lines(self) -> list[str]:
        """What was found, as lines of text."""
        out = [
            f"{self.hits} of {self.runs} runs have {self.target.describe()} "
            f"({self.hits / self.runs:.0%}); PRIM over {', '.join(self.factors)}"
        ]
        if self.left_out:
            out.append(f"  ({self.left_out} finished run(s) without a value left out)")
        for box in self.boxes:
            out += box.lines()
        return out


def prim_class():
    """EMA Workbench's :class:`~ema_workbench.analysis.prim.Prim`, imported on first use
    (it loads seaborn and scikit-learn) without its note that ipyparallel is missing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel", category=UserWarning)
        from ema_workbench.analysis.prim import Prim

    return Prim


def choose(trajectory: pd.DataFrame, density: float = DENSITY) -> int:
    """The step of a peeling trajectory to take as the box.

    The step of highest coverage among those whose density reaches ``density`` (ties
    to the denser, then the earlier); when none reaches it, the densest step (ties to
    the more covering).
    """
    t = trajectory.reset_index(drop=True)
    steps = np.arange(len(t))
    dense = t["density"].to_numpy() >= density
    if dense.any():
        order = np.lexsort((steps, -t["density"].to_numpy(), -t["coverage"].to_numpy()))
        return int(next(i for i in order if dense[i]))
    order = np.lexsort((steps, -t["coverage"].to_numpy(), -t["density"].to_numpy()))
    return int(order[0])


def _limits(box, i: int, box_init: pd.DataFrame) -> pd.DataFrame:
    """The restricted factors of step ``i`` of an EMA Workbench box, as a table."""
    lims = box.box_lims[i]
    qp = box.p_values[i]  # one entry per restricted factor: [lower, upper], -1 for none
    rows = []
    for factor in lims.columns:
        if factor not in qp:
            continue
        low, high = lims[factor].iloc[0], lims[factor].iloc[1]
        q_low, q_high = (np.nan if q is None or q < 0 else float(q) for q in qp[factor])
        if isinstance(low, set):
            values = ", ".join(sorted(str(v) for v in low))
            rows.append((factor, np.nan, np.nan, np.nan, np.nan, values, q_low, q_high))
        else:
            span = box_init[factor]
            rows.append(
                (
                    factor,
                    float(low),
                    float(high),
                    float(span.iloc[0]),
                    float(span.iloc[1]),
                    "",
                    q_low,
                    q_high,
                )
            )
    columns = ["factor", "low", "high", "range_low", "range_high", "values", "qp_low", "qp_high"]
    return pd.DataFrame(rows, columns=columns)


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    boxes: int = 1,
    density: float = DENSITY,
    step: int | None = None,
    mass_min: float = MASS_MIN,
    peel_alpha: float = ALPHA,
    paste_alpha: float = ALPHA,
) -> list[Box]:
    """Boxes of the factor space where ``y`` is true, by EMA Workbench's PRIM.

    Parameters
    ----------
    x : pandas.DataFrame
        One row per case, one column per factor (numbers, or categories as text).
    y : ndarray of bool
        Whether each case is of interest.
    boxes : int
        Most boxes to find; each after the first among the cases the earlier leave
        out. Fewer are found when no case of interest is left.
    density : float
        The density a chosen box must reach (see :func:`choose`).
    step : int, optional
        Take this step of the first box's peeling trajectory instead of choosing.
    mass_min, peel_alpha, paste_alpha : float
        EMA Workbench's PRIM settings.

    Returns
    -------
    list of Box
    """
    y = np.asarray(y, dtype=bool)
    prim = prim_class()(
        x.reset_index(drop=True),
        y.astype(np.int64),
        peel_alpha=peel_alpha,
        paste_alpha=paste_alpha,
        mass_min=mass_min,
    )
    found: list[Box] = []
    covered = np.zeros(len(y), dtype=bool)
    while len(found) < boxes and (y & ~covered).any():
        box = prim.find_box()
        if box is None:
            break
        trajectory = box.peeling_trajectory.reset_index(drop=True).copy()
        if found or step is None:
            i = choose(trajectory, density)
        elif not 0 <= step < len(trajectory):
            raise InputError(
                "box", "", f"the peeling trajectory has steps 0-{len(trajectory) - 1}, not {step}"
            )
        else:
            i = step
        box.select(i)
        covered[box.yi] = True
        found.append(Box(len(found) + 1, i, _limits(box, i, prim.box_init), trajectory))
    return found


def factor_table(runs: pd.DataFrame, factors: Sequence[str]) -> pd.DataFrame:
    """The factor values of runs as PRIM takes them: numbers as floats, the base
    scenario (when a factor) as text under :data:`SCENARIO_FACTOR`."""
    out = {}
    for f in factors:
        if f == SCENARIO_FACTOR:
            out[f] = runs["scenario"].astype(str).to_numpy()
        else:
            out[f] = runs[f].to_numpy(dtype=np.float64)
    return pd.DataFrame(out, index=runs.index)


def design_factors(spec: Spec, model: BatchModel, columns: Sequence[str]) -> list[str]:
    """The factors a study varies, as columns of its run table.

    The design's factors; the base scenario when there are several (as
    :data:`SCENARIO_FACTOR`); and, for runs drawn from a population, every parameter
    column the design does not set (each run drew its own values).
    """
    d = spec.design
    names = [f.name for f in d.factors]
    if d.kind == "explicit":
        names = list(dict.fromkeys(name for pt in d.points for name, _ in pt))
    out = [n for n in names if n in columns]
    if len(spec.scenarios) > 1:
        out.append(SCENARIO_FACTOR)
    if spec.population:
        set_by_design = {c for n in names for c in model.columns(n)}
        out += [c for c in model.defaults() if c in columns and c not in set_by_design]
    return list(dict.fromkeys(out))


def check_target(target: Target, runs: pd.DataFrame, source: str) -> None:
    """Raise :class:`InputError` unless the run table has the target's column, of the
    right kind (text for a class, numbers for thresholds)."""
    if target.column not in runs.columns or target.column in BOOKKEEPING:
        raise InputError(source, target.column, "not a column of runs.parquet")
    numeric = pd.api.types.is_numeric_dtype(runs[target.column])
    if target.is_class and numeric:
        raise InputError(
            source, target.column, "is a number: give a threshold (above or below), not a class"
        )
    if not target.is_class and not numeric:
        raise InputError(source, target.column, "is not a number: thresholds need a metric")


def scenario_discovery(
    path: str | Path,
    target: Target,
    factors: Sequence[str] | None = None,
    *,
    boxes: int = 1,
    density: float = DENSITY,
    step: int | None = None,
    mass_min: float = MASS_MIN,
    peel_alpha: float = ALPHA,
    paste_alpha: float = ALPHA,
    model: BatchModel | None = None,
) -> Discovery:
    """Scenario discovery on a finished experiment: PRIM boxes of its runs of interest.

    Parameters
    ----------
    path : path
        The results folder (``results/NAME``).
    target : Target
        Which runs are of interest.
    factors : sequence of str, optional
        Columns of ``runs.parquet`` to peel; by default the factors the study varies
        (:func:`design_factors`). ``"scenario"`` (or ``"base scenario"``) names the
        base scenario, a categorical factor.
    boxes, density, step, mass_min, peel_alpha, paste_alpha
        See :func:`prim_boxes`.
    model : BatchModel, optional
        The model the experiment swept; by default the one its spec names.

    Returns
    -------
    Discovery

    Raises
    ------
    InputError
        For a folder without results, an unknown column, a factor that does not vary,
        or a target that no run, or every run, meets.
    """
    source = str(path)
    store = ResultStore(path)
    spec = results_spec(path, model)
    model = model if model is not None else get_model(spec.model)
    columns = list(store.runs_schema().names)
    if factors is None:
        factors = design_factors(spec, model, columns)
    factors = list(dict.fromkeys(SCENARIO_FACTOR if f == "scenario" else f for f in factors))
    for f in factors:
        known = (f in columns and f not in BOOKKEEPING) or f == SCENARIO_FACTOR
        if not known or f == target.column:
            raise InputError(source, f, "not a factor column of runs.parquet")
    wanted = [c for c in (*factors, "scenario", target.column) if c in columns]
    runs = store.runs(columns=list(dict.fromkeys(["status", *wanted])))
    check_target(target, runs, source)
    for f in factors:
        if f != SCENARIO_FACTOR and not pd.api.types.is_numeric_dtype(runs[f]):
            raise InputError(source, f, "is not a number: PRIM peels numeric factors")
    ok = finished(runs)
    if not target.is_class:
        has_value = pd.to_numeric(ok[target.column], errors="coerce").notna()
        left_out = int((~has_value).sum())
        ok = ok[has_value.to_numpy()]
    else:
        left_out = 0
    if ok.empty:
        raise InputError(source, "", "no finished run to discover from")
    x = factor_table(ok, factors)
    varying = [f for f in factors if x[f].nunique() > 1]
    if not varying:
        raise InputError(source, "", "no factor varies across the runs; nothing to peel")
    x = x[varying].reset_index(drop=True)
    y = target.hits(ok[target.column])
    if not y.any():
        raise InputError(source, target.column, f"no finished run has {target.describe()}")
    if y.all():
        raise InputError(source, target.column, f"every finished run has {target.describe()}")
    found = prim_boxes(
        x,
        y,
        boxes=boxes,
        density=density,
        step=step,
        mass_min=mass_min,
        peel_alpha=peel_alpha,
        paste_alpha=paste_alpha,
    )
    settings = {
        "density": density,
        "mass_min": mass_min,
        "peel_alpha": peel_alpha,
        "paste_alpha": paste_alpha,
    }
    return Discovery(target, tuple(varying), x, y, tuple(found), settings, left_out)
