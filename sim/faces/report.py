"""The results page: ``results/NAME/index.html`` and ``results/index.html``.

A page holds the experiment's question, a table of its design, every figure with its
caption, the outcome-class table and the provenance the manifest records. It is one
self-contained file: figures are embedded as base64 PNG data URIs and the style
sheet is inline, so the page reads offline, by e-mail or from a USB stick. The index
one folder up links the page of every experiment, and of every scenario run
(:mod:`sim.faces.run_page`), found beside it.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from sim import atomic
from sim.faces import plots

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1.5rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem;
     margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9rem; color: #444; max-width: 60rem; }
.muted { color: #666; font-size: 0.85rem; }
code { background: #f4f4f4; padding: 0 0.2rem; }
"""


RUN_RECORD = "run.json"
"""File of a scenario run's results folder recording what ran (``relsim run``)."""


def esc(x: object) -> str:
    """Text made safe to put in HTML."""
    return html.escape(str(x))


def html_table(frame: pd.DataFrame, numeric_format: str = "{:.3g}") -> str:
    """A data frame as an HTML table; floats formatted, integers with thousands commas."""
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append(f'<td class="num">{numeric_format.format(value)}</td>')
            elif isinstance(value, int):
                cells.append(f'<td class="num">{value:,}</td>')
            else:
                cells.append(f"<td>{esc(value)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def design_table(res: plots.Results) -> str:
    """The design as two HTML tables: the study's settings, then its factors."""
    spec = res.spec
    d = spec.design
    info = res.manifest.get("design", {})
    settings = [
        ("design", d.kind),
        ("scenarios", ", ".join(spec.scenarios)),
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
    code = manifest.get("code", {})
    git = code.get("git", {}) if isinstance(code, dict) else {}
    rows = [
        ("spec file", manifest.get("spec_source", "")),
        ("spec hash", manifest.get("spec_hash", "")),
        ("identity hash", manifest.get("identity_hash", "")),
        ("model", f"{manifest.get('model', '')} ({manifest.get('model_fingerprint', '')[:16]})"),
        ("code version", code.get("version", "") if isinstance(code, dict) else code),
        (
            "git commit",
            f"{git.get('commit', '')}{' (modified)' if git.get('modified') else ''}",
        ),
        ("executor", json.dumps(manifest.get("executor", ""))),
        ("created", manifest.get("created", "")),
        ("status", manifest.get("status", "")),
    ]
    for i, s in enumerate(manifest.get("sessions", [])):
        rows.append(
            (
                f"session {i + 1}",
                f"{s.get('started', '')} to {s.get('finished', '')}, "
                f"{s.get('runs_run', 0)} runs, {s.get('runs_failed', 0)} failed",
            )
        )
    packages = manifest.get("packages", {})
    if isinstance(packages, dict) and packages:
        rows.append(("packages", ", ".join(f"{k} {v}" for k, v in sorted(packages.items()))))
    out = html_table(pd.DataFrame(rows, columns=["", "value"]).astype(str))
    spec = manifest.get("spec", "")
    return out + f"<details><summary>spec</summary><pre>{esc(spec)}</pre></details>"


def embed_png(path: Path) -> str:
    """A PNG file as a ``data:`` URI, so that the page needs no other file."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


def figure_html(png: Path, anchor: str, title: str, caption: str, extra: str = "") -> str:
    """One embedded figure with its title and caption (``extra``: HTML after it)."""
    return (
        f'<figure id="{esc(anchor)}"><h3>{esc(title)}</h3>'
        f'<img src="{embed_png(png)}" alt="{esc(title)}">'
        f"<figcaption>{esc(caption)}{extra}</figcaption></figure>"
    )


def paragraphs(text: str) -> str:
    """Text whose paragraphs are separated by blank lines, as HTML paragraphs."""
    return "".join(f"<p>{esc(' '.join(p.split()))}</p>" for p in text.strip().split("\n\n"))


def document(title: str, body: str, css: str = "") -> str:
    """A whole HTML page: head with title and inline style sheet, then ``body``."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{esc(title)}</title><style>{CSS}{css}</style></head>
<body>
{body}
</body></html>
"""


def write_html(path: Path, text: str) -> Path:
    """Write a page atomically (see :mod:`sim.atomic`)."""
    return atomic.write_text(path, text)


def write_page(path: str | Path) -> Path:
    """Write ``index.html`` of one results folder from its files and figures.

    Figures are those ``figures/figures.json`` lists (draw them first with
    :func:`sim.faces.plots.draw_results`). Returns the page's path.
    """
    res = plots.Results(path)
    spec = res.spec
    figs = []
    for item in plots.read_index(res.root):
        png = res.root / plots.FIGURES / f"{item['stem']}.png"
        if not png.is_file():
            continue
        svg = f"{plots.FIGURES}/{item['stem']}.svg"
        link = f' <span class="muted">(<a href="{esc(svg)}">SVG</a>)</span>'
        figs.append(figure_html(png, item["stem"], item["title"], item["caption"], link))
    body = f"""<p class="muted"><a href="../index.html">all results</a></p>
<h1>{esc(spec.name)}</h1>
{paragraphs(spec.description or "(no description)")}
<h2>Design</h2>
{design_table(res)}
<h2>Figures</h2>
{"".join(figs) or "<p>No figures; run <code>relsim plot</code>.</p>"}
<h2>Outcome classes</h2>
{outcome_table(res)}
<h2>Provenance</h2>
{provenance(res.manifest)}
<p class="muted">Data: <code>runs.parquet</code>, <code>timeseries/</code>,
<code>manifest.json</code> in this folder.</p>"""
    return write_html(res.root / "index.html", document(f"relsim: {spec.name}", body))


def _first_sentence(text: object) -> str:
    return " ".join(str(text or "").split()).split(". ")[0][:200]


def _experiment_item(folder: Path) -> str:
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    runs = m.get("design", {}).get("runs", "")
    runs = f"{runs:,}" if isinstance(runs, int) else runs
    return (
        f'<li><a href="{esc(folder.name)}/index.html">{esc(folder.name)}</a>'
        f' <span class="muted">{esc(runs)} runs, {esc(m.get("status", ""))}</span>'
        f"<br>{esc(_first_sentence(m.get('description')))}</li>"
    )


def _scenario_run_item(folder: Path) -> str:
    r = json.loads((folder / RUN_RECORD).read_text(encoding="utf-8"))
    what = f"{r.get('couples', '')} couples, {r.get('steps', '')} weeks, seed {r.get('seed', '')}"
    return (
        f'<li><a href="{esc(folder.name)}/index.html">{esc(folder.name)}</a>'
        f' <span class="muted">{esc(what)}</span>'
        f"<br>{esc(r.get('title', ''))}. {esc(_first_sentence(r.get('description')))}</li>"
    )


def write_index(results: str | Path) -> Path:
    """Write ``results/index.html`` linking the page of every experiment beside it, and
    of every scenario run (a folder with :data:`RUN_RECORD`)."""
    root = Path(results)
    experiments, scenario_runs = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if not (folder / "index.html").is_file():
            continue
        try:
            if (folder / "manifest.json").is_file():
                experiments.append(_experiment_item(folder))
            elif (folder / RUN_RECORD).is_file():
                scenario_runs.append(_scenario_run_item(folder))
        except (OSError, ValueError, AttributeError):
            continue  # a folder whose record is unreadable is left out, not fatal
    sections = []
    if experiments:
        sections.append(f"<h2>Experiments</h2><ul>{''.join(experiments)}</ul>")
    if scenario_runs:
        sections.append(
            "<h2>Scenario runs</h2>"
            '<p class="muted">Written by <code>relsim run NAME</code>.</p>'
            f"<ul>{''.join(scenario_runs)}</ul>"
        )
    body = "<h1>relsim results</h1>\n" + ("".join(sections) or "<p>No pages yet.</p>")
    text = document("relsim results", body, css=" li { margin: 0.6rem 0; }")
    return write_html(root / "index.html", text)


def report(path: str | Path, draw: bool = True) -> Path:
    """Draw the figures (unless ``draw`` is false), write the page and the index.

    Returns the experiment page's path.
    """
    if draw:
        plots.draw_results(path)
    page = write_page(path)
    write_index(Path(path).resolve().parent)
    return page
