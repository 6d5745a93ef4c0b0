"""Atomic file writes: the one way the project writes a file.

A file is written to a temporary name in its own folder, flushed to disk
(``fsync``) and renamed onto its final name with :func:`os.replace`, which is atomic
on POSIX and Windows. A reader, or a process killed at any instant (even by SIGKILL),
sees either the old file, the whole new one, or none; never half a file. Temporary
names begin with :data:`TEMPORARY_PREFIX`, so that whoever owns a folder can sweep
away the leftovers of a killed writer.

Writers that take a path (pyarrow, matplotlib) write to the path :func:`replacing`
yields; :func:`write_bytes` and :func:`write_text` cover the rest.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMPORARY_PREFIX = ".tmp-"
"""How the name of every temporary file begins."""


def temporary_name(path: str | os.PathLike) -> Path:
    """A fresh temporary name beside ``path`` (same folder, so the rename is atomic)."""
    path = Path(path)
    return path.with_name(f"{TEMPORARY_PREFIX}{uuid.uuid4().hex[:16]}-{path.name}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write ``path``'s new contents to; then put it in place.

    When the block ends without an exception the temporary file is flushed to disk and
    renamed onto ``path``; when it raises, the temporary file is removed and ``path``
    is left as it was.

    Examples
    --------
    >>> with replacing(folder / "figure.png") as tmp:  # doctest: +SKIP
    ...     fig.savefig(tmp, format="png")
    """
    target = Path(path)
    tmp = temporary_name(target)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with replacing(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; return the path."""
    return write_bytes(path, text.encode(encoding))
