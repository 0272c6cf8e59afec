"""The dashboard in a real browser: every page, language, URL state, downloads, screenshots."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from custdash.scope import Scope
from custdash.summary import list_sizes, summary
from custdash.views import call_list
from tests.browser.conftest import SHOTS
from tests.browser.helpers import captions, exceptions, metrics, open_page, settle
from tests.conftest import DEMO_AS_OF, in_both_languages, query_store

pytestmark = pytest.mark.browser

PAGES = {
    "overview": "",
    "tiers": "tiers",
    "threshold": "threshold",
    "dormant": "dormant",
    "alliance": "alliance",
    "honeymoon": "honeymoon",
    "household": "household",
}
TITLES = {
    "en": {
        "overview": "Today",
        "tiers": "Tiers",
        "threshold": "Near threshold",
        "dormant": "Dormant",
        "alliance": "Alliance (cinema)",
        "honeymoon": "Honeymoon",
        "household": "Households",
    },
    "zh": {
        "overview": "今日概览",
        "tiers": "客户分层",
        "threshold": "临界客户",
        "dormant": "睡眠客户",
        "alliance": "异业联盟（观影）",
        "honeymoon": "蜜月期",
        "household": "家庭经营",
    },
}
LISTS = {
    "threshold": "threshold",
    "dormant": "dormant",
    "alliance": "alliance-unused",
    "honeymoon": "honeymoon",
    "household": "household",
}
# How a list's size reads: customers, or households (one row per household).
UNITS = {"en": {"household": "{n} households"}, "zh": {"household": "共 {n} 户"}}
DEFAULT_UNIT = {"en": "{n} customers", "zh": "{n} 位客户"}


_q = query_store


@pytest.mark.parametrize("lang", in_both_languages())
@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_with_its_content(server, page, demo_db, rules, name, lang):
    open_page(page, f"{server}/{PAGES[name]}?lang={lang}")
    assert exceptions(page) == []
    h1 = page.locator("h1").first.inner_text().strip()
    if name == "overview":  # names the scope and the date
        scope = "All branches" if lang == "en" else "全部网点"
        assert h1 == f"{TITLES[lang][name]} · {scope} · {DEMO_AS_OF.isoformat()}"
    else:
        assert h1 == TITLES[lang][name]
    if name in LISTS:
        expected = _q(demo_db, lambda s, **kw: call_list(LISTS[name], s, scope=Scope(), **kw), rules=rules)
        assert page.locator("[data-testid=stDataFrame]").first.is_visible()
        label = UNITS[lang].get(name, DEFAULT_UNIT[lang]).format(n=f"{len(expected):,}")
        assert label in captions(page)
    assert page.locator(".vega-embed").count() >= 1
    if name == "overview":
        sizes = _q(demo_db, list_sizes, rules=rules)
        shown = metrics(page)
        key = "Dormant" if lang == "en" else "睡眠客户"
        assert shown[key] == f"{sizes['dormant']:,}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}_{lang}.png"), full_page=True)


def test_language_switch_shows_chinese_and_wan(server, page):
    open_page(page, server)
    page.get_by_text("简体中文").click()
    # Under load the rerun may start late: wait for its result, then for it to finish.
    page.wait_for_function(
        "() => (document.querySelector('h1')?.innerText || '').trim().startsWith('今日概览')", timeout=120_000
    )
    settle(page)
    assert page.locator("h1").first.inner_text().strip().startswith("今日概览 · ")
    assert metrics(page)["总资产"].endswith(("万", "亿"))
    assert "lang=zh" in page.url


def test_filter_in_url_and_fresh_context_gets_same_view(server, page, browser, demo_db, rules):
    open_page(page, f"{server}/dormant")
    page.get_by_role("combobox", name="Branch").click()
    page.get_by_role("option", name="B002", exact=False).first.click()
    page.wait_for_url("**branch=B002**", timeout=120_000)
    settle(page)
    assert parse_qs(urlparse(page.url).query).get("branch") == ["B002"]
    expected = _q(demo_db, lambda s, **kw: call_list("dormant", s, **kw), rules=rules, scope=Scope(branch_id="B002"))
    assert f"{len(expected):,} customers" in captions(page)
    url = page.url
    other = browser.new_context(viewport={"width": 1280, "height": 1600})
    fresh = other.new_page()
    open_page(fresh, url)
    assert f"{len(expected):,} customers" in captions(fresh)
    assert exceptions(fresh) == []
    other.close()


def test_malformed_url_parameter_shows_notice_not_error(server, page, demo_db, rules):
    open_page(page, f"{server}/?branch=%27%3B%20DROP%20TABLE%20customer%3B--&as_of=2026-99-99")
    assert exceptions(page) == []
    alerts = page.locator("[data-testid=stAlert]").all_inner_texts()
    assert any("branch value" in a for a in alerts) and any("as_of value" in a for a in alerts)
    total = sum(_q(demo_db, summary, rules=rules)["tiers"].values())
    assert metrics(page)["Customers"] == f"{total:,}"


def test_downloads_csv_and_excel(server, page, demo_db, rules, tmp_path):
    from openpyxl import load_workbook

    open_page(page, f"{server}/dormant?branch=B001")
    expected = _q(demo_db, lambda s, **kw: call_list("dormant", s, **kw), rules=rules, scope=Scope(branch_id="B001"))
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    csv_path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(csv_path)
    assert dl.value.suggested_filename == f"custdash_dormant_branch-B001_{DEMO_AS_OF.isoformat()}.csv"
    data = csv_path.read_bytes()
    assert data.startswith("\ufeffCustomer ID,Name,Phone,".encode())  # the screen's language
    df = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(df["Customer ID"]) == list(expected["customer_id"])
    assert df["Phone"].str.fullmatch(r"\d{3}\*{4}\d{4}").all()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download Excel").click()
    xlsx = tmp_path / dl.value.suggested_filename
    dl.value.save_as(xlsx)
    ws = load_workbook(xlsx).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Customer ID" and len(rows) == 1 + len(expected)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    # Downloading did not rerun the page: no exception, the same list still there.
    assert exceptions(page) == [] and f"{len(expected):,} customers" in captions(page)


def test_as_of_in_url(server, page, demo_db, rules):
    as_of = date(2026, 10, 31)
    open_page(page, f"{server}/honeymoon?as_of={as_of.isoformat()}")
    from custdash.lists.honeymoon import honeymoon_counts

    counts = _q(demo_db, honeymoon_counts, rules=rules, as_of=as_of)
    assert metrics(page)["In honeymoon"] == f"{counts['in_window']:,}"


def test_fresh_server_page_url_shows_login_and_no_customer_data(fresh_server, browser, demo_db):
    """On a newly started server, a page's URL opened directly: the login form, and not one
    customer name in what the browser received."""
    from tests.conftest import fetch

    # The login page names the demo manager (whose name a customer may share): not a customer's.
    managers = {n for (n,) in fetch(demo_db, "SELECT manager_name FROM manager")}
    names = [n for (n,) in fetch(demo_db, "SELECT name FROM customer ORDER BY customer_id") if n not in managers]
    context = browser.new_context(viewport={"width": 1280, "height": 1200})
    page = context.new_page()
    received: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: received.append(
                payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            ),
        ),
    )
    open_page(page, f"{fresh_server}/dormant", user=None)
    assert page.locator("form.custdash-login button").inner_text().strip() == "Sign in"
    html = page.content() + "".join(received)
    assert [n for n in names if n in html] == []
    assert page.locator("[data-testid=stDataFrame]").count() == 0
    # Signing in on that page then shows that page's data.
    open_page(page, f"{fresh_server}/dormant", user="manager")
    assert page.locator("h1").first.inner_text().strip() == "Dormant"
    assert page.locator("[data-testid=stDataFrame]").count() == 1
    context.close()


def _choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=False).first.click()
    settle(page)


def test_language_switch_then_every_sidebar_control(fresh_server, browser, tmp_path):
    """Found by a new user: after switching the language, changing the branch, the manager or
    the date raised "ValueError: 'All branches' is not in list" (the browser still sent the old
    language's label). Also: nothing fetched from outside the server, and no traceback in the
    server log (the SQLite thread error, the language callback's KeyError)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname not in ("127.0.0.1", None) else None)
    open_page(page, fresh_server)
    for lang, branch, manager, all_branches in (
        ("zh", "网点", "客户经理", "全部网点"),
        ("en", "Branch", "Manager", "All branches"),
    ):
        page.get_by_text("简体中文" if lang == "zh" else "English", exact=True).click()
        settle(page)
        assert exceptions(page) == []
        # The manager first: the branch box, untouched since the switch, must not send the
        # old language's "All branches" label.
        _choose(page, manager, "M0002")
        assert exceptions(page) == [] and "manager=M0002" in page.url
        _choose(page, branch, all_branches)
        assert exceptions(page) == [] and "branch=" not in page.url
        _choose(page, branch, "B002")
        assert exceptions(page) == [] and "branch=B002" in page.url
        _choose(page, branch, all_branches)
    # An earlier as-of date, picked in the date field's calendar.
    page.locator("[data-testid=stDateInput]").get_by_role("button", name="Choose date").click()
    calendar = page.get_by_role("dialog")
    calendar.get_by_role("button", name="Previous month").click()
    calendar.get_by_role("button", name="31", exact=False).first.click()
    settle(page)
    assert exceptions(page) == [] and "as_of=2026-10-31" in page.url
    for name in ("tiers", "threshold", "dormant", "alliance", "honeymoon"):
        page.locator(f'[data-testid=stSidebarNav] a[href$="/{PAGES[name]}"]').click()
        settle(page)
        assert exceptions(page) == [], name
        assert page.url.split("?")[0].endswith(f"/{PAGES[name]}"), (name, page.url)
    context.close()
    log = (tmp_path / "streamlit.log").read_text()
    assert "Traceback" not in log and "Exception" not in log, log[-3000:]
    assert outside == []
