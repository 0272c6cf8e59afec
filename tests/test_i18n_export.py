"""Translations complete in both languages; export bytes as a spreadsheet will read them."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlmodel import Session

from custdash.auth import Viewer
from custdash.db import make_engine
from custdash.export import excel_text, export_filename, mask_phone, neutralise, to_csv_bytes, to_xlsx_bytes
from custdash.i18n import LANGS, TEXT, money, money_exact, percent, t
from custdash.rules import load_rules
from tests.conftest import EXAMPLE_AS_OF

ROOT = Path(__file__).resolve().parents[1]


def test_every_key_has_both_languages():
    missing = [(k, lang) for k, v in TEXT.items() for lang in LANGS if not v.get(lang)]
    assert missing == []
    assert all(set(v) == set(LANGS) for v in TEXT.values())


def test_every_key_used_in_the_code_exists():
    used = set()
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("custdash/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*f?["']([a-z_]+\.[a-z_0-9]+)["']""", path.read_text(encoding="utf-8")))
    assert sorted(k for k in used if k not in TEXT) == []


def test_placeholders_agree_between_languages():
    bad = [k for k, v in TEXT.items() if set(re.findall(r"{(\w+)", v["en"])) != set(re.findall(r"{(\w+)", v["zh"]))]
    assert bad == []


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        (1234567.0, "en", "¥1,234,567"),
        (1234567.0, "zh", "123.46万"),
        (3.5, "en", "¥3.50"),
        (3.5, "zh", "3.50元"),
        (50000.0, "zh", "5.00万"),
        (None, "en", ""),
    ],
)
def test_money(value, lang, text):
    assert money(value, lang) == text


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812341234", "138****1234"), ("+8613812341234", "+86*******1234"), ("1234", "**34"), (None, None)],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked
    assert mask_phone(phone, reveal=True) == phone


INJECTION = pd.DataFrame(
    {
        "name": ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTAB", "\rCR", "王芳"],
        "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6", "C7"],
        "aum": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
    }
)


def test_csv_bytes_bom_header_injection_rows():
    data = to_csv_bytes(INJECTION, headers={"name": "姓名", "aum": "资产"})
    assert data.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(df.columns) == ["customer_id", "姓名", "资产"]
    assert len(df) == len(INJECTION)
    assert list(df["姓名"]) == ['\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)", "'\tTAB", "'\rCR", "王芳"]
    assert list(df["资产"]) == ["1.0", "-2.0", "3.0", "4.0", "5.0", "6.0", "7.0"]  # numbers stay numbers


def test_csv_bytes_are_what_pandas_writes():
    """The column-wise CSV writer gives pandas' to_csv bytes, cell for cell: missing values of
    every kind empty, floats as Python prints them (or to `decimals` in a float column only),
    nullable integers, booleans, dates, quoting, injection neutralised, phones as Excel text."""
    df = pd.DataFrame(
        {
            "name": ['=HYPERLINK("x")', "+1", None, "a,b", 'q"q', "x\ny"],
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "aum": [1.0, float("nan"), 3.25, -0.0, 1e-7, 12345678.125],
            "n": [1, 2, 3, 4, 5, 6],
            "ok": [True, False, True, True, False, False],
            "mixed": [1.5, None, "x", date(2020, 1, 2), 3, pd.NA],
            "cards": pd.array([1, None, 3, 4, 5, 6], dtype="Int64"),
            "phone": ["13800001234", "0123", "138****1234", None, "12", "-1"],
            # Columns of text only, searched whole (a cell per line): a formula in the middle, a
            # line break followed by what would be a formula at a cell's start, digit strings.
            "note": ["plain", "x\n=y", "@at", "ok", "\rcr", "fine"],
            "tel": ["13800001234", "138****1234", "0123", "12\n3456789", "a", "=1"],
            "safe": ["a", "b", "c", "d", "e", "f"],
            "wrapped": ["a\n0123", "b", "c", "d", "e", "f"],
        }
    )
    headers = {"name": "姓名", "aum": "资产"}
    texts = ("phone", "tel", "wrapped", "safe")
    for kw in ({}, {"headers": headers, "keep_id": False, "text_cols": texts, "decimals": 2}):
        data = df[["customer_id", *[c for c in df.columns if c != "customer_id"]]].copy()
        for col in data.columns:
            if data[col].dtype == object or pd.api.types.is_string_dtype(data[col]):
                data[col] = [neutralise(v) for v in data[col].tolist()]
        for col in kw.get("text_cols", ()):
            data[col] = [excel_text(v) for v in data[col].tolist()]
        if "headers" in kw:
            data.columns = [headers.get(c, c) for c in data.columns]
        buf = io.StringIO()
        fmt = f"%.{kw['decimals']}f" if "decimals" in kw else None
        data.to_csv(buf, index=False, lineterminator="\r\n", float_format=fmt)
        assert to_csv_bytes(df, **kw) == ("\ufeff" + buf.getvalue()).encode("utf-8")


def test_xlsx_has_no_formulas_and_all_rows(tmp_path):
    from openpyxl import load_workbook

    data = to_xlsx_bytes(INJECTION, sheet="dormant")
    p = tmp_path / "x.xlsx"
    p.write_bytes(data)
    ws = load_workbook(p).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("customer_id", "name", "aum")
    assert len(rows) == 1 + len(INJECTION)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    # A typed string, never a formula: shown as the customer's name, without the CSV's quote.
    assert rows[1][1] == '=HYPERLINK("http://x")'
    assert rows[2][2] == -2.0


def _xlsx_cell_by_cell(df: pd.DataFrame, *, headers=None, keep_id=True, kinds=None) -> bytes:
    """The reference: every cell through xlsxwriter's own write calls (the previous writer)."""
    import xlsxwriter

    from custdash.export import NUMBER_FORMATS, _column_order, _prepare

    columns = _column_order(df)
    data = _prepare(df, headers, keep_id=keep_id, neutral=False)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        },
    )
    ws = wb.add_worksheet("list")
    bold = wb.add_format({"bold": True})
    fmts = {k: wb.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}
    col_fmt = [fmts.get((kinds or {}).get(c, ""), None) for c in columns]
    for j, name in enumerate(data.columns):
        ws.write_string(0, j, str(name), bold)
        ws.set_column(j, j, max(10, min(40, 2 * len(str(name)) + 2)), col_fmt[j])
    for i, row in enumerate(data.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                continue
            if isinstance(v, str):
                ws.write_string(i, j, v)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, date):
                ws.write_datetime(i, j, pd.Timestamp(v).to_pydatetime(), fmts["date"])
            else:
                ws.write_number(i, j, float(v), col_fmt[j])
    ws.freeze_panes(1, 1)
    wb.close()
    return buf.getvalue()


def _read_xlsx(data: bytes) -> tuple:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).active
    cells = [[(c.value, c.number_format, c.data_type, c.font.b) for c in row] for row in ws.iter_rows()]
    widths = {k: round(d.width, 2) for k, d in ws.column_dimensions.items()}
    return cells, ws.freeze_panes, ws.dimensions, widths


def test_xlsx_reads_back_as_xlsxwriter_writes_it_cell_by_cell():
    """The spliced sheet XML holds what xlsxwriter's per-cell calls would: every value, type,
    number format and bold header, the frozen panes, the dimensions and the column widths;
    text that XML must escape (&, <, >, control characters, edge spaces) survives."""
    df = pd.DataFrame(
        {
            "name": ['=HYPERLINK("x")', " lead", "a<b>&c", "ctl\x01x\x1f", "王芳", None],
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "aum": [1.0, float("nan"), 3.25, -0.0, 1e-7, 12345678.125],
            "n": [1, 2, 3, 4, 5, 6],
            "ok": [True, False, True, True, False, False],
            "day": [date(2020, 1, 2), None, date(1999, 12, 31), date(2026, 11, 22), None, date(2000, 2, 29)],
            "phone": ["13800001234", "0123", "138****1234", None, "12", "-1"],
            "mixed": [1.5, None, "x", 3, pd.NA, True],
        }
    )
    kinds = {"aum": "money", "n": "int", "day": "date"}
    for kw in ({}, {"headers": {"aum": "资产", "name": "姓名"}, "keep_id": False, "kinds": kinds}):
        assert _read_xlsx(to_xlsx_bytes(df, **kw)) == _read_xlsx(_xlsx_cell_by_cell(df, **kw))
    empty = df.iloc[:0]
    assert _read_xlsx(to_xlsx_bytes(empty))[0] == _read_xlsx(_xlsx_cell_by_cell(empty))[0]


def test_export_filename_names_list_scope_and_date():
    d = date(2026, 11, 22)
    assert (
        export_filename("dormant", as_of=d, branch_id=None, manager_id=None, ext="csv")
        == "custdash_dormant_all_2026-11-22.csv"
    )
    assert (
        export_filename("alliance-unused", as_of=d, branch_id="B001", manager_id="M0003", ext="xlsx")
        == "custdash_alliance-unused_branch-B001_manager-M0003_2026-11-22.xlsx"
    )
    assert (
        export_filename("x", as_of=d, branch_id="../../etc", manager_id=None, ext="csv")
        == "custdash_x_branch-.-.-etc_2026-11-22.csv"
    )
    # Issue #33: the band and the statuses asked for are in the name (two files, two lists).
    assert (
        export_filename("threshold", as_of=d, branch_id=None, manager_id=None, ext="csv", extra={"band": 0.05})
        == "custdash_threshold_band-5pct_all_2026-11-22.csv"
    )
    assert (
        export_filename(
            "dormant", as_of=d, branch_id="B001", manager_id=None, ext="csv", extra={"status": ("new", "no_answer")}
        )
        == "custdash_dormant_status-new.no_answer_branch-B001_2026-11-22.csv"
    )


def test_t_formats_and_falls_back_to_english():
    assert t("common.rows", "zh", n=1234) == "1,234 位客户"
    assert t("common.rows", "xx", n=2) == "2 customers"


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        (1_151_748_000.0, "zh", "11.52亿"),
        (100_000_000.0, "zh", "1.00亿"),
        (99_999_999.0, "zh", "10,000.00万"),
        (-250_000_000.0, "zh", "-2.50亿"),
    ],
)
def test_money_above_one_yi(value, lang, text):
    assert money(value, lang) == text


def test_exact_amounts_tell_a_customer_from_the_threshold():
    # ¥99,994 is not the 10.00万 threshold: a customer's row never rounds up across it.
    assert money(99_994.0, "zh") == money(100_000.0, "zh") == "10.00万"
    assert money_exact(99_994.0, "zh") == "9.99万" != money_exact(100_000.0, "zh") == "10.00万"
    assert money_exact(99_994.0, "en") == "¥99,994.00"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (11_973_413.28, "1,197.34万"),  # issue #33: "11,973,413.28元" beside the overview's 万
        (9_999.99, "9,999.99元"),
        (10_000.0, "1.00万"),
        (99_999_999.99, "9,999.99万"),
        (123_456_789.0, "1.23亿"),
        (-15_555.0, "-1.55万"),
        (3.5, "3.50元"),
    ],
)
def test_a_rows_amounts_read_in_wan_like_every_other_figure(value, text):
    assert money_exact(value, "zh") == text
    assert percent(6 / 100_000, 2) == "0.01%"


# --- downloads: one path for the dashboard and the CLI ------------------------------------------


def _deliver(db: str, name: str, *, viewer: Viewer, lang: str | None, fmt: str = "csv") -> bytes:
    from custdash.delivery import ListRequest, deliver_list

    engine, writer = make_engine(db), make_engine(db, writer=True)
    with Session(engine) as read, Session(writer) as audit:
        request = ListRequest(name=name, fmt=fmt, as_of=EXAMPLE_AS_OF, lang=lang)
        out = deliver_list(read, audit, viewer=viewer, rules=load_rules(), request=request).data
    engine.dispose()
    writer.dispose()
    return out


ADMIN = Viewer("admin", "admin")


def test_download_in_chinese_names_every_header_with_units(example_store):
    text = _deliver(str(example_store), "threshold", viewer=ADMIN, lang="zh").decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == (
        "客户号,姓名,手机号,跟进状态,网点,客户经理,等级,月日均资产（元）,目标等级,目标等级门槛（元）,差额（元）,差额比例（%）,升级后免费观影次数"
    )
    assert lines[1:3] == [
        "C01,赵一,138****0001,未联系,B1,M1,V0 大众,49999.99,V1 潜力,50000.00,0.01,0.00,4",
        "C03,孙三,138****0003,未联系,B1,M2,V1 潜力,90000.00,V2 金卡,100000.00,10000.00,10.00,6",
    ]
    dormant = _deliver(str(example_store), "dormant", viewer=ADMIN, lang="zh").decode("utf-8-sig").splitlines()
    assert (
        dormant[0]
        == "客户号,姓名,手机号,跟进状态,网点,客户经理,睡眠卡数,最后动户日,开户即睡眠,卡内余额（元）,零元卡,近12月峰值资产（元）,优先"
    )
    assert dormant[1] == "C10,陈十,138****0010,未联系,B1,M2,1,,是,0.00,是,70000.00,是"
    honeymoon = _deliver(str(example_store), "honeymoon", viewer=ADMIN, lang="en").decode("utf-8-sig").splitlines()
    assert honeymoon[0] == (
        "Customer ID,Name,Phone,Status,Branch,Manager,Opened,Day,1 Activate,2 First product,3 Deepen,4 Upgrade,"
        "Due waves,Aim of the due wave,Overdue waves"
    )
    assert (
        honeymoon[1]
        == 'C17,朱十七,138****0017,new,B2,M3,2026-08-07,100,done,done,overdue,due,4,"Tier review, alliance invitation",3'
    )


def test_machine_download_keeps_the_contract(example_store):
    text = _deliver(str(example_store), "dormant", viewer=ADMIN, lang=None).decode("utf-8-sig").splitlines()
    assert text[0] == (
        "customer_id,name,phone,branch_id,manager_id,dormant_cards,last_activity,never_used,balance,"
        "zero_balance,peak_aum_12m,priority,contact_status"
    )
    assert text[1] == "C10,陈十,138****0010,B1,M2,1,,True,0.0,True,70000.0,True,new"


def test_excel_download_numbers_are_numbers_with_formats(example_store, tmp_path):
    from openpyxl import load_workbook

    p = tmp_path / "t.xlsx"
    p.write_bytes(_deliver(str(example_store), "threshold", viewer=ADMIN, lang="zh", fmt="xlsx"))
    ws = load_workbook(p).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2])}
    assert row["客户号"].value == "C01"
    assert row["月日均资产（元）"].value == 49999.99 and row["月日均资产（元）"].number_format == "#,##0.00"
    assert row["目标等级门槛（元）"].value == 50000 and row["目标等级门槛（元）"].data_type == "n"
    assert row["升级后免费观影次数"].value == 4 and row["升级后免费观影次数"].number_format == "#,##0"
    assert row["等级"].value == "V0 大众"


def test_own_phones_survive_excel_in_the_csv(example_store):
    from custdash.auth import add_user

    engine = make_engine(str(example_store))
    with Session(engine) as s:
        add_user(s, username="wangfang", password="Kq7-walnut-harbor", role="manager", branch_id="B1", manager_id="M1")
    engine.dispose()
    manager = Viewer("wangfang", "manager", branch_id="B1", manager_id="M1")
    df = pd.read_csv(
        io.BytesIO(_deliver(str(example_store), "threshold", viewer=manager, lang="zh")),
        encoding="utf-8-sig",
        dtype=str,
    )
    # Her own customer's full number, as Excel text (="…"): not 1.38E+10, no digit lost.
    assert df.set_index("客户号").loc["C01", "手机号"] == '="13800000001"'
    assert excel_text("13800000001") == '="13800000001"'
    assert excel_text("=1+1") == "=1+1" and excel_text("138****0001") == "138****0001"


def test_one_kind_per_column_drives_the_screen_and_the_files():
    """columns.value_kind is what both the screen (ui.tables.localise) and the human files
    (export.human_table) format by (issue #34: they kept near-copies of this dispatch)."""
    from custdash.columns import value_kind
    from custdash.export import human_table
    from custdash.rules import load_rules

    df = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "tier": ["V1", "V2"],
            "wave_1": ["due", "done"],
            "priority": [True, False],
            "aum": [1.5, 2.5],
            "gap_pct": [0.01, None],
            "dormant_cards": pd.array([1, 2], dtype="Int64"),
            "matures_on": [None, date(2026, 12, 1)],
            "name": ["王芳", None],
        }
    )
    kinds = {c: value_kind(c, df[c]) for c in df.columns}
    assert kinds == {
        "customer_id": "text",
        "tier": "code",
        "wave_1": "code",
        "priority": "code",
        "aum": "money",
        "gap_pct": "pct",
        "dormant_cards": "int",
        "matures_on": "date",
        "name": "text",
    }
    _, file_kinds = human_table(df, rules=load_rules(), lang="en")
    assert file_kinds == {c: "text" if k == "code" else k for c, k in kinds.items()}
