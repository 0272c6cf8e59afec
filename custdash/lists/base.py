"""What a call list is: one declaration (`CallList`) holding everything the code around the
lists needs to know about it, so that the registry (custdash/lists/__init__.py) is iterated
and no module outside custdash/lists names a list.

A call list is an ordered SELECT (`select`) and a function that shapes its rows (`shape`:
all rows for an export, the first rows for the screen); its total is a COUNT over the same
SELECT, so the screen never materialises a 150,000-row list to show 500 of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import case, literal
from sqlalchemy.orm import Session

from custdash.rules import Rules
from custdash.source import MonthEndRows, Rows

# The contact list of a call that belongs to no list (a customer's page, a follow-up), and of a
# row no per-row choice matches.
OTHER = "other"
# (row getter, rules) -> the contact list a row is worked for.
RowGetter = Callable[[str], Any]
# (member, reference day D) -> did the list's outcome happen in (D, D + window], by the as-of date.
OutcomeTest = Callable[[Any, date], bool]


@dataclass(frozen=True)
class WorkedPerRow:
    """A list whose rows are each worked for one of several contact lists: the first of
    `choices(rules)` — (row column, values, contact list) — that the row matches (`fallback`
    when none does). One declaration gives both the SQL (the status of each row on a list
    page, an export) and the Python (My day, 回检, a row's contact dialog), so they agree."""

    choices: Callable[[Rules], list[tuple[str, tuple[str, ...], str]]]
    fallback: str = OTHER

    def names(self, rules: Rules) -> tuple[str, ...]:
        return tuple(name for _col, _values, name in self.choices(rules))

    def columns(self, rules: Rules) -> list[str]:
        return list(dict.fromkeys(col for col, _values, _name in self.choices(rules)))

    def sql(self, rules: Rules) -> Callable[[Any], Any]:
        """A function of the list's row source: the contact list of each row, as SQL (NULL when
        no choice matches: the row then shows as not worked)."""
        choices = self.choices(rules)

        def key(rows: Any) -> Any:
            return case(*[(rows[col].in_(values), literal(name)) for col, values, name in choices])

        return key

    def of_row(self, get: RowGetter, rules: Rules) -> str:
        for col, values, name in self.choices(rules):
            if get(col) in values:
                return name
        return self.fallback


@dataclass(frozen=True)
class Outcome:
    """How 回检 measures a list (DOMAIN.md §7). `check(session, members, *, rules, as_of, start,
    limit)` reads what it needs for `members` (rows of the list at `start` with customer_id,
    manager_id and `columns(rules)`) and returns an OutcomeTest; `limit(D)` is the last day
    counted for a reference day D."""

    check: Callable[..., OutcomeTest]
    columns: Callable[[Rules], list[str]] = lambda _rules: []


@dataclass(frozen=True)
class CallList:
    """A call list a manager exports: one name (its URL, export and contact-log name), one
    query, shared by the dashboard, the CLI, My day and 回检."""

    name: str
    page: str  # the page that shows it
    count: str  # its key in `list_sizes` (the overview's "Today" tiles, the facts' rollup)
    rows: Rows  # its rows from each source (custdash/source.py), as an ordered SELECT
    shape: Callable[..., pd.DataFrame]  # (df, *, as_of, rules, **extra): those rows as the list shows them
    columns: Callable[[Rules], list[str]]  # the columns of `shape` under the rules, customer_id first
    # Its size's key in the CLI summary (DOMAIN.md, "CLI summary contract"); None: the summary
    # counts it in a block of its own (the honeymoon and alliance blocks).
    summary_key: str | None = None
    # Worked for the contact list of its own name, or per row (the honeymoon list: its waves).
    worked_per_row: WorkedPerRow | None = None
    # My day: the list's place in the queue (lower first); None keeps it out of the queue.
    queue_rank: int | None = None
    # 回检: how its outcome is measured (None: not measured), its place in the table and the
    # i18n key naming it there.
    outcome: Outcome | None = None
    outcome_rank: int = 0
    outcome_label: str = ""
    # The overview's tiles that open this list's page, in registry order: (list_sizes key, the
    # list's options counted, as `select` takes them). A tile with options opens the page with
    # its controls set to them (the page's control of option `x` has the key `<page>_<x>`),
    # so the list shown is exactly what the tile counts. None: one tile, `count`, no options.
    tiles: Sequence[tuple[str, dict[str, str]]] | None = None
    # Counted in the facts' rollup: fact_rollup column (a list_sizes key) -> is a fact row `c`
    # (customer_fact's columns) on the list. The overview's month-earlier sizes read those sums.
    rollup: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    # The tiles' sizes as the rules alone find them, for a list whose SELECT applies the contact
    # log itself (the honeymoon's logged touches): (session, *, as_of, rules, scope) -> {key: n}.
    sizes_by_rules: Callable[..., dict[str, int]] | None = None
    # A block of its own in the CLI summary: (key, (session, *, as_of, rules, scope) -> figures).
    summary_block: tuple[str, Callable[..., Any]] | None = None
    # Rows of its own written at each month-end besides `rows.month_end` (the honeymoon's new
    # customers): (connection, *, day, rules), inside the month-end's transaction.
    also_at_month_ends: Callable[..., None] | None = None

    def select(self, session: Session, **kw: Any) -> Any:
        """(session, *, as_of, rules, scope, **extra): the list's rows as an ordered SELECT."""
        return self.rows.select(session, **kw)

    @property
    def month_end(self) -> MonthEndRows | None:
        """How it is kept at the last month-ends (custdash/month_ends.py), if it is."""
        return self.rows.month_end

    def overview_tiles(self) -> Sequence[tuple[str, dict[str, str]]]:
        return ((self.count, {}),) if self.tiles is None else self.tiles

    def contact_names(self, rules: Rules) -> tuple[str, ...]:
        """The contact lists a call from this list is logged for (DOMAIN.md §7)."""
        return (self.name,) if self.worked_per_row is None else self.worked_per_row.names(rules)

    def contact_key(self, rules: Rules) -> str | Callable[[Any], Any]:
        """What contacts.with_status reads the status for: the list's name, or per row."""
        return self.name if self.worked_per_row is None else self.worked_per_row.sql(rules)

    def worked_for(self, get: RowGetter, rules: Rules) -> str:
        """The contact list a row of this list is worked for (`get(column)`: the row's value)."""
        return self.name if self.worked_per_row is None else self.worked_per_row.of_row(get, rules)

    def row_columns(self, rules: Rules) -> list[str]:
        """The row's columns `worked_for` reads."""
        return [] if self.worked_per_row is None else self.worked_per_row.columns(rules)


def rows_of(select_list: Callable[..., Any], **fixed: Any) -> Callable[..., Any]:
    """A list's SELECT with some keywords fixed (the honeymoon call list: waves due or overdue)."""

    def stmt(session: Session, **kw: Any) -> Any:
        return select_list(session, **fixed, **kw)

    return stmt


def fixed_columns(columns: Sequence[str]) -> Callable[[Rules], list[str]]:
    """A list's columns that do not depend on the rules."""
    return lambda _rules: list(columns)
