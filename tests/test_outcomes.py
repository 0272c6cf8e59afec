"""回检 on a hand-made extract: each list's outcome, contacted against not contacted, worked
out by hand (DOMAIN.md §7), through the library, the CLI and the page."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from sqlmodel import Session

from custdash import auth
from custdash.contact_log import NewContact, log_contact
from custdash.outcomes import outcome_summary
from custdash.scope import ALL, Scope
from custdash.views import outcome_table
from tests.conftest import ROOT, build_store, customer

AS_OF = "2026-11-15"
A = date(2026, 11, 15)
START, END = date(2026, 10, 1), A  # on the lists as they stood on 1 October


def _card(cid: str) -> dict:
    return {"card_id": f"K{cid}", "customer_id": cid, "opened_on": "2020-01-01", "status": "active", "balance": 100}


def _txn(tid: str, cid: str, ts: str) -> dict:
    return {"txn_id": tid, "card_id": f"K{cid}", "ts": ts, "amount": 10, "direction": "out", "kind": "purchase"}


def _aum(cid: str, **months: float) -> list[dict]:
    return [{"customer_id": cid, "month": m.replace("_", "-"), "avg_daily_aum": v} for m, v in months.items()]


# Dormant on 1 October (last activity January 2025): D1 contacted 5 October and active again on
# 20 October (an outcome), D2 contacted and never active (none), D3 not contacted and active
# on 10 October (the control group's outcome).
# Near V1 on 1 October (basis month September, 48,000 >= 45,000), cards in use: T1 contacted
# and V1 in October's basis (an outcome), T2 contacted and still V0, T3 not contacted and V1.
# In honeymoon on 1 October with wave 1 due: H1 (opened 28 September) contacted on 2 October
# and bound mobile banking on day 6 (an outcome); H2 (opened 27 September) not contacted, bound
# it on day 9, after the wave's last day (none).
# Churn on 1 October (basis September, 40,000 <= 70% of June's 60,000): C1 contacted 5 October
# and October's AUM back to 41,000 (an outcome); C2 not contacted, 39,000 in October (none).
# Downgrade risk on 1 October (September: average 120,000, V2; month-end below 100,000): G1
# contacted 3 October and still V2 in October (an outcome); G2 not contacted, V1 in October.
# (Both V2: on the cinema list too, uncontacted, with no redemption.)
# Maturity on 1 October: P1's deposit matures 10 October, contacted 2 October and renewed on 12
# October (retained: an outcome); P2's wealth product matures 20 October, not renewed.
# Households near V1 on 1 October (DOMAIN.md §8; no member near on their own): F1 + F2 (M1),
# 30,000 + 16,000 in September, contacted 5 October, 30,000 + 21,000 = V1 in October (an
# outcome); F3 + F4 (M2), 40,000 + 5,000 (exactly on the band), not contacted, 44,000 in October.
FILES = {
    "customers": [
        *[customer(c, manager_id="M1") for c in ("D1", "D2", "T1", "C1", "G1", "P1")],
        *[customer(c, manager_id="M2") for c in ("D3", "T2", "T3", "C2", "G2", "P2")],
        customer("H1", opened_on="2026-09-28", manager_id="M1"),
        customer("H2", opened_on="2026-09-27", manager_id="M2"),
        *[customer(c, manager_id="M1") for c in ("F1", "F2")],
        *[customer(c, manager_id="M2") for c in ("F3", "F4")],
    ],
    "households": [
        {"household_id": "HF1", "customer_id": "F1", "relation": "head"},
        {"household_id": "HF1", "customer_id": "F2", "relation": "spouse"},
        {"household_id": "HF3", "customer_id": "F3", "relation": "head"},
        {"household_id": "HF3", "customer_id": "F4", "relation": "child"},
    ],
    "cards": [_card(c) for c in ("D1", "D2", "D3", "T1", "T2", "T3")],
    "transactions": [
        *[_txn(f"X{c}", c, "2025-01-10 10:00:00") for c in ("D1", "D2", "D3")],
        _txn("Y1", "D1", "2026-10-20 09:00:00"),
        _txn("Y3", "D3", "2026-10-10 09:00:00"),
        *[_txn(f"Z{c}", c, "2026-09-30 12:00:00") for c in ("T1", "T2", "T3")],
    ],
    "aum_monthly": [
        *_aum("T1", **{"2026_09": 48000, "2026_10": 52000}),
        *_aum("T2", **{"2026_09": 48000, "2026_10": 47000}),
        *_aum("T3", **{"2026_09": 46000, "2026_10": 51000}),
        *_aum("F1", **{"2026_09": 30000, "2026_10": 30000}),
        *_aum("F2", **{"2026_09": 16000, "2026_10": 21000}),
        *_aum("F3", **{"2026_09": 40000, "2026_10": 39000}),
        *_aum("F4", **{"2026_09": 5000, "2026_10": 5000}),
        *_aum("C1", **{"2026_06": 60000, "2026_09": 40000, "2026_10": 41000}),
        *_aum("C2", **{"2026_06": 60000, "2026_09": 40000, "2026_10": 39000}),
        {"customer_id": "G1", "month": "2026-09", "avg_daily_aum": 120000, "end_aum": 95000},
        {"customer_id": "G1", "month": "2026-10", "avg_daily_aum": 110000, "end_aum": 110000},
        {"customer_id": "G2", "month": "2026-09", "avg_daily_aum": 120000, "end_aum": 90000},
        {"customer_id": "G2", "month": "2026-10", "avg_daily_aum": 80000, "end_aum": 80000},
    ],
    "products": [
        {"customer_id": "H1", "product": "mobile_banking", "opened_on": "2026-10-04"},
        {"customer_id": "H2", "product": "mobile_banking", "opened_on": "2026-10-06"},
        {"customer_id": "P1", "product": "time_deposit", "opened_on": "2026-04-10", "matures_on": "2026-10-10"},
        {"customer_id": "P1", "product": "time_deposit", "opened_on": "2026-10-12", "amount": 100000},
        {"customer_id": "P2", "product": "wealth", "opened_on": "2026-04-20", "matures_on": "2026-10-20"},
    ],
}
MANAGERS = [
    {"manager_id": "M1", "branch_id": "B1", "manager_name": "王经理"},
    {"manager_id": "M2", "branch_id": "B1", "manager_name": "李经理"},
]
CONTACTS = [
    ("D1", "dormant", "reached", date(2026, 10, 5)),
    ("D2", "dormant", "no_answer", date(2026, 10, 5)),
    ("T1", "threshold", "converted", date(2026, 10, 5)),
    ("T2", "threshold", "declined", date(2026, 10, 6)),
    ("H1", "honeymoon-1", "reached", date(2026, 10, 2)),
    ("C1", "churn", "reached", date(2026, 10, 5)),
    ("G1", "downgrade", "reached", date(2026, 10, 3)),
    ("P1", "maturity", "converted", date(2026, 10, 2)),
    ("F1", "household", "reached", date(2026, 10, 5)),
    # Before the period: not a contact of this period (T3 stays in the control group).
    ("T3", "threshold", "reached", date(2026, 9, 30)),
]
EXPECTED = {
    "threshold": {"on_list": 3, "contacted": 2, "reached": 1, "outcome_rate": 0.5, "control_rate": 1.0},
    "dormant": {"on_list": 3, "contacted": 2, "reached": 1, "outcome_rate": 0.5, "control_rate": 1.0},
    "alliance-unused": {"on_list": 2, "contacted": 0, "reached": 0, "outcome_rate": None, "control_rate": 0.0},
    "honeymoon": {"on_list": 2, "contacted": 1, "reached": 1, "outcome_rate": 1.0, "control_rate": 0.0},
    "churn": {"on_list": 2, "contacted": 1, "reached": 1, "outcome_rate": 1.0, "control_rate": 0.0},
    "downgrade": {"on_list": 2, "contacted": 1, "reached": 1, "outcome_rate": 1.0, "control_rate": 0.0},
    "maturity": {"on_list": 2, "contacted": 1, "reached": 1, "outcome_rate": 1.0, "control_rate": 0.0},
    "household": {"on_list": 2, "contacted": 1, "reached": 1, "outcome_rate": 1.0, "control_rate": 0.0},
}


@pytest.fixture()
def worked(tmp_path, rules):
    session = build_store(tmp_path, as_of=AS_OF, managers=MANAGERS, **FILES)
    engine = session.get_bind()
    auth.add_user(session, username="head1", password="Rivers-and-Lakes-42", role="head", branch_id="B1")
    viewer = auth.viewer_of(session, "head1")
    with Session(engine) as write:
        for cid, list_name, outcome, on in CONTACTS:
            contact = NewContact(customer_id=cid, list_name=list_name, channel="phone", outcome=outcome, on=on)
            # Logged on the day it happened (contact.backdate_days: not months later).
            log_contact(session, write, viewer=viewer, rules=rules, contact=contact, today=on)
    session.commit()  # a new transaction: the contacts are seen
    yield session
    session.close()


def test_each_list_contacted_against_not_contacted(worked, rules):
    table = outcome_table(worked, as_of=A, rules=rules, scope=ALL, start=START, end=END)
    assert outcome_summary(table) == EXPECTED


def test_managers_side_by_side_and_each_managers_own(worked, rules):
    table = outcome_table(worked, as_of=A, rules=rules, scope=ALL, start=START, end=END)
    rows = table[~table["total"]][["list_name", "manager_id", "on_list", "contacted", "outcome_rate", "control_rate"]]
    assert rows.astype(object).where(rows.notna(), None).values.tolist() == [
        ["threshold", "M1", 1, 1, 1.0, None],
        ["threshold", "M2", 2, 1, 0.0, 1.0],
        ["dormant", "M1", 2, 2, 0.5, None],
        ["dormant", "M2", 1, 0, None, 1.0],
        ["alliance-unused", "M1", 1, 0, None, 0.0],
        ["alliance-unused", "M2", 1, 0, None, 0.0],
        ["honeymoon", "M1", 1, 1, 1.0, None],
        ["honeymoon", "M2", 1, 0, None, 0.0],
        *[
            row
            for name in ("churn", "downgrade", "maturity", "household")
            for row in ([name, "M1", 1, 1, 1.0, None], [name, "M2", 1, 0, None, 0.0])
        ],
    ]
    mine = outcome_table(worked, as_of=A, rules=rules, scope=Scope(branch_id="B1", manager_id="M1"), start=START)
    assert outcome_summary(mine)["dormant"] == {
        "on_list": 2,
        "contacted": 2,
        "reached": 1,
        "outcome_rate": 0.5,
        "control_rate": None,
    }


def test_an_outcome_after_the_as_of_date_or_the_window_does_not_count(worked, rules):
    """At 19 October D1's reactivation (20 October) has not happened yet; T1's October basis month
    is not a basis month yet either."""
    early = date(2026, 10, 19)
    summary = outcome_summary(outcome_table(worked, as_of=early, rules=rules, scope=ALL, start=START, end=early))
    assert summary["dormant"]["outcome_rate"] == 0.0
    assert summary["threshold"]["outcome_rate"] == 0.0


def test_a_period_ending_after_the_as_of_date_is_refused(worked, rules):
    with pytest.raises(ValueError, match="the period ends 2026-11-16, after the as-of date 2026-11-15"):
        outcome_table(worked, as_of=A, rules=rules, scope=ALL, start=START, end=date(2026, 11, 16))


def test_cli_prints_the_contract(worked):
    url = worked.get_bind().url
    db = url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=False)
    out = subprocess.run(
        [sys.executable, "-m", "custdash", "outcomes", "--json", "--from", START.isoformat(), "--db", db],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == EXPECTED
    bad = subprocess.run(
        [sys.executable, "-m", "custdash", "outcomes", "--from", "2026-12-01", "--db", db],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (bad.returncode, bad.stderr.strip()) == (1, "error: the period starts 2026-12-01, after its end 2026-11-15")


def test_the_demo_shows_contacting_doing_better_than_not(demo_db, rules):
    """The demo's contact history is drawn so that 回检 has something to show on first start:
    across the bank, on every list the contacted do better than the customers not contacted."""
    from tests.conftest import query_store

    table = query_store(demo_db, lambda s, **kw: outcome_table(s, scope=ALL, **kw), rules=rules)
    summary = outcome_summary(table)
    assert all(summary[name]["contacted"] > 0 for name in summary), summary
    assert {name: d["outcome_rate"] > d["control_rate"] for name, d in summary.items()} == dict.fromkeys(summary, True)


def test_an_empty_list_has_nothing_to_measure(tmp_path, rules):
    """A bank (or a demo of a few hundred customers) with nobody in honeymoon at the period's
    start: every figure zero, the rates empty, no error."""
    from custdash.outcomes import outcome_check

    session = build_store(tmp_path, as_of=AS_OF, customers=[customer("C1")])
    table = outcome_table(session, as_of=A, rules=rules, scope=ALL, start=START)
    empty = {"on_list": 0, "contacted": 0, "reached": 0, "outcome_rate": None, "control_rate": None}
    assert outcome_summary(table) == dict.fromkeys(EXPECTED, empty)
    for name in EXPECTED:
        check = outcome_check(name, session, [], rules=rules, as_of=A, start=START, window=90)
        assert callable(check)
    session.close()


def test_the_page_shows_differences_in_points_and_marks_small_samples(demo_db, monkeypatch, rules):
    """Issue #33: "差值" was shown in % (it is in percentage points), and a 100 % or 0 % rate
    from one customer looked like any other."""
    import re

    from streamlit.testing.v1 import AppTest

    from custdash.auth import Viewer
    from tests.conftest import ROOT

    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    monkeypatch.setenv("CUSTDASH_LANG", "zh")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["viewer"] = Viewer("head", "head", branch_id="B001")
    at.switch_page("pages/outcomes.py").run()
    assert not at.exception
    shown = at.dataframe[0].value
    small = rules.contact.small_sample
    assert all(re.fullmatch(r"([+-]\d+\.\d个百分点( \*)?)?", v) for v in shown["差值"]), shown["差值"].tolist()
    marked = [v.endswith("*") for v in shown["成效率"] if v]
    expected = [n < small for n, v in zip(shown["已联系"], shown["成效率"]) if v]
    assert marked == expected and any(marked)
    assert any("标 * 的比率基于不足 5 位客户" in c.value for c in at.caption)
