"""Today: the branch head's morning screen."""

import streamlit as st

from custdash import charts, ui
from custdash.views import overview_tiles

# "Today" only at the extract date: looking back, the page is that day's overview.
view = ui.page(
    "overview",
    title=lambda v: v.t(
        "overview.title" if v.as_of == v.store_as_of else "overview.title_on",
        scope=ui.scope_name(v),
        date=v.as_of.isoformat(),
    ),
)
st.caption(view.t("overview.caption", month=view.periods.basis_month))
prev_view = view.at(view.periods.month_earlier)
tiers = ui.data(view, "tiers")
before_tiers = ui.data(prev_view, "tiers")
aum, aum_before = float(tiers["aum"].sum()), float(before_tiers["aum"].sum())
c1, c2 = st.columns(2)
c1.metric(view.t("overview.customers"), f"{int(tiers['customers'].sum()):,}")
c2.metric(
    view.t("overview.aum"),
    view.money(aum),
    help=view.t("common.vs_prev"),
    **ui.delta(round(aum - aum_before, 2), f"{'+' if aum >= aum_before else '-'}{view.money(abs(aum - aum_before))}"),
)

st.subheader(
    view.t("overview.lists") if view.as_of == view.store_as_of else view.t("overview.lists_on", date=view.as_of)
)
# The tiles count the lists as they are worked (contacts applied), and so does the change: the
# same count a month earlier, as the CLI's summary gives it for that date.
now = ui.data(view, "list_sizes")
before = ui.data(prev_view, "list_sizes")
# Rows of five: nine tiles in one row leave each too narrow for its label.
shown = overview_tiles()
tiles = [(col, tile) for i in range(0, len(shown), 5) for col, tile in zip(st.columns(5), shown[i : i + 5])]
for col, (key, target, chosen) in tiles:
    change = now[key] - before[key]
    with col.container(border=True):
        st.metric(
            view.t(f"overview.{key}", days=view.rules.birthdays.window_days),
            f"{now[key]:,}",
            help=view.t("common.vs_prev"),
            **ui.delta(change, f"{change:+,}" if change else "0"),
        )
        if chosen is None:
            ui.page_link(target, view, view.t("common.open"))
        elif st.button(view.t("common.open"), icon=":material/arrow_forward:", key=f"open_{key}", type="tertiary"):
            control, value = chosen  # the list filtered to what the tile counts
            st.session_state.update({control: value, "switch_to": target})
            st.rerun()

# Shares side by side: in counts the mass tier dwarfs V4-V6, which hold much of the money.
st.altair_chart(
    charts.tier_shares(tiers, rules=view.rules, lang=view.lang, title=view.t("overview.tiers")), width="stretch"
)
