"""Import a bank's CSV extract (the contract in docs/DATA_FORMAT.md).

All or nothing: the extract is loaded into a private file beside the store (indexes,
derived columns and facts included), which SQLite's backup then copies into the store in
one transaction; any error before that commit leaves the previous extract exactly as it
was (readers keep seeing it until commit, thanks to WAL). Rows are read, converted and
inserted a batch at a time, in a child process for large extracts, so memory does not grow
with the size of the extract. Disk: room for a second copy of the store while it runs.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import json
import math
import os
import pickle
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from custdash import config, facts
from custdash.auth import remove_demo_users
from custdash.calendar import end_of_day
from custdash.db import (
    StoreBusy,
    StoreError,
    auth_path,
    bulk_insert,
    check_store,
    create_indexes,
    create_store,
    drop_indexes,
    load_lock,
    make_engine,
    now_utc,
    sqlite_path,
    storage_value,
    write_meta,
)
from custdash.models import (
    DATA_TABLES,
    FACT_TABLES,
    AumMonthly,
    Branch,
    Card,
    Customer,
    Manager,
    Product,
    Redemption,
    Touch,
    Txn,
)
from custdash.rules import Rules, load_rules

BATCH = 5000
# Fields of 10 MB and more are almost surely a broken extract; the csv module's
# default limit (128 KiB) is kept and reported clearly instead.


class ImportFailed(ValueError):
    """A bad extract. `str()` names file, line and column."""

    def __init__(self, file: str, problem: str, *, line: int | None = None, column: str | None = None):
        where = file
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", column {column}"
        super().__init__(f"{where}: {problem}")
        self.file, self.line, self.column, self.problem = file, line, column, problem


class _Bad(ValueError):
    """A cell that does not parse; the message says what was expected."""


# --- cell parsers --------------------------------------------------------------


def _text(v: str) -> str:
    return v


# Dates an extract may hold: wider than any bank's history, narrow enough that a day's
# arithmetic (the day after, a month back) never leaves Python's calendar.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2099, 12, 31)
_RANGE = f"{DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}"


def _in_range(d: date, v: str) -> None:
    if not DATE_MIN <= d <= DATE_MAX:
        raise _Bad(f"date {v!r} is outside the supported range {_RANGE}")


def _date(v: str) -> date:
    if len(v) != 10 or v[4] != "-" or v[7] != "-":
        raise _Bad(f"expected a date YYYY-MM-DD, got {v!r}")
    try:
        d = date.fromisoformat(v)
    except ValueError:
        raise _Bad(f"not a valid date: {v!r}") from None
    _in_range(d, v)
    return d


def _datetime(v: str) -> datetime:
    if len(v) != 19 or v[4] != "-" or v[7] != "-" or v[10] not in "T " or v[13] != ":" or v[16] != ":":
        raise _Bad(f"expected a time YYYY-MM-DDTHH:MM:SS, got {v!r}")
    try:
        d = datetime.fromisoformat(v)
    except ValueError:
        raise _Bad(f"not a valid time: {v!r}") from None
    _in_range(d.date(), v)
    return d


def _month(v: str) -> str:
    if len(v) != 7 or v[4] != "-":
        raise _Bad(f"expected a month YYYY-MM, got {v!r}")
    try:
        d = date.fromisoformat(v + "-01")
    except ValueError:
        raise _Bad(f"not a valid month: {v!r}") from None
    _in_range(d, v)
    return v


# ASCII digits only: Python's float() also takes "1_000", full-width "５２" and Arabic-Indic
# digits, which no bank system writes into an amount column on purpose.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _number(v: str) -> float:
    if not _NUMBER.fullmatch(v):
        if v.lower().lstrip("+-") in ("inf", "infinity", "nan"):
            raise _Bad(f"expected a finite number, got {v!r}")
        raise _Bad(f"expected a number (ASCII digits), got {v!r}")
    try:
        x = float(v)
    except ValueError:
        raise _Bad(f"expected a number, got {v!r}") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise _Bad(f"expected a finite number, got {v!r}")
    return x


def _nonneg(v: str) -> float:
    x = _number(v)
    if x < 0:
        raise _Bad(f"must not be negative, got {v!r}")
    return x


def _positive(v: str) -> float:
    x = _number(v)
    if x <= 0:
        raise _Bad(f"must be > 0, got {v!r}")
    return x


def _count(v: str) -> int:
    if not (v.isascii() and v.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise _Bad(f"expected a whole number >= 0, got {v!r}")
    return int(v)


def _enum(*values: str) -> Callable[[str], str]:
    allowed = frozenset(values)

    def parse(v: str) -> str:
        if v not in allowed:
            raise _Bad(f"unknown value {v!r}; expected one of {', '.join(values)}")
        return v

    parse.values = values  # type: ignore[attr-defined]
    return parse


@dataclass(frozen=True)
class Col:
    name: str
    parse: Callable[[str], Any]
    optional: bool = False
    as_of_candidate: bool = False  # a data date that may set the as-of date


@dataclass(frozen=True)
class FileSpec:
    file: str
    table: type
    columns: tuple[Col, ...]
    required: bool = False


CHANNELS = ("walk_in", "payroll", "alliance_cinema", "online", "referral")
PRODUCTS = (
    "mobile_banking",
    "payroll_agreement",
    "utility_autopay",
    "time_deposit",
    "wealth",
    "fund",
    "insurance",
    "credit_card",
)

SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "branches.csv",
        Branch,
        (Col("branch_id", _text), Col("branch_name", _text), Col("city", _text, True)),
        required=True,
    ),
    FileSpec(
        "managers.csv",
        Manager,
        (Col("manager_id", _text), Col("branch_id", _text), Col("manager_name", _text)),
        required=True,
    ),
    FileSpec(
        "customers.csv",
        Customer,
        (
            Col("customer_id", _text),
            Col("branch_id", _text),
            Col("manager_id", _text, True),
            Col("name", _text),
            Col("gender", _enum("F", "M"), True),
            Col("birth_date", _date, True),
            Col("phone", _text, True),
            Col("opened_on", _date, as_of_candidate=True),
            Col("channel", _enum(*CHANNELS)),
        ),
        required=True,
    ),
    FileSpec(
        "aum_monthly.csv",
        AumMonthly,
        (
            Col("customer_id", _text),
            Col("month", _month),
            Col("avg_daily_aum", _nonneg),
            Col("end_aum", _nonneg, True),
        ),
    ),
    FileSpec(
        "cards.csv",
        Card,
        (
            Col("card_id", _text),
            Col("customer_id", _text),
            Col("opened_on", _date, as_of_candidate=True),
            Col("status", _enum("active", "frozen", "closed")),
            Col("balance", _nonneg),
        ),
    ),
    FileSpec(
        "transactions.csv",
        Txn,
        (
            Col("txn_id", _text),
            Col("card_id", _text),
            Col("ts", _datetime, as_of_candidate=True),
            Col("amount", _positive),
            Col("direction", _enum("in", "out")),
            Col("kind", _enum("payroll", "transfer", "purchase", "atm", "fee", "interest")),
            Col("counterparty", _enum("own", "other_bank", "merchant"), True),
        ),
    ),
    FileSpec(
        "products.csv",
        Product,
        (
            Col("customer_id", _text),
            Col("product", _enum(*PRODUCTS)),
            Col("opened_on", _date, as_of_candidate=True),
        ),
    ),
    FileSpec(
        "touches.csv",
        Touch,
        (
            Col("customer_id", _text),
            Col("wave", _text),
            Col("touched_on", _date, as_of_candidate=True),
            Col("channel", _enum("phone", "sms", "visit", "wechat")),
            Col("outcome", _enum("reached", "no_answer", "declined", "converted"), True),
        ),
    ),
    FileSpec(
        "redemptions.csv",
        Redemption,
        (
            Col("redemption_id", _text),
            Col("customer_id", _text),
            Col("partner", _text),
            Col("ts", _datetime, as_of_candidate=True),
            Col("tickets", _count),
            Col("child_tickets", _count),
            Col("list_price_total", _nonneg),
            Col("paid_total", _nonneg),
            Col("free_tickets", _count),
        ),
    ),
)


# --- derived columns (from the row alone, never from rules) ---------------------


def derive(table: type, row: dict[str, Any]) -> dict[str, Any]:
    """Fill the derived columns of one row (see models.py)."""
    if table is Customer:
        row["opened_month"] = row["opened_on"].strftime("%Y-%m")
    elif table is Redemption:
        ts: datetime = row["ts"]
        row["screen_date"] = ts.date()
        row["weekday"] = ts.weekday()
        row["minute_of_day"] = ts.hour * 60 + ts.minute
        row["month_day"] = ts.strftime("%m-%d")
    return row


def _check_row(spec: FileSpec, row: dict[str, Any], rules: Rules) -> None:
    """Rules that span cells of one row."""
    if spec.table is Touch:
        n = len(rules.honeymoon.waves)
        if not (row["wave"].isascii() and row["wave"].isdigit() and 1 <= int(row["wave"]) <= n):
            raise ImportFailed(
                spec.file, f"wave must be a whole number from 1 to {n}, got {row['wave']!r}", column="wave"
            )
        row["wave"] = int(row["wave"])
    elif spec.table is Redemption:
        if row["child_tickets"] > row["tickets"]:
            raise ImportFailed(spec.file, "child_tickets must not exceed tickets", column="child_tickets")
        if row["free_tickets"] > row["tickets"]:
            raise ImportFailed(spec.file, "free_tickets must not exceed tickets", column="free_tickets")


# --- reading -------------------------------------------------------------------


def _derived_names(table: type) -> list[str]:
    return {Customer: ["opened_month"], Redemption: ["screen_date", "weekday", "minute_of_day", "month_day"]}.get(
        table, []
    )


def storage_names(spec: FileSpec) -> list[str]:
    """The columns an import writes, in the table's order: the file's, then the derived ones."""
    names = [c.name for c in spec.columns] + _derived_names(spec.table)
    order = [c.name for c in spec.table.__table__.columns if c.name in names]  # type: ignore[attr-defined]
    assert names == order, (names, order)
    return names


# --- the batch path ----------------------------------------------------------------
# The import's hot loop works a batch at a time, column by column, with the C-level
# builtins (map, set, min) doing the per-cell work, and turns cells straight into the
# store's storage values (ISO text for dates and times, as SQLAlchemy writes them on
# SQLite). It raises on anything doubtful; the batch is then read again row by row by
# the checked parsers above, which name the problem exactly (or accept what the batch
# path doubted, and their values are used). So the batch path must be strict, never chatty.


def _c_text(col: list[str]) -> list[Any]:
    if "" in col:
        raise _Bad
    return col


def _c_date(col: list[str]) -> list[Any]:
    if set(map(len, col)) != {10} or list(map(date.isoformat, map(date.fromisoformat, col))) != col:
        raise _Bad
    if col and (min(col) < DATE_MIN.isoformat() or max(col) > DATE_MAX.isoformat()):
        raise _Bad
    return col


def _c_datetime(col: list[str]) -> list[Any]:
    if set(map(len, col)) != {19}:
        raise _Bad
    iso = [f"{v[:10]}T{v[11:]}" for v in col]
    if {v[10] for v in col} - {"T", " "} or list(map(datetime.isoformat, map(datetime.fromisoformat, iso))) != iso:
        raise _Bad
    _c_date([v[:10] for v in col])
    return [f"{v[:10]} {v[11:]}.000000" for v in col]


def _c_month(col: list[str]) -> list[Any]:
    if set(map(len, col)) != {7}:
        raise _Bad
    _c_date([v + "-01" for v in col])
    return col


def _c_number(col: list[str]) -> list[Any]:
    if not all(map(str.isascii, col)) or any("_" in v or "n" in v.lower() for v in col):
        raise _Bad  # the row parser names the cell (a non-ASCII digit, 1_000, nan, inf)
    xs = list(map(float, col))
    if not all(map(math.isfinite, xs)):
        raise _Bad
    return xs


def _c_nonneg(col: list[str]) -> list[Any]:
    xs = _c_number(col)
    if xs and min(xs) < 0:
        raise _Bad
    return xs


def _c_positive(col: list[str]) -> list[Any]:
    xs = _c_number(col)
    if xs and min(xs) <= 0:
        raise _Bad
    return xs


def _c_count(col: list[str]) -> list[Any]:
    if not all(v.isascii() and v.isdigit() for v in col):
        raise _Bad
    return list(map(int, col))


_BATCH_PARSERS: dict[Callable[[str], Any], Callable[[list[str]], list[Any]]] = {
    _text: _c_text,
    _date: _c_date,
    _datetime: _c_datetime,
    _month: _c_month,
    _number: _c_number,
    _nonneg: _c_nonneg,
    _positive: _c_positive,
    _count: _c_count,
}


def _column(col: Col, cells: list[str]) -> list[Any]:
    """One column of a batch (stripped cells) as storage values."""
    conv = _BATCH_PARSERS.get(col.parse)
    if conv is None:  # an enum
        allowed = col.parse.values  # type: ignore[attr-defined]

        def conv(c: list[str]) -> list[Any]:
            if not set(c) <= set(allowed):
                raise _Bad
            return c

    if not col.optional or "" not in cells:
        return conv(cells)
    present = iter(conv([c for c in cells if c != ""]))
    return [None if c == "" else next(present) for c in cells]


def _batch(spec: FileSpec, plan: list[int | None], rules: Rules, rows: list[list[str]]) -> tuple[list[tuple], str]:
    """Storage tuples of a batch of rows, and its newest as-of candidate date ("" if none)."""
    n = len(rows)
    cols = list(zip(*rows)) if rows else []
    values: dict[str, list[Any]] = {}
    newest = ""
    for col, i in zip(spec.columns, plan):
        if i is None:
            values[col.name] = [None] * n
            continue
        values[col.name] = v = _column(col, list(map(str.strip, cols[i])))
        if col.as_of_candidate and v:
            newest = max(newest, max(v)[:10])
    if spec.table is Customer:
        values["opened_month"] = [d[:7] for d in values["opened_on"]]
    elif spec.table is Redemption:
        t, child, free = values["tickets"], values["child_tickets"], values["free_tickets"]
        if any(c > k for c, k in zip(child, t)) or any(f > k for f, k in zip(free, t)):
            raise _Bad
        ts = values["ts"]
        values["screen_date"] = days = [v[:10] for v in ts]
        values["weekday"] = list(map(date.weekday, map(date.fromisoformat, days)))
        values["minute_of_day"] = [int(v[11:13]) * 60 + int(v[14:16]) for v in ts]
        values["month_day"] = [v[5:10] for v in ts]
    elif spec.table is Touch:
        waves = values["wave"]
        if not all(w.isascii() and w.isdigit() for w in waves):
            raise _Bad
        values["wave"] = waves = list(map(int, waves))
        if waves and (min(waves) < 1 or max(waves) > len(rules.honeymoon.waves)):
            raise _Bad
    return list(zip(*(values[name] for name in storage_names(spec)))), newest


Batch = tuple[list[int], list[tuple[Any, ...]]]  # line numbers, storage tuples (`storage_names` order)


def _read_rows(path: Path, spec: FileSpec, encoding: str, rules: Rules, latest: list[date]) -> Iterator[Batch]:
    """The batches of one file; raises ImportFailed naming file, line and column."""
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    names = storage_names(spec)
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
            # An optional column may be left out of the file altogether: then it is empty everywhere.
            plan = [header.index(c.name) if c.name in header else None for c in spec.columns]
            width = len(header)
            lines: list[int] = []
            rows: list[list[str]] = []
            for cells in reader:
                if cells:  # not a blank line
                    lines.append(reader.line_num)
                    rows.append(cells)
                if len(rows) < BATCH:
                    continue
                yield _checked_batch(spec, header, plan, width, rules, latest, lines, rows, names)
                lines, rows = [], []
            if rows:
                yield _checked_batch(spec, header, plan, width, rules, latest, lines, rows, names)
    except UnicodeError:  # a decoding error, or a stream the codec cannot start (UTF-16 without BOM)
        line = max(1, reader.line_num if reader else 0)  # the last line read in full
        hint = " If the extract is GBK/GB18030-encoded, pass --encoding gb18030." if enc == "utf-8-sig" else ""
        raise ImportFailed(spec.file, f"the bytes after line {line} are not valid {encoding} text.{hint}") from None
    except csv.Error as e:
        line = max(1, reader.line_num if reader else 0)
        raise ImportFailed(spec.file, f"malformed CSV ({e}) after line {line}") from None
    except LookupError:
        raise ImportFailed(spec.file, f"unknown encoding {encoding!r}") from None


def _checked_batch(
    spec: FileSpec,
    header: list[str],
    plan: list[int | None],
    width: int,
    rules: Rules,
    latest: list[date],
    lines: list[int],
    rows: list[list[str]],
    names: list[str],
) -> Batch:
    try:
        if set(map(len, rows)) != {width}:
            raise _Bad
        out, newest = _batch(spec, plan, rules, rows)
    except (ValueError, TypeError, IndexError):
        # Row by row through the checked parsers: the first bad row raises with its line.
        out = []
        for line, cells in zip(lines, rows):
            parsed = _parse_row(spec, header, cells, line, rules, latest)
            out.append(tuple(storage_value(parsed[n]) for n in names))
        return lines, out
    if newest:
        latest[0] = max(latest[0], date.fromisoformat(newest))
    return lines, out


def _parse_row(
    spec: FileSpec, header: list[str], cells: list[str], line: int, rules: Rules, latest: list[date]
) -> dict[str, Any]:
    """One row through the checked parsers: its values, or ImportFailed saying what is wrong."""
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
            row[col.name] = col.parse(v)
        except _Bad as e:
            raise ImportFailed(spec.file, str(e), line=line, column=col.name) from None
        if col.as_of_candidate:
            d = row[col.name]
            d = d.date() if isinstance(d, datetime) else d
            if d > latest[0]:
                latest[0] = d
    try:
        _check_row(spec, row, rules)
    except ImportFailed as e:
        raise ImportFailed(spec.file, e.problem, line=line, column=e.column) from None
    return derive(spec.table, row)


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


def _read_as_of(folder: Path) -> date | None:
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
        return _date(data["as_of"])
    except _Bad as e:
        raise ImportFailed("extract.json", f"{e}; {expected}", line=1, column="as_of") from None


# --- writing -------------------------------------------------------------------


def insert_batch(conn: Connection, table: type, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert storage tuples (`storage_names` order)."""
    if conn.dialect.name == "sqlite":
        bulk_insert(conn, table.__table__, names, rows)  # type: ignore[attr-defined]
        return
    # Other databases get Python values back through SQLAlchemy's own type handling.
    kinds = [type(table.__table__.columns[n].type).__name__ for n in names]  # type: ignore[attr-defined]
    back = {"Date": date.fromisoformat, "DateTime": datetime.fromisoformat}
    conn.execute(
        insert(table),
        [{n: (back[k](v) if v is not None and k in back else v) for n, k, v in zip(names, kinds, r)} for r in rows],
    )


def _insert_checked(conn: Connection, spec: FileSpec, batch: Batch) -> None:
    """Insert a batch; on a constraint error, find the row and say what it broke."""
    names = storage_names(spec)
    lines, rows = batch
    try:
        with conn.begin_nested():
            insert_batch(conn, spec.table, names, rows)
        return
    except IntegrityError:
        pass
    for line, row in zip(lines, rows):
        try:
            with conn.begin_nested():
                insert_batch(conn, spec.table, names, [row])
        except IntegrityError:
            raise _diagnose(conn, spec, line, dict(zip(names, row))) from None
    raise ImportFailed(spec.file, "a constraint failed in this batch")  # pragma: no cover


def _diagnose(conn: Connection, spec: FileSpec, line: int, row: dict[str, Any]) -> ImportFailed:
    table = spec.table.__table__  # type: ignore[attr-defined]
    for fk in table.foreign_keys:
        col = fk.parent.name
        value = row.get(col)
        if value is None:
            continue
        target = fk.column
        if conn.execute(select(target).where(target == value)).first() is None:
            return ImportFailed(
                spec.file, f"unknown {col} {value!r} (no such {target.table.name})", line=line, column=col
            )
    pk = [c.name for c in table.primary_key.columns if c.name in row]
    if pk:
        return ImportFailed(
            spec.file, f"duplicate {' + '.join(pk)} {', '.join(repr(row[c]) for c in pk)}", line=line, column=pk[0]
        )
    return ImportFailed(spec.file, "violates a constraint of the store", line=line)  # pragma: no cover


def refresh_derived(conn: Connection, rules: Rules, *, as_of: date) -> None:
    """Recompute derived columns that span tables (card.last_activity_at), from data dated on
    or before the extract date only: a transaction posted after it must not make a card look
    active at that date (docs/RULES.md §0)."""
    kinds = list(rules.dormant.non_activity_kinds)
    latest = (
        select(func.max(Txn.ts))
        .where(Txn.card_id == Card.card_id, Txn.kind.not_in(kinds), Txn.ts < end_of_day(as_of))
        .scalar_subquery()
    )
    conn.execute(update(Card).values(last_activity_at=latest))
    write_meta(conn, activity_excludes=",".join(sorted(kinds)))


def clear_data(conn: Connection) -> None:
    for table in [*FACT_TABLES, *reversed(DATA_TABLES)]:
        conn.execute(delete(table))


def finish_load(conn: Connection, rules: Rules, *, as_of: date, source: str) -> None:
    """Derived columns, materialised facts and the meta rows that every loaded store carries."""
    refresh_derived(conn, rules, as_of=as_of)
    write_meta(
        conn,
        as_of=as_of.isoformat(),
        source=source,
        loaded_at=now_utc(),
        data_version=uuid.uuid4().hex,
        rules_fingerprint=rules.fingerprint,
        customers=str(conn.execute(select(func.count()).select_from(Customer)).scalar_one()),
    )
    facts.build(conn, as_of=as_of, rules=rules)


@dataclass
class ImportResult:
    as_of: date
    rows: dict[str, int]


def import_extract(
    folder: str | Path,
    target: str,
    *,
    encoding: str = "utf-8",
    rules: Rules | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Validate and load an extract folder into the store at `target`, all or nothing."""
    rules = rules or load_rules()
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFailed(str(folder), "not a folder")
    for spec in SPECS:
        if spec.required and not (folder / spec.file).is_file():
            raise ImportFailed(spec.file, f"required file missing from {folder}")
    explicit_as_of = _read_as_of(folder)
    try:
        with load_lock(target):
            result = _import(folder, target, encoding, rules, explicit_as_of, progress)
    except StoreBusy as e:
        raise ImportFailed(str(folder), f"{e} {e.fix}") from None
    # A bank's own data is in: the demo accounts (and their published passwords) go.
    writer = make_engine(target, writer=True)
    try:
        with Session(writer) as s:
            remove_demo_users(s)
    finally:
        writer.dispose()
    return result


def _import(
    folder: Path,
    target: str,
    encoding: str,
    rules: Rules,
    explicit_as_of: date | None,
    progress: Callable[[str, int], None] | None,
) -> ImportResult:
    parallel = _extract_bytes(folder) >= PARALLEL_FROM_BYTES
    gc_was_enabled = gc.isenabled()
    path = sqlite_path(target)
    engine = make_engine(target, create_dirs=True)
    try:
        gc.disable()  # the collector kept scanning millions of short-lived rows: 20% of the load
        if path is None or not path.exists() or path.stat().st_size == 0:
            create_store(engine)
        else:
            check_store(engine, target)
        if path is None:  # a server database: load in place, in one transaction
            with engine.begin() as conn:
                return _load(conn, folder, encoding, rules, explicit_as_of, progress, parallel)
        return _load_staged(engine, path, folder, encoding, rules, explicit_as_of, progress, parallel)
    finally:
        engine.dispose()
        if gc_was_enabled:
            gc.enable()


def _load(
    conn: Connection,
    folder: Path,
    encoding: str,
    rules: Rules,
    explicit_as_of: date | None,
    progress: Callable[[str, int], None] | None,
    parallel: bool,
) -> ImportResult:
    """Empty the data tables and load the extract, indexes, derived columns and facts
    inside the caller's transaction."""
    latest = [date.min]
    counts = {spec.file: 0 for spec in SPECS}
    clear_data(conn)
    indexes = drop_indexes(conn)
    specs = {spec.file: spec for spec in SPECS}
    read = _read_in_worker if parallel else _read_all
    for file, batch in read(folder, encoding, rules, latest):
        _insert_checked(conn, specs[file], batch)
        counts[file] += len(batch[1])
        if progress:
            progress(file, counts[file])
    as_of = explicit_as_of or (latest[0] if latest[0] != date.min else None)
    if as_of is None:
        raise ImportFailed("customers.csv", "no data rows: the extract is empty")
    if explicit_as_of is None:
        limit = date.today() + timedelta(days=int(config.setting("CUSTDASH_IMPORT_FUTURE_DAYS")))
        if as_of > limit:
            raise _dated_after(folder, encoding, limit)
    _check_manager_branches(conn, folder, encoding)
    create_indexes(conn, indexes)
    finish_load(conn, rules, as_of=as_of, source="import")
    return ImportResult(as_of=as_of, rows=counts)


def _dated_after(folder: Path, encoding: str, limit: date) -> ImportFailed:
    """Without extract.json the as-of date is the latest date found: a row dated far ahead (a
    typo, 2099) would silently become it. Name the first such row."""
    days = (limit - date.today()).days
    for spec in SPECS:
        dated = [c.name for c in spec.columns if c.as_of_candidate]
        path = folder / spec.file
        if not dated or not path.is_file():
            continue
        for line, row in _csv_rows(path, encoding):
            for name in dated:
                value = (row.get(name) or "").strip()
                if value[:10] > limit.isoformat():
                    return ImportFailed(
                        spec.file,
                        f"dated {value}, more than {days} days after today, and there is no extract.json: "
                        f"the as-of date would become {value[:10]}. Correct the row, or state the extract "
                        'date in extract.json ({"as_of": "YYYY-MM-DD"}); CUSTDASH_IMPORT_FUTURE_DAYS sets the '
                        "tolerance",
                        line=line,
                        column=name,
                    )
    return ImportFailed(str(folder), f"a date after {limit} (no extract.json)")  # pragma: no cover


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, str]]]:
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    with open(path, encoding=enc, newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            yield reader.line_num, row


def _check_manager_branches(conn: Connection, folder: Path, encoding: str) -> None:
    """A customer's manager must work in the customer's branch: otherwise the customer is in one
    branch's figures and on another branch's manager's list, which that manager cannot see."""
    bad = conn.execute(
        select(Customer.customer_id, Customer.branch_id, Customer.manager_id, Manager.branch_id)
        .join(Manager, Manager.manager_id == Customer.manager_id)
        .where(Manager.branch_id != Customer.branch_id)
        .order_by(Customer.customer_id)
        .limit(1)
    ).first()
    if bad is None:
        return
    cid, branch, manager, manager_branch = bad
    line = next(
        (n for n, row in _csv_rows(folder / "customers.csv", encoding) if row.get("customer_id", "").strip() == cid),
        None,
    )
    raise ImportFailed(
        "customers.csv",
        f"customer {cid} is in branch {branch}, but manager {manager} works in branch {manager_branch}",
        line=line,
        column="manager_id",
    )


def _load_staged(
    engine: Engine,
    path: Path,
    folder: Path,
    encoding: str,
    rules: Rules,
    explicit_as_of: date | None,
    progress: Callable[[str, int], None] | None,
    parallel: bool,
) -> ImportResult:
    """Load into a private file beside the store, then copy it into the store in one step.

    Loading straight into the live store sent every page through its WAL, and the facts
    build then read 31M rows back through a 4.5 GB WAL at a million customers (330 s, against
    70-100 s from a plain file). The private file has no WAL and no fsync; SQLite's backup
    copies it into the store page by page in a single write transaction, so readers keep the
    old data until it commits and any failure leaves the store exactly as it was."""
    with engine.connect() as conn:
        page_size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
    _remove_abandoned_staging(path)
    staging = path.with_name(f"{path.name}{STAGING_INFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    work = make_engine(str(staging), staging=True, page_size=page_size)
    try:
        create_store(work)
        with work.begin() as conn:
            result = _load(conn, folder, encoding, rules, explicit_as_of, progress, parallel)
        src, dst = work.raw_connection(), engine.raw_connection()
        try:
            src.driver_connection.backup(dst.driver_connection, name="main")
        finally:
            src.close()
            dst.close()
        return result
    except (OperationalError, sqlite3.OperationalError) as e:
        # Disk full, I/O error: the extract may be fine, the machine is not. SQLite rolls the
        # whole transaction back on a full disk, so undoing the savepoint then fails too
        # ("no such savepoint"): name the first failure, the cause.
        while isinstance(e.__context__, (OperationalError, sqlite3.OperationalError)):
            e = e.__context__
        reason = str(getattr(e, "orig", None) or e).splitlines()[0]
        raise StoreError(
            f"The import could not be written ({reason}); the store {path} is unchanged.",
            fix="Free disk space beside the store (an import needs room for a second copy of it) and import again.",
        ) from None
    finally:
        work.dispose()
        for p in (staging, auth_path(staging)):
            p.unlink(missing_ok=True)


STAGING_INFIX = ".import-"


def _remove_abandoned_staging(path: Path) -> None:
    """Private load files left by an import that was killed (named after its process id)."""
    for p in path.parent.glob(f"{path.name}{STAGING_INFIX}*"):
        pid = p.name[len(path.name) + len(STAGING_INFIX) :].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_all(folder: Path, encoding: str, rules: Rules, latest: list[date]) -> Iterator[tuple[str, Batch]]:
    """(file, batch) for every file of the extract present, in load order (parents first)."""
    for spec in SPECS:
        path = folder / spec.file
        if path.is_file():
            for batch in _read_rows(path, spec, encoding, rules, latest):
                yield spec.file, batch


# Reading and converting the CSV is about half of the load's work, inserting the other
# half: from this size on, a second process reads while this one inserts (two cores).
# Below it, starting that process (about a second) would cost more than it saves.
PARALLEL_FROM_BYTES = 8 << 20


def _extract_bytes(folder: Path) -> int:
    return sum((folder / spec.file).stat().st_size for spec in SPECS if (folder / spec.file).is_file())


def _read_in_worker(folder: Path, encoding: str, rules: Rules, latest: list[date]) -> Iterator[tuple[str, Batch]]:
    """`_read_all` run in a child process; its ImportFailed is raised here, unchanged.

    A plain subprocess talking pickle over a pipe, not multiprocessing: spawn re-imports the
    caller's main module in the child, which runs any unguarded script a second time. The
    pipe's buffer keeps the child only a little ahead, so memory stays flat."""
    root = str(Path(__file__).resolve().parent.parent)
    code = f"import sys; sys.path.insert(0, {root!r}); from custdash.importer import _reader_main; _reader_main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1 << 20
    )
    assert proc.stdin is not None and proc.stdout is not None
    _widen_pipe(proc.stdout.fileno())
    try:
        try:
            pickle.dump((folder, encoding, rules), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.close()
        except BrokenPipeError:  # it died before reading the request: reported below, by exit code
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        while True:
            try:
                kind, *body = pickle.load(proc.stdout)
            except EOFError:
                code = proc.wait()
                raise ImportFailed(str(folder), f"the reading process stopped (exit code {code})") from None
            if kind == "batch":
                yield body[0], body[1]
            elif kind == "failed":
                raise ImportFailed(body[0], body[1], line=body[2], column=body[3])
            elif kind == "done":
                latest[0] = max(latest[0], body[0])
                return
            else:  # "crashed": a bug, not a bad extract
                raise RuntimeError(f"the extract reader failed: {body[0]}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def _widen_pipe(fd: int) -> None:
    """Let the child run a few batches ahead: with Linux's default 64 KB pipe it blocked
    as soon as the parent started inserting, and the two processes took turns."""
    try:
        import fcntl

        size = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), min(size, 4 << 20))
    except (ImportError, OSError, ValueError):
        pass  # elsewhere: slower, not wrong


def _reader_main() -> None:  # pragma: no cover (runs in the child)
    gc.disable()  # a short-lived process of acyclic lists and tuples
    out = os.fdopen(sys.stdout.fileno(), "wb", buffering=1 << 20, closefd=False)
    sys.stdout = sys.stderr  # nothing else may write into the pipe
    folder, encoding, rules = pickle.load(sys.stdin.buffer)
    latest = [date.min]

    def send(*message: Any) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        for file, batch in _read_all(folder, encoding, rules, latest):
            send("batch", file, batch)
        send("done", latest[0])
    except ImportFailed as e:
        send("failed", e.file, e.problem, e.line, e.column)
    except Exception as e:  # reported by the parent
        send("crashed", f"{type(e).__name__}: {e}")
    out.flush()


def write_extract(folder: str | Path, tables: dict[str, Iterable[dict[str, Any]]]) -> None:
    """Write rows as an extract folder (used by the demo generator's --csv)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for spec in SPECS:
        rows = tables.get(spec.file)
        if rows is None:
            continue
        with open(folder / spec.file, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([c.name for c in spec.columns])
            for r in rows:
                w.writerow(["" if r.get(c.name) is None else _fmt(r[c.name]) for c in spec.columns])


def _fmt(v: Any) -> str:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)
