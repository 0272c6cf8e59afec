"""Bad input and faults: each gets a clear message and loses nothing."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from custdash.auth import Viewer
from custdash.importer import ImportFailed, import_extract
from seed import DemoSpec, write_demo_extract
from tests.conftest import EXAMPLE, ROOT, fetch, fresh_store, on_sqlite, residue
from tests.test_example_extract import EXPECTED_SUMMARY

EXPECTED_AS_OF = date(2026, 11, 15)


@pytest.fixture()
def store(example_store: Path) -> Path:
    return example_store


def _summary(db: Path) -> dict:
    import json

    r = subprocess.run(
        [sys.executable, "-m", "custdash", "summary", "--json", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_ten_megabyte_line(store, bad):
    with open(bad / "customers.csv", "a", encoding="utf-8") as fh:
        fh.write("C99,B1,M1," + "长" * 10_000_000 + ",F,,,2020-01-01,walk_in\n")
    with pytest.raises(ImportFailed, match=r"customers.csv: malformed CSV \(field larger than field limit"):
        import_extract(bad, str(store))
    assert _summary(store) == EXPECTED_SUMMARY


@pytest.mark.parametrize(
    ("garbage", "message"),
    [
        (bytes(range(1, 256)) * 50, "transactions.csv: the bytes after line 1 are not valid utf-8 text"),
        (bytes(range(256)) * 50, "transactions.csv, line 1: contains a NUL byte: binary data, not CSV text"),
        (
            b"txn_id,card_id,ts,amount,direction,kind,counterparty\nT1,K08,\x00\x00\x00",
            "transactions.csv, line 2: contains a NUL byte: binary data, not CSV text",
        ),
    ],
)
def test_binary_garbage(store, bad, garbage, message):
    (bad / "transactions.csv").write_bytes(garbage)
    with pytest.raises(ImportFailed) as err:
        import_extract(bad, str(store))
    assert str(err.value).startswith(message), str(err.value)
    assert _summary(store) == EXPECTED_SUMMARY


def test_formula_looking_cells_import_as_text_and_export_neutralised(tmp_path, bad):
    text = (bad / "customers.csv").read_text(encoding="utf-8")
    (bad / "customers.csv").write_text(
        text.replace("王八", "=cmd|' /C calc'!A0").replace("13800000008", "+8613800000008"), encoding="utf-8"
    )
    db = fresh_store(tmp_path, "f.db")
    import_extract(bad, db)
    assert fetch(db, "SELECT name FROM customer WHERE customer_id='C08'") == [("=cmd|' /C calc'!A0",)]
    r = subprocess.run(
        [sys.executable, "-m", "custdash", "export", "dormant", "--out", "-", "--db", str(db)],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    df = pd.read_csv(io.BytesIO(r.stdout), encoding="utf-8-sig", dtype=str)
    row = df.set_index("customer_id").loc["C08"]
    assert row["name"] == "'=cmd|' /C calc'!A0"
    assert row["phone"] == "'+86*******0008"


@pytest.mark.parametrize("phase", ["loading", "copying"])
def test_import_killed_halfway_leaves_previous_store(tmp_path, store, phase):
    if phase == "copying" and not on_sqlite():
        pytest.skip("PostgreSQL has no copy phase: the swap is one short transaction (tested in test_stores.py)")
    extract = tmp_path / "big"
    write_demo_extract(extract, DemoSpec(customers=20_000, seed=3, as_of=EXPECTED_AS_OF))
    before = residue(store)
    proc = subprocess.Popen(
        [sys.executable, "-m", "custdash", "import", str(extract), "--db", str(store)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    # Kill while the private load file grows, or once the copy into the store writes its WAL.
    def grown() -> bool:
        if not on_sqlite():  # rows on their way into the load schema
            return fetch(store, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %'") != [(0,)]
        if phase == "loading":
            return any(p.stat().st_size > 2_000_000 for p in store.parent.glob(f"{store.name}.import-*"))
        wal = Path(f"{store}-wal")
        return wal.exists() and wal.stat().st_size > 2_000_000

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not grown():
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _summary(store) == EXPECTED_SUMMARY
    if on_sqlite():
        assert sqlite3.connect(store).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # ... and the next import goes through, and clears what the killed one left behind.
    import_extract(EXAMPLE, str(store))
    assert _summary(store) == EXPECTED_SUMMARY
    assert residue(store) == before


@pytest.mark.sqlite_only("a page limit on SQLite's private load file stands in for the full disk")
def test_disk_full_during_import_names_the_cause_and_keeps_the_store(tmp_path, store, monkeypatch):
    from sqlalchemy import event

    from custdash.db import StoreError
    from custdash.importer import load

    real = load.make_engine

    def small_disk(target: str, **kw):
        engine = real(target, **kw)
        if kw.get("staging"):  # the import's private file may hold only 200 pages
            event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA max_page_count=200"))
        return engine

    monkeypatch.setattr(load, "make_engine", small_disk)
    extract = tmp_path / "extract"
    write_demo_extract(extract, DemoSpec(customers=2_000, seed=3, as_of=EXPECTED_AS_OF))
    before = residue(store)
    digest = sqlite3.connect(store).execute("SELECT group_concat(customer_id) FROM customer").fetchone()
    with pytest.raises(StoreError) as err:
        import_extract(extract, str(store))
    assert (
        str(err.value) == f"The import could not be written (database or disk is full); the store {store} is unchanged."
    )
    assert "Free disk space" in err.value.fix
    assert sqlite3.connect(store).execute("SELECT group_concat(customer_id) FROM customer").fetchone() == digest
    assert residue(store) == before


def test_missing_rules_file_in_app(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    monkeypatch.setenv("CUSTDASH_RULES", str(tmp_path / "gone.toml"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.run()
    assert not at.exception
    assert "rules file not found (check CUSTDASH_RULES)" in at.error[0].value
    assert not at.metric


def test_missing_rules_file_in_cli(example_db, tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "custdash", "summary", "--db", example_db],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "CUSTDASH_RULES": str(tmp_path / "x.toml")},
    )
    assert r.returncode == 1
    assert r.stderr.strip() == f"error: {tmp_path / 'x.toml'}: rules file not found (check CUSTDASH_RULES)"


def test_cli_on_missing_and_corrupt_store(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "custdash", "check", "--db", str(tmp_path / "none.db")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 1 and r.stderr.startswith(f"error: No store at {tmp_path / 'none.db'}.\nfix: python -m seed")
    assert not (tmp_path / "none.db").exists()
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00garbage" * 1000)
    r = subprocess.run(
        [sys.executable, "-m", "custdash", "check", "--db", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 1 and "cannot be read" in r.stderr and "Traceback" not in r.stderr
    assert bad.read_bytes() == b"\x00garbage" * 1000


@pytest.mark.sqlite_only("SQLite writes its WAL beside the store; a server needs no data directory")
def test_read_only_data_directory(demo_db, tmp_path, monkeypatch):
    """A read-only directory (checked for real by mounting a read-only tmpfs, see docs/FAULTS.md;
    here os.access reports it, as it does on such a mount even for root)."""
    import custdash.db as db

    real_access = os.access
    ro_dir = str(demo_db.parent)
    monkeypatch.setattr(
        db.os, "access", lambda p, mode: False if str(p) == ro_dir and mode == os.W_OK else real_access(p, mode)
    )
    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["viewer"] = Viewer("admin", "admin")
    at.run()
    assert not at.exception and not at.metric
    assert f"The data directory {ro_dir} is read-only." in at.error[0].value
    assert [c.value for c in at.code] == [
        f"Make {ro_dir} writable, or set CUSTDASH_DB to a store in a writable directory."
    ]


def test_a_formula_looking_name_reads_as_written_in_the_workbook_and_never_runs(tmp_path, bad):
    """Issue #33: the neutralising quote showed in Excel. A workbook's cells are typed strings (a
    formula cannot run there): the name as the customer's, no quote; the CSV keeps its quote."""
    import openpyxl

    text = (bad / "customers.csv").read_text(encoding="utf-8")
    (bad / "customers.csv").write_text(text.replace("王八", "=cmd|' /C calc'!A0"), encoding="utf-8")
    db = fresh_store(tmp_path, "f.db")
    import_extract(bad, db)
    out = tmp_path / "d.xlsx"
    r = subprocess.run(
        [sys.executable, "-m", "custdash", "export", "dormant", "--format", "xlsx", "--out", str(out), "--db", str(db)],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    names = {row[0].value: row[header.index("name")] for row in sheet.iter_rows(min_row=2)}
    cell = names["C08"]
    assert (cell.value, cell.data_type) == ("=cmd|' /C calc'!A0", "s")
