"""Working a list on screen: the status filter, a row's actions (log a contact, open the
customer) and the contact dialog. The rules and the checks are custdash.contacts'; this
module only reads widgets and shows what came back, as plain text."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import func, select

from custdash.auth import resume_session
from custdash.contact_log import CHANNELS, LOGGING_ROLES, OUTCOMES, NewContact
from custdash.contact_log import log_contact as log_one
from custdash.contacts import STATUSES, ContactError
from custdash.i18n import list_label as label_of
from custdash.lists import OTHER, contact_names, worked_for
from custdash.models import ContactLog
from custdash.scope import ScopeDenied
from custdash.ui.session import session_idle_minutes
from custdash.ui.state import View, plain, reading, writing


def contacts_version(target: str) -> int:
    """The newest contact's id: part of the cache key of every view that shows statuses, so a
    logged contact shows at once (and nothing else is recomputed)."""
    with reading(target) as s:
        return int(s.execute(select(func.coalesce(func.max(ContactLog.id), 0))).scalar_one())


def status_filter(view: View, list_name: str) -> tuple[str, ...] | None:
    """The statuses to show (None: all). Kept across a language switch, whose new widget (the
    key carries the language, so the browser's old labels are never asked for) starts from it."""
    kept = f"status_keep_{list_name}"
    key = f"status_{list_name}_{view.lang}"
    chosen = st.pills(
        view.t("contact.filter"),
        STATUSES,
        selection_mode="multi",
        default=st.session_state.get(kept) or None,
        format_func=lambda s: view.t(f"contact.status.{s}"),
        key=key,
    )
    chosen = [s for s in chosen or [] if s in STATUSES]
    st.session_state[kept] = chosen
    return tuple(chosen) or None


def row_actions(view: View, list_name: str, shown: pd.DataFrame, selected: list[int]) -> None:
    """Under a call list: what can be done with the selected row."""
    if not selected or selected[0] >= len(shown):
        st.caption(view.t("contact.pick"))
        return
    row = shown.iloc[selected[0]]
    customer_actions(view, str(row["customer_id"]), str(row["name"]), worked_for(list_name, row.get, view.rules))


def customer_actions(view: View, customer_id: str, name: str, list_name: str, *, open_page: bool = True) -> None:
    """Log a contact with a customer, and open their page."""
    bar = st.container(horizontal=True)
    if view.viewer.role in LOGGING_ROLES:
        if bar.button(view.t("contact.log"), icon=":material/call:", key=f"log_{customer_id}_{list_name}"):
            contact_dialog(view, customer_id, name, list_name)
    else:
        bar.caption(view.t("contact.not_yours"))
    if open_page and bar.button(view.t("contact.open"), icon=":material/person:", key=f"open_{customer_id}"):
        st.session_state["customer_id"] = customer_id
        st.session_state["switch_to"] = "customer"
        st.rerun()


def contact_dialog(view: View, customer_id: str, name: str, list_name: str) -> None:
    """The contact form in a dialog; saved through custdash.contact_log (who and when set there)."""

    @st.dialog(view.t("contact.log"))
    def _form() -> None:
        st.text(view.t("contact.for", name=name, customer=customer_id))
        names = list(contact_names(view.rules))
        today = date.today()
        with st.form(f"contact_{customer_id}", border=False):
            chosen = st.selectbox(
                view.t("contact.list_field"),
                names,
                index=names.index(list_name) if list_name in names else names.index(OTHER),
                format_func=lambda n: list_label(n, view),
            )
            channel = st.selectbox(
                view.t("contact.channel"), CHANNELS, format_func=lambda c: view.t(f"contact.channel.{c}")
            )
            outcome = st.selectbox(
                view.t("contact.outcome"), OUTCOMES, format_func=lambda o: view.t(f"contact.outcome.{o}")
            )
            note = st.text_area(view.t("contact.note"), max_chars=200)
            earliest = min(today, view.store_as_of) - timedelta(days=view.rules.contact.backdate_days)
            on = st.date_input(
                view.t("contact.on"),
                value=today,
                min_value=earliest,
                max_value=today,
                format="YYYY-MM-DD",
                help=view.t("filter.date_hint", lo=earliest.isoformat(), hi=today.isoformat()),
            )
            latest = today + timedelta(days=view.rules.contact.follow_up_days)
            follow = st.date_input(
                view.t("contact.follow_up"),
                value=None,
                min_value=today,
                max_value=latest,
                format="YYYY-MM-DD",
                help=view.t("filter.date_hint", lo=today.isoformat(), hi=latest.isoformat()),
            )
            saved = st.form_submit_button(view.t("contact.save"), type="primary")
        if saved:
            contact = NewContact(customer_id, chosen, channel, outcome, note or None, on, follow)
            problem = save_contact(view, contact)
            if problem is None:
                st.session_state["flash"] = view.t("contact.saved")
                st.rerun()
            st.error(plain(problem), icon=":material/error:")

    _form()


def save_contact(view: View, contact: NewContact) -> str | None:
    """Log the contact as the viewer is now (their session checked at this moment); None when
    saved, else what is wrong."""
    token = st.session_state.get("token")
    viewer = view.viewer
    with reading(view.target) as read, writing(view.target) as write:
        if token is not None:
            current = resume_session(write, token, idle_minutes=session_idle_minutes(), touch=False)
            if current is None:
                return view.t("login.expired")
            viewer = current
        try:
            log_one(read, write, viewer=viewer, rules=view.rules, contact=contact)
        except (ContactError, ScopeDenied) as e:
            return str(e)
    return None


def list_label(name: str, view: View) -> str:
    return label_of(name, view.lang)


def flash() -> None:
    """The confirmation of what the last click did (set before a rerun)."""
    message = st.session_state.pop("flash", None)
    if message:
        st.toast(message, icon=":material/check:")


def selected_rows(event: Any) -> list[int]:
    """The rows selected in a dataframe's selection event (none when it has no selection)."""
    try:
        return list(event.selection.rows)
    except AttributeError:
        return []
