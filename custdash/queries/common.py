"""Running a view's statement: into a DataFrame, or counting its rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import Session

from custdash import facts
from custdash.facts import MONTH_END_ROW_COLUMNS
from custdash.models import Customer, MonthEndList
from custdash.rules import Rules
from custdash.scope import Scope


def frame(session: Session, stmt: Select[Any], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Run a statement and return its rows as a DataFrame (column names from the SELECT)."""
    # Core, not ORM execution: the ORM's per-row bookkeeping was a third of a long list's time.
    result = session.connection().execute(stmt)
    names = list(columns or result.keys())
    # Plain tuples: building a frame from Row objects costs several times more on long lists.
    return pd.DataFrame.from_records([tuple(r) for r in result], columns=names)


def count_rows(session: Session, stmt: Select[Any]) -> int:
    """How many rows a statement returns, counted in the database (a list is never read out)."""
    return int(session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())


def only_columns(stmt: Select[Any], *names: str) -> Select[Any]:
    """A list's statement reduced to the columns `names`, unordered: what a count or a chart
    over the list needs. The database may otherwise compute every column of every row first
    (the dormant list's 12-month peak is a subquery per row)."""
    return stmt.with_only_columns(*[stmt.selected_columns[n] for n in names]).order_by(None)


def ids_only(stmt: Select[Any]) -> Select[Any]:
    """A list's statement reduced to its customer ids, unordered: what counting it needs."""
    return only_columns(stmt, "customer_id")


def chart_rows(
    select_list: Callable[..., Select[Any]],
    name: str,
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope,
    columns: Sequence[str],
) -> Subquery:
    """The rows a chart over list `name` groups, with only `columns`: at a month-end whose rows
    were written (facts.reads_month_end_rows) those rows alone, from the covering index; else
    the list's own statement (`select_list`) reduced to them. Not the month-end's list
    statement: SQLite keeps its outer join to customer inside an aggregate, a customer row
    read for each of the bank's 150,000 dormant rows at 1M."""
    if facts.reads_month_end_rows(session, name, as_of=as_of, rules=rules):
        m = MonthEndList
        stmt = select(*[getattr(m, c) for c in columns]).where(*_month_end_where(name, as_of=as_of, scope=scope))
    else:
        stmt = only_columns(select_list(session, as_of=as_of, rules=rules, scope=scope), *columns)
    return stmt.subquery(f"{name}_rows")


def month_end_rows(name: str, *, as_of: date, scope: Scope) -> Select[Any]:
    """List `name`'s rows at a month-end as written after the load (facts.reads_month_end_rows),
    with the person columns of `customer`; unordered (each list orders its own)."""
    m = MonthEndList
    # An outer join on customer's key: a chart over these rows, which uses neither name nor
    # phone, reads no customer row at all (SQLite and PostgreSQL both drop such a join).
    return (
        select(
            m.customer_id,
            Customer.name,
            Customer.phone,
            m.branch_id,
            m.manager_id,
            *[getattr(m, c) for c in MONTH_END_ROW_COLUMNS[name]],
        )
        .select_from(m)
        .outerjoin(Customer, Customer.customer_id == m.customer_id)
        .where(*_month_end_where(name, as_of=as_of, scope=scope))
    )


def _month_end_where(name: str, *, as_of: date, scope: Scope) -> list[Any]:
    m = MonthEndList
    return [m.as_of == as_of, m.list_name == name, *scope.where(m)]
