"""Reading an extract folder: CSV files into batches of storage tuples, checked.

A `Reader` works a batch of `batch_size` rows at a time, column by column through the
converters' column form; a batch it doubts is read again row by row through their cell
form, which names file, line and column. `columnwise=False` reads every row that way
(slower; the two must store the same, which tests check). The reader also keeps the
newest data date it saw: without extract.json that date is the as-of date.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from custdash.db import storage_value
from custdash.importer.converters import DATE, Bad
from custdash.importer.spec import (
    SPECS,
    FileSpec,
    ImportFailed,
    RowBad,
    check_columns,
    check_row,
    derive_columns,
    derive_row,
    storage_names,
)
from custdash.rules import Rules

BATCH_SIZE = 5000

Batch = tuple[list[int], list[tuple[Any, ...]]]  # line numbers, storage tuples (`storage_names` order)


def python_encoding(encoding: str) -> str:
    """UTF-8 extracts may start with a BOM (Excel writes one)."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


@dataclass
class Reader:
    """Reads the files of one extract folder; `latest` is the newest data date seen so far."""

    folder: Path
    encoding: str
    rules: Rules
    batch_size: int = BATCH_SIZE
    columnwise: bool = True
    latest: date = field(default=date.min)

    def batches(self) -> Iterator[tuple[str, Batch]]:
        """(file, batch) for every file of the extract present, in load order (parents first)."""
        for spec in SPECS:
            path = self.folder / spec.file
            if path.is_file():
                for batch in self._file(path, spec):
                    yield spec.file, batch

    def _file(self, path: Path, spec: FileSpec) -> Iterator[Batch]:
        """The batches of one file; raises ImportFailed naming file, line and column."""
        enc = python_encoding(self.encoding)
        reader = None
        try:
            with open(path, encoding=enc, newline="") as fh:
                lines_in: Iterable[str] = fh if _nul_free(path, enc, spec.file) else _no_nul(fh, spec.file)
                reader = csv.reader(lines_in)
                try:
                    header = next(reader)
                except StopIteration:
                    raise ImportFailed(spec.file, "the file is empty; expected a header row", line=1) from None
                header = [h.strip() for h in header]
                for col in spec.columns:
                    if col.name not in header and not col.optional:
                        raise ImportFailed(spec.file, f"missing column {col.name!r} in the header", line=1)
                lines: list[int] = []
                rows: list[list[str]] = []
                for cells in reader:
                    if cells:  # not a blank line
                        lines.append(reader.line_num)
                        rows.append(cells)
                    if len(rows) < self.batch_size:
                        continue
                    yield self._batch(spec, header, lines, rows)
                    lines, rows = [], []
                if rows:
                    yield self._batch(spec, header, lines, rows)
        except UnicodeError:  # a decoding error, or a stream the codec cannot start (UTF-16 without BOM)
            line = max(1, reader.line_num if reader else 0)  # the last line read in full
            hint = " If the extract is GBK/GB18030-encoded, pass --encoding gb18030." if enc == "utf-8-sig" else ""
            raise ImportFailed(
                spec.file, f"the bytes after line {line} are not valid {self.encoding} text.{hint}"
            ) from None
        except csv.Error as e:
            line = max(1, reader.line_num if reader else 0)
            raise ImportFailed(spec.file, f"malformed CSV ({e}) after line {line}") from None
        except LookupError:
            raise ImportFailed(spec.file, f"unknown encoding {self.encoding!r}") from None

    def _batch(self, spec: FileSpec, header: list[str], lines: list[int], rows: list[list[str]]) -> Batch:
        if self.columnwise:
            try:
                out, newest = _columns(spec, header, self.rules, rows)
            except (ValueError, TypeError, IndexError):
                pass  # doubted: row by row below, which names the first bad row
            else:
                if newest:
                    self.latest = max(self.latest, date.fromisoformat(newest))
                return lines, out
        names = storage_names(spec)
        out = []
        for line, cells in zip(lines, rows):
            parsed = self._row(spec, header, cells, line)
            out.append(tuple(storage_value(parsed[n]) for n in names))
        return lines, out

    def _row(self, spec: FileSpec, header: list[str], cells: list[str], line: int) -> dict[str, Any]:
        """One row through the converters' cell form: its values, or ImportFailed saying what is wrong."""
        if len(cells) != len(header):
            raise ImportFailed(
                spec.file,
                f"has {len(cells)} fields, the header has {len(header)} (a truncated or malformed row)",
                line=line,
            )
        row: dict[str, Any] = {}
        for col in spec.columns:
            if col.name not in header:
                row[col.name] = None
                continue
            v = cells[header.index(col.name)].strip()
            if v == "":
                if not col.optional:
                    raise ImportFailed(spec.file, "missing value", line=line, column=col.name)
                row[col.name] = None
                continue
            try:
                row[col.name] = col.conv.cell(v)
            except Bad as e:
                raise ImportFailed(spec.file, str(e), line=line, column=col.name) from None
            if col.as_of_candidate:
                d = row[col.name]
                self.latest = max(self.latest, d.date() if isinstance(d, datetime) else d)
        try:
            check_row(spec, row, self.rules)
        except RowBad as e:
            raise ImportFailed(spec.file, e.problem, line=line, column=e.column) from None
        return derive_row(spec.table, row)


def _columns(spec: FileSpec, header: list[str], rules: Rules, rows: list[list[str]]) -> tuple[list[tuple], str]:
    """Storage tuples of a batch of rows through the converters' column form, and the
    batch's newest as-of candidate date ("" if none)."""
    if set(map(len, rows)) != {len(header)}:
        raise Bad
    n = len(rows)
    cols = list(zip(*rows)) if rows else []
    values: dict[str, list[Any]] = {}
    newest = ""
    for col in spec.columns:
        if col.name not in header:  # an optional column left out of the file: empty everywhere
            values[col.name] = [None] * n
            continue
        cells = list(map(str.strip, cols[header.index(col.name)]))
        if col.optional and "" in cells:
            present = iter(col.conv.column([c for c in cells if c != ""]))
            v = [None if c == "" else next(present) for c in cells]
        else:
            v = col.conv.column(cells)
        values[col.name] = v
        if col.as_of_candidate and v:  # never optional: no None among them
            newest = max(newest, max(v)[:10])
    check_columns(spec, values, rules)
    derive_columns(spec.table, values)
    return list(zip(*(values[name] for name in storage_names(spec)))), newest


def _nul_free(path: Path, encoding: str, file: str) -> bool:
    """For ASCII-compatible encodings (UTF-8, GB18030, …), check the raw bytes for NUL in large
    blocks (a NUL byte is then a NUL character): raises ImportFailed naming the line, or says
    the file is clean. False for other encodings: their text is checked line by line."""
    try:
        # A UTF-8 BOM (utf-8-sig) is no NUL either.
        if "a,\n\x00".encode(encoding).removeprefix(codecs.BOM_UTF8) != b"a,\n\x00":
            return False
    except LookupError:
        return False  # the open() that follows names the unknown encoding
    line, block = 1, 1 << 20
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            at = chunk.find(b"\x00")
            if at >= 0:
                raise ImportFailed(
                    file, "contains a NUL byte: binary data, not CSV text", line=line + chunk.count(b"\n", 0, at)
                )
            line += chunk.count(b"\n")
    return True


def _no_nul(lines: Iterable[str], file: str) -> Iterator[str]:
    """Lines of text; a NUL character means binary data, not a CSV extract."""
    for n, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise ImportFailed(file, "contains a NUL byte: binary data, not CSV text", line=n)
        yield line


def csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row as a dict) of a CSV file, for diagnosing a row after the load."""
    with open(path, encoding=python_encoding(encoding), newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            yield reader.line_num, row


def read_as_of(folder: Path) -> date | None:
    """The extract date stated in extract.json, if the folder has one."""
    p = folder / "extract.json"
    if not p.exists():
        return None
    expected = 'expected {"as_of": "YYYY-MM-DD"}'
    if not p.is_file():
        raise ImportFailed("extract.json", f"is a folder, not a file; {expected}", line=1)
    try:
        with open(p, "rb") as fh:
            raw = fh.read(65_537)
    except OSError as e:
        raise ImportFailed("extract.json", f"cannot be read: {e.strerror}") from None
    if len(raw) > 65_536:
        raise ImportFailed("extract.json", f"is larger than 64 KB; {expected}", line=1)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise ImportFailed("extract.json", f"is nested too deeply; {expected}", line=1) from None
    except (ValueError, UnicodeError) as e:
        raise ImportFailed(
            "extract.json", f"is not valid JSON ({e}); {expected}", line=getattr(e, "lineno", 1)
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("as_of"), str):
        raise ImportFailed("extract.json", expected, line=1, column="as_of")
    try:
        return DATE.cell(data["as_of"])
    except Bad as e:
        raise ImportFailed("extract.json", f"{e}; {expected}", line=1, column="as_of") from None
