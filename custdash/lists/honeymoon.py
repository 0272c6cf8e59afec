"""The honeymoon call list (蜜月期多波次营销, DOMAIN.md §5): new customers in their first
`honeymoon.days` days with each wave's status; the call list holds those with a wave due or
overdue, and a row is worked for its first due or overdue wave (contact list `honeymoon-k`).

Its rows come from the new customers' written rows (customer_fact at the extract date, the
NEW_CUSTOMERS rows of month_end_list at a month-end) or live, with the logged contacts laid
over them as touches; the rows are the customers, not a list of their own kept at month-ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Date, Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from custdash.calendar import basis_month, days_before
from custdash.expressions import (
    PERSON_COLUMNS,
    cohort_conditions,
    cohort_first_day,
    customers_at,
    fact_wave_done,
    in_window,
    person_columns,
    wave_bit,
    wave_touched,
)
from custdash.lists.base import CallList, Outcome, WorkedPerRow, rows_of
from custdash.lists.evidence import aum_by_month, products_of
from custdash.models import Customer, CustomerFact, FactRollup, MonthEndList
from custdash.rounds import Campaign, LoggedRound, flags, n_overdue, status
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import MonthEndRows, Rows, source

LIST_HEAD = [*PERSON_COLUMNS, "opened_on", "day"]
# The customers opened in the cohorts' months or the honeymoon's days before a month-end, kept
# in month_end_list with their waves done and cohort outcomes (custdash/month_ends.py) for the
# honeymoon screens and the cohort table. The contact log is applied when read.
NEW_CUSTOMERS = MonthEndRows(
    "new_customers", ("opened_on", "opened_month", "waves_done", "deep_by_day_n", "v1_plus_at_day_n")
)


def campaign(rules: Rules) -> Campaign:
    """The honeymoon as a campaign (custdash/rounds.py): its waves are the rounds, anchored on
    each customer's opening date; wave k is worked as contact list `honeymoon-k`."""
    return Campaign("honeymoon", rules.honeymoon.waves)


def list_columns(rules: Rules) -> list[str]:
    """The columns of the wave grid (and of the honeymoon call list) under `rules`."""
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
    logged = campaign(rules).logged(session, as_of=as_of)
    written = written_rows(session, as_of=as_of, rules=rules, scope=scope)
    if written is not None:
        f, where, stmt = written
        done = with_logged(lambda w: fact_wave_done(w, f), logged, f.customer_id)
        statuses = [status(w, as_of, done=done(w), anchor=f.opened_on) for w in waves]
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
                where.append(or_(*[st.in_(wanted) for st in statuses]))
        order = [n_overdue(statuses).desc(), f.opened_on, f.customer_id]
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
        done = with_logged(lambda w: wave_touched(w, as_of), logged, Customer.customer_id)
        statuses = [status(w, as_of, done=done(w), anchor=Customer.opened_on) for w in waves]
        stmt = select(*person_columns(), Customer.opened_on).where(*customers_at(as_of, scope), in_window(as_of, rules))
        if call_list_only:
            due, overdue = flags(rules.honeymoon.waves, as_of, done=done, anchor=Customer.opened_on)
            stmt = stmt.where({"due": due, "overdue": overdue}[only] if only else due | overdue)
        order = [n_overdue(statuses).desc(), Customer.opened_on, Customer.customer_id]
    stmt = stmt.add_columns(*[st.label(f"wave_{w.wave}") for st, w in zip(statuses, waves)])
    return stmt.order_by(*order).limit(limit)


def shape_status(df: pd.DataFrame, *, as_of: date, rules: Rules, **_: Any) -> pd.DataFrame:
    """The rows of `wave_status_select` as the grid and the list show them."""
    opened = pd.to_datetime(df["opened_on"])
    df["opened_on"] = opened.dt.date
    df["day"] = (pd.Timestamp(as_of) - opened).dt.days.astype(int)
    cols = [f"wave_{w.wave}" for w in rules.honeymoon.waves]
    df["due_waves"] = _which(df, cols, "due")
    df["overdue_waves"] = _which(df, cols, "overdue")
    return df[list_columns(rules)]


def written_rows(
    session: Session, *, as_of: date, rules: Rules, scope: Scope
) -> tuple[Any, list[Any], Select[Any]] | None:
    """Where the new customers' written rows are at `as_of`: customer_fact at the extract date,
    month_end_list at a month-end (NEW_CUSTOMERS), None when computed live. Returns the
    rows (both have opened_on, opened_month, waves_done and the cohort outcomes), the conditions
    selecting them in `scope`, and the list's head columns read from them."""
    src = source(session, as_of=as_of, rules=rules)
    if src.facts:
        f = CustomerFact
        return f, scope.where(f), select(*person_columns(f), f.opened_on)
    if src.month_end:
        m = MonthEndList
        where = NEW_CUSTOMERS.where(as_of=as_of, scope=scope)
        stmt = (
            select(m.customer_id, Customer.name, Customer.phone, m.branch_id, m.manager_id, m.opened_on)
            .select_from(m)
            .outerjoin(Customer, Customer.customer_id == m.customer_id)
            .where(*where)
        )
        return m, where, stmt
    return None


def _which(df: pd.DataFrame, cols: list[str], status: str) -> list[str]:
    names = [c.removeprefix("wave_") for c in cols]
    # Plain lists: iterating pandas' Arrow-backed strings cell by cell cost ten times more.
    return [",".join(n for n, v in zip(names, row) if v == status) for row in zip(*(df[c].tolist() for c in cols))]


def with_logged(done: Callable[[Any], Any], logged: LoggedRound | None, customer: Any) -> Callable[[Any], Any]:
    """A wave's "done" with logged contacts counting as touches (when any count)."""
    if logged is None:
        return done
    return lambda w: or_(done(w), logged(w, customer))


def honeymoon_counts(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, logged_contacts: bool = True
) -> dict[str, int]:
    """Customers in honeymoon, and those with at least one due / overdue wave; a logged
    contact counts as a touch unless `logged_contacts` is False (the rules alone)."""
    logged = campaign(rules).logged(session, as_of=as_of) if logged_contacts else None
    if logged is None and source(session, as_of=as_of, rules=rules).rollup:
        r = FactRollup
        stmt = select(func.sum(r.in_honeymoon), func.sum(r.honeymoon_due), func.sum(r.honeymoon_overdue)).where(
            r.as_of == as_of, *scope.where(r)
        )
    elif (written := written_rows(session, as_of=as_of, rules=rules, scope=scope)) is not None:
        f, where, _ = written
        done = with_logged(lambda w: fact_wave_done(w, f), logged, f.customer_id)
        due, overdue = flags(rules.honeymoon.waves, as_of, done=done, anchor=f.opened_on)
        stmt = select(func.count(), func.sum(case((due, 1), else_=0)), func.sum(case((overdue, 1), else_=0))).where(
            in_window(as_of, rules, f.opened_on), *where
        )
    else:
        done = with_logged(lambda w: wave_touched(w, as_of), logged, Customer.customer_id)
        due, overdue = flags(rules.honeymoon.waves, as_of, done=done, anchor=Customer.opened_on)
        stmt = (
            select(func.count(), func.sum(case((due, 1), else_=0)), func.sum(case((overdue, 1), else_=0)))
            .select_from(Customer)
            .where(*customers_at(as_of, scope), in_window(as_of, rules))
        )
    n, due, overdue = session.execute(stmt).one()
    return {"in_window": int(n or 0), "due": int(due or 0), "overdue": int(overdue or 0)}


def write_new_customers(conn: Connection, *, day: date, rules: Rules) -> None:
    """The customers of the honeymoon window and of the cohorts at `day`, with what the live
    honeymoon screens and cohort table compute for them (the same expressions)."""
    first = min(cohort_first_day(day, rules), days_before(day, rules.honeymoon.days))
    aum, join, deep, v1_plus = cohort_conditions(day, rules)
    in_cohort = Customer.opened_on >= cohort_first_day(day, rules)
    waves = rules.honeymoon.waves
    rows = (
        select(
            literal(day, Date),
            literal(NEW_CUSTOMERS.name),
            Customer.customer_id,
            Customer.branch_id,
            Customer.manager_id,
            Customer.opened_on,
            Customer.opened_month,
            sum((case((wave_touched(w, day), wave_bit(w)), else_=0) for w in waves), literal(0)),
            case((in_cohort, deep), else_=None),
            case((in_cohort, v1_plus), else_=None),
        )
        .select_from(Customer)
        .outerjoin(aum, join)
        .where(Customer.opened_on.between(first, day))
    )
    cols = ["as_of", "list_name", "customer_id", "branch_id", "manager_id"]
    cols += NEW_CUSTOMERS.columns or ()
    conn.execute(MonthEndList.__table__.insert().from_select(cols, rows))


OPEN = ("due", "overdue")  # the wave statuses a call can still change


def _waves(rules: Rules) -> list[tuple[str, tuple[str, ...], str]]:
    return [(f"wave_{w.wave}", OPEN, campaign(rules).contact_list(w)) for w in rules.honeymoon.waves]


def _wave_done(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """The wave worked (the first due or overdue one) done: a product of
    `contact.wave_products[k]` opened by the wave's last day; a wave not listed there, the
    second tier or above at day `honeymoon.days`."""
    if not members:  # nobody on the list: nothing to look up
        return lambda _m, _d: False
    ids = [m.customer_id for m in members]
    products = products_of(session, ids)
    h = rules.honeymoon
    day_n = {m.customer_id: m.opened_on + timedelta(days=h.days) for m in members}
    aum = aum_by_month(
        session,
        ids,
        first=min(basis_month(d) for d in day_n.values()),
        last=max(basis_month(d) for d in day_n.values()),
    )
    second = rules.tiers[1].lower_bound
    by_column = {f"wave_{w.wave}": w for w in h.waves}
    choices = _waves(rules)  # once, not per member

    def done(m: Any, d: Any) -> bool:
        column = next((col for col, values, _name in choices if getattr(m, col) in values), None)
        if column is None:
            return False
        wave, until = by_column[column], limit(d)
        wanted = rules.contact.wave_products.get(wave.wave)
        if wanted is not None:
            last_day = min(m.opened_on + timedelta(days=wave.end), until)
            return any(d < day <= last_day and p in wanted for day, p, _mt in products.get(m.customer_id, []))
        at = day_n[m.customer_id]
        return at <= until and aum.get(m.customer_id, {}).get(basis_month(at), 0.0) >= second

    return done


def _sizes_by_rules(session: Session, *, as_of: date, rules: Rules, scope: Scope) -> dict[str, int]:
    counts = honeymoon_counts(session, as_of=as_of, rules=rules, scope=scope, logged_contacts=False)
    return {"honeymoon_due": counts["due"], "honeymoon_overdue": counts["overdue"]}


LIST = CallList(
    name="honeymoon",
    page="honeymoon",
    count="honeymoon_due",
    rows=Rows(live=rows_of(wave_status_select, call_list_only=True)),
    shape=shape_status,
    columns=list_columns,
    worked_per_row=WorkedPerRow(_waves),
    queue_rank=1,
    outcome=Outcome(_wave_done, columns=lambda rules: ["opened_on", *[col for col, _v, _n in _waves(rules)]]),
    outcome_rank=4,
    outcome_label="outcomes.list.honeymoon",
    tiles=(
        ("honeymoon_due", {"waves": "due"}),
        ("honeymoon_overdue", {"waves": "overdue"}),
    ),
    rollup={"honeymoon_due": lambda c: c.honeymoon_due, "honeymoon_overdue": lambda c: c.honeymoon_overdue},
    sizes_by_rules=_sizes_by_rules,
    summary_block=("honeymoon", honeymoon_counts),
    also_at_month_ends=write_new_customers,
)
