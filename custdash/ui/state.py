"""The dashboard's resources (engines, rules) and the View a page renders."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine, select
from sqlmodel import Session

from custdash import config
from custdash.auth import Viewer, scope_for
from custdash.calendar import Periods
from custdash.db import make_engine
from custdash.i18n import LANGS, money, t, tier_label
from custdash.models import Branch, Manager
from custdash.rules import Rules, load_rules
from custdash.scope import Scope

log = logging.getLogger("custdash.ui")
ROOT = Path(__file__).resolve().parents[2]


@st.cache_resource(show_spinner=False)
def reader_engine(target: str) -> Engine:
    return make_engine(target)


@st.cache_resource(show_spinner=False)
def writer_engine(target: str) -> Engine:
    """For the few writes (logins, audit): transactions that take the write lock up front."""
    return make_engine(target, writer=True)


@st.cache_resource(show_spinner=False)
def generation_lock() -> threading.Lock:
    return threading.Lock()


@st.cache_resource(show_spinner=False, max_entries=8)
def _rules(path: str, mtime: float) -> Rules:
    return load_rules(path or None)


def engine(view: View) -> Engine:
    return reader_engine(view.target)


def reading(target: str) -> Session:
    """A session on the store for reading (use as `with reading(target) as s:`)."""
    return Session(reader_engine(target))


def writing(target: str) -> Session:
    """A session on the store's writer, for users, sessions, audit and contacts."""
    return Session(writer_engine(target))


def rules_now() -> Rules:
    path = config.setting("CUSTDASH_RULES")
    p = Path(path) if path else None
    mtime = p.stat().st_mtime if p is not None and p.exists() else 0.0
    return _rules(path, mtime)


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

    @property
    def periods(self) -> Periods:
        """Every period the page reads at its as-of date (custdash.calendar)."""
        return Periods.at(self.as_of)

    def at(self, as_of: date) -> View:
        """The same view at another as-of date (the overview's month-earlier figures)."""
        return replace(self, as_of=as_of)

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


@st.cache_data(show_spinner=False, max_entries=16)
def store_options(target: str, data_version: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    with reading(target) as s:
        branches = {b: n for b, n in s.execute(select(Branch.branch_id, Branch.branch_name).order_by(Branch.branch_id))}
        managers = {
            m: (b, n)
            for m, b, n in s.execute(
                select(Manager.manager_id, Manager.branch_id, Manager.manager_name).order_by(Manager.manager_id)
            )
        }
    return branches, managers


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """Text for a Streamlit element that renders markdown (warning, caption, markdown), shown
    exactly as written: a link, image, HTML tag or formula in a URL parameter, a file name or
    a rules text stays inert characters."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")
