"""Benchmark: every view cold and warm, a page walk, exports, import, memory; against a naive
pandas baseline. Writes docs/PERFORMANCE.md.

    .venv/bin/python bench/run.py [--sizes 10000,100000,1000000] [--import-sizes 10000,100000] [--out FILE]

Demo stores are built once per size and kept in bench/cache/ (delete it to rebuild).
"Cold" runs each view in a fresh Python process (no app cache; the OS page cache is
whatever the machine has); "warm" repeats it in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from custdash.views import SCREEN_ROWS  # the rows a list page shows (the rest is the download)

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("CUSTDASH_BENCH_CACHE", ROOT / "bench" / "cache"))
AS_OF = date(2026, 11, 22)

# Every query the pages run, with the pages' own arguments: label -> (views.VIEWS name, extra
# arguments, naive equivalent). "month_earlier" runs at the same day a month before AS_OF.
SCREEN: dict[str, tuple[str, dict, str]] = {
    "tiers": ("tiers", {}, "tiers"),
    "tiers by manager": ("tiers", {"split": "manager"}, "tiers"),
    "migration": ("migration", {}, "migration"),
    "list sizes": ("list_sizes", {}, "list_sizes"),
    "list sizes a month earlier": ("list_sizes", {"month_earlier": True}, "list_sizes"),
    "threshold list, first 500": ("list:threshold", {"limit": SCREEN_ROWS}, "threshold"),
    "threshold list, widest band, first 500": ("list:threshold", {"limit": SCREEN_ROWS, "band": "max"}, "threshold"),
    "threshold count": ("count:threshold", {}, "threshold"),
    "threshold bands": ("threshold_bands", {}, "threshold_bands"),
    "dormant list, first 500": ("list:dormant", {"limit": SCREEN_ROWS}, "dormant"),
    "dormant count": ("count:dormant", {}, "dormant"),
    "dormant by peak tier": ("dormant_by_tier", {}, "dormant"),
    "dormant by months": ("dormant_by_months", {}, "dormant"),
    "alliance by tier": ("alliance_by_tier", {}, "alliance_by_tier"),
    "alliance heatmap": ("alliance_heatmap", {}, "alliance_heatmap"),
    "alliance segments": ("alliance_segments", {}, "alliance_segments"),
    "alliance channel": ("alliance_channel", {}, "alliance_channel"),
    "unused list, first 500": ("list:alliance-unused", {"limit": SCREEN_ROWS}, "unused"),
    "unused count": ("count:alliance-unused", {}, "unused"),
    "honeymoon counts": ("honeymoon_counts", {}, "honeymoon_counts"),
    "honeymoon grid, first 40": ("honeymoon_grid", {"limit": 40}, "honeymoon_grid"),
    "honeymoon list, first 500": ("list:honeymoon", {"limit": SCREEN_ROWS}, "honeymoon_grid"),
    "honeymoon count": ("count:honeymoon", {}, "honeymoon_grid"),
    "cohorts": ("cohorts", {}, "cohorts"),
}
# The whole call lists (what a download reads): list name -> naive equivalent.
WHOLE = {"threshold": "threshold", "dormant": "dormant", "alliance-unused": "unused", "honeymoon": "honeymoon_grid"}


def run_view(label: str, session: object, rules: object) -> object:
    """One SCREEN query, or a WHOLE list ("whole:<name>"), as the app runs it."""
    from custdash.calendar import month_before
    from custdash.scope import ALL
    from custdash.views import VIEWS

    if label.startswith("whole:"):
        return VIEWS[f"list:{label[6:]}"](session, as_of=AS_OF, rules=rules, scope=ALL)
    name, extra, _ = SCREEN[label]
    extra = dict(extra)
    as_of = month_before(AS_OF) if extra.pop("month_earlier", False) else AS_OF
    if extra.get("band") == "max":
        extra["band"] = rules.threshold.band_max
    return VIEWS[name](session, as_of=as_of, rules=rules, scope=ALL, **extra)


# --- the naive baseline: what an analyst would write ---------------------------------------


def naive(view: str, db: str) -> object:
    """Read whole tables into pandas and compute the view there (the same rules)."""
    import sqlite3

    import pandas as pd

    from custdash.rules import load_rules

    rules = load_rules()
    con = sqlite3.connect(db)
    tables: dict[str, pd.DataFrame] = {}

    def read(sql: str) -> pd.DataFrame:  # each table read once per run, as a notebook would
        if sql not in tables:
            tables[sql] = pd.read_sql(sql, con)
        return tables[sql].copy()

    try:
        if view == "list_sizes":  # the overview's headline numbers: the length of every list
            return {v: len(_naive(v, read, rules)) for v in WHOLE.values()}
        return _naive(view, read, rules)
    finally:
        con.close()


def _naive(view: str, read: object, rules: object) -> object:
    import numpy as np
    import pandas as pd

    from custdash.expressions import statutory_holidays

    bounds = [t.lower_bound for t in rules.tiers]
    codes = rules.tier_codes
    basis, before = "2026-10", "2026-09"
    today = AS_OF.isoformat()
    cust = read("SELECT * FROM customer")
    cust = cust[cust["opened_on"] <= today]

    def tiers_of(aum: pd.Series) -> pd.Series:
        return pd.cut(aum, bins=[*bounds, float("inf")], labels=codes, right=False).astype(str)

    def with_aum(df: pd.DataFrame, aum: pd.DataFrame, month: str, name: str) -> pd.DataFrame:
        a = aum[aum["month"] == month][["customer_id", "avg_daily_aum"]].rename(columns={"avg_daily_aum": name})
        return df.merge(a, on="customer_id", how="left").fillna({name: 0.0})

    def redemptions(since: str) -> pd.DataFrame:
        red = read("SELECT * FROM redemption")
        red["ts"] = pd.to_datetime(red["ts"])
        return red[(red["ts"] >= since) & (red["ts"] < "2026-11-23")]

    def peak(red: pd.DataFrame) -> pd.Series:
        wd, minute = red["ts"].dt.weekday, red["ts"].dt.hour * 60 + red["ts"].dt.minute
        md = red["ts"].dt.strftime("%m-%d")
        hol = set(statutory_holidays(AS_OF.year))
        return (wd > 4) | ((wd == 4) & (minute >= 720)) | md.between("07-01", "08-31") | red["ts"].dt.date.isin(hol)

    if view in ("tiers", "migration", "threshold", "threshold_bands", "unused", "alliance_by_tier", "alliance_channel"):
        aum = read("SELECT * FROM aum_monthly")
        df = with_aum(cust, aum, basis, "aum")
        df["tier"] = tiers_of(df["aum"])
        if view == "tiers":
            return df.groupby("tier").agg(customers=("customer_id", "size"), aum=("aum", "sum"))
        if view == "migration":
            df = with_aum(df, aum, before, "prev")
            return df.groupby([tiers_of(df["prev"]), "tier"]).size()
        if view == "alliance_channel":
            return df.groupby(df["channel"] == "alliance_cinema")["aum"].agg(["size", "sum", "mean"])
        nxt = dict(zip(codes, bounds[1:] + [float("inf")]))
        df["next_bound"] = df["tier"].map(nxt).astype(float)
        if view == "threshold":
            near = df[(df["aum"] >= (1 - rules.threshold.band) * df["next_bound"])]
            return near.assign(gap=near["next_bound"] - near["aum"]).sort_values("gap")
        if view == "threshold_bands":
            return {b: int((df["aum"] >= (1 - b) * df["next_bound"]).sum()) for b in (0.01, 0.02, 0.05, 0.10)}
        red = redemptions(f"{AS_OF.year}-01-01")
        if view == "alliance_by_tier":
            red = red.merge(df[["customer_id", "tier"]], on="customer_id")
            red["peak"] = peak(red)
            return red.groupby(["tier", "peak"]).agg(n=("redemption_id", "size"), tickets=("tickets", "sum"))
        used = red.groupby("customer_id")["free_tickets"].sum()
        df["entitled"] = df["tier"].map(rules.alliance.entitlement).astype(int)
        df["used"] = df["customer_id"].map(used).fillna(0)
        return df[df["entitled"] - df["used"] >= 1].sort_values("entitled", ascending=False)
    if view == "alliance_heatmap":
        red = redemptions(f"{AS_OF.year}-01-01").merge(cust[["customer_id"]], on="customer_id")
        return red.groupby([red["ts"].dt.weekday, red["ts"].dt.hour]).agg(n=("redemption_id", "size"))
    if view == "alliance_segments":
        red = redemptions("2025-11-23").merge(cust[["customer_id"]], on="customer_id")
        per = red.groupby("customer_id").agg(n=("redemption_id", "size"), kids=("child_tickets", "sum"))
        seg = np.where(per["kids"] > 0, "family", np.where(per["n"] >= 6, "film_lover", "other"))
        return per.groupby(seg).size()
    if view == "dormant":
        cards = read("SELECT * FROM card")
        txn = read("SELECT card_id, ts, kind FROM txn")
        act = txn[~txn["kind"].isin(["fee", "interest"])].groupby("card_id")["ts"].max()
        cards["last"] = cards["card_id"].map(act)
        active = cards[cards["status"] == "active"].copy()
        cutoff = "2026-05-26"
        active["dormant"] = (active["last"].notna() & (active["last"] < cutoff)) | (
            active["last"].isna() & (active["opened_on"] <= "2026-05-26")
        )
        per = active.groupby("customer_id")["dormant"].agg(["size", "sum"])
        return per[per["size"] == per["sum"]]
    if view in ("honeymoon_counts", "honeymoon_grid", "cohorts"):
        touch = read("SELECT * FROM touch")
        touch = touch[touch["touched_on"] <= today]
        start = "2026-08-14" if view != "cohorts" else "2025-12-01"
        new = cust[cust["opened_on"] >= start].copy()
        done = touch.pivot_table(index="customer_id", columns="wave", values="id", aggfunc="size")
        new = new.merge(done.notna().add_prefix("w"), left_on="customer_id", right_index=True, how="left")
        if view == "cohorts":
            prod = read("SELECT * FROM product").merge(new[["customer_id", "opened_on"]], on="customer_id")
            by_100 = pd.to_datetime(prod["opened_on_x"]) <= pd.to_datetime(prod["opened_on_y"]) + pd.Timedelta(days=100)
            deep = prod[by_100].groupby("customer_id").size()
            new["deep"] = new["customer_id"].map(deep).fillna(0) >= 3
            return new.groupby("opened_month")[[c for c in new.columns if c.startswith("w")] + ["deep"]].mean()
        day = (pd.Timestamp(AS_OF) - pd.to_datetime(new["opened_on"])).dt.days
        for w in rules.honeymoon.waves:
            done_w = new.get(f"w{w.wave}", pd.Series(False, index=new.index)).fillna(False).astype(bool)
            new[f"wave_{w.wave}"] = np.select(
                [done_w, day > w.end, day >= w.start], ["done", "overdue", "due"], default="upcoming"
            )
        return new
    raise KeyError(view)


# --- measuring ------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: on Linux that carries the parent's
    high-water mark into a child process, which made early runs report the benchmark's own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_view(label: str, db: str, repeat: int) -> dict:
    """Run in a fresh process: cold = first call, warm = median of the repeats after it."""
    from sqlmodel import Session

    import custdash.views  # noqa: F401 - every query module, imported before the clock starts
    from custdash.db import make_engine
    from custdash.rules import load_rules

    rules = load_rules()
    engine = make_engine(db)
    times = []
    for _ in range(1 + repeat):
        with Session(engine) as s:
            t = time.perf_counter()
            run_view(label, s, rules)
            times.append(time.perf_counter() - t)
    return {"cold": times[0], "warm": statistics.median(times[1:])}


def measure(label: str, db: str, args: argparse.Namespace) -> tuple[float, float]:
    """Median cold (each run a fresh process) and median warm time of one query."""
    runs = [sub(["--one", label, db, "--repeat", str(args.repeat)]) for _ in range(args.cold_runs)]
    return statistics.median(r["cold"] for r in runs), statistics.median(r["warm"] for r in runs)


def one_naive(view: str, db: str) -> dict:
    import pandas  # noqa: F401 - loaded before the clock starts, as for our side

    t = time.perf_counter()
    naive(view, db)
    return {"naive": time.perf_counter() - t}


# This script's own tables in PERFORMANCE.md (the rest of the document is written by hand).
RUN_BEGIN, RUN_END = "<!-- run:begin -->", "<!-- run:end -->"
# The SQLite-beside-PostgreSQL block bench/stores.py writes into the same document.
STORES_BEGIN, STORES_END = "<!-- stores:begin -->", "<!-- stores:end -->"


# Blocks other benchmark scripts write into PERFORMANCE.md (their own runs, kept across ours).
ASOF_BEGIN, ASOF_END = "<!-- asof:begin -->", "<!-- asof:end -->"
WORK_BEGIN, WORK_END = "<!-- work:begin -->", "<!-- work:end -->"
TIMING_BEGIN, TIMING_END = "<!-- timing:begin -->", "<!-- timing:end -->"
KEPT_BLOCKS = [
    (STORES_BEGIN, STORES_END),
    (ASOF_BEGIN, ASOF_END),
    (WORK_BEGIN, WORK_END),
    (TIMING_BEGIN, TIMING_END),
]


def block(text: str, begin: str, end: str) -> str:
    """The block between two markers (markers included), or ""."""
    if begin in text and end in text:
        return text[text.index(begin) : text.index(end) + len(end)]
    return ""


def replace_block(text: str, new: str, begin: str, end: str) -> str:
    """`text` with its block between the markers replaced by `new` (appended when absent)."""
    old = block(text, begin, end)
    return text.replace(old, new) if old else text.rstrip("\n") + "\n\n" + new + "\n"


def sub(args: list[str]) -> dict:
    r = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def page_walk(db: str) -> dict:
    """Every page through AppTest in this (fresh) process; seconds per page and peak RSS."""
    os.environ["CUSTDASH_DB"] = db
    os.environ["CUSTDASH_LANG"] = "en"
    from streamlit.testing.v1 import AppTest

    from custdash.auth import Viewer

    out = {}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["viewer"] = Viewer("admin", "admin")
    t = time.perf_counter()
    at.run()
    out["overview"] = time.perf_counter() - t
    for page in ["tiers", "threshold", "dormant", "alliance", "honeymoon"]:
        t = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
        out[page] = time.perf_counter() - t
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception}")
    out["rss_mb"] = peak_rss_mb()
    return out


def exports(db: str) -> dict:
    from sqlmodel import Session

    from custdash.db import make_engine
    from custdash.export import mask_frame, to_csv_bytes, to_xlsx_bytes
    from custdash.lists.dormant import dormant_list
    from custdash.rules import load_rules

    with Session(make_engine(db)) as s:
        t = time.perf_counter()
        df = dormant_list(s, as_of=AS_OF, rules=load_rules())
        q = time.perf_counter() - t
    t = time.perf_counter()
    csv = to_csv_bytes(mask_frame(df))
    c = time.perf_counter() - t
    t = time.perf_counter()
    to_xlsx_bytes(mask_frame(df))
    x = time.perf_counter() - t
    return {"rows": len(df), "query": q, "csv": q + c, "xlsx": q + x, "csv_mb": len(csv) / 1e6}


def _schema_version(db: Path) -> str | None:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError:
        row = None
    finally:
        con.close()
    return row[0] if row else None


def browser_ready(db: str) -> dict[str, list[float]] | None:
    """Page-ready times in Chromium (bench/browser.py), when Chromium is installed."""
    if not Path("/usr/bin/chromium").exists():
        return None
    r = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "browser.py"), db], capture_output=True, text=True, cwd=ROOT
    )
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def store_for(size: int) -> Path:
    from custdash.models import SCHEMA_VERSION
    from seed import DemoSpec, build_demo_store

    CACHE.mkdir(parents=True, exist_ok=True)
    db = CACHE / f"demo-{size}.db"
    if db.exists() and _schema_version(db) != str(SCHEMA_VERSION):
        db.unlink()  # built by an older custdash: rebuild (the users file beside it is kept)
    if not db.exists():
        build_demo_store(str(db), DemoSpec(customers=size, seed=7, as_of=AS_OF))
    return db


def import_here(folder: str) -> dict:
    """Run in a fresh process: import an extract; time, and the peak RSS of this process and of
    the reader process it starts for large extracts (their sum bounds what the import needs
    at any moment; the reader has finished before the index builds, where this one peaks).

    `seconds` is the time until the extract is in the store (load, indexes, facts: readers see
    it at that commit); the month-ends written after it are timed apart (`month_end_seconds`)."""
    from custdash import facts
    from custdash.importer import import_extract
    from custdash.importer import load as importer_load

    build, complete, spent, after = facts.build, importer_load.complete_month_ends, [], []

    def timed_build(*a, **k) -> None:
        t = time.perf_counter()
        build(*a, **k)
        spent.append(time.perf_counter() - t)

    def timed_month_ends(*a, **k) -> list:
        t = time.perf_counter()
        written = complete(*a, **k)
        after.append(time.perf_counter() - t)
        return written

    facts.build = timed_build  # the importer calls facts.build: time the materialised facts apart
    importer_load.complete_month_ends = timed_month_ends
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        result = import_extract(folder, f"{tmp}/i.db")
        dt = time.perf_counter() - t - sum(after)
    rows = sum(result.rows.values())
    return {
        "rows": rows,
        "seconds": dt,
        "facts_seconds": sum(spent),
        "month_end_seconds": sum(after),
        "month_ends": len(result.month_ends),
        "rows_per_s": rows / dt,
        "load_rows_per_s": rows / (dt - sum(spent)),
        "rss_mb": peak_rss_mb(),
        # The largest finished child's high-water mark: an upper bound for the reader, as Linux
        # counts what a child shared with this process before it started its own program.
        "reader_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def demo_extract(size: int) -> Path:
    """The demo extract of `size` customers (seed 7), written once into the cache."""
    from seed import DemoSpec, write_demo_extract

    folder = CACHE / f"extract-{size}"
    if not (folder / "extract.json").exists():
        write_demo_extract(folder, DemoSpec(customers=size, seed=7, as_of=AS_OF))
    return folder


def import_run(size: int) -> dict:
    return sub(["--import", str(demo_extract(size))])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--import-sizes", default="10000,100000")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs per process")
    ap.add_argument("--cold-runs", type=int, default=3, help="fresh processes per query (median reported)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    ap.add_argument("--one", nargs=2, metavar=("VIEW", "DB"), help=argparse.SUPPRESS)
    ap.add_argument("--naive", nargs=2, metavar=("VIEW", "DB"), help=argparse.SUPPRESS)
    ap.add_argument("--walk", metavar="DB", help=argparse.SUPPRESS)
    ap.add_argument("--import", dest="import_folder", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    child = None
    if args.one:
        child = one_view(args.one[0], args.one[1], args.repeat)
    elif args.naive:
        child = one_naive(*args.naive)
    elif args.walk:
        child = page_walk(args.walk)
    elif args.import_folder:
        child = import_here(args.import_folder)
    if child is not None:
        print(json.dumps(child), flush=True)
        # A measuring child has said all it has to say; skip interpreter teardown, where
        # pyarrow's thread pool (under pandas' string dtype) now and then aborts the process
        # ("terminate called without an active exception") after the work is done.
        os._exit(0)

    sizes = [int(s) for s in args.sizes.split(",") if s]
    import_sizes = [int(s) for s in args.import_sizes.split(",") if s]
    lines = [
        "# Performance",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on this project's machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, SQLite "
        f"{__import__('sqlite3').sqlite_version}.",
        "",
        f"Reproduce: `.venv/bin/python bench/run.py --sizes {args.sizes} --import-sizes {args.import_sizes}` "
        "(demo stores, seed 7, as of 2026-11-22, cached in bench/cache/).",
        "",
    ]
    summary = {}
    for size in sizes:
        db = str(store_for(size))
        print(f"size {size:,}: views", file=sys.stderr)
        naive_s = {n: sub(["--naive", n, db])["naive"] for n in sorted({v[2] for v in SCREEN.values()})}
        rows = [(label, *measure(label, db, args), naive_s[SCREEN[label][2]]) for label in SCREEN]
        whole = [(name, *measure(f"whole:{name}", db, args), naive_s[n]) for name, n in WHOLE.items()]
        summary[size] = rows
        print(f"size {size:,}: pages, exports", file=sys.stderr)
        walk = sub(["--walk", db])
        exp = exports(db)
        print(f"size {size:,}: browser", file=sys.stderr)
        ready = browser_ready(db)
        lines += [
            f"## {size:,} customers",
            "",
            f"Every query the pages run, with their arguments; cold: median of {args.cold_runs} fresh processes "
            f"(first call), warm: median of {args.repeat} more calls in each. The naive baseline computes "
            "the whole view (for a list, the whole list) in pandas.",
            "",
            "| query (as a page runs it) | cold ms | warm ms | naive pandas ms | naive / ours (cold) |",
            "|---|---|---|---|---|",
        ]

        def row(label: str, cold: float, warm: float, n: float) -> str:
            return f"| {label} | {cold * 1000:,.0f} | {warm * 1000:,.0f} | {n * 1000:,.0f} | {n / cold:,.0f}× |"

        lines += [row(*r) for r in rows]
        lines += [
            "",
            "| whole call list (what a download reads) | cold ms | warm ms | naive pandas ms | naive / ours (cold) |",
            "|---|---|---|---|---|",
        ]
        lines += [row(*r) for r in whole]
        colds = [r[1] for r in rows]
        slowest = max(rows, key=lambda r: r[1])
        lines += [
            "",
            f"Slowest page query, cold: **{slowest[1] * 1000:,.0f} ms** ({slowest[0]}); median of all: "
            f"{statistics.median(colds) * 1000:,.0f} ms; smallest naive / ours ratio: "
            f"**{min(r[3] / r[1] for r in rows + whole):,.0f}×** (targets at 1M: every query ≤ 300 ms cold, "
            "≥ 10× the naive baseline).",
            "",
            "| page (AppTest, first visit) | seconds |",
            "|---|---|",
        ]
        lines += [f"| {k} | {v:.2f} |" for k, v in walk.items() if k != "rss_mb"]
        if ready:
            lines += [
                "",
                "| page in Chromium (bench/browser.py) | new browser, first visit s | returning browser, "
                "server just started s | second visit s |",
                "|---|---|---|---|",
            ]
            lines += [f"| {k} | {v[0]:.2f} | {v[1]:.2f} | {v[2]:.2f} |" for k, v in ready.items()]
            lines += [
                "",
                f"Slowest page ready in the browser: **{max(v[1] for v in ready.values()):.2f} s** on a first visit "
                f"with the browser's scripts cached, **{max(v[0] for v in ready.values()):.2f} s** in a new browser "
                "(which also loads each Streamlit component's scripts once) (target ≤ 2 s).",
            ]
        lines += [
            "",
            f"App process peak RSS after walking every page: **{walk['rss_mb']:,.0f} MB** (target ≤ 1 GB).",
            "",
            f"Largest list (dormant, {exp['rows']:,} rows): CSV {exp['csv']:.2f} s ({exp['csv_mb']:.1f} MB), "
            f"Excel {exp['xlsx']:.2f} s, of which the query {exp['query']:.2f} s (target CSV ≤ 3 s).",
            "",
        ]
    if import_sizes:
        lines += [
            "## Import",
            "",
            "Seconds until the extract is in the store (readers see it then); the month-ends' figures"
            " are written after that commit (custdash/month_ends.py).",
            "",
            "| customers | rows | seconds | of which facts | rows/s (whole import) | rows/s (load, without facts) "
            "| then month-ends s | importer peak RSS MB | of which reader process |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for size in import_sizes:
            print(f"import {size:,}", file=sys.stderr)
            m = import_run(size)
            lines.append(
                f"| {size:,} | {m['rows']:,} | {m['seconds']:.1f} | {m['facts_seconds']:.1f} | "
                f"{m['rows_per_s']:,.0f} | {m['load_rows_per_s']:,.0f} | "
                f"{m['month_end_seconds']:.1f} ({m['month_ends']}) | "
                f"{m['rss_mb'] + m['reader_rss_mb']:,.0f} | {m['reader_rss_mb']:,.0f} |"
            )
        lines.append("")
    if len(sizes) > 1:
        lines += [
            "## Growth",
            "",
            "| query, cold ms | " + " | ".join(f"{s:,}" for s in sizes) + " | ×cost / ×size |",
            "|---|" + "---|" * (len(sizes) + 1),
        ]
        for i, label in enumerate(SCREEN):
            cs = [summary[s][i][1] for s in sizes]
            growth = (cs[-1] / cs[0]) / (sizes[-1] / sizes[0]) if cs[0] else 0
            lines.append(f"| {label} | " + " | ".join(f"{c * 1000:,.0f}" for c in cs) + f" | {growth:.3f} |")
        lines.append("")
    out = Path(args.out)
    previous = out.read_text(encoding="utf-8") if out.exists() else ""
    tables = RUN_BEGIN + "\n" + "\n".join(lines) + "\n" + RUN_END
    if block(previous, RUN_BEGIN, RUN_END):
        # Only this script's tables change: the explanations written around them, and the
        # other scripts' blocks, stay as they are.
        out.write_text(replace_block(previous, tables, RUN_BEGIN, RUN_END), encoding="utf-8")
    else:
        kept = [b for b in (block(previous, begin, end) for begin, end in KEPT_BLOCKS) if b]
        out.write_text(tables + "\n" + "".join("\n" + b + "\n" for b in kept), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
