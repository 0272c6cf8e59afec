"""Where a question at an as-of date is answered from: the one place that picks the source.

Three sources hold the same answers (tests/test_facts.py and tests/test_month_ends.py compare
them on every view):

- the facts at the extract date (`customer_fact`, one row per customer; custdash/facts.py);
- what was written for a few other dates after the load: the rollup (`fact_rollup`, also a
  month earlier and the last month-ends), the heatmap (`redemption_rollup`) and the lists'
  rows at the last month-ends (`month_end_list`; custdash/month_ends.py);
- live SQL over the extract's own tables, for any date.

`source(session, as_of=, rules=)` reads the store's meta once and says which of them hold
`as_of` under `rules` (a source built with other rules holds nothing: the facts can be stale
only in speed, never in content). It is remembered for the session's transaction, so one
request reads the meta table once however many views it draws.

A call list writes its SQL once per source (`Rows`: the facts, the month-end rows, live) and
`Rows.select` takes the one the source allows; no list asks the meta table itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import Connection, Select, Subquery, event, select
from sqlalchemy.orm import Session

from custdash.models import Customer, Meta, MonthEndList
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.statements import only_columns

# Meta keys the loader writes (custdash/facts.py, custdash/month_ends.py).
AS_OF_KEY = "facts_as_of"
RULES_KEY = "facts_rules"
ROLLUP_DATES_KEY = "facts_rollup_dates"
HEATMAP_DATES_KEY = "facts_heatmap_dates"
LIST_DATES_KEY = "facts_list_dates"
HAS_END_AUM = "has_end_aum"
HAS_MATURITY_DATES = "has_maturity_dates"
HAS_HOUSEHOLDS = "has_households"
HAS_LOGINS = "has_logins"
# The extract's own date and the activity kinds its cards' last activity was stored under.
EXTRACT_AS_OF_KEY = "as_of"
ACTIVITY_EXCLUDES_KEY = "activity_excludes"
_KEYS = (
    RULES_KEY,
    AS_OF_KEY,
    ROLLUP_DATES_KEY,
    HEATMAP_DATES_KEY,
    LIST_DATES_KEY,
    EXTRACT_AS_OF_KEY,
    ACTIVITY_EXCLUDES_KEY,
)

# Set `session.info[LIVE] = True` to make every view compute live (tests, benchmarks, and the
# month-ends, which are written from the live statements by construction).
LIVE = "custdash_live"
# Set `session.info[SCAN] = True` to compute dormancy from the transactions even where the
# dormancy periods could answer (tests compare both).
SCAN = "custdash_scan"
_MEMO = "custdash_source"

# The month-end rows of the customers opened in the cohorts' months or the honeymoon's days
# before a month-end: the honeymoon screens and the cohort table read them.
NEW_CUSTOMERS = "new_customers"

RowsFrom = Literal["facts", "month_end", "live"]
# Where card activity at the as-of date is read from: "stored", the card's own last activity
# (card.last_activity_at) at the extract date; "periods", the dormancy periods (card_dormancy)
# at an earlier date; "scan", the transactions up to the date, when either was built under
# other rules (other activity kinds or dormant days) than those in force.
Activity = Literal["stored", "periods", "scan"]


@dataclass(frozen=True)
class Source:
    """Which sources hold an as-of date under the rules."""

    facts: bool = False  # customer_fact (the extract date)
    rollup: bool = False  # fact_rollup
    heatmap: bool = False  # redemption_rollup
    month_end: bool = False  # month_end_list
    activity: Activity = "scan"  # card activity (dormancy)

    @property
    def rows(self) -> RowsFrom:
        """Where a list's rows come from."""
        return "facts" if self.facts else "month_end" if self.month_end else "live"


def source(session: Session | Connection, *, as_of: date, rules: Rules) -> Source:
    """The sources that hold `as_of` under `rules` (none of the loader's with `session.info[LIVE]`)."""
    memo = session.info.setdefault(_MEMO, {}) if isinstance(session, Session) else {}
    key = (as_of, rules.fingerprint, bool(session.info.get(LIVE)), bool(session.info.get(SCAN)))
    if key not in memo:
        meta = dict(session.execute(select(Meta.key, Meta.value).where(Meta.key.in_(_KEYS))).all())
        memo[key] = _pick(meta, as_of=as_of, rules=rules, live=key[2], scan=key[3])
    return memo[key]


def _pick(meta: dict[str, str], *, as_of: date, rules: Rules, live: bool, scan: bool) -> Source:
    day = as_of.isoformat()
    same_rules = bool(rules.fingerprint) and meta.get(RULES_KEY) == rules.fingerprint
    extract = meta.get(EXTRACT_AS_OF_KEY)
    activity: Activity = "scan"
    if extract is not None and meta.get(ACTIVITY_EXCLUDES_KEY) == ",".join(sorted(rules.dormant.non_activity_kinds)):
        if extract == day:
            activity = "stored"
        elif day < extract and same_rules and not scan:
            activity = "periods"
    if live or not same_rules:
        return Source(activity=activity)

    def holds(k: str) -> bool:
        return day in meta.get(k, "").split(",")

    return Source(
        facts=meta.get(AS_OF_KEY) == day,
        rollup=holds(ROLLUP_DATES_KEY),
        heatmap=holds(HEATMAP_DATES_KEY),
        month_end=holds(LIST_DATES_KEY),
        activity=activity,
    )


def forget(session: Session) -> None:
    """Drop what `source` remembered (the meta was written in this session)."""
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction: Any) -> None:
    # Another transaction may see another load: ask again.
    if transaction.parent is None:
        forget(session)


def extract_has(session: Session, key: str) -> bool:
    """Did the load find the optional column behind `key` (HAS_END_AUM, HAS_MATURITY_DATES)?"""
    return session.execute(select(Meta.value).where(Meta.key == key)).scalar() == "1"


@dataclass(frozen=True)
class MonthEndRows:
    """A list kept at the last month-ends in `month_end_list` under `name`: who is on it (the
    overview's counts), and with `columns` (those of its SELECT only that date knows; name
    and phone are joined from `customer`) its rows, which its screens, charts and downloads
    then read. `order(m)`: the list's ORDER BY over those rows."""

    name: str
    columns: tuple[str, ...] | None = None
    order: Callable[[Any], Sequence[Any]] = lambda m: (m.customer_id,)

    @property
    def keeps_rows(self) -> bool:
        return self.columns is not None

    def where(self, *, as_of: date, scope: Scope) -> list[Any]:
        m = MonthEndList
        return [m.as_of == as_of, m.list_name == self.name, *scope.where(m)]

    def members(self, *, as_of: date, scope: Scope) -> Select[Any]:
        """The customer ids on the list at a month-end."""
        return select(MonthEndList.customer_id).where(*self.where(as_of=as_of, scope=scope))

    def rows(self, *, as_of: date, scope: Scope) -> Select[Any]:
        """The list's rows at a month-end, with the person columns of `customer`, in list order."""
        m = MonthEndList
        # An outer join on customer's key: a chart over these rows, which uses neither name nor
        # phone, reads no customer row at all (SQLite and PostgreSQL both drop such a join).
        return (
            select(
                m.customer_id,
                Customer.name,
                Customer.phone,
                m.branch_id,
                m.manager_id,
                *[getattr(m, c) for c in self.columns or ()],
            )
            .select_from(m)
            .outerjoin(Customer, Customer.customer_id == m.customer_id)
            .where(*self.where(as_of=as_of, scope=scope))
            .order_by(*self.order(m))
        )


@dataclass(frozen=True)
class Rows:
    """A call list's rows, written once per source: `live(session, *, as_of, rules, scope,
    **extra)` for any date; `facts(*, as_of, rules, scope, **extra)` over customer_fact at the
    extract date; `month_end` at the last month-ends. Each is an ordered SELECT with the same
    columns; `select` takes the one `source` allows."""

    live: Callable[..., Select[Any]]
    facts: Callable[..., Select[Any]] | None = None
    month_end: MonthEndRows | None = None

    def rows_from(self, session: Session, *, as_of: date, rules: Rules, **extra: Any) -> RowsFrom:
        where = source(session, as_of=as_of, rules=rules).rows
        if where == "facts" and self.facts is not None:
            return "facts"
        # The month-end rows hold the rules' own list: another option (a band) is computed.
        if where == "month_end" and self.month_end is not None and self.month_end.keeps_rows and not extra:
            return "month_end"
        return "live"

    def select(self, session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL, **extra: Any) -> Select[Any]:
        where = self.rows_from(session, as_of=as_of, rules=rules, **extra)
        if where == "facts" and self.facts is not None:
            return self.facts(as_of=as_of, rules=rules, scope=scope, **extra)
        if where == "month_end" and self.month_end is not None:
            return self.month_end.rows(as_of=as_of, scope=scope)
        return self.live(session, as_of=as_of, rules=rules, scope=scope, **extra)

    def chart_rows(
        self, session: Session, *, as_of: date, rules: Rules, scope: Scope, columns: Sequence[str]
    ) -> Subquery:
        """The rows a chart over the list groups, with only `columns`: at a month-end whose rows
        were written those rows alone, from the covering index; else the list's own statement
        reduced to them. Not the month-end's list statement: SQLite keeps its outer join to
        customer inside an aggregate, a customer row read for each of the bank's 150,000
        dormant rows at 1M."""
        if self.rows_from(session, as_of=as_of, rules=rules) == "month_end" and self.month_end is not None:
            m = MonthEndList
            stmt = select(*[getattr(m, c) for c in columns]).where(*self.month_end.where(as_of=as_of, scope=scope))
        else:
            stmt = only_columns(self.select(session, as_of=as_of, rules=rules, scope=scope), *columns)
        return stmt.subquery("list_rows")

    def members(self, session: Session, *, as_of: date, rules: Rules, scope: Scope, **extra: Any) -> Select[Any]:
        """The customer ids on the list, unordered: at a month-end with the rules' own options
        the ids written after the load, else the list's SELECT reduced to them."""
        me = self.month_end
        if me is not None and not extra and source(session, as_of=as_of, rules=rules).month_end:
            return me.members(as_of=as_of, scope=scope)
        return only_columns(self.select(session, as_of=as_of, rules=rules, scope=scope, **extra), "customer_id")
