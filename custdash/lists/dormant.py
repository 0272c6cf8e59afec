"""Dormant cards (睡眠卡/零元卡, DOMAIN.md §3): customers all of whose active cards are dormant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from custdash.calendar import end_of_day
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import event_after
from custdash.models import Card, Txn
from custdash.queries import dormant


def _card_used(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """Activity on an active card after the contact (by the window's end)."""

    def stmt(chunk: Any) -> Any:
        return (
            select(Card.customer_id, Txn.ts)
            .join(Txn, Txn.card_id == Card.card_id)
            .where(
                Card.customer_id.in_(chunk),
                Card.status == "active",
                Txn.ts >= end_of_day(start),
                Txn.ts < end_of_day(as_of),
                Txn.kind.not_in(rules.dormant.non_activity_kinds),
            )
        )

    return event_after(session, stmt, members, limit)


LIST = CallList(
    name="dormant",
    page="dormant",
    count="dormant",
    select=dormant.dormant_select,
    shape=dormant.shape_list,
    columns=fixed_columns(dormant.LIST_COLUMNS),
    summary_key="dormant",
    queue_rank=7,
    outcome=Outcome(_card_used),
    outcome_rank=2,
    outcome_label="page.dormant",
)
