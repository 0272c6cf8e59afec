"""Exports of a call list: CSV (UTF-8 with BOM, for Excel) and XLSX.

Both start with customer_id, mask phones through `mask_phone` (the one masking
rule), and neutralise text that a spreadsheet would run as a formula.

Two flavours: the machine one (the CLI's default: the contract's column names, raw values)
and the human one (`human_table`: the dashboard's downloads and `--lang`): headers in the
reader's language with units, codes named, yes/no words, numbers kept as numbers with Excel
formats, and digit strings that Excel would turn into numbers (an 11-digit phone) kept as text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from custdash.columns import column_headers, named_codes, value_kind
from custdash.i18n import wave_aims
from custdash.rules import Rules

INF = float("inf")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_START)
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
    # Shallow: pandas copies on write, so replacing a column leaves the caller's frame as it was.
    out = df.copy(deep=False)
    # The common case (a phone of 8 characters or more) inline: a call per row was most of it.
    out["phone"] = _as_objects(
        [
            p[:3] + "*" * (len(p) - 7) + p[-4:] if type(p) is str and len(p) >= 8 else mask_phone(p)
            for p in out["phone"].tolist()
        ],
        out.index,
    )
    return out


def _as_objects(values: list[object], index: pd.Index) -> pd.Series:
    """A new column of Python values as they are: a file is written from them next, and a
    column of text inferred as Arrow strings costs a conversion there and one back (at 156,000
    rows, a tenth of a CSV's time over a list's columns)."""
    return pd.Series(values, index=index, dtype=object)


def neutralise(value: object) -> object:
    """Prefix a quote to text a spreadsheet would read as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _option_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value * 100:g}pct" if 0 < value < 1 else f"{value:g}"  # a band of 0.05: 5pct
    if isinstance(value, (list, tuple)):
        return ".".join(map(str, value))
    return str(value)


def people_order(columns: list[str]) -> list[str]:
    """The columns as people read a list, on screen and in its human file alike: the status right
    after who the customer is (after the phone). The machine form keeps the contract's order."""
    cols = list(columns)
    if "contact_status" in cols and "phone" in cols:
        cols.remove("contact_status")
        cols.insert(cols.index("phone") + 1, "contact_status")
    return cols


def human_table(df: pd.DataFrame, *, rules: Rules, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """A list as a person reads it in `lang` (values only; headers from `human_headers`):
    tiers named, yes/no words, wave statuses translated; amounts, counts and dates untouched
    (they stay numbers and dates in the file). Returns the table and each column's kind
    ("money", "int", "pct", "date", "text") for the spreadsheet's number formats."""
    out = with_due_aim(df[people_order(list(df.columns))], rules=rules, lang=lang)
    kinds: dict[str, str] = {}
    for col in out.columns:
        series = out[col]
        kind = value_kind(col, series)
        if kind == "code":  # codes named; ids, names and amounts stay as they are
            out[col] = _as_objects(named_codes(col, series.tolist(), rules, lang), out.index)
        elif kind == "pct":
            # As percent numbers (header "… (%)"): a CSV has no cell formats to show 0.0008 as 0.08%.
            out[col] = [None if v is None or pd.isna(v) else round(float(v) * 100, 6) for v in series.tolist()]
        kinds[col] = "text" if kind == "code" else kind
    return out, kinds


def with_due_aim(df: pd.DataFrame, *, rules: Rules, lang: str) -> pd.DataFrame:
    """A honeymoon list gains, after its due waves, what those waves aim at (from the rules)."""
    out = df.copy(deep=False)  # copy on write: the caller's frame is never changed
    if "due_waves" in out.columns:
        out.insert(
            list(out.columns).index("due_waves") + 1,
            "due_aim",
            [wave_aims(w, rules, lang) for w in out["due_waves"].tolist()],
        )
    return out


def human_headers(columns: list[str], *, rules: Rules, lang: str) -> dict[str, str]:
    """Every header in `lang`, with the unit of amounts and ratios (customer_id too)."""
    return column_headers(columns, rules, lang, units=True)


_DIGITS = re.compile(r"\d{6,}|0\d+")
# The same two tests over a column's cells joined by line breaks (`_csv_cells`): a line that
# starts like a formula, a line that is a digit string Excel would turn into a number.
_FORMULA_LINE = re.compile(r"^[=+\-@\t\r]", re.MULTILINE)
_DIGITS_LINE = re.compile(r"^(?:\d{6,}|0\d+)$", re.MULTILINE)


def excel_text(value: object) -> object:
    """A digit string Excel would read as a number (an 11-digit phone shown as 1.38E+10, a
    leading zero dropped) written as the text formula ="…", which Excel shows verbatim. Only
    pure digits qualify, so nothing a user typed can become a formula this way."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return f'="{value}"'
    return value


def _prepare(
    df: pd.DataFrame, headers: Mapping[str, str] | None, *, keep_id: bool = True, neutral: bool = True
) -> pd.DataFrame:
    """`neutral`: quote text a spreadsheet would run (CSV). A workbook writes every text cell as
    a typed string, which never runs: there the name stays as the customer's, with no quote."""
    out = df[_column_order(df)].copy()
    for col in out.columns if neutral else ():
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            # .tolist() first: iterating pandas' Arrow-backed strings cell by cell is ten times slower.
            out[col] = [neutralise(v) for v in out[col].tolist()]
    if headers:
        out.columns = [c if c == "customer_id" and keep_id else headers.get(c, c) for c in out.columns]
    return out


def to_csv_bytes(
    df: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    keep_id: bool = True,
    text_cols: tuple[str, ...] = (),
    decimals: int | None = None,
) -> bytes:
    """`text_cols`: columns whose digit strings are written for Excel as text (`excel_text`);
    `decimals`: write every fractional number with this many decimals (amounts to the fen).

    Written column by column with the csv module (what pandas' to_csv does row by row in
    Python): at a million customers the largest list, 157,000 rows, takes a fifth of the time."""
    order = _column_order(df)
    columns = [_csv_cells(df[col], decimals=decimals, text=col in text_cols) for col in order]
    names = [c if c == "customer_id" and keep_id else (headers or {}).get(c, c) for c in order]
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerows(zip(*columns))
    return buf.getvalue().encode("utf-8")


def _csv_cells(series: pd.Series, *, decimals: int | None, text: bool) -> list[object]:
    """One column's CSV cells, as pandas' to_csv writes them: missing values empty, floats of
    a float column as Python prints them (or with `decimals`), text neutralised."""
    values = series.tolist()
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "biu":
        return values  # numpy bools and ints have no missing values; csv writes str(v)
    if pd.api.types.is_float_dtype(series):
        fmt = repr if decimals is None else f"{{:.{decimals}f}}".format
        return ["" if v != v else fmt(v) for v in values]  # v != v: NaN
    try:
        # A column of text, the common case, searched whole: one cell per line of one string.
        joined = "\n".join(values)
    except TypeError:  # dates, missing values: cell by cell (csv writes None empty, a date as ISO)
        out = [
            v if v is None or type(v) is date or (type(v) is str and v[:1] not in FORMULA_FIRST) else _csv_cell(v)
            for v in values
        ]
        return [excel_text(v) for v in out] if text else out
    # A line may also start inside a cell holding a line break: then too the cells are looked
    # at one by one, and only a cell's own start counts.
    out = [neutralise(v) for v in values] if _FORMULA_LINE.search(joined) else values
    return [excel_text(v) for v in out] if text and _DIGITS_LINE.search(joined) else out


def _csv_cell(value: object) -> object:
    """A CSV cell that is not plain safe text: missing values empty, text neutralised."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return neutralise(str(value)) if isinstance(value, str) else value


def _column_order(df: pd.DataFrame) -> list[str]:
    """The columns as `_prepare` writes them: customer_id first."""
    cols = list(df.columns)
    return ["customer_id", *[c for c in cols if c != "customer_id"]] if "customer_id" in cols else cols


NUMBER_FORMATS = {"money": "#,##0.00", "int": "#,##0", "pct": "0.00", "date": "yyyy-mm-dd"}


_EXCEL_EPOCH = date(1899, 12, 30)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET = "xl/worksheets/sheet1.xml"


def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(v: str) -> str:
    """Text as XML character data; control characters as Excel's _xHHHH_ escapes."""
    if _SPECIAL.search(v):
        v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        v = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", v)
    space = ' xml:space="preserve"' if v[:1].isspace() or v[-1:].isspace() else ""
    return f"<t{space}>{v}</t>"


def _cells(series: pd.Series, style: str, date_style: str) -> list[str]:
    """The XML after `<c r="A2"` of each cell of one column ('' for no cell)."""
    values = series.tolist()
    if isinstance(series.dtype, np.dtype) and series.dtype.kind == "f":
        return [
            "" if v != v else f"{style}><v>{v!r}</v></c>" if abs(v) != INF else f'{style} t="e"><v>#DIV/0!</v></c>'
            for v in values
        ]
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu":
        return [f"{style}><v>{v}</v></c>" for v in values]
    out = []
    for v in values:
        if isinstance(v, str):
            out.append(f'{style} t="inlineStr"><is>{_xml_text(v)}</is></c>')
        elif v is None or v is pd.NA or v is pd.NaT:
            out.append("")
        elif isinstance(v, bool):
            out.append(f'{style} t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, datetime):
            out.append(f"{date_style}><v>{(v - datetime(1899, 12, 30)).total_seconds() / 86400!r}</v></c>")
        elif isinstance(v, date):
            out.append(f"{date_style}><v>{(v - _EXCEL_EPOCH).days}</v></c>")
        else:
            f = float(v)
            if f != f:
                out.append("")
            elif abs(f) == INF:
                out.append(f'{style} t="e"><v>#DIV/0!</v></c>')
            else:
                out.append(f"{style}><v>{v!r}</v></c>" if isinstance(v, int) else f"{style}><v>{f!r}</v></c>")
    return out


def to_xlsx_bytes(
    df: pd.DataFrame,
    *,
    sheet: str = "list",
    headers: Mapping[str, str] | None = None,
    keep_id: bool = True,
    kinds: Mapping[str, str] | None = None,
) -> bytes:
    """`kinds`: column -> "money" | "int" | "pct" | "date" | "text", for Excel's number formats
    (amounts with thousands and 2 decimals, counts with thousands); numbers stay numbers.

    xlsxwriter writes the workbook around the rows (styles, header, widths, frozen panes);
    the rows themselves are written here as the sheet's XML, column by column, then spliced
    in: xlsxwriter's cell-by-cell writing took 13 s for the largest list at a million customers
    (157,000 rows x 12 columns), this a third of that. tests/test_i18n_export.py checks that
    every cell reads back as xlsxwriter writes it (value, type, number format)."""
    import xlsxwriter

    columns = _column_order(df)
    data = _prepare(df, headers, keep_id=keep_id, neutral=False)
    frame_buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        frame_buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    ws = wb.add_worksheet(sheet[:31])
    bold = wb.add_format({"bold": True})
    fmts = {k: wb.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}
    col_fmt = [fmts.get((kinds or {}).get(c, ""), None) for c in columns]
    for j, name in enumerate(data.columns):
        ws.write_string(0, j, str(name), bold)
        width = max(10, min(40, 2 * len(str(name)) + 2))
        ws.set_column(j, j, width, col_fmt[j])
    ws.freeze_panes(1, 1)
    for fmt in fmts.values():
        # A style index for every number format, used or not by xlsxwriter's own cells (a date
        # can sit in any column). _get_xf_index is internal to xlsxwriter, pinned in
        # requirements.txt; tests/test_i18n_export.py compares every cell with its own writer.
        fmt._get_xf_index()
    wb.close()
    letters = [_col_letter(j) for j in range(len(columns))]
    date_style = f' s="{fmts["date"].xf_index}"'
    cols = []
    for j in range(len(columns)):
        style = f' s="{col_fmt[j].xf_index}"' if col_fmt[j] is not None else ""
        cols.append(_cells(data.iloc[:, j], style, date_style))
    rows = []
    for i, cells in enumerate(zip(*cols), start=2):
        rows.append(f'<row r="{i}">' + "".join(f'<c r="{c}{i}"{x}' for c, x in zip(letters, cells) if x) + "</row>")
    src = zipfile.ZipFile(io.BytesIO(frame_buf.getvalue()))
    xml = src.read(_SHEET).decode("utf-8")
    last = f"{letters[-1]}{len(data) + 1}" if columns else "A1"
    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', xml, count=1)
    head, tail = xml.split("</sheetData>", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for info in src.infolist():
            if info.filename == _SHEET:
                z.writestr(info, (head + "".join(rows) + "</sheetData>" + tail).encode("utf-8"), compresslevel=1)
            else:
                z.writestr(info, src.read(info.filename))
    return out.getvalue()


def export_filename(
    list_name: str,
    *,
    as_of: date,
    branch_id: str | None,
    manager_id: str | None,
    ext: str,
    extra: dict[str, Any] | None = None,
) -> str:
    """custdash_<list>[_<option>-<value>…]_<scope>_<date>.<ext>: the options that shaped the list
    (a threshold band of 5 %, the statuses asked for) are in the name, so two files never look
    alike when they hold different customers."""
    scope = "all"
    if branch_id:
        scope = f"branch-{branch_id}"
    if manager_id:
        scope += f"_manager-{manager_id}" if branch_id else f"manager-{manager_id}"
    options = "".join(f"_{k}-{_option_text(v)}" for k, v in sorted((extra or {}).items()) if v not in (None, (), []))
    name = f"custdash_{list_name}{options}_{scope}_{as_of.isoformat()}.{ext}"
    return re.sub(r"\.{2,}", ".", _SAFE_NAME.sub("-", name))
