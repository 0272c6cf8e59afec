"""No data leaves except through custdash's own downloads (issue #33): on every page, for every
role, no table or chart offers Streamlit's own exports (a table's "Download as CSV", a chart's
"Show data", "Download as PNG" or "Copy Vega-Lite spec"), none of which is scoped at delivery,
masked or audited."""

from __future__ import annotations

import pytest

from custdash.views import pages_for
from tests.browser.helpers import exceptions, open_page, settle

pytestmark = pytest.mark.browser

# What a table's or chart's toolbar may still offer: nothing (what is left speaks English only).
HARMLESS: set[str] = set()
ELEMENTS = "[data-testid=stDataFrame], [data-testid=stVegaLiteChart], [data-testid=stTable]"
VISIBLE_TOOLBAR = """els => els.filter(e => e.offsetParent !== null)
    .map(e => (e.getAttribute('aria-label') || e.innerText).trim())"""


@pytest.mark.once("Streamlit's own toolbars, hidden by the page's settings and style, whatever the store")
@pytest.mark.parametrize("role", ["admin", "head", "manager"])
def test_no_table_or_chart_offers_an_export_outside_the_delivery_path(server, page, role):
    offered: dict[str, set[str]] = {}
    elements = 0
    for spec in pages_for(role):
        path = "" if spec.name == "overview" else spec.name
        open_page(page, f"{server}/{path}?lang=en", user=role)
        assert exceptions(page) == [], spec.name
        shown = page.locator(ELEMENTS)
        for i in range(shown.count()):
            element = shown.nth(i)
            element.scroll_into_view_if_needed()
            element.hover()
            page.wait_for_function("document.querySelectorAll('[data-testid=stElementToolbar]').length > 0")
            labels = set(page.locator("[data-testid=stElementToolbar] button").evaluate_all(VISIBLE_TOOLBAR))
            offered.setdefault(spec.name, set()).update(labels - HARMLESS)
            elements += 1
        settle(page, started=True)
    assert elements >= 10  # the walk met the pages' tables and charts
    assert {name: labels for name, labels in offered.items() if labels} == {}


SEEN_IN_NAVIGATION = """
window.__nav = [];
new MutationObserver(() => {
  document.querySelectorAll('[data-testid=stSidebarNav] a').forEach(a => window.__nav.push(a.innerText.trim()));
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_before_sign_in_no_page_is_ever_listed_not_even_for_a_moment(fresh_server, browser):
    """Issue #33: on a fresh server the sidebar flashed the page files' names ("app, alliance,
    audit…"), then listed every page, the audit trail included, to a visitor."""
    context = browser.new_context(viewport={"width": 1280, "height": 1200})
    context.add_init_script(SEEN_IN_NAVIGATION)
    page = context.new_page()
    open_page(page, f"{fresh_server}/dormant?lang=en", user=None)
    assert page.locator("form.custdash-login").count() == 1
    assert page.evaluate("window.__nav") == []
    context.close()


def test_a_link_to_another_roles_page_says_so_in_the_readers_language(server, page):
    """Issue #33: a manager opening /audit got Streamlit's English "Page not found … Running the
    app's main page", which also misstated the reason."""
    open_page(page, f"{server}/audit?lang=zh", user="manager")
    assert page.locator("[data-testid=stToast]").count() == 0
    alerts = page.locator("[data-testid=stAlert]").all_inner_texts()
    assert any("您的角色不能打开“审计日志”页面" in a for a in alerts), alerts
    assert page.locator("[data-testid=stDataFrame]").count() == 0


@pytest.mark.once("Streamlit's own strings, whatever the store")
def test_in_chinese_no_english_streamlit_text_shows_in_a_form_or_a_date_field(server, page, demo_db):
    """Issue #33: "Press Ctrl+Enter to submit form" under the note and "Date set outside allowed
    range" under a typed date, in 中文 mode."""
    from tests.conftest import fetch

    [(cid,)] = fetch(demo_db, "SELECT customer_id FROM customer WHERE branch_id = 'B001' ORDER BY 1 LIMIT 1")
    open_page(page, f"{server}/customer?lang=zh&customer={cid}", user="head")
    page.get_by_role("button", name="记录联系").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    dialog.get_by_role("textbox").first.fill("回访客户")
    for part, value in (("year", "2019"), ("month", "01"), ("day", "01")):  # long before the earliest allowed
        dialog.get_by_role("spinbutton", name=f"{part}, 联系日期").focus()
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    visible = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.offsetParent !== null && e.children.length === 0)
            .map(e => e.innerText || '').join('\\n')"""
    )
    for english in ("Press Ctrl+Enter", "Press Enter", "outside allowed range", "Please select a date"):
        assert english not in visible, english
    sidebar = page.locator("[data-testid=stSidebar]").inner_text()
    assert "手动输入的日期在按回车或离开输入框后生效" in sidebar
