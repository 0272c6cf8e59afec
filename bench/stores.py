"""Benchmark: the same extract on SQLite and on PostgreSQL, side by side.

    .venv/bin/python -m bench.stores [--sizes 100000,1000000] [--cold-runs 1] [--repeat 2]

Starts its own PostgreSQL server from Debian's postgresql package (tests/pg.py: initdb into
a temporary folder, fsync off, default settings otherwise) and, per size, imports the demo
extract into a new SQLite store and a new PostgreSQL database (import rows/s), runs every
page query cold (a fresh process) and warm (bench/run.py's own list), and times the whole
call-list exports through the CLI (`custdash export`, a fresh process each). The table goes
into docs/PERFORMANCE.md between the "stores" markers (bench/run.py keeps that block).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run import AS_OF, CACHE, ROOT, SCREEN, measure
from custdash.importer import import_extract
from custdash.views import LISTS

BEGIN, END = "<!-- stores:begin -->", "<!-- stores:end -->"  # bench.run.stores_block keeps it


def extract_for(size: int) -> Path:
    from seed import DemoSpec, write_demo_extract

    folder = CACHE / f"extract-{size}"
    if not (folder / "extract.json").exists():
        write_demo_extract(folder, DemoSpec(customers=size, seed=7, as_of=AS_OF))
    return folder


def export_seconds(name: str, db: str, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "custdash", "export", name, "--db", db, "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return time.perf_counter() - t


def main() -> int:
    from tests.pg import Server

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--cold-runs", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    server = Server()
    lines = [
        BEGIN,
        "## SQLite and PostgreSQL side by side",
        "",
        f"`python -m bench.stores --sizes {args.sizes}` on {platform.machine()}, "
        f"{platform.python_version()}, PostgreSQL from Debian's package (initdb defaults, fsync off, "
        "one local server over TCP), SQLite as shipped. Cold: a fresh process (median of "
        f"{args.cold_runs}); warm: median of {args.repeat} repeats in that process. Seconds.",
        "",
    ]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for size in sizes:
                folder = extract_for(size)
                stores = {"SQLite": str(Path(tmp) / f"s{size}.db"), "PostgreSQL": server.database()}
                rows: dict[str, dict[str, str]] = {}
                for kind, db in stores.items():
                    t = time.perf_counter()
                    n = sum(import_extract(folder, db).rows.values())
                    seconds = time.perf_counter() - t
                    rows.setdefault("import incl. facts (rows/s)", {})[kind] = f"{n / seconds:,.0f} ({seconds:.0f} s)"
                    for label in SCREEN:
                        cold, warm = measure(label, db, args)
                        rows.setdefault(label, {})[kind] = f"{cold:.2f} / {warm:.2f}"
                    for name in LISTS:
                        s = export_seconds(name, db, Path(tmp) / f"{name}.csv")
                        rows.setdefault(f"export {name} (CSV, CLI)", {})[kind] = f"{s:.1f}"
                    print(f"{size:,} {kind} done", file=sys.stderr)
                lines += [
                    f"### {size:,} customers",
                    "",
                    "| what | SQLite cold / warm | PostgreSQL cold / warm |",
                    "|---|---|---|",
                ]
                lines += [f"| {k} | {v.get('SQLite', '')} | {v.get('PostgreSQL', '')} |" for k, v in rows.items()]
                lines.append("")
    finally:
        server.stop()
    lines.append(END)
    out = Path(args.out)
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    block = "\n".join(lines)
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
