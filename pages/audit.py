"""Audit: every login and export; heads see their branch's, admins everything."""

import streamlit as st

from custdash import ui
from custdash.auth import ScopeDenied, audit_events, filters_text
from custdash.i18n import TEXT

view = ui.page("audit")
st.caption(view.t("audit.caption"))
try:
    with ui.reading(view.target) as s:
        events = audit_events(s, view.viewer, limit=1000)
except ScopeDenied:
    st.warning(view.t("login.denied"), icon=":material/block:")
    st.stop()
events["event"] = [view.t(f"event.{e}") if f"event.{e}" in TEXT else e for e in events["event"]]
events["filters"] = [filters_text(f) for f in events["filters"]]
st.dataframe(ui.localise(events, view), hide_index=True, width="stretch")
