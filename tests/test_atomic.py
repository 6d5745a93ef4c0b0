"""Atomic writes: a failed write leaves the old file, and every writer of ``sim`` uses them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sim import atomic

SIM = Path(__file__).resolve().parent.parent / "sim"

PATH_WRITERS = {
    "savefig",
    "write_table",
    "to_parquet",
    "write_csv",
    "CSVWriter",
    "ParquetWriter",
    "save",
}
"""Calls that write a file at a path they are given: the libraries', and relsim's own
``style.save`` (a figure's ``savefig`` in relsim's style), whose callers are checked."""

PASS_THROUGH = {("sim/views/style.py", "save")}
"""Functions that only hand their caller's target on to a library writer."""


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "page.html"
    atomic.write_text(path, "old")
    atomic.write_text(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    path = tmp_path / "runs.parquet"
    atomic.write_bytes(path, b"whole")
    with pytest.raises(RuntimeError), atomic.replacing(path) as tmp:
        tmp.write_bytes(b"ha")
        raise RuntimeError("killed half way")
    assert path.read_bytes() == b"whole"
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]


def test_temporary_names_sit_beside_the_file_with_the_prefix(tmp_path):
    name = atomic.temporary_name(tmp_path / "manifest.json")
    assert name.parent == tmp_path and name.name.startswith(atomic.TEMPORARY_PREFIX)
    assert name != atomic.temporary_name(tmp_path / "manifest.json")


def _mode(call: ast.Call) -> set[str]:
    """Letters of the mode an ``open`` call is given."""
    mode = call.args[1] if len(call.args) > 1 else None
    mode = next((k.value for k in call.keywords if k.arg == "mode"), mode)
    return (
        set(mode.value) if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else set()
    )


def _writes(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            yield node, name, func


def _buffers(tree: ast.AST) -> set[str]:
    """Names bound to an in-memory buffer (``buf = io.BytesIO()``), which are no file."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("BytesIO", "StringIO"):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def test_every_file_sim_writes_goes_through_the_atomic_writer():
    """Files are written by ``sim.atomic``, or by a library into its temporary path (or
    into an in-memory buffer, which is no file)."""
    offenders = []
    for path in sorted(SIM.rglob("*.py")):
        if path.name == "atomic.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        buffers = _buffers(tree) | {"tmp"}
        rel = str(path.relative_to(SIM.parent))
        inside = {
            id(n)
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef) and (rel, f.name) in PASS_THROUGH
            for n in ast.walk(f)
        }
        for node, name, func in _writes(tree):
            if id(node) in inside:
                continue
            where = f"{path.relative_to(SIM.parent)}:{node.lineno}"
            if name in ("write_text", "write_bytes"):
                owner = func.value if isinstance(func, ast.Attribute) else None
                if not (isinstance(owner, ast.Name) and owner.id == "atomic"):
                    offenders.append(f"{where} {name}")
            elif name == "open" and _mode(node) & set("wax"):
                offenders.append(f"{where} open for writing")
            elif name in PATH_WRITERS:
                owner = func.value if isinstance(func, ast.Attribute) else None
                if isinstance(owner, ast.Name) and owner.id == "writer":
                    continue  # a writer already opened on a temporary path
                args = [*node.args, *(k.value for k in node.keywords)]
                if not any(isinstance(a, ast.Name) and a.id in buffers for a in args):
                    offenders.append(f"{where} {name} not into an atomic temporary")
    assert offenders == []
