"""The batch models an experiment spec may name with its top-level ``model`` key.

Each is imported on first use, so that the experiment machinery does not import a
model it is not asked to sweep.
"""

from __future__ import annotations

import importlib

from sim.experiment.batch import BatchModel

MODELS: dict[str, tuple[str, str]] = {
    "relationship": ("sim.experiment.batch", "RELATIONSHIP"),
    "market": ("sim.market.batch", "MARKET"),
}
"""Model name to (module, attribute) of its batch model; ``relationship`` is the default."""

DEFAULT_MODEL = "relationship"


def get_model(name: str) -> BatchModel:
    """The batch model of a name in :data:`MODELS`; ``KeyError`` for an unknown one."""
    module, attr = MODELS[name]
    return getattr(importlib.import_module(module), attr)
