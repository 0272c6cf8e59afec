"""A tiny run of the benchmark, so it cannot rot (the real numbers are in docs/PERFORMANCE.md)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# The benchmark builds and measures SQLite demo stores of its own (bench/run.py), whatever
# store the suite runs on: running it again on --store postgresql measured the same thing.
pytestmark = pytest.mark.sqlite_only("the benchmark builds SQLite demo stores of its own")


def _bench(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    """One benchmark script run from the project root, its demo stores cached in `tmp_path`;
    fails the test with its stderr when it does not succeed."""
    r = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "CUSTDASH_BENCH_CACHE": str(tmp_path / "cache")},
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return r


def test_benchmark_runs_at_a_tiny_size(tmp_path):
    out = tmp_path / "perf.md"
    # Its tables replace its own block only: what is written by hand around them stays.
    out.write_text("<!-- run:begin -->\nold tables\n<!-- run:end -->\n\n## By hand\nkept\n", encoding="utf-8")
    _bench(
        tmp_path,
        "bench/run.py",
        *("--sizes", "300", "--import-sizes", "300", "--repeat", "1", "--cold-runs", "1", "--out", str(out)),
    )
    text = out.read_text(encoding="utf-8")
    assert "## 300 customers" in text and "## Import" in text
    assert "old tables" not in text and text.rstrip().endswith("<!-- run:end -->\n\n## By hand\nkept")
    # Every query the pages run, and every whole list, has its row with four numbers.
    from bench.run import SCREEN, WHOLE

    for label in [*SCREEN, *WHOLE]:
        cells = next(line for line in text.splitlines() if line.startswith(f"| {label} |")).split("|")[2:-1]
        assert len(cells) == 4 and all(c.strip().rstrip("×").replace(",", "").isdigit() for c in cells), cells
    assert "App process peak RSS after walking every page" in text
    assert "| page in Chromium (bench/browser.py) |" in text and "| dormant |" in text


def test_as_of_benchmark_runs_at_a_tiny_size(tmp_path):
    """bench/asof.py: every page query for each as-of case x scope, the downloads, the seed."""
    out = tmp_path / "perf.md"
    out.write_text("# Performance\n\n<!-- stores:begin -->\nkept\n<!-- stores:end -->\n", encoding="utf-8")
    _bench(tmp_path, "-m", "bench.asof", "--sizes", "300", "--runs", "1", "--seed-rss", "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert "<!-- stores:begin -->\nkept\n<!-- stores:end -->" in text  # the other benchmark's block stays
    from bench.asof import CASES, SCOPES
    from bench.run import SCREEN

    labels = [label for label, (_n, extra, _b) in SCREEN.items() if not extra.get("month_earlier")]
    for label in [*labels, "**slowest**"]:
        cells = next(line for line in text.splitlines() if line.startswith(f"| {label} |")).split("|")[2:-1]
        assert len(cells) == len(CASES) * len(SCOPES), label
        assert all(c.strip().strip("*").replace(".", "").isdigit() for c in cells), cells
    assert "Largest list at the extract date" in text and "peak RSS" in text


def test_work_benchmark_runs_at_a_tiny_size(tmp_path):
    """bench/work.py: gives a store the demo's contact history, then times every view of
    working the lists for each scope and writes its block (keeping the others')."""
    out = tmp_path / "perf.md"
    out.write_text("# Performance\n\n<!-- asof:begin -->\nkept\n<!-- asof:end -->\n", encoding="utf-8")
    _bench(tmp_path, "-m", "bench.work", "--sizes", "300", "--runs", "1", "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert "<!-- asof:begin -->\nkept\n<!-- asof:end -->" in text
    from bench.work import SKIP, TARGETS, VIEWS

    for label in VIEWS:
        cells = [
            c.strip()
            for c in next(line for line in text.splitlines() if line.startswith(f"| {label} |")).split("|")[2:-1]
        ]
        expected = ["-" if (label, scope) in SKIP else "number" for scope in TARGETS]
        assert ["-" if c == "-" else "number" for c in cells if c == "-" or c.replace(".", "").isdigit()] == expected, (
            cells
        )
    assert "Writing the demo's contact history into this store took" not in text  # the demo store has one


def test_timing_points_benchmark_runs_at_a_tiny_size(tmp_path):
    """bench/timing.py: the four §6 pages' queries for each as-of case and scope, a number in
    every cell, its block written and the others' kept."""
    out = tmp_path / "perf.md"
    out.write_text("# Performance\n\n<!-- work:begin -->\nkept\n<!-- work:end -->\n", encoding="utf-8")
    _bench(tmp_path, "-m", "bench.timing", "--sizes", "300", "--runs", "1", "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert "<!-- work:begin -->\nkept\n<!-- work:end -->" in text
    from bench.asof import CASES, SCOPES
    from bench.timing import QUERIES

    for label in QUERIES:
        row = next(line for line in text.splitlines() if line.startswith(f"| {label} |"))
        cells = [c.strip() for c in row.split("|")[2:-1]]
        assert len(cells) == len(CASES) * len(SCOPES) and all(c.replace(".", "").isdigit() for c in cells), cells
    assert "the bank's lists at the extract date: churn" in text


def test_excel_writer_benchmark_runs_at_a_tiny_size(tmp_path):
    """bench/xlsx.py: every writer has its row, custdash's own with a number (a candidate not
    installed says so)."""
    r = _bench(tmp_path, "-m", "bench.xlsx", "--size", "300", "--runs", "1")
    from bench.xlsx import WRITERS

    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in r.stdout.splitlines()
        if line.startswith("| ")
    }
    assert set(WRITERS) <= set(rows)
    assert rows[next(iter(WRITERS))].replace(".", "").isdigit()
    assert all(v.replace(".", "").isdigit() or v.startswith("not installed") for k, v in rows.items() if k in WRITERS)
    # custdash's own writer keeps the export's contract on the awkward cells (its last column).
    ours = next(line for line in r.stdout.splitlines() if line.startswith(f"| {next(iter(WRITERS))} |"))
    assert ours.split("|")[-2].strip() == "kept", ours
