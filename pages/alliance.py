"""Alliance benefits — cinema (异业联盟: 观影)."""

import streamlit as st

from custdash import charts, ui
from custdash.i18n import percent

view = ui.page("alliance")
a = view.rules.alliance
st.caption(view.t("alliance.caption", start=view.periods.year_start.isoformat(), end=view.as_of.isoformat()))
by_tier = ui.data(view, "alliance_by_tier")
c1, c2, c3 = st.columns(3)
c1.metric(view.t("alliance.peak_n"), f"{int(by_tier['peak_redemptions'].sum()):,}")
c2.metric(view.t("alliance.off_peak_n"), f"{int(by_tier['off_peak_redemptions'].sum()):,}")
c3.metric(
    view.t("alliance.subsidy"),
    view.money(float(by_tier["subsidy"].sum())),
    help=view.t("alliance.discounts", peak=percent(a.discount_peak), off=percent(a.discount_off_peak)),
)
left, right = st.columns(2)
left.altair_chart(
    charts.peak_by_tier(by_tier, rules=view.rules, lang=view.lang, title=view.t("alliance.peak_chart")), width="stretch"
)
right.altair_chart(
    charts.utilisation_bars(by_tier, rules=view.rules, lang=view.lang, title=view.t("alliance.utilisation")),
    width="stretch",
)
heat = ui.data(view, "alliance_heatmap")
if not heat.empty:
    st.altair_chart(charts.usage_heatmap(heat, lang=view.lang, title=view.t("alliance.heatmap")), width="stretch")
left, right = st.columns(2)
segments = ui.data(view, "alliance_segments")
segments["segment_label"] = [view.t(f"val.{s}") for s in segments["segment"]]
left.altair_chart(
    charts.count_bars(
        segments,
        category="segment_label",
        category_title=view.t("col.segment"),
        lang=view.lang,
        title=view.t("alliance.segments"),
        color="#d4a72c",
    ),
    width="stretch",
)
channel = ui.data(view, "alliance_channel")
channel["group"] = [view.t(f"val.{g}") for g in channel["group"]]
right.markdown(f"**{view.t('alliance.channel')}**")
right.dataframe(ui.localise(channel, view), hide_index=True, width="stretch")
st.subheader(view.t("alliance.unused"))
ui.show_list(view, "alliance-unused")
