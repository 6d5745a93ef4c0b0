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

from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from sim.model.batch import RELATIONSHIP
from sim.model.outcomes import OUTCOME_CLASSES
from sim.scenario import TWO_WAY_MIN_SHARE, Scenario, overrides_text
from sim.views import plots
from sim.views.page import (
    data_files,
    html_table,
    paragraphs,
    provenance_rows,
    render,
    results_figures,
    write_html,
)
from sim.views.scenario_run import NO_EXPECTATIONS_NOTE, ScenarioRun, command, load_study
from sim.views.summary import study_summary, summary_section


def traits_table(sc: Scenario) -> str:
    """The parameters the scenario sets (the file's, with any values set over them):
    traits of each partner, then environment."""
    names = [*sc.a, *(t for t in sc.b if t not in sc.a)]
    rows = [(t, _value(sc.a.get(t)), _value(sc.b.get(t))) for t in names]
    rows += [(f"env.{e}", _value(v), "") for e, v in sc.env.items()]
    frame = pd.DataFrame(rows, columns=["parameter", "partner a", "partner b"])
    return html_table(frame) + Markup(
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
        return Markup("")
    base = RELATIONSHIP.base(res.spec.scenarios[0])
    rows = []
    for name, value in sc.overrides:
        was = " / ".join(f"{base[c]:g}" for c in RELATIONSHIP.columns(name))
        rows.append((name, f"{value:g}", was))
    frame = pd.DataFrame(rows, columns=["parameter", "set to", "scenario file (or default)"])
    head = Markup(
        "<h2>Values set over the scenario</h2><p>This study ran with <code>{}</code> set over "
        "the scenario's values (<code>--set</code>).</p>"
    ).format(overrides_text(sc.overrides, " "))
    return head + html_table(frame)


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
        return html_table(frame) + Markup("<p>{}</p>").format(NO_EXPECTATIONS_NOTE)
    if not run.checked:
        rows = [row[:4] for row in rows]
        columns = [*columns[:3], "unmodified scenario expects at least (for reference)"]
    two_way = None
    if run.checked and run.scenario.two_way:
        first_two = run.scenario.expected[:2]
        two_way = {
            "names": " + ".join(e.outcome for e in first_two),
            "together": sum(shares[e.outcome] for e in first_two),
            "least": TWO_WAY_MIN_SHARE,
        }
    checks = [
        (c.text if c.kind == "pattern" else "primary " + c.text, c.ok)
        for c in (run.checks() if run.checked else ())
        if c.kind in ("leads", "at_most", "pattern")
    ]
    return Markup(
        render(
            "study_outcomes.html",
            table=html_table(pd.DataFrame(rows, columns=columns)),
            checked=run.checked,
            overrides=overrides_text(run.scenario.overrides) if not run.checked else "",
            two_way=two_way,
            checks=checks,
            verdict="met" if run.checked and run.expectation_met() else "not met",
        )
    )


def metrics_table(run: ScenarioRun) -> str:
    """Mean, median and 5-95% range of the main metrics, and the share of couples ended."""
    s = run.summary().rename(columns={"p5": "5%", "p95": "95%"})
    frame = s.rename_axis("metric").reset_index()
    ended = pd.DataFrame(
        [("ended (share)", float(np.mean(run.metrics["ended"])), np.nan, np.nan, np.nan)],
        columns=frame.columns,
    )
    frame = pd.concat([frame, ended], ignore_index=True)
    return html_table(frame, "{:.3f}")


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
    table = html_table(pd.DataFrame(rows, columns=["", "value"]).astype(str))
    try:
        text = sc.path.read_text(encoding="utf-8")
    except OSError:
        text = "(the scenario file cannot be read any more)"
    details = [("scenario file", text), ("spec", spec.text)]
    return Markup(render("provenance.html", table=table, details=details))


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
    page = render(
        "study.html",
        title=f"relsim: {res.spec.name}",
        sc=sc,
        run=run,
        with_=f" with {overrides_text(sc.overrides)}" if sc.modified else "",
        description=paragraphs(sc.description),
        two_way=" ".join(sc.two_way.split()) if sc.two_way else "",
        summary=summary_section(study_summary(res)),
        traits=traits_table(sc),
        overrides=overrides_section(res, sc),
        changed=changed_values(res, run),
        figures=results_figures(res.root),
        outcomes=outcomes_table(run),
        failed=len(res.runs) - run.n,
        metrics=metrics_table(run),
        teaching=[
            ("What to notice", [" ".join(n.split()) for n in sc.notice]),
            ("Things to try", [" ".join(n.split()) for n in sc.things_to_try]),
        ],
        provenance=provenance_table(res, sc),
        data=data_files(res.root, "one row per couple"),
    )
    return write_html(res.root / "index.html", page)
