"""The behaviour matrix (客户行为矩阵, DOMAIN.md §9): each customer's class (客户分类) and
lifecycle stage (生命周期) at an as-of date A, each the first that holds in DOMAIN's order
(`rules_grades.CLASSES`, `STAGES`), as SQL, so a cell count aggregates in the database.

Classes: migrant (the rules' tag), senior (`matrix.senior_age` or older at A), family and
film_lover (the §4 segment at A), payroll (acquired through payroll, or holding a payroll
agreement at A), alliance (acquired through the cinema alliance), mass.
Stages: new (in honeymoon, §5), lost (no active card and basis AUM 0), dormant and declining
(on the rules' `matrix.dormant_lists` / `declining_lists` as the rules find them: the contact
log does not change a stage), growing (tier at A above the tier of the month before the basis
month), stable.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select, union
from sqlalchemy.orm import Session

from custdash.calendar import add_months, basis_month
from custdash.expressions import (
    aum_join,
    aum_value,
    customers_at,
    in_window,
    segment_case,
    segment_facts,
    tier_rank,
    with_aum,
)
from custdash.lists import call_list_spec
from custdash.models import Card, Customer, CustomerTag, Product
from custdash.rules import Rules
from custdash.rules_grades import CLASSES, STAGES
from custdash.scope import ALL, Scope

PAYROLL_CHANNEL = "payroll"
PAYROLL_PRODUCT = "payroll_agreement"


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February: the 28th in a year without one)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _on_lists(session: Session, names: tuple[str, ...], *, as_of: date, rules: Rules, scope: Scope) -> Any:
    """The customer ids on any of the call lists `names` at `as_of`, as the rules find them."""
    members = [call_list_spec(n).rows.members(session, as_of=as_of, rules=rules, scope=scope) for n in names]
    return members[0] if len(members) == 1 else union(*members)


def class_stage_rows(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> Select[Any]:
    """Each customer existing at `as_of` in `scope`: customer_id, branch_id, manager_id, aum,
    class, stage."""
    m = rules.matrix
    month = basis_month(as_of)
    a, prev = aum_join(month), aum_join(add_months(month, -1))
    aum, before = aum_value(a), aum_value(prev)
    seg = segment_facts(as_of=as_of, rules=rules, scope=scope)
    segment = segment_case(rules, seg.c.n, seg.c.kids)
    tagged = exists().where(CustomerTag.customer_id == Customer.customer_id, CustomerTag.tag == m.migrant_tag)
    payroll_held = exists().where(
        Product.customer_id == Customer.customer_id,
        Product.product == PAYROLL_PRODUCT,
        Product.opened_on <= as_of,
        or_(Product.matures_on.is_(None), Product.matures_on > as_of),
    )
    kind = case(
        (tagged, literal(CLASSES[0])),
        (Customer.birth_date <= years_before(as_of, m.senior_age), literal(CLASSES[1])),
        (segment == CLASSES[2], literal(CLASSES[2])),
        (or_(Customer.channel == PAYROLL_CHANNEL, payroll_held), literal(CLASSES[3])),
        (segment == CLASSES[4], literal(CLASSES[4])),
        (Customer.channel == rules.alliance.alliance_channel, literal(CLASSES[5])),
        else_=literal(CLASSES[6]),
    )
    active_card = exists().where(
        Card.customer_id == Customer.customer_id, Card.status == "active", Card.opened_on <= as_of
    )
    at = {"as_of": as_of, "rules": rules, "scope": scope}
    stage = case(
        (in_window(as_of, rules), literal(STAGES[0])),
        (and_(~active_card, aum == 0), literal(STAGES[1])),
        (Customer.customer_id.in_(_on_lists(session, m.dormant_lists, **at)), literal(STAGES[2])),
        (Customer.customer_id.in_(_on_lists(session, m.declining_lists, **at)), literal(STAGES[3])),
        (tier_rank(rules, aum) > tier_rank(rules, before), literal(STAGES[4])),
        else_=literal(STAGES[5]),
    )
    stmt = with_aum(
        select(
            Customer.customer_id,
            Customer.branch_id,
            Customer.manager_id,
            aum.label("aum"),
            kind.label("class"),
            stage.label("stage"),
        ).select_from(Customer),
        a,
        month,
    )
    stmt = stmt.outerjoin(
        prev, and_(prev.customer_id == Customer.customer_id, prev.month == add_months(month, -1))
    ).outerjoin(seg, seg.c.customer_id == Customer.customer_id)
    return stmt.where(*customers_at(as_of, scope, key_order=True))


def matrix_counts(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> dict[str, dict[str, int]]:
    """The summary's `matrix` block: customers per class and stage, every class and stage in
    their order, zeros included."""
    rows = class_stage_rows(session, as_of=as_of, rules=rules, scope=scope).subquery("cs")
    found = {
        (k, s): n
        for k, s, n in session.execute(
            select(rows.c["class"], rows.c.stage, func.count()).group_by(rows.c["class"], rows.c.stage)
        )
    }
    return {k: {s: int(found.get((k, s), 0)) for s in STAGES} for k in CLASSES}
