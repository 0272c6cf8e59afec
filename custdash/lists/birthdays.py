"""Birthdays in the week ahead (关怀提醒, DOMAIN.md §6): a courtesy call, so 回检 measures no
outcome for it. In list order: that day, then tier descending, then customer id. The
customers are found through ix_customer_birth_md; only their tier comes from the facts (or
their basis month's AUM)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, select

from custdash.calendar import basis_month
from custdash.expressions import PERSON_COLUMNS, aum_join, aum_value, customers_at, person_columns, tier_case, with_aum
from custdash.expressions_timing import birthday_days, birthday_offset, tier_bound
from custdash.lists.base import CallList, fixed_columns
from custdash.models import Customer, CustomerFact
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import Rows

LIST_COLUMNS = [*PERSON_COLUMNS, "tier", "birthday", "days_left", "age"]


def _in_window(stmt: Select[Any], aum: Any, *, as_of: date, rules: Rules, scope: Scope) -> Select[Any]:
    offset = birthday_offset(as_of, rules)
    mds = sorted({md for md, _n in birthday_days(as_of, rules)})
    return stmt.where(Customer.birth_md.in_(mds), *customers_at(as_of, scope)).order_by(
        # Tier descending: the tiers' bounds rise strictly (the rules check), so by bound.
        offset,
        tier_bound(rules, aum).desc(),
        Customer.customer_id,
    )


def _facts(*, as_of: date, rules: Rules, scope: Scope, **_: Any) -> Select[Any]:
    offset = birthday_offset(as_of, rules)
    stmt = select(*person_columns(), Customer.birth_date, offset.label("days_left"), CustomerFact.tier).join(
        CustomerFact, CustomerFact.customer_id == Customer.customer_id
    )
    return _in_window(stmt, CustomerFact.basis_aum, as_of=as_of, rules=rules, scope=scope)


def _live(session: Any, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    offset = birthday_offset(as_of, rules)
    month = basis_month(as_of)
    basis = aum_join(month)
    aum = aum_value(basis)
    stmt = with_aum(
        select(
            *person_columns(), Customer.birth_date, offset.label("days_left"), tier_case(rules, aum).label("tier")
        ).select_from(Customer),
        basis,
        month,
    )
    return _in_window(stmt, aum, as_of=as_of, rules=rules, scope=scope)


ROWS = Rows(live=_live, facts=_facts)


def shape_list(df: pd.DataFrame, *, as_of: date, **_: Any) -> pd.DataFrame:
    """The rows of `ROWS.select` as the list shows them: the birthday in the window and
    the age the customer turns (the birth date itself is not shown)."""
    born = pd.to_datetime(df["birth_date"]).dt.date
    df["days_left"] = df["days_left"].astype(int)
    df["birthday"] = [as_of + timedelta(days=int(n)) for n in df["days_left"]]
    df["age"] = [b.year - d.year for b, d in zip(df["birthday"], born)]
    return df[LIST_COLUMNS]


LIST = CallList(
    name="birthdays",
    page="birthdays",
    count="birthdays",
    rows=ROWS,
    shape=shape_list,
    columns=fixed_columns(LIST_COLUMNS),
    summary_key="birthdays",
    queue_rank=6,
)
