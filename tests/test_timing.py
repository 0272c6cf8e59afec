"""DOMAIN.md §6, the other timing points (churn warning, downgrade risk, maturity takeover,
birthdays): whole lists on the boundary extract (examples/boundary, customers C10 and
C20-C40, worked out by hand from its README), both edges of every window, their figures,
their 回检 outcomes, older extracts without the new columns, and the CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from types import SimpleNamespace

import pytest

from custdash.importer import import_extract
from custdash.outcomes import outcome_check
from custdash.queries.birthdays import birthdays_by_day
from custdash.queries.churn import churn_reasons
from custdash.queries.downgrade import downgrade_by_tier, has_end_aum
from custdash.queries.maturity import has_maturity_dates, maturities_by_week, retention
from custdash.scope import ALL, Scope
from custdash.views import call_list, list_total
from tests.conftest import EXAMPLE, EXAMPLE_AS_OF, ROOT, fresh_store

A = EXAMPLE_AS_OF  # 2026-11-15, basis month 2026-10


def _rows(session, name, rules, as_of=A, scope=ALL, columns=None):
    df = call_list(name, session, as_of=as_of, rules=rules, scope=scope)
    return df[columns or list(df.columns)].to_dict("list")


def test_churn_list_whole(example_session, rules):
    assert _rows(example_session, "churn", rules) == {
        "customer_id": ["C10", "C23", "C20"],
        "name": ["陈十", "丁二三", "甲二十"],
        "phone": ["13800000010", "13800000023", "13800000020"],
        "branch_id": ["B1", "B3", "B3"],
        "manager_id": ["M2", "M4", "M4"],
        "tier": ["V0", "V0", "V0"],
        # C20: 20,000 on day 90 of the window (18 Aug 00:00), 20,000, and 10,000 at 23:59:59 on A
        # from a frozen card; the 100,000 to its own account and the 100,000 coming in do not count.
        "outflows": [0, 0, 3],
        "outflow_total": [0.0, 0.0, 50000.0],
        # C10: 70,000 in July, nothing in October; C23: 50,000 (the floor) then exactly 70%.
        "earlier_aum": [70000.0, 50000.0, 0.0],
        "aum": [0.0, 35000.0, 0.0],
        "outflow": [False, False, True],
        "aum_drop": [True, True, False],
        "contact_status": ["new", "new", "new"],
    }


def test_churn_window_moves_with_the_as_of_date(example_session, rules):
    # A day earlier C20's last transfer (23:59:59 on the 15th) lies after the as-of date: two
    # left, not enough. C21's first transfer (23:59:59 on 17 Aug) is then inside the window,
    # but its third (the 15th) is not. C24 (70% + 0.01), C25 (under the floor) and C22
    # (49,999.99 in three) are never on it.
    assert _rows(example_session, "churn", rules, as_of=date(2026, 11, 14), columns=["customer_id"]) == {
        "customer_id": ["C10", "C23"]
    }


def test_churn_reasons_count_each_reason(example_session, rules):
    assert churn_reasons(example_session, as_of=A, rules=rules).to_dict("list") == {
        "reason": ["outflow", "aum_drop"],
        "customers": [1, 2],
    }


def test_downgrade_list_whole(example_session, rules):
    # C28's month-end equals V1's bound, C29 has no month-end, C01 is V0 with a low month-end,
    # C02 sits exactly on V1 at both: none of them is at risk.
    assert _rows(example_session, "downgrade", rules) == {
        "customer_id": ["C26", "C27"],
        "name": ["庚二六", "辛二七"],
        "phone": ["13800000026", "13800000027"],
        "branch_id": ["B3", "B3"],
        "manager_id": ["M4", "M4"],
        "tier": ["V2", "V1"],
        "aum": [100000.0, 60000.0],
        "end_aum": [99999.99, 40000.0],
        "shortfall": [0.01, 10000.0],
        "contact_status": ["new", "new"],
    }
    assert downgrade_by_tier(example_session, as_of=A, rules=rules).to_dict("list") == {
        "tier": ["V1", "V2", "V3", "V4", "V5", "V6"],
        "customers": [1, 1, 0, 0, 0, 0],
        "shortfall": [10000.0, 0.01, 0.0, 0.0, 0.0, 0.0],
    }


def test_maturity_list_whole(example_session, rules):
    # Not on it: C30's deposit maturing on A itself, C31's on A+31, and C31's deposit opened
    # the day after A.
    rows = _rows(example_session, "maturity", rules)
    rows["amount"] = _nan_to_none(rows["amount"])
    assert rows == {
        "customer_id": ["C32", "C30", "C32", "C31"],
        "name": ["寅三二", "子三十", "寅三二", "丑三一"],
        "phone": ["13800000032", "13800000030", "13800000032", "13800000031"],
        "branch_id": ["B3"] * 4,
        "manager_id": ["M4"] * 4,
        "product": ["time_deposit", "wealth", "wealth", "time_deposit"],
        "amount": [300000.0, 200000.0, 5000.0, None],
        "matures_on": [date(2026, 11, 16), date(2026, 11, 16), date(2026, 12, 15), date(2026, 12, 15)],
        "days_left": [1, 1, 30, 30],
        "contact_status": ["new"] * 4,
    }


def _nan_to_none(values):
    return [None if v != v else v for v in values]


def test_maturity_window_edges_a_day_earlier(example_session, rules):
    df = call_list("maturity", example_session, as_of=date(2026, 11, 14), rules=rules, scope=ALL)
    assert df[["customer_id", "matures_on", "days_left"]].to_dict("list") == {
        "customer_id": ["C30", "C32", "C30"],
        "matures_on": [date(2026, 11, 15), date(2026, 11, 16), date(2026, 11, 16)],
        "days_left": [1, 2, 2],
    }
    assert _nan_to_none(df["amount"].tolist()) == [50000.0, 300000.0, 200000.0]


def test_maturities_by_week_and_retention(example_session, rules):
    weeks = maturities_by_week(example_session, as_of=A, rules=rules)
    assert weeks.to_dict("list") == {
        "week": [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14)],
        "products": [2, 0, 0, 0, 2],
        "amount": [500000.0, 0.0, 0.0, 0.0, 5000.0],
    }
    # Matured in the 90 days up to A: C33's deposit (renewed on day 30: retained), C34's wealth
    # product (a fund on day 31: not) and C30's deposit (on A, not renewed). C35's matured on
    # 17 Aug, day 91.
    assert retention(example_session, as_of=A, rules=rules) == {"matured": 3, "retained": 1, "rate": 0.3333}
    assert retention(example_session, as_of=A, rules=rules, scope=Scope(branch_id="B1")) == {
        "matured": 0,
        "retained": 0,
        "rate": None,
    }


def test_birthdays_list_whole(example_session, rules):
    # 15 Nov: C26 (V2) before C37 (V0); 21 Nov (A+6): C38. Not: C36 (14 Nov), C39 (22 Nov, A+7),
    # C19 (16 Nov, but opened after A).
    assert _rows(example_session, "birthdays", rules) == {
        "customer_id": ["C26", "C37", "C38"],
        "name": ["庚二六", "未三七", "申三八"],
        "phone": ["13800000026", "13800000037", "13800000038"],
        "branch_id": ["B3"] * 3,
        "manager_id": ["M4"] * 3,
        "tier": ["V2", "V0", "V0"],
        "birthday": [date(2026, 11, 15), date(2026, 11, 15), date(2026, 11, 21)],
        "days_left": [0, 0, 6],
        "age": [56, 36, 41],
        "contact_status": ["new"] * 3,
    }
    assert birthdays_by_day(example_session, as_of=A, rules=rules)["customers"].tolist() == [2, 0, 0, 0, 0, 0, 1]


@pytest.mark.parametrize(
    ("as_of", "ids", "birthdays"),
    [
        # 2026 has no 29 February: C40's birthday falls on the 28th, inside 22-28 Feb.
        (date(2026, 2, 22), ["C40"], [date(2026, 2, 28)]),
        # 23 Feb - 1 Mar: the 28th is in it, so is C40.
        (date(2026, 2, 23), ["C40"], [date(2026, 2, 28)]),
        # 1-7 Mar: C08 (3 Mar); C16 (3 Mar too) opened only in November.
        (date(2026, 3, 1), ["C08"], [date(2026, 3, 3)]),
        # A leap year: the 29th itself.
        (date(2028, 2, 23), ["C40"], [date(2028, 2, 29)]),
        (date(2028, 2, 22), [], []),
    ],
)
def test_birthdays_on_29_february(example_session, rules, as_of, ids, birthdays):
    df = call_list("birthdays", example_session, as_of=as_of, rules=rules, scope=ALL)
    assert (df["customer_id"].tolist(), df["birthday"].tolist()) == (ids, birthdays)


def test_scoped_lists_hold_only_the_scope(example_session, rules):
    for name in ("churn", "downgrade", "maturity", "birthdays"):
        assert list_total(name, example_session, as_of=A, rules=rules, scope=Scope(manager_id="M3")) == 0
    assert _rows(example_session, "churn", rules, scope=Scope(branch_id="B1"), columns=["customer_id"]) == {
        "customer_id": ["C10"]
    }


def _member(cid: str) -> SimpleNamespace:
    return SimpleNamespace(customer_id=cid)


@pytest.mark.parametrize(
    ("name", "start", "contacted", "expected"),
    [
        # Churn: a later basis month at least the contact's. C03: nothing in July, 80,000 in
        # September; C23: 50,000 in July, 35,000 in October; C10: 70,000 in July, then nothing.
        ("churn", date(2026, 8, 20), date(2026, 8, 20), {"C03": True, "C23": False, "C10": False}),
        # Downgrade: the next basis month still in the tier. Contacted 20 Oct (basis September):
        # C26 was V0, is V2 in October (held); C01 fell from V1 to V0.
        ("downgrade", date(2026, 10, 20), date(2026, 10, 20), {"C26": True, "C01": False}),
        # Contacted 1 Nov: the next basis month (November) is not one by A.
        ("downgrade", date(2026, 11, 1), date(2026, 11, 1), {"C26": False}),
        # Maturity: C33's deposit (maturing 1 Sep, on the list on 20 Aug) was renewed on 1 Oct,
        # day 30; C34's wealth product was followed by a fund on day 31.
        ("maturity", date(2026, 8, 20), date(2026, 8, 25), {"C33": True, "C34": False}),
        # A renewal on the day of the contact or before it is not what the contact did.
        ("maturity", date(2026, 8, 20), date(2026, 10, 1), {"C33": False}),
    ],
)
def test_outcomes_of_the_new_lists(example_session, rules, name, start, contacted, expected):
    members = [_member(c) for c in expected]
    happened = outcome_check(name, example_session, members, rules=rules, as_of=A, start=start, window=90)
    assert {m.customer_id: happened(m, contacted) for m in members} == expected


def test_birthdays_have_no_outcome(example_session, rules):
    with pytest.raises(ValueError, match="no outcome is measured for the 'birthdays' list"):
        outcome_check("birthdays", example_session, [], rules=rules, as_of=A, start=A, window=90)


def test_older_extract_without_the_new_columns(tmp_path, rules):
    """An extract from before end_aum, matures_on and amount imports; the lists that need them
    are empty, and the pages can tell why."""
    old = tmp_path / "old"
    old.mkdir()
    for f in EXAMPLE.iterdir():
        (old / f.name).write_bytes(f.read_bytes())
    for name, drop in (("aum_monthly.csv", 3), ("products.csv", 3)):
        lines = (old / name).read_text(encoding="utf-8").splitlines()
        (old / name).write_text("\n".join(",".join(ln.split(",")[:drop]) for ln in lines) + "\n", encoding="utf-8")
    db = fresh_store(tmp_path)
    import_extract(old, db)
    from sqlmodel import Session

    from custdash.db import make_engine

    engine = make_engine(db)
    with Session(engine) as s:
        assert (has_end_aum(s), has_maturity_dates(s)) == (False, False)
        assert [list_total(n, s, as_of=A, rules=rules, scope=ALL) for n in ("downgrade", "maturity")] == [0, 0]
        # The other lists do not need them.
        assert call_list("birthdays", s, as_of=A, rules=rules, scope=ALL)["customer_id"].tolist() == [
            "C26",
            "C37",
            "C38",
        ]
    engine.dispose()


def test_store_with_the_new_columns_says_so(example_session):
    assert (has_end_aum(example_session), has_maturity_dates(example_session)) == (True, True)


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("churn", ["C10", "C23", "C20"]),
        ("downgrade", ["C26", "C27"]),
        ("maturity", ["C32", "C30", "C32", "C31"]),
        ("birthdays", ["C26", "C37", "C38"]),
    ],
)
def test_cli_export_of_each_new_list(example_db, tmp_path, name, ids):
    out = tmp_path / f"{name}.csv"
    r = subprocess.run(
        [sys.executable, "-m", "custdash", "export", name, "--out", str(out), "--db", example_db],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    lines = out.read_bytes().decode("utf-8").splitlines()
    assert lines[0].startswith("\ufeffcustomer_id,")
    assert [ln.split(",")[0] for ln in lines[1:]] == ids
    assert "138****00" in lines[1] and "13800000" not in lines[1]  # phones masked by default
