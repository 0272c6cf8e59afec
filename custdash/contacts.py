"""Working the lists (DOMAIN.md §7): the contact log, and each customer's status on a list.

A manager logs a contact for one of their customers (a head: for their branch); who and
when are set here, the rest is checked at this boundary with a message naming what is
wrong. The log is append-only (the database refuses UPDATE and DELETE) and lives beside
users and audit, so no import touches it.

A customer's **status** on a list at the as-of date A is the outcome of the latest contact
logged for that list in the `contact.cycle_days` up to A (`new` if none); at the extract date
contacts logged since count too (`counted_until`). A `do_not_contact`
outcome takes the customer off every call list, on screen and in every export, for
`contact.do_not_contact_days`. Both are applied to a list's ordered SELECT by `with_status`,
so the screen, the downloads and the CLI read the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, case, exists, func, insert, literal, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased

from custdash.db import is_lock_conflict, utcnow
from custdash.models import ContactLog, Customer, Meta
from custdash.rules import Rules
from custdash.scope import Scope, ScopeDenied

CHANNELS = ("phone", "sms", "visit", "wechat")
OUTCOMES = ("reached", "no_answer", "declined", "converted", "do_not_contact")
STATUSES = ("new", "no_answer", "reached", "declined", "converted")
NOTE_MAX = 200
# Roles that work customers: managers their own, heads their branch's (DOMAIN.md §7). An admin
# runs the system and logs no contacts.
LOGGING_ROLES = ("manager", "head")
# A contact's reads meet an import's swap at most a few times (each try of the swap is short).
READ_TRIES = 5
# Characters that reorder the text after them (bidi embeddings, overrides, isolates, marks).
_REORDERING = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class ContactError(ValueError):
    """A contact that cannot be logged; the message names the field and what is wrong."""


def list_names(rules: Rules) -> tuple[str, ...]:
    """Every list a contact can be for (DOMAIN.md §7), one honeymoon-k per wave of the rules."""
    waves = [f"honeymoon-{w.wave}" for w in rules.honeymoon.waves]
    return (
        "threshold",
        "dormant",
        *waves,
        "alliance-unused",
        "churn",
        "downgrade",
        "maturity",
        "birthdays",
        "other",
    )


@dataclass(frozen=True)
class NewContact:
    """What a person enters for one contact (a dialog's fields, the CLI's arguments)."""

    customer_id: str
    list_name: str
    channel: str
    outcome: str
    note: str | None = None
    on: date | None = None  # the day of the contact; today if None
    follow_up: date | None = None


def _one_of(field: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ContactError(f"{field}: unknown value {value!r}; expected one of {', '.join(allowed)}")
    return value


def worked_for(list_name: str, wave_status: Callable[[str], Any], rules: Rules) -> str:
    """The contact list a row of call list `list_name` is worked for: the list itself, or for
    the honeymoon list its first due or overdue wave (`wave_status("wave_k")` gives the row's
    status of wave k; "other" when none is)."""
    if list_name != "honeymoon":
        return list_name
    for w in rules.honeymoon.waves:
        if wave_status(f"wave_{w.wave}") in ("due", "overdue"):
            return f"honeymoon-{w.wave}"
    return "other"


def checked(contact: NewContact, *, rules: Rules, today: date, extract_date: date | None = None) -> NewContact:
    """The contact with its fields checked and tidied (note stripped, the day filled in);
    ContactError naming the first field that is wrong. Given the store's `extract_date`, a
    contact is dated at most `contact.backdate_days` before today, or before the extract date
    when that is earlier."""
    customer_id = (contact.customer_id or "").strip()
    if not customer_id:
        raise ContactError("customer: missing")
    _one_of("list", contact.list_name, list_names(rules))
    _one_of("channel", contact.channel, CHANNELS)
    _one_of("outcome", contact.outcome, OUTCOMES)
    note = (contact.note or "").strip() or None
    if note is not None:
        if len(note) > NOTE_MAX:
            raise ContactError(f"note: {len(note)} characters; at most {NOTE_MAX}")
        if any(ord(ch) < 32 and ch not in "\t" for ch in note) or _REORDERING.search(note):
            raise ContactError("note: one line of text, without control or text-direction characters")
    on = contact.on or today
    if on > today:
        raise ContactError(f"date: {on.isoformat()} is after today ({today.isoformat()})")
    earliest = min(today, extract_date or today) - timedelta(days=rules.contact.backdate_days)
    if extract_date is not None and on < earliest:
        raise ContactError(
            f"date: {on.isoformat()} is more than {rules.contact.backdate_days} days back (the earliest is "
            f"{earliest.isoformat()})"
        )
    if contact.follow_up is not None and contact.follow_up < on:
        raise ContactError(f"follow-up: {contact.follow_up.isoformat()} is before the contact ({on.isoformat()})")
    if contact.follow_up is not None and contact.follow_up > on + timedelta(days=rules.contact.follow_up_days):
        raise ContactError(
            f"follow-up: {contact.follow_up.isoformat()} is more than {rules.contact.follow_up_days} days after "
            f"the contact ({on.isoformat()})"
        )
    return NewContact(customer_id, contact.list_name, contact.channel, contact.outcome, note, on, contact.follow_up)


def log_contact(
    read: Session,
    write: Session,
    *,
    viewer: Any,
    rules: Rules,
    contact: NewContact,
    today: date | None = None,
) -> int:
    """Append one contact for `viewer` (an auth.Viewer) and commit; returns its id.

    ScopeDenied for a role that logs no contacts and for a customer outside the viewer's
    scope (named the same way whether or not the customer exists elsewhere); ContactError for
    a field that is wrong. Nothing is written then."""
    if viewer.role not in LOGGING_ROLES:
        raise ScopeDenied(f"{viewer.username} is an {viewer.role}: contacts are logged by managers and heads")
    today = today or date.today()
    c = checked(contact, rules=rules, today=today)
    scope: Scope = viewer.scope
    for attempt in range(READ_TRIES):
        try:
            # meta before customer: the order in which an import's swap locks them (PostgreSQL).
            meta = dict(read.execute(select(Meta.key, Meta.value).where(Meta.key.in_(("source", "as_of")))).all())
            home = read.execute(
                select(Customer.branch_id, Customer.manager_id).where(
                    Customer.customer_id == c.customer_id, *scope.where()
                )
            ).one_or_none()
            read.rollback()  # hold no table while writing: an import may be waiting to swap
            break
        except OperationalError as e:
            # The new extract was being switched in: read the store again, now the new one.
            read.rollback()
            if not is_lock_conflict(e) or attempt == READ_TRIES - 1:
                raise
    if home is None:
        raise ScopeDenied(f"no customer {c.customer_id!r} in {viewer.username}'s scope")
    source = meta.get("source")
    extract_date = date.fromisoformat(meta["as_of"]) if meta.get("as_of") else today
    c = checked(c, rules=rules, today=today, extract_date=extract_date)
    result = write.execute(
        insert(ContactLog).values(
            at=utcnow(),
            username=viewer.username,
            customer_id=c.customer_id,
            branch_id=home.branch_id,
            manager_id=home.manager_id,
            list_name=c.list_name,
            channel=c.channel,
            outcome=c.outcome,
            note=c.note,
            contacted_on=c.on,
            follow_up_on=c.follow_up,
            demo=source == "demo",
        )
    )
    write.commit()
    return int(result.inserted_primary_key[0])


CONTACT_COLUMNS = [
    "contacted_on",
    "customer_id",
    "list_name",
    "channel",
    "outcome",
    "note",
    "follow_up_on",
    "username",
    "branch_id",
    "manager_id",
    "at",
]


def contact_history(
    session: Session,
    *,
    scope: Scope,
    customer_id: str | None = None,
    manager_id: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Logged contacts inside `scope` (of the customers' branch and manager when logged),
    newest first; one customer's or one manager's when given."""
    c = ContactLog
    where = [*scope.where(c)]
    if customer_id is not None:
        where.append(c.customer_id == customer_id)
    if manager_id is not None:
        where.append(c.manager_id == manager_id)
    cols = [getattr(c, name) for name in CONTACT_COLUMNS]
    rows = session.execute(select(*cols).where(*where).order_by(c.contacted_on.desc(), c.id.desc()).limit(limit)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=CONTACT_COLUMNS)


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


WaveContact = Callable[[Any, Any], Any]


def wave_contacts(session: Session, *, as_of: date, rules: Rules) -> WaveContact | None:
    """A logged contact for honeymoon wave k counts as a touch for wave k (DOMAIN.md §7),
    whatever its outcome, like a touch from the extract: dated on or before `as_of` (at the
    extract date, whenever logged; `counted_until`). Returns (wave, customer column) -> "such
    a contact exists", or None when no honeymoon contact counts at `as_of` (the materialised
    facts then stand as they are)."""
    c = ContactLog
    until = counted_until(session, as_of)
    dated = [] if until is None else [c.contacted_on <= until]
    honeymoon = c.list_name.in_([f"honeymoon-{w.wave}" for w in rules.honeymoon.waves])
    if not session.execute(select(exists().where(honeymoon, *dated))).scalar():
        return None

    def logged(wave: Any, customer: Any) -> Any:
        return exists().where(c.customer_id == customer, c.list_name == f"honeymoon-{wave.wave}", *dated)

    return logged


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
        _one_of("status", s, STATUSES)
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
