"""Figures for the last month-ends, written after a load so a month-end answers like the extract date.

A head compares today with the end of last month; at a million customers the whole bank's
overview at a month-end computed live takes about 5 s. After each load (import, demo,
`custdash refresh`) this writes, for each of the last CUSTDASH_MONTH_END_FACTS month-ends
before the extract date:

- `fact_rollup` rows (tiers, migration, the alliance figures, the lists' sizes by the rules);
- `redemption_rollup` rows (the year-to-date heatmap);
- `month_end_list` rows: who is on each list that declares it is kept (`CallList.month_end`,
  custdash/lists), so the overview counts a month-end's lists with the contact log applied
  without computing them; with their rows' own columns where the list keeps them
  (`MonthEndRows.columns`), so those lists' screens, charts and downloads read them too; and
  what a list writes besides (the honeymoon's new customers).

They come from the same expressions and the same list statements as the live path (tests
compare both), and are used only while the rules are the ones they were built with
(custdash/source.py). Month-ends are written one by one, each in its own short transaction, once
the load has committed: readers see a new extract as soon as it is in, answered live at its
month-ends until these land; a newer load or refresh meanwhile makes this stop (its rows
would describe the data it replaced).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection, Date, Engine, delete, literal, select
from sqlalchemy.orm import Session

from custdash import facts, households
from custdash.calendar import add_months, month_end, month_of
from custdash.db import make_engine, read_meta, write_meta
from custdash.lists import LISTS
from custdash.models import Customer, FactRollup, HouseholdFact, MonthEndList, RedemptionRollup
from custdash.rules import Rules
from custdash.scope import ALL
from custdash.source import AS_OF_KEY, HEATMAP_DATES_KEY, LIST_DATES_KEY, LIVE, ROLLUP_DATES_KEY, RULES_KEY
from custdash.statements import ids_only

log = logging.getLogger("custdash.month_ends")

DATA_VERSION_KEY = "data_version"


def month_ends(as_of: date, count: int) -> list[date]:
    """The last `count` month-ends before `as_of`, latest first."""
    month = month_of(as_of)
    return [month_end(add_months(month, -k)) for k in range(1, count + 1)]


def _clear(conn: Connection, day: date) -> None:
    for table in (FactRollup, RedemptionRollup, MonthEndList, HouseholdFact):
        conn.execute(delete(table).where(table.as_of == day))


def _write(conn: Connection, *, day: date, rules: Rules) -> None:
    """Rollup, heatmap and list members for one month-end, inside the caller's transaction."""
    facts.write_rollup(conn, as_of=day, rules=rules)
    facts.write_heatmap(conn, as_of=day)
    households.write_facts(conn, day=day, rules=rules)
    with Session(bind=conn) as session:
        session.info[LIVE] = True  # the lists as the live path finds them, by construction
        for spec in LISTS.values():
            kept = spec.month_end
            if kept is None:
                continue
            live = spec.select(session, as_of=day, rules=rules, scope=ALL)
            extra = list(kept.columns or ())
            rows = (live.order_by(None) if extra else ids_only(live)).subquery("rows")
            members = select(
                literal(day, Date),
                literal(kept.name),
                Customer.customer_id,
                Customer.branch_id,
                Customer.manager_id,
                *[rows.c[c] for c in extra],
            ).join(rows, rows.c.customer_id == Customer.customer_id)
            cols = ["as_of", "list_name", "customer_id", "branch_id", "manager_id", *extra]
            conn.execute(MonthEndList.__table__.insert().from_select(cols, members))
    for spec in LISTS.values():
        if spec.also_at_month_ends is not None:
            spec.also_at_month_ends(conn, day=day, rules=rules)


class _Replaced(Exception):
    """The store's data or rules changed since the month-ends were started."""


def _with(dates: str, day: date) -> str:
    return ",".join(sorted({*filter(None, dates.split(",")), day.isoformat()}, reverse=True))


def complete_store(target: str, *, rules: Rules, count: int) -> list[date]:
    """`complete` for the store at `target`, as the import and `custdash refresh` run it."""
    # Unmapped: a batch job that reads the store a month-end at a time must not count every page
    # it read as its own memory (mapped, the 1M import's peak went from 0.7 to 1.4 GB).
    engine = make_engine(target, mapped=False)
    try:
        return complete(engine, rules=rules, count=count)
    finally:
        engine.dispose()


def complete(engine: Engine, *, rules: Rules, count: int, progress: Callable[[date], None] | None = None) -> list[date]:
    """Write the figures of each of the last `count` month-ends that the store does not hold
    yet for its data and these rules; returns the month-ends written."""
    with Session(engine) as session:
        meta = read_meta(session)
    as_of, version = meta.get(AS_OF_KEY), meta.get(DATA_VERSION_KEY)
    if not as_of or meta.get(RULES_KEY) != rules.fingerprint or not rules.fingerprint:
        return []  # no facts, or facts of other rules: nothing a month-end could be used with
    held = set(meta.get(LIST_DATES_KEY, "").split(","))
    written = []
    for day in month_ends(date.fromisoformat(as_of), count):
        if day.isoformat() in held:
            continue
        started = time.perf_counter()
        try:
            with engine.begin() as conn:
                # Writes first: SQLite takes the write lock here, so the check below sees the
                # latest commit and nothing can land between it and this transaction's commit.
                _clear(conn, day)
                now = read_meta(conn)
                if now.get(DATA_VERSION_KEY) != version or now.get(RULES_KEY) != rules.fingerprint:
                    raise _Replaced
                _write(conn, day=day, rules=rules)
                keys = (ROLLUP_DATES_KEY, HEATMAP_DATES_KEY, LIST_DATES_KEY)
                write_meta(conn, **{key: _with(now.get(key, ""), day) for key in keys})
        except _Replaced:
            log.info("month-end figures stopped: the store was loaded or refreshed meanwhile")
            break
        log.info("month-end figures for %s written in %.1f s", day, time.perf_counter() - started)
        written.append(day)
        if progress:
            progress(day)
    return written
