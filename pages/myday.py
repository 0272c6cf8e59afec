"""My day: one call queue from every list for one manager, follow-ups due first."""

import streamlit as st

from custdash import ui

view = ui.page("myday")
c = view.rules.contact
st.caption(view.t("myday.caption", cycle=c.cycle_days, capacity=c.daily_capacity))
if view.manager_id is None:
    st.info(view.t("myday.pick_manager"), icon=":material/person_search:")
    st.stop()
queue = ui.data(view, "myday")
if queue.empty:
    st.info(view.t("myday.empty"), icon=":material/event_available:")
else:
    st.caption(view.t("common.rows", n=len(queue)))
    ui.show_queue(view, queue)
