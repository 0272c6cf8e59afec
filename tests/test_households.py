"""Households (DOMAIN.md §8) on the boundary extract (examples/boundary, README "Households"):
every household row, the near-threshold list, the page's views, the customer page's members
with what a viewer outside their scope may not see, the shared entitlement, the CLI; each
whole, worked out by hand from the README table."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from sqlmodel import Session

from custdash import auth, households
from custdash.db import make_engine
from custdash.importer import import_extract
from custdash.lists.alliance_unused import unused_entitlement
from custdash.queries import household as views_household
from custdash.queries.alliance import alliance_by_tier
from custdash.rules import load_rules
from custdash.scope import ALL, Scope
from custdash.source import LIVE
from custdash.statements import frame
from custdash.views import call_list, customer_360
from tests.conftest import EXAMPLE, EXAMPLE_AS_OF, ROOT, fresh_store, rules_variant

A = EXAMPLE_AS_OF
MONTH_END = date(2026, 10, 31)  # written after the load
ANY_DAY = date(2026, 11, 3)  # computed live

HEADERS = households.COLUMNS
# (household, head, name, phone, branch, manager, members, AUM, tier, highest member's tier,
# highest member, their AUM) at A, basis month 2026-10.
ROWS_AT_A = [
    ("H01", "C01", "赵一", "13800000001", "B1", "M1", 3, 49999.99, "V0", "V0", "C01", 49999.99),
    ("H02", "C11", "褚十一", "13800000011", "B2", "M3", 2, 90000.0, "V1", "V1", "C03", 90000.0),
    ("H03", "C04", "李四", "13800000004", "B1", "M2", 2, 89999.99, "V1", "V1", "C04", 89999.99),
    # C27 and C28 both 60,000: the lowest id is the highest member. V2 above every member: hidden.
    ("H04", "C27", "辛二七", "13800000027", "B3", "M4", 3, 175000.0, "V2", "V1", "C27", 60000.0),
    # 35,000 + 35,000.01 + 0: V1 of three V0 members (hidden value).
    ("H05", "C23", "丁二三", "13800000023", "B3", "M4", 3, 70000.01, "V1", "V0", "C24", 35000.01),
    ("H06", "C26", "庚二六", "13800000026", "B3", "M4", 2, 100000.0, "V2", "V2", "C26", 100000.0),
    ("H07", "C06", "吴六", '=HYPERLINK("x")', "B2", "M3", 2, 5400000.0, "V5", "V5", "C06", 5400000.0),
    # C15 opened 8 November: a member at A. H09 (head C19 opened after A) and H10 (one member) are not shown.
    ("H08", "C02", "钱二", "13800000002", "B1", "M1", 2, 50000.0, "V1", "V1", "C02", 50000.0),
]


def _rows(session, *, as_of, rules, scope=ALL):
    stmt = households.rows(session, as_of=as_of, rules=rules, scope=scope).order_by(None)
    df = frame(session, stmt).sort_values("household_id")
    return [tuple(r) for r in df[HEADERS].itertuples(index=False)]


def test_every_household_row_at_the_extract_date(example_session, rules):
    assert _rows(example_session, as_of=A, rules=rules) == ROWS_AT_A


@pytest.mark.parametrize("day", [A, MONTH_END, ANY_DAY], ids=["extract", "month-end", "any-day"])
def test_written_households_agree_with_live(example_db, rules, day):
    engine = make_engine(example_db)
    with Session(engine) as fast, Session(engine) as live:
        live.info[LIVE] = True
        assert households.from_facts(fast, as_of=day, rules=rules) == (day != ANY_DAY)
        for scope in (ALL, Scope(branch_id="B1"), Scope(manager_id="M3")):
            assert _rows(fast, as_of=day, rules=rules, scope=scope) == _rows(live, as_of=day, rules=rules, scope=scope)
            for view in ("household_totals", "household_grid", "household_sizes", "hidden_households"):
                a = getattr(views_household, view)(fast, as_of=day, rules=rules, scope=scope)
                b = getattr(views_household, view)(live, as_of=day, rules=rules, scope=scope)
                assert (a == b) if isinstance(a, dict) else a.equals(b), (view, scope)
            got = call_list("household", fast, as_of=day, rules=rules, scope=scope)
            assert got.equals(call_list("household", live, as_of=day, rules=rules, scope=scope))
    engine.dispose()


def test_households_at_the_month_end(example_session, rules):
    """31 October (basis September): C14 and C15 are not opened yet (H08 is down to one member),
    and September's AUM: C01 52,000 (V1), C03 80,000, no rows for C23-C29 (0)."""
    got = {r[0]: (r[6], r[7], r[8]) for r in _rows(example_session, as_of=MONTH_END, rules=rules)}
    assert got == {
        "H01": (2, 52000.0, "V1"),
        "H02": (2, 80000.0, "V1"),
        "H03": (2, 0.0, "V0"),
        "H04": (3, 0.0, "V0"),
        "H05": (3, 0.0, "V0"),
        "H06": (2, 0.0, "V0"),
        "H07": (2, 5400000.0, "V5"),
    }


LIST_ROWS = [
    # head, household, members, AUM, tier, next tier, next bound, gap, next tier's tickets,
    # highest member's relation, id and AUM
    ("C01", "H01", 3, 49999.99, "V0", "V1", 50000.0, 0.01, 4, "head", "C01", 49999.99),
    # Exactly (1 - 10%) x 100,000: on the list.
    ("C11", "H02", 2, 90000.0, "V1", "V2", 100000.0, 10000.0, 6, "child", "C03", 90000.0),
    ("C06", "H07", 2, 5400000.0, "V5", "V6", 6000000.0, 600000.0, 24, "head", "C06", 5400000.0),
]
LIST_COLS = [
    "customer_id",
    "household_id",
    "members",
    "household_aum",
    "household_tier",
    "next_tier",
    "next_bound",
    "gap",
    "next_entitlement",
    "top_relation",
    "top_member",
    "top_aum",
]


def _list(session, rules, scope=ALL, **extra):
    df = call_list("household", session, as_of=A, rules=rules, scope=scope, **extra)
    return [tuple(None if v != v else v for v in r) for r in df[LIST_COLS].astype(object).itertuples(index=False)]


def test_household_list_whole(example_session, rules):
    """H03 at 89,999.99 is one cent below the band; H05 (70,000.01), H04 (175,000) and H08
    (50,000) are not near; a household of one (H10) is not shown."""
    assert _list(example_session, rules) == LIST_ROWS


def test_a_wider_band_takes_the_cent_below(example_session, rules):
    # 20%: V1 from 80,000 (H03 at 89,999.99, gap 10,000.01), V2 from 160,000 (H04 at 175,000).
    ids = [r[1] for r in _list(example_session, rules, band=0.2)]
    assert ids == ["H01", "H02", "H03", "H04", "H07"]


def test_the_highest_member_outside_the_scope_is_not_named(example_session, rules):
    """H02's head C11 is M3's (B2); its richest member C03 is B1's: M3 and B2's head see only
    that it is a child, not who or how much."""
    masked = [r[:10] + (None, None) if r[1] == "H02" else r for r in LIST_ROWS if r[1] in ("H02", "H07")]
    assert _list(example_session, rules, Scope(manager_id="M3")) == masked
    assert _list(example_session, rules, Scope(branch_id="B2")) == masked


def _members(session, rules, customer_id, scope):
    one = customer_360(session, as_of=A, rules=rules, scope=scope, customer_id=customer_id)
    return one["family"]


def test_customer_page_members_for_a_manager_a_head_and_an_admin(example_session, rules):
    own = {"relation": "head", "customer_id": "C01", "name": "赵一", "tier": "V0", "basis_aum": 49999.99}
    child = {"relation": "child", "customer_id": "C14", "name": "沈十四", "tier": "V0", "basis_aum": 0.0}
    spouse = {"relation": "spouse", "customer_id": "C10", "name": "陈十", "tier": "V0", "basis_aum": 0.0}
    base = {"household_id": "H01", "shown": True, "size": 3, "household_aum": 49999.99, "household_tier": "V0"}
    # M1 sees C10 (M2's) only as a spouse served by another manager.
    manager = _members(example_session, rules, "C01", Scope(branch_id="B1", manager_id="M1"))
    assert manager == {**base, "members": [own, {"relation": "spouse", "elsewhere": "manager"}, child]}
    # B1's head sees the whole household; so does an admin.
    assert _members(example_session, rules, "C01", Scope(branch_id="B1")) == {**base, "members": [own, spouse, child]}
    assert _members(example_session, rules, "C01", ALL) == {**base, "members": [own, spouse, child]}
    # H02 through its head C11 (B2): C03 is another branch's, for M3 and for B2's head alike.
    head = {"relation": "head", "customer_id": "C11", "name": "褚十一", "tier": "V0", "basis_aum": 0.0}
    other_branch = {
        "household_id": "H02",
        "shown": True,
        "size": 2,
        "household_aum": 90000.0,
        "household_tier": "V1",
        "members": [head, {"relation": "child", "elsewhere": "branch"}],
    }
    assert _members(example_session, rules, "C11", Scope(branch_id="B2", manager_id="M3")) == other_branch
    assert _members(example_session, rules, "C11", Scope(branch_id="B2")) == other_branch


def test_customer_page_household_not_shown(example_session, rules):
    # C05 alone in H10; C09's head C19 opened after A; C40 in no household.
    alone = _members(example_session, rules, "C05", ALL)
    assert (alone["shown"], alone["size"]) == (False, 1)
    assert _members(example_session, rules, "C09", ALL)["shown"] is False
    assert _members(example_session, rules, "C40", ALL) is None


def test_views_of_the_page(example_session, rules):
    at = {"as_of": A, "rules": rules}
    assert views_household.household_totals(example_session, **at) == {
        "households": 8,
        "members": 19,
        # 49,999.99 + 90,000 + 89,999.99 + 175,000 + 70,000.01 + 100,000 + 5,400,000 + 50,000
        "household_aum": 6_024_999.99,
        "hidden_value": 2,
    }
    grid = views_household.household_grid(example_session, **at)
    found = {(r.household_tier, r.top_tier): r.households for r in grid.itertuples() if r.households}
    assert found == {
        ("V0", "V0"): 1,
        ("V1", "V1"): 3,
        ("V2", "V1"): 1,
        ("V1", "V0"): 1,
        ("V2", "V2"): 1,
        ("V5", "V5"): 1,
    }
    # Every pair with the household tier at or above the member's: 7 + 6 + ... + 1.
    assert len(grid) == 28
    sizes = views_household.household_sizes(example_session, **at)
    assert sizes.values.tolist() == [[2, 5], [3, 3]]
    hidden = views_household.hidden_households(example_session, **at)
    assert hidden[["household_id", "customer_id", "household_tier", "top_tier"]].values.tolist() == [
        ["H04", "C27", "V2", "V1"],
        ["H05", "C23", "V1", "V0"],
    ]


SHARED_UNUSED = ["C05", "C07", "C06", "C20", "C26", "C27", "C28", "C29"]
SHARED_UNUSED += ["C04", "C11", "C13", "C15", "C18", "C23", "C24", "C25", "C02"]


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    """The boundary extract loaded under households.share_entitlement = true."""
    tmp = tmp_path_factory.mktemp("shared")
    path = rules_variant(tmp, "share_entitlement = false", "share_entitlement = true")
    rules = load_rules(path)
    target = fresh_store(tmp)
    import_extract(EXAMPLE, target, rules=rules)
    return target, rules


def test_shared_entitlement_on_and_off(example_session, rules, shared_db):
    """Off: each customer's own tier (76 tickets in all). On: each member of a household shown
    takes its tier's: C11, C13, C15 V1 (+4 each), C23-C25 V1 (+12), C27-C29 V2 (+6), C20 V2
    (+6), C07 V5 (+18): 130. H09's C09 keeps their own (the head opened after A)."""
    off = alliance_by_tier(example_session, as_of=A, rules=rules)
    assert int(off["entitled"].sum()) == 76
    assert list(unused_entitlement(example_session, as_of=A, rules=rules)["customer_id"]) == [
        "C05",
        "C06",
        "C26",
        "C04",
        "C18",
        "C27",
        "C28",
        "C29",
        "C02",
    ]
    target, shared = shared_db
    engine = make_engine(target)
    with Session(engine) as fast, Session(engine) as live:
        live.info[LIVE] = True
        for s in (fast, live):
            by_tier = alliance_by_tier(s, as_of=A, rules=shared)
            # Summed per the customers' own tier: V0's seven members now hold 4 + 4 + 4 + 12 + 6 + 18.
            assert dict(zip(by_tier["tier"], by_tier["entitled"])) == {
                "V0": 4 * 3 + 4 * 3 + 6 + 18,
                "V1": 7 * 4 + 3 * 2,
                "V2": 6,
                "V3": 0,
                "V4": 0,
                "V5": 18,
                "V6": 24,
            }
            assert int(by_tier["entitled"].sum()) == 130
            assert list(unused_entitlement(s, as_of=A, rules=shared)["customer_id"]) == SHARED_UNUSED
        one = customer_360(fast, as_of=A, rules=shared, scope=ALL, customer_id="C07")
        assert one["profile"]["entitlement"] == 18
        assert (
            customer_360(example_session, as_of=A, rules=rules, scope=ALL, customer_id="C07")["profile"]["entitlement"]
            == 0
        )
    engine.dispose()


def _cli(db, *args):
    return subprocess.run(
        [sys.executable, "-m", "custdash", *args, "--db", str(db)], capture_output=True, text=True, cwd=ROOT
    )


def test_cli_export_household_for_a_manager_and_a_head(example_store):
    engine = make_engine(str(example_store))
    with Session(engine) as s:
        auth.add_user(s, username="m3", password="Rivers-and-Lakes-42", role="manager", branch_id="B2", manager_id="M3")
        auth.add_user(s, username="h2", password="Rivers-and-Lakes-42", role="head", branch_id="B2")
    engine.dispose()
    for user in ("m3", "h2"):
        r = _cli(example_store, "export", "household", "--user", user, "--out", "-")
        assert r.returncode == 0, r.stderr
        lines = r.stdout.lstrip("\ufeff").splitlines()
        header = lines[0].split(",")
        rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
        assert [(x["customer_id"], x["household_id"], x["top_member"], x["top_aum"]) for x in rows] == [
            ("C11", "H02", "", ""),
            ("C06", "H07", "C06", "5400000.0"),
        ], user
        assert "C03" not in r.stdout and "孙三" not in r.stdout
    summary = json.loads(_cli(example_store, "summary", "--json", "--as-of", "2026-10-31").stdout)
    # 31 October: H07 (C06's 5,400,000 in September) on V6's band edge; H08 down to one member.
    assert summary["households"] == {"households": 7, "hidden_value": 0, "near_threshold": 1}


def _page(monkeypatch, db, viewer):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CUSTDASH_DB", str(db))
    monkeypatch.delenv("CUSTDASH_RULES", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["viewer"] = viewer
    at.run()
    at.switch_page("pages/household.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_page_shows_the_boundary_households(monkeypatch, example_store):
    at = _page(monkeypatch, example_store, auth.Viewer(username="admin", role="admin"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Households"] == "8" and metrics["Hidden household value"] == "2"
    assert list(at.dataframe[0].value["Household"]) == ["H04", "H05"]  # the hidden-value list
    assert list(at.dataframe[-1].value["Customer ID"]) == ["C01", "C11", "C06"]  # the call list, last


def test_an_extract_without_households_csv_says_so(monkeypatch, tmp_path):
    import shutil

    folder = tmp_path / "older"
    shutil.copytree(EXAMPLE, folder)
    (folder / "households.csv").unlink()
    target = fresh_store(tmp_path)
    import_extract(folder, target)
    engine = make_engine(target)
    with Session(engine) as s:
        rules = load_rules()
        assert views_household.has_households(s, as_of=A, rules=rules) is False
        assert _list(s, rules) == []
    engine.dispose()
    summary = json.loads(_cli(target, "summary", "--json").stdout)
    assert summary["households"] == {"households": 0, "hidden_value": 0, "near_threshold": 0}
    at = _page(monkeypatch, target, auth.Viewer(username="admin", role="admin"))
    assert [i.value for i in at.info] == [
        "This extract has no households.csv: the household views need it (docs/DATA_FORMAT.md)."
    ]


def test_the_customer_page_shows_a_member_elsewhere_only_by_relation(monkeypatch, example_store):
    """On screen: M1 opening C01 sees C10 (M2's) as "spouse · another manager", no id, name,
    tier or AUM; B1's head sees C10 whole."""
    from streamlit.testing.v1 import AppTest

    def shown(viewer):
        monkeypatch.setenv("CUSTDASH_DB", str(example_store))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["viewer"] = viewer
        at.query_params["customer"] = "C01"
        at.run()
        at.switch_page("pages/customer.py")
        at.run()
        assert not at.exception, at.exception
        tables = [d.value for d in at.dataframe if "Relation" in d.value.columns]
        assert len(tables) == 1
        return tables[0].values.tolist()

    manager = auth.Viewer(username="m1", role="manager", branch_id="B1", manager_id="M1")
    assert shown(manager) == [
        ["head", "C01", "赵一", "V0 Mass", "¥49,999.99"],
        ["spouse", "", "another manager", "", ""],
        ["child", "C14", "沈十四", "V0 Mass", "¥0.00"],
    ]
    head = auth.Viewer(username="h1", role="head", branch_id="B1")
    assert shown(head)[1] == ["spouse", "C10", "陈十", "V0 Mass", "¥0.00"]
