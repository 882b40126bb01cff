import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from fupin.core.context import current_request_id

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def _plain(value):
    """The JSON value as it will read back from the database, so the hash is stable across round trips."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def event_hash(*, prev_hash, seq, occurred_at, actor_id, actor_name, action, object_type, object_id,
               area_code, before, after, request_id) -> str:
    payload = json.dumps(
        [prev_hash, seq, occurred_at.isoformat(timespec="microseconds"), actor_id, actor_name, action,
         object_type, object_id, area_code, before, after, request_id],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def audit_record(*, actor, action: str, obj=None, object_type: str = "", object_id: str = "",
                 area_code: str = "", before=None, after=None) -> AuditEvent:
    """Append one event to the chain. Call inside the service's transaction so the event and the change
    it describes commit (or roll back) together."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
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
        digest = event_hash(prev_hash=head.last_hash, **fields)
        event = AuditEvent.objects.create(prev_hash=head.last_hash, hash=digest, **fields)
        head.last_seq = event.seq
        head.last_hash = digest
        head.save(update_fields=["last_seq", "last_hash"])
    return event
