"""The contribution grade (DOMAIN.md §9) on the boundary extract: each customer's four measures,
points, score and grade, whole; the edges of each measure (a product maturing on A, activity
on the window's first day and the day before it, logins at each step's edge) and the
mobile-banking fallback without channel_monthly.csv."""

from __future__ import annotations

import shutil

from sqlmodel import Session

from custdash import grades
from custdash.db import make_engine
from custdash.importer import import_extract
from custdash.scope import ALL, Scope
from custdash.statements import frame
from tests.conftest import EXAMPLE, EXAMPLE_AS_OF, fresh_store

A = EXAMPLE_AS_OF
COLS = ["customer_id", "products", "activity", "aum_points", "products_points", "activity_points"]
COLS += ["channel_points", "weighted", "grade"]

# Every customer but C19 (opened after A). Worked out from the README table:
# - AUM points: 50,000 (C02) and 49,999.99 (C01) either side of the first step; C05/C06 100.
# - products held: C30's deposit matures on A (not held) and its wealth product on A+1 (held): 1;
#   C32 a deposit and a wealth product: 2; C31's deposit opened the day after A does not count.
# - activity in the 90 days up to A (18 August to 15 November): C20 five transfers (18 August
#   00:00 the first day, 15 November 23:59:59 the last, from a frozen card too); C21 two (17
#   August 23:59:59 and 16 November fall outside); C22 three; C16 one purchase.
# - channel: no channel_monthly.csv, so the holders of mobile banking (C16, C17, C18) get 50.
# - grades: C18 = (40 x 40 + 20 x 75 + 20 x 0 + 20 x 50) / 100 = 41: C; C16 21: D; C17 25: D.
EXPECTED = {
    "C01": (0, 0, 0, 0, 0, 0, 0, "E"),
    "C02": (0, 0, 40, 0, 0, 0, 1600, "E"),
    "C03": (0, 0, 40, 0, 0, 0, 1600, "E"),
    "C04": (0, 0, 40, 0, 0, 0, 1600, "E"),
    "C05": (0, 0, 100, 0, 0, 0, 4000, "C"),
    "C06": (0, 0, 100, 0, 0, 0, 4000, "C"),
    "C16": (1, 1, 0, 25, 30, 50, 2100, "D"),
    "C17": (3, 0, 0, 75, 0, 50, 2500, "D"),
    "C18": (3, 0, 40, 75, 0, 50, 4100, "C"),
    "C20": (0, 5, 0, 0, 30, 0, 600, "E"),
    "C21": (0, 2, 0, 0, 30, 0, 600, "E"),
    "C22": (0, 3, 0, 0, 30, 0, 600, "E"),
    "C26": (0, 0, 40, 0, 0, 0, 1600, "E"),
    "C27": (0, 0, 40, 0, 0, 0, 1600, "E"),
    "C28": (0, 0, 40, 0, 0, 0, 1600, "E"),
    "C29": (0, 0, 40, 0, 0, 0, 1600, "E"),
    "C30": (1, 0, 0, 25, 0, 0, 500, "E"),
    "C31": (1, 0, 0, 25, 0, 0, 500, "E"),
    "C32": (2, 0, 0, 50, 0, 0, 1000, "E"),
    "C33": (1, 0, 0, 25, 0, 0, 500, "E"),
    "C34": (1, 0, 0, 25, 0, 0, 500, "E"),
    "C35": (1, 0, 0, 25, 0, 0, 500, "E"),
}
NOTHING = (0, 0, 0, 0, 0, 0, 0, "E")  # no AUM, product or activity
ALL_IDS = [f"C{i:02d}" for i in range(1, 41) if i != 19]


def _table(session, scope=ALL):
    df = frame(session, grades.grade_rows(session, as_of=A, rules=_rules(), scope=scope)).sort_values("customer_id")
    return {r[0]: tuple(r[1:]) for r in df[COLS].itertuples(index=False)}


def _rules():
    from custdash.rules import load_rules

    return load_rules()


def test_every_customers_grade_on_the_boundary_extract(example_session):
    got = _table(example_session)
    assert list(got) == ALL_IDS
    assert got == {c: EXPECTED.get(c, NOTHING) for c in ALL_IDS}


def test_the_customer_page_shows_the_grade_with_its_reasons(example_session):
    one = grades.grade_of(example_session, customer_id="C18", as_of=A, rules=_rules(), scope=Scope(manager_id="M3"))
    assert {k: one[k] for k in ("aum", "products", "activity", "fallback", "mobile_banking", "score", "grade")} == {
        "aum": 60000.0,
        "products": 3,
        "activity": 0,
        "fallback": True,
        "mobile_banking": True,
        "score": 41.0,
        "grade": "C",
    }
    # Outside the viewer's scope: nothing.
    assert (
        grades.grade_of(example_session, customer_id="C18", as_of=A, rules=_rules(), scope=Scope(manager_id="M1"))
        is None
    )


def test_logins_score_by_their_steps_and_end_the_fallback(tmp_path):
    """With channel_monthly.csv, logins in the basis month (2026-10) score 0/40/40/70/70/100 at
    0/1/4/5/14/15; a September row does not count; C16, a mobile-banking holder without an
    October row, has 0 logins (the fallback applies only to a store without any row)."""
    folder = tmp_path / "extract"
    shutil.copytree(EXAMPLE, folder)
    rows = [("C01", 0), ("C02", 1), ("C03", 4), ("C04", 5), ("C05", 14), ("C06", 15)]
    text = "customer_id,month,mobile_logins\n" + "".join(f"{c},2026-10,{n}\n" for c, n in rows)
    (folder / "channel_monthly.csv").write_text(text + "C07,2026-09,30\n", encoding="utf-8")
    target = fresh_store(tmp_path)
    import_extract(folder, target)
    engine = make_engine(target)
    with Session(engine) as s:
        got = _table(s)
    engine.dispose()
    assert {c: got[c][5] for c in ("C01", "C02", "C03", "C04", "C05", "C06", "C07", "C16")} == {
        "C01": 0,
        "C02": 40,
        "C03": 40,
        "C04": 70,
        "C05": 70,
        "C06": 100,
        "C07": 0,
        "C16": 0,
    }
    # C06: 40 x 100 + 20 x 100 = 6,000: exactly B's 60.
    assert got["C06"][6:] == (6000, "B")


def test_grades_by_branch_and_by_tier(example_session):
    from custdash.queries.grades import grade_by_tier, grades_by

    by = grades_by(example_session, as_of=A, rules=_rules(), split="branch")
    found = {(r.key, r.grade): r.customers for r in by.itertuples() if r.customers}
    # B1: C16 D, nine E; B2: C05, C06, C18 C, C17 D, C07 and C11-C13 E; B3: 21 E.
    assert found == {("B1", "D"): 1, ("B1", "E"): 9, ("B2", "C"): 3, ("B2", "D"): 1, ("B2", "E"): 4, ("B3", "E"): 21}
    assert len(by) == 3 * 5  # every grade of every branch, zeros included
    tiers = grade_by_tier(example_session, as_of=A, rules=_rules())
    cells = {(r.tier, r.grade): r.customers for r in tiers.itertuples() if r.customers}
    assert cells == {
        ("V0", "D"): 2,  # C16, C17
        ("V0", "E"): 27,
        ("V1", "C"): 1,  # C18
        ("V1", "E"): 6,
        ("V2", "E"): 1,  # C26: V2 with grade E, at risk
        ("V5", "C"): 1,
        ("V6", "C"): 1,
    }
    assert len(tiers) == 7 * 5
