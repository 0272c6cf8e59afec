"""All tables of the store, in one place.

Times are local branch time without a zone (DATA_FORMAT.md), hence NaiveDatetime.

The first block mirrors the import contract (`../shared/DATA_FORMAT.md`) column for
column. Columns marked *derived* are not in the extract: the importer fills them
from the row itself (never from rules), so they stay valid whatever the rules say:

- `customer.opened_month` — "YYYY-MM" of opened_on, for cohorts.
- `customer.birth_md` — "MM-DD" of birth_date, so the birthday list is plain portable SQL
  (and indexed).
- `card.last_activity_at` — the time of the card's latest activity transaction in the
  whole extract (kinds outside `dormant.non_activity_kinds` of the rules in force at
  import; `meta.activity_excludes` records which). Queries use it for as-of dates on or
  after the extract date and compute it live for earlier ones.
- `card.first_activity_at` — likewise the card's earliest activity (a card is "never used"
  at an earlier date exactly when it is after that date).
- `redemption.screen_date`, `.weekday` (0 = Monday), `.minute_of_day`, `.month_day`
  ("MM-DD") — the screening time split so the peak rule is plain portable SQL.
"""

from __future__ import annotations

from datetime import date

from pydantic import NaiveDatetime
from sqlalchemy import text
from sqlmodel import Field, Index, SQLModel

# The materialised facts' tables, in a module of their own (this one holds the rest).
from custdash.models_facts import (
    CardDormancy,
    CustomerFact,
    FactRollup,
    HouseholdFact,
    MonthEndList,
    RedemptionRollup,
)

SCHEMA_VERSION = 15
# Users and the audit trail live in their own schema: on SQLite an attached file beside the
# store (see db.auth_path), so logins and audit writes never wait for an import's write lock.
AUTH_SCHEMA = "auth"


class Meta(SQLModel, table=True):
    __tablename__ = "meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=512)


class Branch(SQLModel, table=True):
    __tablename__ = "branch"
    branch_id: str = Field(primary_key=True, max_length=64)
    branch_name: str = Field(max_length=200)
    city: str | None = Field(default=None, max_length=100)


class Manager(SQLModel, table=True):
    __tablename__ = "manager"
    manager_id: str = Field(primary_key=True, max_length=64)
    branch_id: str = Field(foreign_key="branch.branch_id", index=True, max_length=64)
    manager_name: str = Field(max_length=200)


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_branch_manager", "branch_id", "manager_id"),
        Index("ix_customer_opened_on", "opened_on"),
        Index("ix_customer_manager", "manager_id"),
        Index("ix_customer_birth_md", "birth_md"),
        {"sqlite_with_rowid": False},
    )
    customer_id: str = Field(primary_key=True, max_length=64)
    branch_id: str = Field(foreign_key="branch.branch_id", max_length=64)
    manager_id: str | None = Field(default=None, foreign_key="manager.manager_id", max_length=64)
    name: str = Field(max_length=200)
    gender: str | None = Field(default=None, max_length=1)
    birth_date: date | None = None
    phone: str | None = Field(default=None, max_length=40)
    opened_on: date
    channel: str = Field(max_length=32)
    opened_month: str = Field(max_length=7)  # derived
    birth_md: str | None = Field(default=None, max_length=5)  # derived


class HouseholdMember(SQLModel, table=True):
    """households.csv: a customer's household and their place in it (DOMAIN.md §8). A customer is
    in at most one household (the key); each household has exactly one `head` (checked at import)."""

    __tablename__ = "household_member"
    # A household's members (its AUM, the customer page), and the heads of a scope's households.
    __table_args__ = (
        Index("ix_household_members", "household_id", "relation", "customer_id"),
        {"sqlite_with_rowid": False},
    )
    household_id: str = Field(max_length=64)
    customer_id: str = Field(foreign_key="customer.customer_id", primary_key=True, max_length=64)
    relation: str = Field(max_length=16)  # head | spouse | child | parent | other


# Every secondary index serves a view's or the importer's query plan; each costs import time
# (at a million customers a month-and-AUM index on aum_monthly took 13-19 s to build and one
# on txn.ts 10-14 s, for no query that used them: they were dropped).


class AumMonthly(SQLModel, table=True):
    __tablename__ = "aum_monthly"
    # A month's customers by AUM: a whole-bank list whose rule needs an AUM of at least some
    # bound (near threshold, downgrade, unused tickets, churn by AUM) looks up only those
    # customers instead of every one (expressions.aum_at_least; docs/PERFORMANCE.md).
    __table_args__ = (Index("ix_aum_month_value", "month", "avg_daily_aum"), {"sqlite_with_rowid": False})
    customer_id: str = Field(foreign_key="customer.customer_id", primary_key=True, max_length=64)
    month: str = Field(primary_key=True, max_length=7)
    avg_daily_aum: float
    end_aum: float | None = None


class Card(SQLModel, table=True):
    __tablename__ = "card"
    # Covers what the card facts read (dormancy, balance, never used), so a customer's cards
    # are never looked up in the table: about 0.3 s of the bank's dormant list at 1M, for
    # about 2 s more per 1M import (the derived first_activity_at is updated in it).
    __table_args__ = (
        Index("ix_card_customer_status", "customer_id", "status", "opened_on", "balance", "first_activity_at"),
        {"sqlite_with_rowid": False},
    )
    card_id: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(foreign_key="customer.customer_id", max_length=64)
    opened_on: date
    status: str = Field(max_length=16)
    balance: float
    last_activity_at: NaiveDatetime | None = None  # derived
    first_activity_at: NaiveDatetime | None = None  # derived


# An outgoing transfer to another bank (DOMAIN.md §6, churn): the partial index below holds
# only these rows, and a query can use it only when its own conditions spell out the same
# constants (expressions_timing.is_outflow), not as bound parameters.
OUTFLOW = {"direction": "out", "kind": "transfer", "counterparty": "other_bank"}
_OUTFLOW_SQL = " AND ".join(f"{k} = '{v}'" for k, v in OUTFLOW.items())  # constants above, not input


class Txn(SQLModel, table=True):
    __tablename__ = "txn"
    __table_args__ = (
        Index("ix_txn_card_ts", "card_id", "ts"),
        # The churn window's outflows for the whole bank at any date: about 4% of the
        # transactions, in time order with the columns the window's sums need (a 90-day
        # window read every card's transactions before: about 10 s at a million customers).
        # The three constant columns make it covering: without them SQLite looked each row up
        # in the table to re-check them (0.42 s against 0.10 s for 90 days at 1M).
        Index(
            "ix_txn_outflow",
            "ts",
            "card_id",
            "amount",
            *OUTFLOW,
            sqlite_where=text(_OUTFLOW_SQL),
            postgresql_where=text(_OUTFLOW_SQL),
        ),
        # The same rows by card, for a branch's or a manager's churn window: only its cards'
        # outflows (through ix_txn_card_ts each of their transactions was read from the table
        # to test it: 0.28 s against 0.16 s for a branch at 1M; 1.5 s to build).
        Index(
            "ix_txn_outflow_card",
            "card_id",
            "ts",
            "amount",
            *OUTFLOW,
            sqlite_where=text(_OUTFLOW_SQL),
            postgresql_where=text(_OUTFLOW_SQL),
        ),
        {"sqlite_with_rowid": False},
    )
    txn_id: str = Field(primary_key=True, max_length=64)
    card_id: str = Field(foreign_key="card.card_id", max_length=64)
    ts: NaiveDatetime
    amount: float
    direction: str = Field(max_length=3)
    kind: str = Field(max_length=16)
    counterparty: str | None = Field(default=None, max_length=16)


class Product(SQLModel, table=True):
    __tablename__ = "product"
    __table_args__ = (
        # With the product and its maturity, a scope's maturity count reads the index alone.
        Index("ix_product_customer", "customer_id", "opened_on", "product", "matures_on"),
        # The maturity list reads the next 30 days' maturities, and 回检 the last 90 days'.
        Index("ix_product_matures", "matures_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customer.customer_id", max_length=64)
    product: str = Field(max_length=32)
    opened_on: date
    matures_on: date | None = None
    amount: float | None = None


class CustomerTag(SQLModel, table=True):
    """customer_tags.csv: free-text tags of a customer, each once (`migrant_worker` marks the 213N
    campaign's targets, DOMAIN.md §10; the behaviour matrix's `migrant` class, §9)."""

    __tablename__ = "customer_tag"
    # The customers of one tag (a campaign's targets) read this index alone.
    __table_args__ = (Index("ix_customer_tag_tag", "tag", "customer_id"), {"sqlite_with_rowid": False})
    customer_id: str = Field(foreign_key="customer.customer_id", primary_key=True, max_length=64)
    tag: str = Field(primary_key=True, max_length=40)


class ChannelMonthly(SQLModel, table=True):
    """channel_monthly.csv: a customer's mobile-banking logins in a month (DOMAIN.md §9, the
    contribution grade's channel activity)."""

    __tablename__ = "channel_monthly"
    __table_args__ = ({"sqlite_with_rowid": False},)
    customer_id: str = Field(foreign_key="customer.customer_id", primary_key=True, max_length=64)
    month: str = Field(primary_key=True, max_length=7)
    mobile_logins: int


class Touch(SQLModel, table=True):
    __tablename__ = "touch"
    __table_args__ = (Index("ix_touch_customer_wave", "customer_id", "wave", "touched_on"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customer.customer_id", max_length=64)
    wave: int
    touched_on: date
    channel: str = Field(max_length=16)
    outcome: str | None = Field(default=None, max_length=16)


class Redemption(SQLModel, table=True):
    __tablename__ = "redemption"
    __table_args__ = (
        Index("ix_redemption_date", "screen_date"),
        # Covers every column the per-customer sums read (year to date, segment window, free
        # tickets), so the whole bank's sums are one read of this index in customer order
        # (expressions.per_customer) rather than a lookup of each redemption in the table.
        Index(
            "ix_redemption_customer_date",
            "customer_id",
            "screen_date",
            "weekday",
            "minute_of_day",
            "month_day",
            "tickets",
            "child_tickets",
            "free_tickets",
            "list_price_total",
            "paid_total",
        ),
        {"sqlite_with_rowid": False},
    )
    redemption_id: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(foreign_key="customer.customer_id", max_length=64)
    partner: str = Field(max_length=100)
    ts: NaiveDatetime
    tickets: int
    child_tickets: int
    list_price_total: float
    paid_total: float
    free_tickets: int
    screen_date: date  # derived
    weekday: int  # derived, 0 = Monday
    minute_of_day: int  # derived
    month_day: str = Field(max_length=5)  # derived, "MM-DD"


class DemoUser(SQLModel, table=True):
    """The demo accounts a demo store created (by name): only these are ever reset by the demo
    generator, shown on the login page, and removed by the first import of real data."""

    __tablename__ = "demo_user"
    __table_args__ = {"schema": AUTH_SCHEMA}
    username: str = Field(primary_key=True, max_length=64)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per key ("pair:<user digest>:<client>", "client:<addr>", "user:<digest>"),
    in a window; a key over its limit is refused until `locked_until`. User names are kept as
    digests: a password typed into the name field must not be stored."""

    __tablename__ = "login_throttle"
    __table_args__ = {"schema": AUTH_SCHEMA}
    key: str = Field(primary_key=True, max_length=160)
    failures: int = 0
    window_start: NaiveDatetime
    locked_until: NaiveDatetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in browser: the digest of the random id its HttpOnly cookie holds (never the id
    itself), whose it is, and when it was last used. Ended by sign-out or idle expiry; every
    server of a bank-wide deployment reads the same rows."""

    __tablename__ = "web_session"
    __table_args__ = {"schema": AUTH_SCHEMA}
    id_digest: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=64)
    created_at: NaiveDatetime
    last_seen: NaiveDatetime
    ended_at: NaiveDatetime | None = None
    end_reason: str | None = Field(default=None, max_length=16)  # logout | expired | disabled | replaced


class User(SQLModel, table=True):
    """A dashboard user. Not part of an extract: imports leave users alone. No foreign keys
    to branch/manager for the same reason (a new extract may drop a branch)."""

    __tablename__ = "app_user"
    __table_args__ = {"schema": AUTH_SCHEMA}
    username: str = Field(primary_key=True, max_length=64)
    password_hash: str = Field(max_length=256)
    role: str = Field(max_length=16)  # admin | head | manager
    branch_id: str | None = Field(default=None, max_length=64)
    manager_id: str | None = Field(default=None, max_length=64)
    disabled: bool = False
    failed_logins: int = 0
    locked_until: NaiveDatetime | None = None
    created_at: NaiveDatetime


class AuditEvent(SQLModel, table=True):
    """Append-only (triggers refuse UPDATE and DELETE, and TRUNCATE on PostgreSQL): logins and exports."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_branch_at", "branch_id", "at"), {"schema": AUTH_SCHEMA})
    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime  # UTC
    username: str = Field(max_length=64)
    event: str = Field(max_length=32)  # login_ok | login_failed | login_locked | logout | export
    branch_id: str | None = Field(default=None, max_length=64)  # the viewer's branch, for heads' audit view
    list_name: str | None = Field(default=None, max_length=32)
    filters: str | None = Field(default=None, max_length=1000)  # JSON
    rows: int | None = None


class ContactLog(SQLModel, table=True):
    """A contact a manager or head logged for a customer (DOMAIN.md §7): the bank's own record,
    beside users and audit, so no import touches it. Append-only like the audit trail: a
    correction is a new row (the latest row for a customer and list wins)."""

    __tablename__ = "contact_log"
    __table_args__ = (
        # A customer's latest contact for a list, and their do-not-contact: looked up per list row.
        Index("ix_contact_customer", "customer_id", "list_name", "contacted_on"),
        # Whether any contact for some lists counts at a date (the honeymoon waves' check).
        Index("ix_contact_list", "list_name", "contacted_on"),
        Index("ix_contact_on", "contacted_on", "branch_id", "manager_id"),
        {"schema": AUTH_SCHEMA},
    )
    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime  # UTC, set by the system
    username: str = Field(max_length=64)  # who logged it, set by the system
    customer_id: str = Field(max_length=64)
    # The customer's branch and manager when the contact was logged: the 回检 page's grouping,
    # and what a head's or manager's view of the log is filtered by.
    branch_id: str = Field(max_length=64)
    manager_id: str | None = Field(default=None, max_length=64)
    list_name: str = Field(max_length=32)  # lists.contact_names(rules)
    channel: str = Field(max_length=16)  # contact_log.CHANNELS
    outcome: str = Field(max_length=16)  # contact_log.OUTCOMES
    note: str | None = Field(default=None, max_length=200)
    contacted_on: date  # the day of the contact (today unless given)
    follow_up_on: date | None = None
    # Logged on demo data (by the generator or anyone trying the demo): the only rows that may
    # be deleted, and they are, when a bank's own data is first loaded (auth.remove_demo_users),
    # so no made-up contact ever gives a real customer a status.
    demo: bool = False


# Load order: every table after the tables it references.
DATA_TABLES = [
    Branch,
    Manager,
    Customer,
    HouseholdMember,
    AumMonthly,
    Card,
    Txn,
    Product,
    Touch,
    Redemption,
    CustomerTag,
    ChannelMonthly,
]
FACT_TABLES = [CustomerFact, FactRollup, RedemptionRollup, CardDormancy, MonthEndList, HouseholdFact]
# Users, the audit trail and what protects sign-in: the bank's own records, untouched by imports.
AUTH_TABLES = [User, AuditEvent, DemoUser, LoginThrottle, WebSession, ContactLog]
