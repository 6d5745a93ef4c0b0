"""The researchers' views: figures, plot specs and results pages.

They build on the experiment machinery and the models, never the reverse: a sweep gets
its figures and page from :func:`results_page`, which the ``sim`` package hands to the
runner. The command line is :mod:`sim.cli`; the teachers' story and app are
:mod:`sim.teach`.
"""

from __future__ import annotations

from pathlib import Path


def results_page(path: str | Path) -> Path:
    """Draw the figures and write the page of a results folder (and the index beside it).

    The runner's report hook (see ``sim.experiment.runner.set_reporter``); plotting is
    imported on first use, so that importing ``sim`` does not load matplotlib.
    """
    from sim.views.report import report

    return report(path)


def check_plots(spec, model, root: str | Path) -> None:
    """Check a spec's ``[[plots]]`` before its sweep starts (the runner's plot check, see
    ``sim.experiment.runner.set_reporter``). A spec that lists none has nothing to
    check, and imports no plotting."""
    if not spec.plots:
        return
    from sim.views.plots import check_spec_plots

    check_spec_plots(spec, model, root)


def prepare_page(model) -> None:
    """Import what drawing a sweep's figures and page takes, and warm ``model`` up (its
    ``warm`` method: the compiled engine an event strip replays a run with).

    The runner's page warm-up (see ``sim.experiment.models.set_page_warmup``): a sweep
    calls it on a thread of its own while its runs run, so that its page, drawn once
    they are done, does not wait for these while the workers have nothing to do.
    """
    import sim.views.report  # noqa: F401 - matplotlib, pandas, the figures

    warm = getattr(model, "warm", None)
    if warm is not None:
        warm()
