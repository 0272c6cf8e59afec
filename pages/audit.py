"""Audit: every login and export; heads see their branch's, admins everything."""

import streamlit as st
from sqlmodel import Session

from custdash import ui
from custdash.auth import ScopeDenied, audit_events

view = ui.page("audit")
st.caption(view.t("audit.caption"))
try:
    with Session(ui.engine(view)) as s:
        events = audit_events(s, view.viewer, limit=1000)
except ScopeDenied:
    st.warning(view.t("login.denied"), icon=":material/block:")
    st.stop()
st.dataframe(events, hide_index=True, width="stretch")
