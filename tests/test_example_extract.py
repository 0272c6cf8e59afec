"""The hand-made boundary extract (examples/boundary): every view against results
worked out by hand from its README table."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from custdash.lists.alliance_unused import unused_entitlement
from custdash.lists.dormant import dormant_list
from custdash.lists.threshold import threshold_list
from custdash.queries.alliance import (
    alliance_by_tier,
    alliance_channel_aum,
    alliance_heatmap,
    alliance_segments,
)
from custdash.queries.honeymoon import cohorts, wave_status
from custdash.queries.threshold import threshold_bands
from custdash.queries.tiers import migration_summary, tier_distribution, tier_migration
from custdash.scope import Scope
from custdash.summary import summary
from custdash.views import call_list
from tests.conftest import EXAMPLE, EXAMPLE_AS_OF, ROOT

A = EXAMPLE_AS_OF


def cells(**found: dict[str, int]) -> dict[str, dict[str, int]]:
    """The summary's matrix block (DOMAIN.md §9): every class and stage, zeros included."""
    from custdash.rules_grades import CLASSES, STAGES

    return {k: {s: found.get(k, {}).get(s, 0) for s in STAGES} for k in CLASSES}


EXPECTED_SUMMARY = {
    "as_of": "2026-11-15",
    "tiers": {"V0": 29, "V1": 7, "V2": 1, "V3": 0, "V4": 0, "V5": 1, "V6": 1},
    "threshold": 3,
    "dormant": 3,
    "honeymoon": {"in_window": 4, "due": 4, "overdue": 1},
    "alliance": {
        "peak_redemptions": 4,
        "off_peak_redemptions": 7,
        "free_tickets_used_ytd": 11,
        "free_tickets_entitled": 76,
    },
    # DOMAIN.md §6 (README table, C10 and C20-C40).
    "churn": 3,
    "downgrade": 2,
    "maturing": 4,
    "birthdays": 3,
    # DOMAIN.md §8 (README, households): H01-H08 shown (H09's head opened after A, H10 has one
    # member); H04 and H05 of hidden value; H01, H02 and H07 near the next tier.
    "households": {"households": 8, "hidden_value": 2, "near_threshold": 3},
    # DOMAIN.md §9 (tests/test_grades.py): C05, C06 (AUM 100 points) and C18 (V1, three
    # products, the mobile-banking fallback) C; C16 and C17 D.
    "grades": {"A": 0, "B": 0, "C": 3, "D": 2, "E": 34},
    # tests/test_matrix.py: each customer's class and stage.
    "matrix": cells(
        family={"stable": 1},
        payroll={"new": 1, "dormant": 1, "growing": 1, "stable": 1},
        film_lover={"growing": 1},
        alliance={"new": 1, "stable": 1},
        mass={"new": 2, "lost": 14, "dormant": 2, "declining": 4, "growing": 3, "stable": 6},
    ),
}


def test_summary_whole_dict(example_session, rules):
    assert summary(example_session, as_of=A, rules=rules) == EXPECTED_SUMMARY


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (
            Scope(branch_id="B1"),
            {
                "as_of": "2026-11-15",
                "tiers": {"V0": 7, "V1": 3, "V2": 0, "V3": 0, "V4": 0, "V5": 0, "V6": 0},
                "threshold": 2,
                "dormant": 2,
                "churn": 1,
                "honeymoon": {"in_window": 3, "due": 3, "overdue": 0},
                "households": {"households": 3, "hidden_value": 0, "near_threshold": 1},
                "grades": {"A": 0, "B": 0, "C": 0, "D": 1, "E": 9},
                "matrix": cells(
                    mass={"new": 2, "dormant": 1, "stable": 1},
                    family={"stable": 1},
                    alliance={"stable": 1},
                    payroll={"growing": 1, "dormant": 1, "stable": 1, "new": 1},
                ),
                "alliance": {
                    "peak_redemptions": 2,
                    "off_peak_redemptions": 2,
                    "free_tickets_used_ytd": 6,
                    "free_tickets_entitled": 12,
                },
            },
        ),
        (
            Scope(manager_id="M3"),
            {
                "as_of": "2026-11-15",
                "tiers": {"V0": 4, "V1": 1, "V2": 0, "V3": 0, "V4": 0, "V5": 1, "V6": 1},
                "threshold": 1,
                "dormant": 1,
                "honeymoon": {"in_window": 1, "due": 1, "overdue": 1},
                "households": {"households": 2, "hidden_value": 0, "near_threshold": 2},
                "grades": {"A": 0, "B": 0, "C": 3, "D": 1, "E": 3},
                "matrix": cells(
                    film_lover={"growing": 1},
                    mass={"stable": 2, "dormant": 1, "lost": 1, "growing": 1},
                    alliance={"new": 1},
                ),
                "alliance": {
                    "peak_redemptions": 2,
                    "off_peak_redemptions": 5,
                    "free_tickets_used_ytd": 5,
                    "free_tickets_entitled": 46,
                },
            },
        ),
        (
            Scope(branch_id="B3"),
            {
                "as_of": "2026-11-15",
                "tiers": {"V0": 17, "V1": 3, "V2": 1, "V3": 0, "V4": 0, "V5": 0, "V6": 0},
                "threshold": 0,
                "dormant": 0,
                "honeymoon": {"in_window": 0, "due": 0, "overdue": 0},
                "households": {"households": 3, "hidden_value": 2, "near_threshold": 0},
                "grades": {"A": 0, "B": 0, "C": 0, "D": 0, "E": 21},
                "matrix": cells(mass={"declining": 4, "stable": 3, "lost": 12, "growing": 2}),
                "alliance": {
                    "peak_redemptions": 0,
                    "off_peak_redemptions": 0,
                    "free_tickets_used_ytd": 0,
                    "free_tickets_entitled": 18,
                },
                "churn": 2,
                "downgrade": 2,
                "maturing": 4,
                "birthdays": 3,
            },
        ),
    ],
)
def test_summary_scoped(example_session, rules, scope, expected):
    expected = {**{k: 0 for k in ("churn", "downgrade", "maturing", "birthdays")}, **expected}
    assert summary(example_session, as_of=A, rules=rules, scope=scope) == expected


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("threshold", ["C01", "C03", "C06"]),
        ("dormant", ["C10", "C08", "C11"]),
        ("honeymoon", ["C17", "C16", "C15", "C14"]),
        ("alliance-unused", ["C05", "C06", "C26", "C04", "C18", "C27", "C28", "C29", "C02"]),
        # Earlier AUM descending: C10 (70,000, AUM fell), C23 (exactly 70% of the 50,000 floor),
        # C20 (three transfers out totalling exactly 50,000, the first on day 90 of the window).
        ("churn", ["C10", "C23", "C20"]),
        # Shortfall ascending: C26 0.01 below V2's bound, C27 10,000 below V1's.
        ("downgrade", ["C26", "C27"]),
        # One row per product: 16 Nov (300,000 before 200,000), then A+30 (5,000 before no amount).
        ("maturity", ["C32", "C30", "C32", "C31"]),
        # 15 Nov (V2 before V0), 21 Nov (A+6).
        ("birthdays", ["C26", "C37", "C38"]),
        # The heads of H01 (gap 0.01), H02 (exactly 90,000: on the band's edge) and H07 (600,000).
        ("household", ["C01", "C11", "C06"]),
    ],
)
def test_call_lists_in_order(example_session, rules, name, ids):
    assert list(call_list(name, example_session, as_of=A, rules=rules, scope=Scope())["customer_id"]) == ids


def test_tier_distribution(example_session, rules):
    df = tier_distribution(example_session, as_of=A, rules=rules)
    assert df.to_dict("list") == {
        "tier": ["V0", "V1", "V2", "V3", "V4", "V5", "V6"],
        # B3 adds 17 in V0 (C23 35,000 and C24 35,000.01), C27-C29 in V1 (60,000 + 60,000 + 55,000)
        # and C26 in V2 (100,000).
        "customers": [29, 7, 1, 0, 0, 1, 1],
        "aum": [121000.0, 464999.99, 100000.0, 0.0, 0.0, 5400000.0, 6000000.0],
    }


def test_tier_distribution_by_branch(example_session, rules):
    df = tier_distribution(example_session, as_of=A, rules=rules, split="branch")
    assert [tuple(r) for r in df[["branch_id", "tier", "customers"]].itertuples(index=False)] == [
        ("B1", "V0", 7),
        ("B1", "V1", 3),
        ("B2", "V0", 5),
        ("B2", "V1", 1),
        ("B2", "V5", 1),
        ("B2", "V6", 1),
        ("B3", "V0", 17),
        ("B3", "V1", 3),
        ("B3", "V2", 1),
    ]


def test_tier_migration(example_session, rules):
    df = tier_migration(example_session, as_of=A, rules=rules)
    assert [tuple(r) for r in df.itertuples(index=False)] == [
        ("V0", "V0", 28, "same"),
        ("V0", "V1", 5, "up"),  # C27-C29 have no September row
        ("V0", "V2", 1, "up"),  # C26
        ("V1", "V0", 1, "down"),
        ("V1", "V1", 2, "same"),
        ("V5", "V5", 1, "same"),
        ("V5", "V6", 1, "up"),
    ]
    assert migration_summary(df) == {"up": 7, "down": 1, "same": 31}


def test_threshold_list_columns(example_session, rules):
    df = threshold_list(example_session, as_of=A, rules=rules)
    assert df[["customer_id", "tier", "next_tier", "gap", "next_entitlement"]].to_dict("list") == {
        "customer_id": ["C01", "C03", "C06"],
        "tier": ["V0", "V1", "V5"],
        "next_tier": ["V1", "V2", "V6"],
        "gap": [0.01, 10000.0, 600000.0],
        "next_entitlement": [4, 6, 24],
    }


def test_threshold_bands(example_session, rules):
    df = threshold_bands(example_session, as_of=A, rules=rules)
    got = {(r.next_tier, r.band): r.customers for r in df.itertuples() if r.customers}
    # C01 is 0.00002% under V1; C03 and C06 exactly 10% under V2 and V6.
    assert got == {("V1", 0.01): 1, ("V1", 0.02): 1, ("V1", 0.05): 1, ("V1", 0.10): 1, ("V2", 0.10): 1, ("V6", 0.10): 1}


def test_dormant_list_whole(example_session, rules):
    df = dormant_list(example_session, as_of=A, rules=rules)
    assert df.drop(columns=["name", "phone"]).to_dict("records") == [
        {
            "customer_id": "C10",
            "branch_id": "B1",
            "manager_id": "M2",
            "dormant_cards": 1,
            "last_activity": None,
            "never_used": True,
            "balance": 0.0,
            "zero_balance": True,
            "peak_aum_12m": 70000.0,
            "priority": True,
        },
        {
            "customer_id": "C08",
            "branch_id": "B1",
            "manager_id": "M1",
            "dormant_cards": 1,
            "last_activity": date(2026, 5, 19),
            "never_used": False,
            "balance": 3.5,
            "zero_balance": True,
            "peak_aum_12m": 60000.0,
            "priority": True,
        },
        {
            "customer_id": "C11",
            "branch_id": "B2",
            "manager_id": "M3",
            "dormant_cards": 1,
            "last_activity": date(2025, 1, 1),  # the active card's; the closed card's 2025-03-01 does not count
            "never_used": False,
            "balance": 20.0,
            "zero_balance": False,
            "peak_aum_12m": 40000.0,
            "priority": False,
        },
    ]


def test_wave_grid(example_session, rules):
    df = wave_status(example_session, as_of=A, rules=rules)
    assert [
        tuple(r)
        for r in df[
            ["customer_id", "day", "wave_1", "wave_2", "wave_3", "wave_4", "due_waves", "overdue_waves"]
        ].itertuples(index=False)
    ] == [
        ("C17", 100, "done", "done", "overdue", "due", "4", "3"),
        ("C16", 8, "done", "due", "upcoming", "upcoming", "2", ""),
        ("C15", 7, "due", "upcoming", "upcoming", "upcoming", "1", ""),
        ("C14", 0, "due", "upcoming", "upcoming", "upcoming", "1", ""),
    ]


def test_cohorts(example_session, rules):
    df = cohorts(example_session, as_of=A, rules=rules)
    assert df.to_dict("list") == {
        "cohort": ["2026-05", "2026-08", "2026-11"],
        "customers": [2, 2, 3],
        # Days since the cohort's last opening day (31 May, 31 Aug; November is still open).
        "days_reached": [168, 76, 0],
        "wave_1_done": [0.0, 1.0, 0.3333],
        "wave_2_done": [0.0, 0.5, 0.0],
        "wave_3_done": [0.0, 0.0, 0.0],
        "wave_4_done": [0.0, 0.0, 0.0],
        "deep_by_day_100": [0.0, 1.0, 0.0],
        "v1_plus_at_day_100": [0.5, 0.5, 0.0],
    }


def test_alliance_by_tier(example_session, rules):
    df = alliance_by_tier(example_session, as_of=A, rules=rules).set_index("tier")
    assert df.loc["V1"].to_dict() == {
        "customers": 7,  # C27-C29 redeemed nothing
        "peak_redemptions": 2,
        "off_peak_redemptions": 2,
        "peak_tickets": 4,
        "off_peak_tickets": 3,
        "free_used": 6,
        "subsidy": 332.0,
        "entitled": 28,
        "utilisation": 0.2143,
    }
    assert df.loc["V6"].to_dict() == {
        "customers": 1,
        "peak_redemptions": 1,
        "off_peak_redemptions": 5,
        "peak_tickets": 1,
        "off_peak_tickets": 5,
        "free_used": 2,
        "subsidy": 245.0,
        "entitled": 24,
        "utilisation": 0.0833,
    }
    assert df.loc["V5", "subsidy"] == 150.0
    assert df.loc["V0", "entitled"] == 0 and pd.isna(df.loc["V0", "utilisation"])


def test_alliance_heatmap(example_session, rules):
    df = alliance_heatmap(example_session, as_of=A, rules=rules)
    assert [tuple(r) for r in df[["weekday", "hour", "redemptions"]].itertuples(index=False)] == [
        (0, 0, 1),
        (1, 14, 2),
        (1, 15, 1),
        (2, 14, 1),
        (2, 15, 1),
        (3, 10, 1),
        (3, 14, 1),
        (4, 11, 1),
        (4, 12, 1),
        (6, 23, 1),
    ]


def test_alliance_segments(example_session, rules):
    df = alliance_segments(example_session, as_of=A, rules=rules)
    assert df.to_dict("list") == {
        "segment": ["family", "film_lover", "other"],
        "customers": [1, 1, 2],
        "redemptions": [2, 6, 4],
    }


def test_alliance_channel_aum(example_session, rules):
    df = alliance_channel_aum(example_session, as_of=A, rules=rules)
    assert df[["group", "customers", "aum"]].to_dict("list") == {
        "group": ["alliance", "other"],
        "customers": [3, 36],  # B3's 21 walk-in customers: 70,000.01 + 275,000 more
        "aum": [140000.0, 11945999.99],
    }


def test_unused_entitlement_whole(example_session, rules):
    df = unused_entitlement(example_session, as_of=A, rules=rules)
    assert df[["customer_id", "tier", "entitled", "free_used_ytd", "remaining"]].to_dict("list") == {
        "customer_id": ["C05", "C06", "C26", "C04", "C18", "C27", "C28", "C29", "C02"],
        "tier": ["V6", "V5", "V2", "V1", "V1", "V1", "V1", "V1", "V1"],
        "entitled": [24, 18, 6, 4, 4, 4, 4, 4, 4],
        "free_used_ytd": [2, 3, 0, 0, 0, 0, 0, 0, 2],
        "remaining": [22, 15, 6, 4, 4, 4, 4, 4, 2],
    }


def _cli(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "custdash", *args, "--db", db], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_cli_import_then_summary_json(tmp_path):
    db = str(tmp_path / "cli.db")
    r = _cli("import", str(EXAMPLE), db=db)
    assert r.returncode == 0, r.stderr
    r = _cli("summary", "--json", db=db)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == EXPECTED_SUMMARY
    r = _cli("summary", "--json", "--branch", "B1", "--as-of", "2026-11-15", db=db)
    assert json.loads(r.stdout)["tiers"]["V1"] == 3
    # The plain summary counts every list the JSON does (the §6 lists were missing from it).
    r = _cli("summary", db=db)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[2] == (
        "Near next tier: 3   Dormant: 3   Churn warning: 3   Downgrade risk: 2   Maturing products: 4   "
        "Birthdays, next 7 days: 3"
    )


def test_cli_export_and_check(example_db, tmp_path):
    out = tmp_path / "d.csv"
    r = _cli("export", "dormant", "--out", str(out), db=example_db)
    assert r.returncode == 0, r.stderr
    lines = out.read_bytes().decode("utf-8").splitlines()
    assert lines[0].startswith("\ufeffcustomer_id,")
    assert [ln.split(",")[0] for ln in lines[1:]] == ["C10", "C08", "C11"]
    assert "138****0010" in lines[1]
    r = _cli(
        "export", "threshold", "--manager", "M3", "--format", "xlsx", "--out", str(tmp_path / "t.xlsx"), db=example_db
    )
    assert r.returncode == 0, r.stderr
    assert pd.read_excel(tmp_path / "t.xlsx")["customer_id"].tolist() == ["C06"]
    r = _cli("check", db=example_db)
    assert r.returncode == 0 and "as of 2026-11-15" in r.stdout and "customer" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["summary", "--as-of", "2026-13-01"], "--as-of must be a date YYYY-MM-DD, got '2026-13-01'"),
        (["summary", "--branch", "NOPE"], "unknown branch 'NOPE'"),
        (
            ["summary", "--as-of", "2027-01-01"],
            "--as-of 2027-01-01 is outside the data: the extract covers 2025-12-01 to 2026-11-15",
        ),
        # Issue #33: two years back every customer was V0 with no AUM. The extract's AUM history
        # starts in 2025-10: the first date with a basis month and the month before it held.
        (["summary", "--as-of", "2025-11-30"], "--as-of 2025-11-30 is outside the data: the extract covers 2025-12-01"),
        (["export", "dormant", "--as-of", "2024-04-01"], "--as-of 2024-04-01 is outside the data"),
        (["export", "dormant", "--as-of", "2020-01-01"], "--as-of 2020-01-01 is outside the data"),
        (["export", "dormant", "--manager", "M9"], "unknown manager 'M9'"),
        (["export", "dormant", "--branch", "B2", "--manager", "M1"], "manager 'M1' is not in branch 'B2'"),
    ],
)
def test_cli_bad_arguments(example_db, args, message):
    r = _cli(*args, db=example_db)
    assert r.returncode == 1
    assert message in r.stderr and "Traceback" not in r.stderr
