"""Where generated chunks go: straight into the store, or into a CSV extract."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from sqlalchemy import Connection

from custdash.importer import SPECS, derive_columns, insert_batch
from seed.generate import Chunk

SPEC_BY_FILE = {s.file: s for s in SPECS}
# Text columns where the generator writes "" for "missing".
NULLABLE_TEXT = {"manager_id", "counterparty", "outcome", "gender", "phone", "city", "matures_on"}
# Number columns where the generator writes NaN for "missing".
NULLABLE_NUMBER = {"amount"}


def _db_values(name: str, a: np.ndarray) -> list[Any]:
    if np.issubdtype(a.dtype, np.datetime64):
        # SQLAlchemy's SQLite DATETIME storage format, so string comparisons order correctly.
        return [s.replace("T", " ") + ".000000" for s in np.datetime_as_string(a.astype("datetime64[s]"), unit="s")]
    values = a.tolist()
    if name in NULLABLE_TEXT:
        values = [v if v != "" else None for v in values]
    elif name in NULLABLE_NUMBER:
        values = [None if v != v else v for v in values]
    return values


class StoreSink:
    """Bulk-insert chunks through the models' tables, inside the caller's transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.rows: dict[str, int] = {}

    def __call__(self, chunk: Chunk) -> None:
        for spec in SPECS:  # load order: referenced tables first
            cols = chunk.get(spec.file)
            if cols is None:
                continue
            table = spec.table.__table__  # type: ignore[attr-defined]
            values = {n: _db_values(n, a) for n, a in cols.items()}
            derive_columns(spec.table, values)  # the importer's own derivation, on storage values
            names = [c.name for c in table.columns if c.name in values]
            rows = list(zip(*[values[n] for n in names]))
            insert_batch(self.conn, spec.table, names, rows)
            self.rows[spec.file] = self.rows.get(spec.file, 0) + len(rows)


class CsvSink:
    """Write chunks as an extract folder in the import format (docs/DATA_FORMAT.md)."""

    def __init__(self, folder: Path, as_of: date):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "extract.json").write_text(json.dumps({"as_of": as_of.isoformat()}) + "\n")
        self.files: dict[str, tuple[TextIO, Any]] = {}
        self.rows: dict[str, int] = {}

    def __call__(self, chunk: Chunk) -> None:
        for spec in SPECS:
            cols = chunk.get(spec.file)
            if cols is None:
                continue
            names = [c.name for c in spec.columns]
            if spec.file not in self.files:
                fh = open(self.folder / spec.file, "w", encoding="utf-8", newline="")
                w = csv.writer(fh)
                w.writerow(names)
                self.files[spec.file] = (fh, w)
            _fh, w = self.files[spec.file]
            values = []
            for n in names:
                a = cols[n]
                if np.issubdtype(a.dtype, np.datetime64):
                    values.append([s.replace("T", " ") for s in np.datetime_as_string(a, unit="s")])
                elif n in NULLABLE_NUMBER:
                    values.append(["" if v != v else v for v in a.tolist()])
                else:
                    values.append(a.tolist())
            rows = list(zip(*values))
            w.writerows(rows)
            self.rows[spec.file] = self.rows.get(spec.file, 0) + len(rows)

    def close(self) -> None:
        for fh, _w in self.files.values():
            fh.close()
