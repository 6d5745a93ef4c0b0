"""relsim: an agent-based simulation of relationship dynamics.

The model (``sim.model``) runs many couples at once on one vectorised engine, with a
Mesa face (:class:`RelationshipModel`, :class:`PartnerAgent`); the partner market
(``sim.market``, :class:`PartnerMarket`) runs a population of people who pair and part.
Couples are given by scenarios (:func:`load_scenario`) or drawn from populations
(:func:`load_population`), both data files. A finished experiment's runs tell where in
factor space an outcome arises (:func:`discover`, scenario discovery with PRIM), and
:func:`ema_model` hands the model to EMA Workbench.
"""

from sim.errors import InputError
from sim.experiment import models as _models
from sim.experiment import runner as _runner
from sim.experiment.runner import load_results, run_experiment
from sim.market import PartnerMarket, kalick_hamilton
from sim.market.batch import MARKET as _MARKET
from sim.model.batch import RELATIONSHIP as _RELATIONSHIP
from sim.model.ema import ema_model
from sim.model.engine import build_params, run_couples, simulate
from sim.model.mesa_model import PartnerAgent, RelationshipModel
from sim.model.outcomes import OUTCOME_CLASSES, SERIES, Thresholds, classify, final_metrics
from sim.model.parameters import (
    ENVIRONMENT,
    MAIN_TRAITS,
    REGISTRY,
    TRAITS,
    Parameter,
    ParameterError,
)
from sim.model.randomness import couple_keys
from sim.population import Population, list_populations, load_population
from sim.scenario import Scenario, list_scenarios, load_scenario
from sim.views import check_plots as _check_plots
from sim.views import results_page as _results_page
from sim.views.discovery import discover

# The experiment machinery knows no model and no face: the models register their batch
# models and the views their results page here, once, whatever part of sim is imported.
_models.register(_RELATIONSHIP, default=True)
_models.register(_MARKET)
_runner.set_reporter(_results_page)
_runner.set_plot_check(_check_plots)

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
