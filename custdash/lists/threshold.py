"""Near the next tier (临界客户, DOMAIN.md §2): customers whose basis AUM is within the band
below the next tier's lower bound."""

from __future__ import annotations

from typing import Any

from custdash.calendar import basis_month
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import basis_aum, months_after
from custdash.queries import threshold


def _tier_higher(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """A later basis month (by the window's end) in a higher tier than at the contact's day."""
    aum = basis_aum(session, members, start=start, as_of=as_of)
    rank = rules.tier_codes.index

    def higher(m: Any, d: Any) -> bool:
        months = aum.get(m.customer_id, {})
        here = basis_month(d)
        tier = rank(rules.tier_of(months.get(here, 0.0)))
        later = months_after(here, basis_month(limit(d)))
        return any(rank(rules.tier_of(months.get(month, 0.0))) > tier for month in later)

    return higher


LIST = CallList(
    name="threshold",
    page="threshold",
    count="threshold",
    select=threshold.threshold_select,
    shape=threshold.shape_list,
    columns=fixed_columns(threshold.LIST_COLUMNS),
    summary_key="threshold",
    queue_rank=5,
    outcome=Outcome(_tier_higher),
    outcome_rank=1,
    outcome_label="page.threshold",
)
