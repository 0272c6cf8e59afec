"""The other timing points (issue #19: churn warning, downgrade risk, maturities, birthdays) at
scale: each page query of the four pages at the extract date, a month-end and an arbitrary day,
for a manager, a branch and the whole bank, against the targets of issue #17.

    python -m bench.timing --sizes 100000,1000000 [--runs 3]

Each as-of case x scope runs in fresh processes (median of --runs), each running the four
pages' queries once, in page order, timed on their first call. Writes its block into
docs/PERFORMANCE.md between the timing markers (bench/run.py keeps it).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench.asof import CASES, SCOPES, TARGETS, scope_of
from bench.run import AS_OF, ROOT, TIMING_BEGIN, TIMING_END, replace_block, store_for

# What the four pages run, in page order: label -> (views.VIEWS name, arguments).
QUERIES: dict[str, tuple[str, dict]] = {
    "churn list, first 500": ("list:churn", {"limit": 500}),
    "churn count": ("count:churn", {}),
    "churn reasons": ("churn_reasons", {}),
    "downgrade list, first 500": ("list:downgrade", {"limit": 500}),
    "downgrade count": ("count:downgrade", {}),
    "downgrade by tier": ("downgrade_by_tier", {}),
    "maturity retention rate": ("retention", {}),
    "maturity list, first 500": ("list:maturity", {"limit": 500}),
    "maturity count": ("count:maturity", {}),
    "maturities by week": ("maturities_by_week", {}),
    "birthdays list, first 500": ("list:birthdays", {"limit": 500}),
    "birthdays count": ("count:birthdays", {}),
    "birthdays by day": ("birthdays_by_day", {}),
}


def one_case(db: str, as_of: date, kind: str) -> dict[str, float]:
    """In this (fresh) process: each query's first call, seconds."""
    from sqlmodel import Session

    from custdash.db import make_engine
    from custdash.rules import load_rules
    from custdash.views import VIEWS

    rules = load_rules()
    out: dict[str, float] = {}
    with Session(make_engine(db)) as s:
        scope = scope_of(s, kind)
        for label, (name, extra) in QUERIES.items():
            t = time.perf_counter()
            VIEWS[name](s, as_of=as_of, rules=rules, scope=scope, **extra)
            out[label] = time.perf_counter() - t
    return out


def sizes_at(db: str) -> dict[str, int]:
    """How long each list is for the bank at the extract date."""
    from sqlmodel import Session

    from custdash.db import make_engine
    from custdash.rules import load_rules
    from custdash.scope import ALL
    from custdash.views import list_total

    rules = load_rules()
    with Session(make_engine(db)) as s:
        return {
            n: list_total(n, s, as_of=AS_OF, rules=rules, scope=ALL)
            for n in ("churn", "downgrade", "maturity", "birthdays")
        }


def sub(*args: str) -> object:
    r = subprocess.run([sys.executable, "-m", "bench.timing", *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def render(results: dict[int, tuple[dict, dict]], runs: int) -> str:
    heads = [f"{case}, {kind}" for case in CASES for kind in SCOPES]
    lines = [
        TIMING_BEGIN,
        "## The other timing points",
        "",
        f"`python -m bench.timing --sizes {','.join(str(s) for s in results)} --runs {runs}` on "
        f"{platform.machine()}, Python {platform.python_version()}, SQLite, demo stores (seed 7, extract date "
        f"{AS_OF}). Each as-of case x scope in {runs} fresh processes, each running the four pages' queries once "
        "in page order; seconds of each query's first call, median. Manager: the manager with the most customers "
        "of the first branch.",
    ]
    for size, (table, sizes) in results.items():
        listed = ", ".join(f"{n} {v:,}" for n, v in sizes.items())
        lines += ["", f"### {size:,} customers (the bank's lists at the extract date: {listed})", ""]
        lines += ["| query | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
        for label in QUERIES:
            lines.append(f"| {label} | " + " | ".join(f"{table[h][label]:.2f}" for h in heads) + " |")
        lines.append("| **slowest** | " + " | ".join(f"**{max(table[h].values()):.2f}**" for h in heads) + " |")
        lines.append("| target at 1M | " + " | ".join(f"≤ {TARGETS[k]}" for _c in CASES for k in SCOPES) + " |")
    lines.append(TIMING_END)
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    ap.add_argument("--case", nargs=3, metavar=("DB", "AS_OF", "SCOPE"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes-of", metavar="DB", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(one_case(args.case[0], date.fromisoformat(args.case[1]), args.case[2])))
        return 0
    if args.sizes_of:
        print(json.dumps(sizes_at(args.sizes_of)))
        return 0
    results: dict[int, tuple[dict, dict]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        db = str(store_for(size))
        table = {}
        for case, as_of in CASES.items():
            for kind in SCOPES:
                samples = [sub("--case", db, as_of.isoformat(), kind) for _ in range(args.runs)]
                table[f"{case}, {kind}"] = {q: statistics.median(s[q] for s in samples) for q in QUERIES}
        results[size] = (table, sub("--sizes-of", db))
        print(f"{size:,}: done", file=sys.stderr)
    doc = Path(args.out)
    text = render(results, args.runs)
    doc.write_text(replace_block(doc.read_text(encoding="utf-8"), text, TIMING_BEGIN, TIMING_END), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
