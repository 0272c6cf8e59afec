"""Materialised facts: every per-customer figure the views need, computed once per load.

At a million customers the live queries (custdash/queries) read tens of millions of AUM,
transaction and redemption rows per view. The loader (import, demo generator, `custdash
refresh`) therefore writes, in the same transaction as the data:

- `customer_fact`: one row per customer at the extract date (basis AUM and tier, previous
  tier, 12-month peak, card and dormancy facts, year-to-date alliance figures, segment,
  honeymoon waves, cohort outcomes, churn and downgrade figures);
- `fact_rollup`: those facts summed by branch x manager x tier x previous tier x segment x
  channel, at the extract date and at the same day a month earlier (the overview's deltas);
- `redemption_rollup`: the year-to-date heatmap by branch x manager x weekday x hour;
- `card_dormancy`: when each card is dormant, as periods of as-of dates, so a view at any
  earlier date reads those instead of every transaction up to it (expressions.card_facts).

They are built from the live queries' own expressions, with the rules in force, and stamped
with the rules' fingerprint. A view reads them only when its as-of date is one they were
built for and the rules are unchanged (custdash/source.py picks); any other question is answered live, so
the facts can be stale only in speed, never in content. tests/test_facts.py compares both
paths on every view.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, Select, and_, case, delete, func, insert, literal, select

from custdash import households
from custdash.calendar import add_months, basis_month, month_before
from custdash.db import write_meta
from custdash.dormancy import all_dormant, card_facts, dormancy_periods, peak_months
from custdash.expressions import (
    alliance_acquired,
    aum_join,
    aum_value,
    cohort_conditions,
    cohort_first_day,
    entitlement_case,
    heatmap_select,
    in_window,
    near_threshold,
    redemption_facts,
    segment_case,
    segment_facts,
    tier_case,
    wave_bit,
)
from custdash.expressions_timing import (
    churn_aum_drop,
    churn_outflow,
    downgrade_risk,
    earlier_join,
    earlier_month,
    outflow_facts,
)
from custdash.lists import LISTS
from custdash.models import (
    AumMonthly,
    CardDormancy,
    ChannelMonthly,
    Customer,
    CustomerFact,
    FactRollup,
    HouseholdFact,
    HouseholdMember,
    MonthEndList,
    Product,
    RedemptionRollup,
    Touch,
)
from custdash.rounds import flags
from custdash.rules import Rules
from custdash.scope import ALL
from custdash.source import (
    AS_OF_KEY,
    HAS_END_AUM,
    HAS_HOUSEHOLDS,
    HAS_LOGINS,
    HAS_MATURITY_DATES,
    HEATMAP_DATES_KEY,
    LIST_DATES_KEY,
    ROLLUP_DATES_KEY,
    RULES_KEY,
)

log = logging.getLogger("custdash.facts")

FACT_COLUMNS = [c.name for c in CustomerFact.__table__.columns]
DORMANCY_COLUMNS = ["card_id", "customer_id", "dormant_from", "dormant_until", "last_at"]


def fact_expressions(
    conn: Connection, *, as_of: date, rules: Rules, rollup_only: bool = False
) -> tuple[dict[str, Any], list[tuple[Any, Any]]]:
    """customer_fact's columns as name -> expression at `as_of` under `rules`, and the
    (subquery, ON clause) pairs to LEFT JOIN to Customer for them.

    `rollup_only` leaves out what `fact_rollup` never sums (the 12-month peak, the cohort
    outcomes: NULL then), whose joins read the whole AUM table once more: the month-earlier
    rollup, which keeps no customer rows, needs only the rest."""
    month = basis_month(as_of)
    basis, prev = aum_join(month), aum_join(add_months(month, -1))
    aum = aum_value(basis)
    tier = tier_case(rules, aum)
    first, last = peak_months(as_of, rules)
    # The month window inside the aggregate, not in WHERE: then the planner walks the primary
    # key in customer order instead of sorting a month-range scan (at 1M customers 4 s, not 27 s).
    in_window_aum = case((AumMonthly.month.between(first, last), AumMonthly.avg_daily_aum), else_=None)
    peak = (
        select(AumMonthly.customer_id.label("customer_id"), func.max(in_window_aum).label("peak"))
        .group_by(AumMonthly.customer_id)
        .subquery("peak")
    )
    cards = card_facts(conn, as_of=as_of, rules=rules)
    ytd = redemption_facts(as_of=as_of, rules=rules)
    seg = segment_facts(as_of=as_of, rules=rules)
    waves = rules.honeymoon.waves
    touched = (
        select(
            Touch.customer_id.label("customer_id"),
            *[func.max(case((Touch.wave == w.wave, 1), else_=0)).label(f"w{w.wave}") for w in waves],
        )
        .where(Touch.touched_on <= as_of)
        .group_by(Touch.customer_id)
        .subquery("touched")
    )

    def done(w: Any) -> Any:
        return func.coalesce(getattr(touched.c, f"w{w.wave}"), 0) == 1

    due, overdue = flags(waves, as_of, done=done, anchor=Customer.opened_on)
    honeymoon = in_window(as_of, rules)
    cohort_aum, cohort_join, deep, v1_plus = cohort_conditions(as_of, rules)
    in_cohort = Customer.opened_on >= cohort_first_day(as_of, rules)
    active = func.coalesce(cards.c.active_cards, 0)
    entitled_tier, shared = households.entitlement_tier(rules, as_of=as_of, aum=aum, customer_id=Customer.customer_id)
    entitled = entitlement_case(rules, entitled_tier)
    free_used = func.coalesce(ytd.c.free_used, 0)
    outflow = outflow_facts(as_of=as_of, rules=rules)
    outflows = func.coalesce(outflow.c.outflows, 0)
    outflow_total = func.coalesce(outflow.c.outflow_total, 0.0)
    early, early_month = earlier_join(), earlier_month(as_of, rules)
    earlier = aum_value(early)

    def ytd_sum(name: str, zero: Any = 0) -> Any:
        return func.coalesce(getattr(ytd.c, name), zero)

    def unless_rollup(expr: Any) -> Any:
        return literal(None) if rollup_only else expr

    values: dict[str, Any] = {
        "customer_id": Customer.customer_id,
        "name": Customer.name,
        "phone": Customer.phone,
        "branch_id": Customer.branch_id,
        "manager_id": Customer.manager_id,
        "opened_on": Customer.opened_on,
        "opened_month": Customer.opened_month,
        "alliance_channel": alliance_acquired(rules),
        "basis_aum": aum,
        "tier": tier,
        "prev_tier": tier_case(rules, aum_value(prev)),
        "near_threshold": near_threshold(rules, aum),
        "peak_aum_12m": unless_rollup(func.coalesce(peak.c.peak, 0.0)),
        "active_cards": active,
        "dormant_cards": func.coalesce(cards.c.dormant_cards, 0),
        "last_activity_at": cards.c.last_at,
        "never_used": cards.c.any_at.is_(None),
        "card_balance": func.coalesce(cards.c.balance, 0.0),
        "dormant": all_dormant(active, cards.c.dormant_cards),
        "entitled": entitled,
        "free_used_ytd": free_used,
        "remaining": entitled - free_used,
        "peak_redemptions": ytd_sum("peak_redemptions"),
        "off_peak_redemptions": ytd_sum("off_peak_redemptions"),
        "peak_tickets": ytd_sum("peak_tickets"),
        "off_peak_tickets": ytd_sum("off_peak_tickets"),
        "subsidy": ytd_sum("subsidy", 0.0),
        "segment_redemptions": func.coalesce(seg.c.n, 0),
        "segment": segment_case(rules, seg.c.n, seg.c.kids),
        "in_honeymoon": honeymoon,
        "waves_done": sum((case((done(w), wave_bit(w)), else_=0) for w in waves), literal(0)),
        "honeymoon_due": and_(honeymoon, due),
        "honeymoon_overdue": and_(honeymoon, overdue),
        "deep_by_day_n": unless_rollup(case((in_cohort, deep), else_=None)),
        "v1_plus_at_day_n": unless_rollup(case((in_cohort, v1_plus), else_=None)),
        "outflows": outflows,
        "outflow_total": outflow_total,
        "earlier_aum": earlier,
        "churn_outflow": churn_outflow(rules, outflows, outflow_total),
        "churn_aum_drop": churn_aum_drop(rules, aum, earlier),
        "end_aum": basis.end_aum,
        "downgrade": downgrade_risk(rules, aum, basis.end_aum),
    }
    joins = [] if rollup_only else [(peak, peak.c.customer_id == Customer.customer_id)]
    joins += [(sub, sub.c.customer_id == Customer.customer_id) for sub in (cards, ytd, seg, touched, outflow)]
    joins += shared
    if not rollup_only:
        joins.append((cohort_aum, cohort_join))
    joins += [
        (basis, and_(basis.customer_id == Customer.customer_id, basis.month == month)),
        (prev, and_(prev.customer_id == Customer.customer_id, prev.month == add_months(month, -1))),
        (early, and_(early.customer_id == Customer.customer_id, early.month == early_month)),
    ]
    return values, joins


def fact_select(conn: Connection, *, as_of: date, rules: Rules, rollup_only: bool = False) -> Select[Any]:
    """One row per customer existing at `as_of`, labelled as customer_fact's columns."""
    values, joins = fact_expressions(conn, as_of=as_of, rules=rules, rollup_only=rollup_only)
    if list(values) != FACT_COLUMNS:  # a column added to the model must get its expression here
        raise AssertionError(f"customer_fact columns {FACT_COLUMNS} != fact expressions {list(values)}")
    stmt = select(*[v.label(name) for name, v in values.items()]).select_from(Customer)
    for sub, on in joins:
        stmt = stmt.outerjoin(sub, on)
    # Customer order: every join then walks its table in key order (and customer_fact is
    # written in its own key order); by opening date, as the planner chose, took 3x longer.
    return stmt.where(Customer.opened_on <= as_of).order_by(Customer.customer_id)


def write_rollup(conn: Connection, *, as_of: date, rules: Rules, customers: Any = None) -> None:
    """Sum the facts at `as_of` into `fact_rollup`: of `customers` (a table of fact rows for
    that date), else computed here without the columns the rollup never sums."""
    f = (
        customers
        if customers is not None
        else fact_select(conn, as_of=as_of, rules=rules, rollup_only=True).subquery("f")
    )
    cols = [c.name for c in FactRollup.__table__.columns if c.name != "id"]
    conn.execute(insert(FactRollup).from_select(cols, _rollup_select(f, as_of)))


def write_heatmap(conn: Connection, *, as_of: date) -> None:
    """The year-to-date redemptions at `as_of` by branch x manager x weekday x hour."""
    heat = heatmap_select(as_of=as_of, scope=ALL, keys=[Customer.branch_id, Customer.manager_id])
    cols = [c.name for c in RedemptionRollup.__table__.columns if c.name not in ("id", "as_of")]
    stmt = select(literal(as_of, Date).label("as_of"), *heat.order_by(None).subquery("h").c)
    conn.execute(insert(RedemptionRollup).from_select(["as_of", *cols], stmt))


def _rollup_select(f: Any, as_of: date) -> Select[Any]:
    """Facts of one as-of date summed into `fact_rollup`'s columns (in table order)."""
    keys = [f.c.branch_id, f.c.manager_id, f.c.tier, f.c.prev_tier, f.c.segment, f.c.alliance_channel]
    sums = {
        "customers": func.count(),
        "aum": func.sum(f.c.basis_aum),
        "peak_redemptions": func.sum(f.c.peak_redemptions),
        "off_peak_redemptions": func.sum(f.c.off_peak_redemptions),
        "peak_tickets": func.sum(f.c.peak_tickets),
        "off_peak_tickets": func.sum(f.c.off_peak_tickets),
        "free_used": func.sum(f.c.free_used_ytd),
        "entitled": func.sum(f.c.entitled),
        "subsidy": func.sum(f.c.subsidy),
        "segment_redemptions": func.sum(f.c.segment_redemptions),
        "in_honeymoon": func.sum(case((f.c.in_honeymoon, 1), else_=0)),
        # Each list's size as its module counts a fact row on it (custdash/lists).
        **{key: func.sum(case((on(f.c), 1), else_=0)) for spec in LISTS.values() for key, on in spec.rollup.items()},
    }
    cols = [c.name for c in FactRollup.__table__.columns if c.name != "id"]
    by_name = {"as_of": literal(as_of, Date), **{k.name: k for k in keys}, **sums}
    return select(*[by_name[c].label(c) for c in cols]).group_by(*keys)


def build(conn: Connection, *, as_of: date, rules: Rules) -> None:
    """(Re)write all facts for `as_of` under `rules`, inside the caller's transaction."""
    started = time.perf_counter()
    for table in (CustomerFact, FactRollup, RedemptionRollup, CardDormancy, MonthEndList, HouseholdFact):
        conn.execute(delete(table))
    # One sorted index build after the insert beats maintaining the indexes row by row.
    indexes = [*CustomerFact.__table__.indexes, *CardDormancy.__table__.indexes]
    for ix in indexes:
        ix.drop(conn, checkfirst=True)
    conn.execute(insert(CustomerFact).from_select(FACT_COLUMNS, fact_select(conn, as_of=as_of, rules=rules)))
    conn.execute(insert(CardDormancy).from_select(DORMANCY_COLUMNS, dormancy_periods(as_of=as_of, rules=rules)))
    for ix in indexes:
        ix.create(conn, checkfirst=True)
    # Planner statistics: without them SQLite found one manager's 330 dormant customers by
    # walking all 157,000 dormant rows of the bank (36 s cold at 1M); with them it reads the
    # manager's rows through ix_fact_scope_aum (0.05 s). About a second at 1M.
    conn.exec_driver_sql("ANALYZE customer_fact")
    households.write_facts(conn, day=as_of, rules=rules)
    # The periods now follow these rules: the month-earlier rollup below reads them.
    write_meta(conn, **{RULES_KEY: rules.fingerprint})
    write_rollup(conn, as_of=as_of, rules=rules, customers=CustomerFact.__table__)
    # A month earlier: no customer rows are kept, only their sums.
    before = month_before(as_of)
    write_rollup(conn, as_of=before, rules=rules)
    write_heatmap(conn, as_of=as_of)
    # Whether the extract holds the optional columns two lists need (an older one may not): the
    # pages say so; asked at every page view, it would be a whole-table scan on such a store.
    present = {
        key: "1" if conn.execute(select(column).where(column.is_not(None)).limit(1)).first() else "0"
        for key, column in (
            (HAS_END_AUM, AumMonthly.end_aum),
            (HAS_MATURITY_DATES, Product.matures_on),
            (HAS_HOUSEHOLDS, HouseholdMember.customer_id),
            (HAS_LOGINS, ChannelMonthly.customer_id),
        )
    }
    write_meta(conn, **present)
    log.info("facts built as of %s (rules %s) in %.1f s", as_of, rules.fingerprint[:8], time.perf_counter() - started)
    write_meta(
        conn,
        **{
            AS_OF_KEY: as_of.isoformat(),
            RULES_KEY: rules.fingerprint,
            ROLLUP_DATES_KEY: f"{as_of},{before}",
            HEATMAP_DATES_KEY: as_of.isoformat(),
            LIST_DATES_KEY: "",
        },
    )
