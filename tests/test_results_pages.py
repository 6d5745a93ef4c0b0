"""Results pages written by ``relsim run``, ``sim.run_experiment`` and ``relsim demo``,
and a quiet exit when the reader of a pipe leaves early."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
from test_scenarios import without_expected

from sim.cli.main import main
from sim.experiment import lock
from sim.experiment.runner import run_experiment
from sim.scenario import list_scenarios, load_scenario
from sim.views import plots
from sim.views.page import html_table
from sim.views.scenario_run import NO_EXPECTATIONS_NOTE, demo_table, load_study, run_scenario

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ROOT / "tests" / "fixtures" / "experiments"
SCENARIOS = ROOT / "tests" / "fixtures" / "scenarios"
PNG_URI = '<img src="data:image/png;base64,'


def test_run_writes_a_page_that_the_index_links(tmp_path, capsys):
    name = "rigid_convictions"
    argv = ["run", name, "--couples", "30", "--steps", "40", "--seed", "3", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    folder = tmp_path / name
    page = folder / "index.html"
    assert f"results page: {page}" in out and f"all results:  {tmp_path / 'index.html'}" in out
    text = page.read_text()
    sc = load_scenario(name)
    # Description, teaching notes and source articles, as the scenario file has them.
    assert " ".join(sc.description.split())[:60] in text
    for note in (*sc.notice, *sc.things_to_try):
        assert " ".join(note.split()).replace("'", "&#39;") in text
    for article in sc.articles:
        assert article.replace("'", "&#39;") in text
    # Both figures, embedded and captioned, from the figures drawn into figures/.
    figures = plots.read_index(folder)
    assert [f["title"] for f in figures] == [
        "intimacy, satisfaction and resentment over time",
        "outcome classes against what the scenario expects",
    ]
    assert all((folder / "figures" / f"{f['stem']}.png").is_file() for f in figures)
    assert text.count(PNG_URI) == 2 and text.count("<figcaption>") == 2
    # The outcome-class table matches the run table.
    couples = pd.read_parquet(folder / "runs.parquet")
    for cls, count in couples["outcome"].value_counts().items():
        row = rf'<td class="[^"]*" >{cls}</td>\s*<td class="[^"]* num" >{count}</td>'
        assert re.search(row, text), cls
    assert "expected at least" in text
    # Provenance: the command that gives the run again, and the scenario file verbatim.
    assert f"relsim run {name} --couples 30 --steps 40 --seed 3" in text
    assert "git commit" in text and "<details><summary>scenario file</summary>" in text
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["design"]["replicates"] == 30 and manifest["design"]["steps"] == 40
    assert manifest["seeds"]["root"] == 3 and manifest["model"] == "relationship"
    # Self-contained, and linked from the index one folder up.
    assert "<script" not in text and not re.search(r"""(src|href)=["']https?:""", text)
    index = (tmp_path / "index.html").read_text()
    assert f'href="{name}/index.html"' in index and "Scenario runs" in index
    assert not [p for p in folder.iterdir() if p.name.startswith(".") and p.name != lock.LOCK]


def test_run_of_a_two_way_scenario_file_notes_both_ways(tmp_path, capsys):
    path = SCENARIOS / "tiny.toml"
    argv = ["run", str(path), "--couples", "8", "--steps", "12", "--out", str(tmp_path)]
    assert main(argv) == 0
    text = (tmp_path / "tiny" / "index.html").read_text()
    assert "Either stays close or wears down." in text and "together" in text


def test_run_refuses_a_folder_holding_an_experiment(tmp_path, capsys):
    out = tmp_path / "balanced_mutual"
    run_experiment(EXPERIMENTS / "tiny.toml", executor="serial", out=out, quiet=True, report=False)
    before = sorted(p.name for p in out.iterdir())
    status = main(
        ["run", "balanced_mutual", "--couples", "4", "--steps", "4"] + ["--out", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "holds an experiment's results" in err
    assert sorted(p.name for p in out.iterdir()) == before


def test_run_experiment_draws_figures_and_writes_the_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runs = run_experiment(EXPERIMENTS / "tiny.toml", executor="serial", quiet=True)
    out = tmp_path / "results" / "tiny"
    assert len(runs) == 18
    figures = plots.read_index(out)
    assert figures and all((out / "figures" / f"{f['stem']}.png").is_file() for f in figures)
    page = (out / "index.html").read_text()
    assert page.count(PNG_URI) == len(figures)
    assert 'href="tiny/index.html"' in (tmp_path / "results" / "index.html").read_text()


def test_nothing_is_written_beside_a_folder_chosen_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "mine" / "tiny"
    run_experiment(EXPERIMENTS / "tiny.toml", executor="serial", out=elsewhere, quiet=True)
    assert (elsewhere / "index.html").is_file()
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["tiny"]


def test_an_index_relsim_did_not_write_is_never_overwritten(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    own = tmp_path / "results" / "index.html"
    own.parent.mkdir()
    own.write_text("<html><body>my own notes</body></html>")
    run_experiment(EXPERIMENTS / "tiny.toml", executor="serial", quiet=True)
    assert own.read_text() == "<html><body>my own notes</body></html>"
    assert (tmp_path / "results" / "tiny" / "index.html").is_file()


def test_run_experiment_without_report_draws_nothing(tmp_path):
    out = tmp_path / "results" / "tiny"
    runs = run_experiment(
        EXPERIMENTS / "tiny.toml", executor="serial", out=out, quiet=True, report=False
    )
    assert len(runs) == 18
    assert not (out / "figures").exists() and not (out / "index.html").exists()
    assert not (tmp_path / "results" / "index.html").exists()


def test_demo_sweeps_the_studies_and_prints_the_pages(tmp_path, capsys):
    out = tmp_path / "results"
    argv = ["demo", "--out", str(out), "--executor", "serial", "--quiet"]
    argv += ["--steps", "8", "--replicates", "1", "--samples", "4"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    pages = [out / "scenarios" / "index.html", out / "sobol_main_traits" / "index.html"]
    lines = text.splitlines()
    assert lines[-3:] == [f"  {p.resolve()}" for p in (out / "index.html", *pages)]
    index = (out / "index.html").read_text()
    for page in pages:
        assert page.read_text().count(PNG_URI) == len(plots.read_index(page.parent)) > 0
        assert f'href="{page.parent.name}/index.html"' in index
    manifest = json.loads((out / "scenarios" / "manifest.json").read_text())
    assert manifest["design"]["steps"] == 8 and manifest["design"]["replicates"] == 1
    # The every-scenario table, one row per scenario, from the scenarios study's runs.
    for name in list_scenarios():
        row = [line for line in lines if line.startswith(name + " ")]
        assert len(row) == 1 and row[0].split()[1] == load_scenario(name).primary.outcome
    assert "problem rate 0.5 (the default)" in text
    assert "Final intimacy depends most on (total-order Sobol index): " in text


def test_demo_refuses_corrupt_results_and_starts_them_over_with_force(tmp_path, capsys):
    """A corrupt run table stops the demo with one line naming it; ``--force`` runs that
    study again, to exactly the results it had before the damage."""
    out = tmp_path / "results"
    argv = ["demo", "--out", str(out), "--executor", "serial", "--quiet"]
    argv += ["--steps", "8", "--replicates", "1", "--samples", "4"]
    assert main(argv) == 0
    table = out / "scenarios" / "runs.parquet"
    whole = table.read_bytes()
    table.write_bytes(whole[: len(whole) // 2])
    (out / "scenarios" / "index.html").unlink()
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(table) in err[0] and "--force" in err[0], err
    assert table.read_bytes() == whole[: len(whole) // 2]  # nothing passed off as whole
    assert not (out / "scenarios" / "index.html").exists()
    assert main([*argv, "--force"]) == 0
    assert table.read_bytes() == whole
    assert (out / "scenarios" / "index.html").is_file()


def test_demo_rejects_a_size_below_one(capsys):
    assert main(["demo", "--replicates", "0"]) == 2
    assert "--replicates: expected a whole number >= 1" in capsys.readouterr().err


def test_closed_pipe_exits_quietly(tmp_path):
    """``relsim run NAME | head``: the reader leaves early; no traceback, files written."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stdout fails with EPIPE
    argv = ["run", "balanced_mutual", "--couples", "6", "--steps", "10", "--out", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sim.cli.main", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env=env,
            cwd=tmp_path,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 1
    assert (tmp_path / "balanced_mutual" / "index.html").is_file()


def test_run_page_says_when_the_scenario_file_changed_since(tmp_path, capsys):
    path = tmp_path / "mine.toml"
    path.write_text((SCENARIOS / "tiny.toml").read_text())
    out = tmp_path / "results"
    assert main(["run", str(path), "--couples", "6", "--steps", "8", "--out", str(out)]) == 0
    assert "has changed since" not in (out / "mine" / "index.html").read_text()
    sc = load_scenario(path)
    trait, value = next(iter(sc.a.items()))
    text = path.read_text()
    path.write_text(text.replace(f"{trait} = {value:g}", f"{trait} = {min(value + 0.1, 1):g}", 1))
    assert load_scenario(path).a[trait] != value
    assert main(["report", str(out / "mine"), "--no-plots"]) == 0
    page = (out / "mine" / "index.html").read_text()
    assert "has changed since" in page and f"a.{trait}" in page


def test_the_data_line_names_only_the_files_that_are_there(tmp_path):
    from sim.views.page import data_files

    (tmp_path / "runs.parquet").write_bytes(b"")
    (tmp_path / "manifest.json").write_text("{}")
    line = data_files(tmp_path, "one row per couple")
    assert "<code>runs.parquet</code> (one row per couple)" in line
    assert "manifest.json" in line and "timeseries" not in line
    (tmp_path / "timeseries").mkdir()
    assert "<code>timeseries/</code>" in data_files(tmp_path)


def test_the_demo_table_marks_the_largest_class_of_a_scenario_expecting_none(tmp_path):
    run = run_scenario(load_scenario(without_expected(tmp_path)), 20, 30, 1)
    shares = run.shares()
    leading = max(shares, key=shares.__getitem__)
    (line,) = [ln for ln in demo_table([run]).splitlines() if ln.startswith("plain ")]
    assert f"{leading}* {shares[leading]:.2f}" in line


def test_run_of_a_scenario_without_expectations_checks_and_marks_nothing(tmp_path, capsys):
    path = without_expected(tmp_path)
    out_dir = tmp_path / "results"
    argv = ["run", str(path), "--couples", "12", "--steps", "20", "--out", str(out_dir)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert NO_EXPECTATIONS_NOTE in out
    assert not re.search(
        r"\b(ok|BELOW|NOT MET|expected|expects)\b", out.replace(NO_EXPECTATIONS_NOTE, "")
    )
    folder = out_dir / "plain"
    run = load_study(folder)
    assert not run.checked and run.checks() == [] and run.expectation_met()
    page = (folder / "index.html").read_text()
    assert NO_EXPECTATIONS_NOTE in page
    assert "expected at least" not in page and "The scenario's expectation is" not in page
    titles = [f["title"] for f in plots.read_index(folder)]
    assert titles and not any("expects" in t for t in titles)
    shares = load_study(folder).shares()
    for cls, share in shares.items():
        if share:
            cells = (cls, round(share * 12), f"{share:.2f}")
            row = r"\s*".join(rf"<td[^>]*>{c}</td>" for c in cells) + r"\s*</tr>"
            assert re.search(row, page), cls


def test_a_table_escapes_its_text_and_headings_and_formats_its_numbers():
    frame = pd.DataFrame({"runs <of interest>": ["intimacy < 0.5", "A's"], "n": [1234, 5]})
    text = str(html_table(frame))
    assert "<of interest>" not in text and "intimacy < 0.5" not in text
    assert re.search(r"<th [^>]*>runs &lt;of interest&gt;</th>", text)
    assert re.search(r'<td class="[^"]*" >intimacy &lt; 0.5</td>', text)
    assert re.search(r'<td class="[^"]* num" >1,234</td>', text)
