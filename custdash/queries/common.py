"""Running a view's statement: into a DataFrame, or counting its rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from custdash.facts import MONTH_END_ROW_COLUMNS
from custdash.models import Customer, MonthEndList
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


def ids_only(stmt: Select[Any]) -> Select[Any]:
    """A list's statement reduced to its customer ids, unordered: what counting it needs. The
    database may otherwise compute every column of every row first (the dormant list's
    12-month peak is a subquery per row)."""
    return stmt.with_only_columns(stmt.selected_columns.customer_id).order_by(None)


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
        .where(m.as_of == as_of, m.list_name == name, *scope.where(m))
    )
