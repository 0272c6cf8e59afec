"""The Excel download of the largest list at a million customers (issue #34): custdash's own
writer (xlsxwriter for the workbook, the rows spliced in as sheet XML) against maintained
fast writers given the same rows, headers and number formats.

    .venv/bin/python -m pip install pyexcelerate rustpy-xlsxwriter   # the candidates
    .venv/bin/python -m bench.xlsx --size 1000000 [--runs 3]

The rows are the whole bank's dormant list in its human (中文) form, as a head downloads it
(custdash.delivery: call_list -> human_table -> headers); each writer runs --runs times in
this process, seconds of the median. Prints a Markdown table (docs/PERFORMANCE.md keeps it).
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from collections.abc import Callable

import pandas as pd

from bench.run import AS_OF, store_for

TARGET = 8.0  # seconds, the Excel download of the largest list (issue #17)


def rows(size: int) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """The dormant list of the whole bank, human form: (rows, headers, column kinds)."""
    from sqlmodel import Session

    from custdash.db import make_engine
    from custdash.export import human_headers, human_table
    from custdash.rules import load_rules
    from custdash.scope import ALL
    from custdash.views import call_list

    rules = load_rules()
    with Session(make_engine(str(store_for(size)))) as s:
        df = call_list("dormant", s, as_of=AS_OF, rules=rules, scope=ALL)
    df, kinds = human_table(df, rules=rules, lang="zh")
    return df, human_headers(list(df.columns), rules=rules, lang="zh"), kinds


def ours(df: pd.DataFrame, headers: dict[str, str], kinds: dict[str, str]) -> bytes:
    from custdash.export import to_xlsx_bytes

    return to_xlsx_bytes(df, sheet="dormant", headers=headers, keep_id=False, kinds=kinds)


def _cells(df: pd.DataFrame) -> list[list[object]]:
    """The rows as Python values (None for a missing cell), what a cell-by-cell writer takes."""
    out = df.astype(object).where(df.notna(), None)
    return out.values.tolist()


def with_pyexcelerate(df: pd.DataFrame, headers: dict[str, str], kinds: dict[str, str]) -> bytes:
    from pyexcelerate import Format, Style, Workbook

    from custdash.export import NUMBER_FORMATS as formats

    wb = Workbook()
    data = [[headers.get(c, c) for c in df.columns], *_cells(df)]
    ws = wb.new_sheet("dormant", data=data)
    for j, col in enumerate(df.columns, start=1):
        if kinds.get(col) in formats:
            ws.set_col_style(j, Style(format=Format(formats[kinds[col]])))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_rustpy_xlsxwriter(df: pd.DataFrame, headers: dict[str, str], kinds: dict[str, str]) -> bytes:
    from rustpy_xlsxwriter import FastExcel

    shown = df.rename(columns=headers)
    buf = io.BytesIO()
    # One number format for every float column (amounts with 2 decimals); counts stay plain.
    FastExcel(buf).format(float_format="#,##0.00", bold_headers=True).freeze(row=1, col=1).sheet(
        "dormant", shown
    ).save()
    return buf.getvalue()


def with_xlsxwriter_cells(df: pd.DataFrame, headers: dict[str, str], kinds: dict[str, str]) -> bytes:
    """xlsxwriter cell by cell, each column's number format: what custdash replaced."""
    import xlsxwriter

    from custdash.export import NUMBER_FORMATS

    buf = io.BytesIO()
    options = {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(buf, options)
    ws = wb.add_worksheet("dormant")
    fmts = {k: wb.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}
    col_fmt = [fmts.get(kinds.get(c, "")) for c in df.columns]
    for j, col in enumerate(df.columns):
        ws.write_string(0, j, headers.get(col, col))
    for i, row in enumerate(_cells(df), start=1):
        for j, v in enumerate(row):
            if v is not None:
                ws.write(i, j, v, col_fmt[j])
    wb.close()
    return buf.getvalue()


# Awkward cells an extract can hold, written by every writer and read back (openpyxl): text
# that looks like a formula stays text, control characters survive (as Excel's _xHHHH_
# escapes), a missing value is an empty cell, each column keeps its number format.
AWKWARD = pd.DataFrame(
    {
        "name": ['=HYPERLINK("http://x")', "ctl\x01x", "王芳", None],
        "aum": [1.0, float("nan"), 3.25, 12345678.125],
        "share": [0.5, 0.25, None, 1.0],
        "n": [1, 2, 3, 4],
        "note": ["a", pd.NA, "b", "c"],
    }
)
AWKWARD_KINDS = {"aum": "money", "share": "pct", "n": "int"}


def _read_back(data: bytes) -> list[list[tuple[object, str, str]]]:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).active
    return [[(c.value, c.number_format, c.data_type) for c in row] for row in ws.iter_rows(min_row=2)]


def contract(write: Callable[..., bytes]) -> str:
    """What a writer's file loses against custdash's own (tests/test_i18n_export.py checks that
    one cell by cell against xlsxwriter's): "kept", or what differs."""
    want = _read_back(ours(AWKWARD, {}, AWKWARD_KINDS))
    got = _read_back(write(AWKWARD, {}, AWKWARD_KINDS))
    lost = []
    for j, col in enumerate(AWKWARD.columns):
        mine, theirs = [r[j] for r in want], [r[j] if j < len(r) else None for r in got]
        if mine == theirs:
            continue
        if any(w[2] == "s" and t is not None and t[2] == "f" for w, t in zip(mine, theirs)):
            lost.append(f"{col}: text written as a formula")
        elif any(w[1] != (t[1] if t else None) for w, t in zip(mine, theirs)):
            lost.append(
                f"{col}: number format {sorted({t[1] for t in theirs if t})} for {sorted({w[1] for w in mine})}"
            )
        else:
            lost.append(f"{col}: values {[t[0] for t in theirs if t]} for {[w[0] for w in mine]}")
    return "kept" if not lost else "; ".join(lost)


WRITERS: dict[str, Callable[..., bytes]] = {
    "custdash (xlsxwriter + rows as sheet XML)": ours,
    "pyexcelerate": with_pyexcelerate,
    "rustpy-xlsxwriter": with_rustpy_xlsxwriter,
    "xlsxwriter, cell by cell": with_xlsxwriter_cells,
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    df, headers, kinds = rows(args.size)
    lines = [
        f"`python -m bench.xlsx --size {args.size} --runs {args.runs}` on {platform.machine()}, Python "
        f"{platform.python_version()}: the whole bank's dormant list in 中文 ({len(df):,} rows x "
        f"{len(df.columns)} columns), seconds to the workbook's bytes, median of {args.runs} (target ≤ {TARGET:.0f} s "
        "with the query, which takes well under a second).",
        "",
        "| writer | seconds | MB | the export's contract (awkward cells read back) |",
        "|---|---|---|---|",
    ]
    for label, write in WRITERS.items():
        times: list[float] = []
        try:
            for _ in range(args.runs):
                t = time.perf_counter()
                data = write(df, headers, kinds)
                times.append(time.perf_counter() - t)
        except ImportError as e:
            lines.append(f"| {label} | not installed ({e.name}) | | |")
            continue
        kept = contract(write)
        lines.append(f"| {label} | {statistics.median(times):.2f} | {len(data) / 1e6:.1f} | {kept} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
