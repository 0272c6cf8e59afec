"""回检: what working a list did, measured in the data (DOMAIN.md §7, docs/RULES.md).

For a period `start` .. `end` (up to the as-of date A) and each call list:

- **on the list**: the customers on it at `start` (as the list stood that day, inside the scope);
- **contacted**: those with a contact logged for that list in the period; **reached**: a
  contact among them with outcome reached or converted;
- **outcome rate**: the share of the contacted whose outcome happened in the data within
  `contact.outcome_days` after their first contact in the period (and on or before A);
- **control rate**: the same share among the customers on the list who were not contacted
  (对比非模型组), counted from the contacted customers' median first contact (from `start`
  when nobody was contacted), so both groups have windows of like length: the difference is
  what contacting did.

The outcome of each list: near-threshold, a later basis month in a higher tier than at the
contact's day; dormant, activity on an active card; alliance-unused, a redemption; honeymoon
wave k, a product of `contact.wave_products[k]` opened by the wave's last day (a wave not
listed: the second tier or above at day `honeymoon.days`); churn, a later basis month's AUM
at least the one at the contact's day; downgrade, the month after the one the list flagged
still in the tier (or above); maturity, a product on the list retained (a `maturity.retain_products` product opened
within `retain_days` of its maturity, after the contact). A customer with two maturing
products counts once.

The list members come from the list's own SELECT; the events are read for those customers
only (never a whole table), in chunks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from custdash.lists import call_list_spec, measured
from custdash.lists.evidence import chunks
from custdash.models import ContactLog
from custdash.rules import Rules
from custdash.scope import ALL, Scope

REACHED = ("reached", "converted")
COLUMNS = [
    "list_name",
    "total",
    "manager_id",
    "on_list",
    "contacted",
    "reached",
    "contacted_outcomes",
    "outcome_rate",
    "control",
    "control_outcomes",
    "control_rate",
    "difference",
]


ListSelect = Callable[..., Any]  # views.list_select: (name, session, *, as_of, rules, scope) -> SELECT


def outcome_table(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    lists: ListSelect,
    scope: Scope = ALL,
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """One row per list and manager (the customers' manager; None for customers without one),
    then one per list for the whole scope (`total`), in list order. Rates are shares (None when
    nobody is in the group)."""
    start, end = period(as_of=as_of, rules=rules, start=start, end=end)
    rows: list[dict[str, Any]] = []
    # DOMAIN.md §7 names an outcome for each list but birthdays (a courtesy call): 回检
    # measures the lists that declare one (`CallList.outcome`), in their declared order.
    for name in (spec.name for spec in measured()):
        people = _measure(session, name, lists, as_of=as_of, rules=rules, scope=scope, start=start, end=end)
        by_manager: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for p in people:
            by_manager[p["manager_id"]].append(p)
        for manager in sorted(by_manager, key=lambda m: (m is None, m or "")):
            rows.append(_row(name, manager, by_manager[manager]))
        rows.append(_row(name, None, people, total=True))
    return pd.DataFrame(rows, columns=COLUMNS)


def outcome_summary(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per list, the whole scope's figures of an `outcome_table` (the CLI's `outcomes --json`)."""
    totals = table[table["total"]]
    keys = ["on_list", "contacted", "reached", "outcome_rate", "control_rate"]
    return {r["list_name"]: {k: _plain(r[k]) for k in keys} for r in totals.to_dict("records")}


def period(*, as_of: date, rules: Rules, start: date | None, end: date | None) -> tuple[date, date]:
    """The period measured: by default the `contact.outcome_days` days up to the as-of date.
    ValueError naming what is wrong for a period outside it or backwards."""
    end = end or as_of
    start = start or as_of - timedelta(days=rules.contact.outcome_days - 1)
    if end > as_of:
        raise ValueError(f"the period ends {end.isoformat()}, after the as-of date {as_of.isoformat()}")
    if start > end:
        raise ValueError(f"the period starts {start.isoformat()}, after its end {end.isoformat()}")
    return start, end


def _plain(v: Any) -> Any:
    """A table cell for JSON: a missing rate (nobody in the group) is null."""
    return None if v is None or (isinstance(v, float) and v != v) else v


def _rate(hits: int, n: int) -> float | None:
    return round(hits / n, 4) if n else None


def _row(name: str, manager: str | None, people: list[dict[str, Any]], *, total: bool = False) -> dict[str, Any]:
    contacted = [p for p in people if p["contacted_on"] is not None]
    control = [p for p in people if p["contacted_on"] is None]
    hits = sum(p["outcome"] for p in contacted)
    control_hits = sum(p["outcome"] for p in control)
    rate, control_rate = _rate(hits, len(contacted)), _rate(control_hits, len(control))
    return {
        "list_name": name,
        "total": total,
        "manager_id": None if total else manager,
        "on_list": len(people),
        "contacted": len(contacted),
        "reached": sum(p["reached"] for p in contacted),
        "contacted_outcomes": hits,
        "outcome_rate": rate,
        "control": len(control),
        "control_outcomes": control_hits,
        "control_rate": control_rate,
        "difference": round(rate - control_rate, 4) if rate is not None and control_rate is not None else None,
    }


def _measure(
    session: Session, name: str, lists: ListSelect, *, as_of: date, rules: Rules, scope: Scope, start: date, end: date
) -> list[dict[str, Any]]:
    """Every customer on list `name` at `start`: manager, first contact in the period (None:
    not contacted), reached, and whether the list's outcome happened in their window."""
    spec = call_list_spec(name)
    sub = lists(name, session, as_of=start, rules=rules, scope=scope).subquery("m")
    outcome_columns = [] if spec.outcome is None else spec.outcome.columns(rules)
    extra = [sub.c[col] for col in dict.fromkeys([*outcome_columns, *spec.row_columns(rules)])]
    members = list(
        {m.customer_id: m for m in session.execute(select(sub.c.customer_id, sub.c.manager_id, *extra))}.values()
    )
    if not members:
        return []
    ids = [m.customer_id for m in members]
    worked = {m.customer_id: spec.worked_for(lambda col, m=m: getattr(m, col, None), rules) for m in members}
    first, reached = _contacts(session, ids, worked, start=start, end=end)
    window = rules.contact.outcome_days
    happened = outcome_check(name, session, members, rules=rules, as_of=as_of, start=start, window=window)
    # The control group is measured from the contacted customers' median first contact (the
    # period's start when nobody was contacted): both groups then have windows of like length,
    # and a contact late in the period is not compared with a control window that began earlier.
    days = sorted(first.values())
    reference = days[(len(days) - 1) // 2] if days else start
    return [
        {
            "customer_id": m.customer_id,
            "manager_id": m.manager_id,
            "contacted_on": first.get(m.customer_id),
            "reached": m.customer_id in reached,
            "outcome": happened(m, first.get(m.customer_id) or reference),
        }
        for m in members
    ]


def _contacts(
    session: Session, ids: Sequence[str], worked_for: dict[str, str], *, start: date, end: date
) -> tuple[dict[str, date], set[str]]:
    """First contact in the period for the list each customer was worked for, and who was reached."""
    first: dict[str, date] = {}
    reached: set[str] = set()
    c = ContactLog
    for chunk in chunks(ids):
        stmt = select(c.customer_id, c.list_name, c.contacted_on, c.outcome).where(
            c.customer_id.in_(chunk), c.contacted_on.between(start, end)
        )
        for cid, list_name, day, outcome in session.execute(stmt):
            if list_name != worked_for[cid]:
                continue
            if cid not in first or day < first[cid]:
                first[cid] = day
            if outcome in REACHED:
                reached.add(cid)
    return first, reached


def outcome_check(
    name: str,
    session: Session,
    members: Sequence[Any],
    *,
    rules: Rules,
    as_of: date,
    start: date,
    window: int,
) -> Any:
    """A function (member, reference day D >= `start`) -> did the list's outcome happen in
    (D, D + window], on or before the as-of date. `members`: rows of the list with customer_id
    (and the columns the list's outcome reads, `Outcome.columns`)."""
    spec = call_list_spec(name)
    if spec.outcome is None:
        raise ValueError(f"no outcome is measured for the {name!r} list")

    def limit(d: date) -> date:
        return min(d + timedelta(days=window), as_of)

    return spec.outcome.check(session, members, rules=rules, as_of=as_of, start=start, limit=limit)
