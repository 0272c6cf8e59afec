"""Churn warning (流失预警): money leaving for other banks, or AUM falling away."""

import streamlit as st

from custdash import charts, ui

view = ui.page("churn")
c = view.rules.churn
st.caption(
    view.t(
        "churn.caption",
        days=c.window_days,
        n=c.min_outflows,
        total=view.money(c.min_outflow_total),
        ratio=f"{c.aum_drop_ratio:.0%}",
        months=c.aum_drop_months,
        floor=view.money(c.aum_drop_floor),
    )
)
ui.show_list(view, "churn")
reasons = ui.data(view, "churn_reasons")
if reasons["customers"].sum():
    reasons["reason_label"] = [view.t(f"churn.reason.{r}") for r in reasons["reason"]]
    st.altair_chart(
        charts.count_bars(
            reasons,
            category="reason_label",
            category_title=view.t("col.reason"),
            lang=view.lang,
            title=view.t("churn.reasons"),
            sort=list(reasons["reason_label"]),
            color="#c0392b",
        ),
        width="stretch",
    )
