"""Maturities (到期提醒, DOMAIN.md §6): products maturing in the days ahead, one row each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import products_of
from custdash.queries import maturity


def _retained(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """Retained (DOMAIN.md §6): a product maturing as the list stood at `start` was followed by
    a retaining product within `retain_days` of its maturity, opened after the contact. A
    customer with two maturing products counts once."""
    m = rules.maturity
    held = products_of(session, [x.customer_id for x in members])
    ahead = start + timedelta(days=m.days_ahead)

    def retained(member: Any, d: Any) -> bool:
        products = held.get(member.customer_id, [])
        due = [mt for op, _p, mt in products if mt is not None and start < mt <= ahead and op <= start]
        return any(
            mt <= op <= mt + timedelta(days=m.retain_days) and d < op <= limit(d)
            for mt in due
            for op, p, _mt in products
            if p in m.retain_products
        )

    return retained


LIST = CallList(
    name="maturity",
    page="maturity",
    count="maturing",
    select=maturity.maturity_select,
    shape=maturity.shape_list,
    columns=fixed_columns(maturity.LIST_COLUMNS),
    summary_key="maturing",
    queue_rank=2,
    outcome=Outcome(_retained),
    outcome_rank=7,
    outcome_label="page.maturity",
)
