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

    wb = Workbook()
    data = [[headers.get(c, c) for c in df.columns], *_cells(df)]
    ws = wb.new_sheet("dormant", data=data)
    formats = {"money": "#,##0.00", "int": "#,##0", "pct": "0.0%", "date": "yyyy-mm-dd"}
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
    """xlsxwriter cell by cell, in constant memory: what custdash replaced."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("dormant")
    for j, col in enumerate(df.columns):
        ws.write_string(0, j, headers.get(col, col))
    for i, row in enumerate(_cells(df), start=1):
        for j, v in enumerate(row):
            if v is not None:
                ws.write(i, j, v)
    wb.close()
    return buf.getvalue()


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
        "| writer | seconds | MB | number formats |",
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
        formats = "one float format for all amounts" if label == "rustpy-xlsxwriter" else "per column"
        lines.append(f"| {label} | {statistics.median(times):.2f} | {len(data) / 1e6:.1f} | {formats} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
