"""What an error from the store means for the person who met it: the cause, by the driver's
message or SQLSTATE, for SQLite and PostgreSQL alike (custdash.db words the message)."""

from __future__ import annotations

import re


def error_cause(error: BaseException) -> str:
    """What an error from the store means for the person who met it: "disk_full" (the disk or
    its quota), "damaged" (the file is not a healthy database), "busy" (locked too long), or
    "unexpected". Looks through SQLAlchemy's wrapping at the driver's message."""
    text = str(getattr(error, "orig", None) or error).lower()
    if isinstance(error, OSError) and error.errno in (28, 122):  # ENOSPC, EDQUOT
        return "disk_full"
    if "disk is full" in text or "no space left" in text or "quota" in text:
        return "disk_full"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return "damaged"
    if "database is locked" in text or is_lock_conflict(error):
        return "busy"
    if "connection" in text and ("refused" in text or "failed" in text) or _NO_SUCH_LOGIN.search(text):
        return "unreachable"  # PostgreSQL: server down, wrong host/port/database, refused login
    return "unexpected"


# PostgreSQL's SQLSTATEs for a lock conflict: deadlock_detected, lock_not_available.
_LOCK_CONFLICT_CODES = {"40P01", "55P03"}


def is_lock_conflict(error: BaseException) -> bool:
    """A PostgreSQL lock conflict (a deadlock, a lock timeout): nothing is damaged, and the same
    work succeeds when tried again."""
    orig = getattr(error, "orig", None) or error
    if getattr(orig, "sqlstate", None) in _LOCK_CONFLICT_CODES:
        return True
    text = str(orig).lower()
    return "deadlock detected" in text or "lock timeout" in text


# Not `relation "x" does not exist` (a store lacking a table): the database or the user named in the URL.
_NO_SUCH_LOGIN = re.compile(r'(database|role) "[^"]*" does not exist')
