"""One process at a time in a results folder: a lock held for as long as it writes.

Two sweeps of the same spec into one folder would both compute every pending run and
write chunk files of the same names. The first process to start takes the folder's
lock (``.relsim.lock``, an exclusive ``flock`` on that file, with its process id and
command written inside); a second is refused with one line naming the holder. The
operating system releases the lock when its holder exits, however it exits (SIGKILL
and power loss included), so a lock left behind by a dead process is simply free: it
is taken over, and the file's contents rewritten, with nothing to clean up by hand.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import InputError

LOCK = ".relsim.lock"
"""Name of the lock file in a results folder."""


def holder(root: str | Path) -> str:
    """What the lock file of ``root`` says of its last holder (``""`` when none)."""
    try:
        return (Path(root) / LOCK).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


@contextmanager
def hold(root: str | Path, what: str = "") -> Iterator[None]:
    """Hold the lock of results folder ``root`` (created if needed) inside the block.

    Parameters
    ----------
    root : path
        The results folder.
    what : str
        What the holder does there, written into the lock file for the refusal message.

    Raises
    ------
    InputError
        If another live process holds the lock.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            said = holder(root) or "another process"
            raise InputError(
                str(root),
                "",
                f"in use by {said}; wait for it to finish or stop it, or use --out to "
                "write elsewhere",
            ) from None
        doing = what or " ".join(sys.argv[:2])
        text = f"process {os.getpid()} ({doing}, since {time.strftime('%Y-%m-%d %H:%M:%S')})"
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def hold_if_results(root: str | Path) -> Iterator[None]:
    """Hold the lock of ``root`` when it is a results folder (it has a manifest); do
    nothing otherwise, leaving the command to say what is wrong with the path."""
    from sim.experiment.storage import MANIFEST

    if (Path(root) / MANIFEST).is_file():
        with hold(root):
            yield
    else:
        yield
