"""The batch models an experiment spec may name with its top-level ``model`` key.

The machinery imports no model: each model registers its batch model here (the
``sim`` package does so for the models it ships when it is imported), and a spec
names one by its ``name``. The first model registered as the default is the one a
spec that names none sweeps.
"""

from __future__ import annotations

from sim.experiment.batch import BatchModel

_MODELS: dict[str, BatchModel] = {}
_DEFAULT: list[str] = []


def register(model: BatchModel, *, default: bool = False) -> BatchModel:
    """Make ``model`` a model specs may name (``model = "<model.name>"``); return it.

    Registering another model under a name already taken replaces it. With
    ``default``, it is swept by specs that name no model.
    """
    _MODELS[model.name] = model
    if default:
        _DEFAULT[:] = [model.name]
    return model


def model_names() -> tuple[str, ...]:
    """Names of every registered model, in the order they were registered."""
    return tuple(_MODELS)


def default_model() -> str:
    """Name of the model a spec that names none sweeps.

    Raises
    ------
    LookupError
        When no default model is registered.
    """
    if not _DEFAULT:
        raise LookupError("no default batch model is registered")
    return _DEFAULT[0]


def get_model(name: str | None = None) -> BatchModel:
    """The registered model of a name (the default model for None or ``""``).

    Raises
    ------
    KeyError
        For a name no model is registered under.
    """
    return _MODELS[name or default_model()]


def is_registered(name: str) -> bool:
    """Whether a model is registered under ``name``."""
    return name in _MODELS
