"""The page of a study of one scenario's replicates: ``results/NAME/index.html`` of ``relsim run``.

The page holds what a teacher or student needs beside the printed tables: the
scenario's description and source articles, the partners' traits, its figures with
their captions, the outcome-class table against what the scenario expects, the main
metrics, the teaching notes, and the provenance of the study (scenario file, the
command that gives it again, seed, size, code version and commit, as the manifest
records them). A study with values set over the scenario's (``relsim run --set``) says
which, beside the values of the scenario file, and shows the scenario's expected shares
for reference only: they are the unmodified scenario's, and are not checked. Like an
experiment's page (:mod:`sim.views.report`) it is one
self-contained file, and ``results/index.html`` links it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.batch import RELATIONSHIP
from sim.model.outcomes import OUTCOME_CLASSES
from sim.scenario import TWO_WAY_MIN_SHARE, Scenario, overrides_text
from sim.views import plots
from sim.views.page import (
    data_files,
    document,
    esc,
    html_table,
    paragraphs,
    provenance_rows,
    results_figures,
    write_html,
)
from sim.views.scenario_run import NO_EXPECTATIONS_NOTE, ScenarioRun, command, load_study


def traits_table(sc: Scenario) -> str:
    """The parameters the scenario sets (the file's, with any values set over them):
    traits of each partner, then environment."""
    names = [*sc.a, *(t for t in sc.b if t not in sc.a)]
    rows = [(t, _value(sc.a.get(t)), _value(sc.b.get(t))) for t in names]
    rows += [(f"env.{e}", _value(v), "") for e, v in sc.env.items()]
    frame = pd.DataFrame(rows, columns=["parameter", "partner a", "partner b"])
    return html_table(frame) + (
        '<p class="muted">Every parameter not listed takes its default (see '
        "<code>docs/ODD.md</code>).</p>"
    )


def _value(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def changed_values(res: plots.Results, run: ScenarioRun) -> list[str]:
    """Parameters whose value in the scenario file (with the values the study set over
    it) now differs from the value that ran."""
    if not run.n:
        return []
    ran = res.store.run_row(int(run.metrics["run"][0]))
    now = RELATIONSHIP.base(res.spec.scenarios[0])
    for name, value in run.scenario.overrides if run.scenario is not None else ():
        now.update(dict.fromkeys(RELATIONSHIP.columns(name), float(value)))
    return [k for k, v in now.items() if k in ran.index and not np.isclose(float(ran[k]), v)]


def overrides_section(res: plots.Results, sc: Scenario) -> str:
    """The values the study set over the scenario's, beside the file's; empty for none."""
    if not sc.modified:
        return ""
    base = RELATIONSHIP.base(res.spec.scenarios[0])
    rows = []
    for name, value in sc.overrides:
        was = " / ".join(f"{base[c]:g}" for c in RELATIONSHIP.columns(name))
        rows.append((name, f"{value:g}", was))
    frame = pd.DataFrame(rows, columns=["parameter", "set to", "scenario file (or default)"])
    return (
        "<h2>Values set over the scenario</h2>"
        f"<p>This study ran with <code>{esc(overrides_text(sc.overrides, ' '))}</code> "
        "set over the scenario's values (<code>--set</code>).</p>" + html_table(frame)
    )


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
    columns = ["outcome", "couples", "share", "expected at least", "met"]
    if not expected:
        frame = pd.DataFrame([row[:3] for row in rows], columns=columns[:3])
        return html_table(frame) + f"<p>{esc(NO_EXPECTATIONS_NOTE)}</p>"
    if not run.checked:
        rows = [row[:4] for row in rows]
        columns = [*columns[:3], "unmodified scenario expects at least (for reference)"]
    out = html_table(pd.DataFrame(rows, columns=columns))
    if not run.checked:
        text = overrides_text(run.scenario.overrides)
        return out + (
            f"<p>The expected shares are the unmodified scenario's: with {esc(text)} set over "
            "its values they are shown for reference and <strong>not checked</strong>.</p>"
        )
    if run.scenario.two_way:
        first_two = run.scenario.expected[:2]
        together = sum(shares[e.outcome] for e in first_two)
        names = " + ".join(e.outcome for e in first_two)
        out += (
            f"<p>Two ways: {esc(names)} together {together:.2f} "
            f"(expected at least {TWO_WAY_MIN_SHARE:.2f}).</p>"
        )
    checks = [c for c in run.checks() if c.kind in ("leads", "at_most", "pattern")]
    if checks:
        items = "".join(
            f"<li>{esc(c.text if c.kind == 'pattern' else 'primary ' + c.text)}: "
            f"{'met' if c.ok else '<strong>not met</strong>'}</li>"
            for c in checks
        )
        out += f"<ul>{items}</ul>"
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
    return html_table(frame, "{:.3f}").replace('<td class="num">nan</td>', "<td></td>")


def _notes(heading: str, notes: Sequence[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{esc(' '.join(n.split()))}</li>" for n in notes)
    return f"<h3>{esc(heading)}</h3><ul>{items}</ul>"


def provenance_table(res: plots.Results, sc: Scenario) -> str:
    """What ran and with which code, as an HTML table, with the scenario file and the
    spec below it."""
    spec = res.spec
    rows = [
        ("scenario file", str(sc.path)),
        (
            "command",
            command(
                spec.scenarios[0], spec.replicates, spec.steps, spec.seed, overrides=sc.overrides
            ),
        ),
        ("couples", f"{spec.replicates:,}"),
        ("weeks", spec.steps),
        ("seed", spec.seed),
        *provenance_rows(res.manifest),
    ]
    out = html_table(pd.DataFrame(rows, columns=["", "value"]).astype(str))
    try:
        text = sc.path.read_text(encoding="utf-8")
    except OSError:
        text = "(the scenario file cannot be read any more)"
    return (
        out
        + f"<details><summary>scenario file</summary><pre>{esc(text)}</pre></details>"
        + f"<details><summary>spec</summary><pre>{esc(spec.text)}</pre></details>"
    )


def write_study_page(res: plots.Results, sc: Scenario) -> Path:
    """Write the self-contained ``index.html`` of a study of one scenario's replicates.

    Parameters
    ----------
    res : Results
        The study's results folder, its figures drawn (``figures/figures.json``).
    sc : Scenario
        Its scenario, as its file now reads.

    Returns
    -------
    Path
        The page.
    """
    run = load_study(res.root)
    two_way = ""
    if sc.two_way:
        two_way = f"<p><strong>Two ways.</strong> {esc(' '.join(sc.two_way.split()))}</p>"
    changed = changed_values(res, run)
    stale = ""
    if changed:
        stale = (
            '<p class="muted">The scenario file has changed since this study ran ('
            f"{esc(', '.join(changed))}); <code>runs.parquet</code> holds the values that "
            "ran. Run it again to bring it up to date.</p>"
        )
    articles = "".join(f"<li>{esc(a)}</li>" for a in sc.articles)
    with_ = f" with {overrides_text(sc.overrides)}" if sc.modified else ""
    failed = len(res.runs) - run.n
    failures = f'<p class="muted">{failed} run(s) failed.</p>' if failed else ""
    body = f"""<p class="muted"><a href="../index.html">all results</a></p>
<h1>{esc(sc.title)}</h1>
<p class="muted">Scenario <code>{esc(sc.name)}</code>{esc(with_)}: {run.n:,} couples,
{run.steps} weeks, seed {run.seed}.</p>
{paragraphs(sc.description)}
{two_way}
<p class="muted">Source articles:</p><ul>{articles}</ul>
<h2>Partners</h2>
{traits_table(sc)}
{overrides_section(res, sc)}
{stale}
<h2>Figures</h2>
{results_figures(res.root) or "<p>No figures; run <code>relsim plot</code>.</p>"}
<h2>Outcome classes</h2>
{outcomes_table(run)}
{failures}
<h2>Main metrics</h2>
{metrics_table(run)}
<h2>Teaching notes</h2>
{_notes("What to notice", sc.notice)}
{_notes("Things to try", sc.things_to_try)}
<h2>Provenance</h2>
{provenance_table(res, sc)}
{data_files(res.root, "one row per couple")}"""
    return write_html(res.root / "index.html", document(f"relsim: {res.spec.name}", body))
