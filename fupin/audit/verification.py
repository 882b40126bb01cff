"""Walks the audit chain and reports every event that was edited, deleted or inserted out of order."""

from dataclasses import dataclass

from .models import AuditChainHead, AuditEvent
from .services import GENESIS_HASH, event_hash


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "problem": self.problem}


def verify_chain(batch_size: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Return (events checked, problems). An empty problem list means the chain is intact."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    events = AuditEvent.objects.order_by("seq").values(
        "seq", "occurred_at", "actor_id", "actor_name", "action", "object_type", "object_id", "area_code",
        "before", "after", "request_id", "prev_hash", "hash",
    )
    for row in events.iterator(chunk_size=batch_size):
        checked += 1
        if row["seq"] != expected_seq:
            problems.append(ChainProblem(expected_seq, f"events {expected_seq}..{row['seq'] - 1} are missing"))
        if row["prev_hash"] != expected_prev:
            problems.append(ChainProblem(row["seq"], "does not link to the event before it"))
        fields = {k: row[k] for k in row if k not in {"prev_hash", "hash"}}
        if event_hash(prev_hash=row["prev_hash"], **fields) != row["hash"]:
            problems.append(ChainProblem(row["seq"], "content was changed after it was recorded"))
        expected_prev = row["hash"]
        expected_seq = row["seq"] + 1
    head = AuditChainHead.objects.filter(id=1).first()
    last_seq, last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if last_seq != expected_seq - 1 or last_hash != expected_prev:
        problems.append(ChainProblem(last_seq, "events at the end of the chain were deleted"))
    return checked, problems
