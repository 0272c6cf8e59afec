"""Every page through streamlit.testing.v1.AppTest, on a seeded test store: it runs,
its figures equal the query layer's for the same filters, and filters change them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from custdash import views
from custdash.auth import Viewer
from custdash.db import make_engine, store_exists
from custdash.i18n import money
from custdash.models import SCHEMA_VERSION
from custdash.queries.tiers import tier_distribution
from custdash.scope import Scope
from custdash.summary import list_sizes, summary
from custdash.views import call_list
from tests.conftest import DEMO_AS_OF, ROOT, copy_store, execute, fetch, fresh_store, on_sqlite, query_store, residue


def unescape(markdown: str) -> str:
    """The text a markdown element shows (custdash escapes what users send)."""
    return re.sub(r"\\(.)", r"\1", markdown)


APP = str(ROOT / "app.py")
# Every page every role sees (the audit page has tests of its own), and the call list each shows.
PAGES = [p.name for p in views.pages_for("manager")]
LIST_OF_PAGE = {c.page: c.name for c in views.LISTS.values()}


@pytest.fixture()
def env(demo_db, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", str(demo_db))
    monkeypatch.delenv("CUSTDASH_RULES", raising=False)
    monkeypatch.setenv("CUSTDASH_LANG", "en")
    return demo_db


ADMIN = Viewer(username="admin", role="admin")


def _app(page: str | None = None, viewer: Viewer = ADMIN, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = viewer
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    if page and page != "overview":
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, at.exception
    return at


_query = query_store


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_and_shows_its_title(env, page):
    at = _app(page)
    titles = {
        "overview": "Today · All branches · 2026-11-22",
        "tiers": "Tiers",
        "threshold": "Near threshold",
        "dormant": "Dormant",
        "alliance": "Alliance (cinema)",
        "honeymoon": "Honeymoon",
        "customer": "Customer",
        "outcomes": "Did it work",
        "myday": "My day",
        "churn": "Churn warning",
        "downgrade": "Downgrade risk",
        "maturity": "Maturities",
        "birthdays": "Birthdays",
        "household": "Households",
        "grades": "Grades",
    }
    assert at.title[0].value == titles[page]
    assert not at.error


def test_overview_figures_match_query_layer(env, rules):
    at = _app()
    metrics = {m.label: m.value for m in at.metric}
    sizes = _query(env, list_sizes, rules=rules)
    tiers = _query(env, tier_distribution, rules=rules)
    assert metrics == {
        "Customers": f"{int(tiers['customers'].sum()):,}",
        "Total AUM": f"¥{tiers['aum'].sum():,.0f}",
        "Near next tier": f"{sizes['threshold']:,}",
        "Dormant": f"{sizes['dormant']:,}",
        "Waves due": f"{sizes['honeymoon_due']:,}",
        "Waves overdue": f"{sizes['honeymoon_overdue']:,}",
        "Tickets unused": f"{sizes['unused']:,}",
        "Churn warning": f"{sizes['churn']:,}",
        "Downgrade risk": f"{sizes['downgrade']:,}",
        "Maturing products": f"{sizes['maturing']:,}",
        "Birthdays, next 7 days": f"{sizes['birthdays']:,}",
        "Family near tier": f"{sizes['household']:,}",
    }


def test_each_tiles_change_is_its_worked_count_against_the_same_count_a_month_earlier(env, rules):
    """Issue #33: the change compared the worked count with a rules-only count a month ago
    (到期产品 698 with +450 implied 248; the CLI said 258)."""
    from custdash.calendar import month_before
    from custdash.views import overview_tiles

    at = _app()
    now = _query(env, list_sizes, rules=rules)
    before = _query(env, list_sizes, rules=rules, as_of=month_before(DEMO_AS_OF))
    labels = [m.label for m in at.metric][2:]
    shown = {key: _metric(at, label).delta for (key, _page, _filter), label in zip(overview_tiles(), labels)}
    expected = {key: f"{now[key] - before[key]:+,}" if now[key] != before[key] else "0" for key, *_ in overview_tiles()}
    assert shown == expected


@pytest.mark.parametrize("page", sorted(LIST_OF_PAGE))
def test_list_pages_show_the_query_rows(env, rules, page):
    at = _app(page)
    expected = _query(env, lambda s, **kw: call_list(LIST_OF_PAGE[page], s, scope=Scope(), **kw), rules=rules)
    shown = at.dataframe[-1].value
    assert list(shown["Customer ID"]) == list(expected["customer_id"].head(500))
    # The maturity list has a row per product, the household list one per household.
    unit = {"maturity": "products", "household": "households"}.get(page, "customers")
    assert f"{len(expected):,} {unit}" in [c.value for c in at.caption]


def test_branch_filter_changes_figures_and_url(env, rules):
    at = _app()
    before = {m.label: m.value for m in at.metric}
    at.selectbox(key="w_branch_en").select("B002").run()
    assert not at.exception
    after = {m.label: m.value for m in at.metric}
    scoped = _query(env, summary, rules=rules, scope=Scope(branch_id="B002"))
    assert after["Customers"] == f"{sum(scoped['tiers'].values()):,}"
    assert after["Near next tier"] == f"{scoped['threshold']:,}"
    assert after != before
    assert at.query_params["branch"] == "B002"


def test_filters_persist_across_pages(env, rules):
    at = _app()
    at.selectbox(key="w_branch_en").select("B001").run()
    at.switch_page("pages/dormant.py").run()
    expected = _query(env, lambda s, **kw: call_list("dormant", s, **kw), rules=rules, scope=Scope(branch_id="B001"))
    assert f"{len(expected):,} customers" in [c.value for c in at.caption]
    assert set(at.dataframe[0].value["Branch"]) == {"B001"}


def test_url_reopens_the_same_view(env, rules):
    at = _app("dormant", branch="B003", as_of="2026-10-31", lang="en")
    expected = _query(
        env,
        lambda s, **kw: call_list("dormant", s, **kw),
        rules=rules,
        scope=Scope(branch_id="B003"),
        as_of=__import__("datetime").date(2026, 10, 31),
    )
    assert f"{len(expected):,} customers" in [c.value for c in at.caption]
    assert not at.warning


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"branch": "B1' OR 1=1 --"}, "The link's branch value"),
        ({"manager": "x" * 5000}, "The link's manager value"),
        ({"lang": "fr"}, "The link's lang value 'fr'"),
        ({"as_of": "2026-02-30"}, "The link's as_of value '2026-02-30'"),
        ({"as_of": "2031-01-01"}, "The as-of date 2031-01-01 is outside the data"),
        # Issue #33: inside two years but before the AUM history, every customer was V0 with 0 AUM.
        ({"as_of": "2024-04-01"}, "The as-of date 2024-04-01 is outside the data (2025-12-01"),
        ({"branch": "B001", "manager": "M0020"}, "The link's manager value 'M0020'"),  # M0020 is in B003
    ],
)
def test_tampered_url_falls_back_with_notice(env, rules, params, notice):
    at = _app(**params)
    shown = [unescape(w.value) for w in at.warning]
    assert any(w.startswith(notice) for w in shown), shown
    customers = {m.label: m.value for m in at.metric}["Customers"]
    scope = Scope(branch_id=params["branch"]) if params.get("branch") == "B001" else Scope()
    assert customers == f"{sum(_query(env, summary, rules=rules, scope=scope)['tiers'].values()):,}"


def test_chinese_labels_and_wan_amounts(env, rules):
    at = _app(lang="zh")
    labels = [m.label for m in at.metric]
    assert labels[:2] == ["客户数", "总资产"]
    tiers = _query(env, tier_distribution, rules=rules)
    assert at.metric[1].value == money(float(tiers["aum"].sum()), "zh")
    assert at.metric[1].value.endswith("亿")  # 1.15亿, not 11,517.48万
    assert at.title[0].value == "今日概览 · 全部网点 · 2026-11-22"


def test_language_switch_in_sidebar(env):
    at = _app("dormant")
    at.radio(key="w_lang").set_value("zh").run()
    assert at.title[0].value == "睡眠客户"
    assert "客户号" in at.dataframe[0].value.columns


def test_phones_are_masked_on_screen(env):
    at = _app("dormant")
    phones = at.dataframe[0].value["Phone"]
    assert phones.str.fullmatch(r"\d{3}\*{4}\d{4}").all()


def test_threshold_band_slider_changes_the_list(env, rules):
    def threshold_list(s, **kw):  # as the page shows it: contacts applied
        return call_list("threshold", s, scope=Scope(), **kw)

    at = _app("threshold")
    at.slider(key="threshold_band").set_value(2).run()
    expected = _query(env, threshold_list, rules=rules, band=0.02)
    default = _query(env, threshold_list, rules=rules)
    assert 0 < len(expected) < len(default)
    assert f"{len(expected):,} customers" in [c.value for c in at.caption]
    assert list(at.dataframe[0].value["Customer ID"]) == list(expected["customer_id"])


def test_page_opened_directly_is_guarded(env):
    """A page file run as the entry point (what Streamlit's folder discovery does) still goes through
    the store check and the navigation."""
    at = AppTest.from_file(str(ROOT / "pages" / "dormant.py"), default_timeout=120)
    at.session_state["viewer"] = ADMIN
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("Today ·")  # the navigation took over


def test_filter_matching_nobody_shows_friendly_empty_state(example_db, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", example_db)
    at = _app("honeymoon", as_of="2026-02-15")  # nobody of the example opened in the 100 days before
    assert [i.value for i in at.info] == ["Nobody matches these filters.", "Nobody matches these filters."]
    assert not at.dataframe


# --- stores that cannot be used ---------------------------------------------------------


def _stopped_with(at: AppTest, *texts: str) -> None:
    assert not at.exception, at.exception
    body = " ".join(e.value for e in at.error) + " " + " ".join(c.value for c in at.code)
    for text in texts:
        assert text in body, body


def test_missing_store_without_demo_generation(tmp_path, monkeypatch):
    """No SQLite file, or an empty PostgreSQL database: no store yet, and none is made."""
    target = fresh_store(tmp_path, "none.db")
    before = residue(target) if not on_sqlite() else []
    monkeypatch.setenv("CUSTDASH_DB", target)
    monkeypatch.setenv("CUSTDASH_DEMO_CUSTOMERS", "0")
    at = AppTest.from_file(APP, default_timeout=60).run()
    _stopped_with(at, "No data store yet.", "python -m seed")
    assert not store_exists(target)
    assert (residue(target) if not on_sqlite() else []) == before


@pytest.mark.sqlite_only("a file that is not a database; test_stores.py has the server that cannot be reached")
def test_corrupt_store(tmp_path, monkeypatch):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("CUSTDASH_DB", str(bad))
    at = AppTest.from_file(APP, default_timeout=60).run()
    _stopped_with(at, "cannot be read", "python -m seed")
    assert bad.read_bytes() == b"this is not a database" * 100


def test_store_of_other_schema_version(tmp_path, monkeypatch, demo_db):
    copy = copy_store(demo_db, tmp_path / "old.db")
    execute(copy, "UPDATE meta SET value='0' WHERE key='schema_version'")
    monkeypatch.setenv("CUSTDASH_DB", str(copy))
    at = AppTest.from_file(APP, default_timeout=60).run()
    _stopped_with(at, f"schema version 0; this custdash needs version {SCHEMA_VERSION}", "python -m custdash import")


def test_empty_store(tmp_path, monkeypatch):
    from custdash.db import create_store

    db = fresh_store(tmp_path, "empty.db")
    create_store(make_engine(db))
    monkeypatch.setenv("CUSTDASH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60).run()
    _stopped_with(at, "The data store is empty.", "python -m seed")


def test_invalid_rules_file(env, tmp_path, monkeypatch):
    bad = tmp_path / "rules.toml"
    bad.write_text(
        (ROOT / "custdash" / "rules.toml").read_text(encoding="utf-8").replace("band = 0.10", "band = -1"),
        encoding="utf-8",
    )
    monkeypatch.setenv("CUSTDASH_RULES", str(bad))
    at = AppTest.from_file(APP, default_timeout=60).run()
    _stopped_with(at, "The rules file is invalid.", "threshold.band: must be >= 0, got -1")


def test_first_start_generates_demo_store(tmp_path, monkeypatch):
    target = str(tmp_path / "fresh" / "custdash.db") if on_sqlite() else fresh_store(tmp_path)
    monkeypatch.setenv("CUSTDASH_DB", target)
    monkeypatch.setenv("CUSTDASH_DEMO_CUSTOMERS", "300")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["viewer"] = ADMIN
    at.run()
    assert not at.exception, at.exception
    assert store_exists(target)
    assert {m.label: m.value for m in at.metric}["Customers"] == "300"


@pytest.mark.once("the demo build's failure is reported by the command itself, whatever the store")
def test_a_first_start_that_cannot_write_the_store_says_why(tmp_path, monkeypatch):
    """The first start runs `python -m seed`: when it cannot write the store, the page shows
    the command's own message (the place hidden before an administrator signs in), no traceback."""
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    target = str(tmp_path / "afile" / "custdash.db")
    monkeypatch.setenv("CUSTDASH_DB", target)
    monkeypatch.setenv("CUSTDASH_DEMO_CUSTOMERS", "300")
    at = AppTest.from_file(APP, default_timeout=120).run()
    _stopped_with(at, "The data store cannot be used.", "cannot write the store at …: File exists")
    assert "Traceback" not in " ".join(e.value for e in at.error)
    assert not store_exists(target)


def test_unassigned_customers_show_an_empty_manager(env, rules):
    at = _app("dormant")
    managers = at.dataframe[0].value["Manager"]
    expected = _query(env, lambda s, **kw: call_list("dormant", s, **kw), rules=rules, scope=Scope())
    assert expected["manager_id"].head(500).isna().any()
    assert not managers.isna().any() and (managers == "").sum() == expected["manager_id"].head(500).isna().sum()


def test_edited_rules_tell_the_admin_to_refresh_the_facts(env, tmp_path, monkeypatch, rules):
    edited = tmp_path / "rules.toml"
    edited.write_text(
        (ROOT / "custdash" / "rules.toml").read_text(encoding="utf-8").replace("band = 0.10", "band = 0.05"),
        encoding="utf-8",
    )
    assert not _app().info  # the facts match the packaged rules: no notice
    monkeypatch.setenv("CUSTDASH_RULES", str(edited))
    at = _app()
    assert any("python -m custdash refresh" in i.value for i in at.info)
    # Figures stay right (computed live under the edited rules).
    from custdash.rules import load_rules

    narrow = load_rules(edited)
    sizes = _query(env, list_sizes, rules=narrow)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Near next tier"] == f"{sizes['threshold']:,}"
    # Heads and managers are not told about the command (they cannot run it).
    head = _app(viewer=Viewer(username="h", role="head", branch_id="B001"))
    assert not head.info


# --- what bank staff read (issue #13) -----------------------------------------------------------


def test_default_language_is_chinese(env, monkeypatch):
    monkeypatch.delenv("CUSTDASH_LANG")
    login = AppTest.from_file(APP, default_timeout=120).run()
    assert [t.value for t in login.title] == ["登录"]
    assert login.radio(key="w_login_lang").value == "zh"
    at = _app()
    assert at.title[0].value == "今日概览 · 全部网点 · 2026-11-22"


def test_login_page_language_switch(env):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert [t.value for t in at.title] == ["Sign in"]
    at.radio(key="w_login_lang").set_value("zh").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["登录"] and at.query_params["lang"] == "zh"
    assert [b.label for b in at.button] == ["登录"]


def _metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def test_overview_names_scope_date_and_aum_change(env, rules):
    from custdash.calendar import month_before

    head = Viewer(username="head", role="head", branch_id="B001")
    at = _app(viewer=head, as_of="2026-10-31")
    [(branch_name,)] = fetch(env, "SELECT branch_name FROM branch WHERE branch_id='B001'")
    # Issue #33: looking back the title said "Today"; it is that day's overview.
    assert at.title[0].value == f"Overview · B001 {branch_name} · 2026-10-31"
    assert "Call lists on 2026-10-31" in [h.value for h in at.subheader]
    as_of = date(2026, 10, 31)
    now = _query(env, tier_distribution, rules=rules, scope=Scope(branch_id="B001"), as_of=as_of)["aum"].sum()
    before = _query(env, tier_distribution, rules=rules, scope=Scope(branch_id="B001"), as_of=month_before(as_of))[
        "aum"
    ].sum()
    aum = _metric(at, "Total AUM")
    assert aum.value == money(float(now), "en")
    assert aum.delta == ("+" if now >= before else "-") + money(abs(float(now - before)), "en")


@pytest.mark.parametrize(("setting", "fall"), [(None, "GREEN"), ("red", "GREEN"), ("green", "RED")])
def test_rises_and_falls_follow_the_colour_setting(env, monkeypatch, setting, fall):
    """Chinese market convention by default: a rise is red, a fall green; CUSTDASH_UP_COLOR=green flips it.
    No change reads "0" with no arrow, never "↑ +0"."""
    from streamlit.proto.Metric_pb2 import Metric

    if setting:
        monkeypatch.setenv("CUSTDASH_UP_COLOR", setting)
    at = _app()
    seen = {}
    for m in at.metric:
        if not m.proto.delta:
            continue
        direction = Metric.MetricDirection.Name(m.proto.direction)
        color = Metric.MetricColor.Name(m.proto.color)
        if m.proto.delta == "0":
            assert (direction, color) == ("NONE", "GRAY"), m.label
        seen[direction] = color
        assert not m.proto.delta.startswith("+0")
    rise = {"GREEN": "RED", "RED": "GREEN"}[fall]
    assert {d: c for d, c in seen.items() if d != "NONE"} == {
        d: c for d, c in {"DOWN": fall, "UP": rise}.items() if d in seen
    }
    assert "DOWN" in seen or "UP" in seen


def test_threshold_list_shows_exact_amounts(example_db, monkeypatch):
    monkeypatch.setenv("CUSTDASH_DB", example_db)
    at = _app("threshold", lang="zh")
    shown = at.dataframe[0].value
    row = shown.set_index("客户号").loc["C01"]
    # In 万 like every figure (issue #33), cut and never rounded across the threshold; the gap to the fen.
    assert (row["月日均资产"], row["目标等级门槛"], row["差额"], row["差额比例"]) == (
        "4.99万",
        "5.00万",
        "0.01元",
        "0.00%",
    )
    assert at.slider(key="threshold_band").value == 10  # in percent


def test_first_start_progress_moves_with_the_work(tmp_path):
    """The demo build reports many steps between 0 and 1, in order, ending at 1."""
    from seed import DemoSpec, build_demo_store

    seen: list[float] = []
    build_demo_store(
        fresh_store(tmp_path, "p.db"),
        DemoSpec(customers=20_000, seed=3, as_of=date(2026, 11, 22)),
        progress=lambda done, total: seen.append(done / total),
    )
    assert len(seen) >= 10 and seen == sorted(seen) and seen[-1] == 1.0
    assert all(0 < s <= 1 for s in seen) and seen[0] < 0.2 and max(b - a for a, b in zip(seen, seen[1:])) <= 0.25


@pytest.fixture()
def spinners(monkeypatch):
    """st.spinner recorded: every text shown (`shown`) and, for each view the page works out,
    its name and the spinner it ran inside (`calls`, None outside any)."""
    import contextlib
    import types

    import streamlit as st

    rec = types.SimpleNamespace(shown=[], calls=[], open=[])

    @contextlib.contextmanager
    def spinner(text: str = "", **_kw: object):
        rec.shown.append(text)
        rec.open.append(text)
        try:
            yield
        finally:
            rec.open.pop()

    def watched(name, fn):
        def run(*args, **kwargs):
            rec.calls.append((name, rec.open[-1] if rec.open else None))
            return fn(*args, **kwargs)

        return run

    monkeypatch.setattr(st, "spinner", spinner)
    for name, fn in list(views.VIEWS.items()):
        monkeypatch.setitem(views.VIEWS, name, watched(name, fn))
    st.cache_data.clear()  # a cached answer would run no view
    return rec


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_is_worked_out_under_a_progress_message(env, monkeypatch, spinners, lang):
    """Away from the extract date a view can take seconds: every view a page reads runs inside
    a spinner that names the date (Streamlit shows it only after half a second)."""
    monkeypatch.setenv("CUSTDASH_LANG", lang)
    _app(as_of="2026-10-31")
    shown = spinners.shown
    expected = {
        "en": "Working out the figures as of 2026-10-31 from the data …",
        "zh": "正在根据数据计算 2026-10-31 的数字……",
    }[lang]
    # The overview reads tiers and list sizes (as worked) at the date, and the same a month earlier.
    assert shown.count(expected) == 2
    assert sum("2026-09-30" in text for text in shown) == 2


def test_opening_a_customer_is_audited_once_and_outside_the_scope_finds_nobody(demo_db, tmp_path, monkeypatch):
    import json

    from sqlalchemy import select
    from sqlmodel import Session

    from custdash.auth import audit_events
    from custdash.db import make_engine
    from custdash.models import Customer
    from tests.conftest import copy_store

    db = copy_store(demo_db, tmp_path / "demo.db")
    monkeypatch.setenv("CUSTDASH_DB", str(db))
    monkeypatch.setenv("CUSTDASH_LANG", "en")
    manager = Viewer(username="manager", role="manager", branch_id="B001", manager_id="M0001")
    at = _app("customer", viewer=manager)
    engine = make_engine(str(db))
    with Session(engine) as s:
        mine = s.execute(select(Customer.customer_id).where(Customer.manager_id == "M0001").limit(1)).scalar_one()
        other = s.execute(select(Customer.customer_id).where(Customer.manager_id != "M0001").limit(1)).scalar_one()
    at.text_input(key="customer_query_en").set_value(mine).run()
    assert not at.exception and at.subheader[0].value.startswith(mine)
    at.run()  # a rerun of the same customer: no second record
    at.text_input(key="customer_query_en").set_value(other).run()
    assert not at.exception and not at.subheader  # another manager's customer: not found
    assert "No customer matches in your scope." in [i.value for i in at.info]
    with Session(engine) as s:
        events = audit_events(s, Viewer("root", "admin"))
    engine.dispose()
    opened = events[events["event"] == "customer_view"]
    assert [(r.username, json.loads(r.filters)["customer"]) for r in opened.itertuples()] == [("manager", mine)]


@pytest.mark.parametrize("page", ["dormant", "honeymoon", "churn"])
def test_a_list_page_away_from_the_extract_date_works_inside_its_progress_message(env, spinners, page):
    """Issue #17: a page that takes longer than a second shows progress. Each view a list page
    reads (its list, count and charts) runs inside the spinner naming the date."""
    from custdash.i18n import t

    day = date(2026, 9, 17)  # neither the extract date nor a month-end: computed live
    at = _app(as_of=day.isoformat())
    spinners.calls.clear()  # the overview's, where the session starts
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception and at.date_input(key="w_as_of").value == day
    working = t("common.working", "en", date=day.isoformat())
    names = {name for name, _ in spinners.calls}
    assert len(names) >= 2, names  # the list and at least one chart or count
    assert [(name, where) for name, where in spinners.calls if where != working] == []
