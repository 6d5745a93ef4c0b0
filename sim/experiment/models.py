"""The batch models an experiment spec may name with its top-level ``model`` key, and
the report hook a sweep calls for its page.

The machinery imports no model: each model registers its batch model here (the
``sim`` package does so for the models it ships when it is imported), and a spec
names one by its ``name``. The first model registered as the default is the one a
spec that names none sweeps.
"""

from __future__ import annotations

import importlib

from sim.experiment.batch import BatchModel

_MODELS: dict[str, BatchModel | str] = {}
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


def register_lazy(name: str, where: str, *, default: bool = False) -> None:
    """Make a model specs may name, imported only when first asked for.

    ``where`` is ``"package.module:ATTRIBUTE"``, the batch model's home; a command
    that never sweeps never imports the model (nor its compiled engine).
    """
    _MODELS[name] = where
    if default:
        _DEFAULT[:] = [name]


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
    name = name or default_model()
    model = _MODELS[name]
    if isinstance(model, str):
        module, _, attribute = model.partition(":")
        model = _MODELS[name] = getattr(importlib.import_module(module), attribute)
    return model


def is_registered(name: str) -> bool:
    """Whether a model is registered under ``name``."""
    return name in _MODELS


class _Hook:
    """A function the views provide to the machinery: a callable, ``"package.module:NAME"``
    (imported when first called for), or None, so that the machinery never imports a
    face."""

    def __init__(self) -> None:
        self._value: object = None

    def set(self, value) -> None:
        self._value = value

    def get(self):
        if isinstance(self._value, str):
            module, _, attribute = self._value.partition(":")
            self._value = getattr(importlib.import_module(module), attribute)
        return self._value


_REPORTER, _PLOT_CHECK, _PAGE_WARMUP = _Hook(), _Hook(), _Hook()


def set_reporter(reporter) -> None:
    """Set the function a sweep calls to draw its figures and write its page: a
    callable, ``"package.module:NAME"`` (imported when first called for), or None.

    The views provide it (the ``sim`` package sets theirs when it is imported); the
    machinery never imports a face.
    """
    _REPORTER.set(reporter)


def reporter():
    """The function a sweep calls for its figures and page, if one is set."""
    return _REPORTER.get()


def set_plot_check(check) -> None:
    """Set the function a sweep calls before any run starts to check the spec's plots
    against what it will store (a callable, a ``"package.module:NAME"`` or None; the
    views provide it, like the reporter)."""
    _PLOT_CHECK.set(check)


def plot_check():
    """The function that checks a spec's plots before its sweep, if one is set."""
    return _PLOT_CHECK.get()


def set_page_warmup(warmup) -> None:
    """Set the function a sweep calls, on a thread of its own while the runs run, to get
    its page ready to draw (``warmup(model)``: the views' imports, the compiled model a
    figure replays runs with; a callable, a ``"package.module:NAME"`` or None; the views
    provide it, like the reporter)."""
    _PAGE_WARMUP.set(warmup)


def page_warmup():
    """The function that gets a sweep's page ready while its runs run, if one is set."""
    return _PAGE_WARMUP.get()
