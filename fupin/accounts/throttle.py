"""Login throttling, for every login form: the site's, the admin's and any other that calls `authenticate()`.

`ThrottledModelBackend` (the project's only authentication backend) checks before each password check:
- per account: LOGIN_THROTTLE["max_failures"] failures within LOGIN_THROTTLE["window_seconds"], from anywhere,
  lock the account for that long (even the right password is refused meanwhile); a success clears its count;
- per address: FUPIN_LOGIN_MAX_FAILURES_PER_ADDRESS failures from one address within the window lock that address,
  but only for accounts that have not logged in from it within FUPIN_LOGIN_KNOWN_DAYS. A county office behind one
  proxy shares an address: someone guessing passwords there locks the accounts they guess at and stops new
  accounts from that address, while the office's own users, known there, still log in.

Counts live in the cache (the database cache in production, shared by every server process). Each entry is written
with its own expiry; the cache's `incr` is not used (the database cache's resets the expiry to its default).
"""

import hashlib
import logging
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

logger = logging.getLogger(__name__)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _account_key(username: str) -> str:
    return f"login-fail:user:{_digest((username or '').strip().lower())}"


def _address_key(address: str) -> str:
    return f"login-fail:addr:{_digest(address or '')}"


def _known_key(username: str, address: str) -> str:
    return f"login-known:{_digest((username or '').strip().lower())}:{_digest(address or '')}"


def _window() -> int:
    return int(settings.LOGIN_THROTTLE["window_seconds"])


def _account_limit() -> int:
    return int(settings.LOGIN_THROTTLE["max_failures"])


def _address_limit() -> int:
    return int(getattr(settings, "FUPIN_LOGIN_MAX_FAILURES_PER_ADDRESS", 50))


def _state(key: str, now: float) -> dict:
    state = cache.get(key) or {}
    if not isinstance(state, dict):
        state = {}
    window = _window()
    return {"failures": [t for t in state.get("failures", []) if now - t < window],
            "locked_until": state.get("locked_until", 0.0)}


def _fail(key: str, limit: int, now: float) -> bool:
    """Count one failure under `key`; True if that locks it."""
    state = _state(key, now)
    state["failures"].append(now)
    locked = len(state["failures"]) >= limit
    if locked:
        state = {"failures": [], "locked_until": now + _window()}
    cache.set(key, state, _window())
    return locked


def account_locked(username: str, *, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return _state(_account_key(username), now)["locked_until"] > now


def address_locked_for(username: str, address: str, *, now: float | None = None) -> bool:
    """Whether the address is locked for this account (an account known at the address never is)."""
    now = time.time() if now is None else now
    if _state(_address_key(address), now)["locked_until"] <= now:
        return False
    return not cache.get(_known_key(username, address))


def is_locked(username: str, address: str) -> bool:
    return account_locked(username) or address_locked_for(username, address)


def record_failure(username: str, address: str) -> None:
    now = time.time()
    if _fail(_account_key(username), _account_limit(), now):
        logger.warning("login locked for an account after %s failures", _account_limit())
    if _fail(_address_key(address), _address_limit(), now):
        logger.warning("logins locked from %s for accounts not known there after %s failures", address,
                       _address_limit())


def record_success(username: str, address: str) -> None:
    """A correct login clears the account's count and makes it known at this address."""
    cache.delete(_account_key(username))
    cache.set(_known_key(username, address), True, int(getattr(settings, "FUPIN_LOGIN_KNOWN_DAYS", 30)) * 86400)


def clear(username: str, address: str) -> None:
    record_success(username, address)


def client_address(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "") or ""


class ThrottledModelBackend(ModelBackend):
    """Django's model backend behind the throttle: a locked account or address is refused before any password
    check (PermissionDenied stops `authenticate()` and reports the attempt as failed), and every outcome counts."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from django.contrib.auth import get_user_model

        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = client_address(request)
        if is_locked(username, address):
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username, address)
        else:
            record_success(username, address)
        return user
