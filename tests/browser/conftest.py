"""A real dashboard server on a free port and a headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path(os.environ.get("CUSTDASH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("CUSTDASH_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(demo_db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "CUSTDASH_DB": str(demo_db), "CUSTDASH_LANG": "en", "CUSTDASH_DEMO_CUSTOMERS": "0"}
    env.pop("CUSTDASH_RULES", None)
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "custdash" / "server.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"streamlit did not start:\n{log.read_text()}")
        time.sleep(0.3)
    return proc, url


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def demo_db(demo_db: Path | str, tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    """The browser tests' own copy of the demo store: their sign-ins and exports write users'
    sessions and the audit trail, which other tests read from copies of the original."""
    from tests.conftest import copy_store

    return copy_store(demo_db, tmp_path_factory.mktemp("served") / "demo.db")


@pytest.fixture(scope="session")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = _start(demo_db, tmp_path_factory.mktemp("server") / "streamlit.log")
    yield url
    _stop(proc)


@pytest.fixture()
def fresh_server(demo_db: Path, tmp_path: Path) -> Iterator[str]:
    """A server nobody has opened yet (Streamlit's page discovery still in charge)."""
    proc, url = _start(demo_db, tmp_path / "streamlit.log")
    yield url
    _stop(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    # A missing browser is a failure, not a skip: CI must run these tests for real.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 2400}, accept_downloads=True, locale="en-US")
    pg = context.new_page()
    yield pg
    context.close()
