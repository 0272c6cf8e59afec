"""Dormant customers (睡眠卡 / 零元卡): the wake-up list and where it comes from."""

import streamlit as st

from custdash import charts, ui

view = ui.page("dormant")
d = view.rules.dormant
st.caption(view.t("dormant.caption", days=d.days, peak=view.money(d.priority_peak_aum)))
ui.show_list(view, "dormant")
by_tier = ui.data(view, "dormant_by_tier")
if by_tier["customers"].sum():
    c1, c2 = st.columns(2)
    by_tier["tier_label"] = [view.tier(c) for c in by_tier["tier"]]
    c1.altair_chart(
        charts.count_bars(
            by_tier[by_tier["customers"] > 0],
            category="tier_label",
            category_title=view.t("col.tier"),
            lang=view.lang,
            title=view.t("dormant.by_tier"),
            sort=[view.tier(c) for c in view.rules.tier_codes],
        ),
        width="stretch",
    )
    by_months = ui.data(view, "dormant_by_months")
    by_months["months"] = [view.t("val.never") if m == "never" else m for m in by_months["months"]]
    # Every month from the first a dormant customer can have to "24+", zeros included.
    c2.altair_chart(
        charts.count_bars(
            by_months,
            category="months",
            category_title=view.t("col.months_since"),
            lang=view.lang,
            title=view.t("dormant.by_months"),
            sort=list(by_months["months"]),
            color="#8e5ea2",
            label_step=3,
        ),
        width="stretch",
    )
