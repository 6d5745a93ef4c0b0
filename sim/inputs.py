"""One validation layer for every input: files, values, names, paths and the work asked.

Every reader of the project goes through this module, so that each rule is written
once:

- :func:`read_toml` (and :func:`read_text`) read a file that must be a regular file of
  at most :data:`MAX_FILE_BYTES`, in UTF-8, with no NUL byte; TOML errors name the line.
- :func:`check_tree` bounds nesting (:data:`MAX_DEPTH`) and refuses numbers that are not
  finite or not representable (integers beyond 64 bits, NaN, infinities).
- :func:`safe_name` and :func:`safe_path` refuse names and paths that cannot be a
  folder: control characters, separators in a name, more than :data:`MAX_NAME_BYTES`.
- :func:`check_work` refuses a request whose work or memory passes a work limit (a
  :class:`Limit`), saying what it would take and how to allow it: ``--force``, or the
  limit raised in its environment variable (``RELSIM_MAX_COUPLES=2000000``).

:data:`LIMITS` lists every limit, safety limits (fixed, each with its reason) and work
limits alike; the README's table of limits is made from it
(``python -m sim.model.docs --write README.md``).

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
from dataclasses import dataclass
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

MAX_WORKERS = 1024
"""Most worker processes a command starts."""

MAX_CHUNK_RUNS = 10_000_000
"""Most runs of one chunk (``--chunk-size``)."""

MAX_LEVELS = 1000
"""Most grid levels of a ``morris`` design."""

BYTES_PER_COUPLE = 800
"""Rough memory of one couple of a run (state, parameters, its row), for messages."""

BYTES_PER_PERSON = 400
"""Rough memory of one person of a market (traits, history, a couple slot), for messages."""


@dataclass(frozen=True)
class Limit:
    """A documented bound on an input (a safety limit) or on the work it asks (a work limit).

    A safety limit keeps garbage out and stays fixed (``reason`` says why). A work
    limit bounds what a request costs and can be passed: with ``--force`` on the
    command, or by raising it in the environment variable ``variable``.

    Attributes
    ----------
    name : str
        What it bounds, as the table of limits says it.
    default : int
        Its value unless raised.
    applies : str
        Where it applies (Markdown), for the table of limits.
    variable : str
        The environment variable that raises a work limit ("" when there is none).
    raise_key : str
        The spec key that raises it instead of a variable (``max_runs``), or "".
    reason : str
        Why a safety limit stays fixed ("" for a work limit).
    """

    name: str
    default: int
    applies: str
    variable: str = ""
    raise_key: str = ""
    reason: str = ""

    @property
    def hard(self) -> bool:
        """Whether it is a safety limit, which nothing passes."""
        return bool(self.reason)

    def value(self) -> int:
        """The limit in force: ``variable``'s value when it is set, else ``default``.

        Raises
        ------
        InputError
            When the variable is set to anything but a whole number >= 1.
        """
        text = os.environ.get(self.variable, "") if self.variable else ""
        if not text.strip():
            return self.default
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            value = 0
        if not 1 <= value <= MAX_INTEGER:
            shown = text if len(text) <= 40 else text[:40] + "..."
            raise InputError(self.variable, "", f"expected a whole number >= 1, got {shown!r}")
        return value

    def allow(self, amount: int) -> str:
        """How to allow ``amount``: ``--force``, or the limit raised to it."""
        if self.raise_key:
            return f"raise {self.raise_key} to {amount} or use --force"
        return f"use --force, or set {self.variable}={amount}"


STEPS = Limit(
    "weeks a run, a story or a market lasts",
    52_000,
    "`relsim run --steps`, `story --steps`, `market run --weeks`; a spec's `steps`",
    "RELSIM_MAX_STEPS",
)
RUNS = Limit(
    "runs of a sweep: `max_runs` of the spec",
    200_000,
    "`relsim sweep` (also a grid factor's `num`, a sampled design's `samples`)",
    raise_key="max_runs",
)
RUN_STEPS = Limit(
    "run-steps of a sweep (runs x steps)", 10_000_000_000, "`relsim sweep`", "RELSIM_MAX_RUN_STEPS"
)
SERIES_VALUES = Limit(
    "recorded series values of a sweep (runs x records x columns, 8 bytes each)",
    500_000_000,
    "`relsim sweep`",
    "RELSIM_MAX_SERIES_VALUES",
)
COUPLES = Limit("couples of a run", 1_000_000, "`relsim run --couples`", "RELSIM_MAX_COUPLES")
COUPLE_WEEKS = Limit(
    "couple-weeks of a run (couples x weeks)",
    2_000_000_000,
    "`relsim run`",
    "RELSIM_MAX_COUPLE_WEEKS",
)
PERSON_WEEKS = Limit(
    "person-weeks of a market (people x weeks)",
    500_000_000,
    "`relsim market run`",
    "RELSIM_MAX_PERSON_WEEKS",
)
KH_PEOPLE = Limit(
    "people of Kalick and Hamilton's market",
    200_000,
    "`relsim market kalick-hamilton --people`",
    "RELSIM_MAX_KH_PEOPLE",
)

LIMITS: tuple[Limit, ...] = (
    Limit(
        "size of an input file, in bytes",
        MAX_FILE_BYTES,
        "scenario, population, spec, targets and calibration files; `manifest.json`",
        reason="inputs are written by hand; a larger file is another kind of file",
    ),
    Limit(
        "nesting of tables and arrays in an input",
        MAX_DEPTH,
        "every input file, and a spec given as a dict",
        reason="no input needs more than four levels; deeper is garbage",
    ),
    Limit(
        "integers in an input (in magnitude), and seeds",
        MAX_INTEGER,
        "every input file and command-line value",
        reason="TOML's integers are 64-bit, and so are the engine's",
    ),
    Limit(
        "bytes of UTF-8 in a name",
        MAX_NAME_BYTES,
        "an experiment's `name`, a results folder's",
        reason="a name is one folder, kept well inside a file system's 255 bytes",
    ),
    Limit(
        "bytes of a path",
        MAX_PATH_BYTES,
        "`--out`, `SPEC`, `RESULTS` and paths in files",
        reason="the operating system's limit on a path (PATH_MAX)",
    ),
    Limit(
        "bytes of one part of a path",
        MAX_COMPONENT_BYTES,
        "`--out`, `SPEC`, `RESULTS` and paths in files",
        reason="the file system's limit on a name (NAME_MAX)",
    ),
    Limit(
        "worker processes",
        MAX_WORKERS,
        "`--workers`",
        reason="each worker is a process with the engine loaded",
    ),
    Limit(
        "runs of one chunk",
        MAX_CHUNK_RUNS,
        "`relsim sweep --chunk-size`",
        reason="results do not depend on chunking; a chunk is held in memory whole",
    ),
    Limit(
        "grid levels of a `morris` design",
        MAX_LEVELS,
        "a spec's `design.levels`",
        reason="finer levels change no elementary effect; runs are bounded by `max_runs`",
    ),
    STEPS,
    RUNS,
    RUN_STEPS,
    SERIES_VALUES,
    COUPLES,
    COUPLE_WEEKS,
    PERSON_WEEKS,
    KH_PEOPLE,
)
"""Every limit, safety limits first: the table of limits in the README is made from it."""


def limits_table() -> str:
    """The table of every limit and how to pass it, as Markdown (the README's)."""
    rows = [
        "| Limit | Value | Where | To go past it |",
        "|---|---|---|---|",
    ]
    for limit in LIMITS:
        if limit.hard:
            how = f"fixed: {limit.reason}"
        elif limit.raise_key:
            how = f"raise `{limit.raise_key}`, or `--force`"
        else:
            how = f"`--force`, or raise it: `{limit.variable}=N`"
        rows.append(f"| {limit.name} | {limit.default:,} | {limit.applies} | {how} |")
    return "\n".join(rows)


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
    limit: Limit,
    unit: str,
    force: bool = False,
    memory: int | None = None,
    fewer: str = "",
    top: int | None = None,
) -> None:
    """Refuse ``amount`` of work past ``limit`` unless ``force``.

    Parameters
    ----------
    source, key : str
        What asked for the work (a spec file and its key, or an option).
    amount : int
        The work asked, in ``unit``.
    limit : Limit
        The work limit.
    unit : str
        What is counted (``"couple-weeks (500 couples x 520 weeks)"``).
    force : bool
        Allow it anyway.
    memory : int, optional
        Bytes of memory it would take, for the message.
    fewer : str
        How to ask for less (``"use fewer couples"``), said first.
    top : int, optional
        The limit in force when the request sets it (a spec's ``max_runs``); by
        default :meth:`Limit.value`.

    Raises
    ------
    InputError
        One line: what it would take, the limit and how to allow it.
    """
    if force:
        return
    top = limit.value() if top is None else top
    if amount <= top:
        return
    takes = f" (about {size(memory)} of memory)" if memory else ""
    ways = f"{fewer}, or {limit.allow(amount)}" if fewer else limit.allow(amount)
    raise InputError(source, key, f"{amount:,} {unit}{takes} exceed the limit of {top:,}; {ways}")
