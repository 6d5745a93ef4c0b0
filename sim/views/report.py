"""The results page: ``results/NAME/index.html`` and ``results/index.html``.

An experiment's page holds its question, a table of its design, every figure with its
caption, the outcome-class table and the provenance the manifest records; a study of
one scenario's replicates (``relsim run``) gets the scenario's own page instead
(:mod:`sim.views.run_page`). Each is one self-contained file (:mod:`sim.views.page`).
The index one folder up links the page of every experiment and every scenario run
found beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.errors import InputError
from sim.experiment.runner import DEFAULT_RESULTS
from sim.population import load_population
from sim.scenario import load_scenario
from sim.views import plots, run_page, scenario_run
from sim.views.discovery import discovery_section
from sim.views.page import (
    data_files,
    document,
    esc,
    html_table,
    ours,
    paragraphs,
    provenance_rows,
    results_figures,
    write_html,
)


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


def population_section(name: str, description: str | None = None) -> str:
    """The population the runs were drawn from: who (unless ``description``, the spec's,
    already says it), the sources and every parameter's distribution; nothing when the
    spec names no population."""
    if not name:
        return ""
    try:
        pop = load_population(name)
    except InputError:
        return f"<h2>Population</h2><p>{esc(name)} (the population file cannot be read).</p>"
    sources = "".join(f"<li>{esc(' '.join(s.split()))}</li>" for s in pop.sources)
    frame = pd.DataFrame(pop.rows(), columns=["parameter", "distribution", "mean", "sd"])
    return f"""<h2>Population</h2>
<p><strong>{esc(pop.title)}</strong> (<code>{esc(str(pop.path))}</code>)</p>
{"" if _words(description) == _words(pop.description) else paragraphs(pop.description)}
<p class="muted">Sources:</p><ul>{sources}</ul>
<p class="muted">Both partners are drawn independently; each run's design factors
replace the drawn values of the columns they set. <code>runs.parquet</code> holds
the values each run drew.</p>
{html_table(frame)}"""


def _words(text: str | None) -> str:
    return " ".join(str(text or "").split())


def outcome_table(res: plots.Results) -> str:
    """Counts and shares of each outcome class over all finished runs, by scenario."""
    ok = res.runs[res.runs["status"] == "ok"]
    if ok.empty:
        return "<p>No finished runs.</p>"
    counts = pd.crosstab(ok["scenario"], ok["outcome"], margins=True, margins_name="all")
    order = [c for c in plots.figures.style.OUTCOME_COLOURS if c in counts.columns]
    order += [c for c in counts.columns if c not in order and c != "all"]
    frame = counts[order].astype(int)
    shares = frame.div(counts["all"], axis=0)
    table = frame.astype(str) + " (" + shares.map(lambda s: f"{s:.0%}") + ")"
    table.insert(0, "runs", counts["all"].map(lambda n: f"{n:,}"))
    failed = int((res.runs["status"] != "ok").sum())
    note = f'<p class="muted">{failed} run(s) failed.</p>' if failed else ""
    return html_table(table.rename_axis("scenario").reset_index()) + note


def provenance(manifest: dict) -> str:
    """The manifest's provenance as an HTML table, with the spec verbatim below it."""
    rows = [
        ("spec file", manifest.get("spec_source", "")),
        ("spec hash", manifest.get("spec_hash", "")),
        *provenance_rows(manifest),
    ]
    out = html_table(pd.DataFrame(rows, columns=["", "value"]).astype(str))
    spec = manifest.get("spec", "")
    return out + f"<details><summary>spec</summary><pre>{esc(spec)}</pre></details>"


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
    figs = results_figures(res.root)
    body = f"""<p class="muted"><a href="../index.html">all results</a></p>
<h1>{esc(spec.name)}</h1>
{paragraphs(spec.description or "(no description)")}
<h2>Design</h2>
{design_table(res)}
{population_section(spec.population, spec.description)}
<h2>Figures</h2>
{figs or "<p>No figures; run <code>relsim plot</code>.</p>"}
<h2>Outcome classes</h2>
{outcome_table(res)}
{discovery_section(res.root)}
<h2>Provenance</h2>
{provenance(res.manifest)}
{data_files(res.root)}"""
    return write_html(res.root / "index.html", document(f"relsim: {spec.name}", body))


def _first_sentence(text: object) -> str:
    return " ".join(str(text or "").split()).split(". ")[0][:200]


def _experiment_item(folder: Path, m: dict, unit: str = "runs") -> str:
    if unit == "runs":
        size = m.get("design", {}).get("runs", "")
    else:  # a calibration: its parameters and its couples a particle
        size = f"{len(m.get('parameters', {}))} parameters, {m.get('couples', '')} couples a"
    size = f"{size:,}" if isinstance(size, int) else size
    return (
        f'<li><a href="{esc(folder.name)}/index.html">{esc(folder.name)}</a>'
        f' <span class="muted">{esc(size)} {unit}, {esc(m.get("status", ""))}</span>'
        f"<br>{esc(_first_sentence(m.get('description')))}</li>"
    )


def _study_item(folder: Path, m: dict, name: str, load) -> str:
    """An index entry of a study of a scenario (or a population) ``name``, which ``load``
    reads for its title."""
    d = m.get("design", {})
    seed = m.get("seeds", {}).get("root", "")
    what = f"{d.get('replicates', '')} couples, {d.get('steps', '')} weeks, seed {seed}"
    try:
        title = load(name).title + ". "
    except InputError:
        title = ""  # the file has gone: the entry says what ran
    return (
        f'<li><a href="{esc(folder.name)}/index.html">{esc(folder.name)}</a>'
        f' <span class="muted">{esc(what)}</span>'
        f"<br>{esc(title)}{esc(_first_sentence(m.get('description')))}</li>"
    )


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
    sections = []
    if experiments:
        sections.append(f"<h2>Experiments</h2><ul>{''.join(experiments)}</ul>")
    if scenario_runs:
        sections.append(
            "<h2>Scenario runs</h2>"
            '<p class="muted">Written by <code>relsim run NAME</code>.</p>'
            f"<ul>{''.join(scenario_runs)}</ul>"
        )
    if population_runs:
        sections.append(
            "<h2>Population runs</h2>"
            '<p class="muted">Written by <code>relsim run --population NAME</code>.</p>'
            f"<ul>{''.join(population_runs)}</ul>"
        )
    if calibrations:
        sections.append(
            "<h2>Calibrations</h2>"
            '<p class="muted">Written by <code>relsim calibrate SPEC</code>.</p>'
            f"<ul>{''.join(calibrations)}</ul>"
        )
    body = "<h1>relsim results</h1>\n" + ("".join(sections) or "<p>No pages yet.</p>")
    text = document("relsim results", body, css=" li { margin: 0.6rem 0; }")
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
