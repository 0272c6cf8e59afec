"""What the dashboard shows, as data: its pages, the views they read and the call lists
they offer. No Streamlit: the pages, the CLI, the tests and the benchmark all read this.

Adding a page takes one page file in pages/, one `PAGES` entry, the i18n keys
`page.<name>` (and what the page writes), and a query module in custdash/queries whose
functions are entered in `VIEWS` (and, for a call list, a module in custdash/lists); tests/test_layout.py
reads this registry and checks each part is there.

The call lists are declared one module each in custdash/lists (`LISTS`, re-exported here);
this module runs them: `list_select` lays the contact log over a list's SELECT, `call_list`
shapes its rows, `list_total` counts them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from custdash import contacts, myday, outcomes, summary
from custdash.grades import grade_of
from custdash.lists import LISTS, call_list_spec
from custdash.lists import overview_tiles as lists_overview_tiles
from custdash.lists.honeymoon import honeymoon_counts, shape_status, wave_status_select
from custdash.queries import (
    alliance,
    birthdays,
    churn,
    customer,
    dormant,
    downgrade,
    grades,
    honeymoon,
    household,
    maturity,
    threshold,
    tiers,
)
from custdash.rules import Rules
from custdash.scope import Scope
from custdash.statements import count_rows, frame

# The rows a list page shows; the downloads hold the whole list.
SCREEN_ROWS = 500


@dataclass(frozen=True)
class Page:
    """A page of the dashboard: its name (URL path, i18n key page.<name>), its file, and
    who may open it."""

    name: str
    path: str
    section: str  # its group in the navigation (i18n nav.<section>; "" = above the groups)
    roles: tuple[str, ...] = ("admin", "head", "manager")


# In navigation order, grouped (fourteen pages in one run were too many to scan).
# The analysis pages; each call list's page then follows in the lists' group, in registry
# order (a list page is its list's: custdash/lists), unless an analysis page shows the list.
_ANALYSIS = (
    Page("tiers", "pages/tiers.py", "analysis"),
    Page("grades", "pages/grades.py", "analysis"),
    Page("alliance", "pages/alliance.py", "analysis"),
)
PAGES: tuple[Page, ...] = (
    Page("overview", "pages/overview.py", ""),
    *_ANALYSIS,
    *[
        Page(page, f"pages/{page}.py", "lists")
        for page in dict.fromkeys(spec.page for spec in LISTS.values())
        if page not in {p.name for p in _ANALYSIS}
    ],
    Page("myday", "pages/myday.py", "work"),
    Page("customer", "pages/customer.py", "work"),
    Page("outcomes", "pages/outcomes.py", "work"),
    # The audit trail is for heads (their branch) and admins.
    Page("audit", "pages/audit.py", "work", roles=("admin", "head")),
)
PAGE = {p.name: p for p in PAGES}


def pages_for(role: str | None) -> list[Page]:
    """The pages a role sees in the navigation (all of them before sign-in: each page guards itself)."""
    return [p for p in PAGES if role is None or role in p.roles]


def overview_tiles() -> list[tuple[str, str, tuple[str, str] | None]]:
    """The overview's "Today" tiles, left to right: (list_sizes key, the page it opens, the
    page's control and value that filter its list to what the tile counts, or None)."""
    return [
        (key, page, next(((f"{page}_{option}", value) for option, value in where.items()), None))
        for key, page, where in lists_overview_tiles()
    ]


def list_select(
    name: str,
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    scope: Scope,
    status: tuple[str, ...] | None = None,
    **extra: Any,
) -> Any:
    """A call list as one ordered SELECT: its rows with each customer's status on it,
    do-not-contact customers left out, only `status` kept (all when None), `new` first."""
    spec = call_list_spec(name)
    inner = spec.select(session, as_of=as_of, rules=rules, scope=scope, **extra)
    return contacts.with_status(session, inner, as_of=as_of, rules=rules, key=spec.contact_key(rules), statuses=status)


def call_list(
    name: str, session: Session, *, as_of: date, rules: Rules, scope: Scope, limit: int | None = None, **extra: Any
) -> pd.DataFrame:
    """A whole call list (an export), or its first `limit` rows (the screen): the list's
    columns, then `contact_status` (contacts.STATUSES)."""
    spec = call_list_spec(name)
    status = extra.pop("status", None)
    stmt = list_select(name, session, as_of=as_of, rules=rules, scope=scope, status=status, **extra)
    df = frame(session, stmt.limit(limit))
    statuses = df["contact_status"].tolist()
    out = spec.shape(df, as_of=as_of, rules=rules, **extra)
    out["contact_status"] = statuses
    return out


def list_columns(name: str, rules: Rules) -> list[str]:
    """The columns `call_list` returns for a list, customer_id first."""
    return [*call_list_spec(name).columns(rules), "contact_status"]


def lists_of(
    session: Session, *, customer_id: str, branch_id: str, manager_id: str | None, as_of: date, rules: Rules
) -> dict[str, dict[str, Any]]:
    """Every call list the customer is on at `as_of` (under the rules' defaults), with their row
    on it: the figures behind the rule. Read within their manager's book (or branch), so a
    bank-wide list is never evaluated for one customer."""
    book = Scope(branch_id=branch_id, manager_id=manager_id)
    found: dict[str, dict[str, Any]] = {}
    for name, spec in LISTS.items():
        sub = list_select(name, session, as_of=as_of, rules=rules, scope=book).subquery("one")
        df = frame(session, select(sub).where(sub.c.customer_id == customer_id))
        if len(df):
            statuses = df["contact_status"].tolist()
            row = spec.shape(df, as_of=as_of, rules=rules).to_dict("records")[0]
            found[name] = {**row, "contact_status": statuses[0]}
    return found


def list_total(name: str, session: Session, *, as_of: date, rules: Rules, scope: Scope, **extra: Any) -> int:
    """How many rows the whole list has (with `status`: in those statuses)."""
    status = extra.pop("status", None)
    if status is not None:
        stmt = list_select(name, session, as_of=as_of, rules=rules, scope=scope, status=status, **extra)
        return count_rows(session, stmt)
    # Every status: the list's own rows less the do-not-contact customers, counted without
    # the statuses and the list order (ranking the whole list only to count it took the
    # bank's dormant count at an earlier date from 2 s to 4.6 s at a million customers).
    spec = call_list_spec(name)
    # At a month-end with the rules' own options, the list written after the load.
    inner = spec.rows.members(session, as_of=as_of, rules=rules, scope=scope, **extra)
    return count_rows(session, contacts.worked_rows(session, inner, as_of=as_of, rules=rules))


def customer_search(session: Session, *, as_of: date, rules: Rules, scope: Scope, query: str) -> pd.DataFrame:
    """The customer page's search box: ids or names starting with `query`, inside `scope`."""
    return customer.find_customers(session, query=query, scope=scope)


def customer_360(
    session: Session, *, as_of: date, rules: Rules, scope: Scope, customer_id: str
) -> dict[str, Any] | None:
    """Everything the customer page shows about one customer at `as_of`; None outside `scope`."""
    who = customer.profile(session, customer_id=customer_id, as_of=as_of, rules=rules, scope=scope)
    if who is None:
        return None
    one = {"customer_id": customer_id}
    home = customer.household(session, **one, as_of=as_of, rules=rules, scope=scope)
    grade = grade_of(session, **one, as_of=as_of, rules=rules, scope=scope)
    if rules.households.share_entitlement and home is not None and home["shown"]:
        # DOMAIN.md §8: the higher of their own and the household tier gives the free tickets.
        higher = max(who["tier"], home["household_tier"], key=rules.tier_codes.index)
        who["entitlement"] = rules.alliance.entitlement[higher]
    return {
        "profile": who,
        "aum": customer.aum_history(session, **one, as_of=as_of, rules=rules),
        "cards": customer.cards(session, **one, as_of=as_of, rules=rules),
        "products": customer.products(session, **one, as_of=as_of),
        "redemptions": customer.redemptions_ytd(session, **one, as_of=as_of),
        "waves": honeymoon_row(session, customer_id=customer_id, as_of=as_of, rules=rules, scope=scope),
        "lists": lists_of(
            session, **one, branch_id=who["branch_id"], manager_id=who["manager_id"], as_of=as_of, rules=rules
        ),
        "timeline": customer.timeline(session, **one, as_of=as_of),
        "family": home,
        "grade": grade,
    }


def honeymoon_row(
    session: Session, *, customer_id: str, as_of: date, rules: Rules, scope: Scope
) -> dict[str, Any] | None:
    """The customer's honeymoon waves at `as_of` (day, each wave's status), None outside honeymoon."""
    sub = wave_status_select(session, as_of=as_of, rules=rules, scope=scope).order_by(None).subquery("hm")
    df = frame(session, select(sub).where(sub.c.customer_id == customer_id))
    if not len(df):
        return None
    return shape_status(df, as_of=as_of, rules=rules).to_dict("records")[0]


def outcome_table(
    session: Session, *, as_of: date, rules: Rules, scope: Scope, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """回检 (outcomes.py) over the call lists as `list_select` gives them."""
    return outcomes.outcome_table(
        session, as_of=as_of, rules=rules, scope=scope, start=start, end=end, lists=list_select
    )


def my_day(session: Session, *, as_of: date, rules: Rules, scope: Scope) -> pd.DataFrame:
    """A manager's call queue (myday.py) over the call lists as `list_select` gives them."""
    return myday.my_day(session, as_of=as_of, rules=rules, scope=scope, lists=list_select)


class _Views(dict[str, Callable[..., Any]]):
    """The views by name; `list:<name>` and `count:<name>` of a list registered after this
    module was imported are looked up in the registry when asked for."""

    def __missing__(self, name: str) -> Callable[..., Any]:
        kind, _, list_name = name.partition(":")
        if list_name in LISTS and kind in ("list", "count"):
            return functools.partial(call_list if kind == "list" else list_total, list_name)
        raise KeyError(name)


# Every view the pages read: name -> query function (session, *, as_of, rules, scope, **extra).
VIEWS: dict[str, Callable[..., Any]] = _Views(
    {
        "tiers": tiers.tier_distribution,
        "migration": tiers.tier_migration,
        "threshold_bands": threshold.threshold_bands,
        "alliance_by_tier": alliance.alliance_by_tier,
        "alliance_heatmap": alliance.alliance_heatmap,
        "alliance_segments": alliance.alliance_segments,
        "alliance_channel": alliance.alliance_channel_aum,
        "honeymoon_grid": honeymoon.wave_status,
        "honeymoon_counts": honeymoon_counts,
        "cohorts": honeymoon.cohorts,
        "list_sizes": summary.list_sizes,
        "customer_search": customer_search,
        "outcomes": outcome_table,
        "myday": my_day,
        "customer": customer_360,
        "dormant_by_tier": dormant.dormant_by_peak_tier,
        "dormant_by_months": dormant.dormant_by_months,
        "churn_reasons": churn.churn_reasons,
        "has_end_aum": downgrade.has_end_aum,
        "has_maturity_dates": maturity.has_maturity_dates,
        "downgrade_by_tier": downgrade.downgrade_by_tier,
        "maturities_by_week": maturity.maturities_by_week,
        "retention": maturity.retention,
        "birthdays_by_day": birthdays.birthdays_by_day,
        "has_households": household.has_households,
        "household_totals": household.household_totals,
        "household_grid": household.household_grid,
        "household_sizes": household.household_sizes,
        "hidden_households": household.hidden_households,
        "grades_by": grades.grades_by,
        "grade_by_tier": grades.grade_by_tier,
        **{f"list:{name}": functools.partial(call_list, name) for name in LISTS},
        **{f"count:{name}": functools.partial(list_total, name) for name in LISTS},
    }
)
