"""Issue #33's security round: what broke, each with the case that broke it (docs/SECURITY.md,
"Second review")."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import DEMO_AS_OF, ROOT, build_store

APP = str(ROOT / "app.py")


def test_streamlits_own_table_and_chart_exports_are_off_in_config_and_in_the_server():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    # The server sets it itself too (a server started from another folder reads no config.toml).
    probe = "import custdash.server, streamlit as st; print(st.config.get_option('client.disableDataExport'))"
    out = subprocess.run([sys.executable, "-c", probe], cwd="/", capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "True", out.stderr[-2000:]


_SATURATED = """
import asyncio, json
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
import custdash.server as server

def saturated():
    raise OperationalError("connect", {}, Exception("FATAL: sorry, too many clients already"))

server.writer_engine = saturated
body = b"username=admin&password=whatever-it-is&language=zh"
scope = {"type": "http", "method": "POST", "path": "/auth/login", "query_string": b"",
         "headers": [(b"host", b"h"), (b"origin", b"http://h"),
                     (b"content-type", b"application/x-www-form-urlencoded")]}

async def receive():
    return {"type": "http.request", "body": body, "more_body": False}

r = asyncio.run(server.login(Request(scope, receive)))
print(json.dumps([r.status_code, r.headers["location"]]))
"""


def test_sign_in_with_every_database_connection_taken_answers_a_page_not_a_bare_500():
    # In a process of its own: importing custdash.server marks the process as served by it.
    out = subprocess.run([sys.executable, "-c", _SATURATED], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [303, "/?lang=zh&signin=unavailable"]


def test_the_login_page_says_the_store_is_busy_after_such_a_sign_in(demo_db, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["signin"] = "unavailable"
    at.run()
    assert [e.value for e in at.error] == [
        "Sign-in is not possible right now: the data store is busy or cannot be reached. Try again in a "
        "minute; if it goes on, tell your administrator."
    ]


def _cli(*args: str, cwd=ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "custdash", *args],
        capture_output=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture()
def store(tmp_path, demo_db):
    from tests.conftest import pristine_demo

    # As built: the audit holds what these tests do, not what earlier tests of the process did.
    return pristine_demo(demo_db, tmp_path / "hardening.db")


def _exports(db) -> list[tuple[str, str, int]]:
    from tests.conftest import fetch

    return [
        tuple(r) for r in fetch(db, "SELECT username, list_name, rows FROM auth.audit_event WHERE event = 'export'")
    ]


def test_an_export_without_out_goes_to_the_export_folder_never_the_current_one(store, tmp_path):
    work, exports = tmp_path / "checkout", tmp_path / "exports"
    work.mkdir()
    r = _cli("export", "dormant", "--db", str(store), cwd=work, env={"CUSTDASH_EXPORT_DIR": str(exports)})
    assert r.returncode == 0, r.stderr
    assert list(work.iterdir()) == []
    [written] = list(exports.iterdir())
    assert written.name == f"custdash_dormant_all_{DEMO_AS_OF.isoformat()}.csv"
    assert f"to {written}" in r.stderr.decode()


def test_export_file_names_are_ignored_by_git(tmp_path):
    names = [
        "custdash_dormant_all_2026-11-22.csv",
        "custdash_threshold_branch-B001_2026-11-22.xlsx",
        "data/exports/x.csv",
    ]
    r = subprocess.run(["git", "check-ignore", *names], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == names


def test_export_to_a_missing_folder_is_named_and_no_export_is_audited(store, tmp_path):
    before = _exports(store)
    r = _cli("export", "dormant", "--db", str(store), "--out", str(tmp_path / "nowhere" / "d.csv"))
    assert r.returncode == 1 and r.stdout == b""
    assert (
        r.stderr.decode().strip()
        == f"error: --out {tmp_path / 'nowhere' / 'd.csv'}: there is no folder {tmp_path / 'nowhere'}"
    )
    assert _exports(store) == before


def test_export_to_a_folder_writes_the_default_name_inside_it(store, tmp_path):
    r = _cli("export", "dormant", "--user", "manager", "--db", str(store), "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / f"custdash_dormant_branch-B001_manager-M0001_{DEMO_AS_OF.isoformat()}.csv").is_file()


def test_the_cli_and_the_dashboard_deliver_a_manager_the_same_phones(store, rules):
    """One rule for both: the customer's own manager gets full numbers, with or without a flag."""
    from sqlmodel import Session

    from custdash.auth import viewer_of
    from custdash.db import make_engine
    from custdash.delivery import ListRequest, deliver_list

    engine, writer = make_engine(str(store)), make_engine(str(store), writer=True)
    with Session(engine) as read, Session(writer) as audit:
        viewer = viewer_of(audit, "manager")
        request = ListRequest(name="dormant", fmt="csv", as_of=DEMO_AS_OF)
        dashboard = deliver_list(read, audit, viewer=viewer, rules=rules, request=request).data
    engine.dispose()
    writer.dispose()
    plain = _cli("export", "dormant", "--user", "manager", "--out", "-", "--db", str(store))
    flagged = _cli("export", "dormant", "--user", "manager", "--reveal-phones", "--out", "-", "--db", str(store))
    assert plain.returncode == 0 and flagged.returncode == 0, plain.stderr
    assert plain.stdout == dashboard == flagged.stdout
    assert b"****" not in dashboard.split(b"\n", 2)[1]  # the first row's phone is whole


def _bad_rules(tmp_path):
    from custdash.rules import DEFAULT_RULES_PATH

    bad = tmp_path / "secret-place" / "bank-rules.toml"
    bad.parent.mkdir()
    bad.write_text(DEFAULT_RULES_PATH.read_text(encoding="utf-8").replace("band = 0.10", "band = -1"), encoding="utf-8")
    return bad


def test_a_visitor_sees_what_is_wrong_with_the_rules_but_not_where_the_file_is(demo_db, tmp_path, monkeypatch):
    bad = _bad_rules(tmp_path)
    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    monkeypatch.setenv("CUSTDASH_RULES", str(bad))
    at = AppTest.from_file(APP, default_timeout=60).run()
    shown = " ".join(e.value for e in at.error) + " ".join(c.value for c in at.code)
    assert "threshold.band: must be >= 0, got -1" in shown
    assert "secret-place" not in shown and str(demo_db) not in shown
    assert "shown to an administrator" in shown


def test_an_administrator_sees_the_rules_files_path(demo_db, tmp_path, monkeypatch):
    from custdash.auth import Viewer

    bad = _bad_rules(tmp_path)
    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    monkeypatch.setenv("CUSTDASH_RULES", str(bad))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.run()
    assert str(bad) in " ".join(e.value for e in at.error)


def test_a_visitor_is_not_told_the_database_servers_host_port_name_or_user(monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CUSTDASH_DB", f"postgresql://teller7:s3cret-pw@127.0.0.1:{port}/branchbank")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error) + " ".join(c.value for c in at.code)
    assert "cannot be reached" in shown and "Check that PostgreSQL is running" in shown
    for secret in ("s3cret-pw", "127.0.0.1", str(port), "teller7", "branchbank"):
        assert secret not in shown, (secret, shown)


def test_ids_that_are_digit_strings_keep_their_zeros_in_the_csv_people_open_in_excel(tmp_path, rules):
    """Issue #33: `000123` and branch `0007` lost their zeros in Excel (the phone was protected)."""
    from datetime import date

    from custdash.auth import Viewer
    from custdash.delivery import ListRequest, deliver_list
    from tests.conftest import customer

    as_of = date(2026, 11, 15)
    session = build_store(
        tmp_path,
        as_of=as_of.isoformat(),
        **{
            "branches": [{"branch_id": "0007", "branch_name": "城东支行"}],
            "managers": [{"manager_id": "0012", "branch_id": "0007", "manager_name": "王经理"}],
            "customers": [
                customer("000123", branch_id="0007", manager_id="0012", phone="13800000001"),
                customer("000456", branch_id="0007", manager_id="0012", phone="13800000002"),
            ],
            "aum_monthly": [
                {"customer_id": "000123", "month": "2026-10", "avg_daily_aum": 46000, "end_aum": 46000},
                {"customer_id": "000456", "month": "2026-10", "avg_daily_aum": 47000, "end_aum": 47000},
            ],
        },
    )
    admin = Viewer("root", "admin")
    request = ListRequest(name="threshold", fmt="csv", as_of=as_of, lang="en")
    human = deliver_list(session, session, viewer=admin, rules=rules, request=request).data.decode("utf-8-sig")
    machine_request = ListRequest(name="threshold", fmt="csv", as_of=as_of)
    machine = deliver_list(session, session, viewer=admin, rules=rules, request=machine_request).data
    session.close()
    import csv

    rows = list(csv.reader(human.splitlines()))[1:]
    assert [r[0] for r in rows] == ['="000456"', '="000123"']
    assert all('="0007"' in r and '="0012"' in r for r in rows), rows
    lines = machine.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["000456", "000123"]  # plain for machines
    assert '="' not in machine.decode("utf-8-sig")


def test_the_audit_prints_whole_numbers_and_readable_filters_and_says_when_there_is_nothing(store, tmp_path):
    r = _cli("audit", "--db", str(store))
    assert r.stdout.decode().strip() == "no audit events"
    assert _cli("export", "dormant", "--user", "manager", "--out", str(tmp_path), "--db", str(store)).returncode == 0
    [line] = r2 = _cli("audit", "--db", str(store)).stdout.decode().splitlines()
    rows = _exports(store)[0][2]
    expected = f" dormant rows={rows} as_of {DEMO_AS_OF.isoformat()} · branch B001 · format csv · manager M0001 · revealed True"
    assert line.endswith(expected), r2
    assert "nan" not in line and ".0 " not in line and "{" not in line


def test_users_list_says_when_there_are_none(tmp_path):
    from custdash.importer import import_extract
    from tests.conftest import EXAMPLE, fresh_store

    target = fresh_store(tmp_path)
    import_extract(EXAMPLE, target)
    r = _cli("users", "list", "--db", target)
    assert (
        r.returncode == 0
        and r.stdout.decode().strip() == "no users yet: add one with `custdash users add NAME --role admin`"
    )


def test_a_link_notice_names_the_filter_in_the_readers_language(demo_db, monkeypatch):
    from custdash.auth import Viewer

    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = Viewer("head", "head", branch_id="B001")
    at.query_params.update(branch="B002", lang="zh")
    at.run()
    assert [w.value for w in at.warning] == ["链接请求的网点 'B002' 超出您的权限，已显示您名下的客户。"]


def test_the_audit_page_shows_filters_as_text(demo_db, monkeypatch):
    from custdash.auth import Viewer

    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.switch_page("pages/audit.py").run()
    shown = at.dataframe[0].value
    assert not any("{" in str(v) for v in shown.iloc[:, 5]), shown.iloc[:, 5].tolist()


def test_after_a_bank_import_a_demo_password_is_told_why_it_fails(example_store, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", str(example_store))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="login_user").set_value("admin")
    at.text_input(key="login_password").set_value("demo-admin-2026")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [
        "Sign-in failed: check the user name and password, or try again in a few minutes."
    ]
    assert [i.value for i in at.info] == [
        "This dashboard holds the bank's own data: the demo accounts (admin, head, manager with their published "
        "passwords) ended with its first import. Ask your administrator for an account."
    ]


def test_on_demo_data_a_failed_sign_in_says_nothing_of_demo_accounts_ending(store, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", str(store))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="login_user").set_value("admin")
    at.text_input(key="login_password").set_value("not-the-password")
    at.button[0].click().run()
    assert len(at.error) == 1 and not at.info


def test_tiers_by_manager_name_the_customers_no_manager_serves(demo_db, monkeypatch):
    """Issue #33: they were a raw `null` bar, the tallest."""
    from custdash.auth import Viewer
    from custdash.models import Customer
    from tests.conftest import query_store

    unserved = query_store(demo_db, lambda s, **kw: s.query(Customer).filter(Customer.manager_id.is_(None)).count())
    assert unserved > 0  # the demo has them
    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    monkeypatch.setenv("CUSTDASH_LANG", "zh")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.switch_page("pages/tiers.py").run()
    at.button_group(key="tiers_split").set_value("manager").run()
    table = at.dataframe[0].value
    managers = table.iloc[:, 0].tolist()
    assert "无客户经理" in managers and all(isinstance(m, str) and m for m in managers)


def _customer_page(db, monkeypatch, viewer, **params):
    monkeypatch.setenv("CUSTDASH_DB", str(db))
    monkeypatch.setenv("CUSTDASH_LANG", "en")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = viewer
    at.query_params.update(params)
    at.switch_page("pages/customer.py").run()
    assert not at.exception, at.exception
    return at


def test_a_customer_page_can_be_bookmarked_and_sent_inside_the_viewers_scope(demo_db, monkeypatch):
    """Issue #33: `?customer=` was ignored."""
    from custdash.auth import Viewer
    from tests.conftest import fetch

    [(own, name)] = fetch(
        demo_db, "SELECT customer_id, name FROM customer WHERE manager_id = 'M0001' ORDER BY 1 LIMIT 1"
    )
    [(other,)] = fetch(demo_db, "SELECT customer_id FROM customer WHERE branch_id = 'B002' ORDER BY 1 LIMIT 1")
    manager = Viewer("manager", "manager", branch_id="B001", manager_id="M0001")
    at = _customer_page(demo_db, monkeypatch, manager, customer=own)
    assert at.subheader[0].value == f"{own} {name}"
    assert at.query_params["customer"] == own
    at = _customer_page(demo_db, monkeypatch, manager, customer=other)  # another branch's: nobody
    assert not at.subheader and [i.value for i in at.info] == ["No customer matches in your scope."]
    at = _customer_page(demo_db, monkeypatch, manager, customer="C1](javascript:x)")
    assert any(w.value.startswith("The link's customer value") for w in at.warning)


@pytest.mark.parametrize("days_back", [0, 5])  # the extract date (facts) and a day before it (live)
@pytest.mark.parametrize("waves", ["due", "overdue"])
def test_the_honeymoon_list_filtered_to_what_each_overview_tile_counts(example_db, rules, waves, days_back):
    """Issue #33: 蜜月待办 and 蜜月逾期 opened the same unfiltered list."""
    from datetime import timedelta

    from custdash.scope import ALL
    from custdash.summary import list_sizes
    from custdash.views import call_list, list_total
    from tests.conftest import EXAMPLE_AS_OF, query_store

    as_of = EXAMPLE_AS_OF - timedelta(days=days_back)
    whole = query_store(
        example_db, lambda s, **kw: call_list("honeymoon", s, scope=ALL, **kw), rules=rules, as_of=as_of
    )
    column = {"due": "due_waves", "overdue": "overdue_waves"}[waves]
    expected = [c for c, w in zip(whole["customer_id"], whole[column]) if w]
    shown = query_store(
        example_db, lambda s, **kw: call_list("honeymoon", s, scope=ALL, waves=waves, **kw), rules=rules, as_of=as_of
    )
    total = query_store(
        example_db, lambda s, **kw: list_total("honeymoon", s, scope=ALL, waves=waves, **kw), rules=rules, as_of=as_of
    )
    sizes = query_store(example_db, list_sizes, rules=rules, as_of=as_of)
    assert shown["customer_id"].tolist() == expected and expected
    assert total == len(expected) == sizes[f"honeymoon_{waves}"]


def test_the_overdue_tile_opens_the_honeymoon_list_of_overdue_waves(demo_db, monkeypatch, rules):
    from custdash.auth import Viewer
    from custdash.scope import Scope
    from custdash.summary import list_sizes
    from tests.conftest import query_store

    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    monkeypatch.setenv("CUSTDASH_LANG", "en")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = Viewer("head", "head", branch_id="B001")
    at.run()
    at.button(key="open_honeymoon_overdue").click().run()
    assert not at.exception and at.title[0].value == "Honeymoon"
    overdue = query_store(demo_db, list_sizes, rules=rules, scope=Scope(branch_id="B001"))["honeymoon_overdue"]
    assert f"{overdue:,} customers" in [c.value for c in at.caption]
    assert at.button_group(key="honeymoon_waves").value == "overdue"
