"""Building blocks of the results pages: templates, tables, embedded figures, a page.

Every page relsim writes (an experiment's, a scenario study's, the index of
``results/``) is one self-contained HTML file: figures are embedded as base64 PNG
data URIs and the style sheet is inline, so a page reads offline, by e-mail or from
a USB stick. Pages are Jinja2 templates (``sim/views/templates/``), tables are
pandas' Styler, and pages are written atomically (:mod:`sim.atomic`).

Each figure of a page carries what it shows for a reader who cannot see it and for
a test: its title, its caption, the alt text of its image (title and every panel's
axis labels) and, as ``data-axes``, every panel's title and axis labels as they are in
the drawn figure, with ``data-tick-pt`` the smallest tick label's size in points.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from collections.abc import Mapping
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup
from pandas.io.formats.style import Styler

from sim import atomic
from sim.views import plots, style
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
figcaption { font-size: 1rem; color: #333; max-width: 60rem; }
.summary { background: #f7f7f2; border-left: 4px solid #0072B2; padding: 0.4rem 1rem; }
.question { font-size: 1.05rem; }
.muted { color: #666; font-size: 0.85rem; }
code { background: #f4f4f4; padding: 0 0.2rem; }
"""


TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("sim.views", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
"""The page templates of ``sim/views/templates/``, HTML escaped unless marked safe."""


def render(template: str, **context: object) -> str:
    """A template of :data:`TEMPLATES` filled in."""
    return TEMPLATES.get_template(template).render(css=CSS, **context)


def esc(x: object) -> str:
    """Text made safe to put in HTML."""
    return html.escape(str(x))


def html_table(frame: pd.DataFrame, numeric_format: str = "{:.3g}") -> Markup:
    """A data frame as an HTML table (pandas' Styler): text and headings escaped, floats
    formatted, integers with thousands commas, numbers right-aligned, missing values
    blank; no index."""
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    formats = {
        c: (numeric_format if pd.api.types.is_float_dtype(frame[c]) else "{:,}") for c in numeric
    }
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for c in numeric:
        classes[c] = "num"
    uuid = hashlib.sha1(frame.to_json().encode()).hexdigest()[:8]
    styler = (
        Styler(frame, cell_ids=False)
        .format(formats, na_rep="", escape="html")
        .format_index(escape="html", axis=1)
        .hide(axis="index")
        .set_td_classes(classes)
        .set_uuid(uuid)
    )
    return Markup(styler.to_html(doctype_html=False))


def png_uri(data: bytes) -> str:
    """PNG bytes as a ``data:`` URI, so that the page needs no other file."""
    return f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}"


def embed_png(path: Path) -> str:
    """A PNG file as a ``data:`` URI, so that the page needs no other file."""
    return png_uri(path.read_bytes())


PX_PER_INCH = 100
"""CSS pixels a figure inch takes on a page: a 12 pt label reads as 16.7 px text."""


def _png_width(data: bytes) -> int:
    """The width in pixels of PNG bytes (from the IHDR chunk)."""
    return int.from_bytes(data[16:20], "big") if data[:8] == b"\x89PNG\r\n\x1a\n" else 0


def figure_block(
    data: bytes,
    anchor: str,
    title: str,
    caption: str,
    link: str = "",
    axes: list | None = None,
    tick_pt: float | None = None,
    table: str = "",
) -> Markup:
    """One embedded figure: its title, image (alt text from its panels), caption, a
    link to its SVG (``link``, its address) and a table beneath (HTML), as
    ``figure.html`` lays out."""
    width = _png_width(data) * PX_PER_INCH // style.SAVE_DPI
    panels = "; ".join(
        f"{a.get('title') or 'panel'}: {a.get('y') or 'no y label'} against "
        f"{a.get('x') or 'no x label'}"
        for a in axes or []
    )
    return Markup(
        render(
            "figure.html",
            anchor=anchor,
            title=title,
            caption=caption,
            uri=png_uri(data),
            alt=f"{title}. {panels}" if panels else title,
            width=width or None,
            link=link,
            axes=json.dumps(axes) if axes is not None else None,
            tick_pt=tick_pt,
            table=Markup(table),
        )
    )


def figure_html(png: Path, anchor: str, title: str, caption: str, svg: str = "") -> Markup:
    """One embedded figure with its title and caption (``svg``: the address of its SVG)."""
    return figure_block(png.read_bytes(), anchor, title, caption, svg)


def drawn_html(drawn: Drawn, anchor: str, title: str) -> Markup:
    """A figure drawn in memory, embedded as PNG with its title and caption."""
    from sim.views.figures import axes_info, smallest_tick

    buf = io.BytesIO()
    style.save(drawn.figure, buf, "png")
    axes, tick = axes_info(drawn.figure), smallest_tick(drawn.figure)
    return figure_block(buf.getvalue(), anchor, title, drawn.caption, "", axes, tick)


def paragraphs(text: str) -> Markup:
    """Text whose paragraphs are separated by blank lines, as HTML paragraphs."""
    return Markup(render("paragraphs.html", paragraphs=_split(text)))


def _split(text: str) -> list[str]:
    return [" ".join(p.split()) for p in str(text or "").strip().split("\n\n") if p.strip()]


def document(title: str, body: str, css: str = "") -> str:
    """A whole HTML page: head with title and inline style sheet, then ``body`` (HTML)."""
    return render("base.html", title=title, body=Markup(body), extra_css=css)


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


def data_files(root: Path, runs: str = "") -> Markup:
    """The line of a results page that names the data files in its folder, only those
    that are there (``runs`` says what a row of ``runs.parquet`` is)."""
    names = [
        (name, runs if name == "runs.parquet" else "")
        for name in ("runs.parquet", "timeseries/", "manifest.json")
        if (root / name.rstrip("/")).exists()
    ]
    return Markup(render("data_files.html", names=names))


def write_html(path: Path, text: str) -> Path:
    """Write a page atomically (see :mod:`sim.atomic`)."""
    return atomic.write_text(path, text)


def results_figures(root: Path) -> Markup:
    """Every figure of a results folder that ``figures/figures.json`` lists, embedded, each
    with its title, caption, a link to its SVG and the table it carries, if any; empty
    when there is none."""
    figs = []
    for item in plots.read_index(root):
        png = root / plots.FIGURES / f"{item['stem']}.png"
        if not png.is_file():
            continue
        svg = f"{plots.FIGURES}/{item['stem']}.svg"
        table = plots.read_table(item)
        figs.append(
            figure_block(
                png.read_bytes(),
                item["stem"],
                item["title"],
                item["caption"],
                svg,
                item.get("axes"),
                item.get("tick_pt"),
                html_table(table) if table is not None else "",
            )
        )
    return Markup("".join(figs))


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
