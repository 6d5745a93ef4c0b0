"""The validation's folder: ``index.html``, ``validation.json`` and the figures.

The page states every target, its sources, the model's value and whether it is met,
then shows the figures with their captions and the full citations. It is one
self-contained file, the template ``validation.html`` of the results pages'
machinery (:mod:`sim.views.page`);
every file is written atomically (:mod:`sim.atomic`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import atomic
from sim.errors import InputError
from sim.experiment import provenance as prov
from sim.validation import figures, report
from sim.validation.run import Validation
from sim.views import style
from sim.views.figures import axes_info, smallest_tick
from sim.views.page import figure_block, html_table, paragraphs, render, write_html

FIGURES = "figures"
"""Folder of the figures inside the validation's folder."""

DEFAULT_OUT = Path("results") / "validation"
"""Where ``relsim validate`` writes unless told otherwise."""


@dataclass(frozen=True)
class Written:
    """What :func:`write_validation` wrote.

    Attributes
    ----------
    page, data : Path
        ``index.html`` and ``validation.json``.
    figures : list of Path
        Every figure file (PNG and SVG).
    """

    page: Path
    data: Path
    figures: list[Path]


def provenance(v: Validation, targets_file: str) -> dict[str, object]:
    """How the validation was made: time, code, model fingerprint, packages, targets."""
    from sim.model import RESULT_MODULES

    packages = prov.package_versions()
    try:
        from importlib import metadata

        packages["lifelines"] = metadata.version("lifelines")
    except metadata.PackageNotFoundError:
        packages["lifelines"] = None
    return {
        "created": prov.now(),
        "git": prov.git_commit(),
        "model_fingerprint": prov.code_fingerprint(RESULT_MODULES),
        "targets_file": targets_file,
        "packages": packages,
    }


def _summary_table(v: Validation) -> str:
    frame = report.rows(v)
    return html_table(frame.rename(columns={"model": "model value", "met": "met?"}))


def _targets(v: Validation) -> list[dict[str, object]]:
    """What the page says of each target: its words, the model's values, whether met."""
    items = []
    for o in v.outcomes:
        t = o.target
        values = ", ".join(
            f"{'' if name == 'value' else name + ' '}{report._value(c.value)}"
            for name, c in o.checks.items()
        )
        items.append(
            {
                "id": t.id,
                "what": t.what,
                "population": t.population,
                "measure": t.measure,
                "values": values,
                "words": _target_words(o),
                "met": o.met,
                "error": o.error,
                "note": " ".join(t.note.split()),
                "cites": [s.full() for s in t.sources],
            }
        )
    return items


def _target_words(o) -> str:
    """The published value and the values allowed, by component."""
    t = o.target

    def named(name: str, text: str) -> str:
        return text if name == "value" else f"{name} {text}"

    if isinstance(t.target, str):
        published = t.target
    else:
        published = ", ".join(named(n, t.target_text(n)) for n in t.criteria if t.target_text(n))
    allowed = ", ".join(named(n, c.describe()) for n, c in t.criteria.items())
    return f"published {published}; allowed {allowed}"


def _references(v: Validation) -> list[str]:
    """Every source cited by a target, once each, in order."""
    return sorted({s.full() for o in v.outcomes for s in o.target.sources})


def _settings(v: Validation, info: dict) -> str:
    git = info.get("git") or {}
    rows = [
        ("run", "quick (--quick)" if v.settings.quick else "full"),
        ("seed", v.settings.seed),
        ("couples per population", f"{v.settings.n:,}"),
        ("weeks", v.settings.weeks),
        ("populations", ", ".join(v.couples) or "none"),
        ("seconds", ", ".join(f"{k} {s:.1f}" for k, s in v.seconds.items())),
        ("targets file", info.get("targets_file", "")),
        ("model fingerprint", str(info.get("model_fingerprint", ""))[:16]),
        ("git commit", f"{git.get('commit', '')}{' (modified)' if git.get('modified') else ''}"),
        ("created", info.get("created", "")),
        (
            "packages",
            ", ".join(f"{k} {p}" for k, p in sorted(info.get("packages", {}).items()) if p),
        ),
    ]
    return html_table(pd.DataFrame(rows, columns=["", "value"]).astype(str))


INTRO = """
Each target is a published finding about real couples, with its source and the values
the model may take to meet it. relsim simulated the couples of each population named
below for ten years, recording every 52 weeks, and ran the partner market; each target's
measure was computed from them and checked. The targets come from the targets file
(validation/targets.toml by default), which a researcher may extend with their own.
"""


def write_validation(v: Validation, folder: str | Path, targets_file: str = "") -> Written:
    """Write ``index.html``, ``validation.json`` and the figures of a validation.

    Raises
    ------
    InputError
        When the folder cannot be written.
    """
    folder = Path(folder)
    try:
        (folder / FIGURES).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(str(folder), "", f"cannot write the validation: {err}") from None
    drawn = figures.validation_figures(v)
    saved, blocks, tables = [], [], {}
    for stem, title, d in drawn:
        png, svg = folder / FIGURES / f"{stem}.png", folder / FIGURES / f"{stem}.svg"
        style.save_files(d.figure, png, svg)
        saved += [png, svg]
        link = f"{FIGURES}/{stem}.svg"
        table = html_table(d.table) if d.table is not None else ""
        axes, tick = axes_info(d.figure), smallest_tick(d.figure)
        blocks.append(
            figure_block(png.read_bytes(), stem, title, d.caption, link, axes, tick, table)
        )
        tables[stem] = d.data.to_dict(orient="list")
    missing = figures.missing_figures(v, [s for s, _, _ in drawn])
    info = provenance(v, targets_file)
    data = atomic.write_text(folder / "validation.json", report.to_json(v, tables, info))
    verdict = (
        "Every target is met."
        if v.met
        else f"{report.summary(v)}. Not met: {', '.join(o.target.id for o in v.failing())}."
    )
    body = render(
        "validation.html",
        title="relsim validation",
        intro=paragraphs(INTRO),
        verdict=verdict,
        summary=_summary_table(v),
        shortfalls=report.shortfalls(v),
        targets=_targets(v),
        figures=blocks,
        missing=missing,
        references=_references(v),
        settings=_settings(v, info),
    )
    page = write_html(folder / "index.html", body)
    return Written(page, data, saved)
