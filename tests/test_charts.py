"""The chart builders: what a reader sees is complete, readable and means the same in both languages."""

from __future__ import annotations

import pandas as pd
import pytest

from custdash import charts, charts_work
from custdash.rules import load_rules

RULES = load_rules()
WAVES = {f"wave_{w.wave}": f"{w.wave} {w.name_en}" for w in RULES.honeymoon.waves}


def _layers(chart) -> list[dict]:
    spec = chart.to_dict()
    return spec.get("layer", [spec])


def test_heatmap_has_every_weekday_and_hour_with_zeros():
    used = pd.DataFrame({"weekday": [4, 5], "hour": [19, 14], "redemptions": [3, 7], "tickets": [5, 9]})
    data = charts.usage_heatmap(used, lang="zh", title="x").data
    assert len(data) == 7 * 24
    assert sorted(set(data["weekday_label"])) == sorted(["周一", "周二", "周三", "周四", "周五", "周六", "周日"])
    assert set(data["hour"]) == set(range(24))
    assert data["redemptions"].sum() == 10 and (data["redemptions"] == 0).sum() == 7 * 24 - 2


@pytest.mark.parametrize("n", [1, 5, 40])
def test_wave_grid_gives_every_customer_a_readable_row(n):
    grid = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "day": [i % 101 for i in range(n)],
            **{w: ["due"] * n for w in WAVES},
        }
    )
    chart = charts.wave_grid(grid, lang="en", title="grid", wave_labels=WAVES)
    spec = chart.to_dict()
    assert spec["height"] == {"step": 26}  # one 26-pixel row per customer, whatever their number
    rows = _layers(chart)[0]["encoding"]["y"]["sort"]
    assert len(rows) == len(set(rows)) == n and rows[0] == "C000 · Day 0"
    assert len(chart.data) == n * len(WAVES)


def test_a_wave_grid_row_reads_as_the_customers_day_in_chinese():
    """Issue #33: "C00014438 · 第几天 93", the column header reused."""
    grid = pd.DataFrame({"customer_id": ["C1", "C2"], "day": [93, 0], **{w: ["due"] * 2 for w in WAVES}})
    chart = charts.wave_grid(grid, lang="zh", title="grid", wave_labels=WAVES)
    assert _layers(chart)[0]["encoding"]["y"]["sort"] == ["C1 · 第93天", "C2 · 第0天"]


def _cohorts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cohort": ["2026-08", "2026-10", "2026-11"],
            "customers": [10, 12, 3],
            "days_reached": [83, 22, 0],
            "wave_1_done": [0.9, 0.8, 0.3],
            "wave_2_done": [0.7, 0.4, 0.0],
        }
    )


def test_cohorts_not_at_the_day_yet_are_marked_incomplete():
    measures = {"wave_1_done": "1 Activate", "wave_2_done": "2 First product"}
    chart = charts.cohort_lines(
        _cohorts(), measures=measures, days={"wave_1_done": 7, "wave_2_done": 30}, lang="en", title="t"
    )
    points = chart.layer[1].data
    complete = {(r.cohort, r.m): r.complete for r in points.itertuples()}
    assert complete == {
        ("2026-08", "wave_1_done"): True,
        ("2026-10", "wave_1_done"): True,
        ("2026-11", "wave_1_done"): False,  # day 0 of 7
        ("2026-08", "wave_2_done"): True,
        ("2026-10", "wave_2_done"): False,  # day 22 of 30
        ("2026-11", "wave_2_done"): False,
    }
    # The line joins complete cohorts only: no drop to the still-filling November.
    assert set(chart.layer[0].data["cohort"]) == {"2026-08", "2026-10"}


def test_cohort_colours_mean_the_same_measure_in_both_languages():
    colours = {}
    for lang, labels in (("en", ["1 Activate", "2 First product"]), ("zh", ["1 激活", "2 首购"])):
        measures = dict(zip(["wave_1_done", "wave_2_done"], labels))
        chart = charts.cohort_lines(
            _cohorts(), measures=measures, days=dict.fromkeys(measures, 7), lang=lang, title="t"
        )
        scale = _layers(chart)[1]["encoding"]["color"]["scale"]
        assert scale["domain"] == labels
        colours[lang] = scale["range"]
    assert colours["en"] == colours["zh"] and len(set(colours["en"])) == 2


@pytest.mark.parametrize(
    ("up_red", "up", "down"), [(True, charts.RED, charts.GREEN), (False, charts.GREEN, charts.RED)]
)
def test_migration_colours_follow_the_convention(up_red, up, down):
    df = pd.DataFrame(
        {
            "from_tier": ["V0", "V1", "V2"],
            "to_tier": ["V1", "V1", "V1"],
            "move": ["up", "same", "down"],
            "customers": [1, 2, 3],
        }
    )
    chart = charts.migration_heatmap(df, rules=RULES, lang="zh", title="m", up_red=up_red)
    scale = _layers(chart)[0]["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"])) == {"up": up, "same": "#e6e9ed", "down": down}


def test_months_chart_labels_the_words_and_every_third_month():
    months = [*map(str, range(5, 24)), "24+", "从未动户"]
    df = pd.DataFrame({"months": months, "customers": range(len(months))})
    chart = charts.count_bars(
        df, category="months", category_title="m", lang="zh", title="t", sort=months, label_step=3
    )
    axis = chart.to_dict()["encoding"]["x"]["axis"]
    assert axis["labelOverlap"] is False and "% 3 == 0" in axis["labelExpr"] and "isNaN" in axis["labelExpr"]
    assert axis["labelAngle"] == -90  # issue #33: at -40° "24+" and "从未动户" overlapped
    assert chart.to_dict()["encoding"]["x"]["sort"] == months


def test_the_outcome_rates_chart_names_every_list():
    """Issue #33: seven lists along the bottom; Vega dropped the names that overlapped (4 of 7 shown)."""
    labels = {
        n: f"名单{i}"
        for i, n in enumerate(
            ["threshold", "dormant", "alliance-unused", "honeymoon", "churn", "downgrade", "maturity"]
        )
    }
    df = pd.DataFrame({"list_name": list(labels), "outcome_rate": [0.5] * 7, "control_rate": [0.1] * 7})
    spec = charts_work.outcome_rates(df, lang="zh", title="t", list_labels=labels).to_dict()
    y = spec["encoding"]["y"]
    assert (y["field"], y["sort"], y["axis"]["labelOverlap"]) == ("list_label", list(labels.values()), False)
    assert spec["height"] == 60 * 7


def test_tier_shares_put_customers_and_aum_side_by_side():
    """Issue #33: in counts the V0 bar (16,000) dwarfed V4-V6 (a few hundred), which hold the money."""
    df = pd.DataFrame(
        {
            "tier": RULES.tier_codes,
            "customers": [16_000, 3000, 800, 300, 60, 30, 10],
            "aum": [0.4e8, 1.5e8, 1.2e8, 0.9e8, 0.4e8, 0.5e8, 1.1e8],
        }
    )
    chart = charts.tier_shares(df, rules=RULES, lang="zh", title="t")
    data = chart.data
    shares = data.pivot(index="tier_label", columns="measure", values="share")
    assert set(data["measure"]) == {"客户数占比", "资产占比"}
    assert abs(shares["客户数占比"].sum() - 1) < 1e-9 and abs(shares["资产占比"].sum() - 1) < 1e-9
    v6 = [label for label in shares.index if label.startswith("V6")][0]
    assert shares.loc[v6, "客户数占比"] < 0.001 and shares.loc[v6, "资产占比"] > 0.15


def test_a_week_only_partly_in_the_window_says_so_and_is_drawn_pale():
    """Issue #33: the last week of the 30 days held three of its days and looked like a quiet week."""
    from datetime import date

    weeks = [date(2026, 11, 16), date(2026, 11, 23), date(2026, 12, 14), date(2026, 12, 21)]
    df = pd.DataFrame({"week": weeks, "products": [5, 20, 14, 2]})
    window = (date(2026, 11, 23), date(2026, 12, 22))
    chart = charts_work.week_bars(df, value="products", value_title="n", lang="zh", title="t", window=window)
    assert chart.data["week"].tolist() == ["2026-11-16（0天）", "2026-11-23", "2026-12-14", "2026-12-21（2天）"]
    assert chart.data["partial"].tolist() == [True, False, False, True]
    english = charts_work.week_bars(df, value="products", value_title="n", lang="en", title="t", window=window)
    assert english.data["week"].tolist()[-1] == "2026-12-21 (2 days)"
