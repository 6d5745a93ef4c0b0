"""Building blocks of the results pages: escaped text, tables, embedded figures, a page.

Every page relsim writes (an experiment's, a scenario study's, the index of
``results/``) is one self-contained HTML file: figures are embedded as base64 PNG
data URIs and the style sheet is inline, so a page reads offline, by e-mail or from
a USB stick. Pages are written atomically (:mod:`sim.atomic`).
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim import atomic
from sim.views import plots
from sim.views.figures import Drawn

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


def png_uri(data: bytes) -> str:
    """PNG bytes as a ``data:`` URI, so that the page needs no other file."""
    return f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}"


def embed_png(path: Path) -> str:
    """A PNG file as a ``data:`` URI, so that the page needs no other file."""
    return png_uri(path.read_bytes())


def _figure_block(uri: str, anchor: str, title: str, caption: str, extra: str) -> str:
    return (
        f'<figure id="{esc(anchor)}"><h3>{esc(title)}</h3>'
        f'<img src="{uri}" alt="{esc(title)}">'
        f"<figcaption>{esc(caption)}{extra}</figcaption></figure>"
    )


def figure_html(png: Path, anchor: str, title: str, caption: str, extra: str = "") -> str:
    """One embedded figure with its title and caption (``extra``: HTML after it)."""
    return _figure_block(embed_png(png), anchor, title, caption, extra)


def drawn_html(drawn: Drawn, anchor: str, title: str) -> str:
    """A figure drawn in memory, embedded as PNG with its title and caption."""
    buf = io.BytesIO()
    drawn.figure.savefig(buf, format="png")
    return _figure_block(png_uri(buf.getvalue()), anchor, title, drawn.caption, "")


def paragraphs(text: str) -> str:
    """Text whose paragraphs are separated by blank lines, as HTML paragraphs."""
    return "".join(f"<p>{esc(' '.join(p.split()))}</p>" for p in text.strip().split("\n\n"))


def document(title: str, body: str, css: str = "") -> str:
    """A whole HTML page: head with title and inline style sheet, then ``body``."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="relsim">
<link rel="icon" href="data:,">
<title>{esc(title)}</title><style>{CSS}{css}</style></head>
<body>
{body}
</body></html>
"""


GENERATOR = '<meta name="generator" content="relsim">'
"""The mark every page relsim writes carries in its head."""


def ours(path: Path) -> bool:
    """Whether ``path`` is free for a page of relsim: absent, or a page relsim wrote."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return GENERATOR in f.read(4096)
    except FileNotFoundError:
        return True
    except OSError:
        return False


def data_files(root: Path, runs: str = "") -> str:
    """The line of a results page that names the data files in its folder, only those
    that are there (``runs`` says what a row of ``runs.parquet`` is)."""
    names = [
        f"<code>{name}</code>{f' ({runs})' if runs and name == 'runs.parquet' else ''}"
        for name in ("runs.parquet", "timeseries/", "manifest.json")
        if (root / name.rstrip("/")).exists()
    ]
    return f'<p class="muted">Data: {", ".join(names)} in this folder.</p>' if names else ""


def write_html(path: Path, text: str) -> Path:
    """Write a page atomically (see :mod:`sim.atomic`)."""
    return atomic.write_text(path, text)


def results_figures(root: Path) -> str:
    """Every figure of a results folder that ``figures/figures.json`` lists, embedded, each
    with its title, caption, a link to its SVG and the table it carries, if any; empty
    when there is none."""
    figs = []
    for item in plots.read_index(root):
        png = root / plots.FIGURES / f"{item['stem']}.png"
        if not png.is_file():
            continue
        svg = f"{plots.FIGURES}/{item['stem']}.svg"
        link = f' <span class="muted">(<a href="{esc(svg)}">SVG</a>)</span>'
        figs.append(figure_html(png, item["stem"], item["title"], item["caption"], link))
        table = plots.read_table(item)
        if table is not None:
            figs.append(html_table(table))
    return "".join(figs)


def provenance_rows(manifest: Mapping[str, object]) -> list[tuple[str, str]]:
    """What a manifest records of how results were made: identity, model and its code
    fingerprint, code version and commit, executor, times, sessions and packages."""
    code = manifest.get("code", {})
    git = (code.get("git") or {}) if isinstance(code, Mapping) else {}
    fingerprint = str(manifest.get("model_fingerprint", ""))[:16]
    rows = [
        ("identity hash", manifest.get("identity_hash", "")),
        ("model", f"{manifest.get('model', '')} ({fingerprint})"),
        ("code version", code.get("version", "") if isinstance(code, Mapping) else code),
        ("git commit", f"{git.get('commit', '')}{' (modified)' if git.get('modified') else ''}"),
        ("executor", json.dumps(manifest.get("executor", ""))),
        ("created", manifest.get("created", "")),
        ("status", manifest.get("status", "")),
    ]
    sessions = manifest.get("sessions", [])
    for i, s in enumerate(sessions if isinstance(sessions, list) else []):
        rows.append(
            (
                f"session {i + 1}",
                f"{s.get('started', '')} to {s.get('finished', '')}, "
                f"{s.get('runs_run', 0)} runs, {s.get('runs_failed', 0)} failed",
            )
        )
    packages = manifest.get("packages", {})
    if isinstance(packages, Mapping) and packages:
        rows.append(("packages", ", ".join(f"{k} {v}" for k, v in sorted(packages.items()))))
    return [(k, str(v)) for k, v in rows]
