"""Streamlit glue, in one place: engine and caches, the page guard, sidebar filters
kept in the URL, localised tables and downloads. Pages call `page()` first and then
only read widgets, call `data()` and render.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, select
from sqlmodel import Session

from custdash import config
from custdash.db import StoreError, StoreInfo, check_store, make_engine, store_exists
from custdash.export import export_filename, mask_frame, to_csv_bytes, to_xlsx_bytes
from custdash.i18n import LANG_NAMES, LANGS, money, percent, t, tier_label
from custdash.lists import LISTS
from custdash.models import Branch, Manager
from custdash.queries import alliance, honeymoon, threshold, tiers
from custdash.queries.common import Scope, basis_month
from custdash.queries.summary import list_sizes
from custdash.rules import Rules, RulesError, load_rules

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    ("overview", "pages/overview.py", ":material/today:"),
    ("tiers", "pages/tiers.py", ":material/stacked_bar_chart:"),
    ("threshold", "pages/threshold.py", ":material/trending_up:"),
    ("dormant", "pages/dormant.py", ":material/bedtime:"),
    ("alliance", "pages/alliance.py", ":material/movie:"),
    ("honeymoon", "pages/honeymoon.py", ":material/favorite:"),
]
SCREEN_ROWS = 500
AS_OF_WINDOW_DAYS = 730  # how far before the extract date the as-of picker reaches
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

# Every view the pages show: name -> query function (session, *, as_of, rules, scope, **extra).
VIEWS: dict[str, Callable[..., Any]] = {
    "tiers": tiers.tier_distribution,
    "migration": tiers.tier_migration,
    "threshold_bands": threshold.threshold_bands,
    "alliance_by_tier": alliance.alliance_by_tier,
    "alliance_heatmap": alliance.alliance_heatmap,
    "alliance_segments": alliance.alliance_segments,
    "alliance_channel": alliance.alliance_channel_aum,
    "honeymoon_grid": honeymoon.wave_status,
    "honeymoon_counts": honeymoon.honeymoon_counts,
    "cohorts": honeymoon.cohorts,
    "list_sizes": list_sizes,
    **{f"list:{name}": fn for name, fn in LISTS.items()},
}


# --- resources -------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _engine(target: str) -> Engine:
    return make_engine(target)


@st.cache_resource(show_spinner=False)
def _generation_lock() -> threading.Lock:
    return threading.Lock()


@st.cache_resource(show_spinner=False, max_entries=8)
def _rules(path: str, mtime: float) -> Rules:
    return load_rules(path or None)


def rules_now() -> Rules:
    path = config.setting("CUSTDASH_RULES")
    p = Path(path) if path else None
    mtime = p.stat().st_mtime if p is not None and p.exists() else 0.0
    return _rules(path, mtime)


# --- the view a page renders -----------------------------------------------------


@dataclass(frozen=True)
class View:
    target: str
    data_version: str
    rules: Rules
    store_as_of: date
    as_of: date
    branch_id: str | None
    manager_id: str | None
    lang: str
    source: str

    @property
    def scope(self) -> Scope:
        return Scope(branch_id=self.branch_id, manager_id=self.manager_id)

    def t(self, key: str, **kw: object) -> str:
        return t(key, self.lang, **kw)

    def money(self, value: float | None) -> str:
        return money(value, self.lang)

    def tier(self, code: str) -> str:
        return tier_label(code, self.rules, self.lang)


def current_lang() -> str:
    f = st.session_state.get("filters")
    if f:
        return f["lang"]
    lang = st.query_params.get("lang") or config.setting("CUSTDASH_LANG")
    return lang if lang in LANGS else "en"


_nav = threading.local()


def run_app() -> None:
    """app.py's body: navigation over the pages, then the chosen page."""
    lang = current_lang()
    pages = [
        st.Page(str(ROOT / path), title=t(f"page.{name}", lang), icon=icon, url_path=name, default=(i == 0))
        for i, (name, path, icon) in enumerate(PAGES)
    ]
    _nav.active = True
    _nav.pages = {name: p for (name, _path, _icon), p in zip(PAGES, pages)}
    try:
        st.navigation(pages).run()
    finally:
        _nav.active = False


def page_link(name: str, view: View, label: str) -> None:
    """A link to another page that keeps the current filters."""
    st.page_link(_nav.pages[name], label=label, icon=":material/arrow_forward:", query_params=url_params(view))


def page(name: str) -> View:
    """Start of every page: configuration, rules, store, filters. Stops the page with a
    clear message when anything is wrong, so no page can render without it.

    Streamlit still discovers pages/ on a fresh server, so a page can be opened by URL
    without app.py running first; such a run becomes app.py here and renders the page
    through the navigation (and its guard), then stops.
    """
    if not getattr(_nav, "active", False):
        run_app()
        st.stop()
    lang = current_lang()
    st.set_page_config(
        page_title=f"{t(f'page.{name}', lang)} · custdash", page_icon=":material/account_balance:", layout="wide"
    )
    try:
        rules = rules_now()
    except RulesError as e:
        _stop(t("rules.error", lang), str(e), "CUSTDASH_RULES=… (or unset it to use the packaged rules)")
    target = config.db_url()
    if not store_exists(target):
        _first_start(target, rules, lang)
    try:
        info = check_store(_engine(target), target)
    except StoreError as e:
        _stop(t("store.error", lang), str(e), e.fix)
    if info.empty:
        _stop(t("store.empty", lang), target, "python -m seed   |   python -m custdash import DIR")
    view = _sidebar(target, info, rules)
    st.title(view.t(f"page.{name}"))
    for notice in st.session_state.get("notices", []):
        st.warning(notice, icon=":material/link_off:")
    return view


def _stop(title: str, detail: str, fix: str) -> None:
    st.error(f"**{title}**\n\n{detail}", icon=":material/error:")
    if fix:
        st.markdown(t("store.fix", current_lang()))
        st.code(fix, language="bash")
    st.stop()


def _first_start(target: str, rules: Rules, lang: str) -> None:
    """No store at the configured place: build the demo store, with progress, once."""
    n = int(config.setting("CUSTDASH_DEMO_CUSTOMERS") or 0)
    if n <= 0:
        _stop(t("store.missing", lang), target, "python -m seed   |   python -m custdash import DIR")
    from seed import DemoSpec, build_demo_store

    with _generation_lock():
        if not store_exists(target):  # another session may have built it meanwhile
            bar = st.progress(0.0, text=t("store.generating", lang, n=n))
            build_demo_store(
                target,
                DemoSpec(customers=n, as_of=date.today()),
                rules=rules,
                progress=lambda done, total: bar.progress(done / total, text=t("store.generating", lang, n=n)),
            )
            bar.empty()
    _engine.clear()


@st.cache_data(show_spinner=False, max_entries=16)
def _options(target: str, data_version: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    with Session(_engine(target)) as s:
        branches = {b: n for b, n in s.execute(select(Branch.branch_id, Branch.branch_name).order_by(Branch.branch_id))}
        managers = {
            m: (b, n)
            for m, b, n in s.execute(
                select(Manager.manager_id, Manager.branch_id, Manager.manager_name).order_by(Manager.manager_id)
            )
        }
    return branches, managers


def _read_url(info: StoreInfo, branches: dict[str, str], managers: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Filters from the URL, each checked; a bad value falls back to its default with a notice."""
    qp = st.query_params
    lang = config.setting("CUSTDASH_LANG") if config.setting("CUSTDASH_LANG") in LANGS else "en"
    f: dict[str, Any] = {"lang": lang, "branch": None, "manager": None, "as_of": info.as_of}
    bad: list[tuple[str, str]] = []
    raw_lang = qp.get("lang")
    if raw_lang is not None:
        if raw_lang in LANGS:
            f["lang"] = raw_lang
        else:
            bad.append(("lang", raw_lang))
    raw = qp.get("branch")
    if raw is not None:
        if _ID.match(raw) and raw in branches:
            f["branch"] = raw
        else:
            bad.append(("branch", raw))
    raw = qp.get("manager")
    if raw is not None:
        if _ID.match(raw) and raw in managers and (f["branch"] is None or managers[raw][0] == f["branch"]):
            f["manager"] = raw
            f["branch"] = managers[raw][0]
        else:
            bad.append(("manager", raw))
    notices = [t("notice.bad_param", f["lang"], param=k, value=v[:40]) for k, v in bad]
    raw = qp.get("as_of")
    if raw is not None:
        lo = info.as_of - timedelta(days=AS_OF_WINDOW_DAYS)
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError
            d = date.fromisoformat(raw)
        except ValueError:
            notices.append(t("notice.bad_param", f["lang"], param="as_of", value=raw[:40]))
        else:
            if lo <= d <= info.as_of:
                f["as_of"] = d
            else:
                notices.append(
                    t("notice.as_of_range", f["lang"], value=raw, lo=lo.isoformat(), hi=info.as_of.isoformat())
                )
    st.session_state["notices"] = notices
    return f


def _changed(name: str, widget_key: str) -> None:
    f = st.session_state["filters"]
    value = st.session_state[widget_key]
    f[name] = value or None if name in ("branch", "manager") else value
    if name == "branch":
        f["manager"] = None
    st.session_state["notices"] = []


def _sidebar(target: str, info: StoreInfo, rules: Rules) -> View:
    branches, managers = _options(target, info.data_version)
    if st.session_state.get("filters_for") != info.data_version:
        st.session_state["filters"] = _read_url(info, branches, managers)
        st.session_state["filters_for"] = info.data_version
    f = st.session_state["filters"]
    lo = info.as_of - timedelta(days=AS_OF_WINDOW_DAYS)
    with st.sidebar:
        st.radio(
            t("filter.language", f["lang"]),
            LANGS,
            index=LANGS.index(f["lang"]),
            format_func=LANG_NAMES.get,
            key="w_lang",
            horizontal=True,
            on_change=_changed,
            args=("lang", "w_lang"),
        )
        lang = f["lang"]
        b_opts = ["", *branches]
        st.selectbox(
            t("filter.branch", lang),
            b_opts,
            index=b_opts.index(f["branch"] or ""),
            format_func=lambda b: f"{b} {branches[b]}" if b else t("filter.all_branches", lang),
            key="w_branch",
            on_change=_changed,
            args=("branch", "w_branch"),
        )
        m_opts = ["", *[m for m, (b, _n) in managers.items() if f["branch"] in (None, b)]]
        m_key = f"w_manager_{f['branch'] or 'all'}"
        st.selectbox(
            t("filter.manager", lang),
            m_opts,
            index=m_opts.index(f["manager"]) if f["manager"] in m_opts else 0,
            format_func=lambda m: f"{m} {managers[m][1]}" if m else t("filter.all_managers", lang),
            key=m_key,
            on_change=_changed,
            args=("manager", m_key),
        )
        st.date_input(
            t("filter.as_of", lang),
            value=f["as_of"],
            min_value=lo,
            max_value=info.as_of,
            key="w_as_of",
            on_change=_changed,
            args=("as_of", "w_as_of"),
            format="YYYY-MM-DD",
        )
        st.caption(
            t(
                "filter.store",
                lang,
                source=t(f"source.{info.source}", lang) if info.source in ("demo", "import") else info.source,
                as_of=info.as_of.isoformat(),
            )
        )
    _write_url(f, info)
    return View(
        target=target,
        data_version=info.data_version,
        rules=rules,
        store_as_of=info.as_of,
        as_of=f["as_of"],
        branch_id=f["branch"],
        manager_id=f["manager"],
        lang=f["lang"],
        source=info.source,
    )


def _write_url(f: dict[str, Any], info: StoreInfo) -> None:
    params = {"lang": f["lang"]}
    if f["branch"]:
        params["branch"] = f["branch"]
    if f["manager"]:
        params["manager"] = f["manager"]
    if f["as_of"] != info.as_of:
        params["as_of"] = f["as_of"].isoformat()
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


def url_params(view: View) -> dict[str, str]:
    """The current filters as query parameters (for links between pages)."""
    params = {"lang": view.lang}
    if view.branch_id:
        params["branch"] = view.branch_id
    if view.manager_id:
        params["manager"] = view.manager_id
    if view.as_of != view.store_as_of:
        params["as_of"] = view.as_of.isoformat()
    return params


# --- data -------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(
    name: str,
    target: str,
    data_version: str,
    rules_fp: str,
    as_of: date,
    branch_id: str | None,
    manager_id: str | None,
    extra: tuple[tuple[str, Any], ...],
) -> Any:
    # data_version changes with every import, so a new extract never meets old cache entries.
    with Session(_engine(target)) as s:
        return VIEWS[name](s, as_of=as_of, rules=rules_now(), scope=Scope(branch_id, manager_id), **dict(extra))


def data(view: View, name: str, **extra: Any) -> Any:
    """One view's data under the page's filters (cached per store version and filters)."""
    return _cached(
        name,
        view.target,
        view.data_version,
        view.rules.fingerprint,
        view.as_of,
        view.branch_id,
        view.manager_id,
        tuple(sorted(extra.items())),
    )


# --- tables and downloads -------------------------------------------------------------

MONEY_COLS = {"aum", "next_bound", "gap", "balance", "peak_aum_12m", "subsidy", "avg_aum"}
TIER_COLS = {"tier", "next_tier"}
BOOL_COLS = {"never_used", "zero_balance", "priority"}
PCT_COLS = {"gap_pct", "utilisation"}


def localise(df: pd.DataFrame, view: View) -> pd.DataFrame:
    """For the screen: phones masked, codes named, numbers formatted, headers translated."""
    out = mask_frame(df)
    out = out.copy()
    for col in out.columns:
        if col in TIER_COLS:
            out[col] = [view.tier(c) if isinstance(c, str) else "" for c in out[col]]
        elif col in BOOL_COLS:
            out[col] = [view.t("val.yes") if v else view.t("val.no") for v in out[col]]
        elif col.startswith("wave_") and col[5:].isdigit():
            out[col] = [view.t(f"status.{v}") for v in out[col]]
        elif col == "last_activity":
            out[col] = [v.isoformat() if v is not None and not pd.isna(v) else view.t("val.never") for v in out[col]]
        elif col == "manager_id":
            out[col] = [v or "" for v in out[col]]
        elif col in MONEY_COLS:
            out[col] = [view.money(v) for v in out[col]]
        elif col in PCT_COLS:
            out[col] = [percent(v) for v in out[col]]
        elif pd.api.types.is_integer_dtype(out[col]):
            out[col] = [f"{v:,}" for v in out[col]]
    return out.rename(columns=headers(view, list(out.columns)))


def headers(view: View, columns: list[str]) -> dict[str, str]:
    names = {}
    for c in columns:
        if c.startswith("wave_") and c[5:].isdigit():
            w = view.rules.honeymoon.waves[int(c[5:]) - 1]
            names[c] = f"{w.wave} {w.name_zh if view.lang == 'zh' else w.name_en}"
        elif f"col.{c}" in _col_keys():
            names[c] = view.t(f"col.{c}")
    return names


def _col_keys() -> set[str]:
    from custdash.i18n import TEXT

    return {k for k in TEXT if k.startswith("col.")}


@st.cache_data(show_spinner=False, max_entries=32)
def _export(
    fmt: str,
    list_name: str,
    target: str,
    data_version: str,
    rules_fp: str,
    as_of: date,
    branch_id: str | None,
    manager_id: str | None,
    lang: str,
    extra: tuple[tuple[str, Any], ...],
) -> bytes:
    view = View(target, data_version, rules_now(), as_of, as_of, branch_id, manager_id, lang, "")
    df = _cached(f"list:{list_name}", target, data_version, rules_fp, as_of, branch_id, manager_id, extra)
    # customer_id stays machine-readable; the rest is localised like the screen.
    raw = mask_frame(df)
    hdr = headers(view, list(raw.columns))
    hdr.pop("customer_id", None)
    return to_csv_bytes(raw, headers=hdr) if fmt == "csv" else to_xlsx_bytes(raw, sheet=list_name, headers=hdr)


def show_list(view: View, list_name: str, df: pd.DataFrame, *, export_as: str | None = None, **extra: Any) -> None:
    """A call list: capped on screen, complete in the CSV and Excel downloads."""
    if df.empty:
        st.info(view.t("common.empty"), icon=":material/person_off:")
        return
    st.caption(view.t("common.rows", n=len(df)))
    shown = df.head(SCREEN_ROWS)
    st.dataframe(localise(shown, view), hide_index=True, width="stretch")
    if len(df) > SCREEN_ROWS:
        st.caption(view.t("common.showing", shown=SCREEN_ROWS, total=len(df)))
    name = export_as or list_name
    key = (
        view.target,
        view.data_version,
        view.rules.fingerprint,
        view.as_of,
        view.branch_id,
        view.manager_id,
        view.lang,
        tuple(sorted(extra.items())),
    )
    row = st.container(horizontal=True)
    for fmt, label, mime in (
        ("csv", "common.download_csv", "text/csv"),
        ("xlsx", "common.download_xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        row.download_button(
            view.t(label),
            data=_export(fmt, list_name, *key),
            mime=mime,
            on_click="ignore",
            file_name=export_filename(
                name, as_of=view.as_of, branch_id=view.branch_id, manager_id=view.manager_id, ext=fmt
            ),
            key=f"dl_{name}_{fmt}",
            icon=":material/download:",
        )


def basis(view: View) -> str:
    return basis_month(view.as_of)
