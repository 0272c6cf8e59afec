"""Maturities (到期提醒, DOMAIN.md §6): products maturing in the days ahead, one row each."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from custdash.expressions import PERSON_COLUMNS, customers_at, person_columns
from custdash.expressions_timing import maturing
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import products_of
from custdash.models import Customer, Product
from custdash.rules import MATURING, Rules
from custdash.scope import ALL, Scope
from custdash.source import Rows

LIST_COLUMNS = [
    *PERSON_COLUMNS,
    "product",
    "amount",
    "matures_on",
    "days_left",
]


def _live(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    """Products maturing in the next `maturity.days_ahead` days, one row each, in list order:
    maturity date, then amount descending (a missing amount last), then customer id."""
    p = Product
    return (
        select(*person_columns(), p.product, p.amount, p.matures_on)
        .select_from(p)
        .join(Customer, Customer.customer_id == p.customer_id)
        .where(p.product.in_(MATURING), *maturing(as_of, rules), *customers_at(as_of, scope))
        .order_by(p.matures_on, p.amount.is_(None), p.amount.desc(), Customer.customer_id, p.id)
    )


# Read through the products' maturity index at any date: no fact or month-end rows.
ROWS = Rows(live=_live)


def shape_list(df: pd.DataFrame, *, as_of: date, **_: Any) -> pd.DataFrame:
    """The rows of `ROWS.select` as the list shows them."""
    df["matures_on"] = pd.to_datetime(df["matures_on"]).dt.date
    df["days_left"] = [(d - as_of).days for d in df["matures_on"]]
    df["amount"] = df["amount"].astype(float).round(2)
    return df[LIST_COLUMNS]


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
    rows=ROWS,
    shape=shape_list,
    columns=fixed_columns(LIST_COLUMNS),
    summary_key="maturing",
    queue_rank=2,
    outcome=Outcome(_retained),
    outcome_rank=7,
    outcome_label="page.maturity",
)
