"""relsim: an agent-based simulation of relationship dynamics.

The model (``sim.model``) runs many couples at once on one vectorised engine, with a
Mesa face (:class:`RelationshipModel`, :class:`PartnerAgent`); the partner market
(``sim.market``, :class:`PartnerMarket`) runs a population of people who pair and part.
Couples are given by scenarios (:func:`load_scenario`) or drawn from populations
(:func:`load_population`), both data files. A finished experiment's runs tell where in
factor space an outcome arises (:func:`discover`, scenario discovery with PRIM), and
:func:`ema_model` hands the model to EMA Workbench; :func:`calibrate` fits parameters
to targets by approximate Bayesian computation (pyabc).
"""

import importlib

from sim.experiment import models as _models

_EXPORTS: dict[str, str] = {
    "InputError": "sim.errors",
    "load_results": "sim.experiment.runner",
    "run_experiment": "sim.experiment.runner",
    "PartnerMarket": "sim.market",
    "kalick_hamilton": "sim.market",
    "ema_model": "sim.model.ema",
    "build_params": "sim.model.engine",
    "run_couples": "sim.model.engine",
    "simulate": "sim.model.engine",
    "PartnerAgent": "sim.model.mesa_model",
    "RelationshipModel": "sim.model.mesa_model",
    "OUTCOME_CLASSES": "sim.model.outcomes",
    "SERIES": "sim.model.outcomes",
    "Thresholds": "sim.model.outcomes",
    "classify": "sim.model.outcomes",
    "final_metrics": "sim.model.outcomes",
    "ENVIRONMENT": "sim.model.parameters",
    "MAIN_TRAITS": "sim.model.parameters",
    "REGISTRY": "sim.model.parameters",
    "TRAITS": "sim.model.parameters",
    "Parameter": "sim.model.parameters",
    "ParameterError": "sim.model.parameters",
    "couple_keys": "sim.model.randomness",
    "Population": "sim.population",
    "list_populations": "sim.population",
    "load_population": "sim.population",
    "Scenario": "sim.scenario",
    "list_scenarios": "sim.scenario",
    "load_scenario": "sim.scenario",
    "discover": "sim.views.discovery",
    "calibrate": "sim.calibration",
}
"""Where each name of the API lives; each is imported on first use, so that a command
that needs no engine (``relsim scenarios``) starts without loading it."""


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


# The experiment machinery knows no model and no face: the models register their batch
# models and the views their results page here, once, whatever part of sim is imported.
# Both are found only when first used.
_models.register_lazy("relationship", "sim.model.batch:RELATIONSHIP", default=True)
_models.register_lazy("market", "sim.market.batch:MARKET")
_models.set_reporter("sim.views:results_page")
_models.set_plot_check("sim.views:check_plots")
_models.set_page_warmup("sim.views:prepare_page")

__all__ = [
    "ENVIRONMENT",
    "MAIN_TRAITS",
    "OUTCOME_CLASSES",
    "REGISTRY",
    "SERIES",
    "TRAITS",
    "InputError",
    "Parameter",
    "PartnerMarket",
    "ParameterError",
    "PartnerAgent",
    "Population",
    "RelationshipModel",
    "Scenario",
    "Thresholds",
    "build_params",
    "calibrate",
    "classify",
    "couple_keys",
    "discover",
    "ema_model",
    "final_metrics",
    "kalick_hamilton",
    "list_populations",
    "list_scenarios",
    "load_population",
    "load_results",
    "load_scenario",
    "run_couples",
    "run_experiment",
    "simulate",
]
