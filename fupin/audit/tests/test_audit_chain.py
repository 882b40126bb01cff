import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.areas import services
from fupin.areas.models import Area
from fupin.audit.models import AuditChainHead, AuditEvent
from fupin.audit.services import audit_record
from fupin.audit.verification import ChainReport, verify_chain
from fupin.core.context import reset_request_id, set_request_id
from fupin.testing.factories import load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    load_fixture_divisions()
    editor = make_user(actions=["view", "change"], area="533300000000", username="editor")
    village = Area.objects.get(code="533301102201")
    token = set_request_id("req-42")
    try:
        for name in ("鲁掌村", "鲁掌村民委员会", "鲁掌村委会"):
            services.area_rename(actor=editor, area=village, name=name)
    finally:
        reset_request_id(token)
    audit_record(actor=None, action="test.note", object_type="note", object_id="1", after={"amount": "12.50"})
    return list(AuditEvent.objects.order_by("seq"))


def test_services_write_attributable_events(chain):
    first = chain[0]
    assert (first.seq, first.actor_name, first.action, first.object_type, first.object_id) == (
        1, "editor", "areas.renamed", "areas.area", "533301102201")
    assert (first.before, first.after, first.area_code, first.request_id) == (
        {"name": "鲁掌村委会"}, {"name": "鲁掌村"}, "533301102201", "req-42")
    assert [event.prev_hash for event in chain[1:]] == [event.hash for event in chain[:-1]]


def test_intact_chain_verifies(chain, capsys):
    assert verify_chain() == ChainReport(checked=4, checkpoints=0, problems=[])
    call_command("audit", "verify", "--format", "json")
    assert json.loads(capsys.readouterr().out) == {"checked": 4, "checkpoints": 0, "intact": True, "changes": 0,
                                                  "unfolded_journal_events": 0,
                                                  "problems": []}


def test_an_edited_event_is_caught(chain):
    AuditEvent.objects.filter(seq=2).update(after={"name": "改过的名字"})
    problems = verify_chain().problems
    assert [(p.seq, p.problem) for p in problems] == [(2, "content was changed after it was recorded")]
    with pytest.raises(CommandError, match="audit chain broken"):
        call_command("audit", "verify")


def test_an_edit_rehashed_with_the_plain_function_is_caught(chain):
    from fupin.audit.services import event_hash

    event = AuditEvent.objects.get(seq=2)
    event.actor_name = "someone-else"
    fields = {f: getattr(event, f) for f in ("seq", "occurred_at", "actor_id", "actor_name", "action",
                                              "object_type", "object_id", "area_code", "before", "after",
                                              "request_id")}
    event.hash = event_hash(prev_hash=event.prev_hash, **fields)
    event.save()
    assert [(p.seq, p.problem) for p in verify_chain().problems] == [
        (2, "content was changed after it was recorded"), (3, "does not link to the event before it")]


def test_deleted_events_are_caught(chain):
    AuditEvent.objects.filter(seq=2).delete()
    problems = [(p.seq, p.problem) for p in verify_chain().problems]
    assert problems == [(2, "events 2..2 are missing"), (3, "does not link to the event before it")]


def test_a_deleted_tail_is_caught(chain):
    AuditEvent.objects.filter(seq=4).delete()
    assert [(p.seq, p.problem) for p in verify_chain().problems] == [(4, "events at the end of the chain were deleted")]
    assert AuditChainHead.objects.get().last_seq == 4
