"""The results page: ``results/NAME/index.html`` and ``results/index.html``.

An experiment's page opens with its question and what the runs say (the effects of its
factors on its main metrics with their intervals, and its outcome classes by factor
level, :mod:`sim.views.summary`), then holds a table of its design, every figure with
its caption, the outcome-class table and the provenance the manifest records; a study of
one scenario's replicates (``relsim run``) gets the scenario's own page instead
(:mod:`sim.views.run_page`). Each is one self-contained file (:mod:`sim.views.page`).
The index one folder up links the page of every experiment and every scenario run
found beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from sim.errors import InputError
from sim.experiment.effects import finished
from sim.experiment.runner import DEFAULT_RESULTS
from sim.population import load_population
from sim.scenario import load_scenario
from sim.views import plots, run_page, scenario_run
from sim.views.discovery import discovery_section
from sim.views.page import (
    data_files,
    html_table,
    ours,
    paragraphs,
    provenance_rows,
    render,
    results_figures,
    write_html,
)
from sim.views.summary import study_summary, summary_section


def design_table(res: plots.Results) -> str:
    """The design as two HTML tables: the study's settings, then its factors."""
    spec = res.spec
    d = spec.design
    info = res.manifest.get("design", {})
    bases = ("population", spec.population) if spec.population else None
    settings = [
        ("design", d.kind),
        bases or ("scenarios", ", ".join(spec.scenarios)),
        ("design points", info.get("points", "")),
        ("replicates", spec.replicates),
        ("runs", info.get("runs", len(res.runs))),
        ("steps (weeks)", spec.steps),
        ("root seed", spec.seed),
        ("design seed", d.seed),
    ]
    if d.kind in ("lhs", "sobol", "morris"):
        settings.append(("samples", d.samples))
    if d.kind == "morris":
        settings.append(("levels", d.levels))
    if spec.record_every:
        settings.append(("series", f"{', '.join(spec.series)} every {spec.record_every} weeks"))
    out = html_table(pd.DataFrame(settings, columns=["setting", "value"]).astype(str))
    rows = []
    for f in d.factors:
        if f.values:
            rows.append((f.name, ", ".join(f"{v:g}" for v in f.values), len(f.values)))
        else:
            rows.append((f.name, f"{f.low:g} to {f.high:g}", "sampled"))
    for i, pt in enumerate(d.points):
        rows.append((f"point {i}", ", ".join(f"{n} = {v:g}" for n, v in pt), 1))
    if rows:
        out += html_table(pd.DataFrame(rows, columns=["factor", "values or range", "levels"]))
    return out


def population_section(name: str, description: str | None = None) -> Markup:
    """The population the runs were drawn from: who (unless ``description``, the spec's,
    already says it), the sources and every parameter's distribution; nothing when the
    spec names no population."""
    if not name:
        return Markup("")
    try:
        pop = load_population(name)
    except InputError:
        return Markup(render("population.html", name=name, pop=None))
    frame = pd.DataFrame(pop.rows(), columns=["parameter", "distribution", "mean", "sd"])
    same = _words(description) == _words(pop.description)
    return Markup(
        render(
            "population.html",
            name=name,
            pop=pop,
            path=str(pop.path),
            description=Markup("") if same else paragraphs(pop.description),
            sources=[" ".join(s.split()) for s in pop.sources],
            table=html_table(frame),
        )
    )


def _words(text: str | None) -> str:
    return " ".join(str(text or "").split())


def outcome_table(res: plots.Results) -> str:
    """Counts and shares of each outcome class over all finished runs, by scenario."""
    ok = finished(res.runs)
    if ok.empty:
        return Markup("<p>No finished runs.</p>")
    # The crosstab's counts with its margins, without pandas' margins machinery (a pivot
    # table over every run again: most of the memory of the page at a million runs).
    counts = ok.groupby(["scenario", "outcome"]).size().unstack(fill_value=0)
    counts["all"] = counts.sum(axis=1)
    counts.loc["all"] = counts.sum()
    order = [c for c in plots.figures.style.OUTCOME_COLOURS if c in counts.columns]
    order += [c for c in counts.columns if c not in order and c != "all"]
    frame = counts[order].astype(int)
    shares = frame.div(counts["all"], axis=0)
    table = frame.astype(str) + " (" + shares.map(lambda s: f"{s:.0%}") + ")"
    table.insert(0, "runs", counts["all"].map(lambda n: f"{n:,}"))
    failed = int((res.runs["status"] != "ok").sum())
    note = Markup('<p class="muted">{} run(s) failed.</p>').format(failed) if failed else ""
    return html_table(table.rename_axis("scenario").reset_index()) + note


def provenance(manifest: dict) -> str:
    """The manifest's provenance as an HTML table, with the spec verbatim below it."""
    rows = [
        ("spec file", manifest.get("spec_source", "")),
        ("spec hash", manifest.get("spec_hash", "")),
        *provenance_rows(manifest),
    ]
    table = html_table(pd.DataFrame(rows, columns=["", "value"]).astype(str))
    details = [("spec", manifest.get("spec", ""))]
    return Markup(render("provenance.html", table=table, details=details))


def write_page(path: str | Path) -> Path:
    """Write ``index.html`` of one results folder from its files and figures.

    Figures are those ``figures/figures.json`` lists (draw them first with
    :func:`sim.views.plots.draw_results`). A study of one scenario's replicates gets
    the scenario's page (:func:`sim.views.run_page.write_study_page`). Returns the
    page's path.
    """
    res = plots.Results(path)
    spec = res.spec
    scenario = scenario_run.study_scenario(spec)
    if scenario is not None:
        return run_page.write_study_page(res, scenario)
    page = render(
        "experiment.html",
        title=f"relsim: {spec.name}",
        name=spec.name,
        question=paragraphs(spec.description or "(no description)"),
        summary=summary_section(study_summary(res)),
        design=design_table(res),
        population=population_section(spec.population, spec.description),
        figures=results_figures(res.root),
        outcomes=outcome_table(res),
        discovery=Markup(discovery_section(res.root)),
        provenance=provenance(res.manifest),
        data=data_files(res.root),
    )
    return write_html(res.root / "index.html", page)


def _first_sentence(text: object) -> str:
    return " ".join(str(text or "").split()).split(". ")[0][:200]


def _experiment_item(folder: Path, m: dict, unit: str = "runs") -> dict[str, str]:
    if unit == "runs":
        size = m.get("design", {}).get("runs", "")
    else:  # a calibration: its parameters and its couples a particle
        size = f"{len(m.get('parameters', {}))} parameters, {m.get('couples', '')} couples a"
    size = f"{size:,}" if isinstance(size, int) else size
    return {
        "href": f"{folder.name}/index.html",
        "name": folder.name,
        "size": f"{size} {unit}, {m.get('status', '')}",
        "text": _first_sentence(m.get("description")),
    }


def _study_item(folder: Path, m: dict, name: str, load) -> dict[str, str]:
    """An index entry of a study of a scenario (or a population) ``name``, which ``load``
    reads for its title."""
    d = m.get("design", {})
    seed = m.get("seeds", {}).get("root", "")
    what = f"{d.get('replicates', '')} couples, {d.get('steps', '')} weeks, seed {seed}"
    try:
        title = load(name).title + ". "
    except InputError:
        title = ""  # the file has gone: the entry says what ran
    return {
        "href": f"{folder.name}/index.html",
        "name": folder.name,
        "size": what,
        "text": title + _first_sentence(m.get("description")),
    }


def write_index(results: str | Path) -> Path | None:
    """Write ``results/index.html`` linking the page of every experiment beside it, of
    every scenario run (a study of one scenario's replicates, ``relsim run``) and of
    every population run (``relsim run --population``).

    An ``index.html`` already there that relsim did not write (it lacks the page
    mark, :data:`~sim.views.page.GENERATOR`) is left as it is, and None returned.
    """
    root = Path(results)
    if not ours(root / "index.html"):
        return None
    experiments, scenario_runs, population_runs, calibrations = [], [], [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if not (folder / "index.html").is_file() or not (folder / "manifest.json").is_file():
            continue
        try:
            m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            if m.get("kind") == "calibration":
                calibrations.append(_experiment_item(folder, m, "particle"))
                continue
            scenario = scenario_run.study_of(m)
            population = scenario_run.population_study_of(m)
            if scenario is not None:
                scenario_runs.append(_study_item(folder, m, scenario, load_scenario))
            elif population is not None:
                population_runs.append(_study_item(folder, m, population, load_population))
            else:
                experiments.append(_experiment_item(folder, m))
        except (OSError, ValueError, AttributeError):
            continue  # a folder whose manifest is unreadable is left out, not fatal
    sections = [
        {"heading": heading, "note": note, "entries": items}
        for heading, note, items in (
            ("Experiments", "", experiments),
            ("Scenario runs", "relsim run NAME", scenario_runs),
            ("Population runs", "relsim run --population NAME", population_runs),
            ("Calibrations", "relsim calibrate SPEC", calibrations),
        )
        if items
    ]
    text = render(
        "index.html",
        title="relsim results",
        sections=sections,
        extra_css=" li { margin: 0.6rem 0; }",
    )
    return write_html(root / "index.html", text)


def report(path: str | Path, draw: bool = True) -> Path:
    """Draw the figures (unless ``draw`` is false), write the page and the index.

    The index one folder up is rewritten only where it belongs to the results: in the
    default results root (``results/``), or where relsim's index already is. A
    results folder chosen elsewhere (``relsim sweep --out DIR``) gets no index beside
    it, so nothing is written outside the folder chosen.

    Returns the page's path.
    """
    if draw:
        plots.draw_results(path)
    page = write_page(path)
    refresh_index(path)
    return page


def refresh_index(folder: str | Path) -> Path | None:
    """Rewrite the index one folder up from a results folder, where it belongs to the
    results: in the default results root (``results/``), or where an index already is
    (:func:`write_index` leaves one relsim did not write alone)."""
    parent = Path(folder).resolve().parent
    if parent == DEFAULT_RESULTS.resolve() or (parent / "index.html").is_file():
        return write_index(parent)
    return None
