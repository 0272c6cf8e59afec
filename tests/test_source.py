"""One place picks the source (issue #34): `custdash.source.source` reads the store's meta once
per transaction and every view follows its answer; the lists' SQL is chosen from it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event
from sqlmodel import Session

from custdash import source
from custdash.db import make_engine, write_meta
from custdash.lists import LISTS
from custdash.scope import ALL, Scope
from custdash.views import VIEWS
from tests.conftest import DEMO_AS_OF, copy_store

MONTH_END = date(2026, 10, 31)
# Every view of the overview and the list pages a branch head opens in a morning.
MORNING = [
    "tiers",
    "list_sizes",
    "threshold_bands",
    "alliance_by_tier",
    "alliance_heatmap",
    "alliance_segments",
    "honeymoon_counts",
    "cohorts",
    "dormant_by_tier",
    "dormant_by_months",
    "churn_reasons",
    "downgrade_by_tier",
    *[f"list:{name}" for name in LISTS],
    *[f"count:{name}" for name in LISTS],
]


def _source_reads(engine) -> list[str]:
    """The statements that ask the meta table which sources hold a date."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def spy(conn, cursor, statement, parameters, context, executemany):
        if "meta" in statement.lower() and source.RULES_KEY in str(parameters):
            seen.append(statement)

    return seen


def test_a_morning_of_views_reads_the_sources_once_per_date(demo_db, rules):
    engine = make_engine(str(demo_db))
    reads = _source_reads(engine)
    head = Scope(branch_id="B01")
    with Session(engine) as s:
        for as_of in (DEMO_AS_OF, MONTH_END):
            for name in MORNING:
                VIEWS[name](s, as_of=as_of, rules=rules, scope=head)
        assert len(reads) == 2  # one per as-of date, for every view of both
        s.commit()
        VIEWS["list_sizes"](s, as_of=DEMO_AS_OF, rules=rules, scope=head)
        assert len(reads) == 3  # a new transaction may see a new load: asked again
    engine.dispose()


def test_the_source_answers_what_the_store_holds(demo_db, rules):
    from dataclasses import replace

    engine = make_engine(str(demo_db))
    with Session(engine) as s:
        at = lambda day, r=rules: source.source(s, as_of=day, rules=r)  # noqa: E731
        assert at(DEMO_AS_OF) == source.Source(facts=True, rollup=True, heatmap=True, activity="stored")
        assert at(MONTH_END) == source.Source(rollup=True, heatmap=True, month_end=True, activity="periods")
        # A day no load wrote for: live, the dormancy periods still answer card activity.
        assert at(date(2026, 11, 19)) == source.Source(activity="periods")
        # Other rules: nothing the loader wrote holds their answers (the card activity stored
        # at the extract date is the extract's, not a rule's).
        assert at(DEMO_AS_OF, replace(rules, fingerprint="other")) == source.Source(activity="stored")
        s.info[source.LIVE] = True
        assert at(DEMO_AS_OF) == source.Source(activity="stored")
        s.info[source.SCAN] = True
        assert at(MONTH_END) == source.Source(activity="scan")
    engine.dispose()


def test_a_list_reads_the_rows_its_source_gives(demo_db, rules, tmp_path):
    """At a month-end whose rows were written a kept list reads them; once they are gone (a
    newer load clearing them) the same session's next transaction computes it live, with the
    same ids."""
    db = copy_store(demo_db, tmp_path / "store.db")
    engine = make_engine(str(db))
    dormant = LISTS["dormant"]
    with Session(engine) as s:
        assert dormant.rows.rows_from(s, as_of=MONTH_END, rules=rules) == "month_end"
        assert dormant.rows.rows_from(s, as_of=DEMO_AS_OF, rules=rules) == "facts"
        written = VIEWS["list:dormant"](s, as_of=MONTH_END, rules=rules, scope=ALL)["customer_id"].tolist()
        s.commit()
        with engine.begin() as conn:
            write_meta(conn, **{source.LIST_DATES_KEY: ""})
        assert dormant.rows.rows_from(s, as_of=MONTH_END, rules=rules) == "live"
        live = VIEWS["list:dormant"](s, as_of=MONTH_END, rules=rules, scope=ALL)["customer_id"].tolist()
    engine.dispose()
    assert len(written) > 100 and written == live
