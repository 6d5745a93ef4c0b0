"""Results on disk: ``results/NAME/`` with a run table, time series and a manifest.

Layout::

    results/NAME/
        manifest.json           spec verbatim and hashes, versions, executor, seeds, times
        runs.parquet            one row per run, sorted by (point, replicate)
        timeseries/part-*.parquet   tidy series: point, replicate, step, one column per series
        chunks/part-*.parquet   the run rows of each finished chunk (the resume ledger)

Every file is written atomically: to a temporary name in the same folder, then
renamed, so a process killed at any instant (even by SIGKILL) leaves either the whole
file or none. A chunk is finished when its ``chunks/`` part exists; its time series
part is written first, so a series part without its chunk part is an orphan of a
killed sweep and is removed on the next start. ``runs.parquet`` is rebuilt from the
chunk parts at the end of each sweep.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.errors import InputError

MANIFEST = "manifest.json"
RUNS = "runs.parquet"
CHUNKS = "chunks"
TIMESERIES = "timeseries"
_PART = re.compile(r"^part-(\d+)\.parquet$")
_TMP = ".tmp-"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    tmp = path.with_name(f"{_TMP}{uuid.uuid4().hex}-{path.name}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file through a temporary file and a rename."""
    tmp = path.with_name(f"{_TMP}{uuid.uuid4().hex}-{path.name}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def part_name(chunk_id: int) -> str:
    """File name of a chunk's part."""
    return f"part-{chunk_id:06d}.parquet"


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
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(
                str(self.root), "", "no experiment results here (no manifest.json)"
            ) from None
        except (OSError, ValueError) as err:
            raise InputError(str(path), "", f"unreadable manifest ({err})") from None

    def write_manifest(self, manifest: Mapping[str, object]) -> None:
        """Write the manifest atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        text = json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n"
        atomic_write_bytes(self.root / MANIFEST, text.encode())

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
            if m:
                out[int(m.group(1))] = p
        return dict(sorted(out.items()))

    def recover(self) -> None:
        """Tidy after a killed sweep: drop temporary files, orphan series and failed chunks.

        Failed chunks are removed so that their runs run again.
        """
        for folder in (self.root, self.root / CHUNKS, self.root / TIMESERIES):
            if folder.is_dir():
                for p in folder.iterdir():
                    if p.name.startswith(_TMP):
                        p.unlink(missing_ok=True)
        chunks = self._parts(CHUNKS)
        for path in chunks.values():
            status = pq.read_table(path, columns=["status"]).column("status")
            if pc.any(pc.not_equal(status, "ok")).as_py():
                path.unlink()
        chunks = self._parts(CHUNKS)
        for cid, path in self._parts(TIMESERIES).items():
            if cid not in chunks:
                path.unlink()

    def finished(self) -> tuple[np.ndarray, np.ndarray]:
        """Point and replicate indices of every run of a finished chunk."""
        tables = [
            pq.read_table(p, columns=["point", "replicate"]) for p in self._parts(CHUNKS).values()
        ]
        if not tables:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        t = pa.concat_tables(tables)
        return t.column("point").to_numpy(), t.column("replicate").to_numpy()

    def next_chunk_id(self) -> int:
        """A chunk id not used by any part here."""
        ids = list(self._parts(CHUNKS)) + list(self._parts(TIMESERIES))
        return max(ids, default=-1) + 1

    def write_chunk(self, chunk_id: int, runs: pa.Table, series: pa.Table | None) -> None:
        """Write a chunk's series part, then its run part (which marks it finished)."""
        (self.root / CHUNKS).mkdir(parents=True, exist_ok=True)
        if series is not None and series.num_rows:
            (self.root / TIMESERIES).mkdir(parents=True, exist_ok=True)
            atomic_write_table(self.root / TIMESERIES / part_name(chunk_id), series)
        atomic_write_table(self.root / CHUNKS / part_name(chunk_id), runs)

    # --- the run table --------------------------------------------------------------
    def consolidate(self, n_points: int, replicates: int) -> int:
        """Rebuild ``runs.parquet`` from the chunk parts; return its number of rows.

        Only runs of the current plan (point below ``n_points``, replicate below
        ``replicates``) are kept, sorted by (point, replicate) and numbered by a ``run``
        column. Parts are streamed one at a time when their ranges do not overlap (the
        usual case), so memory does not grow with the number of runs.
        """
        parts = list(self._parts(CHUNKS).values())
        if not parts:
            return 0
        schema = _unified_schema(parts)
        spans = []
        for p in parts:
            t = pq.read_table(p, columns=["point", "replicate"])
            key = t.column("point").to_numpy() * (replicates + 1) + t.column("replicate").to_numpy()
            spans.append((int(key.min()), int(key.max()), p))
        spans.sort(key=lambda s: s[0])
        streaming = all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))
        if streaming:
            tables: Iterator[pa.Table] = (pq.read_table(p) for _, _, p in spans)
        else:
            whole = pa.concat_tables([_conform(pq.read_table(p), schema) for p in parts])
            order = pc.sort_indices(whole, [("point", "ascending"), ("replicate", "ascending")])
            tables = iter([whole.take(order)])
        out_schema = pa.schema([pa.field("run", pa.int64()), *schema])
        tmp = self.root / f"{_TMP}{uuid.uuid4().hex}-{RUNS}"
        rows = 0
        with pq.ParquetWriter(tmp, out_schema) as writer:
            for table in tables:
                table = _conform(table, schema)
                keep = pc.and_(
                    pc.less(table.column("point"), n_points),
                    pc.less(table.column("replicate"), replicates),
                )
                table = table.filter(keep)
                if not table.num_rows:
                    continue
                run = pa.array(np.arange(rows, rows + table.num_rows, dtype=np.int64))
                writer.write_table(table.add_column(0, "run", run))
                rows += table.num_rows
        os.replace(tmp, self.root / RUNS)
        return rows

    def runs(self) -> pd.DataFrame:
        """The run table as a pandas DataFrame."""
        path = self.root / RUNS
        if not path.is_file():
            raise InputError(str(self.root), "", "no runs.parquet here; run the sweep first")
        return pd.read_parquet(path)

    def timeseries(self) -> pd.DataFrame:
        """Every time series part with its ``run`` number, sorted by run and step."""
        parts = list(self._parts(TIMESERIES).values())
        if not parts:
            return pd.DataFrame(columns=["run", "point", "replicate", "step"])
        runs = pd.read_parquet(self.root / RUNS, columns=["run", "point", "replicate"])
        ts = pa.concat_tables([pq.read_table(p) for p in parts]).to_pandas()
        ts = ts.merge(runs, on=["point", "replicate"], how="inner")
        cols = ["run", *[c for c in ts.columns if c != "run"]]
        return ts[cols].sort_values(["run", "step"], kind="stable").reset_index(drop=True)

    def export_csv(self) -> list[Path]:
        """Write ``runs.csv`` (and ``timeseries.csv`` when there are series); return the paths."""
        import pyarrow.csv as pacsv

        written = []
        path = self.root / RUNS
        if not path.is_file():
            raise InputError(str(self.root), "", "no runs.parquet here; run the sweep first")
        runs = pq.read_table(path)
        target = self.root / "runs.csv"
        tmp = self.root / f"{_TMP}{uuid.uuid4().hex}-runs.csv"
        pacsv.write_csv(_csv_safe(runs), tmp)
        os.replace(tmp, target)
        written.append(target)
        parts = list(self._parts(TIMESERIES).values())
        if parts:
            index = runs.select(["run", "point", "replicate"]).to_pandas()
            target = self.root / "timeseries.csv"
            tmp = self.root / f"{_TMP}{uuid.uuid4().hex}-timeseries.csv"
            writer = None
            for p in parts:
                df = pq.read_table(p).to_pandas().merge(index, on=["point", "replicate"])
                df = df[["run", *[c for c in df.columns if c != "run"]]]
                table = pa.Table.from_pandas(df, preserve_index=False)
                if writer is None:
                    writer = pacsv.CSVWriter(tmp, table.schema)
                writer.write_table(table)
            if writer is not None:
                writer.close()
                os.replace(tmp, target)
                written.append(target)
        return written


def _unified_schema(parts: list[Path]) -> pa.Schema:
    """One schema for every part: complete (finished) parts first, so columns keep their order."""
    schemas = [pq.read_schema(p) for p in parts]
    full = sorted(schemas, key=len, reverse=True)
    return pa.unify_schemas(full)


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
