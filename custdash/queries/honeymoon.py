"""Honeymoon waves (蜜月期多波次营销): the first 100 days of a new customer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from custdash import contacts, facts
from custdash.calendar import month_end
from custdash.expressions import (
    cohort_conditions,
    cohort_first_day,
    customers_at,
    fact_wave_done,
    flags,
    in_window,
    n_overdue,
    person_columns,
    wave_status_case,
    wave_touched,
)
from custdash.models import Customer, CustomerFact, FactRollup, MonthEndList
from custdash.queries.common import frame, month_end_rows
from custdash.rules import Rules
from custdash.scope import ALL, Scope

LIST_HEAD = ["customer_id", "name", "phone", "branch_id", "manager_id", "opened_on", "day"]


def list_columns(rules: Rules) -> list[str]:
    """The columns of `wave_status` (and of the honeymoon call list) under `rules`."""
    return [*LIST_HEAD, *[f"wave_{w.wave}" for w in rules.honeymoon.waves], "due_waves", "overdue_waves"]


def wave_status_select(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope = ALL,
    call_list_only: bool = False,
    limit: int | None = None,
    waves: str | None = None,
) -> Select[Any]:
    """Customers in honeymoon with each wave's status, in list order: most overdue waves
    first, then the oldest relationship, then customer id (the first `limit` of them, when
    given). With `call_list_only`, only those with a due or an overdue wave; `waves` "due" or
    "overdue": only those with a wave in that status (the overview's two honeymoon tiles)."""
    if waves not in (None, "due", "overdue"):
        raise ValueError(f"waves must be 'due' or 'overdue', got {waves!r}")
    only, waves = waves, rules.honeymoon.waves
    logged = contacts.wave_contacts(session, as_of=as_of, rules=rules)
    written = _written_rows(session, as_of=as_of, rules=rules, scope=scope)
    if written is not None:
        f, where, stmt = written
        done = _with_logged(lambda w: fact_wave_done(w, f), logged, f.customer_id)
        status = [wave_status_case(w, as_of, done=done(w), opened_on=f.opened_on) for w in waves]
        # The opening-date window, not f.in_honeymoon: the same rows, found through ix_fact_opened.
        where = [*where, in_window(as_of, rules, f.opened_on)]
        wanted = (only,) if only else ("due", "overdue")
        if call_list_only:
            if f is CustomerFact:
                # The facts' flags hold the extract's touches; a logged contact can only make a
                # wave done, so they find every candidate and the statuses decide.
                flag = {"due": f.honeymoon_due, "overdue": f.honeymoon_overdue}
                where.append(or_(*[flag[w] for w in wanted]))
            if logged is not None or f is not CustomerFact or only:
                where.append(or_(*[st.in_(wanted) for st in status]))
        order = [n_overdue(status).desc(), f.opened_on, f.customer_id]
        if limit is None:
            stmt = stmt.where(*where)
        else:
            # Order the window's customers from ix_fact_opened alone (it holds every column the
            # order and the filter need) and read names and phones for the first `limit` only:
            # at a million customers the window holds ~30,000 rows, each a table read otherwise.
            # Joined back by the rows' primary key: a month-end's customer id alone is not a key.
            key = f.id if f is MonthEndList else f.customer_id
            first = select(key.label("key")).where(*where).order_by(*order).limit(limit).subquery("first")
            stmt = stmt.join(first, first.c.key == key)
    else:
        done = _with_logged(lambda w: wave_touched(w, as_of), logged, Customer.customer_id)
        status = [wave_status_case(w, as_of, done=done(w)) for w in waves]
        stmt = select(*person_columns(), Customer.opened_on).where(*customers_at(as_of, scope), in_window(as_of, rules))
        if call_list_only:
            due, overdue = flags(rules, as_of, done=done)
            stmt = stmt.where({"due": due, "overdue": overdue}[only] if only else due | overdue)
        order = [n_overdue(status).desc(), Customer.opened_on, Customer.customer_id]
    stmt = stmt.add_columns(*[st.label(f"wave_{w.wave}") for st, w in zip(status, waves)])
    return stmt.order_by(*order).limit(limit)


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


def shape_status(df: pd.DataFrame, *, as_of: date, rules: Rules, **_: Any) -> pd.DataFrame:
    """The rows of `wave_status_select` as the grid and the list show them."""
    opened = pd.to_datetime(df["opened_on"])
    df["opened_on"] = opened.dt.date
    df["day"] = (pd.Timestamp(as_of) - opened).dt.days.astype(int)
    cols = [f"wave_{w.wave}" for w in rules.honeymoon.waves]
    df["due_waves"] = _which(df, cols, "due")
    df["overdue_waves"] = _which(df, cols, "overdue")
    return df[list_columns(rules)]


def _written_rows(
    session: Session, *, as_of: date, rules: Rules, scope: Scope
) -> tuple[Any, list[Any], Select[Any]] | None:
    """Where the new customers' written rows are at `as_of`: customer_fact at the extract date,
    month_end_list at a month-end (facts.NEW_CUSTOMERS), None when computed live. Returns the
    rows (both have opened_on, opened_month, waves_done and the cohort outcomes), the conditions
    selecting them in `scope`, and the list's head columns read from them."""
    if facts.usable(session, as_of=as_of, rules=rules):
        f = CustomerFact
        return f, scope.where(f), select(*person_columns(f), f.opened_on)
    if facts.reads_month_end_rows(session, facts.NEW_CUSTOMERS, as_of=as_of, rules=rules):
        m = MonthEndList
        where = [m.as_of == as_of, m.list_name == facts.NEW_CUSTOMERS, *scope.where(m)]
        stmt = month_end_rows(facts.NEW_CUSTOMERS, as_of=as_of, scope=scope).with_only_columns(
            m.customer_id, Customer.name, Customer.phone, m.branch_id, m.manager_id, m.opened_on
        )
        return m, where, stmt
    return None


def _which(df: pd.DataFrame, cols: list[str], status: str) -> list[str]:
    names = [c.removeprefix("wave_") for c in cols]
    # Plain lists: iterating pandas' Arrow-backed strings cell by cell cost ten times more.
    return [",".join(n for n, v in zip(names, row) if v == status) for row in zip(*(df[c].tolist() for c in cols))]


def _with_logged(
    done: Callable[[Any], Any], logged: contacts.WaveContact | None, customer: Any
) -> Callable[[Any], Any]:
    """A wave's "done" with logged contacts counting as touches (when any count)."""
    if logged is None:
        return done
    return lambda w: or_(done(w), logged(w, customer))


def honeymoon_counts(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, logged_contacts: bool = True
) -> dict[str, int]:
    """Customers in honeymoon, and those with at least one due / overdue wave; a logged
    contact counts as a touch unless `logged_contacts` is False (the rules alone)."""
    logged = contacts.wave_contacts(session, as_of=as_of, rules=rules) if logged_contacts else None
    if logged is None and facts.usable(session, as_of=as_of, rules=rules, rollup=True):
        r = FactRollup
        stmt = select(func.sum(r.in_honeymoon), func.sum(r.honeymoon_due), func.sum(r.honeymoon_overdue)).where(
            r.as_of == as_of, *scope.where(r)
        )
    elif (written := _written_rows(session, as_of=as_of, rules=rules, scope=scope)) is not None:
        f, where, _ = written
        done = _with_logged(lambda w: fact_wave_done(w, f), logged, f.customer_id)
        due, overdue = flags(rules, as_of, done=done, opened_on=f.opened_on)
        stmt = select(func.count(), func.sum(case((due, 1), else_=0)), func.sum(case((overdue, 1), else_=0))).where(
            in_window(as_of, rules, f.opened_on), *where
        )
    else:
        done = _with_logged(lambda w: wave_touched(w, as_of), logged, Customer.customer_id)
        due, overdue = flags(rules, as_of, done=done)
        stmt = (
            select(func.count(), func.sum(case((due, 1), else_=0)), func.sum(case((overdue, 1), else_=0)))
            .select_from(Customer)
            .where(*customers_at(as_of, scope), in_window(as_of, rules))
        )
    n, due, overdue = session.execute(stmt).one()
    return {"in_window": int(n or 0), "due": int(due or 0), "overdue": int(overdue or 0)}


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
    logged = contacts.wave_contacts(session, as_of=as_of, rules=rules)
    written = _written_rows(session, as_of=as_of, rules=rules, scope=scope)
    if written is not None:
        f, where, _ = written
        done = _with_logged(lambda w: fact_wave_done(w, f), logged, f.customer_id)
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
        done = _with_logged(lambda w: wave_touched(w, as_of), logged, Customer.customer_id)
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
