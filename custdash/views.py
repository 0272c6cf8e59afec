"""What the dashboard shows, as data: its pages, the views they read and the call lists
they offer. No Streamlit: the pages, the CLI, the tests and the benchmark all read this.

Adding a page takes one page file in pages/, one `PAGES` entry, the i18n keys
`page.<name>` (and what the page writes), and a query module in custdash/queries whose
functions are entered in `VIEWS` (and, for a call list, in `LISTS`); tests/test_views.py
reads this registry and checks each part is there.

A call list is an ordered SELECT (`select`) and a function that runs it (`rows`: all rows
for an export, the first rows for the screen); its total is a COUNT over the same SELECT,
so the screen never materialises a 150,000-row list to show 500 of it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from custdash.queries import alliance, dormant, honeymoon, summary, threshold, tiers
from custdash.queries.common import count_rows
from custdash.rules import Rules
from custdash.scope import Scope

# The rows a list page shows; the downloads hold the whole list.
SCREEN_ROWS = 500


@dataclass(frozen=True)
class CallList:
    """A call list a manager exports: one name, one query, shared by the dashboard and the CLI."""

    name: str
    page: str  # the page that shows it
    count: str  # its key in `list_sizes` (the overview's "Today" tiles)
    rows: Callable[..., pd.DataFrame]  # (session, *, as_of, rules, scope, limit=None, **extra)
    select: Callable[..., Any]  # the same rows as an ordered SELECT
    columns: Callable[[Rules], list[str]]  # the columns of `rows` under the rules, customer_id first


def _honeymoon_rows(session: Session, **kw: Any) -> pd.DataFrame:
    return honeymoon.wave_status(session, call_list_only=True, **kw)


def _honeymoon_select(session: Session, **kw: Any) -> Any:
    return honeymoon.wave_status_select(session, call_list_only=True, **kw)


LISTS: dict[str, CallList] = {
    c.name: c
    for c in (
        CallList(
            "threshold",
            "threshold",
            "threshold",
            threshold.threshold_list,
            threshold.threshold_select,
            lambda _rules: list(threshold.LIST_COLUMNS),
        ),
        CallList(
            "dormant",
            "dormant",
            "dormant",
            dormant.dormant_list,
            dormant.dormant_select,
            lambda _rules: list(dormant.LIST_COLUMNS),
        ),
        CallList(
            "honeymoon",
            "honeymoon",
            "honeymoon_due",
            _honeymoon_rows,
            _honeymoon_select,
            honeymoon.list_columns,
        ),
        CallList(
            "alliance-unused",
            "alliance",
            "unused",
            alliance.unused_entitlement,
            alliance.unused_select,
            lambda _rules: list(alliance.UNUSED_COLUMNS),
        ),
    )
}


@dataclass(frozen=True)
class Page:
    """A page of the dashboard: its name (URL path, i18n key page.<name>), its file, and
    who may open it."""

    name: str
    path: str
    roles: tuple[str, ...] = ("admin", "head", "manager")


PAGES: tuple[Page, ...] = (
    Page("overview", "pages/overview.py"),
    Page("tiers", "pages/tiers.py"),
    Page("threshold", "pages/threshold.py"),
    Page("dormant", "pages/dormant.py"),
    Page("alliance", "pages/alliance.py"),
    Page("honeymoon", "pages/honeymoon.py"),
    # The audit trail is for heads (their branch) and admins.
    Page("audit", "pages/audit.py", roles=("admin", "head")),
)
PAGE = {p.name: p for p in PAGES}


def pages_for(role: str | None) -> list[Page]:
    """The pages a role sees in the navigation (all of them before sign-in: each page guards itself)."""
    return [p for p in PAGES if role is None or role in p.roles]


# The overview's "Today" tiles: (list_sizes key, the page it opens), left to right.
OVERVIEW_TILES: tuple[tuple[str, str], ...] = (
    ("threshold", "threshold"),
    ("dormant", "dormant"),
    ("honeymoon_due", "honeymoon"),
    ("honeymoon_overdue", "honeymoon"),
    ("unused", "alliance"),
)


def call_list(
    name: str, session: Session, *, as_of: date, rules: Rules, scope: Scope, limit: int | None = None, **extra: Any
) -> pd.DataFrame:
    """A whole call list (an export), or its first `limit` rows (the screen)."""
    return call_list_spec(name).rows(session, as_of=as_of, rules=rules, scope=scope, limit=limit, **extra)


def list_total(name: str, session: Session, *, as_of: date, rules: Rules, scope: Scope, **extra: Any) -> int:
    """How many rows the whole list has."""
    return count_rows(session, call_list_spec(name).select(session, as_of=as_of, rules=rules, scope=scope, **extra))


def call_list_spec(name: str) -> CallList:
    if name not in LISTS:
        raise ValueError(f"unknown list {name!r}; expected one of {', '.join(LISTS)}")
    return LISTS[name]


# Every view the pages read: name -> query function (session, *, as_of, rules, scope, **extra).
VIEWS: dict[str, Callable[..., Any]] = {
    "tiers": tiers.tier_distribution,
    "migration": tiers.tier_migration,
    "threshold_bands": threshold.threshold_bands,
    "alliance_by_tier": alliance.alliance_by_tier,
    "alliance_heatmap": alliance.alliance_heatmap,
    "alliance_segments": alliance.alliance_segments,
    "alliance_channel": alliance.alliance_channel_aum,
    "honeymoon_grid": honeymoon.wave_status,
    "honeymoon_counts": honeymoon.honeymoon_counts,
    "cohorts": honeymoon.cohorts,
    "list_sizes": summary.list_sizes,
    "dormant_by_tier": dormant.dormant_by_peak_tier,
    "dormant_by_months": dormant.dormant_by_months,
    **{f"list:{name}": functools.partial(call_list, name) for name in LISTS},
    **{f"count:{name}": functools.partial(list_total, name) for name in LISTS},
}
