"""Churn warning (流失预警, DOMAIN.md §6): large outflows or a fall in basis AUM."""

from __future__ import annotations

from typing import Any

from custdash.calendar import basis_month
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import basis_aum, months_after
from custdash.queries import churn


def _aum_back(session: Any, members: Any, *, rules: Any, as_of: Any, start: Any, limit: Any) -> Any:
    """A later basis month's AUM (by the window's end) at least the one at the contact's day."""
    aum = basis_aum(session, members, start=start, as_of=as_of)

    def held(m: Any, d: Any) -> bool:
        months = aum.get(m.customer_id, {})
        here = basis_month(d)
        then = months.get(here, 0.0)
        return any(months.get(month, 0.0) >= then for month in months_after(here, basis_month(limit(d))))

    return held


LIST = CallList(
    name="churn",
    page="churn",
    count="churn",
    select=churn.churn_select,
    shape=churn.shape_list,
    columns=fixed_columns(churn.LIST_COLUMNS),
    summary_key="churn",
    queue_rank=3,
    outcome=Outcome(_aum_back),
    outcome_rank=5,
    outcome_label="page.churn",
)
