"""The results page of one scenario run: ``results/NAME/index.html`` of ``relsim run``.

The page holds what a teacher or student needs beside the printed tables: the
scenario's description and source articles, the partners' traits, both figures with
their captions, the outcome-class table against what the scenario expects, the main
metrics, the teaching notes, and the provenance of the run (scenario file, seed, size,
code version and commit). Like an experiment's page (:mod:`sim.faces.report`) it is one
self-contained file, and ``results/index.html`` links it. What ran is also written to
``run.json`` beside it, from which the index reads its entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment import provenance
from sim.faces import report
from sim.faces.scenario_figures import captions
from sim.faces.scenario_run import ScenarioRun
from sim.model.outcomes import OUTCOME_CLASSES
from sim.scenario import TWO_WAY_MIN_SHARE


def command(run: ScenarioRun) -> str:
    """The ``relsim run`` command that gives this run again."""
    return f"relsim run {run.scenario.name} --couples {run.n} --steps {run.steps} --seed {run.seed}"


def run_record(run: ScenarioRun) -> dict[str, object]:
    """What ran, for ``run.json``: scenario, size, seed, shares, code and packages."""
    from sim.model.batch import RELATIONSHIP

    sc = run.scenario
    return {
        "kind": "scenario run",
        "name": sc.name,
        "title": sc.title,
        "description": sc.description,
        "scenario_file": str(sc.path),
        "scenario": sc.path.read_text(encoding="utf-8"),
        "couples": run.n,
        "steps": run.steps,
        "seed": run.seed,
        "command": command(run),
        "outcome_shares": run.shares(),
        "expectation_met": run.expectation_met(),
        "model_fingerprint": RELATIONSHIP.fingerprint(),
        "code": {
            "version": provenance.package_versions().get("relsim"),
            "git": provenance.git_commit(),
        },
        "packages": provenance.package_versions(),
        "created": provenance.now(),
    }


def traits_table(run: ScenarioRun) -> str:
    """The parameters the scenario file sets: traits of each partner, then environment."""
    sc = run.scenario
    names = [*sc.a, *(t for t in sc.b if t not in sc.a)]
    rows = [(t, _value(sc.a.get(t)), _value(sc.b.get(t))) for t in names]
    rows += [(f"env.{e}", _value(v), "") for e, v in sc.env.items()]
    frame = pd.DataFrame(rows, columns=["parameter", "partner a", "partner b"])
    return report.html_table(frame) + (
        '<p class="muted">Every parameter not listed takes its default (see '
        "<code>docs/ODD.md</code>).</p>"
    )


def _value(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def outcomes_table(run: ScenarioRun) -> str:
    """Couples and share of each outcome class that occurred or was expected."""
    shares = run.shares()
    expected = {e.outcome: e.min_share for e in run.scenario.expected}
    counts = pd.Series(run.metrics["outcome"]).value_counts()
    rows = []
    for cls in OUTCOME_CLASSES:
        if shares[cls] == 0 and cls not in expected:
            continue
        least = f"{expected[cls]:.2f}" if cls in expected else ""
        met = ("yes" if shares[cls] >= expected[cls] else "no") if cls in expected else ""
        rows.append((cls, int(counts.get(cls, 0)), f"{shares[cls]:.2f}", least, met))
    frame = pd.DataFrame(rows, columns=["outcome", "couples", "share", "expected at least", "met"])
    out = report.html_table(frame)
    if run.scenario.two_way:
        first_two = run.scenario.expected[:2]
        together = sum(shares[e.outcome] for e in first_two)
        names = " + ".join(e.outcome for e in first_two)
        out += (
            f"<p>Two ways: {report.esc(names)} together {together:.2f} "
            f"(expected at least {TWO_WAY_MIN_SHARE:.2f}).</p>"
        )
    verdict = "met" if run.expectation_met() else "not met"
    return out + f"<p>The scenario's expectation is <strong>{verdict}</strong>.</p>"


def metrics_table(run: ScenarioRun) -> str:
    """Mean, median and 5-95% range of the main metrics, and the share of couples ended."""
    s = run.summary().rename(columns={"p5": "5%", "p95": "95%"})
    frame = s.rename_axis("metric").reset_index()
    ended = pd.DataFrame(
        [("ended (share)", float(np.mean(run.metrics["ended"])), np.nan, np.nan, np.nan)],
        columns=frame.columns,
    )
    frame = pd.concat([frame, ended], ignore_index=True)
    return report.html_table(frame, "{:.3f}").replace('<td class="num">nan</td>', "<td></td>")


def _notes(heading: str, notes: Sequence[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{report.esc(' '.join(n.split()))}</li>" for n in notes)
    return f"<h3>{report.esc(heading)}</h3><ul>{items}</ul>"


def provenance_table(record: dict) -> str:
    """What ran and with which code, as an HTML table, with the scenario file below it."""
    git = (record.get("code") or {}).get("git") or {}
    rows = [
        ("scenario file", record.get("scenario_file", "")),
        ("command", record.get("command", "")),
        ("couples", record.get("couples", "")),
        ("weeks", record.get("steps", "")),
        ("seed", record.get("seed", "")),
        ("model", f"relationship ({str(record.get('model_fingerprint', ''))[:16]})"),
        ("code version", (record.get("code") or {}).get("version", "")),
        ("git commit", f"{git.get('commit', '')}{' (modified)' if git.get('modified') else ''}"),
        ("created", record.get("created", "")),
    ]
    packages = record.get("packages") or {}
    rows.append(("packages", ", ".join(f"{k} {v}" for k, v in sorted(packages.items()))))
    out = report.html_table(pd.DataFrame(rows, columns=["", "value"]).astype(str))
    text = report.esc(record.get("scenario", ""))
    return out + f"<details><summary>scenario file</summary><pre>{text}</pre></details>"


def write_run_page(run: ScenarioRun, folder: str | Path, figures: Sequence[Path]) -> Path:
    """Write ``run.json`` and the self-contained ``index.html`` of a scenario run.

    Parameters
    ----------
    run : ScenarioRun
        The run.
    folder : path
        Its results folder (``results/NAME``).
    figures : sequence of path
        The PNG files :func:`sim.faces.scenario_figures.write_figures` wrote.

    Returns
    -------
    Path
        The page.
    """
    folder = Path(folder)
    record = run_record(run)
    report.write_html(folder / report.RUN_RECORD, json.dumps(record, indent=2))
    sc = run.scenario
    about = captions(run)
    figs = []
    for png in figures:
        title, caption = about.get(png.name, (png.stem, ""))
        figs.append(report.figure_html(png, png.stem, title, caption))
    two_way = ""
    if sc.two_way:
        two_way = f"<p><strong>Two ways.</strong> {report.esc(' '.join(sc.two_way.split()))}</p>"
    articles = "".join(f"<li>{report.esc(a)}</li>" for a in sc.articles)
    esc = report.esc
    body = f"""<p class="muted"><a href="../index.html">all results</a></p>
<h1>{esc(sc.title)}</h1>
<p class="muted">Scenario <code>{esc(sc.name)}</code>: {run.n:,} couples, {run.steps} weeks,
seed {run.seed}.</p>
{report.paragraphs(sc.description)}
{two_way}
<p class="muted">Source articles:</p><ul>{articles}</ul>
<h2>Partners</h2>
{traits_table(run)}
<h2>Figures</h2>
{"".join(figs) or "<p>No figures.</p>"}
<h2>Outcome classes</h2>
{outcomes_table(run)}
<h2>Main metrics</h2>
{metrics_table(run)}
<h2>Teaching notes</h2>
{_notes("What to notice", sc.notice)}
{_notes("Things to try", sc.things_to_try)}
<h2>Provenance</h2>
{provenance_table(record)}
<p class="muted">Data: <code>couples.parquet</code> (one row per couple),
<code>{report.RUN_RECORD}</code> in this folder.</p>"""
    return report.write_html(folder / "index.html", report.document(f"relsim: {sc.name}", body))
