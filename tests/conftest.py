"""Shared fixtures: stores built through the real import path."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from custdash.db import is_server, make_engine
from custdash.importer import import_extract, write_extract
from custdash.rules import Rules, load_rules

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "boundary"
EXAMPLE_AS_OF = date(2026, 11, 15)
DEMO_AS_OF = date(2026, 11, 22)
# Each import and refresh writes this many month-ends (custdash/month_ends.py) unless a test says
# otherwise: one keeps that path in every test's stores at a twelfth of the time (twelve added
# five minutes to the suite); the shared demo store holds all twelve (`demo_db`).
os.environ.setdefault("CUSTDASH_MONTH_END_FACTS", "1")
DEMO_MONTH_ENDS = "12"


STORES = ["sqlite", "postgresql"]
# Which store this run puts its stores in: `pytest --store postgresql` runs the whole suite on
# PostgreSQL (scripts/test runs it on both). Tests about SQLite itself (its files, its pragmas)
# carry @pytest.mark.sqlite_only("why") and are skipped there with that reason.
RUN = {"store": "sqlite"}
_SERVER: list[Any] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        choices=STORES,
        default=os.environ.get("CUSTDASH_TEST_STORE", "sqlite"),
        help="the store every test's stores are made in (default sqlite, or $CUSTDASH_TEST_STORE)",
    )


def pytest_configure(config: pytest.Config) -> None:
    RUN["store"] = config.getoption("store")
    config.addinivalue_line("markers", "sqlite_only(why): a test about SQLite itself, skipped on --store postgresql")
    config.addinivalue_line(
        "markers", "compares_stores: builds both kinds of store itself (tests/test_stores.py), so runs once"
    )
    config.addinivalue_line(
        "markers",
        "once(why): checks what no store changes (Streamlit's own controls, the second language of a page "
        "whose figures the first already read): runs with --store sqlite only",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if RUN["store"] == "sqlite":
        return
    for item in items:
        mark = item.get_closest_marker("sqlite_only")
        if mark is not None:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {mark.args[0]}"))
        mark = item.get_closest_marker("once")
        if mark is not None:
            item.add_marker(pytest.mark.skip(reason=f"once, on SQLite: {mark.args[0]}"))
        if item.get_closest_marker("compares_stores") is not None:
            item.add_marker(pytest.mark.skip(reason="compares both stores itself: run once, with --store sqlite"))


def pytest_unconfigure(config: pytest.Config) -> None:
    while _SERVER:
        _SERVER.pop().stop()


def pg_server() -> Any:
    """This test process's PostgreSQL server (tests/pg.py), started on first use."""
    if not _SERVER:
        from tests.pg import Server

        _SERVER.append(Server())
    return _SERVER[0]


@pytest.fixture(scope="session")
def pg() -> Any:
    """A PostgreSQL server for this test process: pg.database() is a new, empty database."""
    return pg_server()


def in_both_languages() -> list[Any]:
    """ "en" and "zh" as test parameters: the figures are read in English on both stores, the
    Chinese run (the same queries, other words) on SQLite only."""
    return ["en", pytest.param("zh", marks=pytest.mark.once("the same queries as in English, in other words"))]


def new_store(kind: str, tmp_path: Path, name: str = "store.db") -> str:
    """An empty place for a store of either kind: a SQLite path, or a new PostgreSQL database."""
    if kind == "sqlite":
        return str(tmp_path / name)
    return pg_server().database()


def fresh_store(tmp_path: Path, name: str = "store.db") -> str:
    """An empty place for a store of the kind this run tests."""
    return new_store(RUN["store"], tmp_path, name=name)


def on_sqlite() -> bool:
    return RUN["store"] == "sqlite"


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="session")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    target = fresh_store(tmp_path_factory.mktemp("example"))
    import_extract(EXAMPLE, target)
    return target


@pytest.fixture()
def example_session(example_db: str) -> Iterator[Session]:
    engine = make_engine(example_db)
    with Session(engine) as s:
        yield s
    engine.dispose()


BASE = {
    "branches.csv": [{"branch_id": "B1", "branch_name": "总行营业部"}],
    "managers.csv": [{"manager_id": "M1", "branch_id": "B1", "manager_name": "王经理"}],
}


def customer(cid: str, opened_on: str = "2020-01-01", **kw: Any) -> dict[str, Any]:
    row = {
        "customer_id": cid,
        "branch_id": "B1",
        "manager_id": "M1",
        "name": f"客户{cid}",
        "phone": "13912345678",
        "opened_on": opened_on,
        "channel": "walk_in",
    }
    row.update(kw)
    return row


def build_store(tmp_path: Path, *, as_of: str, **files: list[dict[str, Any]]) -> Session:
    """A store from a few rows per file (keyword: file name without .csv), imported for real."""
    folder = tmp_path / "extract"
    tables = dict(BASE)
    tables.update({f"{k}.csv": v for k, v in files.items()})
    write_extract(folder, tables)
    (folder / "extract.json").write_text(f'{{"as_of": "{as_of}"}}')
    db = fresh_store(tmp_path)
    import_extract(folder, db)
    return Session(make_engine(db))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    """A 2,000-customer demo store (seed 11), built once per test process: a SQLite path, or a
    PostgreSQL URL on --store postgresql."""
    from seed import DemoSpec, build_demo_store

    db = tmp_path_factory.mktemp("demo") / "demo.db"
    target = str(db) if on_sqlite() else pg_server().database()
    before = os.environ.get("CUSTDASH_MONTH_END_FACTS")
    os.environ["CUSTDASH_MONTH_END_FACTS"] = DEMO_MONTH_ENDS
    try:
        build_demo_store(target, DemoSpec(customers=2000, seed=11, as_of=DEMO_AS_OF))
    finally:
        if before is None:
            os.environ.pop("CUSTDASH_MONTH_END_FACTS")
        else:
            os.environ["CUSTDASH_MONTH_END_FACTS"] = before
    built = db if on_sqlite() else target
    # Tests write into the shared store (an AppTest's customer view is audited): a copy as it
    # was built stays for the tests that need its audit and contacts untouched.
    PRISTINE["demo"] = copy_store(built, tmp_path_factory.mktemp("pristine") / "demo.db")
    return built


# The demo store as built, before any test wrote into it (`pristine_demo`).
PRISTINE: dict[str, Path | str] = {}


def pristine_demo(demo_db: Path | str, dst: Path) -> Path | str:
    """A private copy of the demo store as it was built: no audit event or contact a test added."""
    return copy_store(PRISTINE["demo"], dst)


def copy_store(src: Path | str, dst: Path) -> Path | str:
    """Copy a store: a SQLite file with its users/audit file (to `dst`), or a PostgreSQL
    database (to a new database; `dst` unused)."""
    from custdash.db import auth_path

    if not on_sqlite():
        return pg_server().copy(str(src))
    dst.write_bytes(Path(src).read_bytes())
    if auth_path(Path(src)).exists():
        auth_path(dst).write_bytes(auth_path(Path(src)).read_bytes())
    return dst


@pytest.fixture()
def example_store(tmp_path: Path) -> Path | str:
    """A private store holding the boundary example (tests may break it): a SQLite path, or a
    PostgreSQL URL on --store postgresql."""
    db = tmp_path / "store.db"
    target = str(db) if on_sqlite() else pg_server().database()
    import_extract(EXAMPLE, target)
    return db if on_sqlite() else target


@pytest.fixture()
def bad(tmp_path: Path) -> Path:
    """A copy of the boundary example folder for a test to break."""
    folder = tmp_path / "bad"
    shutil.copytree(EXAMPLE, folder)
    return folder


def query_store(db: Path | str, fn, **kw):
    """Run one query function on a store at the demo as-of date (or kw['as_of'])."""
    engine = make_engine(str(db))
    with Session(engine) as s:
        out = fn(s, as_of=kw.pop("as_of", DEMO_AS_OF), **kw)
    engine.dispose()
    return out


def table_digests(db: Path | str, skip: tuple[str, ...] = ("meta",)) -> dict[str, str]:
    """A digest per data table of every row (the tables in `skip` aside): equal digests, equal
    data. Either store: the data tables, not users and audit."""
    import hashlib

    from sqlalchemy import inspect, text

    from custdash.db import DATA_SCHEMA

    engine = make_engine(str(db))
    schema = DATA_SCHEMA if is_server(str(db)) else None
    out = {}
    with engine.connect() as con:
        tables = inspect(con)
        for name in sorted(tables.get_table_names(schema=schema)):
            if name in skip:
                continue
            h = hashlib.sha256()
            # Not a surrogate `id` (numbered in insertion order, which a server's hash
            # aggregation need not keep): two stores with the same rows are the same.
            columns = [f'"{c["name"]}"' for c in tables.get_columns(name, schema=schema) if c["name"] != "id"]
            listed = ", ".join(columns)
            for row in con.execute(text(f'SELECT {listed} FROM "{name}" ORDER BY {listed}')):
                # Sums of money in floating point differ in the last bit with the order rows were
                # added in (706800.11 against 706800.1100000002): equal to a millionth is equal.
                h.update(repr(tuple(round(v, 6) if isinstance(v, float) else v for v in row)).encode())
            out[name] = h.hexdigest()
    engine.dispose()
    return out


def fetch(db: Path | str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of one SQL statement on a store of either kind (users and audit as auth.<table>)."""
    from sqlalchemy import text

    engine = make_engine(str(db))
    with engine.connect() as con:
        out = [tuple(row) for row in con.execute(text(sql), params)]
    engine.dispose()
    return out


def execute(db: Path | str, sql: str, **params: Any) -> int:
    """One SQL statement on a store of either kind, committed (tests that tamper with a store);
    the number of rows it changed."""
    from sqlalchemy import text

    engine = make_engine(str(db))
    with engine.begin() as con:
        changed = con.execute(text(sql), params).rowcount
    engine.dispose()
    return changed


def residue(db: Path | str) -> list[str]:
    """What lies beside a store's data: the files in a SQLite store's folder (but SQLite's own
    WAL and shared-memory files and the load lock), or a PostgreSQL database's schemas. An
    import, good or bad, must leave no more of it than it found (no private load file or
    staging schema)."""
    if is_server(str(db)):
        return [
            r[0]
            for r in fetch(
                db,
                "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                "AND nspname <> 'information_schema' ORDER BY 1",
            )
        ]
    folder = Path(db).parent
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm", ".load-lock")))


def rules_variant(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the packaged rules file with one text replaced (which must be there)."""
    from custdash.rules import DEFAULT_RULES_PATH

    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert old in text, old
    p = tmp_path / "rules.toml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.fixture(autouse=True)
def english_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard defaults to 简体中文 (CUSTDASH_LANG); most tests read English labels, and
    those about Chinese (or the default itself) set the language themselves."""
    monkeypatch.setenv("CUSTDASH_LANG", "en")


def demo_view(db: Path | str, viewer: Any, rules: Rules, **kw: Any) -> Any:
    """A dashboard View on a store at the demo as-of date, every branch, in English."""
    from custdash import ui

    values = {
        "target": str(db),
        "data_version": "test",
        "rules": rules,
        "store_as_of": DEMO_AS_OF,
        "as_of": DEMO_AS_OF,
        "branch_id": None,
        "manager_id": None,
        "lang": "en",
        "viewer": viewer,
    }
    return ui.View(**{**values, **kw})


def view_arguments(session: Session, name: str, scope: Any) -> dict[str, Any]:
    """What a view needs besides the filters (views.VIEWS): the customer page's customer (the
    scope's first customer on the dormant or near-threshold list) and its search box (the start
    of the scope's first customer id: it finds that customer and the ids that follow it)."""
    from sqlalchemy import func, select

    from custdash.models import CustomerFact

    if name == "customer_search":
        first = session.execute(
            select(func.min(CustomerFact.customer_id)).where(*scope.where(CustomerFact))
        ).scalar_one()
        return {"query": first[:-1]}
    if name == "customer":
        first = session.execute(
            select(CustomerFact.customer_id)
            .where(*scope.where(CustomerFact), CustomerFact.dormant | CustomerFact.near_threshold)
            .order_by(CustomerFact.customer_id)
            .limit(1)
        ).scalar_one()
        return {"customer_id": first}
    return {}


def same_answer(a: Any, b: Any) -> None:
    """Two answers of a view are the same: frames to float precision, dicts key by key."""
    import pandas as pd

    if isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b)
        for key in a:
            same_answer(a[key], b[key])
    elif isinstance(a, pd.DataFrame):
        # Sums of floats may differ in the last bits (a rollup adds partial sums).
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, check_dtype=False)
    else:
        assert a == b
