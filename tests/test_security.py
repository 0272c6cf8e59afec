"""Attacks from the security review (issue #14), each reproduced and refused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from custdash import auth
from custdash.auth import AuthError, Viewer, authenticate
from custdash.db import DATA_SCHEMA, StoreError, held_a_store, make_engine, store_exists
from custdash.importer import ImportFailed, import_extract
from custdash.loadlock import StoreBusy, load_lock
from tests.conftest import EXAMPLE, ROOT, execute, fresh_store, on_sqlite, pristine_demo, table_digests

APP = str(ROOT / "app.py")
REAL_PASSWORD = "Kq7-walnut-harbor"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture()
def demo_store(tmp_path, demo_db):
    return pristine_demo(demo_db, tmp_path / "store.db")  # its audit as built


def _users(db) -> list[str]:
    engine = make_engine(str(db))
    with Session(engine) as s:
        out = [u.username for u in auth.list_users(s)]
    engine.dispose()
    return out


# --- demo accounts never touch real data ---------------------------------------------------------


def test_first_import_removes_the_demo_accounts(demo_store):
    """And every contact logged on demo data (a real customer may carry a demo customer's id)."""
    assert _users(demo_store) == ["admin", "head", "manager"]
    engine = make_engine(str(demo_store))
    with Session(engine) as s:
        contacts = s.execute(text("SELECT count(*) FROM auth.contact_log WHERE demo")).scalar_one()
    engine.dispose()
    assert contacts > 0
    import_extract(EXAMPLE, str(demo_store))
    assert _users(demo_store) == []
    engine = make_engine(str(demo_store))
    with Session(engine) as s, pytest.raises(AuthError):
        authenticate(s, "admin", "demo-admin-2026")
    with Session(engine) as s:
        events = s.execute(
            text("SELECT username, filters FROM auth.audit_event WHERE event = 'demo_users_removed'")
        ).all()
        left = s.execute(text("SELECT count(*) FROM auth.contact_log")).scalar_one()
    engine.dispose()
    assert [tuple(e) for e in events] == [("-", f'{{"contacts": {contacts}, "users": ["admin", "head", "manager"]}}')]
    assert left == 0


def test_demo_generator_never_overwrites_a_real_user(demo_store):
    from seed import DemoSpec, build_demo_store

    engine = make_engine(str(demo_store))
    with Session(engine) as s:
        auth.remove_demo_users(s)
        auth.add_user(s, username="admin", password=REAL_PASSWORD, role="admin")
    build_demo_store(str(demo_store), DemoSpec(customers=300, seed=2, as_of=date(2026, 11, 22)))
    with Session(engine) as s:
        assert authenticate(s, "admin", REAL_PASSWORD).role == "admin"
        with pytest.raises(AuthError):
            authenticate(s, "admin", "demo-admin-2026")
        assert authenticate(s, "head", "demo-head-2026").role == "head"  # a free name: a demo account
        assert auth.demo_accounts(s) == [
            ("head", "demo-head-2026", "head"),
            ("manager", "demo-manager-2026", "manager"),
        ]
    engine.dispose()


def test_demo_generator_refuses_a_store_holding_a_bank_extract(example_store):
    before = table_digests(example_store, skip=())
    r = _cli("-m", "seed", "--customers", "300", "--db", str(example_store))
    assert r.returncode == 1
    assert f"The store {example_store} holds a bank's data (source 'import')" in r.stderr
    assert "Traceback" not in r.stderr and table_digests(example_store, skip=()) == before


def test_login_page_lists_only_demo_accounts(demo_store, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", str(demo_store))
    engine = make_engine(str(demo_store))
    with Session(engine) as s:
        s.execute(text("DELETE FROM auth.demo_user WHERE username = 'admin'"))  # `admin` is now a real account
        s.commit()
    engine.dispose()
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert at.table[0].value["User name"].tolist() == ["head", "manager"]
    assert "demo-admin-2026" not in str(at.table[0].value)


def test_server_never_builds_a_demo_store_where_a_store_was(example_store, monkeypatch):
    """A damaged store moved aside while the server runs: the next visitor must not get a fresh
    demo store (with published demo passwords) in its place."""
    engine = make_engine(str(example_store))
    with Session(engine) as s:
        auth.add_user(s, username="boss", password=REAL_PASSWORD, role="admin")
    engine.dispose()
    if on_sqlite():
        os.replace(example_store, example_store.with_name("damaged.db"))
    else:  # PostgreSQL: the data schema dropped, users and audit left
        execute(example_store, f"DROP SCHEMA {DATA_SCHEMA} CASCADE")
    monkeypatch.setenv("CUSTDASH_DB", str(example_store))
    monkeypatch.setenv("CUSTDASH_DEMO_CUSTOMERS", "300")
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert "a store was here" in at.error[0].value and not at.table
    assert not store_exists(str(example_store))
    assert held_a_store(str(example_store))


# --- loads are serialised -------------------------------------------------------------------------


def test_a_second_import_is_refused_while_one_runs(example_store, tmp_path):
    before = table_digests(example_store, skip=())
    holder = r"pid \d+" if on_sqlite() else r"server process \d+"
    with load_lock(str(example_store)):
        with pytest.raises(ImportFailed, match=rf"Another load into .* is running \({holder}\); nothing was changed"):
            import_extract(EXAMPLE, str(example_store))
        r = _cli("-m", "custdash", "import", str(EXAMPLE), "--db", str(example_store))
        assert r.returncode == 1 and "Another load into" in r.stderr and "Traceback" not in r.stderr
        r = _cli("-m", "seed", "--customers", "300", "--db", fresh_store(tmp_path, "other.db"))
        assert r.returncode == 0  # another store: not blocked
    assert table_digests(example_store, skip=()) == before
    import_extract(EXAMPLE, str(example_store))  # the lock is gone with its holder


def test_three_imports_at_once_one_wins_the_others_say_so(example_store):
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "custdash", "import", str(EXAMPLE), "--db", str(example_store)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    ok = [r for r in results if r[0] == 0]
    refused = [r for r in results if r[0] == 1]
    assert len(ok) >= 1 and len(ok) + len(refused) == 3
    assert all(re.search(r"Another load into .* is running", err) for _rc, err in refused)


def test_load_lock_names_the_holder(tmp_path):
    db = str(tmp_path / "x.db")
    with load_lock(db):
        with pytest.raises(StoreBusy) as e:
            with load_lock(db):
                pass
    assert isinstance(e.value, StoreError) and f"pid {os.getpid()}" in str(e.value)


def test_viewer_of_refuses_disabled_users(demo_store):
    engine = make_engine(str(demo_store))
    with Session(engine) as s:
        assert auth.viewer_of(s, "head") == Viewer("head", "head", "B001")
        auth.set_disabled(s, username="head")
        with pytest.raises(auth.UserError, match="no enabled user 'head'"):
            auth.viewer_of(s, "head")
    engine.dispose()


# --- what users see ------------------------------------------------------------------------------


def _damage(db) -> None:
    """Overwrite some data pages in the middle of the file (the header stays valid)."""
    with open(db, "r+b") as fh:
        fh.seek(4096 * 6)
        fh.write(bytes(range(256)) * 64)


@pytest.mark.sqlite_only("damages the file's pages; test_stores.py has the PostgreSQL server that cannot be reached")
def test_check_names_a_damaged_store(example_store):
    _damage(example_store)
    r = _cli("-m", "custdash", "check", "--db", str(example_store))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "database disk image is malformed" in r.stderr or "is damaged" in r.stderr
    assert r.stderr.startswith("error: ") and "\nfix: " in r.stderr


def _damage_data_pages(db) -> None:
    """Every page but the schema's and meta's: the store opens, its data cannot be read."""
    import sqlite3

    con = sqlite3.connect(db)
    keep = {p for (p,) in con.execute("SELECT pageno FROM dbstat WHERE name IN ('sqlite_schema', 'meta')")}
    size, count = con.execute("PRAGMA page_size").fetchone()[0], con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    with open(db, "r+b") as fh:
        for page in range(1, count + 1):
            if page not in keep:
                fh.seek((page - 1) * size)
                fh.write(bytes(range(256)) * (size // 256))


@pytest.mark.sqlite_only("damages the file's pages; test_stores.py has the PostgreSQL server that cannot be reached")
def test_damaged_store_in_the_dashboard_shows_no_traceback(example_store, monkeypatch):
    _damage_data_pages(example_store)
    monkeypatch.setenv("CUSTDASH_DB", str(example_store))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "damaged" in shown and "Traceback" not in shown and "SELECT" not in shown and str(ROOT) not in shown


def test_an_unexpected_error_shows_an_incident_id_not_details(demo_store, monkeypatch, caplog):
    from custdash import ui

    def broken(*_a, **_k):
        raise RuntimeError(f"SELECT secret FROM customer -- {ROOT}/custdash/queries/tiers.py")

    monkeypatch.setenv("CUSTDASH_DB", str(demo_store))  # a store of its own: nothing cached for it
    monkeypatch.setitem(ui.VIEWS, "tiers", broken)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.run()
    assert not at.exception
    [message] = [e.value for e in at.error]
    incident = re.search(r"incident number ([0-9a-f]{8})", message).group(1)
    assert "SELECT" not in message and str(ROOT) not in message
    assert f"incident {incident}: RuntimeError" in caplog.text and "SELECT secret" in caplog.text


def test_streamlit_never_sends_error_details():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_a_full_disk_is_named_not_called_damage(tmp_path):
    """SQLite's own SQLITE_FULL, made real by a page limit."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from custdash.db import error_cause, store_read_error

    con = sqlite3.connect(tmp_path / "small.db")
    con.execute("CREATE TABLE t (x TEXT)")
    con.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.OperationalError) as caught:
        for _ in range(100):
            con.execute("INSERT INTO t VALUES (?)", ("x" * 4000,))
    wrapped = OperationalError("INSERT", {}, caught.value)
    assert error_cause(wrapped) == "disk_full"
    err = store_read_error(wrapped, "data/custdash.db")
    assert str(err) == "The disk holding data/custdash.db is full (database or disk is full). The store is not damaged."
    assert "damaged" not in err.fix and error_cause(OSError(28, "No space left on device")) == "disk_full"


@pytest.mark.parametrize(
    "value",
    [
        "[click](http://evil.example/x)",
        "![img](http://evil.example/p.png)",
        "<img src=x onerror=alert(1)>",
        "**b** `c`",
    ],
)
def test_url_parameters_are_shown_as_plain_text(demo_store, monkeypatch, value):
    from custdash.ui import plain

    monkeypatch.setenv("CUSTDASH_DB", str(demo_store))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.query_params["branch"] = value
    at.run()
    [notice] = [w.value for w in at.warning]
    # Every markdown character escaped: the notice renders the text as typed, no link, no image.
    assert plain(value[:40]) in notice
    assert re.search(r"(?<!\\)[\[\]()<>*`!]", notice.split("value", 1)[1]) is None


# --- downloads are delivered to their own session, checked at delivery ----------------------------


def test_a_download_id_is_served_only_to_the_session_that_drew_it():
    """Security review: a deferred download's id seen in one browser was served to another
    (never signed in) and audited as the first user."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from streamlit.proto.BackMsg_pb2 import BackendOperationRequest
    from streamlit.runtime import backend_operation_handler as ops

    import custdash.ui  # noqa: F401 - installs the check on Streamlit's handler

    delivered: list[str] = []

    class Media:
        _deferred_callables = {"f1": {"session_id": "owner"}}

        def execute_deferred(self, file_id: str) -> str:
            delivered.append(file_id)
            return f"/media/{file_id}.csv"

    handler = ops.DeferredFileHandler(lambda: Media())

    def run(coro):  # its own thread: another test may have left a loop running here
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coro).result()

    request = BackendOperationRequest(request_id="r1")
    request.deferred_file.file_id = "f1"
    stolen = run(handler.handle(request, "someone-else"))
    assert stolen.error_msg == "Failed to generate file for download" and delivered == []
    unknown = BackendOperationRequest(request_id="r2")
    unknown.deferred_file.file_id = "nope"
    assert run(handler.handle(unknown, "owner")).error_msg and delivered == []
    own = run(handler.handle(request, "owner"))
    assert own.deferred_file.url == "/media/f1.csv" and delivered == ["f1"]


def test_export_checks_the_session_when_the_file_is_made(demo_store, monkeypatch, rules):
    """The dashboard's download callable: a session ended (or a user disabled) since the button
    was drawn gets no file, and the refusal is audited; a live one gets the user's rights now."""
    from custdash import ui
    from tests.conftest import demo_view

    engine = make_engine(str(demo_store))
    with Session(engine) as s:
        head = authenticate(s, "head", "demo-head-2026")
        token = auth.start_session(s, head)
    # What the page once showed (admin); the session says head now.
    view = demo_view(demo_store, Viewer("admin", "admin"), rules)
    data = ui.export_file(view, "dormant", "csv", {}, token)
    # Branch is the fifth column: the status comes after the phone, as on screen.
    assert {line.split(",")[4] for line in data.decode("utf-8-sig").splitlines()[1:]} == {"B001"}
    with Session(engine) as s:
        auth.end_session(s, token)
    with pytest.raises(ui.DownloadRefused):
        ui.export_file(view, "dormant", "csv", {}, token)
    with Session(engine) as s:
        events = [
            tuple(r) for r in s.execute(text("SELECT username, event FROM auth.audit_event WHERE event LIKE 'export%'"))
        ]
    engine.dispose()
    assert events == [("head", "export"), ("admin", "export_refused")]


def test_a_customer_name_from_the_extract_is_plain_text_on_the_customer_page(tmp_path, monkeypatch):
    """An extract cell is text: a name holding a link, an image or emphasis shows as typed in the
    customer page's heading (a markdown element)."""
    from custdash.ui import plain
    from tests.conftest import build_store, customer

    name = "[click](http://evil.example/x) **b** ![i](http://evil.example/p.png)"
    with build_store(tmp_path, as_of="2026-11-15", customers=[customer("C1", name=name)]) as s:
        target = s.get_bind().url
    monkeypatch.setenv(
        "CUSTDASH_DB",
        target.database if target.get_backend_name() == "sqlite" else target.render_as_string(hide_password=False),
    )
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.run()
    at.switch_page("pages/customer.py").run()
    at.text_input(key=f"customer_query_{at.radio(key='w_lang').value}").set_value("C1").run()
    assert not at.exception
    assert [h.value for h in at.subheader] == [plain(f"C1 {name}")]
    assert re.search(r"(?<!\\)[\[\]()!*]", at.subheader[0].value.removeprefix("C1 ")) is None
