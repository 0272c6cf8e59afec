"""A manager's day: one call queue merged from every list (DOMAIN.md §7, docs/RULES.md).

One row per customer with every reason they are called for, in this order (documented in
docs/RULES.md, "A manager's day"):

1. follow-ups due: the customer's latest contact asked to follow up on or before the day;
2. then each call list in the order of `custdash.lists.queue()` (the honeymoon waves first:
   their windows close), in that list's own order; a customer on several lists comes at their first place;

only customers still to work on a list (status new or no_answer) are queued for it, and
do-not-contact customers never (the lists leave them out). At most `contact.daily_capacity`
rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from custdash.contacts import contactable, counted_until
from custdash.lists import OTHER
from custdash.lists import queue as queue_order
from custdash.models import ContactLog, Customer
from custdash.rules import Rules
from custdash.scope import Scope

TO_WORK = ("new", "no_answer")
COLUMNS = [
    "customer_id",
    "name",
    "phone",
    "branch_id",
    "manager_id",
    "reasons",
    "follow_up_on",
    "contact_status",
    "contact_list",
]

ListSelect = Callable[..., Any]  # views.list_select


def my_day(session: Session, *, as_of: date, rules: Rules, scope: Scope, lists: ListSelect) -> pd.DataFrame:
    """The queue for `scope` (a manager's book) at `as_of`. Columns: COLUMNS (`reasons`: the
    list names, comma-separated, in queue order; `contact_status`: on the first of them;
    `contact_list`: the contact list a call is logged for, lists.contact_names)."""
    capacity = rules.contact.daily_capacity
    rows: dict[str, dict[str, Any]] = {}
    for row in _follow_ups(session, as_of=as_of, rules=rules, scope=scope):
        rows[row["customer_id"]] = {**row, "reasons": [], "contact_status": None, "contact_list": None}
    for spec in queue_order():
        name = spec.name
        sub = lists(name, session, as_of=as_of, rules=rules, scope=scope, status=TO_WORK).subquery("q")
        cols = [sub.c.customer_id, sub.c.name, sub.c.phone, sub.c.branch_id, sub.c.manager_id, sub.c.contact_status]
        cols += [sub.c[col] for col in spec.row_columns(rules)]
        # Enough of each list to fill the day even if every earlier row is someone else.
        for r in session.execute(select(*cols).limit(capacity)).all():
            entry = rows.setdefault(
                r.customer_id,
                {
                    "customer_id": r.customer_id,
                    "name": r.name,
                    "phone": r.phone,
                    "branch_id": r.branch_id,
                    "manager_id": r.manager_id,
                    "follow_up_on": None,
                    "reasons": [],
                    "contact_status": r.contact_status,
                    "contact_list": None,
                },
            )
            if name in entry["reasons"]:  # a second maturing product: one reason
                continue
            entry["reasons"].append(name)
            if entry["contact_status"] is None:
                entry["contact_status"] = r.contact_status
            if entry["contact_list"] is None:
                entry["contact_list"] = spec.worked_for(lambda col, r=r: getattr(r, col, None), rules)
    queue = list(rows.values())[:capacity]
    for entry in queue:
        entry["reasons"] = ",".join(["follow_up"] * (entry["follow_up_on"] is not None) + entry["reasons"])
        entry["contact_status"] = entry["contact_status"] or "new"
        entry["contact_list"] = entry["contact_list"] or OTHER
    return pd.DataFrame(queue, columns=COLUMNS)


def _follow_ups(session: Session, *, as_of: date, rules: Rules, scope: Scope) -> list[dict[str, Any]]:
    """Customers in `scope` whose latest contact asked for a follow-up on or before the day
    (at the extract date: today's), earliest first. Read per customer of the scope."""
    c = ContactLog
    until = counted_until(session, as_of)
    day = until or max(as_of, date.today())
    other = aliased(ContactLog)
    dated = [] if until is None else [other.contacted_on <= until]
    latest = (
        select(other.id)
        .where(other.customer_id == Customer.customer_id, *dated)
        .order_by(other.contacted_on.desc(), other.id.desc())
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )
    stmt = (
        select(
            Customer.customer_id, Customer.name, Customer.phone, Customer.branch_id, Customer.manager_id, c.follow_up_on
        )
        .join(c, c.customer_id == Customer.customer_id)
        .where(
            c.id == latest,
            c.follow_up_on <= day,
            contactable(Customer.customer_id, as_of=as_of, rules=rules, until=until),
            *scope.where(),
        )
        .order_by(c.follow_up_on, Customer.customer_id)
    )
    return [dict(r._mapping) for r in session.execute(stmt)]
