"""Birthdays (关怀提醒): whose birthday falls in the coming week."""

import streamlit as st

from custdash import charts, ui

view = ui.page("birthdays")
st.caption(view.t("birthdays.caption", days=view.rules.birthdays.window_days))
ui.show_list(view, "birthdays")
by_day = ui.data(view, "birthdays_by_day")
if by_day["customers"].sum():
    by_day["day_label"] = [d.isoformat() for d in by_day["day"]]
    st.altair_chart(
        charts.count_bars(
            by_day,
            category="day_label",
            category_title=view.t("col.birthday"),
            lang=view.lang,
            title=view.t("birthdays.by_day"),
            sort=list(by_day["day_label"]),
            color="#8e5ea2",
        ),
        width="stretch",
    )
