"""Navigation and the guard every page starts with (`page`)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st
from sqlalchemy import make_url

from custdash import config
from custdash.auth import Viewer
from custdash.db import StoreError, check_store, error_cause, held_a_store, is_server, shown, store_exists, to_url
from custdash.i18n import t
from custdash.rules import RulesError
from custdash.source import RULES_KEY
from custdash.ui.filters import draw_sidebar, url_params
from custdash.ui.session import cookie_role, is_signed_in
from custdash.ui.state import (
    ROOT,
    View,
    current_lang,
    generation_lock,
    log,
    plain,
    reader_engine,
    rules_now,
    writer_engine,
)
from custdash.ui.work import flash
from custdash.views import PAGE, PAGES, pages_for

_nav = threading.local()

# Parts of Streamlit that are not drawn (style only: Streamlit puts it out of the flow):
# - the tables' and charts' toolbar: the charts' offers the chart's data ("Show data"), a PNG and
#   the Vega-Lite spec (data inline) with no option to turn them off (client.disableDataExport
#   removes only the tables' CSV), and data leaves only through custdash's downloads (scope at
#   delivery, masking, audit); what remains (fullscreen, search, columns) speaks English only;
# - "Press Ctrl+Enter to submit form" and the date field's "Date set outside allowed range",
#   English only: the pages say the same in the reader's language (filter.date_hint).
NO_EXPORT_CONTROLS = """<style>
[data-testid="stElementToolbar"],
[data-testid="InputInstructions"],
[data-testid^="stDateInputError"],
[data-testid="stDateInputField"] [role="alert"] { display: none !important; }
</style>"""


def run_app() -> None:
    """app.py's body: navigation over the pages, then the chosen page."""
    lang = current_lang()
    viewer: Viewer | None = st.session_state.get("viewer")
    # A reload starts a new Streamlit session with only the cookie: without reading it here the
    # first run listed every page (the audit trail to a manager) until the next click.
    role = viewer.role if viewer is not None else cookie_role(config.db_url())
    # Every page is registered, so a link to one the role may not open reaches that page's own
    # guard (which says why), never Streamlit's English "Page not found"; the navigation lists
    # only the role's pages, and nothing before sign-in.
    mine = {p.name for p in pages_for(role)} if role is not None else set()
    pages = [
        st.Page(
            str(ROOT / p.path),
            title=t(f"page.{p.name}", lang),
            url_path=p.name,
            default=(i == 0),
            visibility="visible" if p.name in mine else "hidden",
        )
        for i, p in enumerate(PAGES)
    ]
    st.html(NO_EXPORT_CONTROLS)
    _nav.active = True
    _nav.pages = {spec.name: p for spec, p in zip(PAGES, pages)}
    sections: dict[str, list[Any]] = {}
    for spec, p in zip(PAGES, pages):
        sections.setdefault(t(f"nav.{spec.section}", lang) if spec.section else "", []).append(p)
    try:
        st.navigation(sections, expanded=True, position="sidebar" if role is not None else "hidden").run()
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


def switch_to(name: str) -> None:
    """Go to another page of the navigation, keeping the current filters in the URL."""
    from custdash.ui.filters import url_params as params_of

    view = st.session_state.get("view")
    st.switch_page(_nav.pages[name], query_params=params_of(view) if view is not None else None)


FAVICON = str(Path(__file__).resolve().parents[1] / "assets" / "favicon.png")


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
    if not store_exists(target, reader_engine(target)):
        _first_start(target, lang)
    try:
        info = check_store(reader_engine(target), target)
    except StoreError as e:
        _stop(t("store.error", lang), str(e), e.fix)
    if info.empty:
        _stop(t("store.empty", lang), target, "python -m seed   |   python -m custdash import DIR")
    viewer = is_signed_in(target, info, lang, name)
    if viewer.role not in PAGE[name].roles:  # a link to a page of another role
        st.warning(t("login.not_your_page", lang, page=t(f"page.{name}", lang)), icon=":material/block:")
        st.stop()
    view = draw_sidebar(target, info, rules, viewer)
    st.title(title(view) if title else view.t(f"page.{name}"))
    if viewer.role == "admin" and info.meta.get(RULES_KEY) != rules.fingerprint:
        st.info(view.t("facts.stale"), icon=":material/speed:")
    for notice in st.session_state.get("notices", []):
        st.warning(plain(notice), icon=":material/link_off:")
    st.session_state["view"] = view
    target_page = st.session_state.pop("switch_to", None)
    if target_page is not None and target_page != name:  # a button asked to open another page
        switch_to(target_page)
    flash()
    return view


def _stop(title: str, detail: str, fix: str) -> None:
    """The page cannot start: say what is wrong. Before anyone has signed in as an administrator
    the places are left out (the rules file's path; the store's file, or its server's host,
    port, database and user): they are logged with an incident id instead."""
    if not _admin_is_looking():
        private = _private_places()
        hidden = [p for p in private if p in detail or p in fix]
        if hidden:
            incident = uuid.uuid4().hex[:8]
            log.warning("incident %s: %s: %s", incident, title, detail)
            for p in private:
                detail, fix = detail.replace(p, "…"), fix.replace(p, "…")
            detail += " " + t("store.places_hidden", current_lang(), incident=incident)
    st.error(f"**{title}**\n\n{detail}", icon=":material/error:")
    if fix:
        st.markdown(t("store.fix", current_lang()))
        st.code(fix, language="bash")
    st.stop()


def _admin_is_looking() -> bool:
    viewer = st.session_state.get("viewer")
    if viewer is not None:
        return viewer.role == "admin"
    try:
        return cookie_role(config.db_url()) == "admin"
    except Exception:  # the store behind the sign-in is what is broken
        return False


def _private_places() -> list[str]:
    """Where the rules and the store are, in every form a message may name them, longest first."""
    places = []
    rules_path = os.environ.get("CUSTDASH_RULES")
    if rules_path:
        places += [rules_path, str(Path(rules_path).resolve())]
    target = config.db_url()
    places += [target, shown(target)]
    try:
        if is_server(target):
            url = make_url(to_url(target))
            # The database and user only as the server's messages quote them (`database "bank"`):
            # bare, a user named custdash would blank out every command in the fix.
            places += [url.host or ""] + [f'"{v}"' for v in (url.database, url.username) if v]
            places += [f":{url.port}", f"port {url.port}"] if url.port else []
        else:
            places.append(str(Path(target).resolve()))
    except Exception:  # an unparsable setting: the literal text is already in the list
        pass
    return sorted({p for p in places if len(p) >= 2}, key=len, reverse=True)


def _build_demo(target: str, n: int, lang: str) -> None:
    """`python -m seed` into the store, its progress on a bar: the dashboard runs the demo
    generator as the command it is, never importing it (seed/ depends on custdash, not the
    other way round)."""
    text = t("store.generating", lang, n=n)
    bar = st.progress(0.0, text=text)
    cmd = [sys.executable, "-m", "seed", "--customers", str(n), "--as-of", date.today().isoformat()]
    cmd += ["--db", target, "--progress-lines"]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True, encoding="utf-8")
        assert proc.stdout is not None
        for line in proc.stdout:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "progress" and parts[1].isdigit() and parts[2].isdigit():
                share = min(int(parts[1]) / max(int(parts[2]), 1), 1.0)
                bar.progress(share, text=f"{text} {share:.0%}")
        failed = proc.wait() != 0
        err.seek(0)
        said = err.read()
    bar.empty()
    if failed:
        # The command's own message (`error: …` and `fix: …`); anything else (a crash) is logged
        # with an incident id, never shown.
        lines = dict(line.split(": ", 1) for line in said.splitlines() if line.startswith(("error: ", "fix: ")))
        if "error" not in lines:
            incident = uuid.uuid4().hex[:8]
            log.error("incident %s: the demo build failed: %s", incident, said[-2000:])
            lines["error"] = t("store.build_failed", lang, incident=incident)
        _stop(t("store.error", lang), lines["error"], lines.get("fix", ""))


def _first_start(target: str, lang: str) -> None:
    """No store at the configured place: build the demo store, with progress, once."""
    n = int(config.setting("CUSTDASH_DEMO_CUSTOMERS") or 0)
    if n <= 0:
        _stop(t("store.missing", lang), target, "python -m seed   |   python -m custdash import DIR")
    if held_a_store(target):
        # Users and audit of a store that lived here remain: the store was moved or lost. Never
        # build demo data (and publish demo passwords) in its place.
        _stop(t("store.gone", lang), target, t("store.gone_fix", lang))
    try:
        config.month_end_facts()
    except config.SettingError as e:
        _stop(t("setting.error", lang), str(e), "CUSTDASH_MONTH_END_FACTS=12")
    with generation_lock():
        if not store_exists(target):  # another session may have built it meanwhile
            _build_demo(target, n, lang)
    reader_engine.clear()
    writer_engine.clear()
