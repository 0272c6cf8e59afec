"""The materialised facts' tables (custdash/facts.py, custdash/month_ends.py).

Written with each load, for the extract date and the rules in force, and after it for the
last month-ends (meta: facts_as_of, facts_rules, facts_rollup_dates, facts_list_dates,
facts_heatmap_dates). Queries read them when the as-of date and the rules match and compute
live otherwise, so they are a cache with one source of truth: tests compare both paths on
every view. custdash.models imports them: every table is importable from there.
"""

from __future__ import annotations

from datetime import date

from pydantic import NaiveDatetime
from sqlmodel import Field, Index, SQLModel


class CustomerFact(SQLModel, table=True):
    """One row per customer: every per-customer figure a view needs at the facts' as-of date."""

    __tablename__ = "customer_fact"
    __table_args__ = (
        # Covering the near-threshold list (AUM ranges plus the columns it shows): read from the
        # index alone, its 90,000 rows at 1M customers are not 90,000 random table reads.
        Index("ix_fact_aum", "basis_aum", "tier", "customer_id", "name", "phone", "branch_id", "manager_id"),
        Index("ix_fact_scope_aum", "branch_id", "manager_id", "basis_aum"),
        # With what the cohort table sums and what the honeymoon screens filter and order by:
        # those read their customers from the index alone (queries/honeymoon.py).
        Index(
            "ix_fact_opened",
            "opened_on",
            "opened_month",
            "waves_done",
            "deep_by_day_n",
            "v1_plus_at_day_n",
            "honeymoon_due",
            "honeymoon_overdue",
            "customer_id",
        ),
        # The last activity too: the dormant chart by months since then reads the index alone;
        # and every column of the list: the whole list (a download, 156,000 rows at 1M) is read
        # from the index alone, not by a table read per row.
        Index(
            "ix_fact_dormant",
            "dormant",
            "peak_aum_12m",
            "last_activity_at",
            "customer_id",
            "name",
            "phone",
            "branch_id",
            "manager_id",
            "dormant_cards",
            "never_used",
            "card_balance",
        ),
        Index("ix_fact_remaining", "remaining"),
    )
    customer_id: str = Field(primary_key=True, max_length=64)
    # Copied from customer: the call lists read this table alone (a join back to customer
    # for 150,000 rows cost more than the whole rest of the list).
    name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    branch_id: str = Field(max_length=64)
    manager_id: str | None = Field(default=None, max_length=64)
    opened_on: date
    opened_month: str = Field(max_length=7)
    alliance_channel: bool
    basis_aum: float
    tier: str = Field(max_length=16)
    prev_tier: str = Field(max_length=16)
    near_threshold: bool  # with the rules' default band
    peak_aum_12m: float
    active_cards: int
    dormant_cards: int
    last_activity_at: NaiveDatetime | None = None  # on an active card
    never_used: bool  # no activity on any card, ever (on or before the as-of date)
    card_balance: float
    dormant: bool
    entitled: int
    free_used_ytd: int
    remaining: int
    peak_redemptions: int
    off_peak_redemptions: int
    peak_tickets: int
    off_peak_tickets: int
    subsidy: float
    segment_redemptions: int  # in the trailing segment window
    segment: str | None = Field(default=None, max_length=16)  # family | film_lover | other | None
    in_honeymoon: bool
    waves_done: int  # bit w set when wave w is done
    honeymoon_due: bool
    honeymoon_overdue: bool
    deep_by_day_n: bool | None = None  # cohort customers only
    v1_plus_at_day_n: bool | None = None  # cohort customers only
    # §6 churn warning and downgrade risk (expressions_timing.churn_*, downgrade_*).
    outflows: int  # outgoing transfers to other banks in the churn window
    outflow_total: float
    earlier_aum: float  # avg daily AUM aum_drop_months before the basis month
    churn_outflow: bool
    churn_aum_drop: bool
    end_aum: float | None = None  # of the basis month
    downgrade: bool


class FactRollup(SQLModel, table=True):
    """Customer facts summed by branch x manager x tier x previous tier x segment x channel,
    for the facts' as-of date, the same day a month earlier (the overview's deltas) and the
    last month-ends (custdash/month_ends.py)."""

    __tablename__ = "fact_rollup"
    __table_args__ = (Index("ix_rollup_scope", "as_of", "branch_id", "manager_id"),)
    id: int | None = Field(default=None, primary_key=True)
    as_of: date
    branch_id: str = Field(max_length=64)
    manager_id: str | None = Field(default=None, max_length=64)
    tier: str = Field(max_length=16)
    prev_tier: str = Field(max_length=16)
    segment: str | None = Field(default=None, max_length=16)
    alliance_channel: bool
    customers: int
    aum: float
    peak_redemptions: int
    off_peak_redemptions: int
    peak_tickets: int
    off_peak_tickets: int
    free_used: int
    entitled: int  # free tickets a year (households.share_entitlement: the household's tier's)
    subsidy: float
    segment_redemptions: int
    threshold: int
    dormant: int
    in_honeymoon: int
    honeymoon_due: int
    honeymoon_overdue: int
    unused: int
    churn: int
    downgrade: int


class RedemptionRollup(SQLModel, table=True):
    """Year-to-date redemptions by branch x manager x weekday x hour at the facts' as-of date
    and the last month-ends."""

    __tablename__ = "redemption_rollup"
    __table_args__ = (Index("ix_redemption_rollup_scope", "as_of", "branch_id", "manager_id"),)
    id: int | None = Field(default=None, primary_key=True)
    as_of: date
    branch_id: str = Field(max_length=64)
    manager_id: str | None = Field(default=None, max_length=64)
    weekday: int
    hour: int
    redemptions: int
    tickets: int


class CardDormancy(SQLModel, table=True):
    """When each card is dormant (docs/RULES.md §3), as periods of as-of dates: the card is
    dormant at D exactly when D lies in one of its periods, dormant_from <= D < dormant_until
    (NULL: to the extract date). A period follows each activity (last_at) by the rules'
    dormant days and lasts until the next activity; one follows the opening of a card never
    used (last_at NULL) until its first activity. Only non-empty periods are kept.

    Any as-of date then reads a few hundred thousand periods at a million customers instead of
    every transaction up to that date (docs/PERFORMANCE.md, "any as-of date")."""

    __tablename__ = "card_dormancy"
    __table_args__ = (
        # Both cover what the dormant list reads (with customer_id, last_at): looking each
        # period up in the table took a third of the bank's dormant count at 1M.
        Index("ix_dormancy_from", "dormant_from", "dormant_until", "card_id", "last_at", "customer_id"),
        Index("ix_dormancy_customer", "customer_id", "dormant_from", "dormant_until", "card_id", "last_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    card_id: str = Field(max_length=64)
    customer_id: str = Field(max_length=64)
    dormant_from: date
    dormant_until: date | None = None
    last_at: NaiveDatetime | None = None


class MonthEndList(SQLModel, table=True):
    """Who is on each call list at each of the last month-ends, as the rules alone find them
    (custdash/month_ends.py): the overview counts a month-end's lists from here, with the
    contact log applied, instead of computing every list live. The dormant, unused-ticket,
    churn and downgrade lists also keep the columns of each row that only that date knows
    (each list's MonthEndRows.columns; NULL elsewhere), and the new customers (lists.honeymoon)
    their honeymoon and cohort figures: those screens, charts and downloads at a month-end
    read them from here."""

    __tablename__ = "month_end_list"
    # Covering: a scope's count, and the charts over the lists that keep their rows (the dormant
    # by peak tier and by months, churn reasons, downgrade by tier), read one range of the index alone.
    __table_args__ = (
        Index(
            "ix_month_end_list",
            "as_of",
            "list_name",
            "branch_id",
            "manager_id",
            "customer_id",
            "peak_aum_12m",
            "last_at",
            "tier",
            "shortfall",
            "outflow",
            "aum_drop",
        ),
        # The new customers' rows as ix_fact_opened holds them at the extract date: the whole
        # bank's honeymoon window (about 30,000 of a month-end's 107,000 new customers at 1M)
        # and its cohorts are read from this index alone, not by a table read per row.
        Index(
            "ix_month_end_opened",
            "as_of",
            "list_name",
            "opened_on",
            "opened_month",
            "waves_done",
            "deep_by_day_n",
            "v1_plus_at_day_n",
            "customer_id",
            "branch_id",
            "manager_id",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    as_of: date
    list_name: str = Field(max_length=16)  # a list_sizes key
    customer_id: str = Field(max_length=64)
    branch_id: str = Field(max_length=64)
    manager_id: str | None = Field(default=None, max_length=64)
    # The dormant list's row (queries/dormant.py).
    dormant_cards: int | None = None
    last_at: NaiveDatetime | None = None
    never_used: bool | None = None
    balance: float | None = None
    peak_aum_12m: float | None = None
    # The unused-ticket list's row (queries/alliance.py), with the tier the other lists share.
    tier: str | None = Field(default=None, max_length=16)
    entitled: int | None = None
    free_used_ytd: int | None = None
    # The churn list's row (queries/churn.py), with the AUM the downgrade list shares.
    outflows: int | None = None
    outflow_total: float | None = None
    earlier_aum: float | None = None
    aum: float | None = None
    outflow: bool | None = None
    aum_drop: bool | None = None
    # The downgrade list's row (queries/downgrade.py).
    end_aum: float | None = None
    shortfall: float | None = None
    # The new customers' rows (lists.honeymoon.NEW_CUSTOMERS: the honeymoon screens and the cohorts,
    # queries/honeymoon.py), as customer_fact holds them.
    opened_on: date | None = None
    opened_month: str | None = Field(default=None, max_length=7)
    waves_done: int | None = None
    deep_by_day_n: bool | None = None
    v1_plus_at_day_n: bool | None = None


class HouseholdFact(SQLModel, table=True):
    """One row per household shown at an as-of date (DOMAIN.md §8: a head opened by then and 2 or
    more members), written for the extract date and the last month-ends (custdash/households.py):
    the household page, its list and the summary read these rows at those dates. The person
    columns are the head's, through whom the household is called and scoped."""

    __tablename__ = "household_fact"
    __table_args__ = (
        Index("ix_household_fact_aum", "as_of", "household_aum", "household_id"),
        Index("ix_household_fact_scope", "as_of", "branch_id", "manager_id", "household_aum"),
    )
    id: int | None = Field(default=None, primary_key=True)
    as_of: date
    household_id: str = Field(max_length=64)
    customer_id: str = Field(max_length=64)  # the head
    name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    branch_id: str = Field(max_length=64)
    manager_id: str | None = Field(default=None, max_length=64)
    members: int
    household_aum: float
    household_tier: str = Field(max_length=16)
    top_tier: str = Field(max_length=16)  # the highest member's own tier
    top_member: str = Field(max_length=64)  # the member with the highest basis AUM (ties: lowest id)
    top_aum: float
