"""Dormant cards (睡眠卡/零元卡, DOMAIN.md §3): customers all of whose active cards are dormant,
in list order: 12-month peak AUM descending, then customer id (so the priority group, peak >=
the rules' bound, comes first)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from custdash.calendar import end_of_day
from custdash.dormancy import all_dormant, card_facts, peak_months
from custdash.expressions import PERSON_COLUMNS, customers_at, person_columns
from custdash.lists.base import CallList, Outcome, fixed_columns
from custdash.lists.evidence import event_after
from custdash.models import AumMonthly, Card, Customer, CustomerFact, Txn
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import MonthEndRows, Rows
from custdash.statements import frame

LIST_COLUMNS = [
    *PERSON_COLUMNS,
    "dormant_cards",
    "last_activity",
    "never_used",
    "balance",
    "zero_balance",
    "peak_aum_12m",
    "priority",
]


def _facts(*, rules: Rules, scope: Scope, **_: Any) -> Select[Any]:
    f = CustomerFact
    return (
        select(
            *person_columns(f),
            f.dormant_cards,
            f.last_activity_at.label("last_at"),
            f.never_used,
            f.card_balance.label("balance"),
            f.peak_aum_12m,
        )
        .where(f.dormant, *scope.where(f))
        .order_by(f.peak_aum_12m.desc(), f.customer_id)
    )


def _live(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    cards = card_facts(session, as_of=as_of, rules=rules, scope=scope, dormant_only=True)
    dormant = all_dormant(cards.c.active_cards, cards.c.dormant_cards)
    first_month, last_month = peak_months(as_of, rules)
    peak = func.coalesce(
        select(func.max(AumMonthly.avg_daily_aum))
        .where(
            AumMonthly.customer_id == Customer.customer_id,
            AumMonthly.month >= first_month,
            AumMonthly.month <= last_month,
        )
        .scalar_subquery(),
        0.0,
    )
    return (
        select(
            *person_columns(),
            cards.c.dormant_cards,
            cards.c.last_at,
            cards.c.any_at.is_(None).label("never_used"),
            cards.c.balance,
            peak.label("peak_aum_12m"),
        )
        .select_from(Customer)
        .join(cards, cards.c.customer_id == Customer.customer_id)
        .where(dormant, *customers_at(as_of, scope))
        .order_by(peak.desc(), Customer.customer_id)
    )


ROWS = Rows(
    live=_live,
    facts=_facts,
    month_end=MonthEndRows(
        "dormant",
        ("dormant_cards", "last_at", "never_used", "balance", "peak_aum_12m"),
        order=lambda m: (m.peak_aum_12m.desc(), m.customer_id),
    ),
)


def dormant_list(
    session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, limit: int | None = None
) -> pd.DataFrame:
    """The wake-up list (docs/RULES.md §3), in priority order; the first `limit` rows when given."""
    df = frame(session, ROWS.select(session, as_of=as_of, rules=rules, scope=scope).limit(limit))
    return shape_list(df, as_of=as_of, rules=rules)


def shape_list(df: pd.DataFrame, *, rules: Rules, **_: Any) -> pd.DataFrame:
    """The rows of `ROWS.select` as the list shows them."""
    r = rules.dormant
    df["dormant_cards"] = df["dormant_cards"].astype(int)
    last_at = pd.to_datetime(df["last_at"])
    df["last_activity"] = last_at.dt.date.astype(object).where(last_at.notna(), None)
    df["never_used"] = df["never_used"].astype(bool)
    df["balance"] = df["balance"].astype(float).round(2)
    df["zero_balance"] = df["balance"] < r.zero_balance_below
    df["peak_aum_12m"] = df["peak_aum_12m"].astype(float)
    df["priority"] = df["peak_aum_12m"] >= r.priority_peak_aum
    return df[LIST_COLUMNS]


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
    rows=ROWS,
    shape=shape_list,
    columns=fixed_columns(LIST_COLUMNS),
    rollup={"dormant": lambda c: c.dormant},
    summary_key="dormant",
    queue_rank=7,
    outcome=Outcome(_card_used),
    outcome_rank=2,
    outcome_label="page.dormant",
)
