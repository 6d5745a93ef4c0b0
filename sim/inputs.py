"""One validation layer for every input: files, values, names, paths and the work asked.

Every reader of the project goes through this module, so that each rule is written
once:

- :func:`read_toml` (and :func:`read_text`) read a file that must be a regular file of
  at most :data:`MAX_FILE_BYTES`, in UTF-8, with no NUL byte; TOML errors name the line.
- :func:`check_tree` bounds nesting (:data:`MAX_DEPTH`) and refuses numbers that are not
  finite or not representable (integers beyond 64 bits, NaN, infinities).
- :func:`safe_name` and :func:`safe_path` refuse names and paths that cannot be a
  folder: control characters, separators in a name, more than :data:`MAX_NAME_BYTES`.
- :func:`check_work` refuses a request whose work or memory passes a documented
  limit, saying what it would take and how to allow it.

Every rejection is an :class:`~sim.errors.InputError` (the file, the key, what was
expected), which the command line prints as one line with exit status 2.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import InputError

MAX_FILE_BYTES = 1_000_000
"""Largest input file (scenario, population, spec, targets, calibration spec) read."""

MAX_DEPTH = 16
"""Deepest nesting of tables and arrays in an input file (or a spec given as a dict)."""

MAX_INTEGER = 2**63 - 1
"""Largest integer (in magnitude) an input may hold: TOML's 64-bit integers."""

MAX_SEED = MAX_INTEGER
"""Largest seed a command or a spec accepts."""

MAX_NAME_BYTES = 100
"""Longest name (an experiment's, a results folder's) in bytes of UTF-8."""

MAX_PATH_BYTES = 4096
"""Longest path given on the command line or in a file, in bytes of UTF-8."""

MAX_COMPONENT_BYTES = 255
"""Longest component of a path (a file or folder name), in bytes of UTF-8."""

MAX_STEPS = 52_000
"""Most weeks (steps) a run, a story or a market may last: a thousand years."""

MAX_COUPLE_WEEKS = 2_000_000_000
"""Most couple-weeks (couples x weeks) ``relsim run`` computes without ``--force``."""

MAX_COUPLES = 1_000_000
"""Most couples ``relsim run`` runs without ``--force``."""

MAX_RUN_STEPS = 10_000_000_000
"""Most run-steps (runs x steps) a sweep computes without ``--force``."""

MAX_SERIES_VALUES = 500_000_000
"""Most recorded series values (runs x records x columns) a sweep stores without
``--force`` (8 bytes each, before compression)."""

MAX_PERSON_WEEKS = 500_000_000
"""Most person-weeks (people x weeks) ``relsim market run`` computes without ``--force``."""

MAX_KH_PEOPLE = 200_000
"""Most people of ``relsim market kalick-hamilton`` without ``--force``."""

BYTES_PER_COUPLE = 800
"""Rough memory of one couple of a run (state, parameters, its row), for messages."""


def read_text(path: str | os.PathLike, what: str, source: str | None = None) -> tuple[str, str]:
    """The text of an input file, and how errors name it.

    Parameters
    ----------
    path : path
        The file.
    what : str
        What it should hold (``"spec"``), for messages.
    source : str, optional
        How errors name the file (default: the path as given).

    Raises
    ------
    InputError
        When the path is not a regular file (a folder, a device, a FIFO), is larger
        than :data:`MAX_FILE_BYTES`, cannot be read, is not UTF-8 or holds a NUL byte.
    """
    name = safe_path(os.fspath(path), "path")
    src = source or name
    try:
        info = os.stat(name)
    except OSError as err:
        raise InputError(src, "", f"cannot read the {what} ({err.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(src, "", f"expected a regular file holding a {what}")
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(
            src, "", f"{info.st_size:,} bytes is larger than a {what} may be ({MAX_FILE_BYTES:,})"
        )
    try:
        with open(name, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise InputError(src, "", f"cannot read the {what} ({err.strerror})") from None
    return decode_text(raw, what, src), src


def decode_text(raw: bytes, what: str, source: str) -> str:
    """The text of an input file's bytes (read from disk, or uploaded).

    Raises
    ------
    InputError
        When they are more than :data:`MAX_FILE_BYTES`, not UTF-8 or hold a NUL byte,
        naming ``source``.
    """
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(source, "", f"larger than a {what} may be ({MAX_FILE_BYTES:,} bytes)")
    if b"\0" in raw:
        raise InputError(source, "", f"a binary file, not a {what} (it holds a NUL byte)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            source, "", f"not UTF-8 text (byte {err.start}); save it as UTF-8"
        ) from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text and :func:`check_tree` it; errors name ``source`` and the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(source, "", f"malformed TOML: {err}") from None
    except RecursionError:
        raise InputError(
            source, "", f"nested too deeply; expected at most {MAX_DEPTH} levels"
        ) from None
    check_tree(data, source)
    return data


def read_toml(
    path: str | os.PathLike, what: str, source: str | None = None
) -> tuple[dict[str, Any], str, str]:
    """A TOML input file's contents checked by :func:`check_tree`, its text and how
    errors name it; see :func:`read_text` for the file checks."""
    text, src = read_text(path, what, source)
    return parse_toml(text, src), text, src


def check_tree(data: object, source: str, prefix: str = "") -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and numbers that are not finite or
    not representable, naming the key (without recursion, whatever the depth).

    Raises
    ------
    InputError
        For the first such value found.
    """
    stack: list[tuple[object, str, int]] = [(data, prefix, 0)]
    while stack:
        value, key, depth = stack.pop()
        if isinstance(value, Mapping | list | tuple):
            if depth >= MAX_DEPTH:
                raise InputError(
                    source, key, f"nested too deeply; expected at most {MAX_DEPTH} levels"
                )
            items = (
                (((f"{key}.{k}" if key else str(k)), v) for k, v in value.items())
                if isinstance(value, Mapping)
                else ((f"{key}[{i}]", v) for i, v in enumerate(value))
            )
            stack.extend((v, k, depth + 1) for k, v in items)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_INTEGER:
                got = _digits(value)
                raise InputError(source, _short(key), f"expected a 64-bit integer, got {got}")
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputError(source, _short(key), f"expected a finite number, got {value}")


def _short(key: str) -> str:
    """A key as messages show it: on one line, at most 200 characters."""
    key = printable(key)
    return key if len(key) <= 200 else key[:200] + "..."


def _digits(value: int) -> str:
    """A huge integer in a few words (its number of digits), without converting it."""
    return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"


def printable(text: str) -> str:
    """``text`` with control characters written as escapes, so that it stays on a line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _bad_character(text: str) -> str | None:
    """The first control or format character of ``text`` as an escape, or None."""
    for c in text:
        if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            return repr(c)[1:-1] if repr(c)[1:-1] != c else f"U+{ord(c):04X}"
    return None


def safe_name(value: object, source: str, key: str = "name") -> str:
    """``value`` when it can be a folder's name: one path component of text.

    Raises
    ------
    InputError
        For a name that is empty, ``.`` or ``..``, starts with ``.``, holds ``/`` or
        ``\\``, a control character (a line break, a NUL byte), or is longer than
        :data:`MAX_NAME_BYTES` bytes of UTF-8.
    """
    if not isinstance(value, str) or not value.strip():
        raise InputError(source, key, f"expected a non-empty name, got {value!r}")
    bad = _bad_character(value)
    if bad is not None:
        raise InputError(source, key, f"expected a name without control characters, found {bad}")
    if any(c in value for c in "/\\") or value.startswith("."):
        raise InputError(
            source, key, f"expected a plain folder name (no '/', '\\', leading '.'), got {value!r}"
        )
    if value != value.strip():
        raise InputError(source, key, f"expected a name without outer spaces, got {value!r}")
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        raise InputError(
            source, key, f"expected a name of at most {MAX_NAME_BYTES} bytes, got {size}"
        )
    return value


def safe_path(value: str | os.PathLike, source: str, key: str = "") -> str:
    """``value`` when it can be a path: no control characters, no component longer than
    :data:`MAX_COMPONENT_BYTES` bytes, at most :data:`MAX_PATH_BYTES` in all.

    ``source`` names the argument (``--out``) when ``key`` is empty; the path itself
    is named when it is shown safely.
    """
    text = os.fspath(value)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    where = (source, key) if key or source != "path" else (printable(text)[:200] or "''", "")
    if not text:
        raise InputError(*where, "expected a path, got an empty one")
    bad = _bad_character(text)
    if bad is not None:
        raise InputError(*where, f"expected a path without control characters, found {bad}")
    size = len(text.encode("utf-8", "surrogateescape"))
    if size > MAX_PATH_BYTES:
        raise InputError(*where, f"expected a path of at most {MAX_PATH_BYTES} bytes, got {size}")
    for part in Path(text).parts:
        if len(part.encode("utf-8", "surrogateescape")) > MAX_COMPONENT_BYTES:
            raise InputError(
                *where,
                f"a file or folder name of the path is longer than {MAX_COMPONENT_BYTES} bytes",
            )
    return text


def output_folder(value: str | os.PathLike, option: str) -> Path:
    """A folder results will be written to, checked before anything is written.

    Raises
    ------
    InputError
        When the path is unsafe (:func:`safe_path`), names something that is not a
        folder, or lies under a file or a folder where nothing can be created.
    """
    text = safe_path(value, option)
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise InputError(option, "", f"cannot write the results: {printable(text)} is not a folder")
    parent = path
    while not parent.exists():
        if parent.parent == parent:
            break
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        shown = printable(str(parent))
        raise InputError(option, "", f"cannot write the results: {shown} is a file, not a folder")
    resolved = parent.resolve()
    if resolved.parts[:2] in (("/", "proc"), ("/", "sys")):
        where = resolved.parts[1]
        raise InputError(option, "", f"cannot write the results under /{where}: not a disk folder")
    if parent.exists() and not os.access(parent, os.W_OK | os.X_OK):
        shown = printable(str(parent))
        raise InputError(option, "", f"cannot write the results: {shown} is not writable")
    return path


def whole(value: object, source: str, key: str, low: int = 0, high: int = MAX_INTEGER) -> int:
    """``value`` when it is a whole number in ``[low, high]`` (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(source, key, f"expected a whole number, got {_shown(value)}")
    if not low <= value <= high:
        span = f">= {low:,}" if high == MAX_INTEGER else f"in {low:,}-{high:,}"
        raise InputError(source, key, f"expected a whole number {span}, got {_shown(value)}")
    return value


def _shown(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return _digits(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "..."


def size(n: float) -> str:
    """A number of bytes in words (``7.4 GB``)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.0f} B"  # pragma: no cover


def check_work(
    source: str,
    key: str,
    amount: int,
    limit: int,
    unit: str,
    allow: str,
    force: bool = False,
    memory: int | None = None,
) -> None:
    """Refuse ``amount`` of work past ``limit`` unless ``force``.

    Parameters
    ----------
    source, key : str
        What asked for the work (a spec file and its key, or an option).
    amount, limit : int
        The work asked and the most allowed, in ``unit`` (``"couple-weeks"``).
    unit : str
        What is counted.
    allow : str
        How to allow it (``"use --force"``, ``"raise max_runs"``).
    force : bool
        Allow it anyway.
    memory : int, optional
        Bytes of memory it would take, for the message.

    Raises
    ------
    InputError
        One line: what it would take, the limit and how to allow it.
    """
    if force or amount <= limit:
        return
    takes = f" (about {size(memory)} of memory)" if memory else ""
    raise InputError(
        source, key, f"{amount:,} {unit}{takes} exceed the limit of {limit:,}; {allow}"
    )
