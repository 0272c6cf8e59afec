"""The last month-ends' figures, written after each load (custdash/month_ends.py).

They answer exactly what the live path answers, they are what a month-end reads (no live
list is computed for the overview), and they never outlive the data or rules they describe.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import event, func, select
from sqlmodel import Session

from custdash import cli, month_ends, source
from custdash.db import make_engine, read_meta, write_meta
from custdash.models import FactRollup, MonthEndList
from custdash.scope import ALL
from custdash.summary import list_sizes, summary
from custdash.views import VIEWS
from tests.conftest import DEMO_AS_OF, copy_store, same_answer
from tests.test_facts import _run, _scopes

# The views a month-end answers from month_end_list and the contact log alone: the overview's
# sizes, a list page's count, and the lists that keep their rows with their charts.
FROM_WRITTEN_LISTS = [
    "list_sizes",
    *[f"count:{name}" for name in ("dormant", "churn", "alliance-unused")],
    # The lists that keep their rows (MonthEndRows.columns): screens, downloads, charts.
    "list:dormant",
    "list:alliance-unused",
    "list:churn",
    "list:downgrade",
    "dormant_by_tier",
    "dormant_by_months",
    "churn_reasons",
    "downgrade_by_tier",
    # The new customers' rows (source.NEW_CUSTOMERS): the honeymoon screens and the cohorts.
    "honeymoon_grid",
    "list:honeymoon",
    "count:honeymoon",
    "cohorts",
]

# The household page's views (DOMAIN.md §8): household_fact holds each written month-end.
HOUSEHOLD_VIEWS = [
    "household_totals",
    "household_grid",
    "household_sizes",
    "hidden_households",
    "list:household",
    "count:household",
]

# Every view a month-end answers from what was written for it: the above, the rollup and
# heatmap views, and the counts that read the AUM months through their index.
FROM_MONTH_END = [
    "tiers",
    "migration",
    "alliance_by_tier",
    "alliance_heatmap",
    "alliance_segments",
    "alliance_channel",
    "honeymoon_counts",
    "count:threshold",
    "count:downgrade",
    *FROM_WRITTEN_LISTS,
    "customer",
    *HOUSEHOLD_VIEWS,
]


def test_the_month_ends_are_the_twelve_before_the_extract_date():
    assert month_ends.month_ends(date(2026, 11, 22), 3) == [date(2026, 10, 31), date(2026, 9, 30), date(2026, 8, 31)]
    assert month_ends.month_ends(date(2026, 3, 31), 2) == [date(2026, 2, 28), date(2026, 1, 31)]
    assert month_ends.month_ends(date(2024, 3, 1), 1) == [date(2024, 2, 29)]
    assert month_ends.month_ends(date(2026, 11, 22), 0) == []


@pytest.mark.parametrize("day", [date(2026, 10, 31), date(2026, 2, 28), date(2025, 11, 30)])
@pytest.mark.parametrize("name", FROM_MONTH_END)
def test_a_month_end_answers_what_the_live_path_answers(demo_db, rules, name, day):
    assert name in VIEWS
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        assert source.source(s, as_of=day, rules=rules).rollup
        assert source.source(s, as_of=day, rules=rules).month_end
        assert source.source(s, as_of=day, rules=rules).heatmap
        assert not source.source(s, as_of=day, rules=rules).facts  # no customer rows for a month-end
    engine.dispose()
    for scope in _scopes(demo_db):
        fast = _run(demo_db, name, as_of=day, rules=rules, scope=scope, live=False)
        live = _run(demo_db, name, as_of=day, rules=rules, scope=scope, live=True)
        same_answer(fast, live)


@pytest.mark.parametrize("split", ["branch", "manager"])
def test_a_month_ends_tiers_split_by_branch_or_manager_equal_live(demo_db, rules, split):
    from custdash.queries.tiers import tier_distribution

    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        fast = tier_distribution(s, as_of=date(2026, 10, 31), rules=rules, split=split)
        s.info[source.LIVE] = True
        live = tier_distribution(s, as_of=date(2026, 10, 31), rules=rules, split=split)
    engine.dispose()
    same_answer(fast, live)
    assert fast["customers"].sum() > 0


def test_a_month_ends_summary_and_unworked_sizes_equal_live(demo_db, rules):
    day = date(2026, 9, 30)
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        fast = summary(s, as_of=day, rules=rules)
        unworked = list_sizes(s, as_of=day, rules=rules, worked=False)
        s.info[source.LIVE] = True
        assert summary(s, as_of=day, rules=rules) == fast
        assert list_sizes(s, as_of=day, rules=rules, worked=False) == unworked
    engine.dispose()
    assert fast["dormant"] > 0 and fast["threshold"] > 0 and fast["churn"] > 0 and fast["downgrade"] > 0


@pytest.mark.parametrize("name", FROM_WRITTEN_LISTS)
def test_a_month_ends_sizes_and_lists_read_the_written_lists_not_the_data(demo_db, rules, name):
    """The overview's sizes, a list page's count, and the lists that keep their rows (dormant,
    unused tickets, churn, downgrade, the honeymoon's and the cohorts' new customers) with their
    charts at a month-end read month_end_list and the contact log; of the data tables only what
    maturities and birthdays read through their own indexes."""
    engine = make_engine(str(demo_db))
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, stmt, *_: seen.append(stmt.lower()))
    with Session(engine) as s:
        answer = VIEWS[name](s, as_of=date(2026, 10, 31), rules=rules, scope=ALL)
    engine.dispose()
    assert _size(answer["dormant"] if name == "list_sizes" else answer) > 0
    read = " ".join(seen)
    assert "month_end_list" in read
    # Maturities (in the sizes) are read from product through their own index.
    products = () if name == "list_sizes" else ("product",)
    for table in ("txn", "card_dormancy", "redemption", "card ", "touch", *products):
        assert f"from {table}" not in read and f"join {table}" not in read, table
    # The AUM table only for the birthday list's tiers (the rule lists read it to find their rows).
    assert [stmt for stmt in seen if "aum_monthly" in stmt and "birth_md" not in stmt] == []


@pytest.mark.parametrize("name", HOUSEHOLD_VIEWS)
def test_a_month_ends_households_read_the_written_households_not_the_data(demo_db, rules, name):
    """At a month-end the household page reads household_fact (and the contact log), never the
    members and their AUM months again."""
    engine = make_engine(str(demo_db))
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, stmt, *_: seen.append(stmt.lower()))
    with Session(engine) as s:
        answer = VIEWS[name](s, as_of=date(2026, 10, 31), rules=rules, scope=ALL)
    engine.dispose()
    read = " ".join(seen)
    assert "household_fact" in read
    assert (answer["households"] if isinstance(answer, dict) else _size(answer)) > 0
    assert "aum_monthly" not in read
    # The list names its richest member's relation (one key lookup per row shown), nothing else.
    assert all("from household_member" not in stmt for stmt in seen)


def _size(answer: Any) -> int:
    if isinstance(answer, pd.DataFrame):
        return int(answer["customers"].sum()) if "customers" in answer else len(answer)
    return int(answer)


def test_each_list_holds_the_ids_its_live_list_holds(demo_db, rules):
    """Whole lists, id for id, at one month-end and for the bank."""
    from custdash.lists import LISTS
    from custdash.statements import ids_only

    day = date(2026, 10, 31)
    kept = {spec.month_end.name: spec for spec in LISTS.values() if spec.month_end}
    assert sorted(kept) == ["churn", "dormant", "downgrade", "threshold", "unused"]
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        for name, spec in kept.items():
            written = s.execute(
                select(MonthEndList.customer_id)
                .where(MonthEndList.as_of == day, MonthEndList.list_name == name)
                .order_by(MonthEndList.customer_id)
            ).scalars()
            s.info[source.LIVE] = True
            stmt = ids_only(spec.select(s, as_of=day, rules=rules)).subquery()
            live = s.execute(select(stmt.c.customer_id).order_by(stmt.c.customer_id)).scalars()
            assert list(written) == list(live), name
    engine.dispose()


def test_month_ends_are_not_written_for_data_that_was_replaced(demo_db, rules, tmp_path, monkeypatch):
    """A load or refresh that commits while month-ends are written makes the writer stop: its
    rows would describe the data that was replaced."""
    db = copy_store(demo_db, tmp_path / "store.db")
    engine = make_engine(str(db))
    with engine.begin() as conn:
        conn.execute(MonthEndList.__table__.delete())
        write_meta(conn, **{source.LIST_DATES_KEY: ""})
    real = month_ends.read_meta
    calls = []

    def stale_at_start(session):
        meta = real(session)
        calls.append(1)
        return {**meta, "data_version": "an earlier load"} if len(calls) == 1 else meta

    monkeypatch.setattr(month_ends, "read_meta", stale_at_start)
    assert month_ends.complete(engine, rules=rules, count=12) == []
    with Session(engine) as s:
        assert read_meta(s)[source.LIST_DATES_KEY] == ""
        assert s.execute(select(func.count()).select_from(MonthEndList)).scalar_one() == 0
    monkeypatch.setattr(month_ends, "read_meta", real)
    # Nothing stale: the missing month-ends are written, the ones held are left alone.
    assert month_ends.complete(engine, rules=rules, count=2) == [date(2026, 10, 31), date(2026, 9, 30)]
    assert month_ends.complete(engine, rules=rules, count=3) == [date(2026, 8, 31)]
    with Session(engine) as s:
        assert read_meta(s)[source.LIST_DATES_KEY] == "2026-10-31,2026-09-30,2026-08-31"
        rolled = s.execute(select(func.sum(FactRollup.customers)).where(FactRollup.as_of == date(2026, 9, 30)))
        assert rolled.scalar_one() > 0
    engine.dispose()


def test_month_ends_of_other_rules_are_not_used(demo_db, rules):
    from dataclasses import replace

    other = replace(rules, fingerprint="other")
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        held = source.source(s, as_of=date(2026, 10, 31), rules=other)
        assert not (held.month_end or held.heatmap or held.rollup)
        assert month_ends.complete(engine, rules=other, count=12) == []  # facts of other rules: nothing to add
    engine.dispose()


def test_refresh_rewrites_the_month_ends(demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CUSTDASH_MONTH_END_FACTS", "12")
    db = copy_store(demo_db, tmp_path / "store.db")
    assert cli.main(["refresh", "--db", str(db)]) == 0
    assert "month-end figures written for 12 month-ends" in capsys.readouterr().err
    engine = make_engine(str(db))
    with Session(engine) as s:
        meta = read_meta(s)
        written = s.execute(select(func.count(func.distinct(MonthEndList.as_of)))).scalar_one()
    engine.dispose()
    assert written == 12 and len(meta[source.LIST_DATES_KEY].split(",")) == 12
    assert meta[source.AS_OF_KEY] == DEMO_AS_OF.isoformat()


@pytest.mark.parametrize("value", ["-1", "25", "twelve", "1.5"])
def test_an_invalid_month_end_setting_is_named_before_any_work(demo_db, tmp_path, monkeypatch, capsys, value):
    db = copy_store(demo_db, tmp_path / "store.db")
    engine = make_engine(str(db))
    with Session(engine) as s:
        before = read_meta(s)
    engine.dispose()
    monkeypatch.setenv("CUSTDASH_MONTH_END_FACTS", value)
    assert cli.main(["refresh", "--db", str(db)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: CUSTDASH_MONTH_END_FACTS must be a whole number from 0 to 24, got {value!r}"
    )
    engine = make_engine(str(db))
    with Session(engine) as s:
        assert read_meta(s) == before  # nothing was rebuilt
    engine.dispose()


def test_no_month_ends_with_the_setting_at_zero(demo_db, tmp_path, monkeypatch, rules):
    db = copy_store(demo_db, tmp_path / "store.db")
    monkeypatch.setenv("CUSTDASH_MONTH_END_FACTS", "0")
    assert cli.main(["refresh", "--db", str(db)]) == 0
    engine = make_engine(str(db))
    with Session(engine) as s:
        assert read_meta(s)[source.LIST_DATES_KEY] == ""
        # The refresh dropped the month-ends the store held (of the facts it replaced).
        assert s.execute(select(func.count()).select_from(MonthEndList)).scalar_one() == 0
        assert not source.source(s, as_of=date(2026, 10, 31), rules=rules).rollup
        fast = list_sizes(s, as_of=date(2026, 10, 31), rules=rules)
        s.info[source.LIVE] = True
        assert list_sizes(s, as_of=date(2026, 10, 31), rules=rules) == fast  # live, as before
    engine.dispose()


def test_an_import_writes_the_month_ends_after_its_commit(tmp_path, monkeypatch, capsys):
    from tests.conftest import EXAMPLE, EXAMPLE_AS_OF, fresh_store

    target = fresh_store(tmp_path)
    monkeypatch.setenv("CUSTDASH_MONTH_END_FACTS", "2")
    assert cli.main(["import", str(EXAMPLE), "--db", target]) == 0
    expected = month_ends.month_ends(EXAMPLE_AS_OF, 2)
    assert len(expected) == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"month-end figures written for {expected[0].isoformat()}, {expected[1].isoformat()}"
    )
    engine = make_engine(target)
    with Session(engine) as s:
        meta = read_meta(s)
        held = s.execute(select(MonthEndList.as_of).distinct().order_by(MonthEndList.as_of.desc())).scalars().all()
    engine.dispose()
    assert meta[source.LIST_DATES_KEY] == ",".join(d.isoformat() for d in expected)
    assert held == expected


def test_an_import_with_an_invalid_month_end_setting_loads_nothing(tmp_path, monkeypatch, capsys):
    from custdash.db import store_exists
    from tests.conftest import EXAMPLE, fresh_store

    target = fresh_store(tmp_path)
    monkeypatch.setenv("CUSTDASH_MONTH_END_FACTS", "all")
    assert cli.main(["import", str(EXAMPLE), "--db", target]) == 1
    assert (
        capsys.readouterr().err.strip()
        == "error: CUSTDASH_MONTH_END_FACTS must be a whole number from 0 to 24, got 'all'"
    )
    assert not store_exists(target)
