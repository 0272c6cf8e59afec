"""The checks of an extract that span rows or files, run once every row is in (inside the
load's transaction): what no single row or constraint can say."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, case, func, select

from custdash.households import HEAD
from custdash.importer.reading import csv_rows
from custdash.importer.spec import ImportFailed
from custdash.models import Customer, HouseholdMember, Manager


def check_across_files(conn: Connection, folder: Path, encoding: str) -> None:
    _check_manager_branches(conn, folder, encoding)
    _check_heads(conn, folder, encoding)


def _check_manager_branches(conn: Connection, folder: Path, encoding: str) -> None:
    """A customer's manager must work in the customer's branch: otherwise the customer is in one
    branch's figures and on another branch's manager's list, which that manager cannot see."""
    bad = conn.execute(
        select(Customer.customer_id, Customer.branch_id, Customer.manager_id, Manager.branch_id)
        .join(Manager, Manager.manager_id == Customer.manager_id)
        .where(Manager.branch_id != Customer.branch_id)
        .order_by(Customer.customer_id)
        .limit(1)
    ).first()
    if bad is None:
        return
    cid, branch, manager, manager_branch = bad
    line = next(
        (n for n, row in csv_rows(folder / "customers.csv", encoding) if row.get("customer_id", "").strip() == cid),
        None,
    )
    raise ImportFailed(
        "customers.csv",
        f"customer {cid} is in branch {branch}, but manager {manager} works in branch {manager_branch}",
        line=line,
        column="manager_id",
    )


def _check_heads(conn: Connection, folder: Path, encoding: str) -> None:
    """Each household has exactly one head (DOMAIN.md §8): a household without one has nobody
    to call it through, one with two would be called twice and scoped by chance."""
    h = HouseholdMember
    heads = func.sum(case((h.relation == HEAD, 1), else_=0))
    bad = conn.execute(
        select(h.household_id, heads).group_by(h.household_id).having(heads != 1).order_by(h.household_id).limit(1)
    ).first()
    if bad is None:
        return
    household, n = bad
    # The line to name: the household's first row when it has no head, its second head otherwise.
    seen = 0
    line = None
    for number, row in csv_rows(folder / "households.csv", encoding):
        if row.get("household_id", "").strip() != household:
            continue
        if n == 0:
            line = number
            break
        seen += row.get("relation", "").strip() == HEAD
        if seen == 2:
            line = number
            break
    problem = (
        f"household {household} has no {HEAD} (each household needs exactly one)"
        if n == 0
        else f"household {household} has a second {HEAD} (each household needs exactly one)"
    )
    raise ImportFailed("households.csv", problem, line=line, column="relation")
