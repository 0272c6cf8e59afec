"""Downgrade risk (保级预警): the average holds the tier, the month-end balance does not."""

import streamlit as st

from custdash import charts, ui

view = ui.page("downgrade")
st.caption(view.t("downgrade.caption"))
if not ui.data(view, "has_end_aum"):
    st.info(view.t("downgrade.no_end_aum"), icon=":material/info:")
ui.show_list(view, "downgrade")
by_tier = ui.data(view, "downgrade_by_tier")
if by_tier["customers"].sum():
    by_tier["tier_label"] = [view.tier(code) for code in by_tier["tier"]]
    st.altair_chart(
        charts.count_bars(
            by_tier,
            category="tier_label",
            category_title=view.t("col.tier"),
            lang=view.lang,
            title=view.t("downgrade.by_tier"),
            sort=list(by_tier["tier_label"]),
            color="#d68910",
        ),
        width="stretch",
    )
