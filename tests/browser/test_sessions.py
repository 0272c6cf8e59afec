"""Sign-in that survives a reload, ends everywhere at sign-out or idle expiry, and downloads
checked at the moment they are delivered (issue #14), in a real browser against
custdash/server.py."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.helpers import LOGIN, captions, exceptions, open_page, settle, sign_in
from tests.conftest import execute, fetch

pytestmark = pytest.mark.browser


def _h1(page) -> str:
    return page.locator("h1").first.inner_text().strip()


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 1600}, accept_downloads=True)
    yield ctx
    ctx.close()


def test_reload_and_a_second_tab_stay_signed_in_with_an_httponly_cookie(server, context):
    page = context.new_page()
    visited: list[str] = []
    page.on("request", lambda r: visited.append(r.url))
    open_page(page, f"{server}/dormant?lang=en", user="head")
    assert _h1(page) == "Dormant"
    [cookie] = [c for c in context.cookies() if c["name"] == "custdash_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert len(cookie["value"]) >= 40
    assert not any(cookie["value"] in url for url in visited)  # never in a URL
    assert page.evaluate("document.cookie").find("custdash_session") == -1  # out of scripts' reach
    page.reload()
    settle(page, started=True)
    assert _h1(page) == "Dormant" and page.locator(LOGIN).count() == 0
    other = context.new_page()
    other.goto(f"{server}/tiers?lang=en")
    settle(other, started=True)
    assert _h1(other) == "Tiers" and exceptions(other) == []


def test_a_reload_lists_only_the_pages_of_the_viewers_role(server, context):
    """A new tab (a new Streamlit session, only the cookie to go by) shows a manager their
    pages from its first run: no audit trail in the navigation, then or after a click."""
    page = context.new_page()
    open_page(page, f"{server}/?lang=en", user="manager")
    other = context.new_page()
    other.goto(f"{server}/myday?lang=en")
    settle(other, started=True)
    links = [t.strip() for t in other.locator("[data-testid=stSidebarNav] a").all_inner_texts()]
    assert "My day" in links and "Audit" not in links, links
    other.locator('[data-testid=stSidebarNav] a[href$="/churn"]').click()
    settle(other)
    links = [t.strip() for t in other.locator("[data-testid=stSidebarNav] a").all_inner_texts()]
    assert _h1(other) == "Churn warning" and "Audit" not in links, links


def test_sign_out_ends_the_session_in_every_tab(server, context):
    page = context.new_page()
    open_page(page, f"{server}/?lang=en", user="manager")
    other = context.new_page()
    other.goto(f"{server}/dormant?lang=en")
    settle(other, started=True)
    assert _h1(other) == "Dormant"
    page.get_by_role("button", name="Sign out").click()
    # Sign-out reruns twice (the click, then st.rerun): wait for the form, not one quiet moment.
    page.wait_for_selector(LOGIN, timeout=60_000)
    settle(page, started=True)
    assert page.locator(LOGIN).count() == 1
    other.reload()
    settle(other, started=True)
    assert other.locator(LOGIN).count() == 1 and _h1(other) == "Sign in"


def test_a_new_sign_in_in_the_same_browser_ends_the_session_its_cookie_replaces(server, context, demo_db):
    """Issue #33: tab 1 signed in as a manager, tab 2 (its form already open) signed in as a head
    and then out; tab 1 went on as the manager. The head's sign-in ends the manager's session."""
    second = context.new_page()
    second.goto(f"{server}/?lang=en")
    settle(second, started=True)
    first = context.new_page()
    open_page(first, f"{server}/dormant?lang=en", user="manager")
    assert _h1(first) == "Dormant"
    sign_in(second, "head")
    assert second.locator(LOGIN).count() == 0
    reasons = fetch(demo_db, "SELECT username, end_reason FROM auth.web_session WHERE end_reason = 'replaced'")
    assert ("manager", "replaced") in reasons
    second.get_by_role("button", name="Sign out").click()
    second.wait_for_selector(LOGIN, timeout=60_000)
    first.get_by_role("button", name="Sign out").wait_for()
    first.locator("[data-testid=stSidebarNav] a[href$='/churn']").click()  # a click in tab 1: no manager any more
    first.wait_for_selector(LOGIN, timeout=60_000)
    settle(first, started=True)
    assert first.locator(LOGIN).count() == 1 and exceptions(first) == []


def test_idle_session_expires_at_the_next_click(server, context, demo_db):
    page = context.new_page()
    open_page(page, f"{server}/?lang=en", user="admin")
    [cookie] = [c for c in context.cookies() if c["name"] == "custdash_session"]
    import hashlib

    digest = hashlib.sha256(cookie["value"].encode()).hexdigest()
    long_ago = (datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2)).isoformat(sep=" ")
    changed = execute(demo_db, "UPDATE auth.web_session SET last_seen = :t WHERE id_digest = :d", t=long_ago, d=digest)
    assert changed == 1
    page.reload()
    settle(page, started=True)
    assert page.locator(LOGIN).count() == 1
    assert "Your session expired; please sign in again." in page.locator("[data-testid=stAlert]").all_inner_texts()[0]


def test_a_download_button_left_on_screen_after_the_session_ended_delivers_nothing(server, context, demo_db):
    page = context.new_page()
    open_page(page, f"{server}/dormant?lang=en", user="head")
    assert any(c.endswith("customers") for c in captions(page))
    # The session ends elsewhere (expiry, sign-out in another tab).
    execute(demo_db, "UPDATE auth.web_session SET ended_at = last_seen WHERE username = 'head' AND ended_at IS NULL")
    [(before,)] = fetch(demo_db, "SELECT count(*) FROM auth.audit_event WHERE event = 'export'")
    downloads: list[object] = []
    page.on("download", lambda d: downloads.append(d))
    page.get_by_role("button", name="Download CSV").click()
    page.wait_for_timeout(3_000)
    assert downloads == []
    assert fetch(demo_db, "SELECT count(*) FROM auth.audit_event WHERE event = 'export'") == [(before,)]
    [(refused,)] = fetch(demo_db, "SELECT count(*) FROM auth.audit_event WHERE event = 'export_refused'")
    assert refused >= 1


def test_sign_in_route_refuses_posts_from_elsewhere_and_pages_carry_security_headers(server):
    request = urllib.request.Request(
        f"{server}/auth/login", data=b"username=admin&password=demo-admin-2026", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)  # no Origin: not from the dashboard's own page
    assert refused.value.code == 403 and "set-cookie" not in refused.value.headers
    forged = urllib.request.Request(
        f"{server}/auth/login",
        data=b"username=admin&password=demo-admin-2026",
        headers={"Origin": "https://evil.example"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=30)
    assert refused.value.code == 403
    with urllib.request.urlopen(f"{server}/", timeout=30) as r:
        headers = {k.lower(): v for k, v in r.headers.items()}
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["content-security-policy"] == "frame-ancestors 'self'"
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in headers  # plain HTTP here; HSTS only over HTTPS


def test_a_failed_sign_in_says_so_the_same_way(server, context):
    page = context.new_page()
    page.goto(f"{server}/?lang=en")
    settle(page, started=True)
    sign_in(page, "admin", "wrong-password")
    assert page.locator(LOGIN).count() == 1
    alerts = page.locator("[data-testid=stAlert]").all_inner_texts()
    assert any("Sign-in failed: check the user name and password" in a for a in alerts)
    assert not [c for c in context.cookies() if c["name"] == "custdash_session"]


def test_behind_an_https_proxy_the_cookie_is_secure_and_hsts_is_sent(server):
    """A TLS-terminating proxy (docs/DEPLOYMENT.md) says so in X-Forwarded-Proto."""
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(server).netloc
    con = http.client.HTTPConnection(host, timeout=30)
    con.request(
        "POST",
        "/auth/login",
        body="username=admin&password=demo-admin-2026&language=en&next=/dormant%3Fbranch%3DB001",
        headers={
            "Origin": f"https://{host}",
            "Host": host,
            "X-Forwarded-Proto": "https",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    r = con.getresponse()
    cookie = r.getheader("set-cookie")
    assert r.status == 303 and r.getheader("location") == "/dormant?lang=en&branch=B001"
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    assert r.getheader("strict-transport-security") == "max-age=31536000"
    con.close()
