"""Running a statement: into a DataFrame, or counting its rows; a list's statement reduced
to the columns a count or a chart needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


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
