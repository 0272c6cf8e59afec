"""Maturity takeover (到期承接): deposits and wealth products about to mature, and how many
matured ones were kept."""

from datetime import timedelta

import streamlit as st

from custdash import charts_work, ui
from custdash.i18n import percent

view = ui.page("maturity")
m = view.rules.maturity
st.caption(view.t("maturity.caption", days=m.days_ahead))
if not ui.data(view, "has_maturity_dates"):
    st.info(view.t("maturity.no_dates"), icon=":material/info:")
kept = ui.data(view, "retention")
st.metric(
    view.t("maturity.retained"),
    percent(kept["rate"]) if kept["rate"] is not None else "–",
    help=view.t(
        "maturity.retained_help",
        matured=kept["matured"],
        retained=kept["retained"],
        days=m.retained_window_days,
        within=m.retain_days,
    ),
)
ui.show_list(view, "maturity")
weeks = ui.data(view, "maturities_by_week")
# The list's window: the first and the last week may hold only some of their days.
window = (view.as_of + timedelta(days=1), view.as_of + timedelta(days=m.days_ahead))
if weeks["products"].sum():
    c1, c2 = st.columns(2)
    c1.altair_chart(
        charts_work.week_bars(
            weeks,
            value="products",
            value_title=view.t("col.products"),
            lang=view.lang,
            title=view.t("maturity.by_week"),
            window=window,
        ),
        width="stretch",
    )
    c2.altair_chart(
        charts_work.week_bars(
            weeks,
            value="amount",
            value_title=view.t("chart.aum"),
            lang=view.lang,
            title=view.t("maturity.amount_by_week"),
            money=True,
            window=window,
        ),
        width="stretch",
    )
