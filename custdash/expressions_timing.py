"""DOMAIN.md §6's rules as SQL expressions: churn warning, downgrade risk, maturities and
birthdays. One definition each, shared by the live queries and the materialised facts, like
custdash/expressions.py (§1-§5), whose helpers they use."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, exists, func, literal, select
from sqlalchemy.orm import aliased

from custdash.calendar import add_months, basis_month, end_of_day, trailing_start
from custdash.expressions import in_scope
from custdash.models import OUTFLOW, AumMonthly, Card, Customer, Product, Txn
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.sql import add_days

# --- §6 the other timing points ------------------------------------------------------


def outflow_facts(*, as_of: date, rules: Rules, scope: Scope = ALL, shared: bool = False) -> Any:
    """Per customer: outgoing transfers to other banks on any of their cards in the churn
    window (the `window_days` days up to the as-of date), as `outflows` and `outflow_total`.
    `shared`: as a common table expression, computed once for a statement that reads it twice."""
    first = trailing_start(as_of, rules.churn.window_days)
    cards = select(Card.card_id).where(*in_scope(Card.customer_id, scope))
    # Summed per card first, straight from the covering partial index, then per customer: each
    # card is looked up once rather than once per transfer (0.85 s to 0.3 s for 90 days at 1M).
    per_card = (
        select(Txn.card_id.label("card_id"), func.count().label("n"), func.sum(Txn.amount).label("total"))
        .where(
            *is_outflow(),
            Txn.ts >= datetime.combine(first, time()),
            Txn.ts < end_of_day(as_of),
            *([] if scope.is_all else [Txn.card_id.in_(cards)]),
        )
        .group_by(Txn.card_id)
        .subquery("outflow_card")
    )
    stmt = (
        select(
            Card.customer_id.label("customer_id"),
            # A sum of counts is numeric on PostgreSQL: a count it stays.
            cast(func.sum(per_card.c.n), Integer).label("outflows"),
            func.sum(per_card.c.total).label("outflow_total"),
        )
        .join_from(per_card, Card, Card.card_id == per_card.c.card_id)
        .group_by(Card.customer_id)
    )
    return stmt.cte("outflow") if shared else stmt.subquery("outflow")


def is_outflow() -> list[ColumnElement[bool]]:
    """A transaction is an outgoing transfer to another bank. The constants are written into
    the SQL (they are the code's, never input) so the database can read them through the
    partial index `ix_txn_outflow`, which it cannot prove matches bound parameters."""
    return [getattr(Txn, k) == literal(v, literal_execute=True) for k, v in OUTFLOW.items()]


def churn_outflow(rules: Rules, outflows: Any, total: Any) -> ColumnElement[bool]:
    """Churn by outflow: enough transfers to other banks, totalling enough."""
    c = rules.churn
    return and_(outflows >= c.min_outflows, total >= c.min_outflow_total)


def earlier_month(as_of: date, rules: Rules) -> str:
    """The month churn compares the basis month with (`aum_drop_months` before it)."""
    return add_months(basis_month(as_of), -rules.churn.aum_drop_months)


def earlier_join() -> Any:
    """The aum_monthly alias for `earlier_month`: its own name, since with aum_drop_months = 1
    it is the month tier migration joins too."""
    return aliased(AumMonthly, name="aum_churn_earlier")


def churn_aum_drop(rules: Rules, basis: Any, earlier: Any) -> ColumnElement[bool]:
    """Churn by AUM: the basis AUM at most `aum_drop_ratio` of an earlier AUM of at least the floor."""
    c = rules.churn
    return and_(earlier >= c.aum_drop_floor, basis <= earlier * c.aum_drop_ratio)


def tier_bound(rules: Rules, aum: ColumnElement[float]) -> ColumnElement[float]:
    """The lower bound of the tier an AUM is in."""
    whens = [(aum >= t.lower_bound, literal(t.lower_bound)) for t in reversed(rules.tiers[1:])]
    return case(*whens, else_=literal(rules.tiers[0].lower_bound))


def downgrade_risk(rules: Rules, aum: Any, end_aum: Any) -> ColumnElement[bool]:
    """Tier V1 or above by the basis month's average, but its month-end balance below the
    tier's bound. No end balance: not at risk (it stands in as the bound itself). Written
    without a test that rejects NULL, so the month's row stays a lookup per customer: with
    `end_aum IS NOT NULL` the database may start from that month's AUM rows instead (every
    customer's, through ix_aum_month_value) for a branch's or a manager's list."""
    bound = tier_bound(rules, aum)
    return and_(aum >= rules.tiers[1].lower_bound, func.coalesce(end_aum, bound) < bound)


def maturing(as_of: date, rules: Rules, product: Any = Product) -> list[ColumnElement[bool]]:
    """A product maturing after the as-of date and at most `days_ahead` days after it (and
    known at the as-of date)."""
    return [
        product.matures_on > as_of,
        product.matures_on <= as_of + timedelta(days=rules.maturity.days_ahead),
        product.opened_on <= as_of,
    ]


def retained(as_of: date, rules: Rules, product: Any = Product) -> ColumnElement[bool]:
    """The customer opened a retaining product within `retain_days` after `product` matured
    (on or before the as-of date)."""
    m = rules.maturity
    later = aliased(Product, name="renewal")
    return exists(
        select(later.id).where(
            later.customer_id == product.customer_id,
            later.id != product.id,
            later.product.in_(m.retain_products),
            later.opened_on >= product.matures_on,
            later.opened_on <= add_days(product.matures_on, m.retain_days),
            later.opened_on <= as_of,
        )
    )


def birthday_days(as_of: date, rules: Rules) -> list[tuple[str, int]]:
    """("MM-DD" of a birth date, days from the as-of date to that birthday) for the birthday
    window; 29 February falls on 28 February in a year without one."""
    out = []
    for n in range(rules.birthdays.window_days):
        d = as_of + timedelta(days=n)
        out.append((d.strftime("%m-%d"), n))
        if d.month == 2 and d.day == 28 and not calendar.isleap(d.year):
            out.append(("02-29", n))
    return out


def birthday_offset(as_of: date, rules: Rules, birth_md: Any = Customer.birth_md) -> ColumnElement[int]:
    """Days from the as-of date to the birthday (NULL outside the window)."""
    return case(*[(birth_md == md, literal(n)) for md, n in birthday_days(as_of, rules)], else_=None)
