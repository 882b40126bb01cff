"""Signed checkpoints of the audit chain, kept outside the database.

A keyed chain shows an edited, inserted or re-hashed event, but not events cut from its end (with the head row
adjusted), nor a chain that someone holding only the database replaced with an older copy. A checkpoint is a
small JSON file naming the last event at the time, its hash, the number of events up to it and the last event
recorded without a key, signed (HMAC-SHA256) with the current audit key; verification requires every checkpoint
to match the chain.

File: `audit-<seq, 12 digits>.json` in FUPIN_AUDIT_CHECKPOINT_DIR, e.g.
    {"format": "fupin-audit-checkpoint/1", "seq": 5778, "hash": "…", "count": 5778, "legacy_until": 0,
     "created_at": "2026-12-06T11:40:00+00:00", "key_id": "2026-12", "signature": "…"}
"""

import hashlib
import hmac
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from .keys import LEGACY_KEY_ID, Keyring, keyring
from .models import AuditEvent

FORMAT = "fupin-audit-checkpoint/1"
SIGNED_FIELDS = ("format", "seq", "hash", "count", "legacy_until", "created_at", "key_id")
FILE_GLOB = "audit-*.json"

logger = logging.getLogger(__name__)


class CheckpointUntrusted(Exception):
    """A checkpoint file for the chain's last event exists but does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    name: str  # the file's name
    seq: int  # the last event's sequence number
    hash: str  # its chain hash
    count: int  # events with a sequence number up to seq
    legacy_until: int  # the last event chained without a key (0: none)
    created_at: str
    key_id: str  # the key that signed the file

    def as_dict(self) -> dict:
        return {"file": self.name, "seq": self.seq, "hash": self.hash, "count": self.count,
                "legacy_until": self.legacy_until, "created_at": self.created_at, "key_id": self.key_id}


def checkpoint_dir(directory=None) -> Path:
    return Path(directory or settings.FUPIN_AUDIT_CHECKPOINT_DIR)


def signature(secret: bytes, content: dict) -> str:
    signed = json.dumps({field: content[field] for field in SIGNED_FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(secret, signed.encode("utf-8"), hashlib.sha256).hexdigest()


def file_name(seq: int) -> str:
    return f"audit-{seq:012d}.json"


def write_checkpoint(directory=None) -> tuple[Checkpoint | None, bool]:
    """Sign the chain's current end into the folder. Returns (checkpoint, written): (None, False) for an empty
    chain, (the existing checkpoint, False) when the last event already has one. Raises CheckpointUntrusted when
    that file does not verify."""
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if last is None:
        return None, False
    folder = checkpoint_dir(directory)
    path = folder / file_name(last["seq"])
    keys = keyring()
    if path.exists():  # never overwritten, even when it no longer verifies: that is evidence
        existing, problem = read_checkpoint(path, keys)
        if existing is None:
            raise CheckpointUntrusted(f"{problem}; run `fupin audit verify`")
        return existing, False
    content = {
        "format": FORMAT,
        "seq": last["seq"],
        "hash": last["hash"],
        # Counted, not derived from seq: a checkpoint must notice an event deleted below it and another inserted.
        "count": AuditEvent.objects.filter(seq__lte=last["seq"]).count(),
        "legacy_until": AuditEvent.objects.filter(key_id=LEGACY_KEY_ID, seq__lte=last["seq"])
        .aggregate(last=Max("seq"))["last"] or 0,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "key_id": keys.current_id,
    }
    content["signature"] = signature(keys.current, content)
    folder.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name and renamed, so a reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".audit-", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as output:
        json.dump(content, output, indent=1)
        output.write("\n")
    os.replace(temporary, path)
    return _checkpoint(path.name, content), True


def write_checkpoint_after_commit() -> None:
    """audit_record's periodic checkpoint (every FUPIN_AUDIT_CHECKPOINT_EVERY events), run after the commit."""
    checkpoint, written = write_checkpoint()
    if written:
        logger.info("audit checkpoint %s written at event #%s", checkpoint.name, checkpoint.seq)


def _checkpoint(name: str, content: dict) -> Checkpoint:
    return Checkpoint(name, content["seq"], content["hash"], content["count"], content["legacy_until"],
                      content["created_at"], content["key_id"])


def read_checkpoint(path: Path, keys: Keyring) -> tuple[Checkpoint | None, str | None]:
    """(checkpoint, None) for a well-formed file whose signature holds under its key, else (None, the problem)."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        ints = ("seq", "count", "legacy_until")
        strings = ("format", "hash", "created_at", "key_id", "signature")
        if not (isinstance(content, dict) and all(type(content.get(f)) is int for f in ints)
                and all(isinstance(content.get(f), str) for f in strings) and content["format"] == FORMAT):
            raise ValueError
    except (OSError, ValueError):
        return None, f"checkpoint {path.name} cannot be read as a {FORMAT} file"
    secret = keys.get(content["key_id"])
    if secret is None:
        return None, (f"checkpoint {path.name} is signed with the audit key {content['key_id']!r}, "
                      "which is not configured")
    if not hmac.compare_digest(signature(secret, content), content["signature"]):
        return None, f"checkpoint {path.name} does not carry a valid signature: it was changed or forged"
    return _checkpoint(path.name, content), None


def read_checkpoints(directory=None, keys: Keyring | None = None) -> tuple[list[Checkpoint], list[tuple[int, str]]]:
    """Every checkpoint in the folder in order, and the problems of those that cannot be trusted (as the sequence
    number their name gives, and the problem)."""
    keys = keys or keyring()
    checkpoints, problems = [], []
    for path in sorted(checkpoint_dir(directory).glob(FILE_GLOB)):
        checkpoint, problem = read_checkpoint(path, keys)
        if checkpoint is not None:
            checkpoints.append(checkpoint)
        else:
            digits = path.stem.removeprefix("audit-")
            problems.append((int(digits) if digits.isdigit() else 0, problem))
    return checkpoints, problems
