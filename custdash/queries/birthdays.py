"""Birthdays (关怀提醒, DOMAIN.md §6): whose birthday falls in the coming week."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from custdash import facts
from custdash.calendar import basis_month
from custdash.expressions import aum_join, aum_value, customers_at, person_columns, tier_case, with_aum
from custdash.expressions_timing import birthday_days, birthday_offset, tier_bound
from custdash.models import Customer, CustomerFact
from custdash.queries.common import chart_rows
from custdash.rules import Rules
from custdash.scope import ALL, Scope

LIST_COLUMNS = ["customer_id", "name", "phone", "branch_id", "manager_id", "tier", "birthday", "days_left", "age"]


def birthdays_select(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    """Customers whose birthday falls in the window, in list order: that day, then tier
    descending, then customer id. The customers are found through ix_customer_birth_md; only
    their tier comes from the facts (or their basis month's AUM)."""
    offset = birthday_offset(as_of, rules)
    mds = sorted({md for md, _n in birthday_days(as_of, rules)})
    if facts.usable(session, as_of=as_of, rules=rules):
        aum = CustomerFact.basis_aum
        stmt = select(*person_columns(), Customer.birth_date, offset.label("days_left"), CustomerFact.tier).join(
            CustomerFact, CustomerFact.customer_id == Customer.customer_id
        )
    else:
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
    return stmt.where(Customer.birth_md.in_(mds), *customers_at(as_of, scope)).order_by(
        # Tier descending: the tiers' bounds rise strictly (the rules check), so by bound.
        offset,
        tier_bound(rules, aum).desc(),
        Customer.customer_id,
    )


def shape_list(df: pd.DataFrame, *, as_of: date, **_: Any) -> pd.DataFrame:
    """The rows of `birthdays_select` as the list shows them: the birthday in the window and
    the age the customer turns (the birth date itself is not shown)."""
    born = pd.to_datetime(df["birth_date"]).dt.date
    df["days_left"] = df["days_left"].astype(int)
    df["birthday"] = [as_of + timedelta(days=int(n)) for n in df["days_left"]]
    df["age"] = [b.year - d.year for b, d in zip(df["birthday"], born)]
    return df[LIST_COLUMNS]


def birthdays_by_day(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Birthdays per day of the window, zeros included. Columns: day, customers."""
    sub = chart_rows(
        birthdays_select, "birthdays", session, as_of=as_of, rules=rules, scope=scope, columns=["days_left"]
    )
    found = dict(session.execute(select(sub.c.days_left, func.count()).group_by(sub.c.days_left)).all())
    days = range(rules.birthdays.window_days)
    return pd.DataFrame(
        {"day": [as_of + timedelta(days=n) for n in days], "customers": [int(found.get(n, 0)) for n in days]}
    )
