"""What the DCI tests share: a small two-county registry, clients, envelopes, a callback server, and the check of
every response against the standard's YAML schemas (each helper validates what it receives)."""

import datetime
import json
import threading
import uuid
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.test import Client as HttpClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from fupin.dci import services, signing
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, member_data, register_household

STANDARDS = Path("/work/shared/standards/dci")
if not STANDARDS.exists():  # the checkout's sibling, as the issue names it
    STANDARDS = Path(__file__).resolve().parents[4] / "shared" / "standards" / "dci"
TODAY = datetime.date(2026, 6, 15)
SOCIAL, CORE, AUTHZ, JWKS = ("social_api_v1.0.0.yaml", "registry_core_api_v1.0.0.yaml",
                             "authz_core_api_v1.0.0.yaml", "jwks_core_api_v1.0.0.yaml")


# Schemas ------------------------------------------------------------------------------------------------------

def _repair(node):
    """The YAML's one schema that is not JSON Schema: `type: enum` (NotifyEventRequest.response_entity) means a
    string of the listed values."""
    if isinstance(node, dict):
        if node.get("type") == "enum":
            node = {**node, "type": "string"}
        return {key: _repair(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_repair(value) for value in node]
    return node


@cache
def _registry() -> Registry:
    registry = Registry()
    for name in (SOCIAL, CORE, AUTHZ, JWKS):
        document = _repair(yaml.safe_load((STANDARDS / name).read_text(encoding="utf-8")))
        registry = registry.with_resource(f"urn:dci:{name}", Resource.from_contents(
            document, default_specification=DRAFT7))
    return registry


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


VALIDATED: list[tuple[str, str]] = []  # (schema, where) of every body checked, for the coverage test


def validate(body, document: str, *pointer: str) -> None:
    """Validate `body` against the schema at `pointer` (path parts) of a YAML file, $refs resolved in it."""
    ref = f"urn:dci:{document}#/{_pointer(*pointer)}"
    validator = jsonschema.Draft7Validator({"$ref": ref}, registry=_registry())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{ref}: " + "; ".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5])
    VALIDATED.append((document, ref))


def validate_response(path: str, status: int, body, *, txn_type: str = "search") -> None:
    """A response of one of fupin's endpoints against the YAML that defines it."""
    if status in (401, 403):
        document = AUTHZ if path == "/oauth2/client/token" else SOCIAL
        validate(body, document, "components", "responses", "HttpErrorResponse", "content", "application/json",
                 "schema")
        return
    if path == "/oauth2/client/token":
        if status == 200:
            validate(body, AUTHZ, "paths", path, "post", "responses", "200", "content", "application/json", "schema")
        else:
            validate(body, AUTHZ, "components", "responses", "HttpErrorResponse", "content", "application/json",
                     "schema")
        return
    if path == "/.well-known/jwks.json":
        validate(body, JWKS, "paths", path, "get", "responses", "200", "content", "application/json", "schema")
        return
    if "errors" in body:
        validate(body, SOCIAL, "components", "responses", "HttpErrorResponse", "content", "application/json",
                 "schema")
        return
    document = CORE if path in ("/registry/subscribe", "/registry/unsubscribe", "/registry/on-search",
                                "/registry/on-subscribe", "/registry/on-unsubscribe", "/registry/notify",
                                "/registry/txn/on-status") or txn_type != "search" else SOCIAL
    if path.startswith("/registry/sync/"):
        validate(body, document, "paths", path, "post", "responses", "default", "content", "application/json",
                 "schema")
    else:  # an acknowledgement
        validate(body, document, "components", "responses", "Response", "content", "application/json", "schema")


def validate_callback(path: str, body) -> None:
    """A message fupin sends (callback or notification) against the request body the YAML defines for it."""
    document = SOCIAL if path in ("/registry/on-search", "/registry/txn/on-status") else CORE
    if path == "/registry/txn/on-status" and body["message"]["txnstatus_response"]["txn_type"] != "search":
        document = CORE
    validate(body, document, "paths", path, "post", "requestBody", "content", "application/json", "schema")


# The registry -------------------------------------------------------------------------------------------------

def person(name, region, birth, sequence, relation, **extra):
    return member_data(name=name, id_number=id_number(region, birth, sequence), relation=relation, **extra)


def build_world() -> dict:
    """Four households in two counties of 怒江州 (ages on TODAY in brackets):
    H1 泸水 鲁掌村 533301102201001 一般贫困户: 张三 ♂ 1960-01-01 (66, head), 李四 ♀ 1982-03-04 (44)
    H2 泸水 鲁掌村 533301102201002 低保贫困户: 王五 ♂ 1990-05-05 (36, head), 赵六 ♀ 1992-06-06 (34),
       王小 ♂ 2015-07-07 (10)
    H3 泸水 双奎地村 533301001201001 特困供养贫困户: 陈七 ♂ 1940-08-08 (85, head, disabled)
    H4 福贡 腊竹底村 533323101201001 一般贫困户: 刘八 ♂ 1970-01-01 (56, head), 孙九 ♀ 1975-02-02 (51)"""
    load_fixture_divisions()
    h1 = register_household(area="533301102201", number="533301102201001", phone="13800001111", members=[
        person("张三", "533301", "19600101", "001", "户主"), person("李四", "533301", "19820304", "002", "配偶")])
    h2 = register_household(area="533301102201", number="533301102201002", attribute="低保贫困户", members=[
        person("王五", "533301", "19900505", "003", "户主"), person("赵六", "533301", "19920606", "004", "配偶"),
        person("王小", "533301", "20150707", "005", "之子", education="学龄前儿童", labour="无劳动力")])
    h3 = register_household(area="533301001201", number="533301001201001", attribute="特困供养贫困户", members=[
        person("陈七", "533301", "19400808", "007", "户主", health="残疾")])
    h4 = register_household(area="533323101201", number="533323101201001", members=[
        person("刘八", "533323", "19700101", "009", "户主"), person("孙九", "533323", "19750202", "010", "配偶")])
    return {"H1": h1.household, "H2": h2.household, "H3": h3.household, "H4": h4.household}


def administrator():
    return make_user(actions=["view", "administer"], area=None)


class CallbackServer:
    """A tiny receiver of callbacks: records every POST (path and JSON body); answers 500 to the first
    `failures` requests."""

    def __init__(self, failures: int = 0):
        self.received: list[tuple[str, dict]] = []
        self.failures = failures
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
                if outer.failures > 0:
                    outer.failures -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.received.append((self.path, body))
                data = json.dumps({"message": {"ack_status": "ACK"}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/spmis"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Dci:
    """A registered client talking to fupin's /dci/ endpoints through Django's test client."""

    def __init__(self, *, name="spmis", area=None, callback_uri="", sensitive=False, key=None, key_id="k1"):
        self.admin = administrator()
        self.client, self.secret = services.client_add(actor=self.admin, name=name, area_code=area,
                                                       callback_uri=callback_uri, sensitive=sensitive)
        self.sender_id = self.client.sender_id
        self.http = HttpClient()
        self.key, self.key_id = key, key_id
        if key is not None:
            algorithm = "ed25519" if isinstance(key, ed25519.Ed25519PrivateKey) else "rsa-sha256"
            pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo).decode()
            services.client_key_add(actor=self.admin, client=self.client, key_id=key_id, algorithm=algorithm,
                                    public_key_pem=pem)
        self.token = self.fetch_token()

    def fetch_token(self, **extra) -> str:
        data = {"grant_type": "client_credentials", "client_id": self.client.client_id,
                "client_secret": self.secret, **extra}
        response = self.http.post("/dci/oauth2/client/token", data)
        validate_response("/oauth2/client/token", response.status_code, response.json())
        assert response.status_code == 200, response.json()
        return response.json()["access_token"]

    def header(self, verb: str, total: int, **overrides) -> dict:
        header = {"version": "1.0.0", "message_id": uuid.uuid4().hex,
                  "message_ts": "2026-06-15T09:30:00+08:00", "action": verb, "sender_id": self.sender_id,
                  "receiver_id": "fupin", "total_count": total, "is_msg_encrypted": False}
        header.update(overrides)
        return {k: v for k, v in header.items() if v is not None}

    def post(self, path: str, body, *, token: str | None = "default", sign: bool = True, txn_type="search"):
        headers = {}
        token = self.token if token == "default" else token
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if sign and self.key is not None and isinstance(body, dict) and "signature" not in body:
            body = {"signature": signing.sign_with(self.key, sender_id=self.sender_id, key_id=self.key_id,
                                                   header=body["header"], message=body["message"]), **body}
        data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
        response = self.http.post(f"/dci{path}", data, content_type="application/json", **headers)
        payload = response.json()
        validate_response(path, response.status_code, payload, txn_type=txn_type)
        return response.status_code, payload

    def search(self, *criteria: dict, sync: bool = True, header: dict | None = None, locale: str | None = None,
               **kwargs):
        items = []
        for n, c in enumerate(criteria):
            item = {"reference_id": f"ref-{n + 1}", "timestamp": "2026-06-15T09:30:00+08:00",
                    "search_criteria": {"version": "1.0.0", "reg_event_type": "REGISTER", **c}}
            if locale is not None:
                item["locale"] = locale
            items.append(item)
        message = {"transaction_id": uuid.uuid4().hex[:20], "search_request": items}
        body = {"header": header or self.header("search", len(items)), "message": message}
        return self.post("/registry/sync/search" if sync else "/registry/search", body, **kwargs)


def records(payload, n: int = 0) -> list[dict]:
    return payload["message"]["search_response"][n]["data"]["reg_records"]


def group_ids(payload, n: int = 0) -> list[str]:
    return [r["group_identifier"][0]["identifier_value"] for r in records(payload, n)]


def predicate(*expressions, condition=None) -> list[dict]:
    """A predicate query: each (name, operator, value) an item; with `condition`, the first two joined."""
    if condition:
        (a, b) = expressions
        return [{"seq_num": 1, "expression1": _exp(a), "condition": condition, "expression2": _exp(b)}]
    return [{"seq_num": n + 1, "expression1": _exp(e)} for n, e in enumerate(expressions)]


def _exp(e):
    return {"attribute_name": e[0], "operator": e[1], "attribute_value": e[2]}


def new_ed25519():
    return ed25519.Ed25519PrivateKey.generate()


__all__ = ["TODAY", "CallbackServer", "Dci", "build_world", "group_ids", "new_ed25519", "predicate", "records",
           "signing", "validate", "validate_callback", "validate_response"]
