"""Working the lists (issue #18) at scale: with the demo's contact history in the store, each
call list's screen rows and the list sizes (statuses and do-not-contact applied), My day, the
customer page and 回检, for a manager, a branch and the bank at the extract date.

    python -m bench.work --sizes 100000,1000000

A demo store built before the contact log existed gets the demo's contact history first
(seed.contacts.write_demo_contacts; the time it takes is reported: what the generator adds).
Each view x scope runs in a fresh process (median of --runs), timed on its first call.
Writes its block into docs/PERFORMANCE.md between the work markers (bench/run.py keeps it).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.run import AS_OF, ROOT, WORK_BEGIN, WORK_END, replace_block, store_for

TARGETS = {"manager": 0.5, "branch": 1.0, "bank": 5.0}
VIEWS = {
    "dormant list, first 500": ("list:dormant", {"limit": 500}),
    "threshold list, first 500": ("list:threshold", {"limit": 500}),
    "honeymoon list, first 500": ("list:honeymoon", {"limit": 500}),
    "unused list, first 500": ("list:alliance-unused", {"limit": 500}),
    "list sizes (as worked)": ("list_sizes", {}),
    # The overview's changes: the same sizes a month earlier, as worked then (live: the contact
    # log applied at that date; issue #33).
    "list sizes a month earlier (as worked)": ("list_sizes", {"month_earlier": True}),
    "my day": ("myday", {}),
    "customer page": ("customer", {}),
    "回检 (90 days)": ("outcomes", {}),
}
# My day is one manager's queue; 回检 of the whole bank reads every list as it stood 90 days
# ago, live (the issue #17 work on earlier dates applies to it).
SKIP = {("my day", "bank")}


def ensure_contacts(db: str) -> float | None:
    """Give the store the demo's contact history if it has none; seconds taken, or None."""
    from sqlalchemy import func, select
    from sqlmodel import Session

    from custdash.db import ensure_auth_tables, make_engine
    from custdash.models import ContactLog
    from custdash.rules import load_rules
    from seed.contacts import write_demo_contacts

    engine = make_engine(db)
    ensure_auth_tables(engine)
    with Session(engine) as s:
        if s.execute(select(func.count()).select_from(ContactLog)).scalar_one():
            return None
        t = time.perf_counter()
        write_demo_contacts(s, rules=load_rules(), as_of=AS_OF, seed=7, demo_manager="M0001")
        return time.perf_counter() - t


def one(db: str, label: str, scope_kind: str) -> float:
    """In this (fresh) process: one view's first call, seconds."""
    from sqlalchemy import select
    from sqlmodel import Session

    from custdash.calendar import month_before
    from custdash.db import make_engine
    from custdash.models import Customer
    from custdash.rules import load_rules
    from custdash.scope import ALL, Scope
    from custdash.views import VIEWS as ALL_VIEWS

    rules, engine = load_rules(), make_engine(db)
    with Session(engine) as s:
        branch, manager = s.execute(
            select(Customer.branch_id, Customer.manager_id).where(Customer.manager_id == "M0001").limit(1)
        ).one()
        scope = {"manager": Scope(branch, manager), "branch": Scope(branch_id=branch), "bank": ALL}[scope_kind]
        name, extra = VIEWS[label]
        as_of = AS_OF
        if extra.get("month_earlier"):
            extra, as_of = {}, month_before(AS_OF)
        if name == "customer":
            extra = {"customer_id": s.execute(select(Customer.customer_id).where(*scope.where()).limit(1)).scalar_one()}
        t = time.perf_counter()
        ALL_VIEWS[name](s, as_of=as_of, rules=rules, scope=scope, **extra)
        return time.perf_counter() - t


def measure(size: int, runs: int) -> tuple[dict[str, dict[str, float | None]], float | None, int]:
    from sqlalchemy import func, select
    from sqlmodel import Session

    from custdash.db import make_engine
    from custdash.models import ContactLog

    db = str(store_for(size))
    added = ensure_contacts(db)
    with Session(make_engine(db)) as s:
        contacts = s.execute(select(func.count()).select_from(ContactLog)).scalar_one()
    table: dict[str, dict[str, float | None]] = {}
    for label in VIEWS:
        table[label] = {}
        for scope in TARGETS:
            if (label, scope) in SKIP:
                table[label][scope] = None
                continue
            times = []
            for _ in range(runs):
                r = subprocess.run(
                    [sys.executable, "-m", "bench.work", "--one", db, label, scope],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    check=True,
                )
                times.append(json.loads(r.stdout.strip().splitlines()[-1]))
            table[label][scope] = statistics.median(times)
    return table, added, contacts


def render(results: dict[int, tuple[dict, float | None, int]], runs: int) -> str:
    lines = [
        WORK_BEGIN,
        "## Working the lists",
        "",
        f"`python -m bench.work --sizes {','.join(str(s) for s in results)} --runs {runs}` on {platform.machine()}, "
        f"Python {platform.python_version()}, SQLite, demo stores (seed 7, extract date {AS_OF}) with the demo's "
        f"contact history. Each view x scope in {runs} fresh processes, seconds of its first call, median. "
        "Manager: M0001 (the demo manager's book, always worked); branch: theirs.",
    ]
    for size, (table, added, contacts) in results.items():
        lines += ["", f"### {size:,} customers, {contacts:,} contacts", ""]
        lines += ["| view | manager | branch | bank |", "|---|---|---|---|"]
        for label, row in table.items():
            cells = ["-" if row[s] is None else f"{row[s]:.2f}" for s in TARGETS]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("| target at 1M | " + " | ".join(f"≤ {v:.1f}" for v in TARGETS.values()) + " |")
        if added is not None:
            lines += ["", f"Writing the demo's contact history into this store took {added:.0f} s."]
    lines.append(WORK_END)
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    ap.add_argument("--one", nargs=3, metavar=("DB", "VIEW", "SCOPE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return 0
    results = {int(s): measure(int(s), args.runs) for s in args.sizes.split(",")}
    doc = Path(args.out)
    doc.write_text(replace_block(doc.read_text(encoding="utf-8"), render(results, args.runs), WORK_BEGIN, WORK_END))
    print(render(results, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
