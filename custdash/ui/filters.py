"""The sidebar's filters (language, branch, manager, as-of date), kept in the URL and
checked against the store and the viewer's scope (custdash.scope.resolve_scope)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import streamlit as st

from custdash import config
from custdash.auth import Viewer
from custdash.calendar import as_of_window
from custdash.db import StoreInfo
from custdash.i18n import LANG_NAMES, LANGS, t
from custdash.rules import Rules
from custdash.scope import Directory, ScopeDenied, UnknownScope, resolve_scope
from custdash.ui.session import sign_out
from custdash.ui.state import View, store_options

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _read_url(
    info: StoreInfo, branches: dict[str, str], managers: dict[str, tuple[str, str]], viewer: Viewer
) -> dict[str, Any]:
    """Filters from the URL, each checked against the store and the viewer's scope; a bad or
    forbidden value falls back to the viewer's default with a notice."""
    qp = st.query_params
    lang = config.default_lang()
    own = viewer.scope
    f: dict[str, Any] = {"lang": lang, "branch": own.branch_id, "manager": own.manager_id, "as_of": info.as_of}
    raw_lang = qp.get("lang")
    if raw_lang is not None and raw_lang in LANGS:
        f["lang"] = raw_lang
    notices: list[str] = []
    if raw_lang is not None and raw_lang not in LANGS:
        notices.append(t("notice.bad_param", f["lang"], param=t("param.lang", f["lang"]), value=raw_lang[:40]))
    directory = Directory(branches=branches.keys(), managers={m: b for m, (b, _n) in managers.items()})

    def check(param: str, raw: str, branch: str | None, manager: str | None) -> bool:
        """May the viewer have this filter? If not, a notice: forbidden, or simply wrong."""
        try:
            if not _ID.match(raw):
                raise UnknownScope(f"not an id: {raw!r}", param=param)
            resolve_scope(own, branch, manager, directory=directory, who=viewer.username)
        except ScopeDenied:
            notices.append(t("notice.forbidden", f["lang"], param=t(f"param.{param}", f["lang"]), value=raw[:40]))
            return False
        except UnknownScope:
            notices.append(t("notice.bad_param", f["lang"], param=t(f"param.{param}", f["lang"]), value=raw[:40]))
            return False
        return True

    raw = qp.get("branch")
    if raw is not None and raw != own.branch_id and check("branch", raw, raw, None):
        f["branch"] = raw
    raw = qp.get("manager")
    if raw is not None and raw != own.manager_id and check("manager", raw, f["branch"], raw):
        f["manager"] = raw
        f["branch"] = managers[raw][0]
    raw = qp.get("as_of")
    if raw is not None:
        lo, _hi = as_of_window(info.as_of, info.meta.get("aum_first_month"))
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError
            d = date.fromisoformat(raw)
        except ValueError:
            notices.append(t("notice.bad_param", f["lang"], param=t("param.as_of", f["lang"]), value=raw[:40]))
        else:
            if lo <= d <= info.as_of:
                f["as_of"] = d
            else:
                notices.append(
                    t("notice.as_of_range", f["lang"], value=raw, lo=lo.isoformat(), hi=info.as_of.isoformat())
                )
    raw = qp.get("customer")  # the customer page's bookmark: looked up inside the viewer's scope there
    if raw is not None:
        if _ID.match(raw):
            st.session_state["customer_id"] = raw
        else:
            notices.append(t("notice.bad_param", f["lang"], param=t("param.customer", f["lang"]), value=raw[:40]))
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


def draw_sidebar(target: str, info: StoreInfo, rules: Rules, viewer: Viewer) -> View:
    branches, managers = store_options(target, info.data_version)
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
    lo, _hi = as_of_window(info.as_of, info.meta.get("aum_first_month"))
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
            # Streamlit's own out-of-range message is English only (and hidden): the range and
            # when a typed date takes effect, in the reader's language.
            help=t("filter.date_hint", lang, lo=lo.isoformat(), hi=info.as_of.isoformat()),
        )
        st.caption(t("filter.date_hint", lang, lo=lo.isoformat(), hi=info.as_of.isoformat()))
        st.divider()
        st.caption(t("login.signed_in", lang, user=viewer.username, role=t(f"role.{viewer.role}", lang)))
        if st.button(t("login.logout", lang), icon=":material/logout:", key="logout"):
            sign_out(target)
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


def scope_name(view: View) -> str:
    """Whose customers the page shows: the manager, the branch, or all branches (named)."""
    branches, managers = store_options(view.target, view.data_version)
    if view.manager_id:
        return f"{view.manager_id} {managers.get(view.manager_id, ('', ''))[1]}".strip()
    if view.branch_id:
        return f"{view.branch_id} {branches.get(view.branch_id, '')}".strip()
    return view.t("filter.all_branches")


def band_slider(view: View, *, label: str, key: str) -> float:
    """The §2 band as a slider in whole percent ("10%" reads as the rule does: within 10% of the
    next tier's bound), between the rules' band_min and band_max; returns it as a share."""
    r = view.rules.threshold
    pct = st.slider(
        label,
        min_value=round(r.band_min * 100),
        max_value=round(r.band_max * 100),
        value=round(r.band * 100),
        step=1,
        format="%d%%",
        key=key,
    )
    return pct / 100
