"""Small portable SQL constructs (SQLite now, PostgreSQL next).

Date arithmetic is the one thing the two dialects spell differently, so it lives
here, compiled per dialect; everything else in the queries is plain SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class add_days(FunctionElement):  # reads like a SQL function
    """`date_column + n days` as a date, in the store's dialect."""

    type = Date()
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any], days: int):
        super().__init__(column, days)


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    col, days = list(element.clauses)
    return f"date({compiler.process(col, **kw)}, ({compiler.process(days, **kw)}) || ' days')"


@compiles(add_days)
def _add_days_default(element: add_days, compiler: Any, **kw: Any) -> str:
    col, days = list(element.clauses)
    return f"({compiler.process(col, **kw)} + CAST({compiler.process(days, **kw)} AS INTEGER))"
