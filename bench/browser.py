"""Page-ready times in a real browser: one Chromium session against a Streamlit server on a
given store. Every page is visited in a new browser; then the server is restarted (its
caches empty) and every page is visited twice by the same browser (its scripts cached, as
for anyone who used the dashboard before).

    .venv/bin/python bench/browser.py STORE.db     prints one JSON object

A page counts as ready when its own title is shown and Streamlit reports the script run
finished (the same test as bench/load.py and tests/browser). bench/run.py calls this per size.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from load import APP, ARGS, PAGES, TITLES, free_port, nav_link, start_server

ROOT = Path(__file__).resolve().parents[1]


def _ready(page, title: str) -> None:
    page.wait_for_function(
        "t => { const h = document.querySelector('[data-testid=stMain] h1'); return h && h.innerText.trim().startsWith(t); }",
        arg=title,
        timeout=600_000,
    )
    page.wait_for_selector(f"{APP}[data-test-script-state=notRunning]", timeout=600_000)


def _walk(page, url: str, times: dict[str, list[float]], visits: int) -> None:
    """Sign in (landing on the overview), then visit every page `visits` times. A returning
    browser is still signed in (its session cookie): it lands on the overview directly."""
    t0 = time.monotonic()
    page.goto(url)
    form = page.locator("form.custdash-login")
    form.or_(page.locator("[data-testid=stMain] h1", has_text=re.compile(f"^{TITLES[0]}"))).first.wait_for(
        timeout=600_000
    )
    if page.locator("form.custdash-login").count():
        page.locator("form.custdash-login input[name=username]").fill("admin")
        page.locator("form.custdash-login input[name=password]").fill("demo-admin-2026")
        t0 = time.monotonic()
        page.locator("form.custdash-login button").click()
    _ready(page, TITLES[0])
    times.setdefault("overview", []).append(time.monotonic() - t0)
    for visit in range(visits):
        for name, title in zip(PAGES, TITLES):
            if visit == 0 and name == "":
                continue
            t0 = time.monotonic()
            nav_link(page, name).click()
            _ready(page, title)
            times.setdefault(name or "overview", []).append(time.monotonic() - t0)


def page_ready(db: str) -> dict[str, list[float]]:
    """Seconds from click to ready, per page: [first visit in a new browser, first visit on a
    freshly started server with the browser's assets cached (a returning user on the morning
    after an import), second visit (the server's cache warm)]."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    new_browser: dict[str, list[float]] = {}
    returning: dict[str, list[float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(600_000)
        server = start_server(db, port)
        try:
            _walk(page, url, new_browser, visits=1)
        finally:
            server.terminate()
            server.wait(timeout=30)
        server = start_server(db, port)  # same origin: the browser keeps its cached scripts and styles
        try:
            _walk(page, url, returning, visits=2)
        finally:
            server.terminate()
            server.wait(timeout=30)
        browser.close()
    return {k: [new_browser[k][0], *returning[k]] for k in returning}


if __name__ == "__main__":
    import json

    result = page_ready(sys.argv[1])
    print(json.dumps(result), flush=True)
    os._exit(0)  # skip interpreter teardown (see bench/run.py)
