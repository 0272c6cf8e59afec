"""What every view shares: the viewer's scope, the basis month, tier expressions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, literal
from sqlalchemy.orm import Session, aliased

from custdash.models import AumMonthly, Customer
from custdash.rules import Rules


@dataclass(frozen=True)
class Scope:
    """Which customers a view covers: everything, one branch, or one manager's book."""

    branch_id: str | None = None
    manager_id: str | None = None

    def where(self, entity: Any = Customer) -> list[ColumnElement[bool]]:
        """Conditions on an entity with branch_id and manager_id (customers, facts, rollups)."""
        conds: list[ColumnElement[bool]] = []
        if self.branch_id is not None:
            conds.append(entity.branch_id == self.branch_id)
        if self.manager_id is not None:
            conds.append(entity.manager_id == self.manager_id)
        return conds


ALL = Scope()


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    k = y * 12 + (m - 1) + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def basis_month(as_of: date) -> str:
    """The calendar month before the as-of date's month (DOMAIN.md §1)."""
    return add_months(month_of(as_of), -1)


def months_back(d: date, n: int) -> date:
    """The same day `n` months earlier (the last day of that month when it is shorter)."""
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def month_before(d: date) -> date:
    """The same day a month earlier (the last day of that month when it is shorter)."""
    return months_back(d, 1)


def end_of_day(d: date) -> datetime:
    """The first instant after day `d`: times strictly before it are "on or before d"."""
    return datetime.combine(d + timedelta(days=1), time())


def customers_at(as_of: date, scope: Scope) -> list[ColumnElement[bool]]:
    """Customers that exist at the as-of date, inside the scope."""
    return [Customer.opened_on <= as_of, *scope.where()]


def aum_join(month: str) -> Any:
    """An alias of aum_monthly to LEFT JOIN for one month."""
    return aliased(AumMonthly, name=f"aum_{month.replace('-', '_')}")


def aum_value(alias: Any) -> ColumnElement[float]:
    """AUM of the joined month; no row means 0 (DOMAIN.md §1)."""
    from sqlalchemy import func

    return func.coalesce(alias.avg_daily_aum, 0.0)


def with_aum(stmt: Select[Any], alias: Any, month: str) -> Select[Any]:
    return stmt.outerjoin(alias, and_(alias.customer_id == Customer.customer_id, alias.month == month))


def tier_case(rules: Rules, aum: ColumnElement[float]) -> ColumnElement[str]:
    """The tier code of an AUM expression, bounds as bound parameters."""
    whens = [(aum >= t.lower_bound, literal(t.code)) for t in reversed(rules.tiers[1:])]
    return case(*whens, else_=literal(rules.tiers[0].code))


def frame(session: Session, stmt: Select[Any], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Run a statement and return its rows as a DataFrame (column names from the SELECT)."""
    # Core, not ORM execution: the ORM's per-row bookkeeping was a third of a long list's time.
    result = session.connection().execute(stmt)
    names = list(columns or result.keys())
    # Plain tuples: building a frame from Row objects costs several times more on long lists.
    return pd.DataFrame.from_records([tuple(r) for r in result], columns=names)


def person_columns(entity: Any = Customer) -> list[Any]:
    """Who a list row is about: from customer, or from customer_fact (which copies them)."""
    return [entity.customer_id, entity.name, entity.phone, entity.branch_id, entity.manager_id]
