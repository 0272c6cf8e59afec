"""The rules file: defaults from DOMAIN.md, validation that names the key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from custdash.rules import DEFAULT_RULES_PATH, RulesError, load_rules
from tests.conftest import rules_variant


def test_defaults_match_domain(rules):
    assert [(t.code, t.name_en, t.name_zh, t.lower_bound) for t in rules.tiers] == [
        ("V0", "Mass", "大众", 0),
        ("V1", "Potential", "潜力", 50000),
        ("V2", "Gold", "金卡", 100000),
        ("V3", "Platinum", "白金", 200000),
        ("V4", "Diamond", "钻石", 500000),
        ("V5", "Wealth", "财富", 1000000),
        ("V6", "Private", "私行", 6000000),
    ]
    assert rules.threshold.band == 0.10
    assert (
        rules.dormant.days,
        rules.dormant.non_activity_kinds,
        rules.dormant.zero_balance_below,
        rules.dormant.priority_peak_aum,
        rules.dormant.peak_months,
    ) == (180, ("fee", "interest"), 10, 50000, 12)
    assert rules.alliance.entitlement == {"V0": 0, "V1": 4, "V2": 6, "V3": 8, "V4": 12, "V5": 18, "V6": 24}
    assert (rules.alliance.discount_peak, rules.alliance.discount_off_peak) == (0.20, 0.50)
    assert rules.alliance.peak_seasons == (("07-01", "08-31"),)
    assert [(w.wave, w.start, w.end) for w in rules.honeymoon.waves] == [
        (1, 0, 7),
        (2, 8, 30),
        (3, 31, 60),
        (4, 61, 100),
    ]
    assert rules.honeymoon.days == 100
    assert (
        rules.churn.window_days,
        rules.churn.min_outflows,
        rules.churn.min_outflow_total,
        rules.churn.aum_drop_ratio,
        rules.churn.aum_drop_floor,
    ) == (90, 3, 50000, 0.70, 50000)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "lower_bound = 100000 }",
            "lower_bound = 40000 }",
            "tiers.levels: not sorted: V2 (40000) must be above V1 (50000)",
        ),
        ("band = 0.10", "band = -0.1", "threshold.band: must be >= 0, got -0.1"),
        ("band = 0.10", "band = 0.5", "threshold.band: must lie between band_min (0.01) and band_max (0.3), got 0.5"),
        (
            "start = 8,  end = 30",
            "start = 7,  end = 30",
            "honeymoon.waves: overlap: wave 2 starts on day 7, wave 1 ends on day 7",
        ),
        ("[churn]", "[churn]\nsurprise = 1", "churn.surprise: unknown key"),
        ("cycle_days = 30", "cycle_days = 0", "contact.cycle_days: must be >= 1, got 0"),
        ("daily_capacity = 40", "daily_capacity = 4.5", "contact.daily_capacity: must be an integer, got 4.5"),
        ("days = 180", "dayz = 180", "dormant.dayz: unknown key"),
        ("days = 180", 'days = "180"', "dormant.days: must be an integer, got '180'"),
        ('weekend_from_time = "12:00"', 'weekend_from_time = "noon"', "alliance.weekend_from_time: must be HH:MM"),
        ("V6 = 24 }", "V7 = 24 }", "alliance.entitlement: must give a ticket count for exactly the tiers"),
        (
            'non_activity_kinds = ["fee", "interest"]',
            'non_activity_kinds = ["fees"]',
            "dormant.non_activity_kinds: must be a list of transaction kinds",
        ),
        ('peak_seasons = [["07-01", "08-31"]]', 'peak_seasons = [["08-31", "07-01"]]', "alliance.peak_seasons"),
        ("start = 61, end = 100", "start = 61, end = 120", "honeymoon.waves[3].end: must be <= honeymoon.days (100)"),
        ("[tiers]", "[tiers", "not valid TOML"),
        # The contribution grade (DOMAIN.md §9): weights sum to 100, steps rise, points 0-100.
        ("aum = 40, products = 20,", "aum = 41, products = 20,", "grades.weights: must sum to 100, got 101"),
        ("aum = 40, products = 20,", "aum = 40, goods = 20,", "grades.weights: must name exactly aum, products"),
        ("[5, 100]]", "[5, 101]]", "grades.products_steps: points must be whole numbers from 0 to 100, got [5, 101]"),
        (
            "[[0, 0], [1, 30], [10, 60]",
            "[[0, 0], [10, 30], [10, 60]",
            "grades.activity_steps: bounds must rise strictly",
        ),
        ("[5, 70], [15, 100]]", "[5, 70], [15, 60]]", "grades.channel_steps: points must not fall as the bound rises"),
        ("aum_steps = [[0, 0],", "aum_steps = [[1, 0],", "grades.aum_steps: the first step must start at 0, got 1"),
        ("A = 80, B = 60", "A = 60, B = 60", "grades.grade_bounds: must fall strictly from A to D"),
        (
            "channel_fallback_points = 50",
            "channel_fallback_points = 150",
            "grades.channel_fallback_points: must be <= 100",
        ),
    ],
)
def test_invalid_rules_name_the_key(tmp_path, old, new, message):
    p = rules_variant(tmp_path, old, new)
    with pytest.raises(RulesError) as err:
        load_rules(p)
    assert message in str(err.value)
    assert str(p) in str(err.value)


def test_missing_rules_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTDASH_RULES", str(tmp_path / "nope.toml"))
    with pytest.raises(RulesError, match="rules file not found"):
        load_rules()


def test_env_override_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTDASH_RULES", str(rules_variant(tmp_path, "band = 0.10", "band = 0.05")))
    assert load_rules().threshold.band == 0.05


def test_every_rule_is_documented():
    """Every key of the rules file has a row in docs/RULES.md."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "RULES.md").read_text(encoding="utf-8")
    raw = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    keys = [f"{section}.{key}" for section, table in raw.items() for key in table]
    missing = [k for k in keys if not re.search(rf"`{re.escape(k)}`", doc)]
    assert missing == []


def test_settings_table_matches_docs():
    from custdash.config import SETTINGS

    doc = (Path(__file__).resolve().parents[1] / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(CUSTDASH_\w+)` \| `([^`]*)` \|", doc, flags=re.M))
    assert rows == {s.name: s.default for s in SETTINGS}


def test_tiers_of_agrees_with_tier_of_at_every_bound(rules):
    values = [0.0, 0.01]
    for t in rules.tiers[1:]:
        values += [t.lower_bound - 0.01, t.lower_bound, t.lower_bound + 0.01]
    assert rules.tiers_of(values) == [rules.tier_of(v) for v in values]
    assert rules.tiers_of([49_999.99, 50_000.0, 6_000_000.0]) == ["V0", "V1", "V6"]


def test_the_contact_rules_do_not_stale_the_facts(tmp_path, rules):
    """No fact depends on [contact]: editing it keeps the fingerprint (the facts stay in use);
    editing a rule the facts use changes it."""
    contact = load_rules(rules_variant(tmp_path, "cycle_days = 30", "cycle_days = 14"))
    assert (contact.contact.cycle_days, contact.fingerprint) == (14, rules.fingerprint)
    band = load_rules(rules_variant(tmp_path, "band = 0.10", "band = 0.05"))
    assert band.fingerprint != rules.fingerprint


def _without(tmp_path: Path, *sections: str, keys: tuple[str, ...] = ()) -> Path:
    """The packaged rules file as an earlier version had it: without these sections and keys."""
    raw = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    kept, skipping = [], False
    for line in raw.splitlines():
        header = re.fullmatch(r"\[(\w+)\]", line.strip())
        if header:
            skipping = header.group(1) in sections
        if not skipping and not any(line.startswith(f"{k} =") for k in keys):
            kept.append(line)
    p = tmp_path / "old-rules.toml"
    p.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return p


def test_a_copy_from_an_earlier_version_takes_the_new_sections_defaults(tmp_path, rules):
    """Issue #33: a copy without [birthdays] and [contact] stopped the dashboard with
    "rules.birthdays: missing key", naming only the first."""
    old = load_rules(_without(tmp_path, "birthdays", "contact"))
    assert old.defaulted == ("birthdays", "contact")
    assert (old.birthdays, old.contact, old.threshold, old.fingerprint) == (
        rules.birthdays,
        rules.contact,
        rules.threshold,
        rules.fingerprint,
    )
    assert rules.defaulted == ()


def test_a_key_new_in_this_version_takes_its_default_and_is_named(tmp_path, rules):
    old = load_rules(_without(tmp_path, keys=("backdate_days", "follow_up_days")))
    assert old.defaulted == ("contact.backdate_days", "contact.follow_up_days")
    assert (old.contact.backdate_days, old.contact.follow_up_days) == (30, 365)


def test_what_a_copy_has_is_still_validated(tmp_path):
    p = _without(tmp_path, "birthdays")
    p.write_text(p.read_text(encoding="utf-8").replace("cycle_days = 30", "cycle_days = 0"), encoding="utf-8")
    with pytest.raises(RulesError, match=r"contact\.cycle_days: must be >= 1, got 0"):
        load_rules(p)


def test_check_names_the_defaults_a_copy_took(example_db, tmp_path):
    import os
    import subprocess
    import sys

    p = _without(tmp_path, "birthdays", "contact")
    env = {**os.environ, "CUSTDASH_RULES": str(p)}
    r = subprocess.run(
        [sys.executable, "-m", "custdash", "check", "--db", example_db],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert f"rules: {p} took the defaults of birthdays, contact (docs/RULES.md)" in r.stdout.splitlines()


@pytest.mark.parametrize(
    ("dimension", "edges"),
    [
        # Each step's edge: its bound gives its points, one below the step before's.
        ("aum", [(0, 0), (49999.99, 0), (50000, 40), (199999.99, 40), (200000, 70), (1000000, 100)]),
        ("products", [(0, 0), (1, 25), (2, 50), (3, 75), (4, 75), (5, 100)]),
        ("activity", [(0, 0), (1, 30), (9, 30), (10, 60), (29, 60), (30, 100)]),
        ("channel", [(0, 0), (1, 40), (4, 40), (5, 70), (14, 70), (15, 100)]),
    ],
)
def test_grade_steps_apply_from_their_bound_up(dimension, edges):
    g = load_rules().grades
    assert [(m, g.points(dimension, m)) for m, _ in edges] == edges


def test_grade_bounds_are_hit_exactly():
    g = load_rules().grades
    # 40 x 100 + 20 x 100 + 20 x 50 + 20 x 50 = 8,000 / 100 = 80: exactly A.
    assert g.score({"aum": 100, "products": 100, "activity": 50, "channel": 50}) == 80
    assert [g.grade(s) for s in (100, 80, 79.8, 60, 59.8, 40, 39.8, 20, 19.8, 0)] == list("AABBCCDDEE")
