"""Dormant customers (睡眠卡 / 零元卡): the wake-up list and where it comes from."""

import streamlit as st

from custdash import charts, ui
from custdash.queries.dormant import by_months_since

view = ui.page("dormant")
d = view.rules.dormant
st.caption(view.t("dormant.caption", days=d.days, peak=view.money(d.priority_peak_aum)))
df = ui.data(view, "list:dormant")
ui.show_list(view, "dormant", df)
if not df.empty:
    c1, c2 = st.columns(2)
    peak_tier = [view.tier(view.rules.tier_of(v)) for v in df["peak_aum_12m"]]
    by_tier = df.assign(tier_label=peak_tier).groupby("tier_label").size().reset_index(name="customers")
    c1.altair_chart(
        charts.count_bars(
            by_tier,
            category="tier_label",
            category_title=view.t("col.tier"),
            lang=view.lang,
            title=view.t("dormant.by_tier"),
            sort=[view.tier(c) for c in view.rules.tier_codes],
        ),
        width="stretch",
    )
    by_months = by_months_since(df, view.as_of)
    by_months["months"] = [view.t("val.never") if m == "never" else m for m in by_months["months"]]
    c2.altair_chart(
        charts.count_bars(
            by_months,
            category="months",
            category_title=view.t("col.months_since"),
            lang=view.lang,
            title=view.t("dormant.by_months"),
            sort=list(by_months["months"]),
            color="#8e5ea2",
        ),
        width="stretch",
    )
