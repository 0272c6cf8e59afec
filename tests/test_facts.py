"""Materialised facts (custdash/facts.py) answer exactly what the live queries answer.

Every view runs twice on the same store: from the facts, and live (session.info[LIVE]).
The outputs must be equal, whole frames and dicts, for every scope that a viewer can have.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlmodel import Session

from custdash import source
from custdash.calendar import month_before
from custdash.db import make_engine
from custdash.models import Customer, CustomerFact, FactRollup, Meta
from custdash.scope import ALL, Scope
from custdash.summary import summary
from custdash.views import VIEWS
from tests.conftest import DEMO_AS_OF, EXAMPLE_AS_OF, rules_variant, same_answer, view_arguments


def _run(db: Path | str, name: str, *, as_of: date, rules, scope: Scope, live: bool):
    engine = make_engine(str(db))
    try:
        with Session(engine) as s:
            if live:
                s.info[source.LIVE] = True
            return VIEWS[name](s, as_of=as_of, rules=rules, scope=scope, **_arguments(s, name, scope))
    finally:
        engine.dispose()


_arguments = view_arguments
_same = same_answer


def _objects(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(object).where(df.notna(), None)


def _scopes(db: Path | str) -> list[Scope]:
    engine = make_engine(str(db))
    with Session(engine) as s:
        # The same customer on every store (no ORDER BY left PostgreSQL free to pick another).
        branch, manager = s.execute(
            select(Customer.branch_id, Customer.manager_id)
            .where(Customer.manager_id.is_not(None))
            .order_by(Customer.customer_id)
            .limit(1)
        ).one()
    engine.dispose()
    return [ALL, Scope(branch_id=branch), Scope(branch_id=branch, manager_id=manager)]


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_equals_the_live_query_on_the_demo_store(demo_db, rules, name):
    bank = None
    for scope in _scopes(demo_db):
        fast = _run(demo_db, name, as_of=DEMO_AS_OF, rules=rules, scope=scope, live=False)
        live = _run(demo_db, name, as_of=DEMO_AS_OF, rules=rules, scope=scope, live=True)
        _same(fast, live)
        if bank is None:
            bank = fast
    # The views are not trivially empty on the demo store (or the comparison proves little):
    # the whole bank's (one manager's book may hold nobody on a short list).
    fast = bank
    if isinstance(fast, int):
        assert fast > 0
    elif name not in ("honeymoon_counts", "list_sizes"):
        assert len(fast) > 0


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_equals_the_live_query_on_the_boundary_example(example_db, rules, name):
    fast = _run(example_db, name, as_of=EXAMPLE_AS_OF, rules=rules, scope=ALL, live=False)
    live = _run(example_db, name, as_of=EXAMPLE_AS_OF, rules=rules, scope=ALL, live=True)
    _same(fast, live)


def test_month_earlier_figures_come_from_the_rollup_and_equal_live(demo_db, rules):
    before = month_before(DEMO_AS_OF)
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        assert source.source(s, as_of=before, rules=rules).rollup
        assert not source.source(s, as_of=before, rules=rules).facts  # no customer rows for that date
    engine.dispose()
    for scope in _scopes(demo_db):
        for name in ("list_sizes", "tiers", "migration", "alliance_by_tier", "honeymoon_counts"):
            fast = _run(demo_db, name, as_of=before, rules=rules, scope=scope, live=False)
            live = _run(demo_db, name, as_of=before, rules=rules, scope=scope, live=True)
            _same(fast, live)


def test_summary_contract_is_the_same_from_facts_and_live(demo_db, rules):
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        fast = summary(s, as_of=DEMO_AS_OF, rules=rules)
        s.info[source.LIVE] = True
        live = summary(s, as_of=DEMO_AS_OF, rules=rules)
    engine.dispose()
    assert fast == live
    assert fast["dormant"] > 0 and fast["threshold"] > 0 and fast["honeymoon"]["in_window"] > 0


def test_facts_are_used_only_for_their_date_and_rules(demo_db, rules):
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        assert source.source(s, as_of=DEMO_AS_OF, rules=rules).facts
        assert source.source(s, as_of=DEMO_AS_OF, rules=rules).rollup
        assert not source.source(s, as_of=date(2026, 11, 21), rules=rules).rollup
        other = replace(rules, threshold=replace(rules.threshold, band=0.05), fingerprint="other")
        assert not source.source(s, as_of=DEMO_AS_OF, rules=other).rollup
        assert not source.source(s, as_of=DEMO_AS_OF, rules=replace(rules, fingerprint="")).rollup
    engine.dispose()


def test_changed_rules_answer_live_and_correctly(demo_db, rules, tmp_path):
    """With other rules the facts are not used: a narrower band gives the narrower answer."""
    narrow = replace(rules, threshold=replace(rules.threshold, band=0.02), fingerprint="narrow")
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        n_fast = VIEWS["list_sizes"](s, as_of=DEMO_AS_OF, rules=narrow, scope=ALL)["threshold"]
        s.info[source.LIVE] = True
        n_live = VIEWS["list_sizes"](s, as_of=DEMO_AS_OF, rules=narrow, scope=ALL)["threshold"]
        n_default = VIEWS["list_sizes"](s, as_of=DEMO_AS_OF, rules=rules, scope=ALL)["threshold"]
    engine.dispose()
    assert n_fast == n_live < n_default


def test_facts_cover_every_customer_and_rollup_sums_match(demo_db):
    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        customers = s.execute(select(Customer.customer_id).order_by(Customer.customer_id)).scalars().all()
        fact_ids = s.execute(select(CustomerFact.customer_id).order_by(CustomerFact.customer_id)).scalars().all()
        meta = dict(s.execute(select(Meta.key, Meta.value)).all())
        from sqlalchemy import func

        rolled = s.execute(select(func.sum(FactRollup.customers)).where(FactRollup.as_of == DEMO_AS_OF)).scalar_one()
    engine.dispose()
    assert fact_ids == customers
    assert rolled == len(customers)
    assert meta[source.AS_OF_KEY] == DEMO_AS_OF.isoformat()
    month_ends = [f"{m}-{d}" for m, d in [("2026-10", 31), ("2026-09", 30), ("2026-08", 31), ("2026-07", 31)]]
    month_ends += [f"{m}-{d}" for m, d in [("2026-06", 30), ("2026-05", 31), ("2026-04", 30), ("2026-03", 31)]]
    month_ends += ["2026-02-28", "2026-01-31", "2025-12-31", "2025-11-30"]
    rolled_up = sorted([DEMO_AS_OF.isoformat(), month_before(DEMO_AS_OF).isoformat(), *month_ends], reverse=True)
    assert meta[source.ROLLUP_DATES_KEY] == ",".join(rolled_up)
    assert meta[source.HEATMAP_DATES_KEY] == ",".join([DEMO_AS_OF.isoformat(), *month_ends])
    assert meta[source.LIST_DATES_KEY] == ",".join(month_ends)


def test_fingerprint_follows_content_not_comments(tmp_path):
    from custdash.rules import DEFAULT_RULES_PATH, load_rules

    base = load_rules(DEFAULT_RULES_PATH)
    commented = tmp_path / "c.toml"
    commented.write_text("# a comment added by an admin\n" + DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    assert load_rules(commented).fingerprint == base.fingerprint
    assert load_rules(rules_variant(tmp_path, "band = 0.10", "band = 0.05")).fingerprint != base.fingerprint


def test_refresh_rebuilds_facts_for_edited_rules(demo_db, tmp_path, monkeypatch, capsys):
    from custdash.cli import main
    from custdash.rules import load_rules
    from tests.conftest import copy_store

    db = copy_store(demo_db, tmp_path / "store.db")
    edited = rules_variant(tmp_path, "band = 0.10", "band = 0.05")
    monkeypatch.setenv("CUSTDASH_RULES", str(edited))
    narrow = load_rules()

    def meta(key: str) -> str:
        engine = make_engine(str(db))
        with Session(engine) as s:
            value = s.get(Meta, key).value
        engine.dispose()
        return value

    version = meta("data_version")
    assert main(["check", "--db", str(db)]) == 0
    assert "facts: built with other rules" in capsys.readouterr().out
    live = _run(db, "list_sizes", as_of=DEMO_AS_OF, rules=narrow, scope=ALL, live=True)

    assert main(["refresh", "--db", str(db)]) == 0
    assert main(["check", "--db", str(db)]) == 0
    assert "facts: current" in capsys.readouterr().out
    assert meta(source.RULES_KEY) == narrow.fingerprint
    assert meta("data_version") != version  # the dashboard's caches start afresh
    engine = make_engine(str(db))
    with Session(engine) as s:
        assert source.source(s, as_of=DEMO_AS_OF, rules=narrow).rollup
    engine.dispose()
    assert _run(db, "list_sizes", as_of=DEMO_AS_OF, rules=narrow, scope=ALL, live=False) == live
    assert _run(db, "list:threshold", as_of=DEMO_AS_OF, rules=narrow, scope=ALL, live=False).equals(
        _run(db, "list:threshold", as_of=DEMO_AS_OF, rules=narrow, scope=ALL, live=True)
    )


def test_refresh_of_an_empty_or_missing_store_says_why(tmp_path, capsys):
    from custdash.cli import main

    assert main(["refresh", "--db", str(tmp_path / "none.db")]) == 1
    assert "No store at" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["threshold", "dormant", "honeymoon", "alliance-unused"])
@pytest.mark.parametrize("live", [False, True])
def test_screen_rows_are_the_head_of_the_export_and_the_total_its_length(demo_db, rules, name, live):
    from custdash.views import call_list, list_total

    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        s.info[source.LIVE] = live
        whole = call_list(name, s, as_of=DEMO_AS_OF, rules=rules, scope=ALL)
        head = call_list(name, s, as_of=DEMO_AS_OF, rules=rules, scope=ALL, limit=25)
        total = list_total(name, s, as_of=DEMO_AS_OF, rules=rules, scope=ALL)
    engine.dispose()
    assert len(whole) > 25
    pd.testing.assert_frame_equal(head, whole.head(25))
    assert total == len(whole)


def test_threshold_screen_rows_for_every_band_and_scope_are_the_head_of_the_list(demo_db, rules):
    """The screen's first rows come from a per-tier walk down the AUM index (threshold._first_rows):
    the same rows, in the same order, as the head of the whole list, at any band and scope."""
    from custdash.views import call_list

    engine = make_engine(str(demo_db))
    r = rules.threshold
    with Session(engine) as s:
        for scope in _scopes(demo_db):
            for band in (r.band_min, r.band, r.band_max):
                whole = call_list("threshold", s, as_of=DEMO_AS_OF, rules=rules, scope=scope, band=band)
                assert whole["tier"].nunique() > 1 or scope != ALL
                for n in (1, 7, len(whole) + 5):
                    head = call_list("threshold", s, as_of=DEMO_AS_OF, rules=rules, scope=scope, band=band, limit=n)
                    pd.testing.assert_frame_equal(head, whole.head(n).reset_index(drop=True))
    engine.dispose()


@pytest.mark.parametrize("call_list_only", [False, True], ids=["grid", "call list"])
def test_honeymoon_first_rows_in_every_scope_are_the_head_of_the_whole(demo_db, rules, call_list_only):
    """The first rows are ordered from ix_fact_opened alone, then joined to names and phones
    (honeymoon.wave_status_select): the same rows, in the same order, as the whole list's head."""
    from custdash.queries.honeymoon import wave_status

    engine = make_engine(str(demo_db))
    kw = {"as_of": DEMO_AS_OF, "rules": rules, "call_list_only": call_list_only}
    with Session(engine) as s:
        for scope in _scopes(demo_db):
            whole = wave_status(s, scope=scope, **kw)
            assert len(whole) > 3 or scope != ALL
            for n in (1, 3, 40, len(whole) + 5):
                # As objects: a one-row head whose manager is unassigned reads None, not a string NaN.
                head = wave_status(s, scope=scope, limit=n, **kw)
                pd.testing.assert_frame_equal(_objects(head), _objects(whole.head(n)))
    engine.dispose()


DORMANT_VIEWS = ["list:dormant", "count:dormant", "dormant_by_months", "dormant_by_tier", "list_sizes"]


def _dormant_views(db: Path | str, *, as_of: date, rules, scope: Scope, scan: bool) -> tuple[str, dict]:
    from custdash.source import SCAN

    engine = make_engine(str(db))
    try:
        with Session(engine) as s:
            if scan:
                s.info[SCAN] = True
            activity = source.source(s, as_of=as_of, rules=rules).activity
            return activity, {name: VIEWS[name](s, as_of=as_of, rules=rules, scope=scope) for name in DORMANT_VIEWS}
    finally:
        engine.dispose()


def _dates_around_every_edge(db: Path | str, as_of: date, days: int, cap: int) -> list[date]:
    """Every day a card's dormancy can change on (an activity's day + days and the day
    before, each activity's own day, an opening + days) inside the two years before the
    extract date, at most `cap` spread over them, plus month-ends."""
    from datetime import timedelta

    from tests.conftest import fetch

    rows = fetch(db, "SELECT ts FROM txn") + fetch(db, "SELECT opened_on FROM card")
    edges = set()
    for (value,) in rows:
        d = date.fromisoformat(str(value)[:10])  # a date or a time, as either store returns it
        edges |= {d, d + timedelta(days=days), d + timedelta(days=days - 1)}
    window = sorted(d for d in edges if as_of - timedelta(days=730) <= d < as_of)
    step = max(1, len(window) // cap)
    return sorted(set(window[::step]) | {date(2026, 10, 31), date(2026, 1, 31), date(2025, 12, 31)})


@pytest.mark.parametrize("store", ["example", "demo"])
def test_dormancy_periods_answer_what_the_transactions_answer(example_db, demo_db, rules, store):
    """Before the extract date every dormant view reads the dormancy periods; on every date
    where some card's dormancy changes, and in every scope, it equals the transaction scan's
    answer (whole lists, counts, charts and the overview's sizes)."""
    db, as_of = (example_db, EXAMPLE_AS_OF) if store == "example" else (demo_db, DEMO_AS_OF)
    dates = _dates_around_every_edge(db, as_of, rules.dormant.days, cap=60 if store == "example" else 16)
    scopes = _scopes(db)
    nonempty = 0
    for day in dates:
        for scope in scopes if day.day in (1, 31) or store == "example" else scopes[:1]:
            source, fast = _dormant_views(db, as_of=day, rules=rules, scope=scope, scan=False)
            scan_source, slow = _dormant_views(db, as_of=day, rules=rules, scope=scope, scan=True)
            assert (source, scan_source) == ("periods", "scan")
            for name in DORMANT_VIEWS:
                _same(fast[name], slow[name])
            nonempty += fast["count:dormant"] > 0
    assert nonempty >= len(dates) // 2  # the dates do find dormant customers


def test_dormancy_periods_follow_the_rules_they_were_built_with(demo_db, rules, tmp_path, monkeypatch):
    """Other dormant days or activity kinds: the periods are not used (the scan answers) until
    `custdash refresh` rebuilds them, and then they give the scan's answer again."""
    from custdash.cli import main
    from custdash.rules import load_rules
    from tests.conftest import copy_store

    db = copy_store(demo_db, tmp_path / "store.db")
    day = date(2026, 9, 17)
    for old, new in (
        ("days = 180", "days = 90"),
        ('non_activity_kinds = ["fee", "interest"]', "non_activity_kinds = []"),
    ):
        monkeypatch.setenv("CUSTDASH_RULES", str(rules_variant(tmp_path, old, new)))
        edited = load_rules()
        source, before = _dormant_views(db, as_of=day, rules=edited, scope=ALL, scan=False)
        assert source == "scan"
        assert main(["refresh", "--db", str(db)]) == 0
        source, after = _dormant_views(db, as_of=day, rules=edited, scope=ALL, scan=False)
        assert source == "periods"
        for name in DORMANT_VIEWS:
            _same(after[name], before[name])
        assert (
            before["count:dormant"]
            != _dormant_views(db, as_of=day, rules=rules, scope=ALL, scan=True)[1]["count:dormant"]
        )
