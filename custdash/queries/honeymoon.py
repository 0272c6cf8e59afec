"""Honeymoon waves (蜜月期多波次营销): the first 100 days of a new customer."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from custdash.models import Customer, Product, Touch
from custdash.queries.common import (
    ALL,
    Scope,
    add_months,
    aum_join,
    aum_value,
    basis_month,
    customers_at,
    frame,
    month_of,
    person_columns,
)
from custdash.rules import Rules, Wave
from custdash.sql import add_days

STATUSES = ("done", "due", "overdue", "upcoming")


def _done(wave: Wave, as_of: date) -> ColumnElement[bool]:
    return exists().where(Touch.customer_id == Customer.customer_id, Touch.wave == wave.wave, Touch.touched_on <= as_of)


def _status(wave: Wave, as_of: date) -> ColumnElement[str]:
    """done / due / overdue / upcoming, with the day windows turned into opening-date bounds
    (day n = as_of - opened_on, so day > end <=> opened_on < as_of - end)."""
    return case(
        (_done(wave, as_of), literal("done")),
        (Customer.opened_on < as_of - timedelta(days=wave.end), literal("overdue")),
        (Customer.opened_on <= as_of - timedelta(days=wave.start), literal("due")),
        else_=literal("upcoming"),
    )


def _in_window(as_of: date, rules: Rules) -> ColumnElement[bool]:
    return Customer.opened_on.between(as_of - timedelta(days=rules.honeymoon.days), as_of)


def wave_status(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, call_list_only: bool = False
) -> pd.DataFrame:
    """One row per customer in honeymoon: day number and each wave's status.

    Columns: customer_id, name, phone, branch_id, manager_id, opened_on, day, wave_1..wave_n,
    due_waves, overdue_waves. With `call_list_only`, only customers with a due or overdue wave,
    most overdue waves first, then the oldest relationship first.
    """
    waves = rules.honeymoon.waves
    statuses = [_status(w, as_of).label(f"wave_{w.wave}") for w in waves]
    stmt = select(*person_columns(), Customer.opened_on, *statuses).where(
        *customers_at(as_of, scope), _in_window(as_of, rules)
    )
    if call_list_only:
        stmt = stmt.where(or_(*[_status(w, as_of).in_(["due", "overdue"]) for w in waves]))
    df = frame(session, stmt)
    df["opened_on"] = pd.to_datetime(df["opened_on"]).dt.date
    df["day"] = [(as_of - d).days for d in df["opened_on"]]
    cols = [f"wave_{w.wave}" for w in waves]
    df["due_waves"] = _which(df, cols, "due")
    df["overdue_waves"] = _which(df, cols, "overdue")
    n_overdue = (df[cols] == "overdue").sum(axis=1) if len(df) else pd.Series(dtype=int)
    df = (
        df.assign(_n=n_overdue)
        .sort_values(["_n", "day", "customer_id"], ascending=[False, False, True], kind="stable")
        .drop(columns="_n")
    )
    return df[
        [
            "customer_id",
            "name",
            "phone",
            "branch_id",
            "manager_id",
            "opened_on",
            "day",
            *cols,
            "due_waves",
            "overdue_waves",
        ]
    ].reset_index(drop=True)


def _which(df: pd.DataFrame, cols: list[str], status: str) -> list[str]:
    return [",".join(c.removeprefix("wave_") for c in cols if row[c] == status) for _, row in df[cols].iterrows()]


def honeymoon_counts(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, int]:
    """Customers in honeymoon, and those with at least one due / overdue wave."""
    waves = rules.honeymoon.waves
    any_due = or_(*[_status(w, as_of) == "due" for w in waves])
    any_overdue = or_(*[_status(w, as_of) == "overdue" for w in waves])
    stmt = (
        select(func.count(), func.sum(case((any_due, 1), else_=0)), func.sum(case((any_overdue, 1), else_=0)))
        .select_from(Customer)
        .where(*customers_at(as_of, scope), _in_window(as_of, rules))
    )
    n, due, overdue = session.execute(stmt).one()
    return {"in_window": int(n or 0), "due": int(due or 0), "overdue": int(overdue or 0)}


def _day_target_months(first: date, last: date, as_of: date, days: int) -> list[tuple[date, date, str]]:
    """For opening dates first..last: the basis month of min(opened_on + days, as_of),
    as contiguous (from, to, month) ranges."""
    out: list[tuple[date, date, str]] = []
    d = first
    while d <= last:
        m = basis_month(min(d + timedelta(days=days), as_of))
        if out and out[-1][2] == m:
            out[-1] = (out[-1][0], d, m)
        else:
            out.append((d, d, m))
        d += timedelta(days=1)
    return out


def cohorts(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """New-customer cohorts by opening month (the last `cohort_months` months up to the as-of month).

    Columns: cohort, customers, wave_1_done..wave_n_done (shares), deep_by_day_n (share holding
    `cohort_min_products`+ products by day `days`), v1_plus_at_day_n (share in the second tier or above
    at day `days`; for customers not yet there, at the as-of date). Tier at a day D is taken from the
    basis month of D, as everywhere else.
    """
    h = rules.honeymoon
    first_month = add_months(month_of(as_of), -(h.cohort_months - 1))
    first_day = date(int(first_month[:4]), int(first_month[5:]), 1)
    ranges = _day_target_months(first_day, as_of, as_of, h.days)
    target_month = case(
        *[(Customer.opened_on.between(lo, hi), literal(m)) for lo, hi, m in ranges], else_=literal(None)
    )
    a = aum_join("day_n")
    products_by_day_n = (
        select(func.count())
        .where(
            Product.customer_id == Customer.customer_id,
            Product.opened_on <= add_days(Customer.opened_on, h.days),
            Product.opened_on <= as_of,
        )
        .scalar_subquery()
    )
    cols: list[Any] = [func.count().label("customers")]
    for w in h.waves:
        cols.append(func.sum(case((_done(w, as_of), 1), else_=0)).label(f"wave_{w.wave}_done"))
    cols.append(func.sum(case((products_by_day_n >= h.cohort_min_products, 1), else_=0)).label("deep"))
    cols.append(func.sum(case((aum_value(a) >= rules.tiers[1].lower_bound, 1), else_=0)).label("v1_plus"))
    stmt = (
        select(Customer.opened_month.label("cohort"), *cols)
        .select_from(Customer)
        .outerjoin(a, and_(a.customer_id == Customer.customer_id, a.month == target_month))
        .where(*customers_at(as_of, scope), Customer.opened_on >= first_day)
        .group_by(Customer.opened_month)
        .order_by(Customer.opened_month)
    )
    df = frame(session, stmt)
    n = df["customers"].where(df["customers"] > 0)
    for w in h.waves:
        df[f"wave_{w.wave}_done"] = (df[f"wave_{w.wave}_done"] / n).round(4)
    df[f"deep_by_day_{h.days}"] = (df.pop("deep") / n).round(4)
    df[f"v1_plus_at_day_{h.days}"] = (df.pop("v1_plus") / n).round(4)
    return df
