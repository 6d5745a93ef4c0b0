"""Scenario discovery on a results folder: ``relsim discover`` and :func:`discover`.

The runs of interest are those of an outcome class, or those whose final metric passes
a threshold; PRIM (EMA Workbench's, see :mod:`sim.experiment.discovery`) finds the
boxes of factor space they gather in. The page ``results/NAME/discovery_<what>.html``
shows each box: its limits, its coverage and density, the peeling trajectory it was
chosen from and the runs around it, in one self-contained file (the template
``discovery.html``). Plotting is imported
when a page is written, so that importing ``sim`` does not load matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from sim.errors import InputError
from sim.experiment import discovery as sd
from sim.experiment import provenance as prov
from sim.experiment.analysis import results_spec
from sim.experiment.storage import ResultStore
from sim.model.outcomes import OUTCOME_CLASSES


def target(
    path: str | Path,
    outcome: str,
    above: float | None = None,
    below: float | None = None,
    pattern: bool = False,
) -> sd.Target:
    """The runs of interest that ``outcome`` names in a results folder.

    An outcome class (``coercive``) when no threshold is given: runs whose ``outcome``
    is that class, or with ``pattern`` whose ``pattern`` is (the class with the ending
    set aside: a couple that ended keeps the pattern it had then). A numeric column of
    ``runs.parquet`` (``intimacy``) past ``above`` and/or ``below`` otherwise.

    Raises
    ------
    InputError
        For a folder without results, a name that is neither an outcome class nor a
        metric, a metric without a threshold, or a class with one.
    """
    store = ResultStore(path)
    schema = store.runs_schema()
    columns = set(schema.names)
    thresholds = above is not None or below is not None
    is_class = outcome in OUTCOME_CLASSES and outcome not in columns
    if thresholds:
        if is_class:
            raise InputError("outcome", outcome, "is an outcome class: it takes no threshold")
        if pattern:
            raise InputError("outcome", outcome, "--pattern goes with a class, not a threshold")
        if outcome not in columns or outcome in sd.BOOKKEEPING:
            raise InputError(
                "outcome", outcome, "not a metric of runs.parquet (e.g. intimacy, coercion_rate)"
            )
        if above is not None and below is not None and above >= below:
            raise InputError(
                "outcome", outcome, f"--above {above:g} must be less than --below {below:g}"
            )
        return sd.Target(outcome, above=above, below=below)
    if outcome in columns and outcome not in sd.BOOKKEEPING:
        if str(schema.field(outcome).type) in ("string", "large_string"):
            raise InputError("outcome", outcome, "is a label column, not a class or a metric")
        raise InputError(
            "outcome", outcome, "is a metric: give a threshold with --above or --below"
        )
    if not is_class:
        raise InputError(
            "outcome",
            outcome,
            f"not an outcome class ({', '.join(OUTCOME_CLASSES)}) "
            "nor a metric of runs.parquet (with --above or --below)",
        )
    column = "pattern" if pattern else "outcome"
    if column not in columns:
        raise InputError(str(path), column, "these runs have no such class column")
    if not pattern and "pattern" in columns:
        classes = store.runs(columns=["status", "outcome", "pattern"])
        ok = classes[classes["status"] == "ok"]
        shown = int((ok["pattern"] == outcome).sum())
        if not (ok["outcome"] == outcome).any() and shown:
            raise InputError(
                str(path),
                "outcome",
                f"no finished run ends {outcome}, but {shown} show it as their pattern "
                "(the class with the ending set aside): try --pattern",
            )
    return sd.Target(column, value=outcome)


def discover(
    results: str | Path,
    outcome: str,
    *,
    above: float | None = None,
    below: float | None = None,
    factors: Sequence[str] | None = None,
    boxes: int = 1,
    density: float = sd.DENSITY,
    box: int | None = None,
    pattern: bool = False,
    write: bool = True,
) -> sd.Discovery:
    """Find the boxes of factor space that lead to an outcome, with PRIM.

    Parameters
    ----------
    results : path
        A finished experiment's results folder (``results/NAME``).
    outcome : str
        An outcome class (``"coercive"``: runs ending in it are of interest), or a
        final metric (``"intimacy"``) with ``above`` and/or ``below``.
    above, below : float, optional
        Runs whose metric is above ``above`` (and below ``below``) are of interest.
    factors : sequence of str, optional
        Columns to peel; by default the factors the study varies.
    boxes : int
        Most boxes to find, each among the runs the earlier leave out.
    density : float
        Density a box must reach: the most covering step of the peeling trajectory
        that reaches it is chosen (the densest when none does).
    box : int, optional
        Take this step of the first box's peeling trajectory instead.
    pattern : bool
        Runs whose pattern is the class ``outcome`` are of interest, rather than runs
        ending in it: a couple that ended keeps the pattern it had then.
    write : bool
        Write the page ``discovery_<outcome>.html`` into the results folder.

    Returns
    -------
    sim.experiment.discovery.Discovery
        The boxes found, and in ``page`` the page written (None unless ``write``).

    Examples
    --------
    >>> found = sim.discover("results/coercion_lhs", "coercive")  # doctest: +SKIP
    >>> print("\\n".join(found.lines()))  # doctest: +SKIP
    """
    if boxes < 1:
        raise InputError("boxes", "", f"expected at least 1 box, got {boxes}")
    if not 0 < density <= 1:
        raise InputError("density", "", f"expected a share in (0, 1], got {density:g}")
    if box is not None and boxes > 1:
        raise InputError("box", "", "a step of the trajectory is taken for one box only")
    if box is not None and box < 0:
        raise InputError("box", "", f"expected a step >= 0, got {box}")
    what = target(results, outcome, above, below, pattern)
    found = sd.scenario_discovery(results, what, factors, boxes=boxes, density=density, step=box)
    if write:
        found = replace(found, page=write_page(results, found))
    return found


def page_path(results: str | Path, what: sd.Target) -> Path:
    """Where the page of a discovery goes: ``results/NAME/discovery_<what>.html``."""
    return Path(results) / f"discovery_{what.slug}.html"


def _stats_table(box: sd.Box) -> Markup:
    from sim.views.page import html_table

    rows = [
        ("coverage", f"{box.coverage:.3f}", "share of all runs of interest inside the box"),
        ("density", f"{box.density:.3f}", "share of the box's runs that are of interest"),
        ("mass", f"{box.mass:.3f}", "share of all runs inside the box"),
        ("runs in the box", f"{box.n:,}", "of those the earlier boxes leave out"),
        ("of interest", f"{box.k:,}", ""),
        ("factors restricted", str(len(box.limits)), ""),
        ("step", f"{box.chosen} of {len(box.trajectory) - 1}", "of the peeling trajectory"),
    ]
    return html_table(pd.DataFrame(rows, columns=["", "value", "meaning"]))


def _limits_table(box: sd.Box) -> Markup | None:
    """The box's limit on each factor it restricts, with the factor in words; None when
    it restricts none."""
    from sim.views import style
    from sim.views.page import html_table

    if box.limits.empty:
        return None
    rows = []
    for r in box.limits.itertuples(index=False):
        if r.values:
            rows.append(
                (r.factor, style.label(r.factor), f"in {{{r.values}}}", "", _qp(r.qp_low), "")
            )
        else:
            rows.append(
                (
                    r.factor,
                    style.label(r.factor),
                    f"{r.low:.4g} to {r.high:.4g}",
                    f"{r.range_low:.4g} to {r.range_high:.4g}",
                    _qp(r.qp_low),
                    _qp(r.qp_high),
                )
            )
    columns = [
        "factor",
        "in words",
        "box",
        "runs span",
        "qp of the low limit",
        "qp of the high limit",
    ]
    return html_table(pd.DataFrame(rows, columns=columns))


def _qp(value: float) -> str:
    return "" if pd.isna(value) else f"{value:.2g}"


def _box(found: sd.Discovery, box: sd.Box) -> dict[str, object]:
    """What the page shows of one box: its statistics, limits, figures and trajectory."""
    from sim.views import figures
    from sim.views.page import drawn_html, html_table

    what = found.target.describe()
    n = box.number
    drawn = [
        (f"box-{n}-limits", "the box", figures.prim_box(box.limits, box.coverage, box.density, n)),
        (
            f"box-{n}-trajectory",
            "peeling trajectory",
            figures.peeling_trajectory(box.trajectory, box.chosen, what, n),
        ),
    ]
    if (box.limits["values"] == "").any():
        drawn.append(
            (f"box-{n}-runs", "the runs", figures.box_scatter(found.x, found.y, box.limits, n))
        )
    blocks = [drawn_html(d, anchor, title) for anchor, title, d in drawn]
    for _, _, d in drawn:
        d.figure.clear()
    table = box.trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]]
    return {
        "number": n,
        "stats": _stats_table(box),
        "limits": _limits_table(box),
        "figures": blocks,
        "trajectory": html_table(table.rename_axis("step").reset_index()),
    }


def write_page(results: str | Path, found: sd.Discovery) -> Path:
    """Write the page of a discovery into its results folder; return its path."""
    from sim.views.page import html_table, render, write_html

    root = Path(results)
    spec = results_spec(root)
    manifest = ResultStore(root).read_manifest()
    what = found.target.describe()
    settings = [
        ("runs of interest", what),
        ("runs used", f"{found.runs:,} finished runs"),
        ("of interest", f"{found.hits:,} ({found.hits / found.runs:.1%})"),
        ("factors peeled", ", ".join(found.factors)),
        ("density wanted", f"{found.settings['density']:g}"),
        ("smallest box (mass_min)", f"{found.settings['mass_min']:g}"),
        (
            "peel_alpha, paste_alpha",
            f"{found.settings['peel_alpha']:g}, {found.settings['paste_alpha']:g}",
        ),
    ]
    if found.left_out:
        settings.append(("left out", f"{found.left_out:,} runs without a value"))
    git = prov.git_commit() or {}
    made = [
        ("written", prov.now()),
        ("relsim", prov.package_versions().get("relsim") or ""),
        ("git commit", f"{git.get('commit', '')}{' (modified)' if git.get('modified') else ''}"),
        ("EMA Workbench", _version("ema_workbench")),
        ("results identity hash", str(manifest.get("identity_hash", ""))),
    ]
    body = render(
        "discovery.html",
        title=f"relsim: {spec.name}: discovery of {what}",
        experiment_page=(root / "index.html").is_file(),
        name=spec.name,
        what=what,
        hits=found.hits,
        runs=found.runs,
        share=found.hits / found.runs,
        density=found.settings["density"],
        several=len(found.boxes) > 1,
        settings=html_table(pd.DataFrame(settings, columns=["setting", "value"])),
        boxes=[_box(found, b) for b in found.boxes],
        provenance=html_table(pd.DataFrame(made, columns=["", "value"])),
    )
    return write_html(page_path(root, found.target), body)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def discovery_pages(results: str | Path) -> list[Path]:
    """The discovery pages written into a results folder, by name."""
    return sorted(Path(results).glob("discovery_*.html"))


def discovery_section(results: str | Path) -> Markup:
    """A section of the experiment's page linking its discovery pages; empty if none."""
    from sim.views.page import render

    pages = [p.name for p in discovery_pages(results)]
    return Markup(render("discovery_section.html", pages=pages))
