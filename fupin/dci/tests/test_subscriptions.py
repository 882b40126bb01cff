"""fupin subscribed to a civil registry's death events (`fupin dci subscriptions add|list|remove`), against a tiny
civil registry written here: subscribe (signed, token first), its on-subscribe with the code, signed notifications
becoming department-list rows (once), refusals (bad or missing signature, unknown receiver, dates, encryption), the
comparison check's finding, and unsubscribe. Every answer fupin gives is validated against the core YAML."""

import base64
import datetime
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient

from fupin.audit.models import AuditEvent
from fupin.dci import signing, subscriptions
from fupin.dci.models import PeerEvent, PeerSubscription
from fupin.quality import services as quality_services
from fupin.quality.models import DepartmentRecord, Finding
from fupin.testing.factories import id_number, make_user, system_user

from .support import CORE, administrator, new_ed25519, validate

CIVIL_KEY = new_ed25519()
PUBLIC = "https://fupin.example.org"
LISI = id_number("533301", "19820304", "002")  # 李四, member of H1 (泸水 鲁掌村 533301102201001)
STRANGER = id_number("533323", "19500101", "099")  # in no household of the registry


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class CivilRegistry:
    """A tiny civil registry: /oauth2/client/token, /.well-known/jwks.json, and /registry/subscribe and
    /registry/unsubscribe (the caller's token and fupin's signature checked, an ACK answered)."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.refuse = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                raw = CIVIL_KEY.public_key().public_bytes(serialization.Encoding.Raw,
                                                          serialization.PublicFormat.Raw)
                self._answer(200, {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": "crvs-1",
                                             "use": "sig", "alg": "EdDSA"}]})

            def do_POST(self):
                data = self.rfile.read(int(self.headers["Content-Length"])).decode()
                if self.path == "/dci/oauth2/client/token":
                    form = {k: v[0] for k, v in parse_qs(data).items()}
                    if (form.get("client_id"), form.get("client_secret")) != ("fupin", "s3cret"):
                        return self._answer(401, {"errors": [{"code": "invalid_client", "message": "no"}]})
                    return self._answer(200, {"access_token": "tok", "token_type": "bearer", "expires_in": "60"})
                if self.headers.get("Authorization") != "Bearer tok":
                    return self._answer(401, {"errors": [{"code": "err.request.unauthorized", "message": "no"}]})
                body = json.loads(data)
                outer.requests.append((self.path, body))
                parsed = signing.parse(body["signature"])
                signing.verify(parsed, signing.server_key().public_key(), body["header"], body["message"])
                if outer.refuse:
                    return self._answer(400, {"message": {"ack_status": "ERR", "timestamp": "2026-06-15T10:00:00Z",
                                                          "correlation_id": "", "error": {
                                                              "code": "err.request.forbidden",
                                                              "message": "not allowed"}}})
                self._answer(200, {"message": {"ack_status": "ACK", "timestamp": "2026-06-15T10:00:00Z",
                                               "correlation_id": "corr-1"}})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dci"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def civil():
    server = CivilRegistry()
    yield server
    server.close()


def _add(civil, admin, capsys, *extra):
    call_command("dci", "subscriptions", "add", civil.url, "--client-id", "fupin", "--secret", "s3cret",
                 "--event", "death", "--area", "533301", "--callback-base", PUBLIC, "--format", "json",
                 "--user", admin.username, *extra)
    return json.loads(capsys.readouterr().out)


def _header(action, *, total=1, **overrides):
    header = {"version": "1.0.0", "message_id": uuid.uuid4().hex, "message_ts": "2026-06-15T09:30:00+08:00",
              "action": action, "status": "succ", "total_count": total, "completed_count": total,
              "sender_id": "crvs", "receiver_id": "fupin", "is_msg_encrypted": False}
    header.update(overrides)
    return header


def _send(token, verb, header, message, *, key=CIVIL_KEY, key_id="crvs-1", sign=True, tamper=None):
    body = {"header": header, "message": message}
    if sign:
        body["signature"] = signing.sign_with(key, sender_id="crvs", key_id=key_id, header=header, message=message)
    validate(body, CORE, "paths", f"/registry/{verb}", "post", "requestBody", "content", "application/json",
             "schema")
    if tamper:
        tamper(body)
    response = HttpClient().post(f"/dci/subscriber/{token}/registry/{verb}", json.dumps(body, ensure_ascii=False),
                                 content_type="application/json")
    payload = response.json()
    if response.status_code in (401, 403, 404):
        validate(payload, CORE, "components", "responses", "HttpErrorResponse", "content", "application/json",
                 "schema")
    else:
        validate(payload, CORE, "components", "responses", "Response", "content", "application/json", "schema")
    return response.status_code, payload


def _confirm(subscription, code="SUB-1"):
    message = {"transaction_id": subscription.transaction_id, "correlation_id": "corr-1", "subscribe_response": [{
        "reference_id": "r1", "timestamp": "2026-06-15T09:30:00+08:00", "status": "succ",
        "subscriptions": [{"code": code, "subscription_code": code, "status": "subscribe",
                           "timestamp": "2026-06-15T09:30:00+08:00", "reg_event_type": "death",
                           "subscribe_criteria": {"reg_event_type": "death"}}]}]}
    return _send(subscription.token, "on-subscribe", _header("on-subscribe"), message)


def _death(reference, number, died, **record):
    return {"reference_id": reference, "timestamp": "2026-06-15T09:30:00+08:00", "data": {
        "version": "1.0.0", "reg_type": "ns:org:RegistryType:Civil", "reg_event_type": "death",
        "response_entity": "Member",
        "reg_records": {"identifier_type": "UIN", "identifier": number, "deathdate": died, **record}}}


def _notify(subscription, *events, **kwargs):
    message = {"transaction_id": uuid.uuid4().hex[:20], "notify_event": list(events)}
    return _send(subscription.token, "notify", _header("notify", total=len(events)), message, **kwargs)


def test_subscribe_receive_deaths_compare_and_unsubscribe(world, civil, capsys):
    admin = administrator()
    printed = _add(civil, admin, capsys)
    subscription = PeerSubscription.objects.get(pk=printed["id"])
    assert (printed["status"], printed["area"], printed["event"]) == ("pending", "533301000000", "death")
    assert printed["receiver"] == f"{PUBLIC}/dci/subscriber/{subscription.token}"
    assert subscription.correlation_id == "corr-1" and [k["kid"] for k in subscription.keys] == ["crvs-1"]
    assert subscriptions.unseal(subscription.secret_sealed) == "s3cret" and "s3cret" not in subscription.secret_sealed
    [(path, sent)] = civil.requests
    assert path == "/dci/registry/subscribe"
    validate(sent, CORE, "paths", "/registry/subscribe", "post", "requestBody", "content", "application/json",
             "schema")
    assert sent["header"]["sender_uri"] == f"{printed['receiver']}/registry/on-subscribe"
    assert sent["header"]["sender_id"] == "fupin" and sent["message"]["transaction_id"] == subscription.transaction_id
    criteria = sent["message"]["subscribe_request"][0]["subscribe_criteria"]
    assert (criteria["reg_event_type"], criteria["filter_type"], criteria["filter"]) == (
        "death", "predicate", [{"seq_num": 1, "expression1": {"attribute_name": "area_code", "operator": "eq",
                                                              "attribute_value": "533301000000"}}])

    status, answer = _confirm(subscription)
    assert (status, answer["message"]["ack_status"], answer["message"]["correlation_id"]) == (200, "ACK", "corr-1")
    subscription.refresh_from_db()
    assert (subscription.status, subscription.codes, subscription.registry_id) == ("active", ["SUB-1"], "crvs")

    deaths = (_death("e1", LISI, "2026-05-20T08:00:00+08:00", name={"sur_name": "李", "given_name": "四"}),
              _death("e2", STRANGER, "2026-04-01"))
    status, answer = _notify(subscription, *deaths)
    assert (status, answer["message"]["ack_status"], "error" in answer["message"]) == (200, "ACK", False)
    listed = subscription.department_list
    listed.refresh_from_db()
    rows = list(DepartmentRecord.objects.filter(department_list=listed).order_by("row").values_list(
        "row", "id_number", "name", "date", "detail"))
    assert rows == [(1, LISI, "李四", datetime.date(2026, 5, 20), "DCI e1"),
                    (2, STRANGER, "", datetime.date(2026, 4, 1), "DCI e2")]
    assert (listed.source, listed.rows) == ("death", 2)

    status, answer = _notify(subscription, *deaths)  # the registry sends the same events again
    assert status == 200 and DepartmentRecord.objects.filter(department_list=listed).count() == 2
    assert PeerEvent.objects.filter(subscription=subscription).count() == 2
    audit = AuditEvent.objects.filter(action="dci.peer_events").order_by("seq")
    assert [(e.after["rows_added"], e.after["repeated"], e.actor_name) for e in audit] == [
        (2, 0, subscription.user.username), (0, 2, subscription.user.username)]

    scan = quality_services.scan_run(actor=system_user(), year=2026, rules=["death_still_member"])
    assert scan is not None
    [finding] = Finding.objects.filter(rule_id="death_still_member", status="open")
    h1 = world["H1"]
    lisi = h1.members.get(id_number=LISI)
    assert (finding.household_id, finding.member_id) == (h1.pk, lisi.pk)
    assert finding.message_en == (f"Registered as dead (2026-05-20) in “{listed.name}”, but still a member of "
                                  "the household.")
    lisi.refresh_from_db()
    assert lisi.is_active  # the office decides: nothing in the registry changed

    call_command("dci", "subscriptions", "remove", str(subscription.pk), "--format", "json", "--user",
                 admin.username)
    assert json.loads(capsys.readouterr().out)["status"] == "ended"
    path, sent = civil.requests[-1]
    assert path == "/dci/registry/unsubscribe"
    validate(sent, CORE, "paths", "/registry/unsubscribe", "post", "requestBody", "content", "application/json",
             "schema")
    assert sent["message"]["subscription_codes"] == ["SUB-1"]
    status, answer = _notify(subscription, _death("e3", LISI, "2026-05-21"))
    assert (status, answer["errors"][0]["code"]) == (403, "err.request.forbidden")
    call_command("dci", "subscriptions", "list", "--format", "json")
    assert [(s["id"], s["status"], s["codes"]) for s in json.loads(capsys.readouterr().out)] == [
        (subscription.pk, "ended", ["SUB-1"])]


def test_only_the_registrys_signature_lets_a_message_in(world, civil, capsys):
    subscription = PeerSubscription.objects.get(pk=_add(civil, administrator(), capsys)["id"])
    _confirm(subscription)
    event = _death("e1", LISI, "2026-05-20")
    status, answer = _notify(subscription, event, sign=False)
    assert (status, answer["errors"][0]["code"]) == (401, "err.signature.missing")
    status, answer = _notify(subscription, event, key=new_ed25519())  # another key under the registry's kid
    assert (status, answer["errors"][0]["code"]) == (401, "err.signature.invalid")
    status, answer = _notify(subscription, event, key_id="crvs-2")
    assert (status, answer["errors"][0]["code"]) == (401, "err.signature.invalid")

    def swap_person(body):
        body["message"]["notify_event"][0]["data"]["reg_records"]["identifier"] = STRANGER
    status, answer = _notify(subscription, event, tamper=swap_person)
    assert (status, answer["errors"][0]["code"]) == (401, "err.signature.invalid")
    status, answer = _send("0" * 32, "notify", _header("notify"), {"transaction_id": "t", "notify_event": [event]})
    assert (status, answer["errors"][0]["code"]) == (404, "err.request.not_found")
    assert not DepartmentRecord.objects.exists()


def test_dates_and_numbers_are_checked_event_by_event(world, civil, capsys):
    subscription = PeerSubscription.objects.get(pk=_add(civil, administrator(), capsys)["id"])
    _confirm(subscription)
    status, answer = _notify(subscription, _death("future", LISI, "2026-12-01"),  # TODAY is 2026-06-15
                             _death("before-birth", LISI, "1980-01-01"), _death("bad-id", "533301198203040021",
                                                                                "2026-05-01"),
                             _death("ok", STRANGER, "01052026"))  # DDMMYYYY, as nid_DeceasedRecord writes it
    assert (status, answer["message"]["ack_status"]) == (200, "ACK")
    error = answer["message"]["error"]
    assert error["code"] == "err.request.bad"
    assert "notify_event[0] future: " in error["message"] and "2026-12-01" in error["message"]
    assert "is in the future (today is 2026-06-15)" in error["message"]
    assert "notify_event[1] before-birth: " in error["message"] and "1982-03-04" in error["message"]
    assert "notify_event[2] bad-id: " in error["message"]
    assert list(DepartmentRecord.objects.values_list("id_number", "date")) == [(STRANGER, datetime.date(2026, 5, 1))]
    [audit] = AuditEvent.objects.filter(action="dci.peer_events")
    assert [item["reference_id"] for item in audit.after["refused"]] == ["future", "before-birth", "bad-id"]


def test_encrypted_messages_are_refused_with_the_specs_code(world, civil, capsys):
    subscription = PeerSubscription.objects.get(pk=_add(civil, administrator(), capsys)["id"])
    _confirm(subscription)
    message = {"transaction_id": "t1", "notify_event": [_death("e1", LISI, "2026-05-20")]}
    status, answer = _send(subscription.token, "notify", _header("notify", is_msg_encrypted=True), message)
    assert (status, answer["message"]["ack_status"], answer["message"]["error"]["code"]) == (
        400, "ERR", "err.encryption.invalid")
    assert not DepartmentRecord.objects.exists()


def test_a_refused_subscription_is_kept_as_rejected(world, civil, capsys):
    civil.refuse = True
    with pytest.raises(CommandError, match=r"err\.request\.forbidden"):
        _add(civil, administrator(), capsys)
    [subscription] = PeerSubscription.objects.all()
    assert subscription.status == "rejected" and "not allowed" in subscription.status_reason


def test_only_an_administrator_subscribes_and_credentials_are_checked(world, civil, capsys):
    from fupin.core.errors import PermissionDenied, ValidationFailed

    clerk = make_user(actions=["view"], area="533301000000")
    with pytest.raises(PermissionDenied):
        subscriptions.subscription_add(actor=clerk, url=civil.url, client_id="fupin", secret="s3cret",
                                       area_code="533301", callback_base=PUBLIC)
    with pytest.raises(ValidationFailed, match="no token"):
        subscriptions.subscription_add(actor=administrator(), url=civil.url, client_id="fupin", secret="wrong",
                                       area_code="533301", callback_base=PUBLIC)
    assert not PeerSubscription.objects.exists() and not civil.requests


def test_an_unknown_id_number_is_matched_once_the_person_is_registered(world, civil, capsys):
    from fupin.testing.factories import member_data, register_household

    subscription = PeerSubscription.objects.get(pk=_add(civil, administrator(), capsys)["id"])
    _confirm(subscription)
    _notify(subscription, _death("e2", STRANGER, "2026-04-01"))
    quality_services.scan_run(actor=system_user(), year=2026, rules=["death_still_member"])
    assert not Finding.objects.filter(rule_id="death_still_member").exists()
    later = register_household(area="533323101201", number="533323101201002", members=[
        member_data(name="周十", id_number=STRANGER, relation="户主")]).household
    quality_services.scan_run(actor=system_user(), year=2026, rules=["death_still_member"])
    [finding] = Finding.objects.filter(rule_id="death_still_member", status="open")
    assert (finding.household_id, finding.member_id) == (later.pk, later.members.get().pk)
    assert "(2026-04-01)" in finding.message_en


def test_removing_when_the_registry_cannot_be_told(world, civil, capsys):
    admin = administrator()
    subscription = PeerSubscription.objects.get(pk=_add(civil, admin, capsys)["id"])
    _confirm(subscription)
    civil.close()
    with pytest.raises(CommandError, match=re.escape(f"{civil.url}/oauth2/client/token")):
        call_command("dci", "subscriptions", "remove", str(subscription.pk), "--user", admin.username)
    subscription.refresh_from_db()
    assert subscription.status == "active"
    call_command("dci", "subscriptions", "remove", str(subscription.pk), "--force", "--format", "json", "--user",
                 admin.username)
    printed = json.loads(capsys.readouterr().out)
    assert printed["status"] == "ended" and printed["reason"]
    assert AuditEvent.objects.filter(action="dci.peer_unsubscribed").get().after["registry_told"] is False
    call_command("dci", "subscriptions", "list")
    assert "ended" in capsys.readouterr().out
