"""Who may see what: users, passwords, lockout, the viewer's scope, phone reveal, audit.

Roles: **admin** (every branch, user management), **head** (one branch), **manager**
(own customers only). `scope_for()` is the one place a requested branch/manager is
checked against the viewer; the dashboard's data function calls it before every query.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from custdash.db import utcnow
from custdash.export import mask_phone
from custdash.models import AuditEvent, Branch, ContactLog, DemoUser, LoginThrottle, Manager, User, WebSession
from custdash.scope import Directory, Scope, ScopeDenied, resolve_scope

log = logging.getLogger("custdash.auth")
ROLES = ("admin", "head", "manager")
_hasher = PasswordHasher()


class AuthError(ValueError):
    """Login refused; the message is safe to show (it never says which part was wrong)."""


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


# Throttles: failures allowed per window, per key kind. One address guessing one account is
# stopped after 5; one address guessing many after 20; one account guessed from many addresses
# after 100 (a distributed attack). Nobody can lock `admin` out from their own address with a
# handful of wrong passwords from elsewhere.
THROTTLES = {"pair": 5, "client": 20, "user": 100}
WINDOW_MINUTES = 15


# Verified when there is no real hash to check (unknown, disabled or throttled): every failure
# costs one argon2 verification, so the time taken does not tell which case it was.
# Made at the first sign-in, not at import: an argon2 hash costs every CLI command 0.13 s.
@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("custdash: no such user")


def _digest(username: str) -> str:
    return hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]


def _throttle_keys(username: str, client: str | None) -> dict[str, str]:
    who, where = _digest(username), (client or "unknown")[:64]
    return {"pair": f"pair:{who}:{where}", "client": f"client:{where}", "user": f"user:{who}"}


def _throttled(session: Session, keys: dict[str, str], now: datetime) -> bool:
    rows = session.execute(select(LoginThrottle).where(LoginThrottle.key.in_(list(keys.values())))).scalars()
    return any(r.locked_until is not None and r.locked_until > now for r in rows)


def _count_failure(session: Session, keys: dict[str, str], now: datetime) -> None:
    window = timedelta(minutes=WINDOW_MINUTES)
    for kind, key in keys.items():
        row = session.get(LoginThrottle, key)
        if row is None or now - row.window_start > window:
            if row is not None:
                session.delete(row)
                session.flush()
            row = LoginThrottle(key=key, failures=0, window_start=now)
            session.add(row)
        row.failures += 1
        if row.failures >= THROTTLES[kind]:
            row.locked_until = now + window


def authenticate(
    session: Session, username: str, password: str, *, client: str | None = None, now: datetime | None = None
) -> Viewer:
    """Check a password, throttled per account and client address (THROTTLES). Every refusal
    (unknown name, wrong password, disabled, throttled) raises the same AuthError after the
    same work. Audited; a failed attempt's name is recorded only when it names a real user
    (a password typed into the name field must not land in the audit trail)."""
    now = now or utcnow()
    username = normal_username(username[:64])
    keys = _throttle_keys(username, client)
    user = session.get(User, username) if username else None
    throttled = _throttled(session, keys, now)
    usable = user is not None and not user.disabled and not throttled
    try:
        _hasher.verify(user.password_hash if usable else _dummy_hash(), password)
        ok = usable
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    detail = {"client": client or "unknown"}
    if not ok:
        if not throttled:
            _count_failure(session, keys, now)
        event = "login_throttled" if throttled else "login_failed"
        name = user.username if user is not None else "-"
        record(session, username=name, event=event, branch_id=user.branch_id if user else None, filters=detail)
        session.commit()
        log.info("sign-in refused (%s) for %s from %s", event, name, detail["client"])
        raise AuthError("Sign-in failed.")
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys["pair"]))
    record(session, username=username, event="login_ok", branch_id=user.branch_id, filters=detail)
    session.commit()
    log.info("login ok for %s", username)
    return Viewer(username=user.username, role=user.role, branch_id=user.branch_id, manager_id=user.manager_id)


# --- browser sessions -----------------------------------------------------------------

# Last-seen times are written at most this often: a page's reruns need not each write.
TOUCH_SECONDS = 30


def _session_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_session(session: Session, viewer: Viewer, *, now: datetime | None = None) -> str:
    """A new random session id for a signed-in viewer (stored as a digest); the caller puts
    it in an HttpOnly cookie or the Streamlit session, never in a URL."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id_digest=_session_digest(token), username=viewer.username, created_at=now, last_seen=now))
    session.commit()
    return token


def resume_session(
    session: Session, token: str | None, *, idle_minutes: float, now: datetime | None = None, touch: bool = True
) -> Viewer | None:
    """The viewer a session id stands for, checked now: the session neither ended nor idle for
    `idle_minutes`, its user still there and enabled (their current role and scope). An idle
    session is ended here and the expiry audited. None when any of that fails."""
    if not token or len(token) > 128:
        return None
    now = now or utcnow()
    row = session.get(WebSession, _session_digest(token))
    if row is None or row.ended_at is not None:
        return None
    user = session.get(User, row.username)
    if now - row.last_seen > timedelta(minutes=idle_minutes):
        row.ended_at, row.end_reason = now, "expired"
        record(session, username=row.username, event="session_expired", branch_id=user.branch_id if user else None)
        session.commit()
        return None
    if user is None or user.disabled:
        row.ended_at, row.end_reason = now, "disabled"
        session.commit()
        return None
    if touch and (now - row.last_seen).total_seconds() >= TOUCH_SECONDS:
        row.last_seen = now
        session.commit()
    return Viewer(username=user.username, role=user.role, branch_id=user.branch_id, manager_id=user.manager_id)


def session_end_reason(session: Session, token: str | None) -> str | None:
    """Why a session id no longer works ("expired", "logout", "disabled"), None if unknown."""
    if not token or len(token) > 128:
        return None
    row = session.get(WebSession, _session_digest(token))
    return row.end_reason if row is not None else None


def end_session(session: Session, token: str | None, *, now: datetime | None = None, reason: str = "logout") -> None:
    """Sign out: the session id stops working everywhere at once. Audited. `reason` "replaced":
    a new sign-in in the same browser took the cookie's place."""
    if not token:
        return
    row = session.get(WebSession, _session_digest(token))
    if row is None or row.ended_at is not None:
        return
    row.ended_at, row.end_reason = now or utcnow(), reason
    user = session.get(User, row.username)
    record(session, username=row.username, event="logout", branch_id=user.branch_id if user else None)
    session.commit()


# --- passwords ----------------------------------------------------------------------

MIN_PASSWORD = 10
_COMMON = frozenset(
    line.strip().lower()
    for line in (Path(__file__).resolve().parent / "assets" / "common-passwords.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def check_password(username: str, password: str) -> None:
    """Refuse weak passwords (UserError): too short, a common one, or made of the user name."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password must have at least {MIN_PASSWORD} characters")
    low = password.lower()
    if low in _COMMON or low.rstrip("0123456789!@#$%^&*.") in _COMMON:
        raise UserError("password is too common (it is on the list of passwords attackers try first)")
    if username and username.lower() in low:
        raise UserError("password must not contain the user name")
    if len(set(password)) < 4:
        raise UserError("password must use at least 4 different characters")


def viewer_of(session: Session, username: str) -> Viewer:
    """The viewer for an existing, enabled user (the CLI's --user); UserError otherwise."""
    user = session.get(User, username)
    if user is None or user.disabled:
        raise UserError(f"no enabled user {username!r}")
    return Viewer(username=user.username, role=user.role, branch_id=user.branch_id, manager_id=user.manager_id)


# --- scope -------------------------------------------------------------------------


def scope_for(
    viewer: Viewer, branch_id: str | None, manager_id: str | None, *, directory: Directory | None = None
) -> Scope:
    """The scope to query for a viewer's requested branch/manager (scope.resolve_scope):
    ScopeDenied outside the viewer's own; with a `directory`, UnknownScope for ids the store lacks."""
    return resolve_scope(viewer.scope, branch_id, manager_id, directory=directory, who=viewer.username)


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
    df = pd.DataFrame(rows, columns=["at", "username", "event", "branch_id", "list_name", "filters", "rows"])
    # Whole numbers with gaps (a sign-in has no rows): never 41.0 beside NaN. No value is None.
    df["rows"] = df["rows"].astype("Int64")
    for col in ("branch_id", "list_name", "filters"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def filters_text(raw: str | None) -> str:
    """An audit event's filters for people: `branch B001 · as_of 2026-11-22 · client ::1`, not
    the stored JSON; empty values left out."""
    if not raw:
        return ""
    try:
        items = json.loads(raw)
    except ValueError:
        return str(raw)
    if not isinstance(items, dict):
        return str(raw)
    return " · ".join(
        f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in items.items()
        if v not in (None, "", [])
    )


# --- user management ------------------------------------------------------------------


# Lower-case ASCII after NFKC: a full-width or upper-case name is the same account, and a name
# with letters of another script (Cyrillic `а` in `аdmin`) is refused rather than told apart.
_USERNAME = re.compile(r"[a-z0-9._-]{1,64}", re.ASCII)


def normal_username(name: str) -> str:
    """The account a typed name means: NFKC, trimmed, lower-case (`ＡＤＭＩＮ` is `admin`)."""
    return unicodedata.normalize("NFKC", name).strip().lower()


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    branch_id: str | None = None,
    manager_id: str | None = None,
) -> User:
    given, username = username, normal_username(username)
    if not _USERNAME.fullmatch(username):
        raise UserError(
            f"username must be 1-64 ASCII letters, digits, '.', '_' or '-' (no look-alike letters from other "
            f"scripts), got {given!r}"
        )
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    check_password(username, password)
    taken = session.execute(select(User.username).where(func.lower(User.username) == username)).scalar()
    if taken is not None:
        # `Adm` beside `adm`, full-width `ａｄｍｉｎ` beside `admin`: one person could pass for another.
        raise UserError(f"user {taken!r} exists already" + (f" ({given!r} is the same name)" if given != taken else ""))
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
    check_password(username, password)
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

    Only names that are free or already demo accounts are (re)set: a real user who happens to
    be called `admin` is never touched. Returns (username, password, role, scope) of the demo
    accounts now present, which the login page shows on demo data only."""
    first_manager = session.execute(select(Manager).order_by(Manager.manager_id).limit(1)).scalar_one_or_none()
    out = []
    for username, password, role in DEMO_USERS:
        existing = session.get(User, username)
        if existing is not None and session.get(DemoUser, username) is None:
            continue  # a real account of that name
        branch = first_manager.branch_id if first_manager and role != "admin" else None
        manager = first_manager.manager_id if first_manager and role == "manager" else None
        if existing is not None:
            session.delete(existing)
            session.flush()
        session.add(_new_user(username, password, role, branch, manager))
        if session.get(DemoUser, username) is None:
            session.add(DemoUser(username=username))
        out.append((username, password, role, manager or branch))
    session.commit()
    return out


def demo_accounts(session: Session) -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo accounts that exist on this store."""
    present = set(session.execute(select(DemoUser.username)).scalars())
    return [u for u in DEMO_USERS if u[0] in present]


def remove_demo_users(session: Session) -> list[str]:
    """Delete every demo account and every contact logged on demo data (a bank's own data was
    loaded: its customers may carry the same ids): audited; returns the accounts' names."""
    names = list(session.execute(select(DemoUser.username).order_by(DemoUser.username)).scalars())
    contacts = session.execute(delete(ContactLog).where(ContactLog.demo)).rowcount
    if names:
        session.execute(delete(User).where(User.username.in_(names)))
        session.execute(delete(DemoUser))
    if names or contacts:
        record(session, username="-", event="demo_users_removed", filters={"users": names, "contacts": contacts})
    session.commit()
    return names
