"""No data leaves except through custdash's own downloads (issue #33): on every page, for every
role, no table or chart offers Streamlit's own exports (a table's "Download as CSV", a chart's
"Show data", "Download as PNG" or "Copy Vega-Lite spec"), none of which is scoped at delivery,
masked or audited."""

from __future__ import annotations

import pytest

from custdash.views import pages_for
from tests.browser.helpers import exceptions, open_page, settle

pytestmark = pytest.mark.browser

# What a table's or chart's toolbar may still offer: none of these lets data out.
HARMLESS = {"Fullscreen", "Show/hide columns", "Search", "Close fullscreen"}
ELEMENTS = "[data-testid=stDataFrame], [data-testid=stVegaLiteChart], [data-testid=stTable]"
VISIBLE_TOOLBAR = """els => els.filter(e => e.offsetParent !== null)
    .map(e => (e.getAttribute('aria-label') || e.innerText).trim())"""


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
