"""The public form's rate limit, without a captcha: at most FUPIN_GRIEVANCE_PUBLIC_LIMIT["per_address"] complaints
from one address and ["per_phone"] for one phone number within ["window_seconds"].

Counts live in Django's cache (the database cache in production, shared by every server process), as the login
throttle's do; each entry keeps the times of the filings inside the window and is written with its own expiry.
An address behind a shared proxy (a township's office) is limited as one: the window is short and the limit per
address above the limit per phone for that reason."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

DEFAULTS = {"per_address": 5, "per_phone": 3, "window_seconds": 3600}


def _limits() -> dict:
    return {**DEFAULTS, **getattr(settings, "FUPIN_GRIEVANCE_PUBLIC_LIMIT", {})}


def _key(kind: str, value: str) -> str:
    return f"grievance-public:{kind}:{hashlib.sha256(value.encode('utf-8')).hexdigest()[:32]}"


def _recent(key: str, now: float, window: int) -> list[float]:
    times = cache.get(key) or []
    return [t for t in times if isinstance(t, (int, float)) and now - t < window]


def _keys(address: str, phone: str) -> list[tuple[str, int]]:
    limits = _limits()
    keys = [(_key("addr", address or ""), int(limits["per_address"]))]
    if phone:
        keys.append((_key("phone", phone), int(limits["per_phone"])))
    return keys


def allowed(address: str, phone: str = "") -> bool:
    """Whether one more complaint from this address (and this phone, if given) is within the limits."""
    now, window = time.time(), int(_limits()["window_seconds"])
    return all(len(_recent(key, now, window)) < limit for key, limit in _keys(address, phone))


def note(address: str, phone: str = "") -> None:
    """Count a complaint filed (after it is saved: a refused form counts nothing)."""
    now, window = time.time(), int(_limits()["window_seconds"])
    for key, _limit in _keys(address, phone):
        cache.set(key, [*_recent(key, now, window), now], timeout=window)
