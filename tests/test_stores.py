"""The same answers on both stores: embedded SQLite and a real PostgreSQL server.

Every view (facts and live, every scope), the CLI's summary and export contract, the import's
all-or-nothing promise and its lock, users and audit across imports, the demo generator and
every dashboard page, on PostgreSQL, compared whole with what SQLite answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session

from custdash import source
from custdash.db import make_engine
from custdash.importer import ImportFailed, import_extract
from custdash.loadlock import load_lock
from custdash.scope import ALL, Scope
from custdash.views import LISTS, VIEWS
from tests.conftest import DEMO_AS_OF, EXAMPLE, ROOT, STORES, new_store, same_answer, view_arguments

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.compares_stores]


@pytest.fixture(scope="session")
def pg_example(pg) -> str:
    url = pg.database()
    import_extract(EXAMPLE, url)
    return url


@pytest.fixture(scope="session")
def pg_demo(pg) -> str:
    """The demo store of conftest.demo_db (2,000 customers, seed 11), on PostgreSQL."""
    from seed import DemoSpec, build_demo_store

    url = pg.database()
    build_demo_store(url, DemoSpec(customers=2000, seed=11, as_of=DEMO_AS_OF))
    return url


def _view(target: str, name: str, *, as_of: date, rules, scope: Scope, live: bool):
    engine = make_engine(target)
    try:
        with Session(engine) as s:
            if live:
                s.info[source.LIVE] = True
            return VIEWS[name](s, as_of=as_of, rules=rules, scope=scope, **view_arguments(s, name, scope))
    finally:
        engine.dispose()


_same = same_answer


SCOPES = [ALL, Scope(branch_id="B001"), Scope(branch_id="B001", manager_id="M0002")]


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_answers_the_same_on_postgresql_as_on_sqlite(demo_db, pg_demo, rules, name):
    earlier = date(2026, 9, 30)
    for scope in SCOPES:
        for as_of, live in ((DEMO_AS_OF, False), (DEMO_AS_OF, True), (earlier, True)):
            on_sqlite = _view(str(demo_db), name, as_of=as_of, rules=rules, scope=scope, live=live)
            on_pg = _view(pg_demo, name, as_of=as_of, rules=rules, scope=scope, live=live)
            _same(on_sqlite, on_pg)
    # Not trivially empty (or the comparison proves little).
    whole = _view(pg_demo, name, as_of=DEMO_AS_OF, rules=rules, scope=ALL, live=False)
    assert whole > 0 if isinstance(whole, int) else len(whole) > 0


def _cli(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "custdash", *args, "--db", db], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--branch", "B1"),
        ("--manager", "M2"),
        ("--as-of", "2026-10-31"),
        ("--as-of", "2026-08-15", "--branch", "B2"),
    ],
    ids=["bank", "branch", "manager", "month-end", "earlier-branch"],
)
def test_the_cli_summary_contract_is_identical_on_both_stores(example_db, pg_example, args):
    answers = []
    for db in (example_db, pg_example):
        r = _cli("summary", "--json", *args, db=db)
        assert r.returncode == 0, r.stderr
        answers.append(json.loads(r.stdout))
    assert answers[0] == answers[1]
    assert answers[0]["as_of"] in ("2026-11-15", "2026-10-31", "2026-08-15")


@pytest.mark.parametrize("name", list(LISTS))
def test_the_cli_export_contract_is_identical_on_both_stores(example_db, pg_example, tmp_path, name):
    files = []
    for kind, db in (("sqlite", example_db), ("postgresql", pg_example)):
        out = tmp_path / f"{kind}.csv"
        r = _cli("export", name, "--out", str(out), db=db)
        assert r.returncode == 0, r.stderr
        files.append(out.read_text(encoding="utf-8-sig"))
    assert files[0] == files[1]
    assert files[0].splitlines()[0].startswith("customer_id,")


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("customer", "aum_monthly", "customer_fact", "redemption")
            }
    finally:
        engine.dispose()


def _schemas(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'custdash%'")).all()
            return sorted(r[0] for r in rows)
    finally:
        engine.dispose()


def test_a_bad_extract_leaves_the_postgresql_store_as_it_was(pg, bad):
    url = pg.database()
    import_extract(EXAMPLE, url)
    before = _counts(url)
    text_ = (bad / "cards.csv").read_text(encoding="utf-8")
    (bad / "cards.csv").write_text(text_ + "K99,NOBODY,2020-01-01,active,1.00\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"cards.csv, line \d+, column customer_id: unknown customer_id 'NOBODY'"):
        import_extract(bad, url)
    assert _counts(url) == before
    assert _schemas(url) == ["custdash"]  # the half-built load schema is gone


def test_a_second_load_into_a_postgresql_store_is_refused(pg):
    url = pg.database()
    import_extract(EXAMPLE, url)
    with load_lock(url), pytest.raises(ImportFailed, match="Another load into .* is running"):
        import_extract(EXAMPLE, url)
    import_extract(EXAMPLE, url)  # the lock is released with its holder


def test_readers_see_the_old_extract_or_the_new_one_never_a_mix(pg, tmp_path):
    from seed import DemoSpec, write_demo_extract

    url = pg.database()
    import_extract(EXAMPLE, url)
    extract = tmp_path / "demo"
    write_demo_extract(extract, DemoSpec(customers=3000, seed=4, as_of=DEMO_AS_OF))
    seen: set[tuple[int, int]] = set()
    done = threading.Event()
    engine = make_engine(url)

    def read() -> None:
        while not done.is_set():
            with engine.connect() as conn:  # one snapshot: the customers and their facts together
                conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ")
                seen.add(
                    (
                        conn.execute(text("SELECT count(*) FROM customer")).scalar_one(),
                        conn.execute(text("SELECT count(*) FROM customer_fact")).scalar_one(),
                    )
                )
                conn.rollback()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        import_extract(extract, url, reader="inline")
    finally:
        done.set()
        reader.join()
        engine.dispose()
    # The boundary example has 40 customers, 39 of them opened by its as-of date (facts).
    assert seen <= {(40, 39), (3000, 3000)}, seen
    assert (40, 39) in seen


def test_the_swap_never_deadlocks_with_a_reader_holding_customer_and_asking_for_meta(pg):
    """Issue #33: the swap locked meta, …, customer while a contact being logged held customer and
    then asked for meta; PostgreSQL found the deadlock and failed the import after its whole load
    (or the contact). Now one try of the swap waits only briefly and lets go: the reader gets
    meta, and the import switches in once the reader is done."""
    url = pg.database()
    import_extract(EXAMPLE, url)
    engine, watcher = make_engine(url), make_engine(url)
    outcome: dict[str, object] = {}

    def load() -> None:
        try:
            outcome["result"] = import_extract(EXAMPLE, url, reader="inline")
        except BaseException as e:  # reported by the assertion below
            outcome["error"] = e

    loader = threading.Thread(target=load)
    try:
        with engine.connect() as reader:
            reader.execute(text("SELECT count(*) FROM customer")).scalar_one()  # holds customer
            loader.start()
            with watcher.connect() as w:  # until the swap waits for the reader's table
                waiting = 0
                while not waiting and loader.is_alive():
                    waiting = w.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE query LIKE 'LOCK TABLE%' AND wait_event_type = 'Lock'"
                        )
                    ).scalar_one()
                    w.rollback()
            assert waiting, outcome
            source = reader.execute(text("SELECT value FROM meta WHERE key = 'source'")).scalar_one()
            reader.rollback()
        loader.join(timeout=120)
    finally:
        engine.dispose()
        watcher.dispose()
    assert source == "import"
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"].as_of == date(2026, 11, 15)
    assert _schemas(url) == ["custdash"]


def test_a_lock_conflict_is_never_reported_as_a_damaged_store():
    from sqlalchemy.exc import OperationalError

    from custdash.db import error_cause, store_read_error

    deadlock = OperationalError("LOCK TABLE …", {}, Exception("deadlock detected\nDETAIL: Process 1 waits"))
    err = store_read_error(deadlock, "postgresql://u@db.example/bank")
    assert error_cause(deadlock) == "busy"
    assert "damaged" not in str(err) and "backup" not in err.fix
    other = OperationalError("SELECT", {}, Exception("canceling statement due to statement timeout"))
    err = store_read_error(other, "postgresql://u@db.example/bank")
    assert "damaged" not in str(err) and "backup" not in err.fix


def test_users_and_audit_live_beside_the_data_and_survive_imports(pg, tmp_path):
    from custdash.auth import add_user, audit_events, authenticate

    url = pg.database()
    import_extract(EXAMPLE, url)
    engine = make_engine(url, writer=True)
    try:
        with Session(engine) as s:
            add_user(s, username="liwei", password="Lantern-harbor-42", role="head", branch_id="B1")
        r = _cli("export", "dormant", "--user", "liwei", "--out", str(tmp_path / "d.csv"), db=url)
        assert r.returncode == 0, r.stderr
        import_extract(EXAMPLE, url)
        with Session(engine) as s:
            viewer = authenticate(s, "liwei", "Lantern-harbor-42")
            events = audit_events(s, viewer)
        assert viewer.branch_id == "B1"
        assert {"login_ok", "export"} <= set(events["event"])
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", STORES)
def test_the_demo_generator_writes_the_same_network_to_either_store(kind, tmp_path, rules):
    from custdash.summary import summary
    from seed import DemoSpec, build_demo_store

    target = new_store(kind, tmp_path)
    rows = build_demo_store(target, DemoSpec(customers=500, seed=2, as_of=DEMO_AS_OF))
    engine = make_engine(target)
    with Session(engine) as s:
        got = summary(s, as_of=DEMO_AS_OF, rules=rules, scope=ALL)
    engine.dispose()
    assert rows["customers.csv"] == 500 and sum(got["tiers"].values()) == 500
    # Both kinds must agree: compare with a SQLite build of the same spec.
    reference = str(tmp_path / "reference.db")
    build_demo_store(reference, DemoSpec(customers=500, seed=2, as_of=DEMO_AS_OF))
    engine = make_engine(reference)
    with Session(engine) as s:
        assert summary(s, as_of=DEMO_AS_OF, rules=rules, scope=ALL) == got
    engine.dispose()


@pytest.mark.parametrize("page", ["overview", "tiers", "threshold", "dormant", "alliance", "honeymoon", "audit"])
def test_every_page_renders_on_postgresql(pg_demo, page, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from custdash.auth import Viewer

    monkeypatch.setenv("CUSTDASH_DB", pg_demo)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title and at.title[0].value
    if page in {c.page for c in LISTS.values()}:
        assert len(at.dataframe) >= 1


def test_a_plain_postgresql_url_uses_the_installed_driver(pg_example):
    """postgresql://… (what a DBA writes) works: SQLAlchemy alone would look for psycopg2."""
    plain = pg_example.replace("postgresql+psycopg://", "postgresql://")
    r = _cli("summary", "--json", db=plain)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads(_cli("summary", "--json", db=pg_example).stdout)


def _unreachable() -> str:
    """A server URL with a password on a loopback port nobody listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://custdash:s3cret-pw@127.0.0.1:{port}/bank"


def test_a_server_that_cannot_be_reached_is_named_in_the_cli_without_its_password():
    url = _unreachable()
    for command in (["check"], ["summary", "--json"], ["import", str(EXAMPLE)]):
        r = _cli(*command, db=url)
        assert r.returncode == 1, (command, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr and "s3cret-pw" not in r.stderr + r.stdout, r.stderr
        assert r.stderr.startswith("error: ") and "cannot be reached" in r.stderr, r.stderr
        assert "fix: Check that PostgreSQL is running" in r.stderr, r.stderr


def test_a_server_that_cannot_be_reached_shows_a_message_in_the_dashboard(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CUSTDASH_DB", _unreachable())
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(e.value for e in at.error) + " ".join(c.value for c in at.code)
    assert "cannot be reached" in shown and "Check that PostgreSQL is running" in shown
    assert "s3cret-pw" not in shown and "Traceback" not in shown


def test_only_a_missing_database_or_user_counts_as_unreachable():
    """A store lacking a table is damaged, not a server out of reach."""
    from custdash.db import error_cause

    assert error_cause(Exception('FATAL:  database "bank" does not exist')) == "unreachable"
    assert error_cause(Exception('FATAL:  role "custdash" does not exist')) == "unreachable"
    assert error_cause(Exception('relation "customer" does not exist')) == "unexpected"
