"""The keyed chain and its checkpoints against someone who can rewrite the database but holds no key (ADR 0014)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.audit.checkpoints import read_checkpoints, signature, write_checkpoint
from fupin.audit.checks import audit_keys_readable
from fupin.audit.keys import keyring, require_configured
from fupin.audit.models import AuditChainHead, AuditEvent
from fupin.audit.services import GENESIS_HASH, audit_record, event_hash, keyed_event_hash
from fupin.audit.verification import HASHED_FIELDS, verify_chain

pytestmark = pytest.mark.django_db

SECRET_A = "a-secret-of-the-county-server-0123456789"
SECRET_B = "b-secret-after-the-rotation-9876543210xyz"
GUESSED = b"a-guess-at-the-key-made-by-the-attacker-0000"
CHANGED = "content was changed after it was recorded"
MISSING_A = ("is chained with the audit key 'a', which is not configured: the events under it cannot be checked "
             "(add the key to FUPIN_AUDIT_KEY_FILE or FUPIN_AUDIT_KEY)")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def audit_settings(settings, tmp_path):
    settings.FUPIN_AUDIT_KEY = f"a:{SECRET_A}"
    settings.FUPIN_AUDIT_KEY_FILE = ""
    settings.FUPIN_AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.FUPIN_AUDIT_CHECKPOINT_EVERY = 0
    return settings


def record(n: int, first: int = 1) -> None:
    """n decisions, numbered from `first`: the events an attacker would like to change."""
    for number in range(first, first + n):
        audit_record(actor=None, action="test.decided", object_type="case", object_id=str(number),
                     area_code="533301102201", after={"decision": "approve"})


def problems() -> list[tuple[int, str]]:
    return [(p.seq, p.problem) for p in verify_chain().problems]


def fields(event) -> dict:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def plain(event) -> str:
    return event_hash(prev_hash=event.prev_hash, **fields(event))


def guessed(event) -> str:
    return keyed_event_hash(GUESSED, event.key_id, prev_hash=event.prev_hash, **fields(event))


def rechain(first_seq: int, digest, key_id: str | None = None) -> None:
    """The attack: recompute every hash from `first_seq` on with `digest` so that every link holds, and move the
    head row to the new end, as the project's own code would."""
    before = AuditEvent.objects.filter(seq__lt=first_seq).order_by("-seq").first()
    previous = before.hash if before else GENESIS_HASH
    for event in AuditEvent.objects.filter(seq__gte=first_seq).order_by("seq"):
        event.key_id = key_id or event.key_id
        event.prev_hash = previous
        event.hash = previous = digest(event)
        event.save()
    last = AuditEvent.objects.order_by("-seq").first()
    AuditChainHead.objects.filter(id=1).update(last_seq=last.seq, last_hash=last.hash)


def reject(seq: int) -> None:
    AuditEvent.objects.filter(seq=seq).update(after={"decision": "reject"})


# The keyed chain ------------------------------------------------------------------------------------------------

def test_events_are_chained_with_the_current_key():
    record(2)
    first, second = AuditEvent.objects.order_by("seq")
    assert (first.key_id, second.key_id, second.prev_hash) == ("a", "a", first.hash)
    assert second.hash == keyed_event_hash(SECRET_A.encode(), "a", prev_hash=first.hash, **fields(second))
    assert second.hash != event_hash(prev_hash=first.hash, **fields(second))
    assert problems() == []


def test_an_edit_rehashed_with_the_plain_function_is_caught_at_the_edited_event():
    record(6)
    reject(3)
    rechain(3, plain)
    assert problems() == [(seq, CHANGED) for seq in (3, 4, 5, 6)]


def test_an_edit_rehashed_as_unkeyed_events_is_caught_at_the_edited_event():
    record(6)
    reject(3)
    rechain(3, plain, key_id="legacy")
    assert problems() == [(seq, "has no key although the events from #1 on are keyed: it was re-hashed")
                          for seq in (3, 4, 5, 6)]


def test_an_edit_rehashed_with_a_guessed_key_is_caught_at_the_edited_event():
    record(6)
    reject(3)
    rechain(3, guessed)
    assert problems() == [(seq, CHANGED) for seq in (3, 4, 5, 6)]


def test_an_edit_rehashed_under_an_invented_key_id_is_caught():
    record(6)
    reject(3)
    rechain(3, guessed, key_id="b")
    assert problems() == [(3, "is chained with the audit key 'b', which is not configured: the events under it "
                              "cannot be checked (add the key to FUPIN_AUDIT_KEY_FILE or FUPIN_AUDIT_KEY)")]


def test_a_deleted_event_is_caught_even_when_the_rest_is_renumbered_and_rehashed():
    record(6)
    AuditEvent.objects.filter(seq=3).delete()
    assert problems() == [(3, "events 3..3 are missing"), (4, "does not link to the event before it")]
    for seq in (4, 5, 6):
        AuditEvent.objects.filter(seq=seq).update(seq=seq - 1)
    rechain(3, guessed)
    assert problems() == [(seq, CHANGED) for seq in (3, 4, 5)]


def test_an_inserted_event_is_caught():
    record(6)
    for seq in (6, 5, 4):  # make room after event 3, from the end so that seq stays unique
        AuditEvent.objects.filter(seq=seq).update(seq=seq + 1)
    forged = AuditEvent.objects.get(seq=3)
    forged.pk, forged.seq, forged.object_id = None, 4, "forged"
    forged.save()
    rechain(4, guessed)
    assert AuditEvent.objects.count() == 7
    assert problems() == [(seq, CHANGED) for seq in (4, 5, 6, 7)]


def test_an_event_appended_with_a_guessed_key_is_caught():
    record(3)
    last = AuditEvent.objects.get(seq=3)
    last.pk, last.seq, last.prev_hash = None, 4, last.hash
    last.hash = guessed(last)
    last.save()
    AuditChainHead.objects.filter(id=1).update(last_seq=4, last_hash=last.hash)
    assert problems() == [(4, CHANGED)]


# Checkpoints ----------------------------------------------------------------------------------------------------

def test_a_checkpoint_signs_the_last_event_and_the_count(tmp_path):
    assert write_checkpoint() == (None, False)  # nothing to sign yet
    record(3)
    checkpoint, written = write_checkpoint()
    last = AuditEvent.objects.get(seq=3)
    path = tmp_path / "checkpoints" / "audit-000000000003.json"
    content = json.loads(path.read_text())
    assert written and checkpoint.name == path.name
    assert {k: v for k, v in content.items() if k not in {"created_at", "signature"}} == {
        "format": "fupin-audit-checkpoint/1", "seq": 3, "hash": last.hash, "count": 3, "legacy_until": 0,
        "key_id": "a"}
    assert content["signature"] == signature(SECRET_A.encode(), content)
    assert write_checkpoint() == (checkpoint, False)  # the same end is signed once
    assert verify_chain().checkpoints == 1 and problems() == []


def test_a_truncated_tail_is_caught_by_the_checkpoint():
    record(6)
    write_checkpoint()
    AuditEvent.objects.filter(seq__gte=5).delete()
    last = AuditEvent.objects.get(seq=4)
    AuditChainHead.objects.filter(id=1).update(last_seq=4, last_hash=last.hash)  # the head row lies along
    assert problems() == [(6, "is missing but checkpoint audit-000000000006.json signed it: events were deleted")]


def test_a_deletion_below_a_checkpoint_changes_its_count():
    record(6)
    write_checkpoint()
    AuditEvent.objects.filter(seq=3).delete()
    assert problems() == [(3, "events 3..3 are missing"), (4, "does not link to the event before it"),
                          (6, "checkpoint audit-000000000006.json counted 6 events up to here, the chain holds 5")]


def test_a_chain_rewritten_entirely_without_keys_is_caught_only_by_a_checkpoint():
    record(4)
    rechain(1, plain, key_id="legacy")
    assert problems() == []  # a whole chain of plain hashes is what an old database holds: the chain alone agrees
    record(4, first=10)
    write_checkpoint()
    rechain(1, plain, key_id="legacy")
    unkeyed = "has no key although checkpoint audit-000000000008.json says the events without one end at #4: " \
              "it was re-hashed"
    assert problems() == [(5, unkeyed), (6, unkeyed), (7, unkeyed), (8, unkeyed), (
        8, "differs from checkpoint audit-000000000008.json: the chain was rewritten up to here")]


def test_a_changed_or_foreign_checkpoint_is_refused(settings, tmp_path):
    record(2)
    write_checkpoint()
    path = tmp_path / "checkpoints" / "audit-000000000002.json"
    content = json.loads(path.read_text())
    path.write_text(json.dumps({**content, "count": 1}))
    (tmp_path / "checkpoints" / "audit-000000000009.json").write_text("not json")
    assert problems() == [
        (2, "checkpoint audit-000000000002.json does not carry a valid signature: it was changed or forged"),
        (9, "checkpoint audit-000000000009.json cannot be read as a fupin-audit-checkpoint/1 file")]
    with pytest.raises(CommandError, match="does not carry a valid signature"):
        call_command("audit", "checkpoint")  # never overwritten: the file is evidence
    path.write_text(json.dumps(content))
    settings.FUPIN_AUDIT_KEY = f"b:{SECRET_B}"
    assert problems() == [
        (1, MISSING_A),
        (2, "checkpoint audit-000000000002.json is signed with the audit key 'a', which is not configured"),
        (9, "checkpoint audit-000000000009.json cannot be read as a fupin-audit-checkpoint/1 file")]


def test_checkpoints_are_written_every_n_events_after_the_commit(settings, tmp_path,
                                                                  django_capture_on_commit_callbacks):
    settings.FUPIN_AUDIT_CHECKPOINT_EVERY = 3
    for number in range(7):
        with django_capture_on_commit_callbacks(execute=True):
            record(1, first=number)
    checkpoints, unreadable = read_checkpoints()
    assert [(c.name, c.seq, c.count) for c in checkpoints] == [
        ("audit-000000000003.json", 3, 3), ("audit-000000000006.json", 6, 6)]
    assert unreadable == [] and verify_chain().checkpoints == 2


# Key rotation, key files and the unkeyed events of old databases ---------------------------------------------

def test_a_rotated_key_chains_new_events_and_the_old_one_verifies_its_own(settings):
    record(3)
    write_checkpoint()
    settings.FUPIN_AUDIT_KEY = f"a:{SECRET_A},b:{SECRET_B}"
    record(3, first=4)
    assert list(AuditEvent.objects.values_list("key_id", flat=True)) == ["a", "a", "a", "b", "b", "b"]
    assert problems() == []
    settings.FUPIN_AUDIT_KEY = f"b:{SECRET_B}"
    assert problems() == [
        (1, MISSING_A), (3, "checkpoint audit-000000000003.json is signed with the audit key 'a', which is not "
                            "configured")]


def test_keys_come_from_a_file_the_last_line_chaining(settings, tmp_path):
    key_file = tmp_path / "audit.keys"
    key_file.write_text(f"# rotated on 2026-12-06\na:{SECRET_A}\n\nb:{SECRET_B}\n")
    settings.FUPIN_AUDIT_KEY, settings.FUPIN_AUDIT_KEY_FILE = "", str(key_file)
    assert (keyring().current_id, sorted(keyring().secrets)) == ("b", ["a", "b"])
    record(1)
    assert AuditEvent.objects.get().key_id == "b"


@pytest.mark.parametrize(("text", "message"), [
    (f"a {SECRET_A}\n", "audit key file {path}, line 1: an audit key is written `id:secret`"),
    (f"\nlegacy:{SECRET_A}\n", "audit key file {path}, line 2: an audit key is written `id:secret`"),
    ("a:short\n", "audit key file {path}, line 1: the secret of audit key 'a' is shorter than 32 characters."),
    (f"a:{SECRET_A}\na:{SECRET_B}\n", "The audit key 'a' is given twice with different secrets."),
])
def test_a_bad_key_file_is_refused_without_showing_a_secret(settings, tmp_path, text, message):
    key_file = tmp_path / "audit.keys"
    key_file.write_text(text)
    settings.FUPIN_AUDIT_KEY, settings.FUPIN_AUDIT_KEY_FILE = "", str(key_file)
    with pytest.raises(ImproperlyConfigured) as caught:
        keyring()
    assert str(caught.value).startswith(message.format(path=key_file))
    assert SECRET_A not in str(caught.value) and SECRET_B not in str(caught.value)
    assert [e.id for e in audit_keys_readable()] == ["audit.E001"]
    with pytest.raises(CommandError, match="audit key"):
        call_command("audit", "verify")


def test_without_any_key_nothing_is_recorded(settings):
    settings.FUPIN_AUDIT_KEY, settings.FUPIN_AUDIT_DEVELOPMENT_KEY = "", None
    message = "No audit key is configured: set FUPIN_AUDIT_KEY or FUPIN_AUDIT_KEY_FILE"
    with pytest.raises(ImproperlyConfigured, match=message):
        require_configured()
    with pytest.raises(ImproperlyConfigured, match=message):
        record(1)
    assert not AuditEvent.objects.exists()


def test_the_development_key_needs_no_configuration(settings):
    settings.FUPIN_AUDIT_KEY = ""
    record(1)
    assert AuditEvent.objects.get().key_id == "dev" and problems() == []


def test_unkeyed_events_of_an_old_database_verify_and_the_new_ones_are_keyed():
    record(3)
    rechain(1, plain, key_id="legacy")  # what migration 0002 leaves: plain hashes, key id "legacy"
    record(2, first=4)
    assert list(AuditEvent.objects.values_list("key_id", flat=True)) == ["legacy"] * 3 + ["a"] * 2
    checkpoint, _written = write_checkpoint()
    assert (checkpoint.legacy_until, problems()) == (3, [])
    reject(2)
    rechain(2, plain, key_id="legacy")
    # Unkeyed events can be recomputed by anyone: event 2 itself passes, the keyed ones turned unkeyed and the
    # checkpoint do not.
    unkeyed = "has no key although checkpoint audit-000000000005.json says the events without one end at #3: " \
              "it was re-hashed"
    assert problems() == [(4, unkeyed), (5, unkeyed),
                          (5, "differs from checkpoint audit-000000000005.json: the chain was rewritten up to here")]


# The command ----------------------------------------------------------------------------------------------------

def test_verify_prints_the_report_and_exits_non_zero_naming_the_first_bad_event(capsys):
    record(6)
    call_command("audit", "checkpoint", "--format", "json")
    assert json.loads(capsys.readouterr().out)["written"] is True
    call_command("audit", "verify", "--format", "json")
    assert json.loads(capsys.readouterr().out) == {"checked": 6, "checkpoints": 1, "intact": True, "changes": 0,
                                                  "unfolded_journal_events": 0,
                                                  "problems": []}
    reject(3)
    rechain(3, plain)
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", "--format", "json")
    assert caught.value.returncode == 1
    assert str(caught.value) == ("audit chain broken: 5 problem(s) in 6 events; the first at event #3: "
                                 "content was changed after it was recorded")
    assert json.loads(capsys.readouterr().out)["problems"] == [
        {"seq": 3, "problem": CHANGED}, {"seq": 4, "problem": CHANGED}, {"seq": 5, "problem": CHANGED},
        {"seq": 6, "problem": CHANGED},
        {"seq": 6, "problem": "differs from checkpoint audit-000000000006.json: the chain was rewritten up to here"}]


def test_add_key_rotates_the_key_file(settings, tmp_path, capsys):
    key_file = tmp_path / "audit.keys"
    settings.FUPIN_AUDIT_KEY, settings.FUPIN_AUDIT_KEY_FILE = "", str(key_file)
    call_command("audit", "add-key", "--id", "k1", "--format", "json")
    assert json.loads(capsys.readouterr().out) == {"file": str(key_file), "key_id": "k1", "keys": 1}
    record(1)
    call_command("audit", "add-key", "--id", "k2", "--format", "json")
    assert json.loads(capsys.readouterr().out) == {"file": str(key_file), "key_id": "k2", "keys": 2}
    lines = key_file.read_text().splitlines()
    assert [line.partition(":")[0] for line in lines if not line.startswith("#")] == ["k1", "k2"]
    assert len(lines[-1].partition(":")[2]) == 43 and os.stat(key_file).st_mode & 0o777 == 0o600
    record(1, first=2)  # the running process keeps chaining with k1 …
    keyring.cache_clear()  # … until it restarts
    record(1, first=3)
    assert list(AuditEvent.objects.values_list("key_id", flat=True)) == ["k1", "k1", "k2"]
    assert problems() == []
    with pytest.raises(CommandError, match="already has a key 'k2'"):
        call_command("audit", "add-key", "--id", "k2")


def test_production_refuses_to_start_without_an_audit_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "FUPIN_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
           "FUPIN_ALLOWED_HOSTS": "fupin.example.org", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"}
    result = subprocess.run([sys.executable, "-m", "django", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert "No audit key is configured: set FUPIN_AUDIT_KEY or FUPIN_AUDIT_KEY_FILE" in result.stderr
