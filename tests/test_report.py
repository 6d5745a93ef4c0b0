"""The results pages: content, self-containment, and a real headless Chromium opening them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, serve

from sim.cli.main import main
from sim.experiment.runner import run_experiment
from sim.views import plots

FIXTURES = Path(__file__).parent / "fixtures" / "experiments"


RUN_SCENARIO = "balanced_mutual"
"""The scenario whose ``relsim run`` page sits beside the experiment pages."""


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A results folder with two experiment pages, one written by ``run_experiment`` and
    one by ``relsim report``, and the page of one ``relsim run``."""
    root = tmp_path_factory.mktemp("site") / "results"
    run_experiment(FIXTURES / "figures.toml", executor="serial", out=root / "figures", quiet=True)
    out = root / "sobol_small"
    run_experiment(
        FIXTURES / "sobol_small.toml", executor="serial", out=out, quiet=True, report=False
    )
    assert main(["report", str(out)]) == 0
    argv = ["run", RUN_SCENARIO, "--couples", "20", "--steps", "30", "--out", str(root)]
    assert main(argv) == 0
    return root


def test_page_holds_question_design_figures_outcomes_provenance(results):
    page = (results / "figures" / "index.html").read_text()
    assert "does a more dependent" in page
    assert "a.dependency" in page and "env.problem_rate" in page and "0.1, 0.9" in page
    n_figures = len(plots.read_index(results / "figures"))
    assert n_figures == 6
    assert page.count('<img src="data:image/png;base64,') == n_figures
    assert page.count("<figcaption>") == n_figures
    assert "Outcome classes" in page and "mutual" in page
    assert "identity hash" in page and "git commit" in page
    # Self-contained: no script, no remote resource.
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']https?:""", page)


def test_index_links_every_experiment_and_scenario_run(results):
    index = (results / "index.html").read_text()
    assert 'href="figures/index.html"' in index and 'href="sobol_small/index.html"' in index
    assert f'href="{RUN_SCENARIO}/index.html"' in index


def test_report_of_missing_results_is_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_page_in_headless_chromium(results, tmp_path):
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with serve(results) as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            response = page.goto(base + "index.html")
            assert response is not None and response.ok
            hrefs = page.eval_on_selector_all("a", "links => links.map(a => a.href)")
            assert len(hrefs) == 3
            for href in hrefs:
                response = page.goto(href)
                assert response is not None and response.ok, href
                page.wait_for_load_state("load")
                widths = page.eval_on_selector_all(
                    "img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
                )
                assert widths and all(w > 0 for w in widths), (href, widths)
                if f"/{RUN_SCENARIO}/" in href:
                    assert len(widths) == 2  # time series and outcome shares
                    continue
                svg_links = page.eval_on_selector_all(
                    "figcaption a", "links => links.map(a => a.href)"
                )
                assert len(svg_links) == len(widths)
                assert page.request.get(svg_links[0]).ok
            page.goto(base + "figures/index.html")
            page.wait_for_load_state("load")
            shot = tmp_path / "figures.png"
            page.screenshot(path=str(shot), full_page=True)
            back = page.eval_on_selector("a", "a => a.href")
            assert page.request.get(back).ok
            browser.close()
    assert errors == []
    assert shot.stat().st_size > 10_000
