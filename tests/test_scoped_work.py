"""A branch's or a manager's view away from the extract date does the scope's work, not the
bank's: every statement the live path runs reads the big per-customer tables (transactions,
cards, redemptions, monthly AUM) through their customer or card index, never by a full scan.
(Speed itself is measured by the benchmark, docs/PERFORMANCE.md; this pins the cause.)"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import Session

from custdash import facts
from custdash.db import make_engine
from custdash.scope import Scope
from custdash.views import VIEWS
from tests.conftest import DEMO_AS_OF

BIG = ("txn", "card", "redemption", "aum_monthly", "product", "touch")
EARLIER = date(2026, 9, 17)  # not the extract date: no facts, the live path


def _statements(db: str, name: str, rules, scope: Scope) -> list[tuple[str, object]]:
    engine = make_engine(db)
    seen: list[tuple[str, object]] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, params, _ctx, _many: seen.append((sql, params)))
    with Session(engine) as s:
        assert not facts.usable(s, as_of=EARLIER, rules=rules)
        VIEWS[name](s, as_of=EARLIER, rules=rules, scope=scope)
    engine.dispose()
    return [(sql, params) for sql, params in seen if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


def _full_scans(db: str, statements: list[tuple[str, object]]) -> list[str]:
    engine = make_engine(db)
    found = []
    with engine.connect() as con:
        for sql, params in statements:
            for row in con.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params):
                step = row[-1]
                if any(step == f"SCAN {t}" or step.startswith(f"SCAN {t} ") for t in BIG):
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
