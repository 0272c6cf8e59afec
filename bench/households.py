"""Households (issue #35): every query the household page runs, at the extract date, a
month-end and an arbitrary day, for a manager, a branch and the whole bank.

    python -m bench.households --sizes 1000000 [--runs 3]

Each as-of case x scope runs in fresh processes (median of --runs), each running the page's
queries once, in page order, timed on their first call. Writes its block into
docs/PERFORMANCE.md (between the households markers).
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

from bench.asof import scope_of
from bench.run import AS_OF, ROOT, replace_block, store_for

BEGIN, END = "<!-- households:begin -->", "<!-- households:end -->"
CASES = {"extract date": AS_OF, "month-end": date(2026, 10, 31), "arbitrary day": date(2026, 9, 17)}
SCOPES = ["manager", "branch", "bank"]
# Issue #35's targets at a million customers, per query: (scope, a written date) -> seconds.
TARGETS = {"manager": (0.5, 0.5), "branch": (1.0, 1.0), "bank": (3.0, 5.0)}
# The page's queries in its order: label -> (views.VIEWS name, extra arguments).
PAGE = {
    "has households": ("has_households", {}),
    "totals": ("household_totals", {}),
    "list count": ("count:household", {}),
    "list, first 500": ("list:household", {"limit": 500}),
    "tier x tier grid": ("household_grid", {}),
    "by size": ("household_sizes", {}),
    "hidden value, first 500": ("hidden_households", {}),
}


def one_case(db: str, as_of: date, kind: str) -> dict[str, float]:
    """In this (fresh) process: each of the page's queries on its first call, seconds."""
    from sqlmodel import Session

    from custdash.db import make_engine
    from custdash.rules import load_rules
    from custdash.views import VIEWS

    rules = load_rules()
    out: dict[str, float] = {}
    with Session(make_engine(db)) as s:
        scope = scope_of(s, kind)
        for label, (name, extra) in PAGE.items():
            t = time.perf_counter()
            VIEWS[name](s, as_of=as_of, rules=rules, scope=scope, **extra)
            out[label] = time.perf_counter() - t
    return out


def sub(*args: str) -> dict:
    r = subprocess.run([sys.executable, "-m", "bench.households", *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    ap.add_argument("--case", nargs=3, metavar=("DB", "AS_OF", "SCOPE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(one_case(args.case[0], date.fromisoformat(args.case[1]), args.case[2])))
        return 0
    lines = [
        BEGIN,
        "## Households (issue #35)",
        "",
        f"`python -m bench.households --sizes {args.sizes} --runs {args.runs}` on {platform.machine()}, Python "
        f"{platform.python_version()}, SQLite, demo stores (seed 7, extract date {AS_OF}). Each as-of case x "
        f"scope in {args.runs} fresh processes, each running the household page's queries once in page order; "
        "seconds of each query's first call, median of the processes. The extract date and the month-end read "
        "the households written after the load (`household_fact`); the arbitrary day computes them live.",
        "",
    ]
    for size in (int(s) for s in args.sizes.split(",")):
        db = str(store_for(size))
        results = {
            (case, kind): {
                label: statistics.median(run[label] for run in runs)
                for runs in [[sub("--case", db, day.isoformat(), kind) for _ in range(args.runs)]]
                for label in runs[0]
            }
            for case, day in CASES.items()
            for kind in SCOPES
        }
        heads = [f"{case}, {kind}" for case in CASES for kind in SCOPES]
        lines += [
            f"### {size:,} customers",
            "",
            "| query | " + " | ".join(heads) + " |",
            "|---" * (len(heads) + 1) + "|",
        ]
        for label in PAGE:
            lines.append(
                f"| {label} | " + " | ".join(f"{results[(c, k)][label]:.2f}" for c in CASES for k in SCOPES) + " |"
            )
        slowest = [max(results[(c, k)].values()) for c in CASES for k in SCOPES]
        lines.append("| **slowest** | " + " | ".join(f"**{v:.2f}**" for v in slowest) + " |")
        targets = [f"≤ {TARGETS[k][c == 'arbitrary day']}" for c in CASES for k in SCOPES]
        lines += ["| target at 1M | " + " | ".join(targets) + " |", ""]
        print(f"{size:,}: done", file=sys.stderr)
    lines.append(END)
    doc = Path(args.out)
    doc.write_text(replace_block(doc.read_text(encoding="utf-8"), "\n".join(lines), BEGIN, END), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
