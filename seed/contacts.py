"""A demo contact history (DOMAIN.md §7): some managers work their lists and some do not, a
few contacts a month or two back (what 回检 measures), follow-ups due in the coming days.

Written after the demo data and its facts, from the lists themselves (views.list_select), so
every contact is for a customer who was on that list on that day. Every row is marked `demo`:
the first import of a bank's own data deletes them (auth.remove_demo_users).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from custdash.contact_log import CHANNELS
from custdash.lists import call_list_spec, worked_for
from custdash.models import Branch, ContactLog
from custdash.outcomes import outcome_check
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.views import LISTS, list_select

# Who works their lists: this share of managers contacts this share of their customers on each.
WORKING_MANAGERS = 0.6
CONTACTED = 0.35
# The demo manager account's book is worked harder: what a visitor signs in as shows it.
CONTACTED_BY_DEMO_MANAGER = 0.6
# Outcomes of a contact, and how often (do_not_contact rare, as in a real book).
OUTCOMES = {"reached": 0.42, "no_answer": 0.28, "declined": 0.12, "converted": 0.15, "do_not_contact": 0.03}
# The earlier round, whose effect 回检 measures: the managers call the customers whose data
# later shows the list's outcome more often than the rest, and reach them more often, so the
# demo's contacted group does better than its control group (the data itself is untouched:
# the demo store stays exactly what its CSV extract imports to).
CONTACTED_IF_OUTCOME, CONTACTED_OTHERWISE = 0.85, 0.15
OUTCOMES_IF_OUTCOME = {"reached": 0.45, "no_answer": 0.05, "declined": 0.0, "converted": 0.5, "do_not_contact": 0.0}
CHANNEL_WEIGHTS = [0.62, 0.18, 0.08, 0.12]  # phone, sms, visit, wechat (contacts.CHANNELS order)
# When: this month's round works today's lists over the last 30 days; an earlier round, for
# 回检, worked the lists as they stood at the start of its default period (the outcome window
# before the extract date) over two weeks, in the first branches only (a live list of the whole
# bank at an earlier date would cost the generator minutes at a million customers).
CURRENT_DAYS, EARLIER_DAYS = 30, 14
EARLIER_BRANCHES = 3
NOTES = ["约下周到网点", "客户在外地，月底回电", "已发短信提醒", "对理财感兴趣", "家属代接", ""]


def write_demo_contacts(session: Session, *, rules: Rules, as_of: date, seed: int, demo_manager: str | None) -> int:
    """Replace the demo contact history; returns how many contacts were written. The demo
    manager account (`demo_manager`'s customers) logs as "manager", others as their id."""
    rng = np.random.default_rng(seed + 18)
    session.execute(delete(ContactLog).where(ContactLog.demo))
    rows: list[dict[str, Any]] = []
    now = datetime.combine(as_of, datetime.min.time())
    branches = list(session.execute(select(Branch.branch_id).order_by(Branch.branch_id)).scalars())
    for ago, days in ((0, CURRENT_DAYS), (rules.contact.outcome_days - 1, EARLIER_DAYS)):
        on = as_of - timedelta(days=ago)
        scopes = [ALL] if ago == 0 else [Scope(branch_id=b) for b in branches[:EARLIER_BRANCHES]]
        for name in LISTS:
            if ago and call_list_spec(name).outcome is None:  # 回检 measures no outcome for it
                continue
            for scope in scopes:
                rows += _round(
                    session,
                    rng,
                    rules=rules,
                    list_name=name,
                    on=on,
                    days=days,
                    scope=scope,
                    always=demo_manager,
                    as_of=as_of,
                )
    for row in rows:
        row.update(
            at=now,
            username="manager" if row["manager_id"] == demo_manager else (row["manager_id"] or "head").lower(),
            demo=True,
        )
    if rows:
        session.execute(insert(ContactLog), rows)
    session.commit()
    return len(rows)


def _round(
    session: Session,
    rng: np.random.Generator,
    *,
    rules: Rules,
    list_name: str,
    on: date,
    days: int,
    scope: Scope,
    always: str | None,
    as_of: date,
) -> list[dict[str, Any]]:
    """Contacts for the customers in `scope` on one list as it stood on `on`: the round's
    `days` days, ending on `on` for this month's round, starting on it for an earlier one.
    Manager `always` (the demo manager account's book) works every list: the demo shows
    statuses on first start."""
    sub = list_select(list_name, session, as_of=on, rules=rules, scope=scope).subquery("l")
    waves = [f"wave_{w.wave}" for w in rules.honeymoon.waves] if list_name == "honeymoon" else []
    opened = [sub.c.opened_on] if waves else []
    spec = call_list_spec(list_name)
    measured = spec.outcome.columns(rules) if spec.outcome is not None else []
    extra = [c for c in measured if c not in {"customer_id", "branch_id", "manager_id", "opened_on", *waves}]
    cols = [sub.c.customer_id, sub.c.branch_id, sub.c.manager_id, *opened, *[sub.c[w] for w in waves]]
    cols += [sub.c[c] for c in extra]
    found = session.execute(select(*cols)).all()
    current = scope.is_all
    window = rules.contact.outcome_days
    happened = (
        None if current else outcome_check(list_name, session, found, rules=rules, as_of=as_of, start=on, window=window)
    )
    managers = sorted({r.manager_id for r in found if r.manager_id})
    # In the earlier round every manager worked the lists (the campaign 回检 measures); in this
    # month's, some have not started yet.
    working = {m for m in managers if rng.random() < WORKING_MANAGERS or m == always or not current}
    out: list[dict[str, Any]] = []
    outcomes, weights = list(OUTCOMES), list(OUTCOMES.values())
    for r in found:
        shift = int(rng.integers(0, days))
        day = on - timedelta(days=shift) if current else on + timedelta(days=shift)
        works = happened is not None and happened(r, day)
        share = CONTACTED_BY_DEMO_MANAGER if r.manager_id == always else CONTACTED
        if happened is not None:
            share = CONTACTED_IF_OUTCOME if works else CONTACTED_OTHERWISE
        if r.manager_id not in working or rng.random() >= share:
            continue
        odds = list(OUTCOMES_IF_OUTCOME.values()) if works else weights
        outcome = str(rng.choice(outcomes, p=odds))
        follow = None
        if outcome in ("no_answer", "reached") and current and rng.random() < 0.4:
            follow = day + timedelta(days=int(rng.integers(2, 11)))  # some due by now, some to come
        out.append(
            {
                "customer_id": r.customer_id,
                "branch_id": r.branch_id,
                "manager_id": r.manager_id,
                "list_name": worked_for(list_name, lambda w, r=r: getattr(r, w, None), rules),
                "channel": str(rng.choice(CHANNELS, p=CHANNEL_WEIGHTS)),
                "outcome": outcome,
                "note": str(rng.choice(NOTES)) or None,
                "contacted_on": day,
                "follow_up_on": follow,
            }
        )
    return out
