"""Exports of a call list: CSV (UTF-8 with BOM, for Excel) and XLSX.

Both start with customer_id, mask phones through `mask_phone` (the one masking
rule), and neutralise text that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def mask_phone(phone: object, *, reveal: bool = False) -> object:
    """138****1234: keep the first 3 and last 4 digits. `reveal` is for viewers whose role needs it."""
    if phone is None or (isinstance(phone, float) and pd.isna(phone)) or reveal:
        return phone
    s = str(phone)
    if len(s) >= 8:
        return s[:3] + "*" * (len(s) - 7) + s[-4:]
    return "*" * max(len(s) - 2, 0) + s[-2:]


def mask_frame(df: pd.DataFrame, *, reveal: bool = False) -> pd.DataFrame:
    if "phone" not in df.columns or reveal:
        return df
    out = df.copy()
    out["phone"] = [mask_phone(p) for p in out["phone"].tolist()]
    return out


def neutralise(value: object) -> object:
    """Prefix a quote to text a spreadsheet would read as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _prepare(df: pd.DataFrame, headers: Mapping[str, str] | None) -> pd.DataFrame:
    if "customer_id" in df.columns:
        df = df[["customer_id", *[c for c in df.columns if c != "customer_id"]]]
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            # .tolist() first: iterating pandas' Arrow-backed strings cell by cell is ten times slower.
            out[col] = [neutralise(v) for v in out[col].tolist()]
    if headers:
        out.columns = [c if c == "customer_id" else headers.get(c, c) for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame, *, headers: Mapping[str, str] | None = None) -> bytes:
    buf = io.StringIO()
    _prepare(df, headers).to_csv(buf, index=False, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx_bytes(df: pd.DataFrame, *, sheet: str = "list", headers: Mapping[str, str] | None = None) -> bytes:
    import xlsxwriter

    data = _prepare(df, headers)
    buf = io.BytesIO()
    # strings_to_formulas=False: xlsxwriter writes every string as text, never as a formula.
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
    ws = wb.add_worksheet(sheet[:31])
    bold = wb.add_format({"bold": True})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, name in enumerate(data.columns):
        ws.write_string(0, j, str(name), bold)
        ws.set_column(j, j, max(10, min(40, len(str(name)) + 2)))
    for i, row in enumerate(data.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                ws.write_blank(i, j, None)
            elif isinstance(v, str):
                ws.write_string(i, j, v)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, date):
                ws.write_datetime(i, j, pd.Timestamp(v).to_pydatetime(), datefmt)
            else:
                ws.write_number(i, j, float(v))
    ws.freeze_panes(1, 1)
    wb.close()
    return buf.getvalue()


def export_filename(list_name: str, *, as_of: date, branch_id: str | None, manager_id: str | None, ext: str) -> str:
    scope = "all"
    if branch_id:
        scope = f"branch-{branch_id}"
    if manager_id:
        scope += f"_manager-{manager_id}" if branch_id else f"manager-{manager_id}"
    name = f"custdash_{list_name}_{scope}_{as_of.isoformat()}.{ext}"
    return re.sub(r"\.{2,}", ".", _SAFE_NAME.sub("-", name))
