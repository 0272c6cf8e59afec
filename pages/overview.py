"""Today: the branch head's morning screen."""

import streamlit as st

from custdash import charts, ui
from custdash.queries.common import month_before

view = ui.page("overview")
st.caption(view.t("overview.caption", month=ui.basis(view)))
tiers = ui.data(view, "tiers")
c1, c2 = st.columns(2)
c1.metric(view.t("overview.customers"), f"{int(tiers['customers'].sum()):,}")
c2.metric(view.t("overview.aum"), view.money(float(tiers["aum"].sum())))

st.subheader(view.t("overview.lists"))
now = ui.data(view, "list_sizes")
prev_view = ui.View(**{**view.__dict__, "as_of": month_before(view.as_of)})
before = ui.data(prev_view, "list_sizes")
links = [
    ("threshold", "threshold"),
    ("dormant", "dormant"),
    ("honeymoon_due", "honeymoon"),
    ("honeymoon_overdue", "honeymoon"),
    ("unused", "alliance"),
]
for col, (key, target) in zip(st.columns(len(links)), links):
    with col.container(border=True):
        st.metric(
            view.t(f"overview.{key}"),
            f"{now[key]:,}",
            delta=f"{now[key] - before[key]:+,}",
            delta_color="off",
            help=view.t("common.vs_prev"),
        )
        ui.page_link(target, view, view.t("common.open"))

st.altair_chart(
    charts.tier_bars(tiers, rules=view.rules, lang=view.lang, value="customers", title=view.t("overview.tiers")),
    width="stretch",
)
