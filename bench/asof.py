"""Any as-of date (issue #17): every page query at the extract date, a month-end and an
arbitrary day, for a manager, a branch and the whole bank; the largest list's downloads in
the dashboard's process and from the CLI; the demo generator's peak memory.

    python -m bench.asof --sizes 100000,1000000 [--seed-rss]

Each as-of case x scope runs in fresh processes (median of --runs): every query the pages
run, once, in page order, timed on its first call (nothing cached in the app; the OS page cache is what the
earlier queries of the same process left). Writes its block into docs/PERFORMANCE.md
(between the asof markers; bench/run.py keeps it).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.run import AS_OF, ASOF_BEGIN, ASOF_END, ROOT, SCREEN, peak_rss_mb, replace_block, store_for

CASES = {"extract date": AS_OF, "month-end": date(2026, 10, 31), "arbitrary day": date(2026, 9, 17)}
# Targets at a million customers, per page query, cold (issue #17).
TARGETS = {"manager": 0.5, "branch": 1.0, "bank": 5.0}
SCOPES = list(TARGETS)


def scope_of(session: object, kind: str) -> object:
    """The manager with the most customers of the first branch, that branch, or the bank."""
    from sqlalchemy import func, select

    from custdash.models import Customer
    from custdash.scope import ALL, Scope

    if kind == "bank":
        return ALL
    branch, manager = session.execute(
        select(Customer.branch_id, Customer.manager_id)
        .where(Customer.manager_id.is_not(None))
        .group_by(Customer.branch_id, Customer.manager_id)
        .order_by(Customer.branch_id, func.count().desc())
        .limit(1)
    ).one()
    return Scope(branch_id=branch) if kind == "branch" else Scope(branch_id=branch, manager_id=manager)


def one_case(db: str, as_of: date, kind: str) -> dict[str, float]:
    """In this (fresh) process: each page query's first call, seconds."""
    from sqlmodel import Session

    from custdash.db import make_engine
    from custdash.rules import load_rules
    from custdash.views import VIEWS

    rules = load_rules()
    out: dict[str, float] = {}
    with Session(make_engine(db)) as s:
        scope = scope_of(s, kind)
        for label, (name, extra, _) in SCREEN.items():
            extra = dict(extra)
            if extra.pop("month_earlier", False):
                continue  # the overview's month-earlier figures: their own as-of case
            if extra.get("band") == "max":
                extra["band"] = rules.threshold.band_max
            t = time.perf_counter()
            VIEWS[name](s, as_of=as_of, rules=rules, scope=scope, **extra)
            out[label] = time.perf_counter() - t
    return out


def downloads(db: str) -> dict[str, float | int | str]:
    """The largest list at the extract date as the dashboard delivers it (Chinese headers,
    masked phones), CSV and Excel, in this process: seconds including the query."""
    from sqlmodel import Session

    from custdash.auth import Viewer
    from custdash.db import make_engine
    from custdash.delivery import ListRequest, deliver_list
    from custdash.rules import load_rules
    from custdash.scope import ALL
    from custdash.views import LISTS, list_total

    rules = load_rules()
    engine = make_engine(db)
    viewer = Viewer(username="bench", role="admin")
    out: dict[str, float | int | str] = {}
    with Session(engine) as read, Session(engine) as audit:
        sizes = {n: list_total(n, read, as_of=AS_OF, rules=rules, scope=ALL) for n in LISTS}
        name = max(sizes, key=sizes.get)
        out.update(list=name, rows=sizes[name])
        for fmt in ("csv", "xlsx"):
            request = ListRequest(name=name, fmt=fmt, as_of=AS_OF, lang="zh")
            t = time.perf_counter()
            deliver_list(read, audit, viewer=viewer, rules=rules, request=request)  # an admin: phones masked
            out[fmt] = time.perf_counter() - t
    out["rss_mb"] = peak_rss_mb()
    return out


def cli_export(db: str, name: str, fmt: str, folder: Path) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "custdash", "export", name, "--db", db, "--format", fmt, "--lang", "zh"]
        + ["--out", str(folder / f"{name}.{fmt}")],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return time.perf_counter() - t


def seed_rss(size: int, folder: Path) -> dict[str, float]:
    """In this (fresh) process: generate the demo store of `size` customers."""
    from seed import DemoSpec, build_demo_store

    t = time.perf_counter()
    build_demo_store(str(folder / "seed.db"), DemoSpec(customers=size, seed=7, as_of=AS_OF))
    return {"seconds": time.perf_counter() - t, "rss_mb": peak_rss_mb()}


def median_case(db: str, as_of: date, kind: str, runs: int) -> dict[str, float]:
    """Each query's median over `runs` fresh processes (a first read from this machine's
    storage can take ten times the next: docs/PERFORMANCE.md, "cold numbers")."""
    samples = [sub("--case", db, as_of.isoformat(), kind) for _ in range(runs)]
    return {label: statistics.median(s[label] for s in samples) for label in samples[0]}


def sub(*args: str) -> dict:
    r = subprocess.run([sys.executable, "-m", "bench.asof", *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per as-of case x scope (median)")
    ap.add_argument("--seed-rss", action="store_true", help="also generate each demo store afresh for its peak RSS")
    ap.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    ap.add_argument("--case", nargs=3, metavar=("DB", "AS_OF", "SCOPE"), help=argparse.SUPPRESS)
    ap.add_argument("--downloads", metavar="DB", help=argparse.SUPPRESS)
    ap.add_argument("--seed", nargs=2, metavar=("SIZE", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(one_case(args.case[0], date.fromisoformat(args.case[1]), args.case[2])))
        return 0
    if args.downloads:
        print(json.dumps(downloads(args.downloads)))
        return 0
    if args.seed:
        print(json.dumps(seed_rss(int(args.seed[0]), Path(args.seed[1]))))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    lines = [
        ASOF_BEGIN,
        "## Any as-of date",
        "",
        f"`python -m bench.asof --sizes {args.sizes} --runs {args.runs}{' --seed-rss' if args.seed_rss else ''}` on "
        f"{platform.machine()}, Python {platform.python_version()}, SQLite, demo stores (seed 7, extract "
        f"date {AS_OF}). Each as-of case x scope runs in {args.runs} fresh processes, each running every "
        "page query once, in page order; seconds of each query's first call, median of the processes. "
        "Manager: the manager with the most "
        "customers of the first branch.",
        "",
    ]
    for size in sizes:
        db = str(store_for(size))
        results = {
            (case, kind): median_case(db, as_of, kind, args.runs) for case, as_of in CASES.items() for kind in SCOPES
        }
        print(f"{size:,}: page queries done", file=sys.stderr)
        heads = [f"{case}, {kind}" for case in CASES for kind in SCOPES]
        lines += [
            f"### {size:,} customers",
            "",
            "| query | " + " | ".join(heads) + " |",
            "|---" * (len(heads) + 1) + "|",
        ]
        labels = list(next(iter(results.values())))
        for label in labels:
            cells = [f"{results[(case, kind)][label]:.2f}" for case in CASES for kind in SCOPES]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        slowest = [max(results[(case, kind)].values()) for case in CASES for kind in SCOPES]
        lines.append("| **slowest** | " + " | ".join(f"**{v:.2f}**" for v in slowest) + " |")
        target = [f"≤ {TARGETS[kind]}" for _case in CASES for kind in SCOPES]
        lines += ["| target at 1M | " + " | ".join(target) + " |", ""]
        # Like the page queries, the median of fresh processes: one first call is at this
        # machine's mercy (a cold read from storage).
        runs = [sub("--downloads", db) for _ in range(args.runs)]
        dl = {**runs[0], **{fmt: statistics.median(r[fmt] for r in runs) for fmt in ("csv", "xlsx")}}
        with tempfile.TemporaryDirectory() as tmp:
            cli = {
                fmt: statistics.median(cli_export(db, str(dl["list"]), fmt, Path(tmp)) for _ in range(args.runs))
                for fmt in ("csv", "xlsx")
            }
        lines += [
            f"Largest list at the extract date: {dl['list']}, {dl['rows']:,} rows. As the dashboard "
            f"delivers it (query, masking, Chinese headers, file), median of {args.runs} fresh processes: "
            f"CSV {dl['csv']:.2f} s, Excel {dl['xlsx']:.2f} s (targets at 1M: 2 s and 8 s); from the CLI, "
            f"a new process each, median of {args.runs}: CSV {cli['csv']:.2f} s, Excel {cli['xlsx']:.2f} s "
            "(target: at most 1 s more).",
            "",
        ]
        if args.seed_rss:
            with tempfile.TemporaryDirectory() as tmp:
                seeded = sub("--seed", str(size), tmp)
            lines += [
                f"`python -m seed --customers {size:,}`: {seeded['seconds']:.0f} s, peak RSS "
                f"{seeded['rss_mb']:,.0f} MB (target at 1M: 1 GB).",
                "",
            ]
        print(f"{size:,}: done", file=sys.stderr)
    lines.append(ASOF_END)
    out = Path(args.out)
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    out.write_text(replace_block(text, "\n".join(lines), ASOF_BEGIN, ASOF_END), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
