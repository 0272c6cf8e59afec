"""Load test: N concurrent browser sessions walk every page while an import replaces the store.

    .venv/bin/python bench/load.py [--sessions 20] [--seconds 120] [--customers 20000] [--out docs/LOAD.md]

Everything runs on this machine (loopback only): a demo store, a Streamlit server on a free
port, one headless Debian Chromium with one context per session, and - after a quarter of
the run - `python -m custdash import` of a second demo extract (another seed) into the same
store. Each session signs in and loops over the pages, timing each page until Streamlit
reports the script finished. It fails a page on any exception box, on "database is locked",
and on an overview whose customer count is neither the old extract's nor the new one's (a
half-imported store). Results go to the Markdown file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from seed import DemoSpec, build_demo_store, write_demo_extract

ROOT = Path(__file__).resolve().parents[1]

PAGES = ["", "tiers", "threshold", "dormant", "alliance", "honeymoon"]
TITLES = ["Today", "Tiers", "Near threshold", "Dormant", "Alliance (cinema)", "Honeymoon"]


def nav_link(page, name: str):
    """The sidebar's link to page `name` ("" for the overview), by its address: the navigation
    groups its pages, so a link's position is not the page's place in PAGES."""
    return page.locator(f'[data-testid=stSidebarNav] a[href$="/{name}"]')


ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP = "[data-testid=stApp]"


def start_server(db: str, port: int) -> subprocess.Popen:
    """A Streamlit server for the dashboard on `db` (English, no demo generation), once healthy."""
    import urllib.request

    env = {**os.environ, "CUSTDASH_DB": db, "CUSTDASH_LANG": "en", "CUSTDASH_DEMO_CUSTOMERS": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "custdash" / "server.py"), "--server.headless", "true"]
        + ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    return server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def settle(page, started: bool) -> None:
    await page.wait_for_selector(f"{APP}[data-test-connection-state=CONNECTED]", timeout=120_000)
    if not started:
        try:
            await page.wait_for_selector(f"{APP}[data-test-script-state=running]", timeout=1_500)
        except Exception:  # it may have finished already
            pass
    await page.wait_for_selector(f"{APP}[data-test-script-state=notRunning]", timeout=180_000)


async def session(browser, url: str, n: int, stop_at: float, totals: set[str], results: dict) -> None:
    await asyncio.sleep(n * 1.0)  # arrive one per second, as people do
    ctx = await browser.new_context(viewport={"width": 1280, "height": 1000})
    ctx.set_default_timeout(300_000)
    page = await ctx.new_page()
    await page.goto(url)
    await settle(page, True)
    await page.locator("form.custdash-login input[name=username]").fill("admin")
    await page.locator("form.custdash-login input[name=password]").fill("demo-admin-2026")
    await page.locator("form.custdash-login button").click()
    try:
        await page.wait_for_selector("form.custdash-login", state="detached", timeout=120_000)
    except Exception:
        alerts = await page.locator("[data-testid=stAlert], [data-testid=stException]").all_inner_texts()
        results.setdefault("_errors", []).append(("login", [a[:300] for a in alerts] or ["login timed out"]))
        await ctx.close()
        return
    await settle(page, False)
    i = n  # sessions start on different pages
    while time.monotonic() < stop_at:
        name = PAGES[i % len(PAGES)]
        i += 1
        link = nav_link(page, name)
        t0 = time.monotonic()
        await link.click()
        # The page is there when its own title is (a rerun under load may start late).
        await page.wait_for_function(
            "t => { const h = document.querySelector('[data-testid=stMain] h1'); return h && h.innerText.trim().startsWith(t); }",
            arg=TITLES[PAGES.index(name)],
            timeout=300_000,
        )
        await settle(page, True)
        elapsed = time.monotonic() - t0
        text = await page.locator("[data-testid=stMain]").inner_text()
        errors = await page.locator("[data-testid=stException]").count()
        bad = []
        if errors:
            bad.append("exception")
        if "database is locked" in text:
            bad.append("locked")
        if name == "":
            labels = await page.locator("[data-testid=stMetricLabel]").all_inner_texts()
            values = await page.locator("[data-testid=stMetricValue]").all_inner_texts()
            shown = dict(zip([x.strip() for x in labels], [v.strip() for v in values])).get("Customers")
            if shown not in totals:
                bad.append(f"customers={shown} labels={labels[:3]} text={text[:200]!r}")
        results.setdefault(name or "overview", []).append(elapsed)
        if bad:
            results.setdefault("_errors", []).append((name or "overview", bad))
    await ctx.close()


async def run(url: str, sessions: int, seconds: float, totals: set[str], import_cmd: list[str]) -> tuple[dict, dict]:
    from playwright.async_api import async_playwright

    results: dict = {}
    imp: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        stop_at = time.monotonic() + seconds
        tasks = [asyncio.create_task(session(browser, url, n, stop_at, totals, results)) for n in range(sessions)]
        await asyncio.sleep(seconds / 4)
        t0 = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            *import_cmd, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await proc.communicate()
        imp = {
            "seconds": time.monotonic() - t0,
            "rc": proc.returncode,
            "out": out.decode().strip(),
            "err": err.decode().strip(),
        }
        await asyncio.gather(*tasks, return_exceptions=False)
        await browser.close()
    return results, imp


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--out", default=str(ROOT / "docs" / "LOAD.md"))
    args = ap.parse_args()
    as_of = date(2026, 11, 22)
    work = Path(tempfile.mkdtemp(prefix="custdash-load-"))
    db = work / "store.db"
    build_demo_store(str(db), DemoSpec(customers=args.customers, seed=1, as_of=as_of))
    write_demo_extract(work / "extract", DemoSpec(customers=args.customers + 1000, seed=2, as_of=as_of))
    old_total = f"{args.customers:,}"
    new_total = f"{args.customers + 1000:,}"
    port = free_port()
    server = start_server(str(db), port)
    try:
        cmd = [sys.executable, "-m", "custdash", "import", str(work / "extract"), "--db", str(db)]
        t0 = time.monotonic()
        results, imp = asyncio.run(
            run(f"http://127.0.0.1:{port}", args.sessions, args.seconds, {old_total, new_total}, cmd)
        )
        wall = time.monotonic() - t0
    finally:
        server.terminate()
        server.wait(timeout=20)
    errors = results.pop("_errors", [])
    all_times = [t for ts in results.values() for t in ts]
    lines = [
        "# Load test",
        "",
        f"`{' '.join(['.venv/bin/python', 'bench/load.py', '--sessions', str(args.sessions), '--seconds', str(int(args.seconds)), '--customers', str(args.customers)])}`",
        "",
        f"Run on {datetime.now().strftime('%Y-%m-%d %H:%M')} on this project's machine ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}); server, browser and import all on the "
        "same 2 cores.",
        "",
        f"- {args.sessions} concurrent Chromium sessions signed in as admin, each walking all six pages for "
        f"{args.seconds:.0f} s ({wall:.0f} s wall time including sign-in).",
        f"- Store: {args.customers:,} demo customers; after {args.seconds / 4:.0f} s `python -m custdash import` "
        f"replaced it with a {args.customers + 1000:,}-customer extract: exit code {imp['rc']}, "
        f"{imp['seconds']:.1f} s.",
        f"- Page loads measured: {len(all_times):,}; errors: **{len(errors)}** "
        '(exception boxes, "database is locked", or an overview count other than the old or the new extract\'s).',
        "",
        "| page | loads | median s | p95 s | max s |",
        "|---|---|---|---|---|",
    ]
    for name, ts in results.items():
        lines.append(f"| {name} | {len(ts)} | {statistics.median(ts):.2f} | {p95(ts):.2f} | {max(ts):.2f} |")
    if all_times:
        lines.append(
            f"| **all** | {len(all_times)} | {statistics.median(all_times):.2f} | **{p95(all_times):.2f}** | "
            f"{max(all_times):.2f} |"
        )
    if errors:
        lines += ["", "Errors:", ""] + [f"- {n}: {', '.join(b)}" for n, b in errors[:50]]
    lines += ["", "Import output: `" + (imp["out"] or imp["err"])[:300] + "`", ""]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(json.dumps({"errors": len(errors), "p95": p95(all_times) if all_times else None}))
    return 1 if errors or imp["rc"] != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
