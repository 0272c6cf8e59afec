"""Whose customers a view covers, and the one check of what a viewer may see.

The dashboard (URL parameters, sidebar, every data read and download) and the CLI
(summary, export, audit) all go through `resolve_scope`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from custdash.models import Branch, Customer, Manager


class ScopeDenied(PermissionError):
    """A branch or manager outside what the viewer may see."""


class UnknownScope(ValueError):
    """A branch or manager the store does not have (or a manager outside the named branch)."""

    def __init__(self, message: str, *, param: str):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Scope:
    """Which customers a view covers: everything, one branch, or one manager's book."""

    branch_id: str | None = None
    manager_id: str | None = None

    @property
    def is_all(self) -> bool:
        """The whole bank: no condition at all."""
        return self.branch_id is None and self.manager_id is None

    def where(self, entity: Any = Customer) -> list[Any]:
        """Conditions on an entity with branch_id and manager_id (customers, facts, rollups)."""
        conds: list[Any] = []
        if self.branch_id is not None:
            conds.append(entity.branch_id == self.branch_id)
        if self.manager_id is not None:
            conds.append(entity.manager_id == self.manager_id)
        return conds


ALL = Scope()


@dataclass(frozen=True)
class Directory:
    """The store's branches and managers (manager -> branch), to check requested ids against."""

    branches: Collection[str]
    managers: Mapping[str, str]


def load_directory(session: Session) -> Directory:
    """The store's branches and managers."""
    branches = {b for (b,) in session.execute(select(Branch.branch_id)).all()}
    managers = {m: b for m, b in session.execute(select(Manager.manager_id, Manager.branch_id)).all()}
    return Directory(branches=branches, managers=managers)


def resolve_scope(
    own: Scope,
    branch_id: str | None,
    manager_id: str | None,
    *,
    directory: Directory | None = None,
    who: str = "this viewer",
) -> Scope:
    """The scope to query for a requested branch and manager, seen by a viewer whose own scope
    is `own` (ALL for an admin or the operator's CLI).

    Raises ScopeDenied for a branch or manager outside `own`, and, with a `directory`,
    UnknownScope for an id the store lacks or a manager of another branch than the one named.
    """
    if directory is not None:
        if branch_id is not None and branch_id not in directory.branches:
            raise UnknownScope(f"unknown branch {branch_id!r}", param="branch")
        if manager_id is not None and manager_id not in directory.managers:
            raise UnknownScope(f"unknown manager {manager_id!r}", param="manager")
    # What the viewer may see comes before whether the pair fits: a forbidden id is named so.
    if own.branch_id is not None and branch_id not in (None, own.branch_id):
        raise ScopeDenied(f"{who} may not see branch {branch_id!r}")
    if own.manager_id is not None and manager_id not in (None, own.manager_id):
        raise ScopeDenied(f"{who} may not see manager {manager_id!r}")
    if directory is not None and manager_id is not None:
        home = directory.managers[manager_id]
        if own.branch_id is not None and home != own.branch_id:
            raise ScopeDenied(f"{who} may not see manager {manager_id!r}")
        if branch_id is not None and home != branch_id:
            raise UnknownScope(f"manager {manager_id!r} is not in branch {branch_id!r}", param="manager")
    return Scope(branch_id=own.branch_id or branch_id, manager_id=own.manager_id or manager_id)
