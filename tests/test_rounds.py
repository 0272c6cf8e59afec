"""Rounds anchored on a date (custdash/rounds.py, issue #34): the honeymoon's engine, which the
213N campaign (DOMAIN.md §10, anchored on Lunar New Year) shares. A round's status at its
window's edges, with the anchor a column (each customer's opening date) or one calendar day,
and the logged contacts that mark a round done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import false, literal, select, true
from sqlmodel import Session

from custdash import rounds
from custdash.db import make_engine
from custdash.lists.honeymoon import campaign
from custdash.models import ContactLog, Customer
from tests.conftest import EXAMPLE_AS_OF


@dataclass(frozen=True)
class Round:
    key: str
    start: int
    end: int


# DOMAIN.md §10's rounds of 213N, in days from Lunar New Year's Day.
SPRING = (Round("sms", -15, -8), Round("visit-1", -7, -1), Round("visit-2", 0, 4), Round("visit-3", 5, 7))
NEW_YEAR = date(2027, 2, 6)  # 正月初一 of 2027


def test_a_rounds_status_at_its_windows_edges_with_a_calendar_anchor():
    expected = {
        NEW_YEAR - timedelta(days=16): ["upcoming", "upcoming", "upcoming", "upcoming"],
        NEW_YEAR - timedelta(days=15): ["due", "upcoming", "upcoming", "upcoming"],
        NEW_YEAR - timedelta(days=8): ["due", "upcoming", "upcoming", "upcoming"],
        NEW_YEAR - timedelta(days=7): ["overdue", "due", "upcoming", "upcoming"],
        NEW_YEAR: ["overdue", "overdue", "due", "upcoming"],
        NEW_YEAR + timedelta(days=5): ["overdue", "overdue", "overdue", "due"],
        NEW_YEAR + timedelta(days=8): ["overdue", "overdue", "overdue", "overdue"],
    }
    assert {a: [rounds.status_on(r, a, NEW_YEAR) for r in SPRING] for a in expected} == expected


def test_a_date_anchor_and_a_column_anchor_give_the_same_statuses(example_store):
    """The same round, anchored on a customer's opening date as a column and as that date."""
    engine = make_engine(str(example_store))
    with Session(engine) as s:
        opened = s.execute(select(Customer.opened_on).order_by(Customer.customer_id).limit(1)).scalar_one()
        cid = s.execute(select(Customer.customer_id).where(Customer.opened_on == opened).limit(1)).scalar_one()
        for day in range(-20, 15):
            as_of = opened + timedelta(days=day)
            for r in SPRING:
                by_column = s.execute(
                    select(rounds.status(r, as_of, done=false(), anchor=Customer.opened_on)).where(
                        Customer.customer_id == cid
                    )
                ).scalar_one()
                by_date = s.execute(select(rounds.status(r, as_of, done=false(), anchor=opened))).scalar_one()
                assert by_column == by_date == rounds.status_on(r, as_of, opened), (day, r)
            assert s.execute(select(rounds.status(SPRING[0], as_of, done=true(), anchor=opened))).scalar_one() == "done"
    engine.dispose()


def test_a_logged_contact_marks_its_round_done_within_the_campaigns_span(example_store, rules):
    spring = rounds.Campaign("spring", SPRING)
    assert spring.contact_lists() == ["spring-sms", "spring-visit-1", "spring-visit-2", "spring-visit-3"]
    # The honeymoon is the campaign of the waves, anchored on each customer's opening date.
    assert campaign(rules).contact_lists() == [f"honeymoon-{w.wave}" for w in rules.honeymoon.waves]
    engine = make_engine(str(example_store))
    with Session(engine) as s:
        assert spring.logged(s, as_of=EXAMPLE_AS_OF) is None  # nothing logged: the rows stand
        cid = s.execute(select(Customer.customer_id).order_by(Customer.customer_id).limit(1)).scalar_one()
        day = EXAMPLE_AS_OF - timedelta(days=3)
        # A campaign not in the rules: its contact is written as the log's own row would be.
        s.add(
            ContactLog(
                at=datetime(2026, 11, 1),
                username="m1",
                customer_id=cid,
                branch_id="B1",
                list_name="spring-sms",
                channel="sms",
                outcome="reached",
                contacted_on=day,
            )
        )
        s.commit()
        logged = spring.logged(s, as_of=EXAMPLE_AS_OF)
        assert logged is not None
        done = {r.key: s.execute(select(logged(r, literal(cid)))).scalar_one() for r in SPRING}
        assert done == {"sms": True, "visit-1": False, "visit-2": False, "visit-3": False}
        # Before the contact's day, or from a span that starts after it: not done.
        assert spring.logged(s, as_of=day - timedelta(days=1)) is None
        assert spring.logged(s, as_of=EXAMPLE_AS_OF, since=day + timedelta(days=1)) is None
    engine.dispose()
