"""A branch's or a manager's view away from the extract date does the scope's work, not the
bank's: every statement the live path runs reads the big per-customer tables (transactions,
cards, redemptions, monthly AUM) through their customer or card index, never by a full scan.
(Speed itself is measured by the benchmark, docs/PERFORMANCE.md; this pins the cause.)"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import Session

from custdash import source
from custdash.db import make_engine
from custdash.scope import ALL, Scope
from custdash.views import LISTS, SCREEN_ROWS, VIEWS
from tests.conftest import DEMO_AS_OF, view_arguments

BIG = ("txn", "card", "redemption", "aum_monthly", "product", "touch")
EARLIER = date(2026, 9, 17)  # not the extract date: no facts, the live path
MONTH_END = date(2026, 10, 31)  # the last month-end before the extract date: written after the load


def _statements(db: str, name: str, rules, scope: Scope, as_of: date = EARLIER, **extra) -> list[tuple[str, object]]:
    engine = make_engine(db)
    seen: list[tuple[str, object]] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, params, _ctx, _many: seen.append((sql, params)))
    with Session(engine) as s:
        assert source.source(s, as_of=as_of, rules=rules).facts == (as_of == DEMO_AS_OF)
        VIEWS[name](s, as_of=as_of, rules=rules, scope=scope, **{**view_arguments(s, name, scope), **extra})
    engine.dispose()
    return [(sql, params) for sql, params in seen if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


def _full_scans(db: str, statements: list[tuple[str, object]]) -> list[str]:
    engine = make_engine(db)
    found = []
    with engine.connect() as con:
        for sql, params in statements:
            for row in con.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params):
                step = row[-1]
                # A month of the AUM index is every customer's row for that month.
                if any(step == f"SCAN {t}" or step.startswith(f"SCAN {t} ") for t in BIG) or step.endswith(
                    "ix_aum_month_value (month=?)"
                ):
                    found.append(f"{step}  <-  {sql.split(chr(10))[0][:80]}")
    engine.dispose()
    return found


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("scope", [Scope(branch_id="B001", manager_id="M0001"), Scope(branch_id="B001")], ids=str)
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_a_scoped_view_at_an_earlier_date_reads_only_its_scope(demo_db, rules, name, scope):
    assert EARLIER != DEMO_AS_OF
    statements = _statements(str(demo_db), name, rules, scope)
    assert statements, "the view ran no query"
    assert _full_scans(str(demo_db), statements) == []


@pytest.mark.sqlite_only("reads SQLite's query plans")
# The honeymoon list may start from its 100-day opening window instead (a few per cent of the
# bank, read from a covering index): the planner weighs the two by the statistics.
# Maturities and birthdays find their rows through their own indexes (ix_product_matures,
# ix_customer_birth_md), not the facts: the next test.
@pytest.mark.parametrize("name", sorted(set(LISTS) - {"honeymoon", "maturity", "birthdays", "household"}))
def test_a_managers_lists_at_the_extract_date_read_the_managers_facts(demo_db, rules, name):
    """From the facts, a manager's list (its screen rows and its count) is read through the
    scope index with both the branch and the manager, never by walking a whole-bank index
    (the dormant or remaining flag) and checking each row's manager (the facts' statistics,
    facts.build's ANALYZE, make the planner choose so)."""
    scope = Scope(branch_id="B001", manager_id="M0001")
    plans = []
    for view, extra in ((f"list:{name}", {"limit": SCREEN_ROWS}), (f"count:{name}", {})):
        statements = _statements(str(demo_db), view, rules, scope, as_of=DEMO_AS_OF, **extra)
        plans += [step for step in _plan_steps(str(demo_db), statements) if "customer_fact" in step]
    assert plans
    for step in plans:
        assert "ix_fact_scope_aum (branch_id=? AND manager_id=?" in step, step


@pytest.mark.sqlite_only("reads SQLite's query plans")
def test_a_managers_households_are_read_through_the_written_households_scope_index(demo_db, rules):
    """The household list (one row per household, DOMAIN.md §8) reads household_fact, not
    customer_fact: a manager's rows and count through its scope index, both ids bound."""
    scope = Scope(branch_id="B001", manager_id="M0001")
    plans = []
    for view, extra in (("list:household", {"limit": SCREEN_ROWS}), ("count:household", {})):
        statements = _statements(str(demo_db), view, rules, scope, as_of=DEMO_AS_OF, **extra)
        plans += [step for step in _plan_steps(str(demo_db), statements) if "household_fact" in step]
    assert plans
    for step in plans:
        assert "ix_household_fact_scope (as_of=? AND branch_id=? AND manager_id=?" in step, step


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("name", ["maturity", "birthdays"])
def test_maturities_and_birthdays_are_found_through_their_indexes(demo_db, rules, name):
    """A manager's list reads their customers' rows only (through whichever index the planner
    prefers); the whole bank's reads the window through the list's own index, no table scan."""
    index = {"maturity": "ix_product_matures", "birthdays": "ix_customer_birth_md"}[name]
    for scope in (Scope(branch_id="B001", manager_id="M0001"), Scope()):
        for view, extra in ((f"list:{name}", {"limit": SCREEN_ROWS}), (f"count:{name}", {})):
            statements = _statements(str(demo_db), view, rules, scope, as_of=DEMO_AS_OF, **extra)
            assert _full_scans(str(demo_db), statements) == []
            if scope.is_all:
                assert any(index in step for step in _plan_steps(str(demo_db), statements)), view


def _plan_steps(db: str, statements: list[tuple[str, object]]) -> list[str]:
    engine = make_engine(db)
    with engine.connect() as con:
        steps = [
            row[-1] for sql, params in statements for row in con.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
        ]
    engine.dispose()
    return steps


@pytest.mark.sqlite_only("reads SQLite's query plans")
def test_the_whole_dormant_list_is_read_from_its_index_alone(demo_db, rules):
    """A download of the bank's dormant list (its largest) reads every column from
    ix_fact_dormant: no table read per row."""
    steps = _plan_steps(str(demo_db), _statements(str(demo_db), "list:dormant", rules, ALL, as_of=DEMO_AS_OF))
    fact_steps = [step for step in steps if "customer_fact" in step]
    assert fact_steps == ["SEARCH customer_fact USING COVERING INDEX ix_fact_dormant (dormant=?)"]


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("honeymoon_grid", {"limit": 40}),
        ("list:honeymoon", {}),
        ("count:honeymoon", {}),
        ("honeymoon_counts", {}),
        ("cohorts", {}),
    ],
)
def test_the_banks_new_customers_at_a_month_end_are_read_from_their_index_alone(demo_db, rules, name, extra):
    """At a month-end the honeymoon screens and the cohorts read the new customers' written
    rows from ix_month_end_opened alone (the grid's first rows by their row key): at 1M a
    table read per row of the window took the bank's grid from 0.06 to 0.67 s."""
    steps = _plan_steps(str(demo_db), _statements(str(demo_db), name, rules, ALL, as_of=MONTH_END, **extra))
    reads = [step for step in steps if "month_end_list" in step]
    assert reads, "the view did not read the month-end's rows"
    assert all(
        "USING COVERING INDEX ix_month_end_opened (as_of=? AND list_name=? AND opened_on>?" in step
        or step == "SEARCH month_end_list USING INTEGER PRIMARY KEY (rowid=?)"
        for step in reads
    ), reads


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("name", ["dormant_by_tier", "dormant_by_months", "churn_reasons", "downgrade_by_tier"])
def test_a_month_ends_list_charts_read_the_covering_index_alone(demo_db, rules, name):
    """At a month-end a chart over a list that keeps its rows reads them from
    ix_month_end_list alone: no customer row (SQLite keeps an unused outer join inside an
    aggregate: at 1M the bank's dormant charts took 0.30-0.35 s against 0.05-0.12 s at the
    extract date)."""
    steps = _plan_steps(str(demo_db), _statements(str(demo_db), name, rules, ALL, as_of=MONTH_END))
    reads = [step for step in steps if step.startswith(("SEARCH", "SCAN")) and "meta" not in step]
    assert reads == ["SEARCH month_end_list USING COVERING INDEX ix_month_end_list (as_of=? AND list_name=?)"]


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("name", ["list:dormant", "list:threshold", "list:honeymoon", "list:alliance-unused"])
def test_a_managers_list_looks_up_only_its_customers_contacts(demo_db, rules, name):
    """With the demo's contact history, a manager's list finds each row's status and
    do-not-contact through ix_contact_customer: never a read of the whole contact log (at 1M a
    manager's list went from 0.7 s to 0.2 s, My day from 3.1 s to 0.26 s)."""
    from custdash.scope import Scope

    mine = Scope(branch_id="B001", manager_id="M0001")
    statements = _statements(str(demo_db), name, rules, mine, as_of=DEMO_AS_OF, limit=SCREEN_ROWS)
    lists = [
        steps
        for steps in (_plan_steps(str(demo_db), [st]) for st in statements)
        if any("customer_fact" in x for x in steps)
    ]
    lookups = [
        step for steps in lists for step in steps if "contact" in step or step.split()[1:2] in (["latest"], ["dnc"])
    ]
    assert lookups, "the list read no contacts: is the demo's contact history there?"
    assert [step for step in lookups if "(customer_id=?" not in step] == []


# The whole bank's live views that read every customer with a per-customer row (AUM month,
# the year's redemption sums).
WALK_EVERY_CUSTOMER = ["tiers", "migration", "alliance_by_tier", "alliance_channel"]
# ... and those whose rule needs an AUM of at least some bound: only the customers with it.
AUM_BOUNDED = [
    "list:threshold",
    "count:threshold",
    "threshold_bands",
    "list:alliance-unused",
    "count:alliance-unused",
    "list:churn",
    "count:churn",
    "churn_reasons",
    "list:downgrade",
    "count:downgrade",
    "downgrade_by_tier",
]


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("name", WALK_EVERY_CUSTOMER)
def test_the_bank_at_an_earlier_date_walks_the_customers_in_key_order(demo_db, rules, name):
    """Away from the extract date, the whole bank's view walks the customers by key (the
    customer table, or the AUM rows when the rule needs one: downgrade), so every AUM month,
    redemption and outflow lookup follows customer order: walked along the opening-date index
    (or another one-column index that covers the query), the lookups came in random order,
    3-5 s a view at a million customers instead of about 1 s. (A table split by manager or
    branch walks that index to save the sort and measured the same: 2 s.)"""
    steps = _plan_steps(str(demo_db), _statements(str(demo_db), name, rules, ALL))
    walks = [step for step in steps if step.endswith("USING PRIMARY KEY (customer_id>?)")]
    assert walks, steps
    assert all(step.split()[1] == "customer" or step.split()[1].startswith("aum_") for step in walks), walks
    assert [step for step in steps if "INDEX ix_customer" in step] == []


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("name", AUM_BOUNDED)
def test_the_bank_at_an_earlier_date_looks_up_only_the_customers_a_rule_can_hold(demo_db, rules, name):
    """A whole-bank rule that needs an AUM of at least some bound (near threshold, downgrade,
    unused tickets, churn by AUM) finds those customers in ix_aum_month_value and looks up only
    them, in key order (at 1M: the near-threshold count went from 1.4 s to 0.2 s, churn from
    2.7 s to 1.3 s): no walk over every customer, no opening-date index."""
    steps = _plan_steps(str(demo_db), _statements(str(demo_db), name, rules, ALL))
    assert [step for step in steps if "ix_aum_month_value (month=? AND avg_daily_aum>?" in step], steps
    assert "SEARCH customer USING PRIMARY KEY (customer_id=?)" in steps, steps
    assert [step for step in steps if "(customer_id>?)" in step and step.split()[1] == "customer"] == []
    assert [step for step in steps if "INDEX ix_customer" in step] == []


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("name", ["list:churn", "count:churn", "churn_reasons"])
def test_the_banks_churn_window_reads_only_the_outflows(demo_db, rules, name):
    """The churn window's transfers to other banks come from the partial index that holds only
    them (about 4% of the transactions), not from every card's transactions, and from the
    index alone: it covers the columns it is defined by (0.42 s against 0.10 s at 1M)."""
    steps = _plan_steps(str(demo_db), _statements(str(demo_db), name, rules, ALL))
    txn_steps = [step for step in steps if step.split()[1:2] == ["txn"]]
    assert txn_steps and set(txn_steps) == {"SEARCH txn USING COVERING INDEX ix_txn_outflow (ts>? AND ts<?)"}


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("scope", [Scope(branch_id="B001", manager_id="M0001"), Scope(branch_id="B001")], ids=str)
@pytest.mark.parametrize("name", ["count:churn", "count:maturity"])
def test_a_scopes_churn_and_maturity_counts_read_indexes_alone(demo_db, rules, name, scope):
    """A branch's or a manager's churn window reads its cards' outflows from the partial index
    by card, and its maturity count the product index by customer, with no row looked up in the
    table (at 1M: a branch's churn count 0.28 s to 0.16 s, its maturities 0.18 s to 0.14 s)."""
    table = {"count:churn": "txn", "count:maturity": "product"}[name]
    steps = _plan_steps(str(demo_db), _statements(str(demo_db), name, rules, scope))
    reads = [step for step in steps if step.split()[1:2] == [table]]
    assert reads and all("USING COVERING INDEX" in step for step in reads), reads
    if table == "txn":
        assert all("ix_txn_outflow_card (card_id=?" in step for step in reads), reads


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("name", ["list:dormant", "count:dormant"])
def test_the_banks_dormant_cards_are_read_from_the_periods_indexes_alone(demo_db, rules, name):
    """Away from the extract date the dormancy periods covering the date, and each customer's
    periods, come from their indexes with no lookup of each period in its table (a third of the
    bank's dormant count at 1M). The count computes no list column it does not need: the
    12-month peak, a subquery per row, is not in its plan."""
    steps = _plan_steps(str(demo_db), _statements(str(demo_db), name, rules, ALL))
    periods = [step for step in steps if step.split()[1:2] == ["card_dormancy"]]
    assert periods and all("USING COVERING INDEX" in step for step in periods), periods
    if name.startswith("count:"):
        assert [step for step in steps if "aum_monthly" in step] == [], steps


@pytest.mark.sqlite_only("reads SQLite's query plans")
@pytest.mark.parametrize("name", ["alliance_by_tier", "list:alliance-unused", "alliance_segments"])
def test_the_banks_redemption_sums_are_read_from_one_index_in_customer_order(demo_db, rules, name):
    """The year's (or the segment window's) redemption sums per customer read the covering
    customer index in key order: no lookup of each redemption in its table, no sort."""
    steps = _plan_steps(str(demo_db), _statements(str(demo_db), name, rules, ALL))
    red_steps = [step for step in steps if step.split()[1:2] == ["redemption"]]
    assert red_steps and set(red_steps) == {
        "SEARCH redemption USING COVERING INDEX ix_redemption_customer_date (customer_id>?)"
    }
