"""The runner: results independent of executor and chunking, resumable, readable everywhere."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sim.cli import main as cli
from sim.errors import InputError
from sim.experiment import storage
from sim.experiment.batch import BatchModel
from sim.experiment.runner import (
    estimate,
    load_results,
    load_timeseries,
    sweep,
)
from sim.experiment.runner import run_experiment as run_with_page
from sim.experiment.spec import load_spec, parse_spec
from sim.experiment.storage import ResultStore
from sim.model.batch import RELATIONSHIP, RelationshipBatch

FIXTURES = Path(__file__).parent / "fixtures" / "experiments"
TINY = FIXTURES / "tiny.toml"

run_experiment = functools.partial(run_with_page, report=False)
"""These tests need the runs only; figures and pages are tested in test_report.py."""


def tiny(**changes):
    """The tiny fixture spec with some top-level keys changed."""
    import tomllib

    data = tomllib.loads(TINY.read_text())
    data.update(changes)
    return parse_spec(data, source=str(TINY))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny experiment run serially, one run a chunk: the values every route must give."""
    out = tmp_path_factory.mktemp("ref") / "tiny"
    runs = run_experiment(TINY, executor="serial", out=out, chunk_size=1, quiet=True)
    return out, runs, load_timeseries(out)


def assert_same_results(out: Path, reference) -> None:
    """Bit-identical: the same bytes of runs.parquet, and exactly equal series values."""
    ref_out, runs, series = reference
    assert (out / "runs.parquet").read_bytes() == (ref_out / "runs.parquet").read_bytes()
    pd.testing.assert_frame_equal(load_results(out), runs, check_exact=True)
    pd.testing.assert_frame_equal(load_timeseries(out), series, check_exact=True)


def test_reference_has_every_run_once(reference):
    out, runs, series = reference
    assert len(runs) == 6 * 3
    assert (runs["status"] == "ok").all()
    assert list(runs["run"]) == list(range(18))
    assert not runs[["point", "replicate"]].duplicated().any()
    assert runs["key"].nunique() == 18
    assert set(runs["outcome"]).issubset(
        {"mutual", "coaching", "coercive", "irrelationship", "eroded", "stalemate"}
        | {"ended_healthy", "ended_destructive"}
    )
    assert sorted(series["step"].unique()) == [0, 8, 16, 24, 32, 40]
    assert len(series) == 18 * 6
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["spec"] == TINY.read_text()
    assert manifest["status"] == "complete"
    assert manifest["seeds"]["root"] == 11
    assert manifest["packages"]["numpy"] == np.__version__


@pytest.mark.parametrize("chunk_size", [7, 1000])
def test_chunk_size_does_not_change_results(tmp_path, reference, chunk_size):
    run_experiment(TINY, executor="serial", out=tmp_path / "r", chunk_size=chunk_size, quiet=True)
    assert_same_results(tmp_path / "r", reference)


def test_row_groups_do_not_depend_on_chunking(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "ROW_GROUP", 4)
    for size in (1, 7):
        run_experiment(
            TINY, executor="serial", out=tmp_path / str(size), chunk_size=size, quiet=True
        )
    one, seven = (pq.ParquetFile(tmp_path / s / "runs.parquet") for s in ("1", "7"))
    assert one.metadata.num_row_groups == 5  # 18 rows in groups of 4
    assert (tmp_path / "1" / "runs.parquet").read_bytes() == (
        tmp_path / "7" / "runs.parquet"
    ).read_bytes()
    assert list(one.read().column("run").to_numpy()) == list(range(18))


def test_process_executor_gives_identical_results(tmp_path, reference):
    run_experiment(
        TINY, executor="process", workers=2, out=tmp_path / "r", chunk_size=4, quiet=True
    )
    assert_same_results(tmp_path / "r", reference)


def test_dask_local_cluster_gives_identical_results(tmp_path, reference):
    run_experiment(TINY, executor="dask", workers=2, out=tmp_path / "r", chunk_size=5, quiet=True)
    assert_same_results(tmp_path / "r", reference)
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["executor"]["name"] == "dask"
    assert manifest["executor"]["scheduler"].startswith("tcp://127.0.0.1:")


def test_dask_running_scheduler_by_address(tmp_path, reference):
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        run_experiment(
            TINY, executor="dask", scheduler=address, out=tmp_path / "r", chunk_size=4, quiet=True
        )
    assert_same_results(tmp_path / "r", reference)
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["executor"] == {
        "name": "dask",
        "workers": 2,
        "scheduler": address,
        "local_cluster": False,
    }


def test_adding_replicates_keeps_existing_runs(tmp_path, reference):
    out = tmp_path / "r"
    run_experiment(tiny(replicates=2), executor="serial", out=out, quiet=True)
    more = run_experiment(tiny(replicates=5), executor="serial", out=out, quiet=True)
    assert len(more) == 6 * 5
    _, runs, _ = reference
    shared = more[more["replicate"] < 3].drop(columns="run").reset_index(drop=True)
    pd.testing.assert_frame_equal(shared, runs.drop(columns="run"), check_exact=True)


def test_rerun_of_finished_experiment_runs_nothing(tmp_path, reference, capsys):
    out = tmp_path / "r"
    run_experiment(TINY, executor="serial", out=out, quiet=True)
    before = sorted(p.name for p in (out / "timeseries").iterdir())
    manifest = json.loads((out / "manifest.json").read_text())
    summary = sweep(TINY, executor="process", out=out, resume=True, report=False)
    assert (summary.ran, summary.rows, summary.failed) == (0, 18, 0)
    assert sorted(p.name for p in (out / "timeseries").iterdir()) == before
    # Nothing to do: no progress bar, no new session, the executor that ran them kept.
    assert capsys.readouterr().err == ""
    again = json.loads((out / "manifest.json").read_text())
    assert again["sessions"] == manifest["sessions"] and len(again["sessions"]) == 1
    assert again["executor"] == manifest["executor"] and again["status"] == "complete"
    assert not list((out / "chunks").glob("part-*"))  # merged into runs.parquet
    assert_same_results(out, reference)


def test_changed_spec_refused_unless_forced(tmp_path):
    out = tmp_path / "r"
    run_experiment(tiny(replicates=1), executor="serial", out=out, quiet=True)
    with pytest.raises(InputError, match="different spec"):
        run_experiment(tiny(replicates=1, seed=12), executor="serial", out=out, quiet=True)
    runs = run_experiment(
        tiny(replicates=1, seed=12), executor="serial", out=out, force=True, quiet=True
    )
    keys = run_experiment(
        tiny(replicates=1, seed=12), executor="serial", out=tmp_path / "s", quiet=True
    )
    pd.testing.assert_frame_equal(runs, keys, check_exact=True)


@dataclass(frozen=True)
class ChangedRules(RelationshipBatch):
    """The relationship model as if its code had changed since the results were made."""

    def fingerprint(self) -> str:
        return "changed"


def test_changed_model_code_refused_unless_forced(tmp_path):
    out = tmp_path / "r"
    run_experiment(tiny(replicates=1), executor="serial", out=out, quiet=True)
    assert json.loads((out / "manifest.json").read_text())["model_fingerprint"] == (
        RELATIONSHIP.fingerprint()
    )
    with pytest.raises(InputError, match="model version"):
        run_experiment(
            tiny(replicates=2), executor="serial", out=out, quiet=True, model=ChangedRules()
        )
    runs = run_experiment(
        tiny(replicates=2), executor="serial", out=out, quiet=True, model=ChangedRules(), force=True
    )
    assert len(runs) == 12


def test_bad_executor_arguments_leave_results_alone(tmp_path):
    out = tmp_path / "r"
    run_experiment(tiny(replicates=1), executor="serial", out=out, quiet=True)
    before = (out / "runs.parquet").read_bytes()
    for kwargs in ({"executor": "threads"}, {"executor": "process", "workers": 0}):
        with pytest.raises(InputError):
            run_experiment(tiny(replicates=1, seed=99), out=out, force=True, quiet=True, **kwargs)
    assert (out / "runs.parquet").read_bytes() == before


def test_resume_needs_results(tmp_path):
    with pytest.raises(InputError, match="nothing to resume"):
        run_experiment(TINY, executor="serial", out=tmp_path / "none", resume=True, quiet=True)
    assert not (tmp_path / "none").exists()


def test_max_runs_refused_unless_forced(tmp_path):
    with pytest.raises(InputError, match="max_runs"):
        run_experiment(tiny(max_runs=10), executor="serial", out=tmp_path / "r", quiet=True)
    assert not (tmp_path / "r").exists()
    runs = run_experiment(
        tiny(max_runs=10), executor="serial", out=tmp_path / "r", force=True, quiet=True
    )
    assert len(runs) == 18


@dataclass(frozen=True)
class FailsOnOnePoint(RelationshipBatch):
    """The relationship model, except that chunks holding design point 4 fail."""

    name: str = "relationship"

    def run(self, params, keys, steps, record_every=0, series=()):
        if np.any(params["a.dependency"] == 0.9) and np.any(params["a.growth"] == 0.5):
            raise RuntimeError("this point is cursed")
        return super().run(params, keys, steps, record_every, series)


def test_failing_chunk_is_recorded_and_others_kept(tmp_path, reference):
    out = tmp_path / "r"
    model = FailsOnOnePoint()
    assert isinstance(model, BatchModel)
    runs = run_experiment(TINY, executor="serial", out=out, chunk_size=3, quiet=True, model=model)
    failed = runs[runs["status"] == "failed"]
    assert list(failed["point"]) == [4, 4, 4]
    assert failed["error"].str.contains("RuntimeError: this point is cursed").all()
    assert failed["intimacy"].isna().all()
    _, ref, _ = reference
    ok = runs["status"] == "ok"
    pd.testing.assert_frame_equal(
        runs.loc[ok, ["point", "replicate", "intimacy"]],
        ref.loc[ok, ["point", "replicate", "intimacy"]],
        check_exact=True,
    )
    assert json.loads((out / "manifest.json").read_text())["status"] == "incomplete"
    # a rerun with a working model retries the failed chunk only
    run_experiment(TINY, executor="serial", out=out, chunk_size=3, quiet=True)
    assert_same_results(out, reference)


def drawn(**changes):
    """The tiny fixture spec over couples drawn from the newlyweds population."""
    return tiny(population="newlyweds", **changes)


@pytest.fixture(scope="module")
def drawn_reference(tmp_path_factory):
    """The tiny experiment over newlyweds run serially, one run a chunk."""
    out = tmp_path_factory.mktemp("drawn") / "tiny"
    runs = run_experiment(drawn(), executor="serial", out=out, chunk_size=1, quiet=True)
    return out, runs, load_timeseries(out)


def test_population_runs_draw_their_couples_under_the_factors(drawn_reference):
    _, runs, _ = drawn_reference
    assert (runs["scenario"] == "newlyweds").all() and (runs["status"] == "ok").all()
    assert set(runs["a.dependency"]) == {0.1, 0.9} and set(runs["b.growth"]) == {0.2, 0.5, 0.8}
    assert runs["b.dependency"].nunique() == len(runs)  # drawn, one couple a run
    assert (runs["env.barriers"] == 0.6).all()


@pytest.mark.parametrize(
    ("executor", "workers", "chunk_size"), [("serial", None, 7), ("process", 2, 4)]
)
def test_population_runs_are_the_same_on_every_executor_and_chunking(
    tmp_path, drawn_reference, executor, workers, chunk_size
):
    out = tmp_path / "r"
    run_experiment(
        drawn(), executor=executor, workers=workers, out=out, chunk_size=chunk_size, quiet=True
    )
    assert_same_results(out, drawn_reference)


def test_population_runs_resume_after_a_failed_chunk(tmp_path, drawn_reference):
    out = tmp_path / "r"
    runs = run_experiment(
        drawn(), executor="serial", out=out, chunk_size=3, quiet=True, model=FailsOnOnePoint()
    )
    assert list(runs.loc[runs["status"] == "failed", "point"]) == [4, 4, 4]
    summary = sweep(drawn(), executor="serial", out=out, chunk_size=3, quiet=True, report=False)
    assert summary.ran == 3
    assert_same_results(out, drawn_reference)


def test_leftovers_of_a_killed_sweep_are_removed(tmp_path, reference):
    out = tmp_path / "r"
    run_experiment(tiny(replicates=2), executor="serial", out=out, chunk_size=6, quiet=True)
    # a chunk killed after its series part was written, and a half-written file
    first = sorted((out / "timeseries").iterdir())[0]
    (out / "timeseries" / "part-000077.parquet").write_bytes(first.read_bytes())
    (out / "chunks" / ".tmp-deadbeef-part-000078.parquet").write_bytes(b"half")
    run_experiment(TINY, executor="serial", out=out, chunk_size=6, quiet=True)
    assert not (out / "timeseries" / "part-000077.parquet").exists()
    assert not any(p.name.startswith(".tmp-") for p in (out / "chunks").iterdir())
    assert_same_results(out, reference)


def test_merge_killed_before_removing_parts_keeps_one_row_per_run(tmp_path, reference):
    out = tmp_path / "r"
    run_experiment(TINY, executor="serial", out=out, chunk_size=5, quiet=True)
    # as if killed after runs.parquet was written but before the parts were removed
    store = ResultStore(out)
    runs = pq.read_table(out / "runs.parquet").drop_columns(["run"])
    for cid in range(2):
        part = runs.filter(pc.equal(runs.column("point"), cid))
        store.write_chunk(100 + cid, part, None)
    run_experiment(TINY, executor="serial", out=out, quiet=True)
    assert_same_results(out, reference)


KILL_SPEC = """
name = "killme"
description = "A sweep long enough to be killed part way."
steps = 150
replicates = 4
seed = 5
[design]
kind = "grid"
[design.factors]
"a.dependency" = [0.2, 0.5, 0.8]
"b.narcissism" = [0.1, 0.7]
[metrics]
series = ["intimacy"]
record_every = 50
"""


PARTS = "part-*" + storage.PART_SUFFIX[storage.CHUNKS]
"""The chunk parts a sweep has written."""


def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    spec_path = tmp_path / "killme.toml"
    spec_path.write_text(KILL_SPEC)
    out = tmp_path / "killed"
    code = (
        "import sys; from sim.experiment.runner import run_experiment; "
        "run_experiment(sys.argv[1], executor='serial', out=sys.argv[2], chunk_size=1, quiet=True)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", code, str(spec_path), str(out)], env=env)
    chunks = out / "chunks"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if chunks.is_dir() and len(list(chunks.glob(PARTS))) >= 5:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = len(list(chunks.glob(PARTS)))
    assert 5 <= done < 24
    assert not (out / "runs.parquet").exists()
    resumed = run_experiment(spec_path, executor="serial", out=out, resume=True, quiet=True)
    whole = run_experiment(spec_path, executor="serial", out=tmp_path / "whole", quiet=True)
    assert len(resumed) == 24
    pd.testing.assert_frame_equal(resumed, whole, check_exact=True)
    assert (out / "runs.parquet").read_bytes() == (tmp_path / "whole" / "runs.parquet").read_bytes()
    pd.testing.assert_frame_equal(
        load_timeseries(out), load_timeseries(tmp_path / "whole"), check_exact=True
    )


def test_pandas_duckdb_and_polars_read_the_files(reference):
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    out, runs, series = reference
    runs_file = str(out / "runs.parquet")
    parts = str(out / "timeseries" / "*.parquet")
    assert len(pd.read_parquet(runs_file)) == 18
    assert len(pd.read_parquet(out / "timeseries")) == len(series)
    con = duckdb.connect()
    n, mean = con.execute(
        f"SELECT count(*), avg(intimacy) FROM read_parquet('{runs_file}')"
    ).fetchone()
    assert n == 18 and mean == pytest.approx(runs["intimacy"].mean())
    (rows,) = con.execute(f"SELECT count(*) FROM read_parquet('{parts}')").fetchone()
    assert rows == len(series)
    assert pl.read_parquet(runs_file).height == 18
    assert pl.scan_parquet(parts).select(pl.len()).collect().item() == len(series)
    assert pl.read_parquet(runs_file)["a.dependency"].to_list() == runs["a.dependency"].tolist()


def test_export_csv(tmp_path, reference, monkeypatch, capsys):
    out, runs, series = reference
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("sim.cli.cmd_export",))
    assert cli.main(["export", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / "runs.csv"), str(out / "timeseries.csv")]
    csv_runs = pd.read_csv(out / "runs.csv")
    assert list(csv_runs.columns) == list(runs.columns)
    np.testing.assert_allclose(csv_runs["intimacy"], runs["intimacy"])
    assert csv_runs["key"].astype(str).tolist() == runs["key"].astype(str).tolist()
    csv_series = pd.read_csv(out / "timeseries.csv").sort_values(["run", "step"], kind="stable")
    np.testing.assert_allclose(csv_series["intimacy"], series["intimacy"])
    assert cli.main(["export", str(out), "--format", "parquet"]) == 0
    assert capsys.readouterr().out.split() == [str(out / "timeseries_runs.parquet")]
    joined = pd.read_parquet(out / "timeseries_runs.parquet")
    pd.testing.assert_frame_equal(
        joined.reset_index(drop=True), pd.read_csv(out / "timeseries.csv"), check_dtype=False
    )


def test_cli_sweep_and_dry_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("sim.cli.cmd_sweep",))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["sweep", str(TINY), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "points     6" in text and "runs       18" in text and "720" in text
    assert not (tmp_path / "results").exists()
    status = cli.main(["sweep", str(TINY), "--executor", "serial", "--quiet", "--chunk-size", "5"])
    assert status == 0
    assert len(load_results(tmp_path / "results" / "tiny")) == 18
    assert (tmp_path / "results" / "tiny" / "index.html").is_file()
    bare = tmp_path / "bare"
    args = ["sweep", str(TINY), "--executor", "serial", "--quiet", "--no-report", "--out"]
    assert cli.main([*args, str(bare)]) == 0
    assert len(load_results(bare)) == 18
    assert not (bare / "index.html").exists() and not (bare / "figures").exists()


def test_estimate_counts(tmp_path):
    est = estimate(load_spec(TINY), RELATIONSHIP, workers=2)
    assert (est.points, est.runs, est.steps, est.workers) == (6, 18, 720, 2)
    assert est.seconds > 0 and est.bytes > 0


def test_store_refuses_missing_results(tmp_path):
    with pytest.raises(InputError, match="no runs.parquet"):
        ResultStore(tmp_path).runs()


def test_a_sweep_given_no_executor_chooses_by_its_size(tmp_path):
    from sim.experiment import SERIAL_BELOW
    from sim.experiment.runner import choose_executor

    spec = load_spec(TINY)
    assert choose_executor(spec) == "serial" and choose_executor(spec, "tcp://h:1") == "dask"
    big = dataclasses.replace(spec, replicates=SERIAL_BELOW // spec.steps)
    assert choose_executor(big) == "process"
    sweep(TINY, out=tmp_path / "auto", quiet=True, report=False)
    manifest = json.loads((tmp_path / "auto" / "manifest.json").read_text())
    assert manifest["executor"]["name"] == "serial"


def test_the_run_table_written_as_chunks_come_back_is_the_merged_one(tmp_path, monkeypatch):
    a = sweep(TINY, "process", tmp_path / "a", workers=2, chunk_size=2, quiet=True, report=False)
    assert not list((a.out / "chunks").glob(PARTS))
    merged = json.loads((a.out / "chunks" / "consolidated.json").read_text())
    assert merged == list(range(-(-a.planned // 2)))
    opened = storage.ResultStore.stream

    def given_up(self, *args):
        stream = opened(self, *args)
        stream.stop()
        return stream

    monkeypatch.setattr(storage.ResultStore, "stream", given_up)
    b = sweep(TINY, "serial", tmp_path / "b", chunk_size=5, quiet=True, report=False)
    assert (a.out / "runs.parquet").read_bytes() == (b.out / "runs.parquet").read_bytes()
