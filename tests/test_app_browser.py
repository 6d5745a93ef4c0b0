"""``relsim app`` served on localhost and driven by a real headless Chromium."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import CHROMIUM, CHROMIUM_ARGS

START_TIMEOUT = 120.0
WAIT_MS = 30_000

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_app(port: int) -> tuple[subprocess.Popen, str]:
    """Start ``relsim app`` in its own process group; return it and the URL it prints."""
    relsim = Path(sys.executable).with_name("relsim")
    command = [str(relsim)] if relsim.exists() else [sys.executable, "-m", "sim.cli.main"]
    proc = subprocess.Popen(
        [*command, "app", "--port", str(port), "--scenario", "balanced_mutual"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        found = re.search(r"serving on (http://\S+)", line)
        if found:
            return proc, found.group(1)
    _stop(proc)
    pytest.fail("relsim app did not print its URL in time")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and its children (they share the process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _week(page) -> int:
    text = page.locator(".relsim-week").first.inner_text()
    found = re.search(r"Week (\d+)", text)
    return int(found.group(1)) if found else -1


def _wait_for_week(page, at_least: int, read=_week) -> int:
    """Wait until the week that ``read`` finds on the page reaches ``at_least``; that week."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        week = read(page)
        if week >= at_least:
            return week
        page.wait_for_timeout(200)
    raise AssertionError(f"the app did not reach week {at_least}; it shows week {read(page)}")


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (the machine's own), closed after the module's tests."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"no browser at {CHROMIUM}")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _compile_kernel() -> None:
    """Compile the engine's kernel into its on-disk cache (a few weeks of a couple and of
    a small market), so that the app loads it rather than compiling it during a test's
    first step: on a fresh machine the compile takes longer than a step may."""
    from sim.market import draws
    from sim.market.market import Market, Settings
    from sim.model.engine import build_params, simulate
    from sim.model.randomness import couple_keys

    simulate(build_params(n=2), couple_keys(1, 2), 2)
    Market(Settings.build({"size": 20}), draws.market_key(1)).run(2)


@pytest.fixture(scope="module")
def served():
    """``relsim app`` on a free port for the module's tests (its kernel compiled first);
    its URL."""
    _compile_kernel()
    proc, url = _start_app(_free_port())
    try:
        yield url
    finally:
        _stop(proc)


def _open(browser, url: str):
    """A new page at ``url`` recording console errors; the page and the error list."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.get_by_role("button", name="Step").wait_for()
    return page, errors


def _image_sources(page) -> list[str]:
    """The charts as drawn, one string each: SVG drawn by the browser, or images."""
    charts = page.locator(".relsim-chart-box").evaluate_all("els => els.map(e => e.innerHTML)")
    return charts + page.locator("img").evaluate_all("els => els.map(e => e.src)")


def _assert_plots_changed(before: list[str], after: list[str], at_least: int) -> None:
    assert len(after) == len(before)
    assert sum(a != b for a, b in zip(after, before, strict=True)) >= at_least


def _screenshot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def _assert_no_error_shown(page, errors: list[str]) -> None:
    assert page.locator(".v-alert.error, .solara-error").count() == 0
    assert "Traceback" not in page.locator("body").inner_text()
    assert errors == []


def test_served_app_loads_picks_a_scenario_plays_and_plots_without_errors(
    tmp_path, browser, served
):
    page, errors = _open(browser, served)
    try:
        # Pick a scenario: its notes appear in the sidebar.
        title = "Coercive helper"
        page.locator(".v-select").first.click()
        page.get_by_role("option", name="coercive_helper").click()
        page.locator(".relsim-notes").get_by_text(title, exact=False).wait_for()

        for _ in range(3):
            page.get_by_role("button", name="Step").click()
        assert _wait_for_week(page, 3) == 3
        before = _image_sources(page)
        assert len(before) >= 6

        page.get_by_role("button", name="▶ Play").click()
        _wait_for_week(page, 8)
        page.get_by_role("button", name="❚❚ Pause").click()
        page.wait_for_timeout(500)
        _assert_plots_changed(before, _image_sources(page), 5)

        _assert_no_error_shown(page, errors)
        _screenshot(page, tmp_path / "app.png")
    finally:
        page.close()


def _market_week(page) -> int:
    text = page.locator(".relsim-market-week").first.inner_text()
    found = re.search(r"Week (\d+)", text)
    return int(found.group(1)) if found else -1


def test_served_app_switches_to_the_market_steps_and_plots_without_errors(
    tmp_path, browser, served
):
    page, errors = _open(browser, served)
    try:
        page.get_by_role("button", name="partner market").click()
        page.locator(".relsim-market-week").get_by_text("Week 0", exact=False).wait_for()
        assert page.locator(".relsim-week").count() == 0
        page.locator(".relsim-market-notes").get_by_text("What to notice").wait_for()
        page.get_by_text("people 200").wait_for()
        page.wait_for_timeout(500)
        before = _image_sources(page)
        assert len(before) >= 7
        for week in (1, 2, 3):
            page.get_by_role("button", name="Step").click()
            page.locator(".relsim-market-week").get_by_text(f"Week {week}:").wait_for()
        assert _market_week(page) == 3
        page.wait_for_timeout(500)
        _assert_plots_changed(before, _image_sources(page), 5)

        _assert_no_error_shown(page, errors)
        _screenshot(page, tmp_path / "market.png")

        # Leaving the market while it plays pauses it: the scenario opens where it was
        # (week 0), paused, and the market has not run on in the background.
        page.get_by_role("button", name="▶ Play").click()
        # Weeks played may be drawn several at a time: wait for week 4 or later.
        assert _wait_for_week(page, 4, _market_week) >= 4
        left = _market_week(page)
        page.get_by_role("button", name="one scenario").click()
        assert _wait_for_week(page, 0) == 0
        page.get_by_role("button", name="▶ Play").wait_for()
        assert page.get_by_role("button", name="Step").is_enabled()
        page.wait_for_timeout(3000)
        page.get_by_role("button", name="partner market").click()
        page.locator(".relsim-market-week").wait_for()
        page.get_by_role("button", name="▶ Play").wait_for()
        assert left <= _market_week(page) <= left + 2  # paused, not run on for 3 s
        _assert_no_error_shown(page, errors)
    finally:
        page.close()


def _population_week(page) -> int:
    text = page.locator(".relsim-population-week").first.inner_text()
    found = re.search(r"Week (\d+)", text)
    return int(found.group(1)) if found else -1


def test_served_app_shows_a_population_steps_and_plots_without_errors(tmp_path, browser, served):
    page, errors = _open(browser, served)
    try:
        page.get_by_role("button", name="population", exact=True).click()
        week = page.locator(".relsim-population-week")
        week.get_by_text("Week 0: 500 couples drawn from newlyweds", exact=False).wait_for()
        assert page.locator(".relsim-week").count() == 0
        page.locator(".relsim-population-notes").get_by_text("How to read it").wait_for()
        page.get_by_text("couples 500", exact=True).wait_for()
        page.wait_for_timeout(500)
        before = _image_sources(page)
        assert len(before) >= 4
        for n in (1, 2, 3):
            page.get_by_role("button", name="Step").click()
            week.get_by_text(f"Week {n} (year 1, week {n}):").wait_for()
        assert _population_week(page) == 3
        assert re.search(r"\d+ of 500 couples still together", week.inner_text())
        page.wait_for_timeout(500)
        _assert_plots_changed(before, _image_sources(page), 3)

        # Another population draws fresh couples, at week 0.
        page.locator(".v-select").first.click()
        page.get_by_role("option", name="cohabiting").click()
        week.get_by_text("Week 0: 500 couples drawn from cohabiting", exact=False).wait_for()
        page.locator(".relsim-population-notes").get_by_text(
            "Cohabiting", exact=False
        ).first.wait_for()

        _assert_no_error_shown(page, errors)
        _screenshot(page, tmp_path / "population.png")
    finally:
        page.close()


def _inside(box, width: int, height: int) -> bool:
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width + 1
        and box["y"] + box["height"] <= height + 1
        and box["width"] > 200
        and box["height"] > 120
    )


def test_projector_mode_shows_the_couple_and_two_plots_at_1280_by_720(tmp_path, browser, served):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(WAIT_MS)
    try:
        page.goto(served)
        page.get_by_role("button", name="Step").wait_for()
        page.get_by_text("Projector").click()
        page.locator(".relsim-settings").wait_for(state="detached")
        page.get_by_role("button", name="Step").click()
        page.locator(".relsim-clock").get_by_text("Week 1 of 520").wait_for()
        picture = page.locator(".relsim-picture svg").first.bounding_box()
        plots = [p.bounding_box() for p in page.locator(".relsim-stage .relsim-plot svg").all()]
        assert len(plots) == 2
        assert _inside(picture, 1280, 720), picture
        assert all(_inside(p, 1280, 720) for p in plots), plots
        size = page.locator(".relsim-week p").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 20
        body = page.locator("body").inner_text()
        for leftover in ("Page 0", "Model Parameters", "Use Threads", "runs on Solara"):
            assert leftover not in body
        _screenshot(page, tmp_path / "projector.png")
    finally:
        page.close()


def test_play_stops_at_the_last_week_with_its_message_and_reset_starts_again(browser, served):
    page, errors = _open(browser, served)
    try:
        page.locator(".v-select").filter(has_text="Speed").click()
        page.get_by_role("option", name=f"{max(player_speeds())} weeks a second").click()
        page.get_by_role("button", name="▶ Play").click()
        stopped = page.locator(".relsim-stopped")
        stopped.get_by_text("last week, week 520").wait_for(timeout=240_000)
        assert "Week 520 of 520" in page.locator(".relsim-clock").inner_text()
        assert page.get_by_role("button", name="▶ Play").is_disabled()
        assert page.get_by_role("button", name="Step").is_disabled()
        page.get_by_role("button", name="Reset").click()
        page.locator(".relsim-clock").get_by_text("Week 0 of 520").wait_for()
        assert stopped.count() == 0
        page.get_by_role("button", name="Step").click()
        assert _wait_for_week(page, 1) == 1
        _assert_no_error_shown(page, errors)
    finally:
        page.close()


def test_side_by_side_shows_two_couples(tmp_path, browser, served):
    page, errors = _open(browser, served)
    try:
        page.locator(".v-select").filter(has_text="Compare with").click()
        page.get_by_role("option", name="one trait changed").click()
        pictures = page.locator(".relsim-picture svg")
        pictures.nth(1).wait_for()
        assert pictures.count() == 2
        page.get_by_role("button", name="Step").click()
        page.locator(".relsim-picture text").get_by_text("right: week 1").wait_for()
        assert page.locator(".relsim-week").count() == 2
        _assert_no_error_shown(page, errors)
        _screenshot(page, tmp_path / "side_by_side.png")
    finally:
        page.close()


def player_speeds() -> tuple[int, ...]:
    from sim.teach.player import SPEEDS

    return tuple(s for s in SPEEDS if s >= 10)


RECORD_WEEKS = """(selector) => {
    window.relsimWeeks = [];
    const week = () => {
        const el = document.querySelector(selector);
        const found = el && /Week (\\d+)/.exec(el.innerText);
        return found ? Number(found[1]) : -1;
    };
    let last = week();
    new MutationObserver(() => {
        const now = week();
        if (now !== last) {
            last = now;
            window.relsimWeeks.push([performance.now(), now]);
        }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _measure_frames(page, selector: str, seconds: float) -> tuple[int, int, float]:
    """Play for ``seconds`` and count the weeks the browser drew: weeks played, weeks
    drawn and seconds, from the second week drawn to the last."""
    page.evaluate(RECORD_WEEKS, selector)
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_timeout(seconds * 1000)
    page.get_by_role("button", name="❚❚ Pause").click()
    drawn = page.evaluate("window.relsimWeeks")
    assert len(drawn) >= 3, drawn
    drawn = [(t, w) for t, w in drawn if w >= 0]  # a box briefly away while redrawn
    weeks = [w for _, w in drawn]
    assert weeks == sorted(weeks)
    return weeks[-1] - weeks[1], len(set(weeks)) - 2, (drawn[-1][0] - drawn[1][0]) / 1000


def test_frame_rate_in_the_browser_is_printed(browser, served):
    page, errors = _open(browser, served)
    try:
        for view, selector in (
            ("one scenario", ".relsim-week"),
            ("partner market", ".relsim-market-week"),
            ("population", ".relsim-population-week"),
        ):
            page.get_by_role("button", name=view, exact=True).click()
            page.locator(selector).wait_for()
            page.get_by_role("button", name="Step").click()
            page.locator(selector).get_by_text(re.compile(r"Week 1\b")).wait_for()
            for speed in player_speeds():
                page.locator(".v-select").filter(has_text="Speed").click()
                page.get_by_role("option", name=f"{speed} weeks a second").click()
                weeks, drawn, elapsed = _measure_frames(page, selector, 10.0)
                print(
                    f"\n{view}, speed {speed}: {weeks} weeks played and {drawn} drawn in "
                    f"{elapsed:.1f} s: {weeks / elapsed:.1f} weeks a second, "
                    f"{1000 * elapsed / max(drawn, 1):.0f} ms a frame"
                )
        _assert_no_error_shown(page, errors)
    finally:
        page.close()


def _picture_texts(page) -> list[str]:
    return page.locator(".relsim-picture svg text").evaluate_all(
        "els => els.map(e => e.textContent)"
    )


def test_a_changed_trait_saved_as_a_file_runs_the_same_couple_and_loads_back(
    tmp_path, browser, served, capsys
):
    from sim.cli.main import main
    from sim.model.outcomes import final_metrics
    from sim.scenario import load_scenario
    from sim.teach import app
    from sim.views.scenario_run import replicate_keys

    page, errors = _open(browser, served)
    try:
        # Move partner B's narcissism one step up with the keyboard.
        source = load_scenario("balanced_mutual")
        was = source.b.get("narcissism", 0.2)
        now = round(was + 0.05, 2)
        sliders = page.get_by_role("slider", name=f"narcissism {was:g}", exact=True)
        sliders.nth(1).press("ArrowRight")
        page.get_by_role("slider", name=f"narcissism {now:g}", exact=True).wait_for(
            state="attached"
        )
        name = f"balanced_mutual_b_narcissism_{str(now).replace('.', '_')}"
        with page.expect_download() as download:
            page.get_by_role("button", name=f"Save {name}.toml").click()
        path = tmp_path / f"{name}.toml"
        download.value.save_as(path)

        # The file's couple, run by the Python API with the study's replicate keys, is
        # the app's couple, week by week.
        saved = load_scenario(path)
        assert saved.expected == () and saved.name == name
        assert dict(saved.b) == {**source.b, "narcissism": now}
        assert dict(saved.a) == dict(source.a) and dict(saved.env) == dict(source.env)
        model = saved.model(n_couples=1, rng=1, keys=replicate_keys(1, 1))
        for week in range(1, 13):
            page.get_by_role("button", name="Step").click()
            assert _wait_for_week(page, week) == week
            model.step()
            assert _picture_texts(page) == re.findall(
                r"<text[^>]*>([^<]*)</text>", app.couple_svg(model)
            )
            words = page.locator(".relsim-week").first.inner_text()
            assert all(line in words for line in app.week_in_words(model)), week

        # `relsim run` of the file runs the same traits and environment, and its first
        # replicate is the app's couple.
        out = tmp_path / "results"
        argv = ["run", str(path), "--couples", "3", "--steps", "12", "--seed", "1"]
        argv += ["--out", str(out)]
        assert main(argv) == 0
        assert "names no expected outcome classes" in capsys.readouterr().out
        runs = pd.read_parquet(out / name / "runs.parquet")
        settings = app.settings_of(saved)
        for part in ("a", "b", "env"):
            for key, value in getattr(settings, part).items():
                assert (runs[f"{part}.{key}"] == value).all(), f"{part}.{key}"
        first = runs.sort_values("replicate").iloc[0]
        for name_, value in final_metrics(model.state).items():
            if name_ in runs.columns and np.ndim(value) == 1:
                np.testing.assert_array_equal(first[name_], value[0], err_msg=name_)

        # A bad file shows one line saying what is wrong; the saved file loads back.
        bad = tmp_path / "broken_pair.toml"
        bad.write_text(path.read_text().replace(f"narcissism = {now!r}", f"narcisism = {now!r}"))
        chooser = page.locator(".relsim-settings input[type=file]")
        chooser.set_input_files(bad)
        problem = page.locator(".relsim-upload-error")
        problem.wait_for()
        assert problem.inner_text().startswith("broken_pair.toml: b.narcisism: unknown trait")
        assert problem.inner_text().count("\n") == 0
        chooser.set_input_files(path)
        notes = page.locator(".relsim-notes")
        notes.get_by_text(f"with b.narcissism={now:g}", exact=False).first.wait_for()
        notes.get_by_text(app.NO_EXPECTATIONS).wait_for()
        assert problem.count() == 0
        _assert_no_error_shown(page, errors)
    finally:
        page.close()
