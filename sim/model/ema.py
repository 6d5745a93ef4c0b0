"""The relationship model as an EMA Workbench model: :func:`ema_model`.

EMA Workbench (exploratory modelling and analysis) samples a model's *uncertainties*
(and *levers*), runs the model once per sampled experiment and gathers its
*outcomes*. :func:`ema_model` hands it the relationship model, so that an EMA user's
``perform_experiments(sim.ema_model(), 1000)`` runs relsim as it is:

- each uncertainty or lever is a parameter of the registry
  (:mod:`sim.model.parameters`), with the registry's range unless narrowed, under its
  name written as a Python identifier (EMA Workbench asks for one): ``a_dependency``
  for ``a.dependency``, ``both_growth`` for both partners' growth, ``env_patience``;
  an integer parameter is an ``IntegerParameter``, the others ``RealParameter``;
- one experiment runs ``replicates`` couples of a base scenario with the sampled
  values laid over it, for ``steps`` weeks. Every experiment runs the same couple
  keys (common random numbers), so two experiments differ only by their parameters
  and an experiment run again gives the same outcomes;
- each outcome is a final metric (:func:`sim.model.outcomes.final_metrics`: intimacy,
  coercion_rate, ...) averaged over the experiment's couples (NaN values left out),
  or ``share_<class>``, the share of them ending in an outcome class.

The function the model calls (:class:`Couples`) takes any registry parameter by the
same names, so ``Constant("env_problem_rate", 0.8)`` among the model's constants fixes
one for every experiment.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from sim.model import parameters as reg
from sim.model.batch import RELATIONSHIP
from sim.model.engine import DEFAULT_STEPS, run_couples
from sim.model.outcomes import OUTCOME_CLASSES, final_metrics
from sim.model.randomness import couple_keys

REPLICATES = 10
"""Couples an experiment runs, by default."""

SHARE = "share_"
"""How the name of an outcome that is the share of an outcome class begins."""

Names = Sequence[str] | Mapping[str, tuple[float, float] | None] | str | None
"""Parameters as :func:`ema_model` takes them: qualified names (``a.dependency``),
a mapping of names to ``(low, high)`` (None for the registry's range), or ``"all"``."""


def identifier(qualified: str) -> str:
    """The EMA Workbench name of a qualified parameter name: ``a.dependency`` gives
    ``a_dependency``."""
    reg.lookup(qualified)
    return qualified.replace(".", "_", 1)


def qualified(name: str) -> str:
    """The qualified parameter name of an EMA Workbench name (or of a qualified name):
    ``a_dependency`` and ``a.dependency`` both give ``a.dependency``.

    Raises
    ------
    ParameterError
        If the name is no registry parameter.
    """
    if "." not in name:
        prefix, _, rest = name.partition("_")
        name = f"{prefix}.{rest}"
    reg.lookup(name)
    return name


@cache
def metric_names() -> tuple[str, ...]:
    """The final metrics an experiment reports, found by running one couple a week."""
    return tuple(final_metrics(run_couples(n=1, steps=1).state))


def outcome_names() -> tuple[str, ...]:
    """Every outcome :func:`ema_model` offers: the final metrics, then each class share."""
    return metric_names() + tuple(SHARE + c for c in OUTCOME_CLASSES)


def all_parameters() -> tuple[str, ...]:
    """Every trait of each partner and every environment parameter, qualified."""
    names = [f"{who}.{t}" for who in reg.PARTNERS for t in reg.TRAIT_NAMES]
    return tuple(names + [f"env.{e}" for e in reg.ENV_NAMES])


def main_traits() -> tuple[str, ...]:
    """The main traits (:data:`~sim.model.parameters.MAIN_TRAITS`) of each partner."""
    return tuple(f"{who}.{t}" for who in reg.PARTNERS for t in reg.MAIN_TRAITS)


@dataclass(frozen=True)
class Couples:
    """The function an EMA Workbench model of relsim calls, once per experiment.

    Attributes
    ----------
    base : tuple of (str, float)
        Every concrete parameter column (``a.dependency``...) and its base value.
    steps : int
        Weeks each couple runs.
    replicates : int
        Couples an experiment runs.
    seed : int
        Root seed of the couples' keys, the same for every experiment.
    outcomes : tuple of str
        Outcomes reported (see :func:`outcome_names`).
    """

    base: tuple[tuple[str, float], ...]
    steps: int
    replicates: int
    seed: int
    outcomes: tuple[str, ...]

    def __call__(self, **values: float) -> dict[str, float]:
        """Run one experiment: the base with ``values`` (by EMA Workbench or qualified
        names) laid over it; return each outcome."""
        columns = dict(self.base)
        for name, value in values.items():
            for column in RELATIONSHIP.columns(qualified(name)):
                columns[column] = value
        n = self.replicates
        params = {c: np.full(n, v, dtype=np.float64) for c, v in columns.items()}
        metrics = RELATIONSHIP.run(params, couple_keys(self.seed, n), self.steps).metrics
        out = {}
        for name in self.outcomes:
            if name.startswith(SHARE) and name not in metrics:
                out[name] = float(np.mean(metrics["outcome"] == name[len(SHARE) :]))
                continue
            x = np.asarray(metrics[name], dtype=np.float64)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a metric NaN for all
                out[name] = float(np.nanmean(x))
        return out


def _parameters(names: Names, kind: str):
    """EMA Workbench parameters of the registry for ``names``."""
    from ema_workbench import IntegerParameter, RealParameter

    if isinstance(names, str):
        if names != "all":
            raise reg.ParameterError(kind, f'expected names, a mapping or "all", got {names!r}')
        names = all_parameters()
    ranges = dict(names) if isinstance(names, Mapping) else dict.fromkeys(names or ())
    out = []
    for name, span in ranges.items():
        full = qualified(name)
        p = reg.lookup(full)
        low, high = (p.low, p.high) if span is None else span
        for value in (low, high):
            p.check(value, full.split(".")[0] + ".")
        if not low < high:
            raise reg.ParameterError(full, f"{kind} range needs low < high, got {low} to {high}")
        label = identifier(full)
        if p.integer:
            out.append(IntegerParameter(label, int(low), int(high), default=int(p.default)))
        else:
            out.append(RealParameter(label, float(low), float(high), default=float(p.default)))
    return out


def ema_model(
    uncertainties: Names = None,
    outcomes: Sequence[str] | None = None,
    *,
    levers: Names = (),
    scenario: str = "default",
    steps: int = DEFAULT_STEPS,
    replicates: int = REPLICATES,
    seed: int = 0,
    name: str = "relsim",
):
    """An EMA Workbench model of relsim (:class:`ema_workbench.Model`).

    Parameters
    ----------
    uncertainties : names, mapping or "all", optional
        Registry parameters to sample (``"a.dependency"``, ``"both.growth"``,
        ``"env.problem_rate"``), or a mapping of them to ``(low, high)`` (None for the
        registry's range), or ``"all"`` (every trait of each partner and every
        environment parameter). By default the main traits of both partners.
    outcomes : sequence of str, optional
        Outcomes to report (:func:`outcome_names`); by default all of them.
    levers : names or mapping, optional
        Registry parameters EMA Workbench treats as policy levers, taken as
        ``uncertainties`` are.
    scenario : str
        The base scenario (a file of ``scenarios/``, or a path); ``"default"`` is the
        registry defaults.
    steps : int
        Weeks each couple runs.
    replicates : int
        Couples each experiment runs (with the same keys in every experiment).
    seed : int
        Root seed of the couples' keys.
    name : str
        The model's name (a Python identifier).

    Returns
    -------
    ema_workbench.Model

    Raises
    ------
    ParameterError
        For an unknown parameter or outcome, or a range outside the registry's.

    Examples
    --------
    >>> from ema_workbench import perform_experiments
    >>> model = sim.ema_model(["a.narcissism", "b.dependency"], ["share_coercive"])
    >>> experiments, outcomes = perform_experiments(model, 100)  # doctest: +SKIP
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel", category=UserWarning)
        from ema_workbench import Model, ScalarOutcome

    if steps < 1 or replicates < 1:
        raise reg.ParameterError("ema_model", "steps and replicates must be at least 1")
    offered = outcome_names()
    chosen = tuple(offered if outcomes is None else outcomes)
    unknown = [o for o in chosen if o not in offered]
    if unknown or not chosen:
        raise reg.ParameterError(
            f"outcome {', '.join(unknown)}" if unknown else "outcomes",
            f"expected some of {', '.join(offered)}",
        )
    base = tuple(RELATIONSHIP.base(scenario).items())
    model = Model(name, function=Couples(base, int(steps), int(replicates), int(seed), chosen))
    model.uncertainties = _parameters(
        main_traits() if uncertainties is None else uncertainties, "uncertainty"
    )
    model.levers = _parameters(levers, "lever")
    model.outcomes = [ScalarOutcome(o) for o in chosen]
    return model
