"""The DCI endpoints under /dci/ (social_api_v1.0.0.yaml, registry_core_api_v1.0.0.yaml, authz_core and jwks_core).

Every POST: a bearer token from /dci/oauth2/client/token (401 without a valid one, 403 when its scope or the
header's sender_id does not allow the call), the envelope and header checked as the YAML states them, the signature
verified against the client's registered keys (required once a client has any). Synchronous endpoints answer with
the callback envelope; asynchronous ones acknowledge (ACK) and send the callback as a queued job to the client's
registered URL."""

import base64
import json
from collections.abc import Callable

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from fupin.accounts.scoping import grants_read_once

from . import envelope as env
from . import services, signing
from .selectors import client_by_credentials, client_has_keys, sender_key, token_get


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


class _Refused(Exception):
    def __init__(self, response: JsonResponse):
        self.response = response


def _authenticate(request, scope: str):
    auth = request.headers.get("Authorization", "")
    kind, _space, token = auth.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise _Refused(_json(env.http_errors("err.request.unauthorized",
                                             "A bearer token from /dci/oauth2/client/token is required."), 401))
    found = token_get(token.strip())
    if found is None:
        raise _Refused(_json(env.http_errors("err.request.unauthorized", "The token is unknown or expired."), 401))
    if found.scope and scope not in found.scope.split():
        raise _Refused(_json(env.http_errors("err.request.forbidden",
                                             f"The token's scope does not include {scope}."), 403))
    return found.client


def _verify_signature(client, header: dict, message, signature: str | None) -> None:
    if not signature:
        if client_has_keys(client):
            raise _Refused(_json(env.http_errors("err.signature.missing",
                                                 "This sender must sign its messages."), 401))
        return
    try:
        parsed = signing.parse(signature)
        if parsed.sender_id != client.sender_id:
            raise signing.SignatureError("The signature's keyId names another sender.")
        key = sender_key(client, parsed.key_id)
        if key is None or key.algorithm != parsed.algorithm:
            raise signing.SignatureError("The signature's key is not registered for this sender.")
        signing.verify(parsed, signing.load_public_key(key.public_key, key.algorithm), header, message)
    except (signing.SignatureError, ValueError) as exc:
        raise _Refused(_json(env.http_errors("err.signature.invalid", str(exc)), 401)) from None


def _receive(request, *, action: str, scope: str, items_key: str | None, asynchronous: bool):
    """(client, header, message) of a valid request, or _Refused with the answer."""
    def refuse(code, message, status=400):
        if asynchronous:
            return _Refused(_json(env.ack_error(code, message), status))
        return _Refused(_json(env.http_errors(code, message), status))

    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise refuse("err.request.bad", "The body is not JSON (UTF-8).") from None
    client = _authenticate(request, scope)
    try:
        header, message, signature = env.check_envelope(body)
    except env.TransportError as exc:
        raise refuse(exc.code, exc.message, exc.http_status) from None
    _verify_signature(client, header, message, signature)
    if items_key is not None and not isinstance(message, dict):
        raise refuse("err.request.bad", "The message must be an object.")
    items = None
    if items_key is not None:
        listed = message.get(items_key)
        if not isinstance(listed, list):
            raise refuse("err.request.bad", f"message.{items_key} must be a list.")
        if not env.valid_identifier(message.get("transaction_id")):
            raise refuse("err.request.bad", "message.transaction_id is a string of 1 to 99 characters.")
        items = len(listed)
    try:
        env.check_header(header, action=action, sender_id=client.sender_id, items=items)
    except env.TransportError as exc:
        raise refuse(exc.code, exc.message, exc.http_status) from None
    except env.HeaderRejected as exc:
        raise _Refused(_rejected(header, action, exc, asynchronous)) from None
    return client, header, message


def _rejected(header: dict, action: str, exc: env.HeaderRejected, asynchronous: bool) -> JsonResponse:
    if asynchronous:
        return _json(env.ack_error("err.request.bad", f"{exc.reason_code}: {exc.message}"), 400)
    reply = env.response_header(header, action=_REPLY[action], status="rjct", reason_code=exc.reason_code,
                                reason_message=exc.message)
    return _json({"signature": signing.sign(reply, None), "header": reply}, 400)


_REPLY = {"search": "on-search", "txn-status": "txn-on-status", "subscribe": "on-subscribe",
          "unsubscribe": "on-unsubscribe"}


def _endpoint(action: str, scope: str, items_key: str | None, asynchronous: bool, handle: Callable):
    @csrf_exempt
    @require_POST
    def view(request):
        try:
            client, header, message = _receive(request, action=action, scope=scope, items_key=items_key,
                                               asynchronous=asynchronous)
            with grants_read_once():  # the scoped search and the masking of its records ask the same grants
                return handle(client, header, message)
        except _Refused as refused:
            return refused.response
        except env.HeaderRejected as exc:  # a repeated message_id, found when the transaction is recorded
            return _rejected(header, action, exc, asynchronous)
        except env.TransportError as exc:
            if asynchronous:
                return _json(env.ack_error(exc.code, exc.message), exc.http_status)
            return _json(env.http_errors(exc.code, exc.message), exc.http_status)
    return view


def _signed(header: dict, message) -> dict:
    return {"signature": signing.sign(header, message), "header": header, "message": message}


# Social Registry: search and transaction status ----------------------------------------------------------------

def _sync_search(client, header, message):
    txn = services.transaction_open(client=client, header=header, message=message, action="search",
                                    reference_ids=services.references_of(message, "search_request"), status="pdng")
    body = services.search_complete(txn)
    status, completed = services.header_status(body["search_response"])
    reply = env.response_header(header, action="on-search", status=status, total=len(body["search_response"]),
                                completed=completed)
    return _json(_signed(reply, body))


def _async_search(client, header, message):
    url = services.callback_url(client, header.get("sender_uri"), "registry/on-search")
    txn = services.search_async_accept(client=client, header=header, message=message, sender_uri=url)
    return _json(env.ack(txn.correlation_id))


def _sync_txn_status(client, header, message):
    if not isinstance(message, dict):
        raise env.TransportError("err.request.bad", "The message must be an object.")
    body, status, reason = services.txn_status_sync(client=client, header=header, message=message)
    reply = env.response_header(header, action="txn-on-status", status=status, total=1,
                                completed=1 if status == "succ" else 0, reason_message=reason)
    return _json(_signed(reply, body))


def _async_txn_status(client, header, message):
    if not isinstance(message, dict):
        raise env.TransportError("err.request.bad", "The message must be an object.")
    url = services.callback_url(client, header.get("sender_uri"), "registry/txn/on-status")
    txn = services.txn_status_async_accept(client=client, header=header, message=message, sender_uri=url)
    return _json(env.ack(txn.correlation_id))


def _subscribe(client, header, message):
    url = services.callback_url(client, header.get("sender_uri"), "registry/on-subscribe")
    txn = services.subscribe(client=client, header=header, message=message, sender_uri=url)
    return _json(env.ack(txn.correlation_id))


def _unsubscribe(client, header, message):
    if not isinstance(message, dict) or not env.valid_identifier(message.get("transaction_id")):
        raise env.TransportError("err.request.bad", "message.transaction_id is a string of 1 to 99 characters.")
    url = services.callback_url(client, header.get("sender_uri"), "registry/on-unsubscribe")
    txn = services.unsubscribe(client=client, header=header, message=message, sender_uri=url)
    return _json(env.ack(txn.correlation_id))


def _inbound(action: str):
    """A callback another registry sends to fupin (on-search, on-subscribe, on-unsubscribe, txn/on-status,
    notify): kept as a transaction of that peer for whoever asked (`fupin dci` client commands), acknowledged."""
    def handle(client, header, message):
        txn = services.inbound_record(client=client, header=header, message=message, action=action)
        return _json(env.ack(txn.correlation_id))
    return handle


sync_search = _endpoint("search", "registry.search", "search_request", False, _sync_search)
search = _endpoint("search", "registry.search", "search_request", True, _async_search)
sync_txn_status = _endpoint("txn-status", "registry.txn-status", None, False, _sync_txn_status)
txn_status = _endpoint("txn-status", "registry.txn-status", None, True, _async_txn_status)
subscribe = _endpoint("subscribe", "registry.subscribe", "subscribe_request", True, _subscribe)
unsubscribe = _endpoint("unsubscribe", "registry.subscribe", None, True, _unsubscribe)
on_search = _endpoint("on-search", "registry.on-search", None, True, _inbound("on-search"))
on_subscribe = _endpoint("on-subscribe", "registry.on-subscribe", None, True, _inbound("on-subscribe"))
on_unsubscribe = _endpoint("on-unsubscribe", "registry.on-subscribe", None, True, _inbound("on-unsubscribe"))
txn_on_status = _endpoint("txn-on-status", "registry.on-search", None, True, _inbound("txn-on-status"))
notify = _endpoint("notify", "registry.notify", None, True, _inbound("notify"))


# Authorisation and keys ---------------------------------------------------------------------------------------

@csrf_exempt
@require_POST
def token(request):
    """OAuth2 client credentials (authz_core_api): form-encoded or JSON; the client's id and secret in the body
    or as HTTP Basic."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if not isinstance(data, dict):
            return _json(env.http_errors("invalid_request", "The body is not a JSON object."), 400)
    else:
        data = request.POST
    client_id, secret = data.get("client_id"), data.get("client_secret")
    kind, _space, basic = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() == "basic" and not client_id:
        try:
            client_id, _colon, secret = base64.b64decode(basic).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return _json(env.http_errors("invalid_client", "The Basic credentials are not readable."), 401)
    if data.get("grant_type") != "client_credentials":
        return _json(env.http_errors("unsupported_grant_type", "grant_type must be client_credentials."), 400)
    if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id or not secret:
        return _json(env.http_errors("invalid_request", "client_id and client_secret are required."), 400)
    client = client_by_credentials(client_id, secret)
    if client is None:
        return _json(env.http_errors("invalid_client", "Unknown client or wrong secret."), 401)
    scope = data.get("scope") or ""
    unknown = [s for s in str(scope).split() if s not in services.SCOPES + services.PEER_SCOPES]
    if unknown:
        return _json(env.http_errors("invalid_scope", f"Unknown scope {' '.join(unknown)}."), 400)
    issued, lifetime = services.token_issue(client=client, scope=str(scope))
    response = _json({"access_token": issued, "token_type": "bearer", "expires_in": str(lifetime)})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def jwks(request):
    return _json(signing.jwks())
