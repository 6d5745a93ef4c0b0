"""``relsim calibrate``: specs checked strictly, known values recovered, the same posterior
whatever the executor and after a SIGKILL, the results folder and its page."""

from __future__ import annotations

import dataclasses
import html
import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.calibration import statistics as cstats
from sim.calibration.run import load_calibration_results, setup
from sim.calibration.simulate import Task, run_task
from sim.calibration.spec import load_calibration, parse_calibration
from sim.cli.main import main
from sim.errors import InputError
from sim.validation.targets import Criterion

ROOT = Path(__file__).resolve().parent.parent


def write(folder: Path, text: str, name: str = "cal.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


SMALL = """
name = "small"
population = "newlyweds"
couples = {couples}
years = 5
seed = 3
[parameters]
"env.alternatives" = {{}}
"env.barriers" = {{ low = 0.2, high = 1.0 }}
[[targets]]
validation = "V1"
[abc]
particles = {particles}
generations = {generations}
predictive = 8
"""


def small(folder: Path, couples: int = 60, particles: int = 12, generations: int = 3) -> Path:
    text = SMALL.format(couples=couples, particles=particles, generations=generations)
    return write(folder, text)


# --- Bad specs: one line, exit 2, nothing written ----------------------------------------------


ALTERNATIVES = '"env.alternatives" = {}'
BAD = {
    "unknown parameter": (
        ALTERNATIVES,
        '"env.alternative" = {}',
        ("unknown parameter", "env.alternatives"),
    ),
    "prior outside the registry": (
        ALTERNATIVES,
        '"env.alternatives" = { low = -0.5, high = 1.0 }',
        ("leaves the range of env.alternatives", "[0, 1]"),
    ),
    "normal prior's mean outside": (
        '"env.barriers" = { low = 0.2, high = 1.0 }',
        '"env.barriers" = { kind = "normal", mean = 1.5, sd = 0.1 }',
        ("expected a mean", "1.5"),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_parameter_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, case):
    old, new, expected = BAD[case]
    text = SMALL.format(couples=60, particles=10, generations=2).replace(old, new)
    path = write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--executor", "serial"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("relsim: error:")
    assert "parameters." in err and all(e in err for e in expected)
    assert not out.exists()


def test_a_target_csv_with_wrong_columns_is_one_line_exit_2_and_nothing_written(tmp_path, capsys):
    (tmp_path / "mine.csv").write_text("year,value\n1,0.05\n2,0.1\n", encoding="utf-8")
    text = SMALL.format(couples=60, particles=10, generations=2).replace(
        'validation = "V1"', 'csv = "mine.csv"'
    )
    path = write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "mine.csv" in err and "unexpected columns year,value" in err
    assert "year,ended[,sd]" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('validation = "V1"', 'validation = "V4"', "target of population cohabiting"),
        ('validation = "V1"', 'validation = "V10"', "partner market"),
        ('validation = "V1"', 'validation = "V99"', "unknown target"),
        ('validation = "V1"', 'validation = "V2"', "cannot be computed from 5 years"),
        ("particles = 10", "particles = 2", "abc.particles"),
        ("[abc]", "[abc]\nquantile = 1.5", "abc.quantile"),
        ("seed = 3", "seed = 3\nsteps = 10", "unknown key"),
    ],
)
def test_other_faults_of_a_spec_name_the_key(tmp_path, old, new, expected):
    text = SMALL.format(couples=60, particles=10, generations=2).replace(old, new)
    with pytest.raises(InputError, match=expected):
        load_calibration(write(tmp_path, text))


def test_csv_targets_of_every_kind_are_read_with_their_scales(tmp_path):
    files = {
        "ends.csv": "year,ended,sd\n1,0.02,0.01\n3,0.1,0.02\n",
        "sat.csv": "year,satisfaction\n0,0.7\n2,0.6\n",
        "kinds.csv": "outcome,share\nmutual,0.6\nended_healthy,0.25\n",
        "talk.csv": "group,ratio\nstable_satisfied,5\nended,0.8\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    targets = "\n".join(f'[[targets]]\ncsv = "{name}"' for name in files)
    text = SMALL.format(couples=60, particles=10, generations=2).replace(
        '[[targets]]\nvalidation = "V1"', targets + '\nscale = 0.05\n[[targets]]\nvalidation = "V1"'
    )
    spec = load_calibration(write(tmp_path, text))
    by = {s.name: s for s in spec.statistics}
    assert by["ends.year_3"].kind == "ended" and by["ends.year_3"].scale == 0.02
    assert by["sat.year_2"].observed == 0.6 and by["sat.year_2"].scale == 0.03
    assert by["kinds.ended_healthy"].args == (("outcome", "ended_healthy"),)
    assert by["talk.ended"].scale == 0.05 and by["talk.ended"].observed == 0.8
    assert by["V1"].observed == 0.2 and by["V1"].scale == 0.05


# --- The distance ------------------------------------------------------------------------------


def test_the_distance_scales_each_statistic_and_puts_missing_values_far_off():
    point = cstats.Statistic("p", "p", "ended", (("year", 1),), 0.2, 0.05)
    bound = cstats.Statistic("b", "b", "ended", (("year", 1),), 0.0, 0.1, Criterion(low=3.0))
    assert cstats.distance([point], {"p": 0.3}) == pytest.approx(2.0)
    assert cstats.distance([bound], {"b": 3.5}) == 0.0
    assert cstats.distance([bound], {"b": 2.9}) == pytest.approx(1.0)
    assert cstats.distance([point, bound], {"p": 0.2, "b": math.nan}) == cstats.MISSING
    both = cstats.distance([point, bound], {"p": 0.3, "b": 2.9})
    assert both == pytest.approx(math.sqrt(5.0))


# --- Recovering known values ------------------------------------------------------------------

TRUTH = {"env.alternatives": 0.5, "env.problem_rate": 0.3}


def _recovery_spec(folder: Path, couples: int) -> dict:
    return {
        "name": "recovery",
        "population": "newlyweds",
        "couples": couples,
        "years": 5,
        "seed": 5,
        "parameters": {name: {} for name in TRUTH},
        "targets": [{"csv": str(folder / "ends.csv")}, {"csv": str(folder / "kinds.csv")}],
        "abc": {"particles": 60, "generations": 5, "predictive": 20},
    }


@pytest.mark.slow
def test_calibration_recovers_values_the_model_made_its_targets_at(tmp_path):
    # targets: 4,000 couples simulated at TRUTH, with keys no particle uses
    years, kinds = range(1, 6), ("ended_healthy", "ended_destructive", "mutual")
    (tmp_path / "ends.csv").write_text("year,ended\n" + "".join(f"{y},0.1\n" for y in years))
    (tmp_path / "kinds.csv").write_text("outcome,share\n" + "".join(f"{k},0.1\n" for k in kinds))
    made = parse_calibration({**_recovery_spec(tmp_path, 4000), "pool": 8000})
    s = dataclasses.replace(setup(made), pool_seed=987654321)
    values = np.array([[TRUTH[name] for name in made.names]])
    stats = run_task(Task(s, (0,), (2**63 + 12345,), values)).stats[0]
    value = {k.removeprefix(cstats.VALUE_PREFIX): v for k, v in stats.items()}
    ends = "".join(f"{y},{value[f'ends.year_{y}']}\n" for y in years)
    (tmp_path / "ends.csv").write_text("year,ended\n" + ends)
    shares = "".join(f"{k},{value[f'kinds.{k}']}\n" for k in kinds)
    (tmp_path / "kinds.csv").write_text("outcome,share\n" + shares)

    result = sim.calibrate(
        _recovery_spec(tmp_path, 200), "serial", tmp_path / "out", quiet=True, report=False
    )
    post = result.posterior
    w = post["weight"].to_numpy()
    for name, true in TRUTH.items():
        order = np.argsort(post[name].to_numpy())
        x, cw = post[name].to_numpy()[order], np.cumsum(w[order]) / w.sum()
        lo, hi = x[np.searchsorted(cw, 0.05)], x[np.searchsorted(cw, 0.95)]
        assert lo <= true <= hi, (name, lo, hi)
    # the posterior learned something: alternatives' interval is far narrower than its prior
    x = post["env.alternatives"].to_numpy()
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / w.sum()
    width = x[order][np.searchsorted(cw, 0.95)] - x[order][np.searchsorted(cw, 0.05)]
    assert width < 0.4
    assert result.generations["epsilon"].iloc[-1] < result.generations["epsilon"].iloc[1]


# --- Reproducible: whatever the executor, and after SIGKILL -------------------------------------


@pytest.mark.slow
def test_the_posterior_is_the_same_on_every_executor(tmp_path):
    spec = small(tmp_path, couples=40, particles=10, generations=3)
    a = sim.calibrate(spec, "serial", tmp_path / "serial", quiet=True, report=False)
    for name in ("process", "dask"):
        b = sim.calibrate(spec, name, tmp_path / name, quiet=True, report=False, workers=2)
        pd.testing.assert_frame_equal(a.posterior, b.posterior)
        pd.testing.assert_frame_equal(a.predictive, b.predictive)
        pd.testing.assert_frame_equal(a.generations, b.generations)


def _generations_stored(db: Path) -> int:
    if not db.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as con:
            return con.execute("SELECT COUNT(*) FROM populations WHERE t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_a_calibration_killed_by_sigkill_resumes_to_the_same_posterior(tmp_path):
    spec = small(tmp_path, couples=150, particles=30, generations=5)
    whole = sim.calibrate(spec, "serial", tmp_path / "whole", quiet=True, report=False)
    killed = tmp_path / "killed"
    code = (
        "import sim; "
        f"sim.calibrate({str(spec)!r}, 'serial', {str(killed)!r}, quiet=True, report=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path)
    deadline = time.monotonic() + 120
    while _generations_stored(killed / "abc.db") < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, "the calibration finished before it could be killed"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = _generations_stored(killed / "abc.db")
    assert 2 <= stored < 5
    assert json.loads((killed / "manifest.json").read_text())["status"] == "running"

    resumed = sim.calibrate(spec, "serial", killed, quiet=True, report=False)
    pd.testing.assert_frame_equal(whole.posterior, resumed.posterior)
    pd.testing.assert_frame_equal(whole.generations, resumed.generations)
    manifest = json.loads((killed / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 2 and manifest["status"] == "complete"
    assert manifest["sessions"][-1]["generations"] == 5 - stored  # kept ones not run again


# --- The folder, the page, the command line ---------------------------------------------------


def test_the_command_writes_the_folder_and_shows_generation_threshold_and_rate(tmp_path, capsys):
    spec = small(tmp_path, couples=40, particles=8, generations=2)
    out = tmp_path / "out"
    assert main(["calibrate", str(spec), "--executor", "serial", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "generation 1: threshold" in captured.err and "acceptance rate" in captured.err
    assert "env.alternatives" in captured.out and "env.barriers" in captured.out
    for name in ("abc.db", "posterior.parquet", "generations.parquet", "predictive.parquet"):
        assert (out / name).is_file()
    tables = load_calibration_results(out)
    post = tables["posterior"]
    assert len(post) == 8 and set(post.columns) >= {"env.alternatives", "weight", "distance"}
    assert post["weight"].sum() == pytest.approx(1.0)
    assert post["env.barriers"].between(0.2, 1.0).all()
    assert list(tables["generations"]["t"]) == [0, 1]
    assert len(tables["predictive"]) == 8
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["stop"] == "generations"
    assert manifest["packages"]["pyabc"] and "spec" in manifest
    page = (out / "index.html").read_text()
    for title in ("Posterior marginals", "Posterior pairs", "predictive check", "threshold"):
        assert title in page
    for stem in ("marginals", "pairs", "predictive", "thresholds"):
        assert f'<figure id="{stem}"' in page
    axes = json.loads(html.unescape(re.search(r'id="marginals" data-axes="([^"]*)"', page)[1]))
    assert {a["x"] for a in axes} == {"alternatives (0-1)", "barriers (0-1)"}
    assert re.search(r'<td class="[^"]*" >env.barriers</td>', page)  # the posterior's table
    # a rerun has nothing left to do and keeps the posterior
    assert main(["calibrate", str(spec), "--executor", "serial", "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(load_calibration_results(out)["posterior"], post)
    # another spec refuses to mix with it
    other = write(tmp_path, spec.read_text().replace("seed = 3", "seed = 4"), "other.toml")
    assert main(["calibrate", str(other), "--out", str(out), "--quiet"]) == 2
    assert "different spec" in capsys.readouterr().err


def test_the_shipped_example_spec_checks():
    spec = load_calibration(ROOT / "experiments" / "calibrate_newlyweds.toml")
    assert spec.population == "newlyweds" and len(spec.parameters) == 3
    assert {s.target for s in spec.statistics} >= {"V1", "V2"}


def test_the_priors_pyabc_is_given_keep_to_their_supports(tmp_path):
    text = SMALL.format(couples=60, particles=10, generations=2).replace(
        '"env.barriers" = { low = 0.2, high = 1.0 }',
        '"env.barriers" = { kind = "normal", mean = 0.5, sd = 0.1, low = 0.4, high = 0.9 }',
    )
    spec = load_calibration(write(tmp_path, text))
    from sim.calibration.run import prior

    np.random.seed(0)  # noqa: NPY002 - pyabc draws from numpy's global generator
    draws = pd.DataFrame([dict(prior(spec).rvs()) for _ in range(2000)])
    assert draws["env.alternatives"].between(0, 1).all()
    assert draws["env.barriers"].between(0.4, 0.9).all()
    assert draws["env.barriers"].min() < 0.42 and 0.5 < draws["env.barriers"].mean() < 0.56
    assert draws["env.alternatives"].std() > 0.25  # uniform on [0, 1]: sd 0.29


def test_time_left_follows_the_falling_acceptance_rate():
    from sim.calibration.run import time_left

    # 100 s for 1,000 candidates: 0.1 s each; the rate fell from 0.5 to 0.25
    assert time_left(100.0, 1000, 0.25, 0.5, 250, 1) == pytest.approx(250 / 0.125 * 0.1)
    assert time_left(100.0, 1000, 0.25, None, 250, 2) == pytest.approx(2 * 250 / 0.25 * 0.1)
    assert time_left(100.0, 1000, 0.5, 0.25, 250, 1) == pytest.approx(250 / 0.5 * 0.1)


def test_a_calibration_spec_is_told_from_a_sweep_spec():
    from sim.calibration.spec import is_calibration

    assert is_calibration(ROOT / "experiments" / "calibrate_newlyweds.toml")
    assert not is_calibration(ROOT / "experiments" / "demand_support.toml")


def test_relsim_sweep_sends_a_calibration_spec_to_relsim_calibrate(capsys):
    path = ROOT / "experiments" / "calibrate_newlyweds.toml"
    assert main(["sweep", str(path), "--dry-run"]) == 2
    assert "run it with relsim calibrate" in capsys.readouterr().err


def test_a_calibration_is_listed_in_the_results_index(tmp_path, monkeypatch, capsys):
    spec = small(tmp_path, couples=40, particles=8, generations=1)
    monkeypatch.chdir(tmp_path)
    argv = ["calibrate", str(spec), "--executor", "serial", "--quiet", "--out", "results/cal"]
    assert main(argv) == 0
    index = (tmp_path / "results" / "index.html").read_text()
    assert "<h2>Calibrations</h2>" in index and 'href="cal/index.html"' in index
    assert "2 parameters, 40 couples a particle" in index
