"""Every control a person can touch, for every role, page and language (AppTest).

Each page is opened as each demo role in each language; then every widget on it is set to
each of its options (every radio, segmented-control and select option; both ends of each
slider; an earlier as-of date), the language is switched, and everything is touched again.
After each click: no exception, no error box, and the page still shows its title and more.

Long option lists (24 managers for an admin) are sampled: the first two, one in the middle
and the last, so the suite stays within CI's time; every short list is touched whole.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from custdash.auth import Viewer
from custdash.views import pages_for
from tests.conftest import DEMO_AS_OF, ROOT, in_both_languages

LAST_MONTH_END = DEMO_AS_OF.replace(day=1) - timedelta(days=1)

APP = str(ROOT / "app.py")
# Every page of the dashboard (the admin's navigation holds them all), so a new page is
# clicked through as soon as it is added.
PAGES = [p.name for p in pages_for("admin")]
# What a person types into a search box: a prefix that finds the viewer's customers, markup and
# wildcards that must find nothing (and show as plain text), and nothing at all.
TYPED = ["C", "%_'\"<b>*x*</b>", ""]
VIEWERS = {
    "admin": Viewer(username="admin", role="admin"),
    "head": Viewer(username="head", role="head", branch_id="B001"),
    "manager": Viewer(username="manager", role="manager", branch_id="B001", manager_id="M0001"),
}
MAX_OPTIONS = 8


@pytest.fixture()
def env(demo_db, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    monkeypatch.delenv("CUSTDASH_RULES", raising=False)
    return demo_db


def _check(at: AppTest, what: str) -> None:
    assert not at.exception, f"{what}: {[e.value for e in at.exception]}"
    assert not at.error, f"{what}: {[e.value for e in at.error]}"
    assert at.title, f"{what}: no title"
    assert len(at.main.children) > 1, f"{what}: empty page"


def _sample(options: list) -> list:
    if len(options) <= MAX_OPTIONS:
        return list(options)
    picks = [options[0], options[1], options[len(options) // 2], options[-1]]
    return list(dict.fromkeys(picks))


def _touch_all(at: AppTest, where: str) -> int:
    """Set every widget of the page to each of its values; returns how many clicks were made."""
    clicks = 0
    # Widgets are looked up again after every run: a click may redraw (or rename) the others.
    kinds = ("radio", "segmented_control", "pills", "selectbox", "slider", "date_input", "checkbox", "toggle")
    for kind in (*kinds, "text_input"):
        i = 0
        while i < len(getattr(at, kind)):
            widget = getattr(at, kind)[i]
            key = widget.key
            if kind == "radio" and key and key.startswith("w_lang"):
                i += 1
                continue  # the language is switched between rounds, below
            if kind in ("radio", "segmented_control", "selectbox"):
                values = _sample(list(widget.options))
            elif kind == "pills":  # a multi-select filter: each option alone, then none (all)
                values = [[_value_of(widget, label)] for label in widget.options] + [[]]
            elif kind == "text_input":
                values = TYPED
            elif kind == "slider":
                values = [widget.min, widget.max, widget.value]
            elif kind == "date_input":
                # An arbitrary day (live), the last month-end (its figures written after the load).
                values = [DEMO_AS_OF - timedelta(days=45), LAST_MONTH_END, DEMO_AS_OF]
            else:
                values = [not widget.value, widget.value]
            for value in values:
                widget = getattr(at, kind)(key=key) if key else getattr(at, kind)[i]
                if kind in ("radio", "segmented_control", "selectbox"):
                    widget.set_value(_value_of(widget, value))
                else:
                    widget.set_value(value)
                at.run()
                clicks += 1
                _check(at, f"{where}: {kind} {key or i} = {value!r}")
            i += 1
    return clicks


# The values behind the dashboard's option widgets: AppTest lists options by label and takes
# values, so each label is mapped back through the widget's own format_func.
CANDIDATES = ["", "en", "zh", "none", "branch", "manager", "new", "no_answer", "reached", "declined", "converted"]
CANDIDATES += ["all", "due", "overdue"]  # the honeymoon list's wave filter


def _value_of(widget, label: str):
    fmt = widget.format_func
    for candidate in [label, label.split(" ")[0], *CANDIDATES]:
        try:
            if str(fmt(candidate)) == label:
                return candidate
        except (KeyError, ValueError, TypeError):
            continue
    raise AssertionError(f"no value for option {label!r} of {widget.key}: extend CANDIDATES")


# On PostgreSQL the controls are touched as an admin (every branch) in English: each view's
# answer under a branch's and a manager's scope is compared with SQLite's by tests/test_stores.py.
ROLES_ON_EVERY_STORE = ("admin",)


@pytest.mark.parametrize("lang", in_both_languages())
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "role",
    [
        r if r in ROLES_ON_EVERY_STORE else pytest.param(r, marks=pytest.mark.once("a scope's queries: test_stores.py"))
        for r in VIEWERS
    ],
)
def test_every_control_on_every_page(env, monkeypatch, role, page, lang):
    monkeypatch.setenv("CUSTDASH_LANG", lang)
    viewer = VIEWERS[role]
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = viewer
    at.run()
    _check(at, "start")
    if page == "audit" and role == "manager":
        # Not in a manager's navigation: a link to it says why and shows nothing else.
        at.switch_page("pages/audit.py").run()
        assert not at.exception and not at.dataframe and len(at.warning) == 1
        return
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
        _check(at, f"open {page}")
    clicks = _touch_all(at, f"{role}/{page}/{lang}")
    other = "zh" if lang == "en" else "en"
    at.radio(key="w_lang").set_value(other).run()
    _check(at, f"switch to {other}")
    assert at.radio(key="w_lang").value == other
    clicks += _touch_all(at, f"{role}/{page}/{other}")
    assert clicks >= 8  # at least the sidebar's branch, manager and two dates, in both languages
