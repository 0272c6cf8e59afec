"""Near threshold (临界客户): one push from the next tier."""

import streamlit as st

from custdash import charts, ui

view = ui.page("threshold")
r = view.rules.threshold
band = st.slider(
    view.t("threshold.band"),
    min_value=r.band_min,
    max_value=r.band_max,
    value=r.band,
    step=0.01,
    format="%.2f",
    key="threshold_band",
)
st.caption(view.t("threshold.pitch"))
ui.show_list(view, "threshold", band=band)
bands = ui.data(view, "threshold_bands")
if bands["customers"].sum():
    st.altair_chart(
        charts.threshold_bands_chart(bands, rules=view.rules, lang=view.lang, title=view.t("threshold.bands_chart")),
        width="stretch",
    )
