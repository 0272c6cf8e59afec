"""Honeymoon waves (蜜月期多波次营销): the first 100 days."""

import streamlit as st

from custdash import charts, ui
from custdash.i18n import wave_label

view = ui.page("honeymoon")
h = view.rules.honeymoon
st.caption(view.t("honeymoon.caption", days=h.days))
counts = ui.data(view, "honeymoon_counts")
c1, c2, c3 = st.columns(3)
c1.metric(view.t("honeymoon.in_window"), f"{counts['in_window']:,}")
c2.metric(view.t("honeymoon.due_n"), f"{counts['due']:,}")
c3.metric(view.t("honeymoon.overdue_n"), f"{counts['overdue']:,}")
waves = {f"wave_{w.wave}": wave_label(w.wave, view.rules, view.lang) for w in h.waves}
for col, w in zip(st.columns(len(h.waves)), h.waves):
    with col.container(border=True):
        st.markdown(f"**{ui.plain(waves[f'wave_{w.wave}'])}** · {view.t('honeymoon.days', start=w.start, end=w.end)}")
        st.caption(ui.plain(w.aim_zh if view.lang == "zh" else w.aim_en))
grid = ui.data(view, "honeymoon_grid", limit=40)
if not grid.empty:
    st.altair_chart(
        charts.wave_grid(grid, lang=view.lang, title=view.t("honeymoon.grid"), wave_labels=waves), width="stretch"
    )
st.subheader(view.t("honeymoon.calls"))
which = st.segmented_control(
    view.t("honeymoon.which"),
    ["all", "due", "overdue"],
    # The overview's tiles set the choice before the page opens; a default then would clash with it.
    default=None if "honeymoon_waves" in st.session_state else "all",
    key="honeymoon_waves",
    format_func=lambda w: view.t(f"honeymoon.which_{w}"),
)
ui.show_list(view, "honeymoon", **({"waves": which} if which in ("due", "overdue") else {}))
st.subheader(view.t("honeymoon.cohorts"))
cohorts = ui.data(view, "cohorts")
if cohorts.empty:
    st.info(view.t("common.empty"), icon=":material/person_off:")
else:
    st.caption(view.t("honeymoon.incomplete"))
    c1, c2 = st.columns(2)
    c1.altair_chart(
        charts.cohort_lines(
            cohorts,
            measures={f"{k}_done": v for k, v in waves.items()},
            days={f"wave_{w.wave}_done": w.end for w in h.waves},
            lang=view.lang,
            title=view.t("honeymoon.cohort_waves"),
        ),
        width="stretch",
    )
    deep, v1 = f"deep_by_day_{h.days}", f"v1_plus_at_day_{h.days}"
    measures = {
        deep: view.t("honeymoon.cohort_deep", n=h.cohort_min_products, days=h.days),
        v1: view.t("honeymoon.cohort_v1", tier=view.tier(view.rules.tier_codes[1]), days=h.days),
    }
    c2.altair_chart(
        charts.cohort_lines(
            cohorts,
            measures=measures,
            days=dict.fromkeys(measures, h.days),
            lang=view.lang,
            title=view.t("honeymoon.depth", days=h.days),
        ),
        width="stretch",
    )
