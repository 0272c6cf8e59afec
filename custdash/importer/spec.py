"""The import contract as data (docs/DATA_FORMAT.md): each file's columns with their
converters, the columns derived from a row, and the checks that span cells of a row.
Derived columns and row checks, like the converters, have a row form and a column form
side by side."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from custdash.households import RELATIONS
from custdash.importer.converters import (
    COUNT,
    DATE,
    DATETIME,
    MONTH,
    NONNEG,
    POSITIVE,
    TEXT,
    Bad,
    Converter,
    Enum,
    Id,
    Text,
)
from custdash.models import (
    AumMonthly,
    Branch,
    Card,
    ChannelMonthly,
    Customer,
    CustomerTag,
    HouseholdMember,
    Manager,
    Product,
    Redemption,
    Touch,
    Txn,
)
from custdash.rules import MATURING, Rules
from custdash.rules import PRODUCTS as RULE_PRODUCTS


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


@dataclass(frozen=True)
class Col:
    name: str
    conv: Converter
    optional: bool = False
    as_of_candidate: bool = False  # a data date that may set the as-of date


@dataclass(frozen=True)
class FileSpec:
    file: str
    table: type
    columns: tuple[Col, ...]
    required: bool = False


CHANNELS = ("walk_in", "payroll", "alliance_cinema", "online", "referral")

PRODUCTS = RULE_PRODUCTS  # the contract's product kinds (custdash.rules.PRODUCTS)

SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "branches.csv",
        Branch,
        (Col("branch_id", TEXT), Col("branch_name", TEXT), Col("city", TEXT, True)),
        required=True,
    ),
    FileSpec(
        "managers.csv",
        Manager,
        (Col("manager_id", TEXT), Col("branch_id", TEXT), Col("manager_name", TEXT)),
        required=True,
    ),
    FileSpec(
        "customers.csv",
        Customer,
        (
            Col("customer_id", TEXT),
            Col("branch_id", TEXT),
            Col("manager_id", TEXT, True),
            Col("name", TEXT),
            Col("gender", Enum(("F", "M")), True),
            Col("birth_date", DATE, True),
            Col("phone", TEXT, True),
            Col("opened_on", DATE, as_of_candidate=True),
            Col("channel", Enum(CHANNELS)),
        ),
        required=True,
    ),
    FileSpec(
        "households.csv",
        HouseholdMember,
        (Col("household_id", TEXT), Col("customer_id", TEXT), Col("relation", Enum(RELATIONS))),
    ),
    FileSpec(
        "aum_monthly.csv",
        AumMonthly,
        (
            Col("customer_id", TEXT),
            Col("month", MONTH),
            Col("avg_daily_aum", NONNEG),
            Col("end_aum", NONNEG, True),
        ),
    ),
    FileSpec(
        "cards.csv",
        Card,
        (
            Col("card_id", TEXT),
            Col("customer_id", TEXT),
            Col("opened_on", DATE, as_of_candidate=True),
            Col("status", Enum(("active", "frozen", "closed"))),
            Col("balance", NONNEG),
        ),
    ),
    FileSpec(
        "transactions.csv",
        Txn,
        (
            Col("txn_id", TEXT),
            Col("card_id", TEXT),
            Col("ts", DATETIME, as_of_candidate=True),
            Col("amount", POSITIVE),
            Col("direction", Enum(("in", "out"))),
            Col("kind", Enum(("payroll", "transfer", "purchase", "atm", "fee", "interest"))),
            Col("counterparty", Enum(("own", "other_bank", "merchant")), True),
        ),
    ),
    FileSpec(
        "products.csv",
        Product,
        (
            Col("customer_id", TEXT),
            Col("product", Enum(PRODUCTS)),
            Col("opened_on", DATE, as_of_candidate=True),
            Col("matures_on", DATE, True),
            Col("amount", POSITIVE, True),
        ),
    ),
    FileSpec(
        "touches.csv",
        Touch,
        (
            Col("customer_id", TEXT),
            Col("wave", TEXT),
            Col("touched_on", DATE, as_of_candidate=True),
            Col("channel", Enum(("phone", "sms", "visit", "wechat"))),
            Col("outcome", Enum(("reached", "no_answer", "declined", "converted")), True),
        ),
    ),
    FileSpec(
        "redemptions.csv",
        Redemption,
        (
            Col("redemption_id", TEXT),
            Col("customer_id", TEXT),
            Col("partner", TEXT),
            Col("ts", DATETIME, as_of_candidate=True),
            Col("tickets", COUNT),
            Col("child_tickets", COUNT),
            Col("list_price_total", NONNEG),
            Col("paid_total", NONNEG),
            Col("free_tickets", COUNT),
        ),
    ),
    FileSpec("customer_tags.csv", CustomerTag, (Col("customer_id", TEXT), Col("tag", TEXT))),
    FileSpec(
        "channel_monthly.csv",
        ChannelMonthly,
        (Col("customer_id", TEXT), Col("month", MONTH), Col("mobile_logins", COUNT)),
    ),
)


def _sized(spec: FileSpec) -> FileSpec:
    """Each text column checked against its model column's length (and an `…_id` column as an
    id): the lengths are declared once, in models.py."""
    table = spec.table.__table__  # type: ignore[attr-defined]
    cols = []
    for c in spec.columns:
        if isinstance(c.conv, Text):
            length = getattr(table.columns[c.name].type, "length", None)
            c = replace(c, conv=(Id if c.name.endswith("_id") else Text)(max_length=length))
        cols.append(c)
    return replace(spec, columns=tuple(cols))


SPECS = tuple(map(_sized, SPECS))
SPEC_BY_FILE = {s.file: s for s in SPECS}


# --- derived columns (from the row alone, never from rules; see models.py) -----------

DERIVED: dict[type, list[str]] = {
    Customer: ["opened_month", "birth_md"],
    Redemption: ["screen_date", "weekday", "minute_of_day", "month_day"],
}


def derive_row(table: type, row: dict[str, Any]) -> dict[str, Any]:
    """Fill the derived columns of one row of Python values."""
    if table is Customer:
        row["opened_month"] = row["opened_on"].strftime("%Y-%m")
        row["birth_md"] = row["birth_date"].strftime("%m-%d") if row["birth_date"] else None
    elif table is Redemption:
        ts: datetime = row["ts"]
        row["screen_date"] = ts.date()
        row["weekday"] = ts.weekday()
        row["minute_of_day"] = ts.hour * 60 + ts.minute
        row["month_day"] = ts.strftime("%m-%d")
    return row


def derive_columns(table: type, values: dict[str, list[Any]]) -> None:
    """Fill the derived columns of a batch of storage values (ISO text dates and times)."""
    if table is Customer:
        values["opened_month"] = [d[:7] for d in values["opened_on"]]
        values["birth_md"] = [d[5:10] if d else None for d in values["birth_date"]]
    elif table is Redemption:
        ts = values["ts"]
        values["screen_date"] = days = [v[:10] for v in ts]
        values["weekday"] = list(map(date.weekday, map(date.fromisoformat, days)))
        values["minute_of_day"] = [int(v[11:13]) * 60 + int(v[14:16]) for v in ts]
        values["month_day"] = [v[5:10] for v in ts]


def storage_names(spec: FileSpec) -> list[str]:
    """The columns an import writes, in the table's order: the file's, then the derived ones."""
    names = [c.name for c in spec.columns] + DERIVED.get(spec.table, [])
    order = [c.name for c in spec.table.__table__.columns if c.name in names]  # type: ignore[attr-defined]
    assert names == order, (names, order)
    return names


# --- checks that span cells of a row -------------------------------------------------


class RowBad(ValueError):
    """A row whose cells disagree; names the column."""

    def __init__(self, problem: str, column: str):
        super().__init__(problem)
        self.problem, self.column = problem, column


def check_row(spec: FileSpec, row: dict[str, Any], rules: Rules) -> None:
    """One row of Python values (raises RowBad naming the column)."""
    if spec.table is Touch:
        n = len(rules.honeymoon.waves)
        if not (row["wave"].isascii() and row["wave"].isdigit() and 1 <= int(row["wave"]) <= n):
            raise RowBad(f"wave must be a whole number from 1 to {n}, got {row['wave']!r}", "wave")
        row["wave"] = int(row["wave"])
    elif spec.table is Product and row["matures_on"] is not None:
        if row["product"] not in MATURING:
            raise RowBad(f"matures_on is only for {', '.join(MATURING)}, not {row['product']}", "matures_on")
        if row["matures_on"] <= row["opened_on"]:
            raise RowBad("matures_on must be after opened_on", "matures_on")
    elif spec.table is Redemption:
        if row["child_tickets"] > row["tickets"]:
            raise RowBad("child_tickets must not exceed tickets", "child_tickets")
        if row["free_tickets"] > row["tickets"]:
            raise RowBad("free_tickets must not exceed tickets", "free_tickets")


def check_columns(spec: FileSpec, values: dict[str, list[Any]], rules: Rules) -> None:
    """A batch of storage values (raises Bad, without a message, on any doubt)."""
    if spec.table is Touch:
        waves = values["wave"]
        if not all(w.isascii() and w.isdigit() for w in waves):
            raise Bad
        values["wave"] = waves = list(map(int, waves))
        if waves and (min(waves) < 1 or max(waves) > len(rules.honeymoon.waves)):
            raise Bad
    elif spec.table is Product:
        rows = zip(values["product"], values["opened_on"], values["matures_on"])
        if any(m is not None and (p not in MATURING or m <= o) for p, o, m in rows):
            raise Bad
    elif spec.table is Redemption:
        t, child, free = values["tickets"], values["child_tickets"], values["free_tickets"]
        if any(c > k for c, k in zip(child, t)) or any(f > k for f, k in zip(free, t)):
            raise Bad


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
