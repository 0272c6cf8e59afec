"""Every boundary of DOMAIN.md, each on a tiny store built through the importer."""

from __future__ import annotations

from datetime import date

import pytest

from custdash import source
from custdash.lists.dormant import dormant_list
from custdash.lists.honeymoon import honeymoon_counts
from custdash.lists.threshold import threshold_list
from custdash.queries.alliance import alliance_by_tier, alliance_totals
from custdash.queries.dormant import dormant_by_months
from custdash.queries.honeymoon import wave_status
from custdash.queries.tiers import tier_distribution
from tests.conftest import DEMO_AS_OF, build_store, customer, query_store

AS_OF = "2026-11-15"
A = date(2026, 11, 15)


@pytest.mark.parametrize(
    ("aum", "tier"),
    [
        (None, "V0"),
        (0, "V0"),
        (49999.99, "V0"),
        (50000, "V1"),
        (99999.99, "V1"),
        (100000, "V2"),
        (199999.99, "V2"),
        (200000, "V3"),
        (499999.99, "V3"),
        (500000, "V4"),
        (999999.99, "V4"),
        (1000000, "V5"),
        (5999999.99, "V5"),
        (6000000, "V6"),
        (80000000, "V6"),
    ],
)
def test_tier_bounds_are_inclusive_lower_bounds(tmp_path, rules, aum, tier):
    aum_rows = [] if aum is None else [{"customer_id": "C1", "month": "2026-10", "avg_daily_aum": aum}]
    # A row for the as-of month itself must not count: the basis is the month before.
    aum_rows.append({"customer_id": "C1", "month": "2026-11", "avg_daily_aum": 99999999})
    with build_store(tmp_path, as_of=AS_OF, customers=[customer("C1")], aum_monthly=aum_rows) as s:
        df = tier_distribution(s, as_of=A, rules=rules)
    assert df.set_index("tier")["customers"].to_dict() == {c: int(c == tier) for c in rules.tier_codes}


@pytest.mark.parametrize(
    ("aum", "near", "next_tier", "gap"),
    [
        (44999.99, False, None, None),
        (45000, True, "V1", 5000.0),
        (49999.99, True, "V1", 0.01),
        (50000, False, None, None),  # now V1; 50,000 is far from V2's 100,000
        (89999.99, False, None, None),
        (90000, True, "V2", 10000.0),
        (5399999.99, False, None, None),
        (5400000, True, "V6", 600000.0),
        (6000000, False, None, None),  # the top tier has no next tier
    ],
)
def test_threshold_band_edge(tmp_path, rules, aum, near, next_tier, gap):
    with build_store(
        tmp_path,
        as_of=AS_OF,
        customers=[customer("C1")],
        aum_monthly=[{"customer_id": "C1", "month": "2026-10", "avg_daily_aum": aum}],
    ) as s:
        df = threshold_list(s, as_of=A, rules=rules)
    assert list(df["customer_id"]) == (["C1"] if near else [])
    if near:
        assert (df.loc[0, "next_tier"], df.loc[0, "gap"]) == (next_tier, gap)


def test_threshold_band_is_a_parameter(tmp_path, rules):
    with build_store(
        tmp_path,
        as_of=AS_OF,
        customers=[customer("C1"), customer("C2")],
        aum_monthly=[
            {"customer_id": "C1", "month": "2026-10", "avg_daily_aum": 96000},
            {"customer_id": "C2", "month": "2026-10", "avg_daily_aum": 94000},
        ],
    ) as s:
        assert list(threshold_list(s, as_of=A, rules=rules, band=0.05)["customer_id"]) == ["C1"]
        assert list(threshold_list(s, as_of=A, rules=rules)["customer_id"]) == ["C1", "C2"]


def _card(
    cid: str, opened_on: str = "2020-01-01", status: str = "active", balance: float = 100, card_id: str | None = None
):
    return {
        "card_id": card_id or f"K{cid}",
        "customer_id": cid,
        "opened_on": opened_on,
        "status": status,
        "balance": balance,
    }


def _txn(tid: str, card_id: str, ts: str, kind: str = "purchase"):
    return {"txn_id": tid, "card_id": card_id, "ts": ts, "amount": 10, "direction": "out", "kind": kind}


@pytest.mark.parametrize(
    ("last_activity", "kind", "dormant"),
    [
        ("2026-05-20 23:59:59", "purchase", False),  # day 179
        ("2026-05-19 00:00:00", "purchase", True),  # day 180
        ("2026-05-19 23:59:59", "atm", True),
        ("2026-11-01 10:00:00", "fee", True),  # fee is not activity: never used, opened long ago
        ("2026-11-01 10:00:00", "interest", True),
        ("2026-11-01 10:00:00", "payroll", False),
        ("2026-11-01 10:00:00", "transfer", False),
    ],
)
def test_dormant_after_180_days_and_fee_interest_are_not_activity(tmp_path, rules, last_activity, kind, dormant):
    with build_store(
        tmp_path,
        as_of=AS_OF,
        customers=[customer("C1")],
        cards=[_card("C1")],
        transactions=[_txn("T1", "KC1", last_activity, kind)],
    ) as s:
        df = dormant_list(s, as_of=A, rules=rules)
    assert list(df["customer_id"]) == (["C1"] if dormant else [])


@pytest.mark.parametrize(("opened_on", "dormant"), [("2026-05-20", False), ("2026-05-19", True)])
def test_never_used_card_dormant_from_day_180_after_opening(tmp_path, rules, opened_on, dormant):
    with build_store(tmp_path, as_of=AS_OF, customers=[customer("C1")], cards=[_card("C1", opened_on)]) as s:
        df = dormant_list(s, as_of=A, rules=rules)
    assert list(df["customer_id"]) == (["C1"] if dormant else [])
    if dormant:
        assert df.loc[0, "never_used"] and df.loc[0, "last_activity"] is None


@pytest.mark.parametrize(
    ("second_card_status", "dormant"),
    [("closed", True), ("frozen", True), ("active", False)],
)
def test_only_active_cards_decide(tmp_path, rules, second_card_status, dormant):
    """An old active card plus a recently used second card: only an active second card keeps the customer awake."""
    cards = [_card("C1", card_id="K1"), _card("C1", status=second_card_status, card_id="K2")]
    txns = [_txn("T1", "K1", "2024-01-01 10:00:00"), _txn("T2", "K2", "2026-11-10 10:00:00")]
    with build_store(tmp_path, as_of=AS_OF, customers=[customer("C1")], cards=cards, transactions=txns) as s:
        df = dormant_list(s, as_of=A, rules=rules)
    assert list(df["customer_id"]) == (["C1"] if dormant else [])


def test_customer_with_only_frozen_or_closed_cards_is_not_dormant(tmp_path, rules):
    cards = [_card("C1", status="frozen", card_id="K1"), _card("C2", status="closed", card_id="K2")]
    with build_store(tmp_path, as_of=AS_OF, customers=[customer("C1"), customer("C2")], cards=cards) as s:
        assert dormant_list(s, as_of=A, rules=rules).empty


@pytest.mark.parametrize(("balance", "zero"), [(9.99, True), (10, False)])
def test_zero_balance_below_ten(tmp_path, rules, balance, zero):
    with build_store(tmp_path, as_of=AS_OF, customers=[customer("C1")], cards=[_card("C1", balance=balance)]) as s:
        df = dormant_list(s, as_of=A, rules=rules)
    assert bool(df.loc[0, "zero_balance"]) is zero


def test_dormant_at_an_earlier_as_of_ignores_later_activity(tmp_path, rules):
    """Activity after the as-of date is ignored: the stored last-activity is bypassed."""
    with build_store(
        tmp_path,
        as_of=AS_OF,
        customers=[customer("C1")],
        cards=[_card("C1")],
        transactions=[_txn("T1", "KC1", "2025-01-01 10:00:00"), _txn("T2", "KC1", "2026-11-01 10:00:00")],
    ) as s:
        assert dormant_list(s, as_of=A, rules=rules).empty
        early = dormant_list(s, as_of=date(2026, 10, 1), rules=rules)
    assert list(early["customer_id"]) == ["C1"]
    assert early.loc[0, "last_activity"] == date(2025, 1, 1)


@pytest.mark.parametrize("live", [False, True], ids=["facts", "live"])
def test_dormant_months_since_last_activity_by_whole_months(tmp_path, rules, live):
    """As of 31 Aug: one month back from the 31st is the 28th of February (no 31 Feb)."""
    last = {
        "C1": "2026-03-01 00:00:00",  # 5 whole months (31 Aug is not before the 1st)
        "C2": "2026-02-28 23:59:59",  # 6: 31 Aug back six months is 28 Feb
        "C3": "2026-02-27 10:00:00",  # 6
        "C4": "2025-09-01 00:00:00",  # 11
        "C5": "2025-08-31 12:00:00",  # 12
        "C6": "2024-09-01 00:00:00",  # 23
        "C7": "2024-08-31 23:59:59",  # 24+
    }
    with build_store(
        tmp_path,
        as_of="2026-08-31",
        customers=[customer(c) for c in [*last, "C8"]],
        cards=[_card(c) for c in [*last, "C8"]],  # C8 never used its card
        transactions=[_txn(f"T{c}", f"K{c}", ts) for c, ts in last.items()],
    ) as s:
        s.info[source.LIVE] = live
        df = dormant_by_months(s, as_of=date(2026, 8, 31), rules=rules)
    # Every month from the first a dormant customer can have (180 days before 31 Aug is 3 Mar:
    # 5 whole months) to 24+, zeros included: the chart's axis has no gaps.
    counts = {"5": 1, "6": 2, "11": 1, "12": 1, "23": 1, "24+": 1, "never": 1}
    months = [*map(str, range(5, 24)), "24+", "never"]
    assert df.to_dict("list") == {"months": months, "customers": [counts.get(m, 0) for m in months]}


@pytest.mark.parametrize("live", [False, True], ids=["facts", "live"])
def test_transaction_after_the_extract_date_does_not_wake_a_card(tmp_path, rules, live):
    """DOMAIN.md, "The as-of date": a purchase posted after the extract date is ignored, in the
    figures derived at load time (card.last_activity_at, the facts) as much as live."""
    with build_store(
        tmp_path,
        as_of=AS_OF,
        customers=[customer("C1"), customer("C2")],
        cards=[_card("C1"), _card("C2")],
        transactions=[
            _txn("T1", "KC1", "2025-01-01 10:00:00"),
            _txn("T2", "KC1", "2026-11-16 09:00:00"),  # the day after the extract date
            _txn("T3", "KC2", "2026-11-15 23:59:59"),  # on the extract date: counts
        ],
    ) as s:
        s.info[source.LIVE] = live
        df = dormant_list(s, as_of=A, rules=rules)
    assert list(df["customer_id"]) == ["C1"]
    assert df.loc[0, "last_activity"] == date(2025, 1, 1)


@pytest.mark.parametrize("live", [False, True], ids=["facts", "live"])
def test_last_activity_is_on_active_cards_only(tmp_path, rules, live):
    """DOMAIN.md §3: a frozen card used four days ago neither wakes the customer nor shows as
    their last activity; such a customer is not 'never used' (they used a card)."""
    cards = [
        _card("C1", card_id="K1"),
        _card("C1", status="frozen", card_id="K2"),
        _card("C2", card_id="K3"),
        _card("C2", status="closed", card_id="K4"),
        _card("C3", card_id="K5"),
    ]
    txns = [
        _txn("T1", "K1", "2025-03-01 10:00:00"),
        _txn("T2", "K2", "2026-11-11 10:00:00"),
        _txn("T3", "K4", "2026-11-11 10:00:00"),  # C2's only activity: on a closed card
    ]
    customers = [customer("C1"), customer("C2"), customer("C3")]
    with build_store(tmp_path, as_of=AS_OF, customers=customers, cards=cards, transactions=txns) as s:
        s.info[source.LIVE] = live
        df = dormant_list(s, as_of=A, rules=rules)
        months = dormant_by_months(s, as_of=A, rules=rules)
    got = df.set_index("customer_id")[["last_activity", "never_used"]].to_dict("index")
    assert got == {
        "C1": {"last_activity": date(2025, 3, 1), "never_used": False},
        "C2": {"last_activity": None, "never_used": False},
        "C3": {"last_activity": None, "never_used": True},
    }
    counts = dict(zip(months["months"], months["customers"], strict=True))
    assert {m: n for m, n in counts.items() if n} == {"20": 1, "never": 2}
    assert min(int(m) for m in counts if m.isdigit()) == 5  # no 0-4-month bars


def test_dormant_months_equal_each_listed_customers_months(demo_db, rules):
    """The chart counts, from the database, what the list's own dates give month by month."""
    listed = query_store(demo_db, dormant_list, rules=rules)
    assert len(listed) > 100

    def whole_months(d: date | None) -> str:
        if d is None:
            return "never"
        n = (DEMO_AS_OF.year - d.year) * 12 + DEMO_AS_OF.month - d.month - (DEMO_AS_OF.day < d.day)
        return "24+" if n >= 24 else str(n)

    expected = listed["last_activity"].map(whole_months).value_counts()
    df = query_store(demo_db, dormant_by_months, rules=rules)
    counts = dict(zip(df["months"], df["customers"], strict=True))
    assert {m: n for m, n in counts.items() if n} == expected.to_dict()
    assert list(df["months"]) == [*map(str, range(5, 24)), "24+", "never"]


@pytest.mark.parametrize(
    ("ts", "peak"),
    [
        ("2026-10-16 11:59:59", False),  # Friday before noon
        ("2026-10-16 12:00:00", True),  # Friday noon
        ("2026-10-18 23:59:59", True),  # Sunday night
        ("2026-10-19 00:00:00", False),  # Monday
        ("2026-06-30 15:00:00", False),  # a Tuesday before the summer holidays
        ("2026-07-01 15:00:00", True),  # a Wednesday in the summer holidays
        ("2026-08-31 15:00:00", True),  # Monday, last summer day
        ("2026-09-01 15:00:00", False),  # Tuesday after
        ("2026-10-01 10:00:00", True),  # National Day, a Thursday
        ("2026-02-18 10:00:00", True),  # Spring Festival, a Wednesday
    ],
)
def test_peak_calendar(tmp_path, rules, ts, peak):
    red = {
        "redemption_id": "R1",
        "customer_id": "C1",
        "partner": "万达",
        "ts": ts,
        "tickets": 1,
        "child_tickets": 0,
        "list_price_total": 50,
        "paid_total": 0,
        "free_tickets": 1,
    }
    with build_store(tmp_path, as_of=AS_OF, customers=[customer("C1")], redemptions=[red]) as s:
        totals = alliance_totals(alliance_by_tier(s, as_of=A, rules=rules))
    assert (totals["peak_redemptions"], totals["off_peak_redemptions"]) == ((1, 0) if peak else (0, 1))


@pytest.mark.parametrize(
    ("opened_on", "in_window", "wave_1"),
    [
        ("2026-11-15", True, "due"),  # day 0
        ("2026-11-08", True, "due"),  # day 7
        ("2026-11-07", True, "overdue"),  # day 8
        ("2026-08-07", True, "overdue"),  # day 100
        ("2026-08-06", False, None),  # day 101
        ("2026-11-16", False, None),  # opens after the as-of date
    ],
)
def test_honeymoon_window_and_wave_1(tmp_path, rules, opened_on, in_window, wave_1):
    with build_store(tmp_path, as_of=AS_OF, customers=[customer("C1", opened_on)]) as s:
        df = wave_status(s, as_of=A, rules=rules)
        counts = honeymoon_counts(s, as_of=A, rules=rules)
    assert counts["in_window"] == int(in_window)
    assert list(df["wave_1"]) == ([wave_1] if in_window else [])


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (0, ["due", "upcoming", "upcoming", "upcoming"]),
        (8, ["overdue", "due", "upcoming", "upcoming"]),
        (30, ["overdue", "due", "upcoming", "upcoming"]),
        (31, ["overdue", "overdue", "due", "upcoming"]),
        (60, ["overdue", "overdue", "due", "upcoming"]),
        (61, ["overdue", "overdue", "overdue", "due"]),
        (100, ["overdue", "overdue", "overdue", "due"]),
    ],
)
def test_wave_windows(tmp_path, rules, day, expected):
    from datetime import timedelta

    opened = (A - timedelta(days=day)).isoformat()
    with build_store(tmp_path, as_of=AS_OF, customers=[customer("C1", opened)]) as s:
        df = wave_status(s, as_of=A, rules=rules)
    assert [df.loc[0, f"wave_{w}"] for w in (1, 2, 3, 4)] == expected
    assert df.loc[0, "day"] == day


@pytest.mark.parametrize(("touched_on", "status"), [("2026-11-15", "done"), ("2026-11-16", "due")])
def test_touch_after_as_of_does_not_count(tmp_path, rules, touched_on, status):
    touch = {"customer_id": "C1", "wave": 1, "touched_on": touched_on, "channel": "phone"}
    with build_store(tmp_path, as_of=AS_OF, customers=[customer("C1", "2026-11-10")], touches=[touch]) as s:
        df = wave_status(s, as_of=A, rules=rules)
        call = wave_status(s, as_of=A, rules=rules, call_list_only=True)
    assert df.loc[0, "wave_1"] == status
    assert list(call["customer_id"]) == ([] if status == "done" else ["C1"])


def test_entitlement_follows_tier_at_as_of(tmp_path, rules):
    aum = [
        {"customer_id": "C1", "month": "2026-10", "avg_daily_aum": 100000},
        {"customer_id": "C2", "month": "2026-10", "avg_daily_aum": 6000000},
    ]
    with build_store(
        tmp_path, as_of=AS_OF, customers=[customer("C1"), customer("C2"), customer("C3")], aum_monthly=aum
    ) as s:
        totals = alliance_totals(alliance_by_tier(s, as_of=A, rules=rules))
    assert totals["free_tickets_entitled"] == 6 + 24 + 0
