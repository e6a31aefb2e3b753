"""How long an account waits after failed sign-ins (pure: no Flask, no SQLAlchemy).

Not a hard lock: after `free` failures within the window, each further attempt has to wait
1 s, then 2 s, 4 s … after the latest failure, up to `cap` seconds. Someone who only knows a
colleague's e-mail address can no longer shut them out for the whole window with five wrong
passwords; guessing is still slowed to one attempt per `cap` seconds once it persists, and a
refused attempt (one made while waiting) is not counted, so trying again early does not make
the wait longer. The per-address limit stays a hard limit: it stops one client trying many
accounts.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta


def delay_seconds(failures: int, *, free: int, cap: int) -> int:
    """The wait after the latest of `failures` failed attempts: 0 for the first `free - 1`,
    then 2^(failures - free) seconds, at most `cap`."""
    if failures < free:
        return 0
    exponent = failures - free
    return cap if exponent >= 30 else min(cap, 2**exponent)


def retry_at(failures: int, latest: datetime | None, *, free: int, cap: int) -> datetime | None:
    """When the account may try again, or None if it may now (no failures, or none that count)."""
    if latest is None:
        return None
    wait = delay_seconds(failures, free=free, cap=cap)
    return latest + timedelta(seconds=wait) if wait else None


def wait_text(seconds: float) -> str:
    """'1 Sekunde', '40 Sekunden', '1 Minute', '15 Minuten' (rounded up)."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return "1 Sekunde" if whole == 1 else f"{whole} Sekunden"
    minutes = math.ceil(whole / 60)
    return "1 Minute" if minutes == 1 else f"{minutes} Minuten"
