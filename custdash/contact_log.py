"""The contact log (DOMAIN.md §7): a manager logs a contact for one of their customers (a
head: for their branch); who and when are set here, the rest is checked at this boundary with
a message naming what is wrong. The log is append-only (the database refuses UPDATE and
DELETE) and lives beside users and audit, so no import touches it. What a contact does to a
customer's status on a list is custdash/contacts.py's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from custdash.contacts import ContactError, one_of
from custdash.db import is_lock_conflict, utcnow
from custdash.lists import contact_names
from custdash.models import ContactLog, Customer, Meta
from custdash.rules import Rules
from custdash.scope import Scope, ScopeDenied

CHANNELS = ("phone", "sms", "visit", "wechat")
OUTCOMES = ("reached", "no_answer", "declined", "converted", "do_not_contact")
NOTE_MAX = 200
# Roles that work customers: managers their own, heads their branch's (DOMAIN.md §7). An admin
# runs the system and logs no contacts.
LOGGING_ROLES = ("manager", "head")
# A contact's reads meet an import's swap at most a few times (each try of the swap is short).
READ_TRIES = 5
# Characters that reorder the text after them (bidi embeddings, overrides, isolates, marks).
_REORDERING = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


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


def checked(contact: NewContact, *, rules: Rules, today: date, extract_date: date | None = None) -> NewContact:
    """The contact with its fields checked and tidied (note stripped, the day filled in);
    ContactError naming the first field that is wrong. Given the store's `extract_date`, a
    contact is dated at most `contact.backdate_days` before today, or before the extract date
    when that is earlier."""
    customer_id = (contact.customer_id or "").strip()
    if not customer_id:
        raise ContactError("customer: missing")
    one_of("list", contact.list_name, contact_names(rules))
    one_of("channel", contact.channel, CHANNELS)
    one_of("outcome", contact.outcome, OUTCOMES)
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
