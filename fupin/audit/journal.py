"""Audit events of reads, kept even while a long write holds the database: a side journal folded into the chain.

A page or response that shows unmasked values must record the look before it answers. The chain is one sequence
with one head row, so recording takes the write lock (SQLite: the whole database; PostgreSQL: the head row), and a
long import holds it for minutes: the look waited 30 s and answered 500. `audit_look` waits only
FUPIN_AUDIT_LOOK_WAIT_SECONDS for the chain; past that the event is written to the journal — one JSON file per
event under FUPIN_AUDIT_JOURNAL_DIR (default MEDIA_ROOT/audit-journal, which web and worker share), written whole
then renamed, so a file is there entirely or not at all — and the read is answered.

`journal_fold` appends the journal's events to the chain in the order they were seen, then deletes their files;
each carries its id (`after.journal`), so an event folded twice (a crash between the commit and the deletion) is
chained once. Each file is signed with the chain's current key: a file edited or forged in the folder is still
chained, marked `journal_signature: invalid`, so the trail shows it rather than losing it. Folding happens before
every look that gets the chain in time, at each of the worker's housekeeping rounds and in `fupin jobs clean`.
The event's chain time is when it was folded; `after.seen_at` is when the look happened.
"""

import hashlib
import hmac
import json
import logging
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from fupin.core.context import current_request_id, reset_request_id, set_request_id
from fupin.core.temporal import current_history

from .keys import keyring
from .services import audit_record

logger = logging.getLogger(__name__)

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_timeout


def journal_dir() -> Path:
    configured = getattr(settings, "FUPIN_AUDIT_JOURNAL_DIR", None)
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "audit-journal"


def _wait_seconds() -> float:
    return float(getattr(settings, "FUPIN_AUDIT_LOOK_WAIT_SECONDS", 2.0))


def _signature(body: bytes) -> str:
    keys = keyring()
    return f"{keys.current_id}:" + hmac.new(keys.current, body, hashlib.sha256).hexdigest()


def _signature_valid(body: bytes, signature: str) -> bool:
    key_id, _colon, digest = signature.partition(":")
    secret = keyring().get(key_id)
    if secret is None:
        return False
    return hmac.compare_digest(hmac.new(secret, body, hashlib.sha256).hexdigest(), digest)


def _is_lock_wait(error: BaseException) -> bool:
    cause = error.__cause__
    return "database is locked" in str(error) or getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE


@contextmanager
def _waiting_at_most(seconds: float):
    """Make this connection's next lock waits give up after `seconds` (and restore them after)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        raw = connection.connection
        before = raw.execute("PRAGMA busy_timeout").fetchone()[0]
        raw.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            yield
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(before)}")
    else:
        yield


@contextmanager
def _chain_transaction(seconds: float):
    with _waiting_at_most(seconds), transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")
        yield


def audit_look(*, actor, action: str, obj=None, object_type: str = "", object_id: str = "", area_code: str = "",
               after=None) -> None:
    """Record a read (a look at unmasked values) in the chain, or in the journal if the chain is held too long."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    event = {"actor": actor, "action": action, "object_type": object_type, "object_id": str(object_id),
             "area_code": area_code}
    if connection.in_atomic_block:  # inside a caller's transaction: it holds (or waits for) the lock anyway
        audit_record(**event, after=after)
        return
    try:
        with _chain_transaction(_wait_seconds()):
            folded = _fold_here()
            audit_record(**event, after=after)
    except OperationalError as error:
        if not _is_lock_wait(error):
            raise
        journal_write(**event, after=after)
        return
    for path in folded:
        path.unlink(missing_ok=True)


def journal_write(*, actor, action: str, object_type: str, object_id: str, area_code: str, after) -> str:
    """Write one event to the journal; its id."""
    entry_id = uuid.uuid4().hex
    now = timezone.now()
    history = current_history()
    if history is not None and (after is None or isinstance(after, dict)):
        after = {**(after or {}), "history": history.as_audit()}
    entry = {"id": entry_id, "actor_id": actor.pk if actor is not None else None,
             "actor_name": actor.get_username() if actor is not None else "", "action": action,
             "object_type": object_type, "object_id": object_id, "area_code": area_code, "after": after,
             "seen_at": now.isoformat(timespec="microseconds"), "request_id": current_request_id()}
    body = json.dumps(entry, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True).encode("utf-8")
    folder = journal_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{now.strftime('%Y%m%dT%H%M%S%f')}-{entry_id}"
    temporary = folder / f".{name}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(json.dumps({"entry": body.decode("utf-8"), "signature": _signature(body)},
                                ensure_ascii=False).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / f"{name}.json")
    logger.info("audit event %s written to the journal (the chain was held)", action)
    return entry_id


def journal_pending() -> list[Path]:
    folder = journal_dir()
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def journal_fold() -> int:
    """Chain the journal's events (if the chain can be had within the look's wait); how many were folded."""
    if not journal_pending():
        return 0
    try:
        with _chain_transaction(_wait_seconds()):
            files = _fold_here()
    except OperationalError as error:
        if not _is_lock_wait(error):
            raise
        return 0
    for path in files:
        path.unlink(missing_ok=True)
    return len(files)


def _fold_here() -> list[Path]:
    """Inside the chain's transaction: chain every pending event not chained yet. The files to delete after the
    commit (when called from `audit_look`, they go at the next fold: already chained, they are skipped then)."""
    from django.contrib.auth import get_user_model

    from .models import AuditEvent

    files = journal_pending()
    if not files:
        return []
    entries = []
    for path in files:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            body = stored["entry"].encode("utf-8")
            entry = json.loads(body)
        except (OSError, ValueError, KeyError, TypeError):
            logger.error("audit journal file %s cannot be read; left in place", path.name)
            continue
        entries.append((path, entry, _signature_valid(body, stored.get("signature", ""))))
    chained = set(AuditEvent.objects.filter(after__journal__in=[entry["id"] for _path, entry, _ok in entries])
                  .values_list("after__journal", flat=True))
    user_model = get_user_model()
    done = []
    for path, entry, signed in entries:
        done.append(path)
        if entry["id"] in chained:
            continue
        actor = None
        if entry["actor_id"] is not None:
            actor = user_model(pk=entry["actor_id"], **{user_model.USERNAME_FIELD: entry["actor_name"]})
        after = entry["after"] if isinstance(entry["after"], dict) else {"value": entry["after"]}
        after = {**after, "journal": entry["id"], "seen_at": entry["seen_at"]}
        if not signed:
            after["journal_signature"] = "invalid"
        token = set_request_id(entry.get("request_id") or None)
        try:
            audit_record(actor=actor, action=entry["action"], object_type=entry["object_type"],
                         object_id=entry["object_id"], area_code=entry["area_code"], after=after)
        finally:
            reset_request_id(token)
    return done
