"""Working the lists (DOMAIN.md §7): each customer's status on a list, read from the contact
log (custdash/contact_log.py writes it).

A customer's **status** on a list at the as-of date A is the outcome of the latest contact
logged for that list in the `contact.cycle_days` up to A (`new` if none); at the extract date
contacts logged since count too (`counted_until`). A `do_not_contact`
outcome takes the customer off every call list, on screen and in every export, for
`contact.do_not_contact_days`. Both are applied to a list's ordered SELECT by `with_status`,
so the screen, the downloads and the CLI read the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from custdash.models import ContactLog, Meta
from custdash.rules import Rules

STATUSES = ("new", "no_answer", "reached", "declined", "converted")


class ContactError(ValueError):
    """A contact that cannot be logged; the message names the field and what is wrong."""


def one_of(field: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ContactError(f"{field}: unknown value {value!r}; expected one of {', '.join(allowed)}")
    return value


# --- statuses on a list ------------------------------------------------------------------


def _window_start(as_of: date, days: int) -> date:
    """The first of the `days` days up to `as_of`."""
    return as_of - timedelta(days=days - 1)


def counted_until(session: Session, as_of: date) -> date | None:
    """The last contact day that counts at `as_of`: `as_of` itself for a look back, and no end
    (None) at the extract date or later. The extract is yesterday's, the calls are today's: a
    contact logged this morning must show on the list the manager is working."""
    extract = session.execute(select(Meta.value).where(Meta.key == "as_of")).scalar_one_or_none()
    if extract is not None and as_of >= date.fromisoformat(extract):
        return None
    return as_of


def _in_window(day: Any, *, as_of: date, days: int, until: date | None) -> Any:
    start = _window_start(as_of, days)
    return day >= start if until is None else day.between(start, until)


def latest_outcome(customer: Any, list_name: Any, *, as_of: date, rules: Rules, until: date | None) -> Any:
    """The outcome of the customer's latest contact for the list in the cycle window at `as_of`
    (NULL: none), looked up per row through ix_contact_customer: a manager's list reads its
    own customers' contacts, never the whole log."""
    c = aliased(ContactLog, name="latest")
    window = _in_window(c.contacted_on, as_of=as_of, days=rules.contact.cycle_days, until=until)
    return (
        select(c.outcome)
        .where(c.customer_id == customer, c.list_name == list_name, window)
        .order_by(c.contacted_on.desc(), c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def contactable(customer: Any, *, as_of: date, rules: Rules, until: date | None) -> Any:
    """No do_not_contact outcome keeps this customer off the lists at `as_of` (a per-row lookup;
    an alias, so it never correlates with a contact_log of the enclosing query)."""
    c = aliased(ContactLog, name="dnc")
    window = _in_window(c.contacted_on, as_of=as_of, days=rules.contact.do_not_contact_days, until=until)
    return ~exists().where(c.customer_id == customer, c.outcome == "do_not_contact", window)


def reachable(inner: Select[Any], *, as_of: date, rules: Rules, until: date | None) -> Select[Any]:
    """A list's rows without the do-not-contact customers, unordered (for counting)."""
    sub = inner.order_by(None).subquery("r")
    return select(sub).where(contactable(sub.c.customer_id, as_of=as_of, rules=rules, until=until))


def worked_rows(session: Session, inner: Select[Any], *, as_of: date, rules: Rules) -> Select[Any]:
    """A list's rows as it is worked, unordered: without the do-not-contact customers when any
    contact can count at `as_of`, else the list as it is (and its own plan)."""
    until = counted_until(session, as_of)
    if not any_contacts(session, as_of=as_of, rules=rules, until=until):
        return inner.order_by(None)
    return reachable(inner, as_of=as_of, rules=rules, until=until)


def status_of(outcome: Any) -> Any:
    """A status from the latest outcome, naming it once (it is a lookup): none is `new`; a
    do_not_contact whose days have run out (when set shorter than the cycle) reads as declined."""
    return func.coalesce(func.replace(outcome, "do_not_contact", "declined"), literal("new"))


def any_contacts(session: Session, *, as_of: date, rules: Rules, until: date | None) -> bool:
    """Were contacts logged in the window that can change a list at `as_of`? (Of any scope: a
    customer may have moved to another manager since.)"""
    days = max(rules.contact.cycle_days, rules.contact.do_not_contact_days)
    cond = _in_window(ContactLog.contacted_on, as_of=as_of, days=days, until=until)
    return bool(session.execute(select(exists().where(cond))).scalar())


ListKey = str | Callable[[Any], Any]


def with_status(
    session: Session,
    inner: Select[Any],
    *,
    as_of: date,
    rules: Rules,
    key: ListKey,
    statuses: Sequence[str] | None = None,
) -> Select[Any]:
    """A list's ordered SELECT with each customer's `contact_status` column added, do-not-contact
    customers dropped, only `statuses` kept (all when None), and `new` first, then the list's
    own order. `key`: the contact list the rows are for, or a function of the list's row
    source giving it per row (the honeymoon list: the wave being worked)."""
    for s in statuses or ():
        one_of("status", s, STATUSES)
    until = counted_until(session, as_of)
    if not any_contacts(session, as_of=as_of, rules=rules, until=until):
        # Nobody contacted: every row is new and the list keeps its own plan (and speed).
        if statuses is not None and "new" not in statuses:
            return inner.add_columns(literal("new").label("contact_status")).where(literal(False))
        return inner.add_columns(literal("new").label("contact_status"))
    if not isinstance(key, str):
        return _ranked_with_status(inner, as_of=as_of, rules=rules, until=until, key=key, statuses=statuses)
    # The status is computed in the list's own SELECT and the rows ordered by it and the list's
    # own order: ranking the list in a subquery first (a window function over the whole list)
    # and sorting again cost the bank's dormant download 0.7 s at a million customers.
    rows = inner.selected_columns
    status = status_of(latest_outcome(rows.customer_id, literal(key), as_of=as_of, rules=rules, until=until))
    stmt = (
        inner.add_columns(status.label("contact_status"))
        .where(contactable(rows.customer_id, as_of=as_of, rules=rules, until=until))
        .order_by(None)
        .order_by(case((status == "new", 0), else_=1), *inner._order_by_clauses)
    )
    return stmt if statuses is None else stmt.where(status.in_(list(statuses)))


def _ranked_with_status(
    inner: Select[Any],
    *,
    as_of: date,
    rules: Rules,
    until: date | None,
    key: Callable[[Any], Any],
    statuses: Sequence[str] | None,
) -> Select[Any]:
    """`with_status` for a list whose contact list is worked out per row (the honeymoon list's
    wave): the list is ranked in a subquery, so that expression is computed once per row and
    the contact lookups stay on the customer index (written into the lookup, the planner
    read the contact log by list name instead). The honeymoon list is short: the 100 days'
    new customers."""
    ranked = inner.add_columns(func.row_number().over(order_by=inner._order_by_clauses).label("list_order"))
    sub = ranked.order_by(None).subquery("l")
    status = status_of(latest_outcome(sub.c.customer_id, key(sub.c), as_of=as_of, rules=rules, until=until))
    rows = (
        select(*sub.c, status.label("contact_status"))
        .where(contactable(sub.c.customer_id, as_of=as_of, rules=rules, until=until))
        .subquery("s")
    )
    stmt = select(*[col for col in rows.c if col.name != "list_order"])
    if statuses is not None:
        stmt = stmt.where(rows.c.contact_status.in_(list(statuses)))
    return stmt.order_by(case((rows.c.contact_status == "new", 0), else_=1), rows.c.list_order)
