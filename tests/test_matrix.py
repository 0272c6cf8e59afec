"""The behaviour matrix's classes and stages (DOMAIN.md §9) on the boundary extract: each
customer's, whole, in the orders of precedence; the senior class's edge; a tag's class."""

from __future__ import annotations

import shutil

from sqlmodel import Session

from custdash import matrix
from custdash.db import make_engine
from custdash.importer import import_extract
from custdash.rules import load_rules
from custdash.statements import frame
from tests.conftest import EXAMPLE, EXAMPLE_AS_OF, fresh_store, rules_variant

A = EXAMPLE_AS_OF

# Worked out from the README table:
# - classes: C02 a family (a child ticket in the window); C03 and C17 acquired through the
#   alliance; C05 a film lover (six redemptions); C04, C08, C09, C16 payroll; the rest mass.
# - stages, the first that holds: C14-C17 new (honeymoon); lost: no active card and no AUM
#   (C07 none, C12 only frozen, C25, C30-C40 no card); dormant before declining (C10 is on both
#   the dormant and the churn list; C08, C11); declining: churn C20, C23, downgrade C26, C27;
#   growing: a tier above September's (C04, C05, C18, C28, C29: no September row or V5 -> V6);
#   C01 fell from V1 (stable), C13 holds an active card (stable).
EXPECTED = {
    "C01": ("mass", "stable"),
    "C02": ("family", "stable"),
    "C03": ("alliance", "stable"),
    "C04": ("payroll", "growing"),
    "C05": ("film_lover", "growing"),
    "C06": ("mass", "stable"),
    "C07": ("mass", "lost"),
    "C08": ("payroll", "dormant"),
    "C09": ("payroll", "stable"),
    "C10": ("mass", "dormant"),
    "C11": ("mass", "dormant"),
    "C12": ("mass", "lost"),
    "C13": ("mass", "stable"),
    "C14": ("mass", "new"),
    "C15": ("mass", "new"),
    "C16": ("payroll", "new"),
    "C17": ("alliance", "new"),
    "C18": ("mass", "growing"),
    "C20": ("mass", "declining"),
    "C21": ("mass", "stable"),
    "C22": ("mass", "stable"),
    "C23": ("mass", "declining"),
    "C24": ("mass", "stable"),
    "C26": ("mass", "declining"),
    "C27": ("mass", "declining"),
    "C28": ("mass", "growing"),
    "C29": ("mass", "growing"),
    **{f"C{i}": ("mass", "lost") for i in (25, *range(30, 41))},
}


def _table(session, rules):
    df = frame(session, matrix.class_stage_rows(session, as_of=A, rules=rules)).sort_values("customer_id")
    return {r.customer_id: (r[4], r.stage) for r in df.itertuples(index=False)}


def test_every_customers_class_and_stage(example_session, rules):
    assert _table(example_session, rules) == dict(sorted(EXPECTED.items()))


def test_senior_from_the_birthday_on(tmp_path):
    """With senior_age 56, C26 (born 15 November 1970) turns 56 on A: senior, before mass;
    C06 (born 12 December 1972) is not; C05 (57, a film lover) is senior first."""
    rules = load_rules(rules_variant(tmp_path, "senior_age = 60", "senior_age = 56"))
    target = fresh_store(tmp_path)
    import_extract(EXAMPLE, target, rules=rules)
    engine = make_engine(target)
    with Session(engine) as s:
        got = _table(s, rules)
    engine.dispose()
    assert {c: got[c][0] for c in ("C05", "C06", "C26")} == {"C05": "senior", "C06": "mass", "C26": "senior"}


def test_the_migrant_tag_comes_first(tmp_path):
    folder = tmp_path / "extract"
    shutil.copytree(EXAMPLE, folder)
    # C04 is payroll and C17 an alliance customer: the tag decides first; another tag does not.
    (folder / "customer_tags.csv").write_text("customer_id,tag\nC04,migrant_worker\nC17,migrant_worker\nC01,teacher\n")
    target = fresh_store(tmp_path)
    import_extract(folder, target)
    engine = make_engine(target)
    with Session(engine) as s:
        got = _table(s, load_rules())
    engine.dispose()
    assert {c: got[c] for c in ("C01", "C04", "C17")} == {
        "C01": ("mass", "stable"),
        "C04": ("migrant", "growing"),
        "C17": ("migrant", "new"),
    }


def test_years_before_a_29_february():
    from datetime import date

    assert matrix.years_before(date(2028, 2, 29), 60) == date(1968, 2, 29)
    assert matrix.years_before(date(2028, 2, 29), 61) == date(1967, 2, 28)
