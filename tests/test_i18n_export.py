"""Translations complete in both languages; export bytes as a spreadsheet will read them."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from custdash.export import export_filename, mask_phone, to_csv_bytes, to_xlsx_bytes
from custdash.i18n import LANGS, TEXT, money, t

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
    assert rows[1][1] == '\'=HYPERLINK("http://x")'
    assert rows[2][2] == -2.0


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


def test_t_formats_and_falls_back_to_english():
    assert t("common.rows", "zh", n=1234) == "1,234 位客户"
    assert t("common.rows", "xx", n=2) == "2 customers"
