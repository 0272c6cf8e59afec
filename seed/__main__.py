"""python -m seed: generate the demo store, or a CSV extract with --csv DIR."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

from custdash import config
from custdash.db import StoreError
from custdash.rules import RulesError, load_rules
from seed.build import build_demo_store, write_demo_extract
from seed.generate import DemoSpec


def _date(v: str) -> date:
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {v!r}") from None


def _positive(v: str) -> int:
    if not v.isdigit() or int(v) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {v!r}")
    return int(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m seed", description="Generate a demo branch network (Faker zh_CN).")
    ap.add_argument("--customers", type=_positive, default=20_000, help="number of customers (default 20,000)")
    ap.add_argument("--branches", type=_positive, default=None, help="number of branches (default: customers / 2,500)")
    ap.add_argument("--seed", type=int, default=7, help="random seed: same seed, same data (default 7)")
    ap.add_argument("--as-of", type=_date, default=date.today(), help="the extract date (default today)")
    ap.add_argument("--db", default=None, help="store path or URL (default $CUSTDASH_DB or data/custdash.db)")
    ap.add_argument("--csv", metavar="DIR", help="write a CSV extract into DIR instead of a store")
    ap.add_argument(
        "--progress-lines",
        action="store_true",
        help="report progress as lines 'progress DONE TOTAL' on stdout (the dashboard's first start reads them)",
    )
    args = ap.parse_args(argv)
    try:
        rules = load_rules()
    except RulesError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    spec = DemoSpec(customers=args.customers, branches=args.branches, seed=args.seed, as_of=args.as_of)
    t0 = time.perf_counter()
    progress = _lines if args.progress_lines else _bar if sys.stderr.isatty() else None
    if args.csv:
        rows = write_demo_extract(args.csv, spec, rules=rules, progress=progress)
        where = args.csv
    else:
        where = args.db or config.db_url()
        try:
            rows = build_demo_store(where, spec, rules=rules, progress=progress)
        except StoreError as e:
            print(f"error: {e}" + (f"\nfix: {e.fix}" if e.fix else ""), file=sys.stderr)
            return 1
        except OSError as e:  # a folder that cannot be made, a full disk: said, not a traceback
            print(f"error: cannot write the store at {where}: {e.strerror or e}", file=sys.stderr)
            return 1
    if progress is _bar:
        print(file=sys.stderr)
    total = sum(rows.values())
    print(
        f"wrote {total:,} rows to {where} in {time.perf_counter() - t0:.1f}s: "
        + ", ".join(f"{k.removesuffix('.csv')} {v:,}" for k, v in rows.items())
    )
    return 0


def _lines(done: int, total: int) -> None:
    print(f"progress {done} {total}", flush=True)


def _bar(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total)
    print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} customers", end="", file=sys.stderr, flush=True
    )


if __name__ == "__main__":
    sys.exit(main())
