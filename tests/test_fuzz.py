"""Fuzz suite: hundreds of bad inputs across every file kind and command.

Each case is generated (file kinds x corruptions, command-line flags x bad values,
results files x damage) and checked for the same contract: exit status 2, exactly one
line on stderr starting ``relsim: error:``, no traceback, nothing written. Most cases
run in this process through :func:`sim.cli.main.main` under a time limit; those whose
risk is a hang or a blow-up of memory run in subprocesses with limits on memory and
time, several at once.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"
SCENARIO = (FIXTURES / "scenarios" / "tiny.toml").read_text(encoding="utf-8")
POPULATION = (FIXTURES / "populations" / "tiny.toml").read_text(encoding="utf-8")
SPEC = (FIXTURES / "experiments" / "tiny.toml").read_text(encoding="utf-8")
TARGETS = (Path(__file__).parents[1] / "validation" / "targets.toml").read_text(encoding="utf-8")
CALIBRATION = (Path(__file__).parents[1] / "experiments" / "calibrate_newlyweds.toml").read_text(
    encoding="utf-8"
)

SECONDS = 60
"""Most time one case may take."""

MEMORY = 3 * 2**30
"""Most address space (bytes) a subprocess case may use."""

HUGE = "1" + "0" * 400
"""An integer TOML reads but no float or 64-bit integer holds."""


@dataclass(frozen=True)
class Case:
    """One bad input: the files it writes, the command and whether it needs a subprocess.

    ``files`` maps a relative path to its bytes (or to ``"dir"``, ``"fifo"``, ``"sparse"``
    for a folder, a named pipe, a 2 MB file of zeros); ``argv`` may name ``{tmp}``.
    """

    id: str
    argv: tuple[str, ...]
    files: tuple[tuple[str, bytes | str], ...] = ()
    sub: bool = False
    results: bool = False


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --- file corruptions, the same for every TOML kind ----------------------------------
def _file_corruptions(good: str) -> dict[str, bytes | str]:
    return {
        "binary": b"\x00\x01\x02" + good.encode(),
        "latin1": good.encode() + "\n# caf\xe9\n".encode("latin-1"),
        "utf16": good.encode("utf-16"),
        "malformed": (good + "\n[[[ nope\n").encode(),
        "deep_array": (good + "\nzz = " + "[" * 3000 + "]" * 3000 + "\n").encode(),
        "deep_table": (good + "\nzz = " + "{a = " * 300 + "1" + "}" * 300 + "\n").encode(),
        "deep_dotted": (good + "\n" + ".".join(["k"] * 2000) + " = 1\n").encode(),
        "huge_int": (good + f"\nzz = {HUGE}\n").encode(),
        "inf": (good + "\nzz = inf\n").encode(),
        "nan": (good + "\nzz = nan\n").encode(),
        "empty": b"",
        "sparse": "sparse",
        "dir": "dir",
        "fifo": "fifo",
    }


# --- value corruptions of each kind --------------------------------------------------
SCENARIO_VALUES = {
    "trait_huge": ("dependency = 0.5", f"dependency = {HUGE}"),
    "trait_neg_huge": ("dependency = 0.5", f"dependency = -{HUGE}"),
    "trait_inf": ("dependency = 0.5", "dependency = inf"),
    "trait_nan": ("dependency = 0.5", "dependency = nan"),
    "trait_text": ("dependency = 0.5", 'dependency = "high"'),
    "trait_range": ("dependency = 0.5", "dependency = 7"),
    "trait_bool": ("dependency = 0.5", "dependency = true"),
    "trait_table": ("dependency = 0.5", "dependency = { a = 1 }"),
    "env_huge": ("patience = 20", f"patience = {HUGE}"),
    "env_inf": ("patience = 20", "patience = -inf"),
    "env_fraction": ("patience = 20", "patience = 20.5"),
    "share_huge": ("min_share = 0.4", f"min_share = {HUGE}"),
    "share_inf": ("min_share = 0.4", "min_share = inf"),
    "share_nan": ("min_share = 0.4", "min_share = nan"),
    "title_lines": ('title = "Tiny', 'title = "a\\nb'),
    "unknown_key": ("[a]", "bogus = 1\n[a]"),
}


def _scenario_values() -> dict[str, str]:
    return {name: _replace(SCENARIO, old, new) for name, (old, new) in SCENARIO_VALUES.items()}


POPULATION_VALUES = {
    "mean_huge": f"\n[env]\npatience = {HUGE}\n",
    "env_inf": "\n[env]\nbarriers = inf\n",
    "env_nan": "\n[env]\nbarriers = nan\n",
    "dist_huge": f'\n[env]\nbarriers = {{ kind = "uniform", low = 0, high = {HUGE} }}\n',
    "dist_kind": '\n[env]\nbarriers = { kind = "cauchy" }\n',
    "beta_sd_inf": '\n[env]\nbarriers = { kind = "beta", mean = 0.5, sd = inf }\n',
}

PAST_A_WORK_LIMIT = {"steps_1e9"}
"""Spec values past a work limit, which a dry run lists rather than refuses (test_inputs)."""

SPEC_VALUES = {
    "steps_huge": ("steps = 40", f"steps = {HUGE}"),
    "steps_1e9": ("steps = 40", "steps = 1000000000"),
    "steps_zero": ("steps = 40", "steps = 0"),
    "steps_float": ("steps = 40", "steps = 4.5"),
    "replicates_huge": ("replicates = 3", f"replicates = {HUGE}"),
    "replicates_1e12": ("replicates = 3", "replicates = 1000000000000"),
    "seed_huge": ("seed = 11", f"seed = {HUGE}"),
    "seed_negative": ("seed = 11", "seed = -1"),
    "factor_huge": ("[0.1, 0.9]", f"[0.1, {HUGE}]"),
    "factor_inf": ("[0.1, 0.9]", "[0.1, inf]"),
    "factor_nan": ("[0.1, 0.9]", "[0.1, nan]"),
    "factor_text": ("[0.1, 0.9]", '[0.1, "x"]'),
    "factor_nested": ("[0.1, 0.9]", "[[0.1], [0.9]]"),
    "num_1e9": ("num = 3", "num = 1000000000"),
    "num_huge": ("num = 3", f"num = {HUGE}"),
    "low_huge": ("low = 0.2", f"low = -{HUGE}"),
    "name_newline": ('name = "tiny"', 'name = "a\\nb"'),
    "name_nul": ('name = "tiny"', 'name = "a\\u0000b"'),
    "name_long": ('name = "tiny"', f'name = "{"n" * 300}"'),
    "name_slash": ('name = "tiny"', 'name = "a/b"'),
    "name_dotdot": ('name = "tiny"', 'name = ".."'),
    "name_tab": ('name = "tiny"', 'name = "a\\tb"'),
    "name_empty": ('name = "tiny"', 'name = ""'),
    "name_rtl": ('name = "tiny"', 'name = "a\\u202eb"'),
    "max_runs_huge": ("seed = 11", f"seed = 11\nmax_runs = {HUGE}"),
    "max_runs_exceeded": ("seed = 11", "seed = 11\nmax_runs = 2"),
    "record_every_huge": ("record_every = 8", f"record_every = {HUGE}"),
    "series_unknown": ('"goodwill_b"]', '"nope"]'),
    "unknown_key": ("seed = 11", "seed = 11\nbogus = 1"),
    "scenario_unknown": ("seed = 11", 'seed = 11\nscenario = "nope"'),
    "plot_kind": ("seed = 11", "seed = 11\n[[plots]]\nkind = 'pie'"),
    "plot_series": ("seed = 11", "seed = 11\n[[plots]]\nkind = 'timeseries'\nseries = ['x']"),
    "plot_metric": ("seed = 11", "seed = 11\n[[plots]]\nkind = 'bars'\nmetrics = ['nope']"),
    "plot_field": ("seed = 11", "seed = 11\n[[plots]]\nkind = 'outcomes'\ncolour = 'red'"),
    "plot_by": ("seed = 11", "seed = 11\n[[plots]]\nkind = 'outcomes'\nby = 'nope'"),
    "plot_run": ("seed = 11", "seed = 11\n[[plots]]\nkind = 'events'\nrun = -3"),
    "plot_title": ("seed = 11", "seed = 11\n[[plots]]\nkind = 'outcomes'\ntitle = 3"),
}

SAMPLED = {
    "lhs_1e12": ("lhs", "samples = 1000000000000"),
    "sobol_1e12": ("sobol", "samples = 1099511627776"),
    "morris_1e12": ("morris", "samples = 1000000000000"),
    "lhs_huge": ("lhs", f"samples = {HUGE}"),
    "morris_levels": ("morris", "samples = 4\nlevels = 1000000000000"),
    "sobol_not_power": ("sobol", "samples = 1000"),
}


def _sampled_spec(kind: str, line: str) -> str:
    return (
        f'name = "s"\ndescription = "d"\nsteps = 10\n[design]\nkind = "{kind}"\n{line}\n'
        '[design.factors]\n"a.dependency" = [0.1, 0.9]\n"b.dependency" = [0.1, 0.9]\n'
    )


CALIBRATION_VALUES = {
    "unknown-parameter": ('"env.alternatives" = {}', '"env.alternative" = {}'),
    "unknown-trait": ('"env.alternatives" = {}', '"a.jealousy" = {}'),
    "prior-outside-range": ("low = 0.2, high = 1.0", "low = 0.2, high = 1.5"),
    "prior-reversed": ("low = 0.05, high = 0.6", "low = 0.6, high = 0.05"),
    "prior-huge": ("low = 0.05, high = 0.6", f"low = 0.05, high = {HUGE}"),
    "prior-unknown-kind": ('"env.alternatives" = {}', '"env.alternatives" = { kind = "beta" }'),
    "unknown-target": ('validation = "V1"', 'validation = "V99"'),
    "couples-zero": ("couples = 1000", "couples = 0"),
    "couples-huge": ("couples = 1000", f"couples = {HUGE}"),
    "years-text": ("years = 10", 'years = "ten"'),
    "particles-negative": ("particles = 500", "particles = -5"),
    "unknown-key": ("seed = 2024", "seed = 2024\nsed = 1"),
    "population-unknown": ('population = "newlyweds"', 'population = "nobody"'),
    "name-newline": ('name = "calibrate_newlyweds"', 'name = "a\\nb"'),
    "csv-missing": ('validation = "V1"', 'csv = "absent.csv"'),
    "csv-wrong-columns": ('validation = "V1"', 'csv = "mine.csv"'),
    "csv-share-above-one": ('validation = "V1"', 'csv = "mine.csv"'),
    "csv-not-a-number": ('validation = "V1"', 'csv = "mine.csv"'),
}
"""Bad values of a calibration spec: each replaces one line of the shipped example."""

CSV_TABLES = {
    "csv-wrong-columns": "when,how_many\n1,0.1\n",
    "csv-share-above-one": "year,ended\n1,1.4\n",
    "csv-not-a-number": "year,ended\n1,lots\n",
}
"""The CSV tables of targets the calibration cases that name ``mine.csv`` write."""


def _file_cases() -> list[Case]:
    cases = []
    kinds = {
        "scenario": (SCENARIO, lambda p: ("run", p, "--couples", "2", "--steps", "2")),
        "story": (SCENARIO, lambda p: ("story", p, "--steps", "2")),
        "population": (
            POPULATION,
            lambda p: ("run", "--population", p, "--couples", "2", "--steps", "2"),
        ),
        "spec": (SPEC, lambda p: ("sweep", p, "--executor", "serial", "--out", "{tmp}/out")),
        "dryrun": (SPEC, lambda p: ("sweep", p, "--dry-run")),
        "targets": (TARGETS, lambda p: ("validate", "--quick", "--targets", p, "--out", "{tmp}/v")),
        "calibration": (
            CALIBRATION,
            lambda p: ("calibrate", p, "--executor", "serial", "--quiet", "--out", "{tmp}/cal"),
        ),
    }
    for kind, (good, argv) in kinds.items():
        for name, content in _file_corruptions(good).items():
            path = f"{{tmp}}/bad_{kind}.toml"
            sub = content == "fifo"
            cases.append(Case(f"{kind}-{name}", argv(path), ((path, content),), sub=sub))
    base_spec = (
        'name = "b"\ndescription = "d"\nsteps = 5\nscenario = "{tmp}/base.toml"\n'
        '[design]\nkind = "scenarios"\n'
    )
    for name, content in _file_corruptions(SCENARIO).items():
        files = (("{tmp}/base.toml", content), ("{tmp}/spec.toml", base_spec.encode()))
        argv = ("sweep", "{tmp}/spec.toml", "--executor", "serial", "--out", "{tmp}/out")
        cases.append(Case(f"base-scenario-{name}", argv, files, sub=content == "fifo"))
    for name, text in _scenario_values().items():
        path = "{tmp}/sc.toml"
        cases.append(Case(f"scenario-value-{name}", ("story", path), ((path, text.encode()),)))
        argv = ("run", path, "--couples", "2", "--steps", "2", "--out", "{tmp}/out")
        cases.append(Case(f"run-value-{name}", argv, ((path, text.encode()),)))
    for name, extra in POPULATION_VALUES.items():
        text = POPULATION.split("\n[env]")[0] + extra
        path = "{tmp}/pop.toml"
        argv = ("run", "--population", path, "--couples", "2", "--steps", "2")
        cases.append(Case(f"population-value-{name}", argv, ((path, text.encode()),)))
    for name, (old, new) in SPEC_VALUES.items():
        text = _replace(SPEC, old, new).encode()
        path = "{tmp}/spec.toml"
        run = ("sweep", path, "--executor", "serial", "--out", "{tmp}/out")
        cases.append(Case(f"spec-value-{name}", run, ((path, text),), sub="1e9" in name))
        if not name.startswith("plot") and name not in PAST_A_WORK_LIMIT:
            cases.append(
                Case(f"dryrun-value-{name}", ("sweep", path, "--dry-run"), ((path, text),))
            )
    for name, (old, new) in CALIBRATION_VALUES.items():
        files = [("{tmp}/cal.toml", _replace(CALIBRATION, old, new).encode())]
        if name in CSV_TABLES:
            files.append(("{tmp}/mine.csv", CSV_TABLES[name].encode()))
        argv = ("calibrate", "{tmp}/cal.toml", "--executor", "serial", "--out", "{tmp}/cal")
        cases.append(Case(f"calibration-value-{name}", argv, tuple(files)))
    for name, (kind, line) in SAMPLED.items():
        text = _sampled_spec(kind, line).encode()
        path = "{tmp}/spec.toml"
        run = ("sweep", path, "--executor", "serial", "--out", "{tmp}/out")
        cases.append(Case(f"sampled-{name}", run, ((path, text),), sub=True))
        cases.append(Case(f"sampled-dryrun-{name}", ("sweep", path, "--dry-run"), ((path, text),)))
    for name in ("a" * 300, "bad\x00name", "a\nb", "../" * 2000 + "x.toml"):
        shown = name[:12].encode("unicode_escape").decode()
        cases.append(Case(f"name-run-{shown}", ("run", name, "--couples", "2")))
        cases.append(Case(f"name-story-{shown}", ("story", name)))
        cases.append(Case(f"name-population-{shown}", ("run", "--population", name)))
        cases.append(Case(f"name-sweep-{shown}", ("sweep", name)))
    for special in ("/dev/zero", "/dev/null", "/proc/self/mem", "/"):
        cases.append(Case(f"special-sweep-{special}", ("sweep", special), sub=True))
        cases.append(Case(f"special-story-{special}", ("story", special), sub=True))
    return cases


# --- command-line flags x bad values -------------------------------------------------
BAD_WHOLE = ("-1", "x", "1.5", "1e400", "", str(2**70), "9" * 5000, "10**9", "nan")


def _flag_cases() -> list[Case]:
    sc = str(FIXTURES / "scenarios" / "tiny.toml")
    spec = str(FIXTURES / "experiments" / "tiny.toml")
    commands = {
        "run": (("run", sc, "--out", "{tmp}/out"), ("--steps", "--couples", "--seed", "--workers")),
        "story": (("story", sc), ("--steps", "--seed")),
        "market": (
            ("market", "run", "--out", "{tmp}/m"),
            ("--size", "--weeks", "--seed"),
        ),
        "kh": (("market", "kalick-hamilton"), ("--people", "--seed")),
        "sweep": (
            ("sweep", spec, "--executor", "serial", "--out", "{tmp}/out"),
            ("--workers", "--chunk-size"),
        ),
        "validate": (("validate", "--quick", "--out", "{tmp}/v"), ("--seed",)),
    }
    cases = []
    for cmd, (argv, flags) in commands.items():
        for flag in flags:
            for i, value in enumerate(BAD_WHOLE):
                if flag == "--seed" and value in ("",):
                    continue
                cases.append(Case(f"flag-{cmd}{flag}-{i}", (*argv, flag, value)))
    too_big = {
        "run-couples-1e7": ("run", sc, "--couples", "10000000", "--out", "{tmp}/out"),
        "run-couples-1e12": ("run", sc, "--couples", "1000000000000", "--out", "{tmp}/out"),
        "run-steps-1e9": ("run", sc, "--steps", "1000000000", "--out", "{tmp}/out"),
        "run-work": ("run", sc, "--couples", "900000", "--steps", "50000", "--out", "{tmp}/o"),
        "story-steps-1e12": ("story", sc, "--steps", "1000000000000"),
        "market-weeks-1e9": ("market", "run", "--weeks", "1000000000", "--out", "{tmp}/m"),
        "market-work": (
            "market",
            "run",
            "--size",
            "100000",
            "--weeks",
            "52000",
            "--out",
            "{tmp}/m",
        ),
        "kh-people-1e12": ("market", "kalick-hamilton", "--people", "1000000000000"),
        "kh-people-1e6": ("market", "kalick-hamilton", "--people", "1000000"),
    }
    cases += [Case(f"bound-{k}", v, sub=True) for k, v in too_big.items()]
    for i, value in enumerate(("garbage", "tcp://host", "tcp://h:99999", "http://h:1", "h:")):
        argv = ("sweep", spec, "--scheduler", value, "--out", "{tmp}/out")
        cases.append(Case(f"flag-scheduler-{i}", argv))
    for i, value in enumerate(("a=b", "market.size=1e400", "market.size=nan", "nope.x=1", "x")):
        cases.append(Case(f"flag-market-set-{i}", ("market", "run", "--set", value)))
    for i, value in enumerate(("b.narcissism=1e400", "b.narcissism=nan", "x", "a.nope=1", "=1")):
        argv = ("run", sc, "--set", value, "--out", "{tmp}/out")
        cases.append(Case(f"flag-run-set-{i}", argv))
        cases.append(Case(f"flag-story-set-{i}", ("story", sc, "--set", value)))
        cases.append(Case(f"flag-app-set-{i}", ("app", "--scenario", sc, "--set", value)))
    for i, value in enumerate(("0", "65536", "x", "-1", "1e400", "9" * 5000)):
        cases.append(Case(f"flag-app-port-{i}", ("app", "--scenario", sc, "--port", value)))
    for name, content in _file_corruptions(SCENARIO).items():
        path = "{tmp}/app.toml"
        cases.append(
            Case(
                f"app-scenario-{name}",
                ("app", "--scenario", path),
                ((path, content),),
                sub=content == "fifo",
            )
        )
        cases.append(
            Case(
                f"app-population-{name}",
                ("app", "--population", path),
                ((path, content),),
                sub=content == "fifo",
            )
        )
    cases.append(
        Case(
            "flag-run-set-long-name",
            ("run", sc, *[f"--set=env.patience={40 + i}" for i in range(1)])
            + tuple(f"--set=a.{t}=0.{i + 1}1234567" for i, t in enumerate(_traits()))
            + tuple(f"--set=b.{t}=0.{i + 1}1234567" for i, t in enumerate(_traits()))
            + ("--out", "{tmp}/out"),
        )
    )
    outs = {
        "file": "{tmp}/afile",
        "under-file": "{tmp}/afile/sub",
        "proc": "/proc/relsim-fuzz",
        "nul": "{tmp}/a\x00b",
        "newline": "{tmp}/a\nb",
        "long": "{tmp}/" + "d" * 300,
    }
    for name, out in outs.items():
        files = (("{tmp}/afile", b"x"),)
        cases.append(Case(f"out-sweep-{name}", ("sweep", spec, "--out", out), files))
        cases.append(Case(f"out-run-{name}", ("run", sc, "--couples", "2", "--out", out), files))
        cases.append(Case(f"out-market-{name}", ("market", "run", "--out", out), files))
        cases.append(Case(f"out-validate-{name}", ("validate", "--out", out), files))
    for cmd in ("plot", "report", "discover", "export"):
        extra = {"discover": ("--outcome", "mutual"), "export": ("--format", "csv")}.get(cmd, ())
        for name, path in (("missing", "{tmp}/none"), ("nul", "a\x00b"), ("long", "x" * 5000)):
            cases.append(Case(f"results-{cmd}-{name}", (cmd, path, *extra)))
    for i, (flag, value) in enumerate(
        (("--density", "nan"), ("--density", "1e400"), ("--boxes", "0"), ("--boxes", "1e9"))
    ):
        cases.append(
            Case(f"flag-discover-{i}", ("discover", "{tmp}/none", "--outcome", "x", flag, value))
        )
    return cases


def _traits() -> tuple[str, ...]:
    from sim.model.parameters import TRAIT_NAMES

    return TRAIT_NAMES


# --- results folders x damage ----------------------------------------------------------
DAMAGE = {
    "runs-garbage": ("runs.parquet", b"not parquet at all"),
    "runs-empty": ("runs.parquet", b""),
    "runs-truncated": ("runs.parquet", "truncate"),
    "runs-deleted": ("runs.parquet", None),
    "manifest-garbage": ("manifest.json", b"{ not json"),
    "manifest-array": ("manifest.json", b"[1, 2]"),
    "manifest-latin1": ("manifest.json", '{"name": "caf\xe9"}'.encode("latin-1")),
    "manifest-nospec": ("manifest.json", b'{"name": "x"}'),
    "manifest-badspec": ("manifest.json", b'{"name": "x", "spec": "[[[ ["}'),
    "manifest-deep": ("manifest.json", b"[" * 100000 + b"]" * 100000),
    "manifest-sessions": ("manifest.json", "sessions"),
    "timeseries-garbage": ("timeseries/part-000000.parquet", b"garbage"),
    "timeseries-deleted": ("timeseries", None),
    "ledger-garbage": ("chunks/consolidated.json", b"{ nope"),
    "ledger-type": ("chunks/consolidated.json", b'{"a": 1}'),
    "chunk-garbage": ("chunks/part-000099.arrow", b"garbage"),
}
STUDY = ("--couples", "2", "--steps", "8")
"""The size of the ``relsim run`` study whose folder is damaged (``{tmp}/res/tiny``)."""
RESULT_COMMANDS = {
    "plot": ("plot", "{tmp}/res"),
    "report": ("report", "{tmp}/res"),
    "export": ("export", "{tmp}/res"),
    "sweep": ("sweep", str(FIXTURES / "experiments" / "tiny.toml"), "--out", "{tmp}/res"),
    "run": ("run", str(FIXTURES / "scenarios" / "tiny.toml"), *STUDY, "--out", "{tmp}/res"),
}
# Damage a command does not read (or, for a sweep, repairs by running the runs again).
SKIP = {
    *((cmd, name) for cmd in ("sweep", "run") for name in ("timeseries-deleted", "runs-deleted")),
    ("export", "timeseries-deleted"),
    ("export", "manifest-nospec"),
    ("export", "manifest-badspec"),
    *((cmd, name) for cmd in ("plot", "report", "export") for name in DAMAGE if "chunk" in name),
    *((cmd, name) for cmd in ("plot", "report", "export") for name in DAMAGE if "ledger" in name),
}


def _results_cases() -> list[Case]:
    return [
        Case(f"results-{cmd}-{name}", argv, results=True)
        for cmd, argv in RESULT_COMMANDS.items()
        for name in DAMAGE
        if (cmd, name) not in SKIP
    ]


CASES = _file_cases() + _flag_cases() + _results_cases()
IN_PROCESS = [c for c in CASES if not c.sub]
SUBPROCESS = [c for c in CASES if c.sub]


def test_the_suite_has_hundreds_of_cases_across_every_command():
    assert len({c.id for c in CASES}) == len(CASES) >= 200
    commands = {c.argv[0] for c in CASES}
    assert commands >= {"run", "story", "sweep", "market", "validate", "plot", "report", "export"}


# --- running and checking ------------------------------------------------------------
def _materialise(case: Case, tmp: Path) -> tuple[str, ...]:
    for name, content in case.files:
        path = Path(name.format(tmp=tmp))
        if content == "dir":
            path.mkdir()
        elif content == "fifo":
            os.mkfifo(path)
        elif content == "sparse":
            with open(path, "wb") as f:
                f.truncate(2_000_000)
        else:
            data = content if isinstance(content, bytes) else content.encode()
            path.write_bytes(data.replace(b"{tmp}", os.fsencode(tmp)))
    return tuple(a.replace("{tmp}", str(tmp)) for a in case.argv)


def _tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with a hash of its bytes (the folder's lock aside)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = "dir"
        for f in filenames:
            path = Path(dirpath) / f
            if f == ".relsim.lock" or path.is_fifo():
                out[os.path.relpath(path, root)] = "lock"
                continue
            out[os.path.relpath(path, root)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _check(case: Case, status: object, err: str, before: dict, after: dict) -> None:
    lines = err.strip("\n").split("\n")
    assert "Traceback" not in err, f"{case.id}: {err}"
    assert status == 2, f"{case.id}: status {status}: {err}"
    assert len(lines) == 1 and lines[0].startswith("relsim"), f"{case.id}: {err!r}"
    assert ": error: " in lines[0], f"{case.id}: {err!r}"
    assert after == before, f"{case.id}: wrote {set(after.items()) ^ set(before.items())}"


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory):
    """A finished tiny sweep, copied for every case that damages one of its files."""
    root = tmp_path_factory.mktemp("fuzz") / "res"
    status = main(
        [
            "sweep",
            str(FIXTURES / "experiments" / "tiny.toml"),
            "--executor",
            "serial",
            "--quiet",
            "--no-report",
            "--out",
            str(root),
        ]
    )
    assert status == 0
    return root


@pytest.fixture(scope="module")
def study_folder(tmp_path_factory):
    """A results folder holding a finished ``relsim run`` study of the tiny scenario."""
    root = tmp_path_factory.mktemp("fuzz_study") / "res"
    status = main(["run", str(FIXTURES / "scenarios" / "tiny.toml"), *STUDY, "--out", str(root)])
    assert status == 0 and (root / "tiny" / "manifest.json").is_file()
    return root


def _damage(root: Path, name: str) -> None:
    target, content = DAMAGE[name]
    path = root / target
    if content is None:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    elif content == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif content == "sessions":
        import json

        m = json.loads(path.read_text())
        m["sessions"] = ["x"]
        path.write_text(json.dumps(m))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout(f"took more than {SECONDS} s")


@pytest.mark.parametrize("case", IN_PROCESS, ids=[c.id for c in IN_PROCESS])
def test_bad_input_is_one_line_exit_2_nothing_written(case, tmp_path, capsys, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    if case.results:
        study = case.argv[0] == "run"
        shutil.copytree(
            request.getfixturevalue(f"{'study' if study else 'results'}_folder"), tmp_path / "res"
        )
        _damage(tmp_path / "res" / ("tiny" if study else ""), case.id.split("-", 2)[2])
    argv = _materialise(case, tmp_path)
    before = _tree(tmp_path)
    capsys.readouterr()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS)
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = exit_.code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    err = capsys.readouterr().err
    _check(case, status, err, before, _tree(tmp_path))


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (SECONDS, SECONDS))


def _run_sub(case: Case, tmp: Path) -> tuple[object, str, dict, dict]:
    tmp.mkdir(parents=True)
    argv = _materialise(case, tmp)
    before = _tree(tmp)
    code = "import sys; from sim.cli.main import main; sys.exit(main(sys.argv[1:]))"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, *argv],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=SECONDS,
            preexec_fn=_limits,
        )
        status, err = done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        status, err = "timeout", f"took more than {SECONDS} s"
    return status, err, before, _tree(tmp)


@pytest.fixture(scope="module")
def subprocess_outcomes(tmp_path_factory):
    """Every subprocess case, run two at a time under limits on memory and time."""
    root = tmp_path_factory.mktemp("fuzz_sub")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            c.id: pool.submit(_run_sub, c, root / f"case{i}") for i, c in enumerate(SUBPROCESS)
        }
        return {k: f.result() for k, f in futures.items()}


@pytest.mark.slow
@pytest.mark.parametrize("case", SUBPROCESS, ids=[c.id for c in SUBPROCESS])
def test_bad_input_that_could_hang_or_blow_up_memory(case, subprocess_outcomes):
    _check(case, *subprocess_outcomes[case.id])
