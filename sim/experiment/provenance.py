"""Provenance for the manifest: code version, git commit, package versions, times, and
the fingerprint of the code that decides a model's results."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import platform
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "relsim",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "SALib",
    "mesa",
    "dask",
    "distributed",
    "tqdm",
)
"""Packages whose versions every manifest records."""


def now() -> str:
    """The current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_versions() -> dict[str, str | None]:
    """Installed version of each of :data:`PACKAGES` (None when not installed)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> dict[str, object] | None:
    """The commit of the source tree this package runs from, and whether it has changes.

    None when the package does not run from a git work tree.
    """
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", "sim"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "modified": bool(dirty)}


def code_text(source: str) -> str:
    """The code of a module's source, without its docstrings, as a canonical text.

    The source is parsed with :mod:`ast`; every statement that is a bare string (a
    module, class or function docstring, or the docstring written under a constant)
    is dropped, and the tree is dumped without line numbers. Docstrings, comments,
    blank lines and formatting therefore do not show in the text; any change to what
    the code does does.
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                setattr(node, name, [s for s in block if not _is_bare_string(s)])
    return ast.dump(tree)


def _is_bare_string(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def code_fingerprint(modules: Iterable[str]) -> str:
    """SHA-256 of the code (see :func:`code_text`) of the named modules.

    Modules are found by name without being imported and hashed in sorted order, so
    the fingerprint depends on their names and code only: a docstring edit leaves it
    as it was, any change to the code changes it.

    Raises
    ------
    ValueError
        For a module that cannot be found or has no source file.
    """
    digest = hashlib.sha256()
    for name in sorted(set(modules)):
        found = importlib.util.find_spec(name)
        if found is None or not found.origin or not found.has_location:
            raise ValueError(f"{name}: no source file to fingerprint")
        with open(found.origin, encoding="utf-8") as fh:
            source = fh.read()
        digest.update(name.encode() + b"\0" + code_text(source).encode() + b"\0")
    return digest.hexdigest()
