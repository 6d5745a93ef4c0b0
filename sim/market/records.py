"""Growable column tables: the market's record of every relationship.

A relationship gets its row when it forms (its serial is its row) and the rest of its
columns when it ends; columns not yet known hold their fill value (-1, NaN or False).
"""

from __future__ import annotations

import numpy as np


class Records:
    """A table of equal-length NumPy columns that grows by appending rows.

    Parameters
    ----------
    columns : dict of str to (dtype, fill)
        Each column's dtype and the value of a row not yet set.
    """

    def __init__(self, columns: dict[str, tuple[type | str, object]]):
        self._spec = dict(columns)
        self._cols = {k: np.full(64, fill, dtype=dt) for k, (dt, fill) in self._spec.items()}
        self.n = 0

    def _grow(self, need: int) -> None:
        cap = len(next(iter(self._cols.values())))
        if need <= cap:
            return
        new = max(need, 2 * cap)
        for k, (dt, fill) in self._spec.items():
            col = np.full(new, fill, dtype=dt)
            col[: self.n] = self._cols[k][: self.n]
            self._cols[k] = col

    def append(self, **values: np.ndarray) -> np.ndarray:
        """Append rows (every value an array of one length); return their row numbers."""
        m = len(next(iter(values.values())))
        self._grow(self.n + m)
        rows = np.arange(self.n, self.n + m)
        for k, v in values.items():
            self._cols[k][rows] = v
        self.n += m
        return rows

    def set(self, rows: np.ndarray, **values: np.ndarray) -> None:
        """Set columns of existing rows."""
        for k, v in values.items():
            self._cols[k][rows] = v

    def __getitem__(self, name: str) -> np.ndarray:
        """A column's values for every row so far (a view)."""
        return self._cols[name][: self.n]

    def columns(self) -> dict[str, np.ndarray]:
        """Every column (copies), by name."""
        return {k: v[: self.n].copy() for k, v in self._cols.items()}
