"""Honeymoon waves (蜜月期多波次营销): the first 100 days of a new customer."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from custdash.calendar import month_end
from custdash.expressions import (
    cohort_conditions,
    cohort_first_day,
    customers_at,
    fact_wave_done,
    wave_touched,
)
from custdash.lists.honeymoon import campaign, shape_status, wave_status_select, with_logged, written_rows
from custdash.models import Customer
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.statements import frame


def wave_status(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope = ALL,
    call_list_only: bool = False,
    limit: int | None = None,
) -> pd.DataFrame:
    """One row per customer in honeymoon: day number and each wave's status (the first
    `limit` rows when given; order and `call_list_only` as in `wave_status_select`).

    Columns: customer_id, name, phone, branch_id, manager_id, opened_on, day, wave_1..wave_n,
    due_waves, overdue_waves.
    """
    stmt = wave_status_select(
        session, as_of=as_of, rules=rules, scope=scope, call_list_only=call_list_only, limit=limit
    )
    return shape_status(frame(session, stmt), as_of=as_of, rules=rules)


def cohorts(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """New-customer cohorts by opening month (the last `cohort_months` months up to the as-of month).

    Columns: cohort, customers, days_reached (days since the cohort's last opening day, or 0
    for the as-of month), wave_1_done..wave_n_done (shares), deep_by_day_n (share holding
    `cohort_min_products`+ products by day `days`), v1_plus_at_day_n (share in the second tier or above
    at day `days`; for customers not yet there, at the as-of date). Tier at a day D is taken from the
    basis month of D, as everywhere else.
    """
    h = rules.honeymoon
    first_day = cohort_first_day(as_of, rules)
    count: list[Any] = [func.count().label("customers")]
    logged = campaign(rules).logged(session, as_of=as_of)
    written = written_rows(session, as_of=as_of, rules=rules, scope=scope)
    if written is not None:
        f, where, _ = written
        done = with_logged(lambda w: fact_wave_done(w, f), logged, f.customer_id)
        cols = count + [func.sum(case((done(w), 1), else_=0)).label(f"wave_{w.wave}_done") for w in h.waves]
        cols += [
            func.sum(case((f.deep_by_day_n, 1), else_=0)).label("deep"),
            func.sum(case((f.v1_plus_at_day_n, 1), else_=0)).label("v1_plus"),
        ]
        stmt = (
            select(f.opened_month.label("cohort"), *cols)
            .where(f.opened_on >= first_day, *where)
            .group_by(f.opened_month)
            .order_by(f.opened_month)
        )
    else:
        a, join, deep, v1_plus = cohort_conditions(as_of, rules)
        done = with_logged(lambda w: wave_touched(w, as_of), logged, Customer.customer_id)
        cols = count + [func.sum(case((done(w), 1), else_=0)).label(f"wave_{w.wave}_done") for w in h.waves]
        cols += [
            func.sum(case((deep, 1), else_=0)).label("deep"),
            func.sum(case((v1_plus, 1), else_=0)).label("v1_plus"),
        ]
        stmt = (
            select(Customer.opened_month.label("cohort"), *cols)
            .select_from(Customer)
            .outerjoin(a, join)
            .where(*customers_at(as_of, scope), Customer.opened_on >= first_day)
            .group_by(Customer.opened_month)
            .order_by(Customer.opened_month)
        )
    df = frame(session, stmt)
    # How many days the cohort's youngest customers have had: a share read at day d is final
    # only once this reaches d (the charts mark younger cohorts as still filling up).
    df["days_reached"] = [(as_of - min(month_end(c), as_of)).days for c in df["cohort"]]
    n = df["customers"].where(df["customers"] > 0)
    for w in h.waves:
        df[f"wave_{w.wave}_done"] = (df[f"wave_{w.wave}_done"] / n).round(4)
    df[f"deep_by_day_{h.days}"] = (df.pop("deep") / n).round(4)
    df[f"v1_plus_at_day_{h.days}"] = (df.pop("v1_plus") / n).round(4)
    return df
