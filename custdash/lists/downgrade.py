"""Downgrade risk (降级预警, DOMAIN.md §6): customers whose month so far would lose their tier."""

from __future__ import annotations

from typing import Any

from custdash.calendar import add_months, basis_month
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import basis_aum
from custdash.queries import downgrade


def _tier_kept(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """The tier the list flagged (its basis month at `start`) held in the next basis month, once
    that is one by the window's end: a call late in the period still asks whether the customer
    kept the tier they were at risk of losing."""
    aum = basis_aum(session, members, start=start, as_of=as_of)
    rank = rules.tier_codes.index
    here = basis_month(start)
    month = add_months(here, 1)

    def kept(m: Any, d: Any) -> bool:
        months = aum.get(m.customer_id, {})
        return month <= basis_month(limit(d)) and rank(rules.tier_of(months.get(month, 0.0))) >= rank(
            rules.tier_of(months.get(here, 0.0))
        )

    return kept


LIST = CallList(
    name="downgrade",
    page="downgrade",
    count="downgrade",
    select=downgrade.downgrade_select,
    shape=downgrade.shape_list,
    columns=fixed_columns(downgrade.LIST_COLUMNS),
    summary_key="downgrade",
    queue_rank=4,
    outcome=Outcome(_tier_kept),
    outcome_rank=6,
    outcome_label="page.downgrade",
)
