"""Waiting for Streamlit the proper way: connection up, script finished, nothing pending."""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

APP = "[data-testid=stApp]"


def settle(page: Page, *, started: bool = False) -> None:
    """Wait until the app is connected, its script has run and no element is still loading."""
    page.wait_for_selector(f"{APP}[data-test-connection-state=CONNECTED]", timeout=60_000)
    if not started:
        try:  # an interaction starts a rerun a moment later
            page.wait_for_selector(f"{APP}[data-test-script-state=running]", timeout=1_500)
        except PlaywrightTimeout:
            pass
    page.wait_for_selector(f"{APP}[data-test-script-state=notRunning]", timeout=120_000)
    page.wait_for_function("document.querySelectorAll('[data-testid=stSkeleton]').length === 0", timeout=60_000)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.vega-embed')).every(e => e.querySelector('canvas, svg'))",
        timeout=60_000,
    )


DEMO = {"admin": "demo-admin-2026", "head": "demo-head-2026", "manager": "demo-manager-2026"}


def open_page(page: Page, url: str, user: str | None = "admin") -> None:
    """Open a URL (a new Streamlit session) and sign in through the login form."""
    page.goto(url)
    settle(page, started=True)
    if user is not None and page.locator("[data-testid=stForm]").count():
        page.locator("[data-testid=stForm] input[type=text]").fill(user)
        page.locator("[data-testid=stForm] input[type=password]").fill(DEMO[user])
        page.locator("[data-testid=stFormSubmitButton] button").click()
        page.wait_for_selector("[data-testid=stForm]", state="detached", timeout=60_000)
        settle(page)


def exceptions(page: Page) -> list[str]:
    return page.locator("[data-testid=stException]").all_inner_texts()


def metrics(page: Page) -> dict[str, str]:
    labels = page.locator("[data-testid=stMetricLabel]").all_inner_texts()
    values = page.locator("[data-testid=stMetricValue]").all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values)}


def captions(page: Page) -> list[str]:
    return [c.strip() for c in page.locator("[data-testid=stCaptionContainer]").all_inner_texts()]
