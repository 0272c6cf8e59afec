"""Bad extracts: each stops the import with file, line and column named, and the
store keeps the previous extract exactly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from custdash.db import create_store, make_engine
from custdash.importer import ImportFailed, import_extract
from custdash.models import SCHEMA_VERSION
from tests.conftest import execute, fetch, fresh_store, residue, table_digests


def _dump(db: Path | str) -> dict[str, str]:
    """A digest of every row of every table: equal digests, equal stores."""
    return table_digests(db, skip=())


@pytest.fixture()
def store(example_store: Path) -> Path:
    return example_store


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES = {
    "matures_on_on_a_fund": (
        lambda f: _edit(f / "products.csv", "C34,fund,2026-10-02,,", "C34,fund,2026-10-02,2027-10-02,"),
        "products.csv, line 19, column matures_on: matures_on is only for time_deposit, wealth, not fund",
    ),
    "matures_before_opening": (
        lambda f: _edit(f / "products.csv", "C30,wealth,2026-05-16,2026-11-16", "C30,wealth,2026-05-16,2026-05-16"),
        "products.csv, line 9, column matures_on: matures_on must be after opened_on",
    ),
    "zero_product_amount": (
        lambda f: _edit(f / "products.csv", "2026-11-16,200000", "2026-11-16,0"),
        "products.csv, line 9, column amount: must be > 0, got '0'",
    ),
    "missing_file": (lambda f: (f / "customers.csv").unlink(), "customers.csv: required file missing"),
    "missing_column": (
        lambda f: _edit(f / "cards.csv", ",status,", ",state,"),
        "cards.csv, line 1: missing column 'status' in the header",
    ),
    "bad_enum": (
        lambda f: _edit(f / "cards.csv", "K09,C09,2018-02-02,active", "K09,C09,2018-02-02,asleep"),
        "cards.csv, line 3, column status: unknown value 'asleep'; expected one of active, frozen, closed",
    ),
    "bad_date": (
        lambda f: _edit(f / "customers.csv", "2019-06-01", "2019-02-30"),
        "customers.csv, line 3, column opened_on: not a valid date: '2019-02-30'",
    ),
    "bad_date_format": (
        lambda f: _edit(f / "customers.csv", "2019-06-01", "01/06/2019"),
        "customers.csv, line 3, column opened_on: expected a date YYYY-MM-DD, got '01/06/2019'",
    ),
    "negative_amount": (
        lambda f: _edit(f / "aum_monthly.csv", "C02,2026-10,50000", "C02,2026-10,-50000"),
        "aum_monthly.csv, line 5, column avg_daily_aum: must not be negative, got '-50000'",
    ),
    "zero_txn_amount": (
        lambda f: _edit(f / "transactions.csv", "T3,K09,2026-05-20T09:00:00,300", "T3,K09,2026-05-20T09:00:00,0"),
        "transactions.csv, line 4, column amount: must be > 0, got '0'",
    ),
    "duplicate_id": (
        lambda f: _edit(f / "cards.csv", "K10,C10", "K09,C10"),
        "cards.csv, line 4, column card_id: duplicate card_id 'K09'",
    ),
    "dangling_reference": (
        lambda f: _edit(f / "cards.csv", "K10,C10", "K10,C99"),
        "cards.csv, line 4, column customer_id: unknown customer_id 'C99' (no such customer)",
    ),
    "empty_file": (
        lambda f: (f / "managers.csv").write_bytes(b""),
        "managers.csv, line 1: the file is empty; expected a header row",
    ),
    "missing_value": (
        lambda f: _edit(f / "customers.csv", "C03,B1,M2,孙三", "C03,B1,M2,"),
        "customers.csv, line 4, column name: missing value",
    ),
    "truncated_row": (
        lambda f: (f / "redemptions.csv").write_text(
            (f / "redemptions.csv").read_text(encoding="utf-8") + "R99,C02,万达影城,2026-10-2", encoding="utf-8"
        ),
        "redemptions.csv, line 15: has 4 fields, the header has 9 (a truncated or malformed row)",
    ),
    "gbk_bytes": (
        lambda f: (f / "branches.csv").write_bytes(
            "branch_id,branch_name,city\nB1,浦东支行,上海\nB2,徐汇支行,上海\n".encode("gb18030")
        ),
        "branches.csv: the bytes after line 1 are not valid utf-8 text. If the extract is "
        "GBK/GB18030-encoded, pass --encoding gb18030.",
    ),
    "bad_extract_json": (
        lambda f: (f / "extract.json").write_text('{"as_of": "15/11/2026"}'),
        "extract.json, line 1, column as_of: expected a date YYYY-MM-DD, got '15/11/2026'",
    ),
    "wave_out_of_range": (
        lambda f: _edit(f / "touches.csv", "C16,1,", "C16,5,"),
        "touches.csv, line 2, column wave: wave must be a whole number from 1 to 4, got '5'",
    ),
    # "²".isdigit() is True in Python: such cells must be refused, not crash the import.
    "superscript_wave": (
        lambda f: _edit(f / "touches.csv", "C16,1,", "C16,²,"),
        "touches.csv, line 2, column wave: wave must be a whole number from 1 to 4, got '²'",
    ),
    "superscript_count": (
        lambda f: _edit(
            f / "redemptions.csv", "R1,C02,万达影城,2026-10-16 11:59:59,1,", "R1,C02,万达影城,2026-10-16 11:59:59,²,"
        ),
        "redemptions.csv, line 2, column tickets: expected a whole number >= 0, got '²'",
    ),
    "infinite_amount": (
        lambda f: _edit(f / "cards.csv", "K09,C09,2018-02-02,active,1200", "K09,C09,2018-02-02,active,inf"),
        "cards.csv, line 3, column balance: expected a finite number",
    ),
    "bad_time": (
        lambda f: _edit(f / "transactions.csv", "2026-05-20T09:00:00", "2026-05-20T25:00:00"),
        "transactions.csv, line 4, column ts: not a valid time: '2026-05-20T25:00:00'",
    ),
    "bad_month": (
        lambda f: _edit(f / "aum_monthly.csv", "C02,2026-10,", "C02,2026-13,"),
        "aum_monthly.csv, line 5, column month: not a valid month: '2026-13'",
    ),
    "child_tickets_over_tickets": (
        lambda f: _edit(
            f / "redemptions.csv",
            "R2,C02,万达影城,2026-10-16 12:00:00,2,1,",
            "R2,C02,万达影城,2026-10-16 12:00:00,2,3,",
        ),
        "redemptions.csv, line 3, column child_tickets: child_tickets must not exceed tickets",
    ),
    # The security review's extracts (issue #14): each once ended in a raw traceback or was accepted.
    "year_9999_in_a_cell": (
        lambda f: _edit(f / "transactions.csv", "2026-05-19 18:30:00", "9999-12-31 23:59:59"),
        "transactions.csv, line 2, column ts: date '9999-12-31 23:59:59' is outside the supported range "
        "1900-01-01 to 2099-12-31",
    ),
    "year_0001_in_a_cell": (
        lambda f: _edit(f / "customers.csv", "1980-01-02", "0001-01-01"),
        "customers.csv, line 2, column birth_date: date '0001-01-01' is outside the supported range",
    ),
    "as_of_9999": (
        lambda f: (f / "extract.json").write_text('{"as_of": "9999-12-31"}'),
        "extract.json, line 1, column as_of: date '9999-12-31' is outside the supported range",
    ),
    "as_of_0001": (
        lambda f: (f / "extract.json").write_text('{"as_of": "0001-01-01"}'),
        "extract.json, line 1, column as_of: date '0001-01-01' is outside the supported range",
    ),
    "extract_json_nested": (
        lambda f: (f / "extract.json").write_text("[" * 30_000 + "]" * 30_000),
        "extract.json, line 1: is nested too deeply",
    ),
    "extract_json_huge": (
        lambda f: (f / "extract.json").write_text(" " * 70_000 + '{"as_of": "2026-11-15"}'),
        "extract.json, line 1: is larger than 64 KB",
    ),
    "extract_json_a_folder": (
        lambda f: ((f / "extract.json").unlink(), (f / "extract.json").mkdir()),
        "extract.json, line 1: is a folder, not a file",
    ),
    "extract_json_not_an_object": (
        lambda f: (f / "extract.json").write_text('["2026-11-15"]'),
        'extract.json, line 1, column as_of: expected {"as_of": "YYYY-MM-DD"}',
    ),
    "row_dated_2099_without_extract_json": (
        lambda f: (
            (f / "extract.json").unlink(),
            _edit(f / "transactions.csv", "2026-05-19 18:30", "2099-05-19 18:30"),
        ),
        "transactions.csv, line 2, column ts: dated 2099-05-19 18:30:00, more than 7 days after today, and there "
        "is no extract.json: the as-of date would become 2099-05-19.",
    ),
    # Issue #33: ids that render as another customer's or cannot be told apart, names that
    # reorder their line, terminal controls, and values longer than the model's columns (PostgreSQL
    # died on them with a raw traceback pointing at COPY's batch, not the CSV line).
    "id_with_a_bidi_override": (
        lambda f: _edit(f / "customers.csv", "C01,B1,M1,", "C0\u202e1,B1,M1,"),
        "customers.csv, line 2, column customer_id: holds U+202E at character 3, a control or text-direction character",
    ),
    "id_with_a_zero_width_space": (
        lambda f: _edit(f / "customers.csv", "C01,B1,M1,", "C01\u200b,B1,M1,"),
        "customers.csv, line 2, column customer_id: an id may not hold spaces or invisible characters: U+200B at "
        "character 4",
    ),
    "id_with_a_space": (
        lambda f: _edit(f / "cards.csv", "K09,C09", "K 09,C09"),
        "cards.csv, line 3, column card_id: an id may not hold spaces or invisible characters: U+0020 at character 2",
    ),
    "id_with_an_escape": (
        lambda f: _edit(f / "cards.csv", "K09,C09", "K\x1b[2J09,C09"),
        "cards.csv, line 3, column card_id: holds U+001B at character 2, a control or text-direction character",
    ),
    "name_with_a_bidi_override": (
        lambda f: _edit(f / "customers.csv", "赵一", "赵\u202e一"),
        "customers.csv, line 2, column name: holds U+202E at character 2, a control or text-direction character",
    ),
    "id_of_65_characters": (
        lambda f: _edit(f / "customers.csv", "C01,B1,M1,", "C" * 65 + ",B1,M1,"),
        "customers.csv, line 2, column customer_id: 65 characters, more than the 64 allowed",
    ),
    "id_of_10_kb": (
        lambda f: _edit(f / "cards.csv", "K09,C09", "K" * 10_000 + ",C09"),
        "cards.csv, line 3, column card_id: 10000 characters, more than the 64 allowed",
    ),
    "name_of_201_characters": (
        lambda f: _edit(f / "customers.csv", "赵一", "赵" * 201),
        "customers.csv, line 2, column name: 201 characters, more than the 200 allowed",
    ),
    "manager_of_another_branch": (
        lambda f: _edit(f / "customers.csv", "C01,B1,M1,", "C01,B1,M3,"),
        "customers.csv, line 2, column manager_id: customer C01 is in branch B1, but manager M3 works in branch B2",
    ),
    "underscore_in_a_number": (
        lambda f: _edit(f / "aum_monthly.csv", "C01,2026-09,52000", "C01,2026-09,52_000"),
        "aum_monthly.csv, line 2, column avg_daily_aum: expected a number (ASCII digits), got '52_000'",
    ),
    "full_width_digits": (
        lambda f: _edit(f / "aum_monthly.csv", "C01,2026-09,52000", "C01,2026-09,５２000"),
        "aum_monthly.csv, line 2, column avg_daily_aum: expected a number (ASCII digits), got '５２000'",
    ),
    "arabic_indic_digits": (
        lambda f: _edit(f / "aum_monthly.csv", "C01,2026-09,52000", "C01,2026-09,٥٢٠٠٠"),
        "aum_monthly.csv, line 2, column avg_daily_aum: expected a number (ASCII digits), got '٥٢٠٠٠'",
    ),
    # households.csv (DOMAIN.md §8): line 1 is the header, H01 on lines 2-4 ... H10 on line 23.
    "household_of_an_unknown_customer": (
        lambda f: _edit(f / "households.csv", "H01,C14,child", "H01,C99,child"),
        "households.csv, line 4, column customer_id: unknown customer_id 'C99' (no such customer)",
    ),
    "customer_in_two_households": (
        lambda f: _edit(f / "households.csv", "H10,C05,head", "H10,C05,head\nH10,C01,spouse"),
        "households.csv, line 24, column customer_id: duplicate customer_id 'C01'",
    ),
    "household_without_a_head": (
        lambda f: _edit(f / "households.csv", "H08,C02,head", "H08,C02,spouse"),
        "households.csv, line 19, column relation: household H08 has no head (each household needs exactly one)",
    ),
    "household_with_two_heads": (
        lambda f: _edit(f / "households.csv", "H08,C15,child", "H08,C15,head"),
        "households.csv, line 20, column relation: household H08 has a second head (each household needs exactly one)",
    ),
    "unknown_relation": (
        lambda f: _edit(f / "households.csv", "H04,C29,child", "H04,C29,cousin"),
        "households.csv, line 11, column relation: unknown value 'cousin'; expected one of head, spouse, child, parent, other",
    ),
    # customer_tags.csv and channel_monthly.csv (DOMAIN.md §9), written here: the boundary
    # extract has neither.
    "tag_of_an_unknown_customer": (
        lambda f: (f / "customer_tags.csv").write_text("customer_id,tag\nC01,migrant_worker\nC99,teacher\n"),
        "customer_tags.csv, line 3, column customer_id: unknown customer_id 'C99' (no such customer)",
    ),
    "a_tag_twice": (
        lambda f: (f / "customer_tags.csv").write_text("customer_id,tag\nC01,teacher\nC02,teacher\nC01,teacher\n"),
        "customer_tags.csv, line 4, column customer_id: duplicate customer_id + tag 'C01', 'teacher'",
    ),
    "a_tag_of_41_characters": (
        lambda f: (f / "customer_tags.csv").write_text("customer_id,tag\nC01," + "t" * 41 + "\n"),
        "customer_tags.csv, line 2, column tag: 41 characters, more than the 40 allowed",
    ),
    "a_month_twice": (
        lambda f: (f / "channel_monthly.csv").write_text(
            "customer_id,month,mobile_logins\nC01,2026-10,3\nC01,2026-10,4\n"
        ),
        "channel_monthly.csv, line 3, column customer_id: duplicate customer_id + month 'C01', '2026-10'",
    ),
    "negative_logins": (
        lambda f: (f / "channel_monthly.csv").write_text("customer_id,month,mobile_logins\nC01,2026-10,-1\n"),
        "channel_monthly.csv, line 2, column mobile_logins: expected a whole number >= 0, got '-1'",
    ),
    "logins_of_an_unknown_customer": (
        lambda f: (f / "channel_monthly.csv").write_text("customer_id,month,mobile_logins\nC99,2026-10,1\n"),
        "channel_monthly.csv, line 2, column customer_id: unknown customer_id 'C99' (no such customer)",
    ),
    "full_width_count": (
        lambda f: _edit(
            f / "redemptions.csv",
            "R2,C02,万达影城,2026-10-16 12:00:00,2,1,",
            "R2,C02,万达影城,2026-10-16 12:00:00,２,1,",
        ),
        "redemptions.csv, line 3, column tickets: expected a whole number >= 0, got '２'",
    ),
}


@pytest.mark.parametrize("reader", ["inline", "process"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_extract_is_rejected_and_store_unchanged(store, bad, case, reader):
    break_it, message = CASES[case]
    before, files = _dump(store), residue(store)
    break_it(bad)
    with pytest.raises(ImportFailed) as err:
        import_extract(bad, str(store), reader=reader)
    assert str(err.value).startswith(message), str(err.value)
    assert _dump(store) == before
    assert residue(store) == files  # the private load file (or staging schema) is gone too


def test_bom_header_is_accepted(tmp_path, bad):
    p = bad / "customers.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    result = import_extract(bad, fresh_store(tmp_path))
    assert result.rows["customers.csv"] == 40


def test_gb18030_extract_imports_with_encoding(tmp_path, bad):
    for f in bad.glob("*.csv"):
        f.write_bytes(f.read_text(encoding="utf-8").encode("gb18030"))
    db = fresh_store(tmp_path)
    import_extract(bad, db, encoding="gb18030")
    assert fetch(db, "SELECT name FROM customer WHERE customer_id='C02'") == [("钱二",)]


def test_columns_in_any_order_and_extra_columns_ignored(tmp_path, bad):
    (bad / "branches.csv").write_text(
        "note,city,branch_name,branch_id\nx,上海,浦东陆家嘴支行,B1\ny,上海,徐汇,B2\nz,上海,静安,B3\n", encoding="utf-8"
    )
    result = import_extract(bad, fresh_store(tmp_path))
    assert result.rows["branches.csv"] == 3


def test_optional_files_may_be_absent(tmp_path, bad):
    for name in ("households", "aum_monthly", "cards", "transactions", "products", "touches", "redemptions"):
        (bad / f"{name}.csv").unlink()
    result = import_extract(bad, fresh_store(tmp_path))
    assert result.rows["cards.csv"] == 0 and result.rows["customers.csv"] == 40


def test_as_of_defaults_to_latest_date_without_extract_json(tmp_path, bad):
    (bad / "extract.json").unlink()
    result = import_extract(bad, fresh_store(tmp_path))
    # The latest data date is R8's screening on 2026-11-16 (and T9, C19 on the same day).
    assert result.as_of.isoformat() == "2026-11-16"


def test_valid_import_replaces_previous_extract(store, tmp_path, bad):
    _edit(bad / "customers.csv", "C07,B2,,郑七", "C07,B2,,郑七改")
    import_extract(bad, str(store))
    assert fetch(store, "SELECT name FROM customer WHERE customer_id='C07'") == [("郑七改",)]
    assert fetch(store, "SELECT count(*) FROM customer") == [(40,)]


def test_import_into_store_of_other_schema_version_is_refused(store, bad):
    execute(store, "UPDATE meta SET value='99' WHERE key='schema_version'")
    from custdash.db import StoreError

    with pytest.raises(StoreError, match=f"schema version 99; this custdash needs version {SCHEMA_VERSION}"):
        import_extract(bad, str(store))


@pytest.mark.sqlite_only("WAL snapshots; the PostgreSQL swap has its own test in test_stores.py")
def test_readers_keep_the_previous_extract_until_the_import_commits(store, bad):
    _edit(bad / "customers.csv", "C07,B2,,郑七", "C07,B2,,郑七改")
    reader = sqlite3.connect(store, isolation_level=None)
    reader.execute("BEGIN")
    name = "SELECT name FROM customer WHERE customer_id='C07'"
    assert reader.execute(name).fetchone() == ("郑七",)  # the read snapshot starts here
    import_extract(bad, str(store))
    assert reader.execute(name).fetchone() == ("郑七",)
    reader.execute("COMMIT")
    assert reader.execute(name).fetchone() == ("郑七改",)
    reader.close()


@pytest.mark.sqlite_only("SQLite's journal mode, page size and files")
def test_import_keeps_the_store_in_wal_mode_with_its_page_size_and_leaves_no_files(tmp_path, bad):
    db = tmp_path / "big-pages.db"
    engine = make_engine(str(db), page_size=8192)
    create_store(engine)
    engine.dispose()
    import_extract(bad, str(db))
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert con.execute("PRAGMA page_size").fetchone() == (8192,)
    assert con.execute("SELECT count(*) FROM customer").fetchone() == (40,)
    con.close()
    assert residue(db) == ["bad", "big-pages.db", "big-pages.db-auth"]  # `bad` is the extract folder


@pytest.mark.sqlite_only("SQLite's journal mode")
def test_engine_uses_wal(store):
    engine = make_engine(str(store))
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_optional_columns_may_be_left_out(tmp_path, bad):
    (bad / "customers.csv").write_text(
        "customer_id,branch_id,name,opened_on,channel\nC01,B1,赵一,2020-03-01,walk_in\n", encoding="utf-8"
    )
    for name in ("households", "aum_monthly", "cards", "transactions", "products", "touches", "redemptions"):
        (bad / f"{name}.csv").unlink()
    db = fresh_store(tmp_path)
    import_extract(bad, db)
    assert fetch(db, "SELECT customer_id, manager_id, gender, birth_date, phone FROM customer") == [
        ("C01", None, None, None, None)
    ]


def test_an_encoding_that_cannot_read_the_files_is_named(store, bad):
    before = _dump(store)
    with pytest.raises(ImportFailed) as err:
        import_extract(bad, str(store), encoding="utf-16")
    assert str(err.value) == "branches.csv: the bytes after line 1 are not valid utf-16 text."
    assert _dump(store) == before


def test_future_tolerance_is_a_setting(tmp_path, bad, monkeypatch):
    from datetime import date, timedelta

    (bad / "extract.json").unlink()
    ahead = date.today() + timedelta(days=20)
    _edit(bad / "transactions.csv", "2026-05-19 18:30:00", f"{ahead.isoformat()} 18:30:00")
    with pytest.raises(ImportFailed, match="more than 7 days after today"):
        import_extract(bad, fresh_store(tmp_path, "a.db"))
    monkeypatch.setenv("CUSTDASH_IMPORT_FUTURE_DAYS", "30")
    assert import_extract(bad, fresh_store(tmp_path, "b.db")).as_of == ahead


def test_tags_and_logins_load_when_given(tmp_path, bad):
    (bad / "customer_tags.csv").write_text("customer_id,tag\nC01,migrant_worker\nC01,teacher\nC02,migrant_worker\n")
    (bad / "channel_monthly.csv").write_text("customer_id,month,mobile_logins\nC01,2026-10,0\nC01,2026-09,15\n")
    db = fresh_store(tmp_path)
    result = import_extract(bad, db)
    assert (result.rows["customer_tags.csv"], result.rows["channel_monthly.csv"]) == (3, 2)
    assert fetch(db, "SELECT customer_id, tag FROM customer_tag ORDER BY 1, 2") == [
        ("C01", "migrant_worker"),
        ("C01", "teacher"),
        ("C02", "migrant_worker"),
    ]
    assert fetch(db, "SELECT customer_id, month, mobile_logins FROM channel_monthly ORDER BY 2") == [
        ("C01", "2026-09", 15),
        ("C01", "2026-10", 0),
    ]
