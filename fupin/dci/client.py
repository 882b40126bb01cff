"""fupin as a DCI client of another registry (`fupin dci search URL …`): OAuth2 client credentials, then a
signed sync search; the answer's signature is checked against the registry's published JWKS when asked."""

import json
import urllib.error
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives import serialization

from . import envelope as env
from . import signing


class ClientError(Exception):
    pass


def _post(url: str, data: bytes, content_type: str, token: str = "", timeout: float = 30) -> tuple[int, dict]:
    headers = {"Content-Type": content_type, "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        try:
            return exc.code, json.loads(body)
        except json.JSONDecodeError:
            raise ClientError(f"{url} answered {exc.code}: {body[:300]}") from None
    except (urllib.error.URLError, OSError, json.JSONDecodeError) as exc:
        raise ClientError(f"{url}: {exc}") from None


def fetch_token(base: str, client_id: str, secret: str) -> str:
    status, body = _post(base.rstrip("/") + "/oauth2/client/token", urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}).encode(),
        "application/x-www-form-urlencoded")
    if status != 200 or "access_token" not in body:
        raise ClientError(f"no token ({status}): {json.dumps(body, ensure_ascii=False)[:300]}")
    return body["access_token"]


def load_private_key(path: str):
    with open(path, "rb") as handle:
        return serialization.load_pem_private_key(handle.read(), password=None)


def search_message(*, query_type: str, query, entity: str = "Group", page_size: int = 100, page_number: int = 1,
                   locale: str = "", sort: list | None = None) -> dict:
    item = {"reference_id": env.new_id(), "timestamp": env.now_ts(), "search_criteria": {
        "version": env.VERSION, "query_type": query_type, "query": query, "response_entity": entity,
        "pagination": {"page_size": page_size, "page_number": page_number}}}
    if sort:
        item["search_criteria"]["sort"] = sort
    if locale:
        item["locale"] = locale
    return {"transaction_id": env.new_id(), "search_request": [item]}


def sync_search(base: str, *, client_id: str, secret: str, sender_id: str, receiver_id: str = "",
                message: dict, key_path: str = "", key_id: str = "") -> tuple[int, dict]:
    """Send a sync search to the registry at `base` (the URL its /registry/… paths hang from)."""
    token = fetch_token(base, client_id, secret)
    header = {"version": env.VERSION, "message_id": env.new_id(), "message_ts": env.now_ts(), "action": "search",
              "sender_id": sender_id, "total_count": len(message["search_request"]), "is_msg_encrypted": False}
    if receiver_id:
        header["receiver_id"] = receiver_id
    envelope = {"header": header, "message": message}
    if key_path:
        envelope["signature"] = signing.sign_with(load_private_key(key_path), sender_id=sender_id, key_id=key_id,
                                                  header=header, message=message)
    return _post(base.rstrip("/") + "/registry/sync/search",
                 json.dumps(envelope, ensure_ascii=False).encode("utf-8"), "application/json", token)


def verify_answer(base: str, answer: dict) -> bool:
    """Whether the answer's signature verifies against a key of the registry's JWKS."""
    request = urllib.request.Request(base.rstrip("/") + "/.well-known/jwks.json")
    with urllib.request.urlopen(request, timeout=30) as response:
        keys = json.loads(response.read().decode("utf-8"))["keys"]
    parsed = signing.parse(answer.get("signature") or "")
    for jwk in keys:
        if jwk.get("kid") == parsed.key_id:
            signing.verify(parsed, signing.public_key_from_jwk(jwk), answer["header"], answer.get("message"))
            return True
    raise signing.SignatureError("The answer's key is not in the registry's JWKS.")
