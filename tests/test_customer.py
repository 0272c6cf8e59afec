"""The customer page's data (客户360) on the boundary extract, worked out from its CSV files:
C08 王八, dormant since exactly 180 days, peak AUM 60,000 in January, 1,000 in October."""

from __future__ import annotations

from datetime import date

from custdash.queries.customer import find_customers
from custdash.scope import ALL, Scope
from custdash.views import customer_360
from tests.conftest import EXAMPLE_AS_OF

A = EXAMPLE_AS_OF
M1 = Scope(branch_id="B1", manager_id="M1")


def test_one_customer_whole(example_session, rules):
    one = customer_360(example_session, as_of=A, rules=rules, scope=ALL, customer_id="C08")
    assert one["profile"] == {
        "customer_id": "C08",
        "name": "王八",
        "phone": "13800000008",
        "gender": "M",
        "birth_date": date(1985, 3, 3),
        "branch_id": "B1",
        "manager_id": "M1",
        "opened_on": date(2018, 1, 1),
        "channel": "payroll",
        "opened": True,
        "basis_month": "2026-10",
        "basis_aum": 1000.0,
        "tier": "V0",
        "next_tier": "V1",
        "next_bound": 50000.0,
        "gap": 49000.0,
        "entitlement": 0,
        "next_entitlement": 4,
    }
    months = [f"2025-{m:02d}" for m in (10, 11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]
    aum = {m: 0.0 for m in months} | {"2026-01": 60000.0, "2026-10": 1000.0}
    assert one["aum"].to_dict("list") == {
        "month": months,
        "avg_daily_aum": list(aum.values()),
        "tier": ["V1" if v >= 50000 else "V0" for v in aum.values()],
    }
    # The fee on 1 October is not activity: last used 19 May, 180 days before A.
    assert one["cards"].to_dict("records") == [
        {
            "card_id": "K08",
            "opened_on": date(2018, 1, 1),
            "status": "active",
            "balance": 3.5,
            "last_activity": date(2026, 5, 19),
            "dormant": True,
        }
    ]
    assert one["products"].empty and one["timeline"].empty
    assert one["redemptions"] == {"redemptions": 0, "tickets": 0, "free_used": 0}
    assert one["waves"] is None
    assert list(one["lists"]) == ["dormant"]
    assert one["lists"]["dormant"] | {"last_activity": None} == {
        "customer_id": "C08",
        "name": "王八",
        "phone": "13800000008",
        "branch_id": "B1",
        "manager_id": "M1",
        "dormant_cards": 1,
        "last_activity": None,
        "never_used": False,
        "balance": 3.5,
        "zero_balance": True,
        "peak_aum_12m": 60000.0,
        "priority": True,
        "contact_status": "new",
    }
    assert one["lists"]["dormant"]["last_activity"] == date(2026, 5, 19)


def test_a_honeymoon_customer_shows_the_waves_and_the_extracts_touches(example_session, rules):
    one = customer_360(example_session, as_of=A, rules=rules, scope=ALL, customer_id="C17")
    row = one["waves"]
    assert (row["day"], [row[f"wave_{w}"] for w in range(1, 5)]) == (100, ["done", "done", "overdue", "due"])
    assert list(one["lists"]) == ["honeymoon"]
    # Newest first; the touch dated 16 November, after A, is not there yet.
    timeline = one["timeline"].astype(object)
    assert timeline.where(timeline.notna(), None).to_dict("records") == [
        {
            "day": date(2026, 8, 25),
            "source": "extract",
            "list_name": "honeymoon-2",
            "channel": "sms",
            "outcome": None,
            "note": None,
            "username": None,
        },
        {
            "day": date(2026, 8, 8),
            "source": "extract",
            "list_name": "honeymoon-1",
            "channel": "phone",
            "outcome": "converted",
            "note": None,
            "username": None,
        },
    ]


def test_outside_the_viewers_scope_is_nobody(example_session, rules):
    assert customer_360(example_session, as_of=A, rules=rules, scope=M1, customer_id="C03") is None  # M2's
    assert customer_360(example_session, as_of=A, rules=rules, scope=M1, customer_id="C99") is None  # nobody's


def test_search_by_id_or_name_inside_the_scope_as_plain_text(example_session):
    def ids(query: str, scope: Scope = M1) -> list[str]:
        return list(find_customers(example_session, query=query, scope=scope)["customer_id"])

    assert ids("C0") == ["C01", "C02", "C08", "C09"]
    assert ids("韩") == ["C15"]
    assert ids("C03") == []  # another manager's
    assert ids("C03", ALL) == ["C03"]
    assert ids("%") == [] and ids("C_1") == [] and ids("  ") == []  # wildcards match only themselves


def test_products_held_leave_out_those_matured_by_the_as_of_date(example_session):
    """Issue #33: "持有产品" listed deposits that had matured in 2025."""
    from custdash.queries.customer import products

    held = products(example_session, customer_id="C30", as_of=date(2026, 11, 15))
    assert held[["product", "matures_on"]].values.tolist() == [["wealth", date(2026, 11, 16)]]
    held = products(example_session, customer_id="C33", as_of=date(2026, 11, 15))
    assert held["matures_on"].tolist() == [date(2027, 10, 1)]
    before = products(example_session, customer_id="C33", as_of=date(2026, 8, 31))
    assert before["matures_on"].tolist() == [date(2026, 9, 1)]
