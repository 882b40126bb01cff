"""Walks the audit chain with the keys and the checkpoints, and reports every event that was edited, deleted,
inserted, re-hashed or cut from the end, and every bulk write's change row that was edited, deleted or inserted
(ADR 0014)."""

import hashlib
from dataclasses import dataclass, field

from django.db.models import Count

from .changes import CHANGES, change_line
from .checkpoints import Checkpoint, read_checkpoints
from .journal import journal_pending
from .keys import LEGACY_KEY_ID, keyring
from .models import AuditChainHead, AuditChangeSet, AuditEvent, AuditRecordChange
from .services import GENESIS_HASH, event_hash, keyed_event_hash

HASHED_FIELDS = ("seq", "occurred_at", "actor_id", "actor_name", "action", "object_type", "object_id", "area_code",
                 "before", "after", "request_id")


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "problem": self.problem}


@dataclass(frozen=True)
class ChainReport:
    checked: int  # events read
    checkpoints: int  # checkpoints that verified and were compared with the chain
    problems: list[ChainProblem] = field(default_factory=list)  # by event, the first bad event first
    changes: int = 0  # bulk writes' change rows read
    # Reads recorded in the side journal while a long write held the chain, not yet folded into it (the worker
    # folds them; until then the chain alone does not show them).
    unfolded: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"checked": self.checked, "checkpoints": self.checkpoints, "intact": self.intact,
                "changes": self.changes, "unfolded_journal_events": self.unfolded,
                "problems": [p.as_dict() for p in self.problems]}


def verify_chain(batch_size: int = 5000, checkpoint_dir=None) -> ChainReport:
    """Check every event's hash under the key it names (plain SHA-256 for the "legacy" events before the first
    keyed one), every link, the head row, and every checkpoint in `checkpoint_dir` (default: the setting's).
    Raises ImproperlyConfigured when the keys cannot be read."""
    keys = keyring()
    checkpoints, unreadable = read_checkpoints(checkpoint_dir, keys)
    problems = [ChainProblem(seq, problem) for seq, problem in unreadable]
    pending: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        pending.setdefault(checkpoint.seq, []).append(checkpoint)
    # Events without a key were only recorded before the chain was keyed: every checkpoint names the last one.
    sealing = min(checkpoints, key=lambda c: c.legacy_until, default=None)
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    keyed_from = None  # the first keyed event
    covering: list[tuple[int, dict]] = []  # (seq, its `changes`) of the events covering bulk writes' change rows
    unknown_keys: set[str] = set()
    events = AuditEvent.objects.order_by("seq").values(*HASHED_FIELDS, "key_id", "prev_hash", "hash")
    for row in events.iterator(chunk_size=batch_size):
        checked += 1
        seq = row["seq"]
        if seq != expected_seq:
            problems.append(ChainProblem(expected_seq, f"events {expected_seq}..{seq - 1} are missing"))
        if row["prev_hash"] != expected_prev:
            problems.append(ChainProblem(seq, "does not link to the event before it"))
        fields = {name: row[name] for name in HASHED_FIELDS}
        key_id = row["key_id"]
        digest = None
        if key_id == LEGACY_KEY_ID:
            if keyed_from is not None:
                problems.append(ChainProblem(
                    seq, f"has no key although the events from #{keyed_from} on are keyed: it was re-hashed"))
            elif sealing is not None and seq > sealing.legacy_until:
                problems.append(ChainProblem(
                    seq, f"has no key although checkpoint {sealing.name} says the events without one end at "
                         f"#{sealing.legacy_until}: it was re-hashed"))
            digest = event_hash(prev_hash=row["prev_hash"], **fields)
        else:
            keyed_from = keyed_from or seq
            secret = keys.get(key_id)
            if secret is not None:
                digest = keyed_event_hash(secret, key_id, prev_hash=row["prev_hash"], **fields)
            elif key_id not in unknown_keys:
                unknown_keys.add(key_id)
                problems.append(ChainProblem(
                    seq, f"is chained with the audit key {key_id!r}, which is not configured: the events under it "
                         "cannot be checked (add the key to FUPIN_AUDIT_KEY_FILE or FUPIN_AUDIT_KEY)"))
        if digest is not None and digest != row["hash"]:
            problems.append(ChainProblem(seq, "content was changed after it was recorded"))
        after = row["after"]
        if isinstance(after, dict) and isinstance(after.get(CHANGES), dict):
            covering.append((seq, after[CHANGES]))
        for checkpoint in pending.pop(seq, ()):
            if row["hash"] != checkpoint.hash:
                problems.append(ChainProblem(
                    seq, f"differs from checkpoint {checkpoint.name}: the chain was rewritten up to here"))
            if checked != checkpoint.count:
                problems.append(ChainProblem(
                    seq, f"checkpoint {checkpoint.name} counted {checkpoint.count} events up to here, "
                         f"the chain holds {checked}"))
        expected_prev = row["hash"]
        expected_seq = seq + 1
    for seq, waiting in sorted(pending.items()):
        problems += [ChainProblem(seq, f"is missing but checkpoint {checkpoint.name} signed it: events were "
                                       "deleted") for checkpoint in waiting]
    changes, found = verify_changes(covering, batch_size)
    problems += found
    head = AuditChainHead.objects.filter(id=1).first()
    last_seq, last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if last_seq != expected_seq - 1 or last_hash != expected_prev:
        problems.append(ChainProblem(last_seq, "events at the end of the chain were deleted"))
    problems.sort(key=lambda p: p.seq)  # stable: an event's problems keep the order they were found in
    return ChainReport(checked, len(checkpoints), problems, changes, unfolded=len(journal_pending()))


def verify_changes(covering: list[tuple[int, dict]], batch_size: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Hash each covered change set's rows again, in the order they were written, and compare count and digest
    with what its (verified) event says; then look for change rows no event covers. Rows are streamed: memory
    holds one entry per covering event, not per row. Returns (rows read, problems)."""
    problems = []
    read = 0
    covered: set[int] = set()
    for seq, claim in covering:
        set_id = claim.get("set")
        covered.add(set_id)
        digest = hashlib.sha256()
        count = 0
        rows = (AuditRecordChange.objects.filter(change_set_id=set_id).order_by("id")
                .values_list("object_type", "object_id", "area_code", "before", "after"))
        for values in rows.iterator(chunk_size=max(batch_size, 20000)):
            digest.update(change_line(*values))
            count += 1
        read += count
        if count != claim.get("rows"):
            problems.append(ChainProblem(seq, f"covers {claim.get('rows')} changed records, the trail holds "
                                              f"{count}: change rows were deleted or inserted"))
        elif digest.hexdigest() != claim.get("sha256"):
            problems.append(ChainProblem(seq, "its changed records were edited after they were recorded"))
    if AuditRecordChange.objects.count() != read:
        # Rows in sets that no event covers: found by the sets' counts, one row per set.
        event_of = dict(AuditChangeSet.objects.filter(event__isnull=False).values_list("id", "event__seq"))
        by_set = (AuditRecordChange.objects.order_by().values_list("change_set_id")
                  .annotate(rows=Count("id")).order_by("change_set_id"))
        for set_id, rows in by_set.iterator(chunk_size=batch_size):
            if set_id not in covered:
                problems.append(ChainProblem(event_of.get(set_id, 0), f"change set {set_id} holds {rows} changed "
                                                                      "records that no audit event covers: they "
                                                                      "were inserted"))
    return read, problems
