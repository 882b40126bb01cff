import hashlib
import hmac
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from fupin.core.context import current_request_id
from fupin.core.temporal import current_history

from .checkpoints import write_checkpoint_after_commit
from .keys import keyring
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def _plain(value):
    """The JSON value as it will read back from the database, so the hash is stable across round trips."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _payload(prev_hash, seq, occurred_at, actor_id, actor_name, action, object_type, object_id, area_code,
             before, after, request_id, *extra) -> bytes:
    return json.dumps(
        [prev_hash, seq, occurred_at.isoformat(timespec="microseconds"), actor_id, actor_name, action,
         object_type, object_id, area_code, before, after, request_id, *extra],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder,
    ).encode("utf-8")


def event_hash(*, prev_hash, seq, occurred_at, actor_id, actor_name, action, object_type, object_id,
               area_code, before, after, request_id) -> str:
    """The plain SHA-256 of the events recorded before the chain was keyed (key id "legacy"). Anyone can compute
    it, so it shows accidental damage only; verification still checks it on those events."""
    return hashlib.sha256(_payload(prev_hash, seq, occurred_at, actor_id, actor_name, action, object_type,
                                   object_id, area_code, before, after, request_id)).hexdigest()


def keyed_event_hash(secret: bytes, key_id: str, *, prev_hash, seq, occurred_at, actor_id, actor_name, action,
                     object_type, object_id, area_code, before, after, request_id) -> str:
    """HMAC-SHA256 of the event and the one before it under a key kept outside the database. The key's id is part
    of what is signed, so an event cannot be moved under another key (or back to the plain hash) unnoticed."""
    payload = _payload(prev_hash, seq, occurred_at, actor_id, actor_name, action, object_type, object_id,
                       area_code, before, after, request_id, key_id)
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


def audit_record(*, actor, action: str, obj=None, object_type: str = "", object_id: str = "",
                 area_code: str = "", before=None, after=None) -> AuditEvent:
    """Append one event to the chain. Call inside the service's transaction so the event and the change
    it describes commit (or roll back) together."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    history = current_history()
    if history is not None and (after is None or isinstance(after, dict)):
        after = {**(after or {}), "history": history.as_audit()}  # written in 补录 mode: by whom and why
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        fields = {
            "seq": head.last_seq + 1,
            "occurred_at": timezone.now(),
            "actor_id": actor.pk if actor is not None else None,
            "actor_name": actor.get_username() if actor is not None else "",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "area_code": area_code or "",
            "before": _plain(before),
            "after": _plain(after),
            "request_id": current_request_id(),
        }
        keys = keyring()
        digest = keyed_event_hash(keys.current, keys.current_id, prev_hash=head.last_hash, **fields)
        event = AuditEvent.objects.create(prev_hash=head.last_hash, hash=digest, key_id=keys.current_id, **fields)
        head.last_seq = event.seq
        head.last_hash = digest
        head.save(update_fields=["last_seq", "last_hash"])
        every = settings.FUPIN_AUDIT_CHECKPOINT_EVERY
        if every and event.seq % every == 0:
            # robust: a checkpoint folder that cannot be written is logged, it does not fail the committed change
            transaction.on_commit(write_checkpoint_after_commit, robust=True)
    return event
