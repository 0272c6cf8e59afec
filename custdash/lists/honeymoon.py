"""The honeymoon call list (蜜月期多波次营销, DOMAIN.md §5): new customers with a wave due or
overdue. A row is worked for its first due or overdue wave (contact list `honeymoon-k`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from custdash.calendar import basis_month
from custdash.contacts import wave_list
from custdash.lists.base import CallList, Outcome, WorkedPerRow, rows_of
from custdash.lists.evidence import aum_by_month, products_of
from custdash.queries import honeymoon
from custdash.rules import Rules

OPEN = ("due", "overdue")  # the wave statuses a call can still change


def _waves(rules: Rules) -> list[tuple[str, tuple[str, ...], str]]:
    return [(f"wave_{w.wave}", OPEN, wave_list(w.wave)) for w in rules.honeymoon.waves]


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


LIST = CallList(
    name="honeymoon",
    page="honeymoon",
    count="honeymoon_due",
    select=rows_of(honeymoon.wave_status_select, call_list_only=True),
    shape=honeymoon.shape_status,
    columns=honeymoon.list_columns,
    worked_per_row=WorkedPerRow(_waves),
    queue_rank=1,
    outcome=Outcome(_wave_done, columns=lambda rules: ["opened_on", *[col for col, _v, _n in _waves(rules)]]),
    outcome_rank=4,
    outcome_label="outcomes.list.honeymoon",
    tiles=(
        ("honeymoon_due", {"waves": "due"}),
        ("honeymoon_overdue", {"waves": "overdue"}),
    ),
)
