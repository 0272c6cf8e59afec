"""Streamlit glue, in one place: engine and caches, the page guard, sidebar filters
kept in the URL, localised tables and downloads. Pages call `page()` first and then
only read widgets, call `data()` and render.
"""

from __future__ import annotations

import functools
import html
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, select
from sqlmodel import Session

from custdash import config, facts
from custdash.auth import (
    AuthError,
    ScopeDenied,
    Viewer,
    authenticate,
    demo_accounts,
    end_session,
    record,
    resume_session,
    scope_for,
    session_end_reason,
    start_session,
)
from custdash.calendar import as_of_window, basis_month
from custdash.db import (
    StoreError,
    StoreInfo,
    check_store,
    error_cause,
    held_a_store,
    make_engine,
    store_exists,
)
from custdash.delivery import FORMATS, ListRequest, deliver_list
from custdash.export import export_filename, mask_frame, with_due_aim
from custdash.i18n import (
    BOOL_COLS,
    LANG_NAMES,
    LANGS,
    MONEY_COLS,
    PCT_COLS,
    TIER_COLS,
    column_headers,
    is_wave_col,
    money,
    money_exact,
    percent,
    t,
    tier_label,
)
from custdash.lists import LISTS, call_list, list_total
from custdash.models import Branch, Manager
from custdash.queries import alliance, dormant, honeymoon, threshold, tiers
from custdash.queries.summary import list_sizes
from custdash.rules import Rules, RulesError, load_rules
from custdash.scope import Scope

log = logging.getLogger("custdash.ui")
ROOT = Path(__file__).resolve().parents[1]
# No page icons: the browser shows a page's icon as the tab's favicon, and a :material/…:
# icon's favicon is fetched from a public font host (emoji need a font many bank desktops
# lack). The favicon is custdash's own (FAVICON), served by the dashboard itself.
PAGES = [
    ("overview", "pages/overview.py"),
    ("tiers", "pages/tiers.py"),
    ("threshold", "pages/threshold.py"),
    ("dormant", "pages/dormant.py"),
    ("alliance", "pages/alliance.py"),
    ("honeymoon", "pages/honeymoon.py"),
    ("audit", "pages/audit.py"),
]
SCREEN_ROWS = 500
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
    "dormant_by_tier": dormant.dormant_by_peak_tier,
    "dormant_by_months": dormant.dormant_by_months,
    **{f"list:{name}": functools.partial(call_list, name) for name in LISTS},
    **{f"count:{name}": functools.partial(list_total, name) for name in LISTS},
}


def _tie_downloads_to_their_session() -> None:
    """Serve a deferred download only to the Streamlit session that drew its button.

    Streamlit 1.67 runs a deferred download for whichever session sends its file id (its
    handler ignores the asking session), so an id seen in one browser could be fetched from
    another. This wraps the handler to compare the two; it fails closed if Streamlit's
    internals change shape (downloads are then refused, never served to the wrong session)."""
    from streamlit.runtime import backend_operation_handler as ops

    handler = ops.DeferredFileHandler
    if getattr(handler.handle, "custdash_tied", False):
        return
    original = handler.handle

    async def handle(self, request, session_id):
        file_id = request.deferred_file.file_id
        try:
            owner = self._get_media_file_mgr()._deferred_callables[file_id]["session_id"]
        except (AttributeError, KeyError, TypeError):
            owner = None
        if owner is None or owner != session_id:
            log.warning("download %s refused: asked for by another session", file_id[:8])
            return ops.BackendOperationResponse(
                request_id=request.request_id, error_msg="Failed to generate file for download"
            )
        return await original(self, request, session_id)

    handle.custdash_tied = True  # type: ignore[attr-defined]
    handler.handle = handle


_tie_downloads_to_their_session()


# --- resources -------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _engine(target: str) -> Engine:
    return make_engine(target)


@st.cache_resource(show_spinner=False)
def _writer(target: str) -> Engine:
    """For the few writes (logins, audit): transactions that take the write lock up front."""
    return make_engine(target, writer=True)


@st.cache_resource(show_spinner=False)
def _generation_lock() -> threading.Lock:
    return threading.Lock()


@st.cache_resource(show_spinner=False, max_entries=8)
def _rules(path: str, mtime: float) -> Rules:
    return load_rules(path or None)


def engine(view: View) -> Engine:
    return _engine(view.target)


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
    viewer: Viewer

    @property
    def scope(self) -> Scope:
        """The filters, checked against what the viewer may see (raises ScopeDenied)."""
        return scope_for(self.viewer, self.branch_id, self.manager_id)

    def t(self, key: str, **kw: object) -> str:
        return t(key, self.lang, **kw)

    def money(self, value: float | None) -> str:
        return money(value, self.lang)

    def tier(self, code: str) -> str:
        return tier_label(code, self.rules, self.lang)


def current_lang() -> str:
    """The filters' language once signed in; before that the URL's (the login page's switch
    writes it there), else the configured default."""
    f = st.session_state.get("filters")
    if f:
        return f["lang"]
    lang = st.query_params.get("lang")
    return lang if lang in LANGS else config.default_lang()


_nav = threading.local()


def run_app() -> None:
    """app.py's body: navigation over the pages, then the chosen page."""
    lang = current_lang()
    viewer: Viewer | None = st.session_state.get("viewer")
    # The audit trail is for heads (their branch) and admins: a manager's navigation lacks it
    # (and the page itself refuses a manager who opens it by URL).
    shown = [(n, p) for n, p in PAGES if not (n == "audit" and viewer is not None and viewer.role == "manager")]
    pages = [
        st.Page(str(ROOT / path), title=t(f"page.{name}", lang), url_path=name, default=(i == 0))
        for i, (name, path) in enumerate(shown)
    ]
    _nav.active = True
    _nav.pages = {name: p for (name, _path), p in zip(shown, pages)}
    try:
        st.navigation(pages).run()
    except Exception as e:  # the last line of defence: no traceback reaches a browser
        _incident(e, lang)
    finally:
        _nav.active = False


def _incident(error: Exception, lang: str) -> None:
    """Log the whole error server-side under a short incident id; show the user one translated
    message with that id (and what to do when the cause is known: a full disk, a damaged store)."""
    incident = uuid.uuid4().hex[:8]
    log.error("incident %s: %s", incident, type(error).__name__, exc_info=error)
    cause = error_cause(error)
    st.error(t(f"error.{cause}", lang, incident=incident), icon=":material/error:")


def page_link(name: str, view: View, label: str) -> None:
    """A link to another page that keeps the current filters."""
    st.page_link(_nav.pages[name], label=label, icon=":material/arrow_forward:", query_params=url_params(view))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """Text for a Streamlit element that renders markdown (warning, caption, markdown), shown
    exactly as written: a link, image, HTML tag or formula in a URL parameter, a file name or
    a rules text stays inert characters."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


FAVICON = str(Path(__file__).resolve().parent / "assets" / "favicon.png")


def page(name: str, *, title: Callable[[View], str] | None = None) -> View:
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
    # A local favicon: a :material/…: icon would make every browser fetch it from a public font host.
    st.set_page_config(page_title=f"{t(f'page.{name}', lang)} · custdash", page_icon=FAVICON, layout="wide")
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
    viewer = _signed_in(target, info, lang, name)
    view = _sidebar(target, info, rules, viewer)
    st.title(title(view) if title else view.t(f"page.{name}"))
    if viewer.role == "admin" and info.meta.get(facts.RULES_KEY) != rules.fingerprint:
        st.info(view.t("facts.stale"), icon=":material/speed:")
    for notice in st.session_state.get("notices", []):
        st.warning(plain(notice), icon=":material/link_off:")
    return view


COOKIE = "custdash_session"


def _idle_minutes() -> float:
    return float(config.setting("CUSTDASH_IDLE_MINUTES") or 30)


def _cookie() -> str | None:
    """The session id the browser sent in its HttpOnly cookie (set by custdash.server)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser request behind this run (AppTest, a bare run)
        return None
    return value if isinstance(value, str) else None


def served_with_routes() -> bool:
    """Is this dashboard served by custdash.server (the sign-in route that sets the cookie)?"""
    return os.environ.get("CUSTDASH_ASGI") == "1"


def _signed_in(target: str, info: StoreInfo, lang: str, page_name: str) -> Viewer:
    """The signed-in viewer, or the login form (and nothing else) for everyone else.

    A signed-in browser holds a random session id: in an HttpOnly cookie when served by
    custdash.server (so a reload or a second tab stays signed in), else in this Streamlit
    session only. Each run checks it against the store (not ended, not idle, the user still
    enabled), so a sign-out or an expiry counts everywhere at once."""
    token = st.session_state.get("token") or _cookie()
    if token is not None:
        with Session(_writer(target)) as s:
            viewer = resume_session(s, token, idle_minutes=_idle_minutes())
            reason = session_end_reason(s, token) if viewer is None else None
        if viewer is not None:
            if st.session_state.get("viewer") != viewer:
                st.session_state.pop("filters_for", None)  # read the URL again for this viewer
            st.session_state.update(viewer=viewer, token=token)
            return viewer
        _forget(expired=reason == "expired")
    else:
        viewer = st.session_state.get("viewer")  # put there by server-side code (tests): idle as before
        now = time.monotonic()
        if viewer is not None and now - st.session_state.get("last_seen", now) > _idle_minutes() * 60:
            with Session(_writer(target)) as s:
                record(s, username=viewer.username, event="session_expired", branch_id=viewer.branch_id)
                s.commit()
            _forget(expired=True)
            viewer = None
        if viewer is not None:
            st.session_state["last_seen"] = now
            return viewer
    _login_page(target, info, lang, page_name)
    st.stop()
    raise AssertionError("unreachable")


def _login_page(target: str, info: StoreInfo, lang: str, page_name: str) -> None:
    st.title(t("login.title", lang))
    st.radio(
        t("filter.language", lang),
        LANGS,
        index=LANGS.index(lang),
        format_func=LANG_NAMES.get,
        key="w_login_lang",
        horizontal=True,
        on_change=_login_lang,
    )
    if st.session_state.pop("expired", False):
        st.info(t("login.expired", lang), icon=":material/timer_off:")
    if st.query_params.get("signin") == "failed":
        st.error(t("login.failed", lang), icon=":material/lock:")
    if served_with_routes():
        # After signing in, the same page with the same filters (the URL a colleague shared).
        path = "/" if page_name == "overview" else f"/{page_name}"
        kept = {k: v[:200] for k, v in st.query_params.items() if k in ("branch", "manager", "as_of")}
        _login_form_html(lang, path + ("?" + urlencode(kept) if kept else ""))
    else:
        _login_form_streamlit(target, lang)
    if info.source == "demo":
        demo = _demo_users(target, lang)
        if not demo.empty:
            st.caption(t("login.demo", lang))
            st.table(demo)


def _login_form_streamlit(target: str, lang: str) -> None:
    """Without custdash.server's routes (a bare `streamlit run app.py`, AppTest): a Streamlit
    form, the session id kept in this Streamlit session only."""
    with st.form("login"):
        username = st.text_input(t("login.username", lang), key="login_user")
        password = st.text_input(t("login.password", lang), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit", lang), type="primary")
    if submitted:
        try:
            with Session(_writer(target)) as s:
                viewer = authenticate(s, username.strip(), password, client=_client_address())
                token = start_session(s, viewer)
        except AuthError:
            st.error(t("login.failed", lang), icon=":material/lock:")
        else:
            st.session_state.update(viewer=viewer, token=token)
            st.session_state.pop("filters_for", None)
            st.rerun()


def _login_form_html(lang: str, next_path: str) -> None:
    """A plain HTML form posting to custdash.server's /auth/login, which checks the password
    and answers with the HttpOnly session cookie (a Streamlit script cannot set one). Field
    names avoid document properties ("lang"), which Streamlit's HTML sanitiser strips."""
    st.html(
        f"""<form method="post" action="/auth/login" class="custdash-login">
  <input type="hidden" name="language" value="{html.escape(lang)}">
  <input type="hidden" name="next" value="{html.escape(next_path)}">
  <label>{html.escape(t("login.username", lang))}<br>
    <input type="text" name="username" autocomplete="username" required maxlength="64"></label><br>
  <label>{html.escape(t("login.password", lang))}<br>
    <input type="password" name="password" autocomplete="current-password" required maxlength="1024"></label><br>
  <button type="submit">{html.escape(t("login.submit", lang))}</button>
</form>
<style>
.custdash-login {{ max-width: 22rem; display: flex; flex-direction: column; gap: .6rem; }}
.custdash-login input {{ width: 100%; padding: .45rem .6rem; border: 1px solid #c9d1d9; border-radius: .4rem; }}
.custdash-login button {{ padding: .5rem 1rem; background: #b8322a; color: #fff; border: 0; border-radius: .4rem; }}
</style>"""
    )


def _client_address() -> str | None:
    """The browser's address as the server saw it (None when unknown, e.g. on localhost)."""
    ip = st.context.ip_address
    return ip if isinstance(ip, str) else None


def _login_lang() -> None:
    lang = st.session_state.get("w_login_lang")
    if lang in LANGS:
        st.query_params["lang"] = lang


def _demo_users(target: str, lang: str) -> pd.DataFrame:
    """The demo accounts this demo store has (a real user of the same name is never listed)."""
    with Session(_engine(target)) as s:
        accounts = demo_accounts(s)
    rows = [(u, p, t(f"role.{r}", lang), t(f"login.demo_scope_{r}", lang)) for u, p, r in accounts]
    cols = [t(k, lang) for k in ("login.username", "login.password", "login.role", "login.scope")]
    return pd.DataFrame(rows, columns=cols)


def _sign_out(target: str) -> None:
    """The sidebar's Sign out: the session id stops working (here, in other tabs, after a
    reload), audited; the cookie, now worthless, is replaced at the next sign-in."""
    token = st.session_state.get("token")
    viewer = st.session_state.get("viewer")
    with Session(_writer(target)) as s:
        if token is not None:
            end_session(s, token)
        elif viewer is not None:
            record(s, username=viewer.username, event="logout", branch_id=viewer.branch_id)
            s.commit()
    _forget(expired=False)


def _forget(*, expired: bool) -> None:
    for key in ("viewer", "token", "filters", "filters_for", "notices", "last_seen"):
        st.session_state.pop(key, None)
    st.session_state["expired"] = expired


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
    if held_a_store(target):
        # Users and audit of a store that lived here remain: the store was moved or lost. Never
        # build demo data (and publish demo passwords) in its place.
        _stop(t("store.gone", lang), target, t("store.gone_fix", lang))
    from seed import DemoSpec, build_demo_store

    with _generation_lock():
        if not store_exists(target):  # another session may have built it meanwhile
            bar = st.progress(0.0, text=t("store.generating", lang, n=n))

            def progress(done: int, total: int) -> None:
                share = min(done / total, 1.0)
                bar.progress(share, text=f"{t('store.generating', lang, n=n)} {share:.0%}")

            build_demo_store(target, DemoSpec(customers=n, as_of=date.today()), rules=rules, progress=progress)
            bar.empty()
    _engine.clear()
    _writer.clear()


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


def _read_url(
    info: StoreInfo, branches: dict[str, str], managers: dict[str, tuple[str, str]], viewer: Viewer
) -> dict[str, Any]:
    """Filters from the URL, each checked against the store and the viewer's scope; a bad or
    forbidden value falls back to the viewer's default with a notice."""
    qp = st.query_params
    lang = config.default_lang()
    own = viewer.scope
    f: dict[str, Any] = {"lang": lang, "branch": own.branch_id, "manager": own.manager_id, "as_of": info.as_of}
    bad: list[tuple[str, str]] = []
    raw_lang = qp.get("lang")
    if raw_lang is not None:
        if raw_lang in LANGS:
            f["lang"] = raw_lang
        else:
            bad.append(("lang", raw_lang))
    raw = qp.get("branch")
    if raw is not None and raw != own.branch_id:
        if _ID.match(raw) and raw in branches and own.branch_id is None:
            f["branch"] = raw
        else:
            bad.append(("branch", raw))
    raw = qp.get("manager")
    if raw is not None and raw != own.manager_id:
        allowed = own.manager_id is None and (own.branch_id is None or managers.get(raw, ("",))[0] == own.branch_id)
        if _ID.match(raw) and raw in managers and allowed and (f["branch"] in (None, managers[raw][0])):
            f["manager"] = raw
            f["branch"] = managers[raw][0]
        else:
            bad.append(("manager", raw))

    def forbidden(k: str, v: str) -> bool:  # exists, but outside the viewer's own scope
        if k == "branch":
            return v in branches and own.branch_id is not None
        if k == "manager":
            return v in managers and (own.manager_id is not None or own.branch_id not in (None, managers[v][0]))
        return False

    notices = [
        t("notice.forbidden" if forbidden(k, v) else "notice.bad_param", f["lang"], param=k, value=v[:40])
        for k, v in bad
    ]
    raw = qp.get("as_of")
    if raw is not None:
        lo, _hi = as_of_window(info.as_of)
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
    """A sidebar widget's callback: copy its value into the filters.

    Widgets whose labels depend on the language carry the language in their key, so a
    language switch makes new widgets instead of asking the browser's copy (which still
    holds the old language's label) for a value it no longer has."""
    f = st.session_state.get("filters")
    if f is None or widget_key not in st.session_state:
        return  # signed out (or the filters were reset) between the click and its callback
    value = st.session_state[widget_key]
    if name == "lang" and value not in LANGS:
        return
    f[name] = value or None if name in ("branch", "manager") else value
    if name == "branch":
        f["manager"] = None
    st.session_state["notices"] = []


def _sidebar(target: str, info: StoreInfo, rules: Rules, viewer: Viewer) -> View:
    branches, managers = _options(target, info.data_version)
    own = viewer.scope
    if st.session_state.get("filters_for") != info.data_version:
        st.session_state["filters"] = _read_url(info, branches, managers, viewer)
        st.session_state["filters_for"] = info.data_version
    if own.branch_id is not None:
        branches = {b: n for b, n in branches.items() if b == own.branch_id}
        managers = {m: v for m, v in managers.items() if v[0] == own.branch_id}
    if own.manager_id is not None:
        managers = {m: v for m, v in managers.items() if m == own.manager_id}
    f = st.session_state["filters"]
    lo, _hi = as_of_window(info.as_of)
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
        b_opts = ["", *branches] if own.branch_id is None else [own.branch_id]
        st.selectbox(
            t("filter.branch", lang),
            b_opts,
            index=b_opts.index(f["branch"] or ""),
            format_func=lambda b: f"{b} {branches[b]}" if b else t("filter.all_branches", lang),
            key=f"w_branch_{lang}",
            on_change=_changed,
            args=("branch", f"w_branch_{lang}"),
        )
        m_opts = ["", *[m for m, (b, _n) in managers.items() if f["branch"] in (None, b)]]
        if own.manager_id is not None:
            m_opts = [own.manager_id]
        m_key = f"w_manager_{f['branch'] or 'all'}_{lang}"
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
        st.divider()
        st.caption(t("login.signed_in", lang, user=viewer.username, role=t(f"role.{viewer.role}", lang)))
        if st.button(t("login.logout", lang), icon=":material/logout:", key="logout"):
            _sign_out(target)
            st.rerun()
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
        viewer=viewer,
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
    scope: Scope,
    extra: tuple[tuple[str, Any], ...],
) -> Any:
    # data_version changes with every import, so a new extract never meets old cache entries.
    with Session(_engine(target)) as s:
        return VIEWS[name](s, as_of=as_of, rules=rules_now(), scope=scope, **dict(extra))


def data(view: View, name: str, **extra: Any) -> Any:
    """One view's data under the page's filters, inside the viewer's scope (cached per store
    version, filters and scope). A scope the viewer may not see stops the page."""
    try:
        scope = view.scope
    except ScopeDenied:
        st.warning(view.t("login.denied"), icon=":material/block:")
        st.stop()
    return _cached(
        name, view.target, view.data_version, view.rules.fingerprint, view.as_of, scope, tuple(sorted(extra.items()))
    )


# --- tables and downloads -------------------------------------------------------------


def localise(df: pd.DataFrame, view: View, *, exact: bool = False) -> pd.DataFrame:
    """For the screen: phones masked, codes named, numbers formatted, headers translated.
    `exact`: amounts to the fen (a customer's row), not compact (a total)."""
    out = with_due_aim(mask_frame(df), rules=view.rules, lang=view.lang)
    fmt_money = (lambda v: money_exact(v, view.lang)) if exact else view.money
    for col in out.columns:
        if col in TIER_COLS:
            out[col] = [view.tier(c) if isinstance(c, str) else "" for c in out[col]]
        elif col in BOOL_COLS:
            out[col] = [view.t("val.yes") if v else view.t("val.no") for v in out[col]]
        elif is_wave_col(col):
            out[col] = [view.t(f"status.{v}") for v in out[col]]
        elif col == "last_activity":
            out[col] = [v.isoformat() if v is not None and not pd.isna(v) else view.t("val.never") for v in out[col]]
        elif col in MONEY_COLS:
            out[col] = [fmt_money(v) for v in out[col]]
        elif col in PCT_COLS:
            out[col] = [percent(v, 2) for v in out[col]]
        elif pd.api.types.is_integer_dtype(out[col]):
            out[col] = [f"{v:,}" for v in out[col]]
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in out[col]]
    return out.rename(columns=column_headers(list(out.columns), view.rules, view.lang))


class DownloadRefused(PermissionError):
    """The session behind a download button ended (sign-out, idle expiry) before the click."""


def export_file(view: View, list_name: str, fmt: str, extra: dict[str, Any], token: str | None = None) -> bytes:
    """The file for one call list under the view's filters, in the screen's language, audited.

    Runs when the user clicks a download button (Streamlit's deferred download), outside
    the page script: the audit records real downloads, and no page rerun happens. The viewer
    is checked then, from the session id (`token`): a button left on screen after the session
    ended delivers nothing, and the file follows the user's rights at that moment."""
    viewer = view.viewer
    if token is not None:
        with Session(_writer(view.target)) as s:
            current = resume_session(s, token, idle_minutes=_idle_minutes(), touch=False)
            if current is None:
                record(s, username=view.viewer.username, event="export_refused", list_name=list_name)
                s.commit()
                raise DownloadRefused(f"the session behind this {list_name} download has ended")
        viewer = current
        view = View(**{**view.__dict__, "viewer": viewer})
    request = ListRequest(
        name=list_name,
        fmt=fmt,
        as_of=view.as_of,
        branch_id=view.branch_id,
        manager_id=view.manager_id,
        lang=view.lang,
        extra=dict(extra),
    )
    with Session(_engine(view.target)) as read, Session(_writer(view.target)) as audit:
        return deliver_list(read, audit, viewer=view.viewer, rules=view.rules, request=request).data


def show_list(view: View, list_name: str, **extra: Any) -> None:
    """A call list: its first rows on screen, complete in the CSV and Excel downloads (the
    whole list is read only when a download is clicked)."""
    total = data(view, f"count:{list_name}", **extra)
    if not total:
        st.info(view.t("common.empty"), icon=":material/person_off:")
        return
    st.caption(view.t("common.rows", n=total))
    shown = data(view, f"list:{list_name}", limit=SCREEN_ROWS, **extra)
    st.dataframe(localise(shown, view, exact=True), hide_index=True, width="stretch")
    if total > SCREEN_ROWS:
        st.caption(view.t("common.showing", shown=SCREEN_ROWS, total=total))
    row = st.container(horizontal=True)
    token = st.session_state.get("token")
    for fmt, label in (("csv", "common.download_csv"), ("xlsx", "common.download_xlsx")):
        row.download_button(
            view.t(label),
            data=lambda fmt=fmt: export_file(view, list_name, fmt, extra, token),
            mime=FORMATS[fmt],
            on_click="ignore",
            file_name=export_filename(
                list_name, as_of=view.as_of, branch_id=view.branch_id, manager_id=view.manager_id, ext=fmt
            ),
            key=f"dl_{list_name}_{fmt}",
            icon=":material/download:",
        )


def scope_name(view: View) -> str:
    """Whose customers the page shows: the manager, the branch, or all branches (named)."""
    branches, managers = _options(view.target, view.data_version)
    if view.manager_id:
        return f"{view.manager_id} {managers.get(view.manager_id, ('', ''))[1]}".strip()
    if view.branch_id:
        return f"{view.branch_id} {branches.get(view.branch_id, '')}".strip()
    return view.t("filter.all_branches")


def delta(change: float, text: str) -> dict[str, Any]:
    """metric() arguments for a change: no arrow and grey for none (never "↑ +0"); otherwise
    the configured convention (red up and green down by default, CUSTDASH_UP_COLOR)."""
    if change == 0:
        return {"delta": text, "delta_color": "off", "delta_arrow": "off"}
    return {"delta": text, "delta_color": "inverse" if config.up_is_red() else "normal"}


def basis(view: View) -> str:
    return basis_month(view.as_of)
