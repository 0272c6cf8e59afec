"""Near threshold (临界客户): one push from the next tier."""

import streamlit as st

from custdash import charts, ui

view = ui.page("threshold")
r = view.rules.threshold
# In whole percent: "10%" reads as the rule does ("within 10% of the next tier's bound").
band_pct = st.slider(
    view.t("threshold.band"),
    min_value=round(r.band_min * 100),
    max_value=round(r.band_max * 100),
    value=round(r.band * 100),
    step=1,
    format="%d%%",
    key="threshold_band",
)
band = band_pct / 100
st.caption(view.t("threshold.pitch"))
ui.show_list(view, "threshold", band=band)
bands = ui.data(view, "threshold_bands")
if bands["customers"].sum():
    st.altair_chart(
        charts.threshold_bands_chart(bands, rules=view.rules, lang=view.lang, title=view.t("threshold.bands_chart")),
        width="stretch",
    )
