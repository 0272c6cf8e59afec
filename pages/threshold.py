"""Near threshold (临界客户): one push from the next tier."""

import streamlit as st

from custdash import charts, ui

view = ui.page("threshold")
band = ui.band_slider(view, label=view.t("threshold.band"), key="threshold_band")
st.caption(view.t("threshold.pitch"))
ui.show_list(view, "threshold", band=band)
bands = ui.data(view, "threshold_bands")
if bands["customers"].sum():
    st.altair_chart(
        charts.threshold_bands_chart(bands, rules=view.rules, lang=view.lang, title=view.t("threshold.bands_chart")),
        width="stretch",
    )
