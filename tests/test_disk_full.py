"""A full disk ends a command cleanly: one line, the manifest says the sweep is
incomplete, no temporary file is left, and a rerun once space is free gives exactly
the uninterrupted results."""

from __future__ import annotations

import errno
import json
from pathlib import Path

from sim import atomic
from sim.cli.main import main
from sim.experiment import storage

TINY = Path(__file__).parent / "fixtures" / "experiments" / "tiny.toml"


def _full_after(monkeypatch, writes: int) -> None:
    """Make every atomic write after the first ``writes`` fail as on a full disk, with
    the temporary file already begun (as a real full disk leaves it)."""
    real = atomic._fsync
    count = {"n": 0}

    def fsync(path):
        count["n"] += 1
        if count["n"] > writes:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path)

    monkeypatch.setattr(atomic, "_fsync", fsync)


def _temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(atomic.TEMPORARY_PREFIX)]


def test_a_full_disk_mid_sweep_is_one_line_and_a_rerun_finishes_it(tmp_path, monkeypatch, capsys):
    out = tmp_path / "full"
    argv = ["sweep", str(TINY), "--executor", "serial", "--chunk-size", "2", "--out", str(out)]
    _full_after(monkeypatch, 5)  # the manifest and a few chunks go through
    assert main([*argv, "--quiet", "--no-report"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    assert "run the command again" in err
    assert not _temporaries(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] in ("incomplete", "running")
    kept = len(list((out / storage.CHUNKS).glob("part-*" + storage.PART_SUFFIX[storage.CHUNKS])))
    assert 0 < kept < 9
    monkeypatch.undo()  # space freed
    assert main([*argv, "--quiet", "--no-report"]) == 0
    whole = tmp_path / "whole"
    assert (
        main(
            [
                "sweep",
                str(TINY),
                "--executor",
                "serial",
                "--out",
                str(whole),
                "--quiet",
                "--no-report",
            ]
        )
        == 0
    )
    assert (out / "runs.parquet").read_bytes() == (whole / "runs.parquet").read_bytes()
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_a_full_disk_while_drawing_the_page_is_one_line(tmp_path, monkeypatch, capsys):
    out = tmp_path / "page"
    argv = ["sweep", str(TINY), "--executor", "serial", "--out", str(out), "--quiet"]
    assert main([*argv, "--no-report"]) == 0
    _full_after(monkeypatch, 0)
    assert main(["report", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert not _temporaries(out)
    monkeypatch.undo()
    assert main(["report", str(out)]) == 0 and (out / "index.html").is_file()
