"""``relsim scenarios``, ``relsim run`` and ``relsim demo``: output, files, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli.main import main
from sim.experiment import lock
from sim.experiment.runner import load_timeseries
from sim.model.parameters import TRAIT_NAMES
from sim.scenario import list_scenarios, load_scenario
from sim.views import plots
from sim.views.scenario_run import (
    ScenarioRun,
    replicate_keys,
    run_scenario,
    run_scenarios,
    shares_table,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"
BROKEN = sorted((FIXTURES / "broken").glob("*.toml"))


def test_scenarios_lists_every_scenario_with_its_title(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(list_scenarios())
    for line, name in zip(lines, list_scenarios(), strict=True):
        assert line.split()[0] == name
        assert line.endswith(load_scenario(name).title)


def test_run_writes_a_study_stored_as_every_sweep(tmp_path, capsys):
    name = "balanced_mutual"
    status = main(
        ["run", name, "--couples", "24", "--steps", "30", "--seed", "5", "--out", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert status == 0
    folder = tmp_path / name
    frame = pd.read_parquet(folder / "runs.parquet")
    assert len(frame) == 24
    assert list(frame["replicate"]) == list(range(24)) and (frame["point"] == 0).all()
    assert (frame["scenario"] == name).all() and (frame["status"] == "ok").all()
    assert {"outcome", "intimacy", "satisfaction_a", "resentment_b", "a.dependency"} <= set(frame)
    sc = load_scenario(name)
    assert np.allclose(frame["a.dependency"], sc.a["dependency"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seeds"]["root"] == 5 and manifest["design"]["steps"] == 30
    assert manifest["design"]["replicates"] == 24 and manifest["status"] == "complete"
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    parquet = str(folder / "runs.parquet")
    assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall() == [(24,)]
    assert pl.read_parquet(parquet).shape == frame.shape
    series = load_timeseries(folder)
    assert set(series["run"]) == set(range(24)) and series["step"].max() == 30
    figures = plots.read_index(folder)
    assert len(figures) == 2
    for f in figures:
        data = (folder / "figures" / f"{f['stem']}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
        assert (folder / "figures" / f"{f['stem']}.svg").is_file()
    for where in (folder, folder / "figures", folder / "chunks", folder / "timeseries"):
        left = [p for p in where.iterdir() if p.name.startswith(".") and p.name != lock.LOCK]
        assert not left  # no temporary left
    # The printed shares match the file, and the main metrics are printed.
    shares = frame["outcome"].value_counts(normalize=True)
    top = shares.index[0]
    assert any(line.split()[:2] == [top, f"{shares.iloc[0]:.2f}"] for line in out.splitlines()), out
    for word in ("intimacy", "resentment_a", "ended (share)", "runs.parquet", "Things to try"):
        assert word in out


def test_run_is_the_sweep_of_its_study(tmp_path, capsys):
    """``relsim run`` gives exactly what ``relsim sweep`` gives for the same study."""
    name = "coercive_helper"
    assert (
        main(
            ["run", name, "--couples", "12", "--steps", "26", "--seed", "4", "--out", str(tmp_path)]
        )
        == 0
    )
    spec = tmp_path / "study.toml"
    spec.write_text(
        f'name = "{name}"\ndescription = "q"\nscenario = "{name}"\n'
        "steps = 26\nreplicates = 12\nseed = 4\n"
        '[design]\nkind = "scenarios"\n'
        '[metrics]\nseries = ["intimacy", "satisfaction_a", "satisfaction_b", '
        '"resentment_a", "resentment_b"]\nrecord_every = 4\n'
    )
    swept = tmp_path / "swept"
    assert main(["sweep", str(spec), "--executor", "serial", "--quiet", "--out", str(swept)]) == 0
    ran = pd.read_parquet(tmp_path / name / "runs.parquet")
    pd.testing.assert_frame_equal(ran, pd.read_parquet(swept / "runs.parquet"), check_exact=True)
    np.testing.assert_array_equal(ran["key"], replicate_keys(4, 12))


def test_plot_report_export_and_load_results_read_a_run(tmp_path, capsys):
    name = "balanced_mutual"
    assert main(["run", name, "--couples", "10", "--steps", "20", "--out", str(tmp_path)]) == 0
    folder = tmp_path / name
    page = (folder / "index.html").read_text()
    for f in plots.read_index(folder):
        (folder / "figures" / f"{f['stem']}.png").unlink()
    (folder / "index.html").unlink()
    assert main(["plot", str(folder), "--quiet"]) == 0
    assert all(
        (folder / "figures" / f"{f['stem']}.png").is_file() for f in plots.read_index(folder)
    )
    assert main(["report", str(folder)]) == 0
    again = (folder / "index.html").read_text()
    assert again.count("<figcaption>") == page.count("<figcaption>") == 2
    assert main(["export", str(folder), "--csv"]) == 0
    assert len(pd.read_csv(folder / "runs.csv")) == 10
    runs = sim.load_results(folder)
    assert len(runs) == 10 and set(runs["scenario"]) == {name}


def test_a_rerun_resumes_and_other_settings_replace_it(tmp_path, capsys):
    name = "balanced_mutual"
    argv = ["run", name, "--couples", "10", "--steps", "20", "--out", str(tmp_path)]
    assert main(argv) == 0
    folder = tmp_path / name
    first = pd.read_parquet(folder / "runs.parquet")
    more = [*argv[:3], "15", *argv[4:]]
    assert main(more) == 0 and main(more) == 0  # the finished couples are kept
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [s["runs_run"] for s in manifest["sessions"]] == [10, 5]  # the rerun ran none
    grown = pd.read_parquet(folder / "runs.parquet")
    pd.testing.assert_frame_equal(grown.iloc[:10], first, check_exact=True)
    assert main([*argv, "--seed", "9"]) == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seeds"]["root"] == 9 and len(manifest["sessions"]) == 1
    assert len(pd.read_parquet(folder / "runs.parquet")) == 10


def test_story_tells_the_first_couple_of_the_run(tmp_path, capsys, monkeypatch):
    from sim.teach import story

    name = "coercive_helper"
    told = {}
    tell = story.tell

    def spy(params, key, steps, **kw):
        told["key"], told["story"] = np.asarray(key), tell(params, key, steps, **kw)
        return told["story"]

    monkeypatch.setattr(story, "tell", spy)
    assert main(["story", name, "--steps", "52", "--seed", "3"]) == 0
    assert (
        main(
            ["run", name, "--couples", "4", "--steps", "52", "--seed", "3", "--out", str(tmp_path)]
        )
        == 0
    )
    first = pd.read_parquet(tmp_path / name / "runs.parquet").iloc[0]
    assert told["key"].tolist() == [first["key"]]
    assert told["story"].outcome == first["outcome"]


def test_run_results_match_the_engine_and_a_lone_run():
    """Batched scenarios give each scenario exactly what it gives alone."""
    import sim

    names = list_scenarios()[:3]
    scenarios = [load_scenario(n) for n in names]
    together = run_scenarios(scenarios, 16, 40, seed=9)
    for sc, run in zip(scenarios, together, strict=True):
        alone = run_scenario(sc, 16, 40, seed=9)
        np.testing.assert_array_equal(run.metrics["intimacy"], alone.metrics["intimacy"])
        direct = sim.run_couples(dict(sc.a), dict(sc.b), dict(sc.env), n=16, seed=9, steps=40)
        np.testing.assert_array_equal(run.metrics["intimacy"], direct.metrics()["intimacy"])
        assert sum(run.shares().values()) == pytest.approx(1.0)


def _made_up_run(outcomes: dict[str, int], patterns: dict[str, int] | None = None) -> ScenarioRun:
    """A run of the tiny scenario whose couples have the given classes (and patterns)."""
    names = np.array([c for c, k in outcomes.items() for _ in range(k)], dtype=object)
    metrics = {"outcome": names}
    if patterns is not None:
        metrics["pattern"] = np.array(
            [c for c, k in patterns.items() for _ in range(k)], dtype=object
        )
    keys = np.arange(len(names), dtype=np.uint64)
    return ScenarioRun(load_scenario(FIXTURES / "tiny.toml"), 1, 520, keys, metrics)


def _failed(run: ScenarioRun) -> set[str]:
    return {c.kind for c in run.checks() if not c.ok}


def test_expectation_needs_a_leading_primary_class_that_leaves_some_couples():
    """tiny expects mutual at least 0.4 and eroded, mutual + eroded at least 0.7."""
    assert _failed(_made_up_run({"mutual": 60, "eroded": 30, "ended_healthy": 10})) == set()
    # Every couple in the primary class: life should still differ between couples.
    every = _made_up_run({"mutual": 96, "eroded": 4})
    assert _failed(every) == {"at_most"} and not every.expectation_met()
    assert "at most 0.95" in shares_table(every) and "NOT MET" in shares_table(every)
    # The primary class reaches its least share but another class leads.
    led = _made_up_run({"mutual": 45, "eroded": 50, "ended_healthy": 5})
    assert _failed(led) == {"leads"} and not led.expectation_met()
    assert _failed(_made_up_run({"mutual": 30, "eroded": 30, "coaching": 40})) == {
        "share",
        "two_way",
        "leads",
    }


def test_the_scenario_pattern_must_lead_the_patterns_when_they_are_known():
    outcomes = {"mutual": 60, "eroded": 30, "ended_healthy": 10}
    shown = _made_up_run(outcomes, {"mutual": 70, "eroded": 30})
    assert "pattern" in {c.kind for c in shown.checks()} and shown.expectation_met()
    other = _made_up_run(outcomes, {"coaching": 70, "mutual": 30})
    assert _failed(other) == {"pattern"} and not other.expectation_met()
    assert "pattern" not in {c.kind for c in _made_up_run(outcomes).checks()}


def test_run_accepts_a_path(tmp_path, capsys):
    status = main(
        ["run", str(FIXTURES / "tiny.toml"), "--couples", "8", "--steps", "12"]
        + ["--out", str(tmp_path)]
    )
    assert status == 0
    assert len(pd.read_parquet(tmp_path / "tiny" / "runs.parquet")) == 8
    out = capsys.readouterr().out
    assert "Two ways:" in out and "(two-way) mutual + eroded" in out


def test_demo_prints_one_row_per_scenario(capsys):
    assert main(["demo", "--quick", "--couples", "10", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    for name in list_scenarios():
        row = [line for line in out.splitlines() if line.startswith(name + " ")]
        assert len(row) == 1
        primary = load_scenario(name).primary.outcome
        assert row[0].split()[1] == primary


@pytest.mark.parametrize("path", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_scenario_is_one_line_and_status_2(path, tmp_path, capsys):
    status = main(["run", str(path), "--couples", "2", "--steps", "2", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("relsim: error: ") and path.name in lines[0]
    assert "Traceback" not in captured.err
    assert not (tmp_path / path.stem).exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "no_such_scenario"], "no_such_scenario: unknown scenario"),
        (["run", "balanced_mutual", "--couples", "0"], "--couples: expected a whole number"),
        (["run", "balanced_mutual", "--steps", "-1"], "--steps: expected a whole number"),
    ],
)
def test_bad_arguments_are_one_line_and_status_2(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


def test_relsim_executable_reports_a_broken_file_without_traceback(tmp_path):
    exe = Path(sys.executable).parent / "relsim"
    if not exe.exists():
        pytest.skip("the relsim console script is not installed beside this Python")
    path = FIXTURES / "broken" / "misspelt_trait.toml"
    proc = subprocess.run(
        [str(exe), "run", str(path), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "relsim: error: tests/fixtures/scenarios/broken/misspelt_trait.toml: a.dependncy: "
        "unknown trait (did you mean dependency?); expected one of " + ", ".join(TRAIT_NAMES)
    ]


def test_unwritable_out_folder_is_one_line_and_status_2(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    status = main(
        ["run", "balanced_mutual", "--couples", "2", "--steps", "2"] + ["--out", str(blocker)]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "cannot write the results" in err


def test_recorded_series_stay_bounded_for_large_runs():
    from sim.cli.cmd_run import MAX_RECORDED, RECORD_EVERY, record_interval

    assert record_interval(500, 520, 5) == RECORD_EVERY
    for couples in (10_000, 1_000_000, 100_000_000):
        every = record_interval(couples, 520, 5)
        assert every >= RECORD_EVERY
        weeks = set(range(0, 521, every)) | {520}  # the last week is always recorded
        # Bounded, except that the first and last week are always kept.
        assert couples * 5 * len(weeks) <= max(MAX_RECORDED, couples * 5 * 2)


def test_relsim_finds_the_scenarios_from_any_working_directory(tmp_path):
    exe = Path(sys.executable).parent / "relsim"
    if not exe.exists():
        pytest.skip("the relsim console script is not installed beside this Python")
    proc = subprocess.run(
        [str(exe), "scenarios"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[0] for line in proc.stdout.splitlines()] == list_scenarios()


def test_run_with_set_is_its_own_study_and_checks_no_expectation(tmp_path, capsys):
    name = "coercive_helper"
    base = ["run", name, "--couples", "12", "--steps", "26", "--seed", "4", "--out", str(tmp_path)]
    sets = ["--set", "b.narcissism=0.4", "--set", "env.patience=10"]
    assert main(base) == 0
    plain = capsys.readouterr().out
    assert main([*base, *sets]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / f"{name}+b.narcissism=0.4+env.patience=10"
    frame = pd.read_parquet(folder / "runs.parquet")
    untouched = pd.read_parquet(tmp_path / name / "runs.parquet")
    # The values ran, the others are the scenario's, and the unmodified run is untouched.
    assert np.allclose(frame["b.narcissism"], 0.4) and np.allclose(frame["env.patience"], 10)
    assert np.allclose(frame["a.dependency"], load_scenario(name).a["dependency"])
    assert np.allclose(untouched["b.narcissism"], load_scenario(name).b["narcissism"])
    np.testing.assert_array_equal(frame["key"], untouched["key"])  # same couples, other traits
    # The printed shares show the expectations for reference only.
    assert "with b.narcissism=0.4, env.patience=10 set over" in out
    assert "for reference" in " ".join(out.split())
    shares = out[out.index("outcome ") : out.index("metric ")]
    assert not {"ok", "BELOW", "NOT MET"} & set(shares.split())
    assert {"ok"} & set(plain[plain.index("outcome ") : plain.index("metric ")].split())
    # The page says which values ran and gives the command back.
    page = (folder / "index.html").read_text()
    assert "b.narcissism=0.4" in page and "not checked" in page and "expected at least" not in page
    assert f"relsim run {name} --couples 12 --steps 26 --seed 4 " in page
    assert "--set b.narcissism=0.4 --set env.patience=10" in page
    assert "has changed since" not in page
    # The study resumes, and plot and report read it back as a study of the scenario.
    assert main([*base, *sets[2:], *sets[:2]]) == 0  # the same values, given in another order
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [s["runs_run"] for s in manifest["sessions"]] == [12]  # resumed: nothing left to run
    (folder / "index.html").unlink()
    assert main(["plot", str(folder), "--quiet"]) == 0 and main(["report", str(folder)]) == 0
    assert "not checked" in (folder / "index.html").read_text()
    index = (tmp_path / "index.html").read_text()
    assert f'href="{folder.name}/index.html"' in index and f'href="{name}/index.html"' in index


def test_set_applies_to_both_partners_and_the_study_loads_with_it(tmp_path, capsys):
    from sim.views.scenario_run import load_study

    argv = ["run", "balanced_mutual", "--couples", "6", "--steps", "12", "--out", str(tmp_path)]
    assert main([*argv, "--set", "both.scorekeeping=0.8"]) == 0
    folder = tmp_path / "balanced_mutual+both.scorekeeping=0.8"
    frame = pd.read_parquet(folder / "runs.parquet")
    assert np.allclose(frame["a.scorekeeping"], 0.8) and np.allclose(frame["b.scorekeeping"], 0.8)
    run = load_study(folder)
    assert run.scenario.overrides == (("both.scorekeeping", 0.8),)
    assert run.scenario.a["scorekeeping"] == run.scenario.b["scorekeeping"] == 0.8
    assert not run.checked and run.checks() == []


@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        (["b.narcisism=0.4"], "--set: b.narcisism: unknown parameter (did you mean b.narcissism?)"),
        (["b.narcissism=1.4"], "--set: b.narcissism: expected a number in [0, 1], got 1.4"),
        (["b.narcissism=lots"], "--set: b.narcissism: expected a number in [0, 1], got 'lots'"),
        (["env.patience=2.5"], "--set: env.patience: expected an integer in [1, 520], got 2.5"),
        (["b.narcissism"], "--set: expected KEY=VALUE"),
        (["c.narcissism=0.4"], "--set: c.narcissism: unknown parameter"),
        (["both.growth=0.2", "a.growth=0.3"], "--set: a.growth: sets a.growth, already set by"),
        (["env.barriers=0.5", "env.barriers=0.6"], "--set: env.barriers: sets env.barriers"),
    ],
)
@pytest.mark.parametrize("command", ["run", "story"])
def test_bad_set_is_one_line_and_status_2(command, sets, expected, tmp_path, capsys):
    argv = [command, "balanced_mutual", "--steps", "2"]
    argv += [x for s in sets for x in ("--set", s)]
    argv += ["--out", str(tmp_path)] if command == "run" else []
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"relsim: error: {expected}")
    assert not list(tmp_path.iterdir())


def test_story_with_set_tells_the_first_couple_of_the_run_with_set(tmp_path, capsys, monkeypatch):
    from sim.teach import story

    name, told = "coercive_helper", {}
    tell = story.tell

    def spy(params, key, steps, **kw):
        told["params"], told["key"] = params, np.asarray(key)
        told["story"] = tell(params, key, steps, **kw)
        return told["story"]

    monkeypatch.setattr(story, "tell", spy)
    sets = ["--set", "a.dependency=0.2", "--set", "env.alternatives=0.8"]
    assert main(["story", name, "--steps", "40", "--seed", "3", *sets]) == 0
    assert "With a.dependency=0.2, env.alternatives=0.8 set over" in capsys.readouterr().out
    params = told["params"]
    assert params.traits["dependency"][0, 0] == 0.2 and params.env["alternatives"][0] == 0.8
    argv = ["run", name, "--couples", "3", "--steps", "40", "--seed", "3", "--out", str(tmp_path)]
    assert main([*argv, *sets]) == 0
    first = pd.read_parquet(next(tmp_path.glob(f"{name}+*")) / "runs.parquet").iloc[0]
    assert told["key"].tolist() == [first["key"]] and told["story"].outcome == first["outcome"]
