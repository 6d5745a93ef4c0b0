"""The results page: ``results/NAME/index.html`` and ``results/index.html``.

A page holds the experiment's question, a table of its design, every figure with its
caption, the outcome-class table and the provenance the manifest records. It is one
self-contained file: figures are embedded as base64 PNG data URIs and the style
sheet is inline, so the page reads offline, by e-mail or from a USB stick. The index
one folder up links the page of every experiment found beside it.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

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


def _esc(x: object) -> str:
    return html.escape(str(x))


def _table(frame: pd.DataFrame, numeric_format: str = "{:.3g}") -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append(f'<td class="num">{numeric_format.format(value)}</td>')
            elif isinstance(value, int):
                cells.append(f'<td class="num">{value:,}</td>')
            else:
                cells.append(f"<td>{_esc(value)}</td>")
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
    out = _table(pd.DataFrame(settings, columns=["setting", "value"]).astype(str))
    rows = []
    for f in d.factors:
        if f.values:
            rows.append((f.name, ", ".join(f"{v:g}" for v in f.values), len(f.values)))
        else:
            rows.append((f.name, f"{f.low:g} to {f.high:g}", "sampled"))
    for i, pt in enumerate(d.points):
        rows.append((f"point {i}", ", ".join(f"{n} = {v:g}" for n, v in pt), 1))
    if rows:
        out += _table(pd.DataFrame(rows, columns=["factor", "values or range", "levels"]))
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
    return _table(table.rename_axis("scenario").reset_index()) + note


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
    out = _table(pd.DataFrame(rows, columns=["", "value"]).astype(str))
    spec = manifest.get("spec", "")
    return out + f"<details><summary>spec</summary><pre>{_esc(spec)}</pre></details>"


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


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
        figs.append(
            f'<figure id="{_esc(item["stem"])}"><h3>{_esc(item["title"])}</h3>'
            f'<img src="{_image(png)}" alt="{_esc(item["title"])}">'
            f"<figcaption>{_esc(item['caption'])} "
            f'<span class="muted">(<a href="{_esc(svg)}">SVG</a>)</span></figcaption></figure>'
        )
    description = spec.description or "(no description)"
    paragraphs = "".join(
        f"<p>{_esc(' '.join(p.split()))}</p>" for p in description.strip().split("\n\n")
    )
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>relsim: {_esc(spec.name)}</title><style>{CSS}</style></head>
<body>
<p class="muted"><a href="../index.html">all experiments</a></p>
<h1>{_esc(spec.name)}</h1>
{paragraphs}
<h2>Design</h2>
{design_table(res)}
<h2>Figures</h2>
{"".join(figs) or "<p>No figures; run <code>relsim plot</code>.</p>"}
<h2>Outcome classes</h2>
{outcome_table(res)}
<h2>Provenance</h2>
{provenance(res.manifest)}
<p class="muted">Data: <code>runs.parquet</code>, <code>timeseries/</code>,
<code>manifest.json</code> in this folder.</p>
</body></html>
"""
    page = res.root / "index.html"
    tmp = res.root / ".tmp-index.html"
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(page)
    return page


def write_index(results: str | Path) -> Path:
    """Write ``results/index.html`` linking the page of every experiment beside it."""
    root = Path(results)
    items = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        manifest = folder / "manifest.json"
        if not (folder / "index.html").is_file() or not manifest.is_file():
            continue
        m = json.loads(manifest.read_text(encoding="utf-8"))
        desc = " ".join(str(m.get("description") or "").split())
        first = desc.split(". ")[0][:200]
        runs = m.get("design", {}).get("runs", "")
        items.append(
            f'<li><a href="{_esc(folder.name)}/index.html">{_esc(folder.name)}</a>'
            f' <span class="muted">{_esc(runs)} runs, {_esc(m.get("status", ""))}</span>'
            f"<br>{_esc(first)}</li>"
        )
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>relsim results</title><style>{CSS} li {{ margin: 0.6rem 0; }}</style></head>
<body><h1>relsim results</h1>
<ul>{"".join(items) or "<li>No experiment pages yet.</li>"}</ul>
</body></html>
"""
    page = root / "index.html"
    tmp = root / ".tmp-index.html"
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(page)
    return page


def report(path: str | Path, draw: bool = True) -> Path:
    """Draw the figures (unless ``draw`` is false), write the page and the index.

    Returns the experiment page's path.
    """
    if draw:
        plots.draw_results(path)
    page = write_page(path)
    write_index(Path(path).resolve().parent)
    return page
