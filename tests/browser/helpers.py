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


LOGIN = "form.custdash-login"


def sign_in(page: Page, user: str, password: str | None = None) -> None:
    """Fill the login form (custdash.server's: it posts to /auth/login) and wait for the page."""
    page.locator(f"{LOGIN} input[name=username]").fill(user)
    page.locator(f"{LOGIN} input[name=password]").fill(password or DEMO[user])
    with page.expect_navigation(timeout=60_000):
        page.locator(f"{LOGIN} button").click()
    settle(page, started=True)


def open_page(page: Page, url: str, user: str | None = "admin") -> None:
    """Open a URL (a new Streamlit session) and sign in through the login form if asked."""
    page.goto(url)
    settle(page, started=True)
    if user is not None and page.locator(LOGIN).count():
        sign_in(page, user)


def exceptions(page: Page) -> list[str]:
    return page.locator("[data-testid=stException]").all_inner_texts()


def metrics(page: Page) -> dict[str, str]:
    labels = page.locator("[data-testid=stMetricLabel]").all_inner_texts()
    values = page.locator("[data-testid=stMetricValue]").all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values)}


def captions(page: Page) -> list[str]:
    return [c.strip() for c in page.locator("[data-testid=stCaptionContainer]").all_inner_texts()]
