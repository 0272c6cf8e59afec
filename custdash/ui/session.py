"""Who is signed in: the session cookie or this Streamlit session, the login page, sign-out."""

from __future__ import annotations

import html
import os
import time
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from custdash import config
from custdash.auth import (
    AuthError,
    Viewer,
    authenticate,
    demo_accounts,
    end_session,
    record,
    resume_session,
    session_end_reason,
    start_session,
)
from custdash.db import StoreInfo, store_source
from custdash.i18n import LANG_NAMES, LANGS, t
from custdash.models import Branch, Manager, User
from custdash.ui.state import reading, writing

COOKIE = "custdash_session"


def session_idle_minutes() -> float:
    return float(config.setting("CUSTDASH_IDLE_MINUTES") or 30)


def _cookie() -> str | None:
    """The session id the browser sent in its HttpOnly cookie (set by custdash.server)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser request behind this run (AppTest, a bare run)
        return None
    return value if isinstance(value, str) else None


def cookie_role(target: str) -> str | None:
    """The role behind the browser's session cookie, for a new Streamlit session's first run
    (a reload, a link opened in a new tab), before the page checks the viewer: the navigation
    then lists only that role's pages. None when there is no such session or it cannot be read
    (the page's own check then decides, as always)."""
    token = _cookie()
    if token is None:
        return None
    try:
        with writing(target) as s:
            viewer = resume_session(s, token, idle_minutes=session_idle_minutes())
    except Exception:  # no store yet, a damaged one: the page says what is wrong
        return None
    return viewer.role if viewer is not None else None


def served_with_routes() -> bool:
    """Is this dashboard served by custdash.server (the sign-in route that sets the cookie)?"""
    return os.environ.get("CUSTDASH_ASGI") == "1"


def is_signed_in(target: str, info: StoreInfo, lang: str, page_name: str) -> Viewer:
    """The signed-in viewer, or the login form (and nothing else) for everyone else.

    A signed-in browser holds a random session id: in an HttpOnly cookie when served by
    custdash.server (so a reload or a second tab stays signed in), else in this Streamlit
    session only. Each run checks it against the store (not ended, not idle, the user still
    enabled), so a sign-out or an expiry counts everywhere at once."""
    token = st.session_state.get("token") or _cookie()
    if token is not None:
        with writing(target) as s:
            viewer = resume_session(s, token, idle_minutes=session_idle_minutes())
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
        if viewer is not None and now - st.session_state.get("last_seen", now) > session_idle_minutes() * 60:
            with writing(target) as s:
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
        if info.source != "demo":  # the demo passwords a colleague remembers no longer exist
            st.info(t("login.demo_gone", lang), icon=":material/info:")
    elif st.query_params.get("signin") == "unavailable":
        st.error(t("login.unavailable", lang), icon=":material/cloud_off:")
    if served_with_routes():
        # After signing in, the same page with the same filters (the URL a colleague shared).
        path = "/" if page_name == "overview" else f"/{page_name}"
        kept = {k: v[:200] for k, v in st.query_params.items() if k in ("branch", "manager", "as_of", "customer")}
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
            with writing(target) as s:
                viewer = authenticate(s, username.strip(), password, client=_client_address())
                token = start_session(s, viewer)
        except AuthError:
            st.error(t("login.failed", lang), icon=":material/lock:")
            if store_source(target) != "demo":
                st.info(t("login.demo_gone", lang), icon=":material/info:")
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
    with reading(target) as s:
        accounts = demo_accounts(s)
        # Name the head's branch and the manager, not "the first branch".
        where = {}
        for u, _p, _r in accounts:
            user = s.get(User, u)
            if user is not None:
                branch = s.get(Branch, user.branch_id) if user.branch_id else None
                manager = s.get(Manager, user.manager_id) if user.manager_id else None
                where[u] = {
                    "branch": f"{user.branch_id} {branch.branch_name}" if branch else (user.branch_id or ""),
                    "manager": f"{user.manager_id} {manager.manager_name}" if manager else (user.manager_id or ""),
                }
    rows = [
        (u, p, t(f"role.{r}", lang), t(f"login.demo_scope_{r}", lang, **where.get(u, {"branch": "", "manager": ""})))
        for u, p, r in accounts
    ]
    cols = [t(k, lang) for k in ("login.username", "login.password", "login.role", "login.scope")]
    return pd.DataFrame(rows, columns=cols)


def sign_out(target: str) -> None:
    """The sidebar's Sign out: the session id stops working (here, in other tabs, after a
    reload), audited; the cookie, now worthless, is replaced at the next sign-in."""
    token = st.session_state.get("token")
    viewer = st.session_state.get("viewer")
    with writing(target) as s:
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
