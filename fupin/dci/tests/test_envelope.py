"""The envelope and header as the YAML states them, OAuth2 client credentials (401/403), signatures, JWKS."""

import base64
import copy
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command

from fupin.dci import signing
from fupin.dci.models import Client

from .support import Dci, new_ed25519, validate_response

BY_ID = {"query_type": "idtype-value", "query": {"type": "UIN", "value": "533301196001010013"}}


def sync_body(dci, header=None, message=None):
    message = message or {"transaction_id": "t-1", "search_request": [
        {"reference_id": "r-1", "timestamp": "2026-06-15T09:30:00Z", "search_criteria": copy.deepcopy(BY_ID)}]}
    return {"header": header or dci.header("search", 1), "message": message}


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"version": "2.0.0"}, "rjct.version.invalid"),
    ({"message_ts": "2026-06-15T09:30:00"}, "rjct.message_ts.invalid"),  # no zone
    ({"message_ts": "2026-06-15"}, "rjct.message_ts.invalid"),
    ({"message_ts": "15/06/2026 09:30 +08:00"}, "rjct.message_ts.invalid"),
    ({"message_ts": "2099-01-01T00:00:00Z"}, "rjct.message_ts.invalid"),  # in the future
    ({"message_ts": None}, "rjct.message_ts.invalid"),  # required
    ({"action": "subscribe"}, "rjct.action.invalid"),
    ({"action": "fly"}, "rjct.action.not_supported"),
    ({"action": None}, "rjct.action.not_supported"),
    ({"total_count": 2}, "rjct.total_count.invalid"),
    ({"total_count": "1"}, "rjct.total_count.invalid"),  # an integer, as the YAML says
    ({"total_count": None}, "rjct.total_count.invalid"),
])
def test_header_rules_reject_with_their_reason_code(world, overrides, reason):
    dci = Dci()
    status, payload = dci.post("/registry/sync/search", sync_body(dci, dci.header("search", 1, **overrides)))
    assert status == 400
    assert (payload["header"]["status"], payload["header"]["status_reason_code"]) == ("rjct", reason)
    assert "message" not in payload


def test_total_count_limit(world, settings):
    settings.FUPIN_DCI_MAX_BATCH = 1
    dci = Dci()
    item = {"reference_id": "r-1", "timestamp": "2026-06-15T09:30:00Z", "search_criteria": BY_ID}
    message = {"transaction_id": "t", "search_request": [item, {**item, "reference_id": "r-2"}]}
    _status, payload = dci.post("/registry/sync/search", sync_body(dci, dci.header("search", 2), message))
    assert payload["header"]["status_reason_code"] == "rjct.total_count.limit_exceeded"


def test_a_repeated_message_id_is_rejected(world):
    dci = Dci()
    header = dci.header("search", 1)
    assert dci.post("/registry/sync/search", sync_body(dci, header))[0] == 200
    status, payload = dci.post("/registry/sync/search", sync_body(dci, header))
    assert (status, payload["header"]["status_reason_code"]) == (400, "rjct.message_id.duplicate")


@pytest.mark.parametrize(("change", "code", "http"), [
    (lambda body: body["header"].pop("message_id"), "err.request.bad", 400),
    (lambda body: body["header"].update(message_id="x" * 100), "err.request.bad", 400),  # identifiers ≤ 99
    (lambda body: body["message"].update(transaction_id="t" * 100), "err.request.bad", 400),
    (lambda body: body["message"].update(transaction_id=""), "err.request.bad", 400),
    (lambda body: body.pop("header"), "err.request.bad", 400),
    (lambda body: body.pop("message"), "err.request.bad", 400),
    (lambda body: body["header"].update(sender_id="someone-else"), "err.sender_id.invalid", 403),
    (lambda body: body["header"].update(receiver_id="another-registry"), "err.receiver_id.invalid", 400),
    (lambda body: body["header"].update(is_msg_encrypted=True), "err.encryption.invalid", 400),
])
def test_envelope_errors(world, change, code, http):
    dci = Dci()
    body = sync_body(dci)
    change(body)
    status, payload = dci.post("/registry/sync/search", body)
    assert (status, payload["errors"][0]["code"]) == (http, code)


@pytest.mark.parametrize(("item", "reason"), [
    ({"reference_id": "r" * 100}, "rjct.reference_id.invalid"),
    ({"reference_id": ""}, "rjct.reference_id.invalid"),
    ({"timestamp": "2026-06-15 09:30"}, "rjct.timestamp.invalid"),
    ({"timestamp": "2026-06-15T09:30:00"}, "rjct.timestamp.invalid"),
    ({"locale": "EN/GB"}, "rjct.search_criteria.invalid"),  # the sample's; LanguageCode is ^[a-z]{3}$
    ({"locale": "ZHO"}, "rjct.search_criteria.invalid"),
    ({"locale": "en"}, "rjct.search_criteria.invalid"),
    ({"search_criteria": None}, "rjct.search_criteria.invalid"),
])
def test_request_items_are_checked_one_by_one(world, item, reason):
    dci = Dci()
    good = {"reference_id": "r-1", "timestamp": "2026-06-15T09:30:00+08:00", "search_criteria": BY_ID}
    bad = {**good, "reference_id": "r-2", **item}
    message = {"transaction_id": "t", "search_request": [good, bad]}
    _status, payload = dci.post("/registry/sync/search", sync_body(dci, dci.header("search", 2), message))
    first, second = payload["message"]["search_response"]
    assert first["status"] == "succ"
    assert (second["status"], second["status_reason_code"]) == ("rjct", reason)


def test_a_reference_id_repeated_in_a_batch(world):
    dci = Dci()
    item = {"reference_id": "r-1", "timestamp": "2026-06-15T09:30:00Z", "search_criteria": BY_ID}
    message = {"transaction_id": "t", "search_request": [item, item]}
    _status, payload = dci.post("/registry/sync/search", sync_body(dci, dci.header("search", 2), message))
    assert payload["message"]["search_response"][1]["status_reason_code"] == "rjct.reference_id.duplicate"


def test_not_json(world):
    dci = Dci()
    status, payload = dci.post("/registry/sync/search", "{not json")
    assert (status, payload["errors"][0]["code"]) == (400, "err.request.bad")


# Authentication -------------------------------------------------------------------------------------------------

def test_no_token_wrong_token_expired_token_answer_401(world, settings):
    dci = Dci()
    for token in (None, "not-a-token"):
        status, payload = dci.post("/registry/sync/search", sync_body(dci), token=token)
        assert (status, payload["errors"][0]["code"]) == (401, "err.request.unauthorized")
    settings.FUPIN_DCI_TOKEN_SECONDS = -1
    expired = dci.fetch_token()
    assert dci.post("/registry/sync/search", sync_body(dci), token=expired)[0] == 401


def test_a_token_without_the_scope_answers_403(world):
    dci = Dci()
    token = dci.fetch_token(scope="registry.subscribe")
    status, payload = dci.post("/registry/sync/search", sync_body(dci), token=token)
    assert (status, payload["errors"][0]["code"]) == (403, "err.request.forbidden")
    assert dci.post("/registry/sync/search", sync_body(dci), token=dci.fetch_token(scope="registry.search"))[0] == 200


def test_a_deactivated_client_is_refused(world):
    dci = Dci()
    Client.objects.filter(pk=dci.client.pk).update(is_active=False)
    assert dci.post("/registry/sync/search", sync_body(dci))[0] == 401


@pytest.mark.parametrize(("data", "http", "code"), [
    ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}, 401, "invalid_client"),
    ({"grant_type": "password", "client_id": "x", "client_secret": "x"}, 400, "unsupported_grant_type"),
    ({"grant_type": "client_credentials"}, 400, "invalid_request"),
])
def test_token_endpoint_refusals(world, client, data, http, code):
    response = client.post("/dci/oauth2/client/token", data)
    validate_response("/oauth2/client/token", response.status_code, response.json())
    assert (response.status_code, response.json()["errors"][0]["code"]) == (http, code)


def test_wrong_secret_and_basic_auth(world, client):
    dci = Dci()
    response = client.post("/dci/oauth2/client/token", {"grant_type": "client_credentials",
                                                        "client_id": dci.client.client_id, "client_secret": "no"})
    assert response.status_code == 401
    basic = base64.b64encode(f"{dci.client.client_id}:{dci.secret}".encode()).decode()
    response = client.post("/dci/oauth2/client/token", {"grant_type": "client_credentials"},
                           HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200 and response.json()["token_type"] == "bearer"
    assert response.json()["expires_in"] == "3600"


def test_clients_add_command_prints_credentials_and_scopes_the_service_user(world, capsys):
    from fupin.accounts.models import AreaGrant
    from fupin.testing.factories import make_user

    make_user(username="root", actions=["view", "administer"], area=None)
    call_command("dci", "clients", "add", "civil-registry", "--area", "533323", "--format", "json", "--user", "root")
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) >= {"client_id", "client_secret"} and printed["area"] == "533323"
    client = Client.objects.get(client_id=printed["client_id"])
    grant = AreaGrant.objects.get(user=client.user)
    assert (grant.area_id, grant.actions) == ("533323000000", ["view"])
    call_command("dci", "clients", "add", "nationwide", "--format", "json", "--user", "root")
    nationwide = Client.objects.get(client_id=json.loads(capsys.readouterr().out)["client_id"])
    assert AreaGrant.objects.get(user=nationwide.user).area_id is None


def test_only_an_administrator_adds_clients(world):
    from fupin.core.errors import PermissionDenied
    from fupin.dci import services
    from fupin.testing.factories import make_user

    county_admin = make_user(actions=["view", "administer"], area="533323000000")
    with pytest.raises(PermissionDenied):
        services.client_add(actor=county_admin, name="x", area_code="533301")
    with pytest.raises(PermissionDenied):
        services.client_add(actor=county_admin, name="y")  # nationwide needs a nationwide administrator
    services.client_add(actor=county_admin, name="z", area_code="533323")


# Signatures -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make_key", [new_ed25519, lambda: rsa.generate_private_key(public_exponent=65537,
                                                                                     key_size=2048)])
def test_signed_messages_are_verified(world, make_key):
    key = make_key()
    dci = Dci(key=key)
    assert dci.post("/registry/sync/search", sync_body(dci))[0] == 200  # signed by the helper
    # Unsigned: refused once the client has a key.
    status, payload = dci.post("/registry/sync/search", sync_body(dci), sign=False)
    assert (status, payload["errors"][0]["code"]) == (401, "err.signature.missing")
    # Signed, then the message changed: the digest no longer matches.
    body = sync_body(dci)
    body["signature"] = signing.sign_with(key, sender_id=dci.sender_id, key_id="k1", header=body["header"],
                                          message=body["message"])
    body["message"]["search_request"][0]["search_criteria"]["query"]["value"] = "533301194008080074"
    status, payload = dci.post("/registry/sync/search", body)
    assert (status, payload["errors"][0]["code"]) == (401, "err.signature.invalid")


def test_signatures_by_other_keys_or_expired_are_refused(world):
    key = new_ed25519()
    dci = Dci(key=key)
    for signer, key_id, sender, now in ((new_ed25519(), "k1", dci.sender_id, None),  # another key
                                        (key, "k2", dci.sender_id, None),  # an unregistered key id
                                        (key, "k1", "other-sender", None),  # another sender's keyId
                                        (key, "k1", dci.sender_id, 1_000_000_000)):  # expired in 2001
        body = sync_body(dci)
        body["signature"] = signing.sign_with(signer, sender_id=sender, key_id=key_id, header=body["header"],
                                              message=body["message"], now=now)
        status, payload = dci.post("/registry/sync/search", body)
        assert (status, payload["errors"][0]["code"]) == (401, "err.signature.invalid"), (key_id, sender)
    body = sync_body(dci)
    body["signature"] = 'Signature: keyId="nope"'
    assert dci.post("/registry/sync/search", body)[1]["errors"][0]["code"] == "err.signature.invalid"


def test_responses_are_signed_with_the_key_the_jwks_publishes(world, client):
    dci = Dci()
    _status, payload = dci.post("/registry/sync/search", sync_body(dci))
    response = client.get("/dci/.well-known/jwks.json")
    validate_response("/.well-known/jwks.json", 200, response.json())
    [jwk] = response.json()["keys"]
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
    parsed = signing.parse(payload["signature"])
    assert (parsed.sender_id, parsed.key_id, parsed.algorithm) == ("fupin", jwk["kid"], "ed25519")
    signing.verify(parsed, signing.public_key_from_jwk(jwk), payload["header"], payload["message"])


def test_get_on_a_message_endpoint_is_not_allowed(world, client):
    assert client.get("/dci/registry/sync/search").status_code == 405
