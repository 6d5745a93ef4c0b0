"""Results on disk: ``results/NAME/`` with a run table, time series and a manifest.

Layout::

    results/NAME/
        manifest.json           spec verbatim and hashes, versions, executor, seeds, times
        runs.parquet            one row per run, sorted by (point, replicate)
        timeseries/part-*.parquet   tidy series: point, replicate, step, one column per series
        chunks/part-*.arrow     run rows of chunks finished since the last merge (Arrow IPC)
        chunks/consolidated.json   ids of the chunks merged into runs.parquet
        .relsim.lock            held by the one process writing here (sim.experiment.lock)

Every file is written atomically (:mod:`sim.atomic`): to a temporary name in the same
folder, flushed to disk, then renamed, so a process killed at any instant (even by
SIGKILL) leaves either the whole file or none. A chunk is finished when its
``chunks/`` part exists; its time series part is written first, so a series part whose
chunk has no run part and was never merged is an orphan of a killed sweep and is
removed on the next start. At the end of each sweep the chunk parts are merged into
``runs.parquet``, their ids recorded, and the parts removed; a sweep killed during
that step merges them again next time.
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq

from sim import atomic, inputs
from sim.errors import InputError
from sim.experiment import EXPORT_FORMATS

MANIFEST = "manifest.json"
RUNS = "runs.parquet"
CHUNKS = "chunks"
TIMESERIES = "timeseries"
LEDGER = "consolidated.json"
ROW_GROUP = 65_536
"""Rows per row group of ``runs.parquet``."""
PART_SUFFIX = {CHUNKS: ".arrow", TIMESERIES: ".parquet"}
"""The format of each folder's parts: chunk parts, read once by the merge and then
removed, are Arrow IPC files (lz4), several times quicker to write and read than
Parquet; time series parts stay as they are stored, in Parquet."""
_PART = re.compile(r"^part-(\d+)(\.\w+)$")

REPAIR = "rerun the relsim sweep or run that made it with --force to start over, or delete the file"
"""How to repair a corrupt results file, as messages say it."""


def corrupt(path: Path, err: BaseException | str) -> InputError:
    """The error of a results file that cannot be read: its name, why and how to repair."""
    why = " ".join(str(err).split())
    why = why if len(why) <= 160 else why[:160] + "..."
    return InputError(str(path), "", f"corrupt or unreadable results file ({why}); {REPAIR}")


_READ_ERRORS = (pa.ArrowException, OSError, KeyError, ValueError, TypeError, IndexError)


def read_table(
    path: Path, columns: Sequence[str] | None = None, need: Sequence[str] = (), **kw
) -> pa.Table:
    """A Parquet file of the results as an Arrow table (``columns``, or every one, of
    which ``need`` must be there), or :func:`corrupt`'s error."""
    try:
        cols = None if columns is None else list(columns)
        if path.suffix == PART_SUFFIX[CHUNKS]:
            table = feather.read_table(path, columns=cols, memory_map=False)
        else:
            table = pq.read_table(path, columns=cols, **kw)
    except _READ_ERRORS as err:
        raise corrupt(path, err) from None
    lacking = [c for c in (*(columns or ()), *need) if c not in table.column_names]
    if lacking:
        raise corrupt(path, f"no column {lacking[0]}")
    return table


def read_schema(path: Path) -> pa.Schema:
    """The schema of a Parquet file of the results, or :func:`corrupt`'s error."""
    try:
        if path.suffix == PART_SUFFIX[CHUNKS]:
            with pa.OSFile(str(path)) as f:
                return pa.ipc.open_file(f).schema
        return pq.read_schema(path)
    except _READ_ERRORS as err:
        raise corrupt(path, err) from None


def part_name(chunk_id: int, folder: str = TIMESERIES) -> str:
    """File name of a chunk's part in ``folder`` (``chunks`` or ``timeseries``)."""
    return f"part-{chunk_id:06d}{PART_SUFFIX[folder]}"


class ResultStore:
    """The results folder of one experiment.

    Parameters
    ----------
    root : path
        The folder (``results/NAME``); created on the first write only.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)

    # --- manifest -------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether a sweep has started here (a manifest exists)."""
        return (self.root / MANIFEST).is_file()

    def read_manifest(self) -> dict[str, object]:
        """The manifest, or raise :class:`InputError` if there is none or it is unreadable."""
        path = self.root / MANIFEST
        if not path.exists():
            raise InputError(str(self.root), "", "no experiment results here (no manifest.json)")
        try:
            text, _ = inputs.read_text(path, "manifest", str(path))
            manifest = json.loads(text)
        except InputError as err:
            raise corrupt(path, err.message) from None
        except (RecursionError, ValueError) as err:
            raise corrupt(path, err) from None
        if not isinstance(manifest, dict):
            raise corrupt(path, f"expected a JSON object, got {type(manifest).__name__}")
        for key, kind in (("spec", str), ("identity_hash", str), ("sessions", list)):
            if key in manifest and not isinstance(manifest[key], kind):
                raise corrupt(path, f"{key} is not a {kind.__name__}")
        sessions = manifest.get("sessions", [])
        if not all(isinstance(x, dict) and isinstance(x.get("started"), str) for x in sessions):
            raise corrupt(path, "sessions are not tables with a start time")
        return manifest

    def write_manifest(self, manifest: Mapping[str, object]) -> None:
        """Write the manifest atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        text = json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n"
        atomic.write_text(self.root / MANIFEST, text)

    def clear(self) -> None:
        """Remove every file a sweep writes here (and nothing else)."""
        for name in (CHUNKS, TIMESERIES):
            shutil.rmtree(self.root / name, ignore_errors=True)
        for name in (RUNS, MANIFEST):
            (self.root / name).unlink(missing_ok=True)

    # --- chunks ---------------------------------------------------------------------
    def _parts(self, folder: str) -> dict[int, Path]:
        d = self.root / folder
        if not d.is_dir():
            return {}
        out = {}
        for p in d.iterdir():
            m = _PART.match(p.name)
            if m and m.group(2) == PART_SUFFIX[folder]:
                out[int(m.group(1))] = p
        return dict(sorted(out.items()))

    def _consolidated(self) -> set[int]:
        path = self.root / CHUNKS / LEDGER
        if not path.is_file():
            return set()
        try:
            ids = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as err:
            raise corrupt(path, err) from None
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < 10**9 for i in ids
        ):
            raise corrupt(path, "expected a list of chunk ids")
        return set(ids)

    def check(self) -> None:
        """Read every file a sweep would resume from (the ledger, the status of every run,
        the schema of every series part), writing nothing.

        Raises
        ------
        InputError
            Naming the first corrupt file and how to repair it.
        """
        self._consolidated()
        self.finished()
        self.check_series()

    def has_runs(self) -> bool:
        """Whether any run was stored here (a run table or a chunk part)."""
        return (self.root / RUNS).is_file() or bool(self._parts(CHUNKS))

    def has_series(self) -> bool:
        """Whether any time series part is stored here (each checked to be readable)."""
        self.check_series()
        return bool(self._parts(TIMESERIES))

    def check_series(self) -> None:
        """Read the schema of every time series part, so that a corrupt one is reported
        (by :func:`corrupt`) before anything is written from them."""
        for path in self._parts(TIMESERIES).values():
            names = read_schema(path).names
            lacking = [c for c in ("point", "replicate", "step") if c not in names]
            if lacking:
                raise corrupt(path, f"no column {lacking[0]}")

    def recover(self) -> None:
        """Tidy after a killed sweep: drop temporary files, orphan series and failed chunks.

        A series part is an orphan when its chunk has neither a run part nor a place
        in ``runs.parquet`` (its chunk was killed between the two writes). Failed chunk
        parts are removed so that their runs run again.
        """
        for folder in (self.root, self.root / CHUNKS, self.root / TIMESERIES):
            if folder.is_dir():
                for p in folder.iterdir():
                    if p.name.startswith(atomic.TEMPORARY_PREFIX):
                        p.unlink(missing_ok=True)
        for path in self._parts(CHUNKS).values():
            status = read_table(path, ["status"]).column("status")
            if pc.any(pc.not_equal(status, "ok")).as_py():
                path.unlink()
        committed = set(self._parts(CHUNKS)) | self._consolidated()
        for cid, path in self._parts(TIMESERIES).items():
            if cid not in committed:
                path.unlink()

    def finished(self) -> tuple[np.ndarray, np.ndarray]:
        """Point and replicate indices of every run finished without error."""
        sources = list(self._parts(CHUNKS).values())
        if (self.root / RUNS).is_file():
            sources.append(self.root / RUNS)
        points, reps = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for path in sources:
            t = read_table(path, ["point", "replicate", "status"])
            t = t.filter(pc.equal(t.column("status"), "ok"))
            points.append(t.column("point").to_numpy())
            reps.append(t.column("replicate").to_numpy())
        return np.concatenate(points), np.concatenate(reps)

    def next_chunk_id(self) -> int:
        """A chunk id never used here before."""
        ids = [*self._parts(CHUNKS), *self._parts(TIMESERIES), *self._consolidated()]
        return max(ids, default=-1) + 1

    def write_chunk(self, chunk_id: int, runs: pa.Table, series: pa.Table | None) -> None:
        """Write a chunk's series part, then its run part (which marks it finished)."""
        (self.root / CHUNKS).mkdir(parents=True, exist_ok=True)
        if series is not None and series.num_rows:
            (self.root / TIMESERIES).mkdir(parents=True, exist_ok=True)
            _write_table(self.root / TIMESERIES / part_name(chunk_id), series)
        with atomic.replacing(self.root / CHUNKS / part_name(chunk_id, CHUNKS)) as tmp:
            feather.write_feather(runs, tmp, compression="lz4")

    # --- the run table --------------------------------------------------------------
    def consolidate(self, n_points: int, replicates: int) -> int:
        """Merge the chunk parts into ``runs.parquet``; return its number of rows.

        Only runs of the current plan (point below ``n_points``, replicate below
        ``replicates``) are kept, sorted by (point, replicate) and numbered by a ``run``
        column; a run in a chunk part replaces the same run in the old table (a failed
        run that ran again). The chunk parts are then recorded as consolidated and
        removed. On a first sweep the parts are streamed one at a time, so memory does
        not grow with the number of runs.
        """
        parts = self._parts(CHUNKS)
        old = self.root / RUNS
        if not parts and not old.is_file():
            return 0
        if not parts:
            t = read_table(old, ["point", "replicate"])
            inside = pc.all(_in_plan(t, n_points, replicates)).as_py()
            if inside:
                return t.num_rows
        sources = list(parts.values()) + ([old] if old.is_file() else [])
        schema = _unified_schema(sources)
        if old.is_file():
            tables = iter([_merged(old, list(parts.values()), schema)])
        else:
            tables = self._in_order(list(parts.values()), schema, replicates)
        rows = self._write_runs(tables, schema, n_points, replicates)
        self._merged_parts(parts)
        return rows

    def _merged_parts(self, parts: Mapping[int, Path]) -> None:
        """Record ``parts`` as merged into ``runs.parquet``, then remove them."""
        ledger = sorted(self._consolidated() | set(parts))
        atomic.write_text(self.root / CHUNKS / LEDGER, json.dumps(ledger))
        for path in parts.values():
            path.unlink()

    def stream(self, first_id: int, n_points: int, replicates: int) -> RunsStream:
        """A writer of ``runs.parquet`` fed each chunk as it comes back, for a sweep
        that runs every run of its plan into an empty folder (:class:`RunsStream`)."""
        return RunsStream(self, first_id, n_points, replicates)

    @staticmethod
    def _in_order(parts: list[Path], schema: pa.Schema, replicates: int) -> Iterator[pa.Table]:
        spans = []
        for p in parts:
            t = read_table(p, ["point", "replicate"])
            key = t.column("point").to_numpy() * (replicates + 1) + t.column("replicate").to_numpy()
            spans.append((int(key.min()), int(key.max()), p))
        spans.sort(key=lambda s: s[0])
        if all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)):
            return (read_table(p) for _, _, p in spans)
        return iter([_merged(None, parts, schema)])

    def _write_runs(
        self, tables: Iterator[pa.Table], schema: pa.Schema, n_points: int, replicates: int
    ) -> int:
        """Write the run table in row groups of :data:`ROW_GROUP` rows.

        Fixed row groups make the file's bytes independent of how the runs were chunked.
        """
        out_schema = pa.schema([pa.field("run", pa.int64()), *schema])
        rows = 0
        buffered: list[pa.Table] = []
        n_buffered = 0
        with atomic.replacing(self.root / RUNS) as tmp, pq.ParquetWriter(tmp, out_schema) as writer:

            def flush(final: bool) -> None:
                nonlocal buffered, n_buffered, rows
                if not buffered:
                    return
                whole = pa.concat_tables(buffered)
                start = 0
                while whole.num_rows - start >= ROW_GROUP or (final and start < whole.num_rows):
                    group = whole.slice(start, ROW_GROUP)
                    run = pa.array(np.arange(rows, rows + group.num_rows, dtype=np.int64))
                    writer.write_table(group.add_column(0, "run", run), row_group_size=ROW_GROUP)
                    rows += group.num_rows
                    start += group.num_rows
                rest = whole.slice(start)
                buffered, n_buffered = ([rest], rest.num_rows) if rest.num_rows else ([], 0)

            for table in tables:
                table = _conform(table, schema)
                inside = _in_plan(table, n_points, replicates)
                if not pc.all(inside).as_py():
                    table = table.filter(inside)
                if table.num_rows:
                    buffered.append(table)
                    n_buffered += table.num_rows
                if n_buffered >= ROW_GROUP:
                    flush(final=False)
            flush(final=True)
        return rows

    def runs(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The run table as a pandas DataFrame: every column, or only ``columns``.

        Reading only the columns a figure or an analysis needs keeps memory small for
        sweeps of a million runs, whose whole table has over a hundred columns.
        """
        # Arrow's buffers are freed column by column as pandas takes them over, so that
        # the table is not held twice at the peak.
        table = read_table(self._runs_path(), columns)
        return table.to_pandas(self_destruct=True, split_blocks=True)

    def runs_schema(self) -> pa.Schema:
        """Column names and types of the run table, read without its rows."""
        return read_schema(self._runs_path())

    def run_row(self, run: int) -> pd.Series:
        """Every column of one run, read without the rest of the table."""
        table = read_table(self._runs_path(), filters=[("run", "==", int(run))])
        if not table.num_rows:
            raise InputError(str(self.root), "run", f"no run {run} in runs.parquet")
        return table.to_pandas().iloc[0]

    def _runs_path(self) -> Path:
        path = self.root / RUNS
        if not path.is_file():
            raise InputError(str(self.root), "", "no runs.parquet here; run the sweep first")
        return path

    def timeseries(self) -> pd.DataFrame:
        """Every time series part with its ``run`` number, sorted by run and step."""
        parts = list(self._parts(TIMESERIES).values())
        if not parts:
            return pd.DataFrame(columns=["run", "point", "replicate", "step"])
        runs = read_table(self._runs_path(), ["run", "point", "replicate"]).to_pandas()
        tables = [read_table(p, need=["point", "replicate", "step"]) for p in parts]
        try:
            ts = pa.concat_tables(tables).to_pandas()
        except _READ_ERRORS as err:
            raise corrupt(self.root / TIMESERIES, err) from None
        ts = ts.merge(runs, on=["point", "replicate"], how="inner")
        cols = ["run", *[c for c in ts.columns if c != "run"]]
        return ts[cols].sort_values(["run", "step"], kind="stable").reset_index(drop=True)

    def export(self, fmt: str = "csv") -> list[Path]:
        """Write the run table and the series with a ``run`` column, each as one file.

        ``fmt`` ``"csv"``: ``runs.csv`` and ``timeseries.csv`` (when there are series),
        for spreadsheets; ``"parquet"``: ``timeseries_runs.parquet``, the series of every
        chunk in one file with the run numbers (the run table is ``runs.parquet``
        already). Returns the paths written.
        """
        import pyarrow.csv as pacsv

        if fmt not in EXPORT_FORMATS:
            raise InputError("--format", "", f"expected one of {', '.join(EXPORT_FORMATS)}")
        written = []
        path = self.root / RUNS
        if not path.is_file():
            raise InputError(str(self.root), "", "no runs.parquet here; run the sweep first")
        runs = read_table(path, need=["run", "point", "replicate"])
        self.check_series()
        if fmt == "csv":
            target = self.root / "runs.csv"
            with atomic.replacing(target) as tmp:
                pacsv.write_csv(_csv_safe(runs), tmp)
            written.append(target)
        parts = list(self._parts(TIMESERIES).values())
        if parts:
            index = runs.select(["run", "point", "replicate"]).to_pandas()
            name = "timeseries.csv" if fmt == "csv" else "timeseries_runs.parquet"
            target = self.root / name
            with atomic.replacing(target) as tmp:
                writer = None
                for p in parts:
                    df = read_table(p, need=["point", "replicate"]).to_pandas()
                    df = df.merge(index, on=["point", "replicate"])
                    df = df[["run", *[c for c in df.columns if c != "run"]]]
                    table = pa.Table.from_pandas(df, preserve_index=False)
                    if writer is None:
                        writer = (
                            pacsv.CSVWriter(tmp, table.schema)
                            if fmt == "csv"
                            else pq.ParquetWriter(tmp, table.schema)
                        )
                    writer.write_table(table)
                writer.close()
            written.append(target)
        return written


class RunsStream:
    """``runs.parquet`` written beside the workers while a first sweep runs, instead of
    merged from the chunk parts after the last one (when the workers would wait).

    Chunks are fed in the order of their ids (those that come back early wait), which
    for a sweep of every run is the order of (point, replicate): the table written is
    the one :meth:`ResultStore.consolidate` would write, byte for byte. A writer thread
    encodes it into a temporary file, put in place at :meth:`finish`. A failed chunk,
    or one whose columns differ, stops the stream; the parts, all on disk, are then
    merged as usual.
    """

    _END = object()

    def __init__(self, store: ResultStore, first_id: int, n_points: int, replicates: int):
        self.store = store
        self.next = first_id
        self.waiting: dict[int, pa.Table | None] = {}
        self.fed: list[int] = []
        self.schema: pa.Schema | None = None
        self.stopped = False
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._plan = (n_points, replicates)

    def add(self, chunk_id: int, runs: pa.Table, ok: bool) -> None:
        """Feed a chunk's run rows (``ok``: none failed), once its part is written."""
        if self.stopped:
            return
        if not ok:
            self.stop()
            return
        # A chunk back before its turn is read again from its part when its turn comes,
        # so that memory holds one chunk whatever the order they finish in.
        self.waiting[chunk_id] = runs if chunk_id == self.next else None
        while self.next in self.waiting and not self.stopped:
            table = self.waiting.pop(self.next)
            if table is None:
                table = read_table(self.store.root / CHUNKS / part_name(self.next, CHUNKS))
            if self._thread is None:
                self.schema = table.schema
                self._thread = threading.Thread(target=self._write, name="runs-writer")
                self._thread.start()
            elif not table.schema.equals(self.schema):
                self.stop()
                return
            self._put(table)
            self.fed.append(self.next)
            self.next += 1

    def _put(self, item: object) -> None:
        while self._thread is not None and self._thread.is_alive():
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        self.stopped = True  # the writer stopped on an error

    def _tables(self) -> Iterator[pa.Table]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if item is None:
                raise _Stopped
            yield item

    def _write(self) -> None:
        try:
            self.store._write_runs(self._tables(), self.schema, *self._plan)
        except BaseException as err:  # noqa: BLE001 - reported by finish, merged as usual
            self.error = err

    def stop(self) -> None:
        """Give up the stream: the temporary file is removed, the parts stay."""
        self.stopped = True
        self.waiting.clear()
        if self._thread is not None:
            self._put(None)
            self._thread.join()

    def finish(self) -> bool:
        """Put ``runs.parquet`` in place and remove the parts it holds; whether it holds
        every chunk fed (False: nothing was put in place, merge the parts instead)."""
        if self.stopped or self.waiting or self._thread is None:
            self.stop()
            return False
        self._put(self._END)
        self._thread.join()
        if self.stopped or self.error is not None:
            return False
        parts = self.store._parts(CHUNKS)
        self.store._merged_parts({i: parts[i] for i in self.fed if i in parts})
        return True


class _Stopped(Exception):
    """The stream of a run table was given up."""


def _write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file atomically."""
    with atomic.replacing(path) as tmp:
        pq.write_table(table, tmp)


def _unified_schema(parts: list[Path]) -> pa.Schema:
    """One schema for every part: complete (finished) parts first, so columns keep their order."""
    schemas = [read_schema(p) for p in parts]
    schemas = [pa.schema([f for f in s if f.name != "run"]) for s in schemas]
    full = sorted(schemas, key=len, reverse=True)
    return pa.unify_schemas(full)


def _in_plan(table: pa.Table, n_points: int, replicates: int) -> pa.ChunkedArray:
    return pc.and_(
        pc.less(table.column("point"), n_points),
        pc.less(table.column("replicate"), replicates),
    )


def _merged(old: Path | None, parts: list[Path], schema: pa.Schema) -> pa.Table:
    """The old run table and the chunk parts in one table, sorted; chunk rows win ties."""
    tables = [_conform(read_table(p), schema) for p in parts]
    priority = [np.zeros(t.num_rows, dtype=np.int8) for t in tables]
    if old is not None:
        t = _conform(read_table(old), schema)
        tables.append(t)
        priority.append(np.ones(t.num_rows, dtype=np.int8))
    whole = pa.concat_tables(tables).append_column("_priority", pa.array(np.concatenate(priority)))
    order = pc.sort_indices(
        whole,
        [("point", "ascending"), ("replicate", "ascending"), ("_priority", "ascending")],
    )
    whole = whole.take(order)
    point = whole.column("point").to_numpy()
    rep = whole.column("replicate").to_numpy()
    first = np.ones(len(point), dtype=bool)
    first[1:] = (point[1:] != point[:-1]) | (rep[1:] != rep[:-1])
    return whole.filter(pa.array(first)).drop_columns(["_priority"])


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s columns in order, nulls where it lacks one."""
    cols = []
    for f in schema:
        if f.name in table.column_names:
            cols.append(table.column(f.name).cast(f.type))
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def _csv_safe(table: pa.Table) -> pa.Table:
    """Cast unsigned 64-bit keys to strings so spreadsheets keep every digit."""
    cols = [c.cast(pa.string()) if pa.types.is_uint64(c.type) else c for c in table.columns]
    return pa.Table.from_arrays(cols, names=table.column_names)
