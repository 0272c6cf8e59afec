"""Who may see what: users, passwords, lockout, the viewer's scope, phone reveal, audit.

Roles: **admin** (every branch, user management), **head** (one branch), **manager**
(own customers only). `scope_for()` is the one place a requested branch/manager is
checked against the viewer; the dashboard's data function calls it before every query.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from custdash.db import utcnow
from custdash.export import mask_phone
from custdash.models import AuditEvent, Branch, Manager, User
from custdash.queries.common import Scope

log = logging.getLogger("custdash.auth")
ROLES = ("admin", "head", "manager")
MAX_FAILED = 5
LOCK_MINUTES = 15
_hasher = PasswordHasher()


class AuthError(ValueError):
    """Login refused; the message is safe to show (it never says which part was wrong)."""


class ScopeDenied(PermissionError):
    """The viewer asked for customers outside their scope."""


class UserError(ValueError):
    """A bad user-management request."""


@dataclass(frozen=True)
class Viewer:
    username: str
    role: str
    branch_id: str | None = None
    manager_id: str | None = None

    @property
    def scope(self) -> Scope:
        if self.role == "admin":
            return Scope()
        if self.role == "head":
            return Scope(branch_id=self.branch_id)
        return Scope(branch_id=self.branch_id, manager_id=self.manager_id)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# --- login -------------------------------------------------------------------------


def authenticate(session: Session, username: str, password: str, *, now: datetime | None = None) -> Viewer:
    """Check a password; five failures lock the account for 15 minutes. Audited."""
    now = now or utcnow()
    user = session.get(User, username) if username else None
    if user is None:
        record(session, username=username[:64] or "-", event="login_failed")
        session.commit()
        raise AuthError("Unknown user or wrong password.")
    if user.disabled:
        record(session, username=username, event="login_failed", branch_id=user.branch_id)
        session.commit()
        raise AuthError("This account is disabled.")
    if user.locked_until is not None and user.locked_until > now:
        record(session, username=username, event="login_locked", branch_id=user.branch_id)
        session.commit()
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        raise AuthError(f"Too many failed logins: this account is locked for {minutes} more minutes.")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins += 1
        locked = user.failed_logins >= MAX_FAILED
        if locked:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        record(session, username=username, event="login_failed", branch_id=user.branch_id)
        session.commit()
        log.info("login failed for %s%s", username, " (now locked)" if locked else "")
        if locked:
            raise AuthError(f"Too many failed logins: this account is locked for {LOCK_MINUTES} minutes.") from None
        raise AuthError("Unknown user or wrong password.") from None
    user.failed_logins = 0
    user.locked_until = None
    record(session, username=username, event="login_ok", branch_id=user.branch_id)
    session.commit()
    log.info("login ok for %s", username)
    return Viewer(username=user.username, role=user.role, branch_id=user.branch_id, manager_id=user.manager_id)


def viewer_of(session: Session, username: str) -> Viewer:
    """The viewer for an existing, enabled user (the CLI's --user); UserError otherwise."""
    user = session.get(User, username)
    if user is None or user.disabled:
        raise UserError(f"no enabled user {username!r}")
    return Viewer(username=user.username, role=user.role, branch_id=user.branch_id, manager_id=user.manager_id)


# --- scope -------------------------------------------------------------------------


def scope_for(viewer: Viewer, branch_id: str | None, manager_id: str | None) -> Scope:
    """The scope to query for a requested branch/manager; ScopeDenied outside the viewer's own."""
    own = viewer.scope
    if own.branch_id is not None and branch_id not in (None, own.branch_id):
        raise ScopeDenied(f"{viewer.username} may not see branch {branch_id!r}")
    if own.manager_id is not None and manager_id not in (None, own.manager_id):
        raise ScopeDenied(f"{viewer.username} may not see manager {manager_id!r}")
    return Scope(branch_id=own.branch_id or branch_id, manager_id=own.manager_id or manager_id)


def reveal_for(viewer: Viewer, df: pd.DataFrame) -> pd.DataFrame:
    """Phones in an export: full only on the rows of the viewer's own customers (as their manager)."""
    if "phone" not in df.columns:
        return df
    out = df.copy()
    own = viewer.role == "manager" and viewer.manager_id is not None
    mine = out["manager_id"] == viewer.manager_id if own and "manager_id" in out.columns else [False] * len(out)
    out["phone"] = [p if m else mask_phone(p) for p, m in zip(out["phone"], mine)]
    return out


# --- audit -------------------------------------------------------------------------


def record(
    session: Session,
    *,
    username: str,
    event: str,
    branch_id: str | None = None,
    list_name: str | None = None,
    filters: dict[str, Any] | None = None,
    rows: int | None = None,
) -> None:
    """Append one audit event (the caller commits)."""
    session.execute(
        insert(AuditEvent).values(
            at=utcnow(),
            username=username,
            event=event,
            branch_id=branch_id,
            list_name=list_name,
            filters=json.dumps(filters, ensure_ascii=False, sort_keys=True) if filters is not None else None,
            rows=rows,
        )
    )


def audit_events(session: Session, viewer: Viewer, *, limit: int = 500) -> pd.DataFrame:
    """The audit trail the viewer may see: admins everything, heads their branch's."""
    if viewer.role == "manager":
        raise ScopeDenied("managers do not see the audit trail")
    stmt = (
        select(
            AuditEvent.at,
            AuditEvent.username,
            AuditEvent.event,
            AuditEvent.branch_id,
            AuditEvent.list_name,
            AuditEvent.filters,
            AuditEvent.rows,
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    if viewer.role == "head":
        stmt = stmt.where(AuditEvent.branch_id == viewer.branch_id)
    rows = session.execute(stmt).all()
    return pd.DataFrame(rows, columns=["at", "username", "event", "branch_id", "list_name", "filters", "rows"])


# --- user management ------------------------------------------------------------------


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    branch_id: str | None = None,
    manager_id: str | None = None,
) -> User:
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise UserError(f"username must be 1-64 letters, digits, '.', '_' or '-', got {username!r}")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")
    if session.get(User, username) is not None:
        raise UserError(f"user {username!r} exists already")
    if role == "head":
        if not branch_id or session.get(Branch, branch_id) is None:
            raise UserError(f"a head needs an existing --branch, got {branch_id!r}")
        manager_id = None
    elif role == "manager":
        m = session.get(Manager, manager_id) if manager_id else None
        if m is None:
            raise UserError(f"a manager needs an existing --manager, got {manager_id!r}")
        branch_id = m.branch_id
    else:
        branch_id = manager_id = None
    user = _new_user(username, password, role, branch_id, manager_id)
    session.add(user)
    session.commit()
    return user


def _new_user(username: str, password: str, role: str, branch_id: str | None, manager_id: str | None) -> User:
    return User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        branch_id=branch_id,
        manager_id=manager_id,
        created_at=utcnow(),
    )


def set_password(session: Session, *, username: str, password: str) -> None:
    user = _get(session, username)
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.commit()


def set_disabled(session: Session, *, username: str, disabled: bool = True) -> None:
    _get(session, username).disabled = disabled
    session.commit()


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def _get(session: Session, username: str) -> User:
    user = session.get(User, username)
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


DEMO_USERS = (
    ("admin", "demo-admin-2026", "admin"),
    ("head", "demo-head-2026", "head"),
    ("manager", "demo-manager-2026", "manager"),
)


def ensure_demo_users(session: Session) -> list[tuple[str, str, str, str | None]]:
    """Demo users for a demo store: an admin, the head of the first branch, its first manager.

    Returns (username, password, role, scope) for the login page, which shows them only on demo data."""
    first_manager = session.execute(select(Manager).order_by(Manager.manager_id).limit(1)).scalar_one_or_none()
    out = []
    for username, password, role in DEMO_USERS:
        branch = first_manager.branch_id if first_manager and role != "admin" else None
        manager = first_manager.manager_id if first_manager and role == "manager" else None
        existing = session.get(User, username)
        if existing is not None:
            session.delete(existing)
            session.flush()
        session.add(_new_user(username, password, role, branch, manager))
        out.append((username, password, role, manager or branch))
    session.commit()
    return out
