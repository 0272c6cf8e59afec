"""Shared fixtures: stores built through the real import path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from custdash.db import make_engine
from custdash.importer import import_extract, write_extract
from custdash.rules import Rules, load_rules

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "boundary"
EXAMPLE_AS_OF = date(2026, 11, 15)
DEMO_AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="session")
def pg() -> Iterator[Any]:
    """A PostgreSQL server for this test process (tests/pg.py): pg.database() is a new database."""
    from tests.pg import Server

    server = Server()
    yield server
    server.stop()


STORES = ["sqlite", "postgresql"]


def new_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest, name: str = "store.db") -> str:
    """An empty place for a store of either kind: a SQLite path, or a new PostgreSQL database."""
    if kind == "sqlite":
        return str(tmp_path / name)
    return request.getfixturevalue("pg").database()


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="session")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("example") / "store.db"
    import_extract(EXAMPLE, str(path))
    return str(path)


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
    db = tmp_path / "store.db"
    import_extract(folder, str(db))
    return Session(make_engine(str(db)))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000-customer demo store (seed 11), built once per test process."""
    from seed import DemoSpec, build_demo_store

    db = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_store(str(db), DemoSpec(customers=2000, seed=11, as_of=DEMO_AS_OF))
    return db


def copy_store(src: Path, dst: Path) -> Path:
    """Copy a SQLite store with its users/audit file."""
    from custdash.db import auth_path

    dst.write_bytes(Path(src).read_bytes())
    if auth_path(Path(src)).exists():
        auth_path(dst).write_bytes(auth_path(Path(src)).read_bytes())
    return dst


@pytest.fixture()
def example_store(tmp_path: Path) -> Path:
    """A private store holding the boundary example (tests may break it)."""
    db = tmp_path / "store.db"
    import_extract(EXAMPLE, str(db))
    return db


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


def table_digests(db: Path, skip: tuple[str, ...] = ("meta",)) -> dict[str, str]:
    """A digest per table of every row (the tables in `skip` aside): equal digests, equal data."""
    import hashlib
    import sqlite3

    con = sqlite3.connect(db)
    out = {}
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        if name in skip:
            continue
        h = hashlib.sha256()
        for row in con.execute(f'SELECT * FROM "{name}" ORDER BY 1, 2, 3'):
            h.update(repr(row).encode())
        out[name] = h.hexdigest()
    con.close()
    return out


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
