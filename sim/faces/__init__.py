"""The faces: the ``relsim`` command line, researchers' figures and pages, teachers'
story and app. They build on the experiment machinery and the models, never the
reverse: a sweep gets its figures and page from :func:`results_page`, which the
``sim`` package hands to the runner.
"""

from __future__ import annotations

from pathlib import Path


def results_page(path: str | Path) -> Path:
    """Draw the figures and write the page of a results folder (and the index beside it).

    The runner's report hook (see ``sim.experiment.runner.set_reporter``); plotting is
    imported on first use, so that importing ``sim`` does not load matplotlib.
    """
    from sim.faces.report import report

    return report(path)
