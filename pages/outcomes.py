"""经营回检: what working each list did, against the customers not contacted."""

from datetime import timedelta

import streamlit as st

from custdash import charts_work, ui

view = ui.page("outcomes")
days = view.rules.contact.outcome_days
st.caption(
    view.t("outcomes.caption", days=days, small=view.t("outcomes.small_sample", n=view.rules.contact.small_sample))
)
default = (view.as_of - timedelta(days=days - 1), view.as_of)
chosen = st.date_input(
    view.t("outcomes.period"),
    value=default,
    max_value=view.as_of,
    format="YYYY-MM-DD",
    key=f"outcomes_period_{view.lang}",
)
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info(view.t("outcomes.bad_period"), icon=":material/date_range:")
    st.stop()
table = ui.data(view, "outcomes", start=chosen[0], end=chosen[1])
labels = ui.outcome_list_labels(view)
totals = table[table["total"]]
c1, c2 = st.columns(2)
c1.altair_chart(
    charts_work.outcome_funnel(totals, lang=view.lang, title=view.t("outcomes.funnel"), list_labels=labels),
    width="stretch",
)
c2.altair_chart(
    charts_work.outcome_rates(totals, lang=view.lang, title=view.t("outcomes.rates"), list_labels=labels),
    width="stretch",
)
st.subheader(view.t("outcomes.by_manager"), anchor=False)
shown = ui.outcome_rows(view, table, labels)
st.dataframe(shown, hide_index=True, width="stretch")
st.download_button(
    view.t("outcomes.download"),
    data=ui.outcome_csv(view, table, labels),
    file_name=f"outcomes_{chosen[0].isoformat()}_{chosen[1].isoformat()}.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
)
