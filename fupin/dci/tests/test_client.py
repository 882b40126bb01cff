"""`fupin dci search URL …` against a tiny DCI registry written here (a civil registry answering searches)."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.dci import signing

from .support import SOCIAL, new_ed25519, validate

REGISTRY_KEY = new_ed25519()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TinyRegistry:
    """Answers /oauth2/client/token, /registry/sync/search (one Person per request) and /.well-known/jwks.json;
    checks the caller's token and signature as a DCI registry would."""

    def __init__(self, client_key):
        self.requests: list[dict] = []
        outer = self
        public = client_key.public_key()

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                raw = REGISTRY_KEY.public_key().public_bytes(serialization.Encoding.Raw,
                                                             serialization.PublicFormat.Raw)
                self._answer(200, {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": "crvs-1",
                                             "use": "sig", "alg": "EdDSA"}]})

            def do_POST(self):
                data = self.rfile.read(int(self.headers["Content-Length"])).decode()
                if self.path == "/dci/oauth2/client/token":
                    form = {k: v[0] for k, v in parse_qs(data).items()}
                    if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != (
                            "client_credentials", "fupin", "s3cret"):
                        return self._answer(401, {"errors": [{"code": "invalid_client", "message": "no"}]})
                    return self._answer(200, {"access_token": "tok", "token_type": "bearer", "expires_in": "60"})
                if self.headers.get("Authorization") != "Bearer tok":
                    return self._answer(401, {"errors": [{"code": "err.request.unauthorized", "message": "no"}]})
                body = json.loads(data)
                outer.requests.append(body)
                parsed = signing.parse(body["signature"])
                signing.verify(parsed, public, body["header"], body["message"])
                items = [{"reference_id": item["reference_id"], "timestamp": item["timestamp"], "status": "succ",
                          "data": {"version": "1.0.0", "reg_records": [{"@type": "CRVSPerson",
                                                                         "member_identifier": [{
                                                                             "identifier_type": "UIN",
                                                                             "identifier_value": "X1"}]}]}}
                         for item in body["message"]["search_request"]]
                message = {"transaction_id": body["message"]["transaction_id"], "correlation_id": "c-1",
                           "search_response": items}
                header = {"version": "1.0.0", "message_id": body["header"]["message_id"],
                          "message_ts": "2026-06-15T10:00:00Z", "action": "on-search", "status": "succ",
                          "total_count": len(items), "sender_id": "crvs", "receiver_id": "fupin"}
                self._answer(200, {"signature": signing.sign_with(REGISTRY_KEY, sender_id="crvs", key_id="crvs-1",
                                                                  header=header, message=message),
                                   "header": header, "message": message})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dci"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def key_file(tmp_path):
    key = new_ed25519()
    path = tmp_path / "fupin.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return key, str(path)


@pytest.fixture
def registry(key_file):
    server = TinyRegistry(key_file[0])
    yield server
    server.close()


def test_search_another_registry_by_id(db, registry, key_file, capsys):
    call_command("dci", "search", registry.url, "--client-id", "fupin", "--client-secret", "s3cret",
                 "--sender-id", "fupin", "--id", "UIN", "533301196001010013", "--key", key_file[1],
                 "--key-id", "k1", "--verify", "--locale", "zho", "--format", "json")
    answer = json.loads(capsys.readouterr().out)
    validate(answer, SOCIAL, "paths", "/registry/sync/search", "post", "responses", "default", "content",
             "application/json", "schema")
    assert answer["message"]["search_response"][0]["data"]["reg_records"][0]["member_identifier"][0][
        "identifier_value"] == "X1"
    [sent] = registry.requests
    validate(sent, SOCIAL, "paths", "/registry/sync/search", "post", "requestBody", "content", "application/json",
             "schema")
    criteria = sent["message"]["search_request"][0]["search_criteria"]
    assert (criteria["query_type"], criteria["query"]) == ("idtype-value", {"type": "UIN",
                                                                            "value": "533301196001010013"})
    assert sent["message"]["search_request"][0]["locale"] == "zho"


def test_search_another_registry_by_predicate_as_a_table(db, registry, key_file, capsys):
    call_command("dci", "search", registry.url, "--client-id", "fupin", "--client-secret", "s3cret",
                 "--sender-id", "fupin", "--predicate",
                 '[{"seq_num": 1, "expression1": {"attribute_name": "age", "operator": "ge", "attribute_value": 60}}]',
                 "--key", key_file[1], "--key-id", "k1")
    assert "X1" in capsys.readouterr().out
    assert registry.requests[0]["message"]["search_request"][0]["search_criteria"]["query_type"] == "predicate"


def test_wrong_credentials_are_reported(db, registry):
    with pytest.raises(CommandError, match="no token"):
        call_command("dci", "search", registry.url, "--client-id", "fupin", "--client-secret", "wrong",
                     "--sender-id", "fupin", "--id", "UIN", "1")
