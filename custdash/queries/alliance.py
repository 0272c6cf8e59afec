"""Alliance benefits — cinema (异业联盟: 观影): peak vs off-peak, entitlements, segments."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from custdash import households
from custdash.calendar import basis_month
from custdash.expressions import (
    alliance_acquired,
    alliance_group,
    aum_join,
    aum_value,
    basis_tier,
    customers_at,
    entitlement_case,
    heatmap_select,
    redemption_facts,
    segment_case,
    segment_facts,
    with_aum,
)
from custdash.models import Customer, FactRollup, RedemptionRollup
from custdash.rules import Rules
from custdash.scope import ALL, Scope
from custdash.source import source
from custdash.statements import frame

ROLLUP_SUMS = ["peak_redemptions", "off_peak_redemptions", "peak_tickets", "off_peak_tickets", "free_used", "subsidy"]


def alliance_by_tier(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Year to date, per tier: customers, redemptions and tickets peak vs off-peak,
    free tickets used vs entitled (utilisation), bank subsidy."""
    df = pd.DataFrame({"tier": rules.tier_codes})
    if source(session, as_of=as_of, rules=rules).rollup:
        r = FactRollup
        stmt = (
            select(
                r.tier,
                func.sum(r.customers).label("customers"),
                *[func.sum(getattr(r, c)).label(c) for c in ROLLUP_SUMS],
                func.sum(r.entitled).label("entitled"),
            )
            .where(r.as_of == as_of, *scope.where(r))
            .group_by(r.tier)
        )
        df = df.merge(frame(session, stmt), on="tier", how="left")
    else:
        # One pass over the customers in key order, each joined to its basis-month AUM and its
        # year-to-date sums (the facts' own subquery): read from the redemptions' side, every
        # redemption looked its customer and AUM up in date order, 5-7 s at a million customers.
        a, month, tier = basis_tier(rules, as_of)
        t = tier.label("tier")
        ytd = redemption_facts(as_of=as_of, rules=rules, scope=scope)
        entitled_tier, shared = households.entitlement_tier(
            rules, as_of=as_of, aum=aum_value(a), customer_id=Customer.customer_id
        )
        stmt = (
            with_aum(
                select(
                    t,
                    func.count().label("customers"),
                    *[func.sum(getattr(ytd.c, c)).label(c) for c in ROLLUP_SUMS],
                    func.sum(entitlement_case(rules, entitled_tier)).label("entitled"),
                ).select_from(Customer),
                a,
                month,
            )
            .outerjoin(ytd, ytd.c.customer_id == Customer.customer_id)
            .where(*customers_at(as_of, scope, key_order=True))
            .group_by(t)
        )
        for sub, on in shared:
            stmt = stmt.outerjoin(sub, on)
        df = df.merge(frame(session, stmt), on="tier", how="left")
    # Each customer's entitlement summed (their tier's, or with households.share_entitlement the
    # higher of theirs and their household's): not customers x their tier's.
    ints = [
        "customers",
        "peak_redemptions",
        "off_peak_redemptions",
        "peak_tickets",
        "off_peak_tickets",
        "free_used",
        "entitled",
    ]
    df[ints] = df[ints].fillna(0).astype(int)
    df["subsidy"] = df["subsidy"].astype(float).fillna(0.0).round(2)
    df["utilisation"] = (df["free_used"] / df["entitled"].where(df["entitled"] > 0)).round(4)
    return df


def alliance_totals(by_tier: pd.DataFrame) -> dict[str, int | float]:
    """The year-to-date alliance figures of the summary contract, from `alliance_by_tier`."""
    return {
        "peak_redemptions": int(by_tier["peak_redemptions"].sum()),
        "off_peak_redemptions": int(by_tier["off_peak_redemptions"].sum()),
        "free_tickets_used_ytd": int(by_tier["free_used"].sum()),
        "free_tickets_entitled": int(by_tier["entitled"].sum()),
    }


def alliance_heatmap(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Year-to-date redemptions by weekday (0 = Monday) and hour of screening."""
    if source(session, as_of=as_of, rules=rules).heatmap:
        r = RedemptionRollup
        stmt = (
            select(
                r.weekday,
                r.hour,
                func.sum(r.redemptions).label("redemptions"),
                func.sum(r.tickets).label("tickets"),
            )
            .where(r.as_of == as_of, *scope.where(r))
            .group_by(r.weekday, r.hour)
            .order_by(r.weekday, r.hour)
        )
    else:
        stmt = heatmap_select(as_of=as_of, scope=scope, keys=[])
    df = frame(session, stmt)
    df["redemptions"] = df["redemptions"].astype(int)
    df["tickets"] = df["tickets"].astype(int)
    df["hour"] = df["hour"].astype(int)
    return df


def alliance_segments(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """Customers with redemptions in the trailing window, by segment: family, film_lover, other."""
    if source(session, as_of=as_of, rules=rules).rollup:
        r = FactRollup
        stmt = (
            select(
                r.segment,
                func.sum(r.customers).label("customers"),
                func.sum(r.segment_redemptions).label("redemptions"),
            )
            .where(r.as_of == as_of, r.segment.is_not(None), *scope.where(r))
            .group_by(r.segment)
        )
    else:
        per = segment_facts(as_of=as_of, rules=rules, scope=scope)
        seg = segment_case(rules, per.c.n, per.c.kids).label("segment")
        stmt = (
            select(seg, func.count().label("customers"), func.sum(per.c.n).label("redemptions"))
            .join(Customer, Customer.customer_id == per.c.customer_id)
            .where(*customers_at(as_of, scope))
            .group_by(seg)
        )
    df = frame(session, stmt)
    full = pd.DataFrame({"segment": ["family", "film_lover", "other"]})
    df = full.merge(df, on="segment", how="left").fillna(0)
    df[["customers", "redemptions"]] = df[["customers", "redemptions"]].astype(int)
    return df


def alliance_channel_aum(session: Session, *, as_of: date, rules: Rules, scope: Scope = ALL) -> pd.DataFrame:
    """产能: basis-month AUM of alliance-acquired customers against all others."""
    if source(session, as_of=as_of, rules=rules).rollup:
        r = FactRollup
        group = alliance_group(r.alliance_channel).label("group")
        stmt = (
            select(group, func.sum(r.customers).label("customers"), func.sum(r.aum).label("aum"))
            .where(r.as_of == as_of, *scope.where(r))
            .group_by(group)
        )
        return _channel_frame(session, stmt)
    month = basis_month(as_of)
    al = aum_join(month)
    group = alliance_group(alliance_acquired(rules)).label("group")
    stmt = (
        with_aum(
            select(group, func.count().label("customers"), func.sum(aum_value(al)).label("aum")).select_from(Customer),
            al,
            month,
        )
        .where(*customers_at(as_of, scope, key_order=True))
        .group_by(group)
    )
    return _channel_frame(session, stmt)


def _channel_frame(session: Session, stmt: Select[Any]) -> pd.DataFrame:
    df = pd.DataFrame({"group": ["alliance", "other"]}).merge(frame(session, stmt), on="group", how="left")
    df["customers"] = df["customers"].fillna(0).astype(int)
    df["aum"] = df["aum"].astype(float).fillna(0.0)
    df["avg_aum"] = (df["aum"] / df["customers"].where(df["customers"] > 0)).round(2)
    return df
