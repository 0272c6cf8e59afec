"""Working a list in a real browser (issue #18): the branch head logs a contact from the customer
page and sees it on the list, on the customer's page and in 回检."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from custdash.contact_log import contact_history
from custdash.outcomes import outcome_summary
from custdash.scope import Scope
from custdash.views import call_list, outcome_table
from tests.browser.helpers import exceptions, open_page, settle
from tests.conftest import DEMO_AS_OF, query_store

pytestmark = pytest.mark.browser
BOOK = Scope(branch_id="B001")  # the demo head's branch


def _dormant_contacted(db, rules) -> int:
    table = query_store(db, lambda s, **kw: outcome_table(s, scope=BOOK, **kw), rules=rules)
    return outcome_summary(table)["dormant"]["contacted"]


def test_a_logged_contact_shows_on_the_list_the_customer_page_and_in_outcomes(server, page, demo_db, rules):
    start = DEMO_AS_OF - timedelta(days=rules.contact.outcome_days - 1)
    now = query_store(demo_db, lambda s, **kw: call_list("dormant", s, scope=BOOK, **kw), rules=rules)
    then = query_store(demo_db, lambda s, **kw: call_list("dormant", s, scope=BOOK, **kw), rules=rules, as_of=start)
    logged = query_store(demo_db, lambda s, **kw: contact_history(s, scope=BOOK), rules=rules)
    worked = set(logged[logged["list_name"] == "dormant"]["customer_id"])
    # A customer new on today's list, on it at the period's start, not yet contacted for it.
    cid = next(
        c
        for c, status in zip(now["customer_id"], now["contact_status"])
        if status == "new" and c in set(then["customer_id"]) and c not in worked
    )
    contacted = _dormant_contacted(demo_db, rules)
    day = DEMO_AS_OF - timedelta(days=1)

    open_page(page, f"{server}/customer?lang=en", user="head")
    page.get_by_role("textbox", name="Customer ID or name").fill(cid)
    page.keyboard.press("Enter")
    settle(page)
    assert exceptions(page) == []
    page.get_by_role("button", name="Log a contact").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    for part, value in (("year", f"{day.year}"), ("month", f"{day.month:02d}"), ("day", f"{day.day:02d}")):
        dialog.get_by_role("spinbutton", name=f"{part}, Date of the contact").focus()
        page.keyboard.type(value)
    page.keyboard.press("Escape")  # the calendar the typing opened; the dialog stays
    dialog.get_by_role("button", name="Save").click()
    settle(page)
    assert exceptions(page) == []
    # Recorded by the system as the signed-in head, for the customer's list.
    rows = query_store(demo_db, lambda s, **kw: contact_history(s, scope=BOOK, customer_id=cid), rules=rules)
    assert rows.iloc[0][["contacted_on", "list_name", "outcome", "username"]].tolist() == [
        day,
        "dormant",
        "reached",
        "head",
    ]
    # The customer's page: the contact in the timeline (the last table; drawn once in view,
    # and on a slow machine after the products table above it, which the last one was once).
    cells: list[str] = []
    for _ in range(20):
        page.locator("[data-testid=stDataFrame]").last.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        cells = page.locator("[data-testid=stDataFrame]").last.locator("[role=gridcell]").all_inner_texts()
        if day.isoformat() in cells:
            break
    assert day.isoformat() in cells
    # The list: filtered to "reached", the customer is there, and so in its download.
    open_page(page, f"{server}/dormant?lang=en", user="head")
    page.locator("[data-testid=stButtonGroup]").get_by_role("button", name="reached", exact=True).click()
    settle(page)
    assert exceptions(page) == []
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    sheet = pd.read_csv(io.BytesIO(Path(dl.value.path()).read_bytes()), encoding="utf-8-sig", dtype=str)
    assert set(sheet["Status"]) == {"reached"}
    assert cid in set(sheet["Customer ID"])
    # 回检: one more dormant customer contacted in the period.
    open_page(page, f"{server}/outcomes?lang=en", user="head")
    assert exceptions(page) == []
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download table (CSV)").click()
    table = pd.read_csv(io.BytesIO(Path(dl.value.path()).read_bytes()), encoding="utf-8-sig")
    total = table[(table["List"] == "Dormant") & (table["Manager"] == "all")]
    assert total["Contacted"].tolist() == [contacted + 1] == [_dormant_contacted(demo_db, rules)]


def test_a_row_of_my_day_is_logged_for_its_list(server, page, demo_db, rules):
    """The manager selects the first row of their day and logs a call: it is recorded for the
    list the row is worked for, and the queue moves on (reached customers wait)."""
    from custdash.views import my_day

    mine = Scope(branch_id="B001", manager_id="M0001")
    queue = query_store(demo_db, lambda s, **kw: my_day(s, scope=mine, **kw), rules=rules)
    first = queue.iloc[0]
    open_page(page, f"{server}/myday?lang=en", user="manager")
    assert exceptions(page) == []
    grid = page.locator("[data-testid=stDataFrame]").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's selection box
    settle(page)
    page.get_by_role("button", name="Log a contact").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(first["customer_id"])  # the form renders a moment after the title
    dialog.get_by_role("button", name="Save").click()
    settle(page)
    assert exceptions(page) == []
    logged = query_store(
        demo_db, lambda s, **kw: contact_history(s, scope=mine, customer_id=first["customer_id"]), rules=rules
    )
    assert logged.iloc[0][["list_name", "outcome", "username"]].tolist() == [
        first["contact_list"],
        "reached",
        "manager",
    ]
    # Reached on that list (and the follow-up, if it was one, answered): those reasons are gone.
    worked = {
        "follow_up",
        first["contact_list"].split("-")[0] if first["contact_list"].startswith("honeymoon") else first["contact_list"],
    }
    left = ",".join(r for r in first["reasons"].split(",") if r not in worked)
    after = query_store(demo_db, lambda s, **kw: my_day(s, scope=mine, **kw), rules=rules)
    reasons = dict(zip(after["customer_id"], after["reasons"]))
    assert reasons.get(first["customer_id"], "") == left
