"""Households (家庭经营): the family as the unit a manager serves (DOMAIN.md §8)."""

import streamlit as st

from custdash import charts_households, ui

view = ui.page("household")
if not ui.data(view, "has_households"):
    st.info(view.t("household.missing"), icon=":material/family_restroom:")
    st.stop()
st.caption(view.t("household.pitch"))
if view.rules.households.share_entitlement:
    st.caption(view.t("household.shared"))
totals = ui.data(view, "household_totals")
c1, c2, c3 = st.columns(3)
c1.metric(view.t("household.households"), f"{totals['households']:,}")
c2.metric(view.t("household.hidden"), f"{totals['hidden_value']:,}", help=view.t("household.hidden_help"))
c3.metric(view.t("household.aum"), view.money(totals["household_aum"]))
if not totals["households"]:
    st.info(view.t("household.none"), icon=":material/person_off:")
    st.stop()
left, right = st.columns(2)
left.altair_chart(
    charts_households.household_grid_chart(
        ui.data(view, "household_grid"), rules=view.rules, lang=view.lang, title=view.t("household.grid")
    ),
    width="stretch",
)
right.altair_chart(
    charts_households.household_sizes_chart(
        ui.data(view, "household_sizes"), lang=view.lang, title=view.t("household.sizes")
    ),
    width="stretch",
)
hidden = ui.data(view, "hidden_households")
if len(hidden):
    st.subheader(view.t("household.hidden_list"))
    st.dataframe(ui.localise(hidden, view, exact=True), hide_index=True, width="stretch")
    if totals["hidden_value"] > len(hidden):
        st.caption(view.t("household.hidden_first", shown=len(hidden), total=totals["hidden_value"]))
st.subheader(view.t("household.near"))
band = ui.band_slider(view, label=view.t("household.band"), key="household_band")
ui.show_list(view, "household", band=band)
