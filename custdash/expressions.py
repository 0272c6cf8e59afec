"""The business rules as SQL expressions (docs/RULES.md §1-§5): one definition each.

Every figure that depends on the rules is built here, from the rules in force and an as-of
date, with thresholds as bound parameters: the live queries (custdash/queries), the
materialised facts (custdash/facts.py) and the demo generator's checks all use these, so
the paths cannot drift apart. Nothing here runs a query; no Streamlit, no pandas.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from custdash.calendar import (
    add_months,
    basis_month,
    days_before,
    first_day,
    month_of,
    trailing_start,
    year_start,
)
from custdash.models import (
    AumMonthly,
    Customer,
    CustomerFact,
    Product,
    Redemption,
    Touch,
)
from custdash.rules import Rules, Wave
from custdash.scope import ALL, Scope
from custdash.sql import add_days

# --- who and which month -------------------------------------------------------------


def customers_at(
    as_of: date, scope: Scope, *, key_order: bool = False, among: Select[Any] | CompoundSelect | None = None
) -> list[ColumnElement[bool]]:
    """Customers that exist at the as-of date, inside the scope.

    `key_order`, for a query that reads every customer of the bank and looks up a per-customer
    row (the AUM month, a subquery's sums): the same rows, asked for so that SQLite walks the
    customer table in key order and every lookup follows that order: "not opened after the
    as-of date" (grouped, so it is not folded back into `<=`), which no index can drive, and a
    key range holding every customer. Given `opened_on <= as_of`, SQLite walked the
    opening-date index, or another one-column index that covers the query, and looked the AUM
    rows up in random customer order: 3-5 s at a million customers against 1.2 s
    (docs/PERFORMANCE.md, "any as-of date"). Lists driven by their own index (maturities,
    birthdays, honeymoon) leave it off; a scope keeps its own index (branch, manager).

    `among`, for the whole bank: customer ids (`aum_in_ranges`) holding every row the query's
    own conditions can return, so it looks up only those customers, in key order. It must be
    implied by those conditions: it changes the work, never the rows."""
    if scope.is_all and among is not None:
        return [not_((Customer.opened_on > as_of).self_group()), Customer.customer_id.in_(among)]
    if key_order and scope.is_all:
        return [not_((Customer.opened_on > as_of).self_group()), every_key(Customer.customer_id)]
    return [Customer.opened_on <= as_of, *scope.where()]


Bounds = list[tuple[float, float | None]]  # [from AUM, to AUM (exclusive; None: no limit)]


def aum_in_ranges(month: str, bounds: Bounds) -> Select[Any] | CompoundSelect | None:
    """Customers whose AUM of `month` lies in one of `bounds`, read from ix_aum_month_value
    (one index range each). None when a range reaches down to 0: a customer without an AUM row
    counts as 0 (docs/RULES.md §1) and has no row to find. At a million customers the near-
    threshold count looks up 57,000 customers this way instead of a million (1.4 s to 0.2 s)."""
    if not bounds or any(lo <= 0 for lo, _hi in bounds):
        return None
    a = AumMonthly
    parts = [
        select(a.customer_id)
        .where(a.month == month, a.avg_daily_aum >= lo, *([] if hi is None else [a.avg_daily_aum < hi]))
        .correlate(None)
        for lo, hi in bounds
    ]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def every_key(column: Any) -> ColumnElement[bool]:
    """A key range holding every customer id: always true, but it lets SQLite walk the index
    `column` leads in key order (see `customers_at`, `per_customer`)."""
    return column >= ""


def in_scope(column: Any, scope: Scope) -> list[ColumnElement[bool]]:
    """`column` (a customer id) belongs to a customer inside the scope: no condition for the
    whole bank. Put into a per-customer subquery, it lets the database read a branch's or a
    manager's cards, transactions and redemptions through their customer-id indexes instead of
    aggregating the whole bank's and joining afterwards (docs/PERFORMANCE.md, "any as-of date")."""
    if scope.is_all:
        return []
    return [column.in_(select(Customer.customer_id).where(*scope.where()))]


def per_customer(column: Any, scope: Scope) -> list[ColumnElement[bool]]:
    """Like `in_scope`, for a subquery that sums rows per customer (`column`, a customer id
    leading an index that covers the sums): for the whole bank a key range holding every
    customer, so SQLite reads that index in customer order and sums as it goes, as
    `customers_at` walks the customers. Left to itself it took the date index and looked
    every row up in the table, then sorted by customer: 2.8 s for a year's redemptions at a
    million customers against 0.6 s."""
    return [every_key(column)] if scope.is_all else in_scope(column, scope)


# Who a list row is about: every list's first columns.
PERSON_COLUMNS = ["customer_id", "name", "phone", "branch_id", "manager_id"]


def person_columns(entity: Any = Customer) -> list[Any]:
    """Who a list row is about: from customer, or from customer_fact (which copies them)."""
    return [getattr(entity, c) for c in PERSON_COLUMNS]


def aum_join(month: str) -> Any:
    """An alias of aum_monthly to LEFT JOIN for one month."""
    return aliased(AumMonthly, name=f"aum_{month.replace('-', '_')}")


def aum_value(alias: Any) -> ColumnElement[float]:
    """AUM of the joined month; no row means 0 (docs/RULES.md §1)."""
    return func.coalesce(alias.avg_daily_aum, 0.0)


def with_aum(stmt: Select[Any], alias: Any, month: str) -> Select[Any]:
    return stmt.outerjoin(alias, and_(alias.customer_id == Customer.customer_id, alias.month == month))


# --- §1 tiers --------------------------------------------------------------------------


def tier_case(rules: Rules, aum: ColumnElement[float]) -> ColumnElement[str]:
    """The tier code of an AUM expression, bounds as bound parameters."""
    whens = [(aum >= t.lower_bound, literal(t.code)) for t in reversed(rules.tiers[1:])]
    return case(*whens, else_=literal(rules.tiers[0].code))


def tier_rank(rules: Rules, aum: Any) -> Any:
    """The position of an AUM's tier on the ladder (0 = the lowest), as SQL."""
    whens = [(aum >= t.lower_bound, literal(k)) for k, t in reversed(list(enumerate(rules.tiers)))][:-1]
    return case(*whens, else_=literal(0))


def basis_tier(rules: Rules, as_of: date) -> tuple[Any, str, ColumnElement[str]]:
    """(aum_monthly alias to join, basis month, the customer's tier at the as-of date)."""
    month = basis_month(as_of)
    a = aum_join(month)
    return a, month, tier_case(rules, aum_value(a))


# --- §2 near threshold ---------------------------------------------------------------

Range = tuple[float, float, str, str]  # from AUM, next bound, tier, next tier


def near_ranges(rules: Rules, band: float) -> list[Range]:
    """(from AUM, next bound, tier, next tier) for every tier below the top."""
    out = []
    for cur, nxt in zip(rules.tiers, rules.tiers[1:]):
        lo = max(cur.lower_bound, (1 - band) * nxt.lower_bound)
        out.append((lo, nxt.lower_bound, cur.code, nxt.code))
    return out


def range_bounds(ranges: list[Range]) -> Bounds:
    """The AUM bounds of near-threshold ranges, for `aum_in_ranges`."""
    return [(lo, hi) for lo, hi, _c, _n in ranges]


def in_ranges(aum: ColumnElement[float], ranges: list[Range]) -> ColumnElement[bool]:
    return or_(*[and_(aum >= lo, aum < hi) for lo, hi, _c, _n in ranges])


def next_bound(aum: ColumnElement[float], ranges: list[Range]) -> ColumnElement[float]:
    return case(*[(aum < hi, literal(hi)) for _lo, hi, _c, _n in ranges], else_=None).label("next_bound")


def near_threshold(rules: Rules, aum: ColumnElement[float]) -> ColumnElement[bool]:
    """Is a customer near the next tier, with the rules' default band?"""
    return in_ranges(aum, near_ranges(rules, rules.threshold.band))


# --- §4 alliance -------------------------------------------------------------------------


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> tuple[date, ...]:
    """Chinese statutory rest days of a year, from the maintained `holidays` package."""
    return tuple(sorted(holidays.China(years=year)))


def peak_condition(rules: Rules, years: range) -> ColumnElement[bool]:
    """Is a redemption peak (旺季)? Weekend window, summer seasons, statutory holidays."""
    a = rules.alliance
    start_minute = a.weekend_from_time.hour * 60 + a.weekend_from_time.minute
    conds: list[ColumnElement[bool]] = [
        Redemption.weekday > a.weekend_from_weekday,
        and_(Redemption.weekday == a.weekend_from_weekday, Redemption.minute_of_day >= start_minute),
    ]
    conds += [Redemption.month_day.between(lo, hi) for lo, hi in a.peak_seasons]
    if a.statutory_holidays:
        days = [d for y in years for d in statutory_holidays(y)]
        if days:
            conds.append(Redemption.screen_date.in_(days))
    return or_(*conds)


def year_to_date(as_of: date) -> ColumnElement[bool]:
    """A redemption screened this year up to the as-of date."""
    return Redemption.screen_date.between(year_start(as_of), as_of)


def ytd_measures(rules: Rules, as_of: date) -> list[Any]:
    """Year-to-date redemption sums, peak vs off-peak (labelled as the rollup's columns)."""
    peak = peak_condition(rules, range(as_of.year, as_of.year + 1))
    return [
        func.sum(case((peak, 1), else_=0)).label("peak_redemptions"),
        func.sum(case((peak, 0), else_=1)).label("off_peak_redemptions"),
        func.sum(case((peak, Redemption.tickets), else_=0)).label("peak_tickets"),
        func.sum(case((peak, 0), else_=Redemption.tickets)).label("off_peak_tickets"),
        func.sum(Redemption.free_tickets).label("free_used"),
        func.sum(Redemption.list_price_total - Redemption.paid_total).label("subsidy"),
    ]


def redemption_facts(*, as_of: date, rules: Rules, scope: Scope = ALL) -> Any:
    """Per customer with redemptions this year up to the as-of date: the year-to-date sums (a subquery)."""
    return (
        select(Redemption.customer_id.label("customer_id"), *ytd_measures(rules, as_of))
        .where(year_to_date(as_of), *per_customer(Redemption.customer_id, scope))
        .group_by(Redemption.customer_id)
        .subquery("ytd")
    )


def free_used_facts(*, as_of: date, scope: Scope = ALL) -> Any:
    """Per customer with redemptions this year up to the as-of date: free tickets used, as
    `used` (a subquery; the unused-entitlement rule's only redemption figure)."""
    return (
        select(Redemption.customer_id.label("customer_id"), func.sum(Redemption.free_tickets).label("used"))
        .where(year_to_date(as_of), *per_customer(Redemption.customer_id, scope))
        .group_by(Redemption.customer_id)
        .subquery("ytd_free")
    )


def segment_facts(*, as_of: date, rules: Rules, scope: Scope = ALL) -> Any:
    """Per customer with redemptions in the trailing segment window (a subquery): n
    (redemptions), kids (child tickets)."""
    since = trailing_start(as_of, rules.alliance.segment_days)
    return (
        select(
            Redemption.customer_id.label("customer_id"),
            func.count().label("n"),
            func.sum(Redemption.child_tickets).label("kids"),
        )
        .where(Redemption.screen_date.between(since, as_of), *per_customer(Redemption.customer_id, scope))
        .group_by(Redemption.customer_id)
        .subquery("per")
    )


def segment_case(rules: Rules, n: Any, kids: Any) -> ColumnElement[str]:
    """family (any child ticket), film_lover (enough redemptions), else other; NULL without redemptions."""
    return case(
        (kids > 0, literal("family")),
        (n >= rules.alliance.film_lover_min_redemptions, literal("film_lover")),
        (n > 0, literal("other")),
        else_=None,
    )


def entitlement_case(rules: Rules, tier: ColumnElement[str]) -> ColumnElement[int]:
    return case(*[(tier == code, literal(n)) for code, n in rules.alliance.entitlement.items()], else_=literal(0))


def alliance_acquired(rules: Rules) -> ColumnElement[bool]:
    """Was the customer acquired through the alliance (产能)?"""
    return Customer.channel == rules.alliance.alliance_channel


def alliance_group(acquired: Any) -> ColumnElement[str]:
    """ "alliance" for an alliance-acquired customer, else "other"."""
    return case((acquired, literal("alliance")), else_=literal("other"))


def heatmap_select(*, as_of: date, scope: Scope, keys: list[Any]) -> Select[Any]:
    """Year-to-date redemptions and tickets by [keys,] weekday and hour of screening."""
    hour = (Redemption.minute_of_day // 60).label("hour")
    return (
        select(
            *keys,
            Redemption.weekday.label("weekday"),
            hour,
            func.count().label("redemptions"),
            func.sum(Redemption.tickets).label("tickets"),
        )
        .join(Customer, Customer.customer_id == Redemption.customer_id)
        .where(year_to_date(as_of), *customers_at(as_of, scope))
        .group_by(*keys, Redemption.weekday, hour)
        .order_by(*keys, Redemption.weekday, hour)
    )


# --- §5 honeymoon ----------------------------------------------------------------------


def wave_touched(wave: Wave, as_of: date) -> ColumnElement[bool]:
    """A touch for the wave exists, dated on or before the as-of date."""
    return exists().where(Touch.customer_id == Customer.customer_id, Touch.wave == wave.wave, Touch.touched_on <= as_of)


def wave_bit(wave: Wave) -> int:
    """The bit of a wave in customer_fact.waves_done."""
    return 1 << wave.wave


def fact_wave_done(wave: Wave, rows: Any = CustomerFact) -> ColumnElement[bool]:
    """The wave is done by the `waves_done` bits of `rows` (customer_fact, or a month-end's
    new customers in month_end_list)."""
    return rows.waves_done.op("&")(wave_bit(wave)) != 0


def in_window(as_of: date, rules: Rules, opened_on: Any = Customer.opened_on) -> ColumnElement[bool]:
    """In honeymoon: 0 <= as_of - opened_on <= honeymoon.days."""
    return opened_on.between(days_before(as_of, rules.honeymoon.days), as_of)


def cohort_first_day(as_of: date, rules: Rules) -> date:
    """The first opening date of the cohorts shown at the as-of date."""
    return first_day(add_months(month_of(as_of), -(rules.honeymoon.cohort_months - 1)))


def _day_target_months(first: date, last: date, as_of: date, days: int) -> list[tuple[date, date, str]]:
    """For opening dates first..last: the basis month of min(opened_on + days, as_of),
    as contiguous (from, to, month) ranges."""
    out: list[tuple[date, date, str]] = []
    d = first
    while d <= last:
        m = basis_month(min(d + timedelta(days=days), as_of))
        if out and out[-1][2] == m:
            out[-1] = (out[-1][0], d, m)
        else:
            out.append((d, d, m))
        d += timedelta(days=1)
    return out


def cohort_conditions(
    as_of: date, rules: Rules
) -> tuple[Any, ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """(AUM alias, its join condition, deep by day n, V1+ at day n) for a customer of the cohorts."""
    h = rules.honeymoon
    ranges = _day_target_months(cohort_first_day(as_of, rules), as_of, as_of, h.days)
    target_month = case(
        *[(Customer.opened_on.between(lo, hi), literal(m)) for lo, hi, m in ranges], else_=literal(None)
    )
    a = aum_join("day_n")
    products_by_day_n = (
        select(func.count())
        .where(
            Product.customer_id == Customer.customer_id,
            Product.opened_on <= add_days(Customer.opened_on, h.days),
            Product.opened_on <= as_of,
        )
        .scalar_subquery()
    )
    join = and_(a.customer_id == Customer.customer_id, a.month == target_month)
    return a, join, products_by_day_n >= h.cohort_min_products, aum_value(a) >= rules.tiers[1].lower_bound
