"""Free cinema tickets left unused (异业联盟, DOMAIN.md §4): customers with entitlement left."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import event_after
from custdash.models import Redemption
from custdash.queries import alliance


def _redeemed(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """A redemption after the contact (by the window's end)."""

    def stmt(chunk: Any) -> Any:
        return (
            select(Redemption.customer_id, Redemption.screen_date)
            .distinct()
            .where(Redemption.customer_id.in_(chunk), Redemption.screen_date > start, Redemption.screen_date <= as_of)
        )

    return event_after(session, stmt, members, limit)


LIST = CallList(
    name="alliance-unused",
    page="alliance",
    count="unused",
    select=alliance.unused_select,
    shape=alliance.shape_unused,
    columns=fixed_columns(alliance.UNUSED_COLUMNS),
    queue_rank=8,
    outcome=Outcome(_redeemed),
    outcome_rank=3,
    outcome_label="outcomes.list.alliance-unused",
)
