"""Every shipped study's page, opened in a real headless Chromium: it opens with the
study's question and what its runs say, and each figure has a title, a caption, an
image that loads, labelled axes on every panel and tick labels no smaller than the
page's text.

The studies run shrunk (:func:`test_shipped_plots.shrunk_spec`). A figure's panels and
their labels come from the drawn figure itself (``data-axes`` of its ``<figure>``,
written from matplotlib's axes), so a panel drawn without a label fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, serve
from test_shipped_plots import EXPERIMENTS, shrunk_spec

from sim.experiment.runner import run_experiment
from sim.views import style

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

FIGURES_JS = """figs => figs.map(f => {
  const img = f.querySelector('img');
  const cap = f.querySelector('figcaption');
  const h = f.querySelector('h3');
  return {
    id: f.id,
    title: h ? h.innerText.trim() : '',
    caption: cap ? cap.innerText.trim() : '',
    alt: img ? img.alt : '',
    loaded: img ? (img.complete && img.naturalWidth > 0) : false,
    natural: img ? img.naturalWidth : 0,
    shown: img ? img.getBoundingClientRect().width : 0,
    axes: f.dataset.axes || null,
    tick: f.dataset.tickPt ? parseFloat(f.dataset.tickPt) : null,
  };
})"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Every shipped study, shrunk, swept with its figures and page."""
    root = tmp_path_factory.mktemp("shipped") / "results"
    for path in EXPERIMENTS:
        spec = shrunk_spec(path, steps=26, replicates=2)
        run_experiment(spec, executor="serial", out=root / spec.name, quiet=True)
    return root


def test_every_shipped_page_answers_and_labels_its_figures(site):
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with serve(site) as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            for path in EXPERIMENTS:
                name = path.stem
                response = page.goto(f"{base}{name}/index.html")
                assert response is not None and response.ok, name
                page.wait_for_load_state("load")
                # The question first, then what the runs say.
                order = page.eval_on_selector_all(
                    "h1 ~ *", "els => els.slice(0, 3).map(e => e.className || e.tagName)"
                )
                assert order[0] == "question" and "summary" in order, (name, order)
                findings = page.eval_on_selector_all("#summary li", "l => l.map(x => x.innerText)")
                assert findings, name
                body_px = page.eval_on_selector(
                    "body", "b => parseFloat(getComputedStyle(b).fontSize)"
                )
                figures = page.eval_on_selector_all("figure", FIGURES_JS)
                assert figures, name
                for f in figures:
                    where = f"{name}/{f['id']}"
                    if not f["title"] or len(f["caption"]) < 40 or not f["loaded"]:
                        problems.append(f"{where}: title, caption or image missing")
                    if not f["alt"].startswith(f["title"]):
                        problems.append(f"{where}: alt text does not name the figure")
                    if f["axes"] is None or f["tick"] is None:
                        problems.append(f"{where}: no record of its panels")
                        continue
                    panels = json.loads(f["axes"])
                    if not panels and "no model" not in f["caption"].lower():
                        problems.append(f"{where}: no panel, and its caption says not why")
                    for i, ax in enumerate(panels):
                        for key in ("title", "x", "y"):
                            if not ax[key].strip():
                                problems.append(f"{where}: panel {i} has no {key} label")
                        if "_" in ax["x"] + ax["y"] and "scenario" not in ax["x"]:
                            problems.append(f"{where}: panel {i} has a raw name {ax}")
                    # The smallest tick label as the page shows it, in CSS pixels.
                    tick_px = f["tick"] * style.SAVE_DPI / 72 * f["shown"] / f["natural"]
                    if tick_px < body_px - 0.5:
                        problems.append(
                            f"{where}: tick labels {tick_px:.1f} px, text {body_px:.1f} px"
                        )
            browser.close()
    assert problems == [], "\n".join(problems)
