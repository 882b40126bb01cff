"""Every write of the DCI app: clients and keys (by an administrator), tokens, the messages clients send
(search, txn-status, subscribe, unsubscribe), the callbacks and notifications fupin sends back.

A client acts as its own service user (`dci:<client_id>`) with an AreaGrant where it may look: searches are
scoped and audited exactly as a person's would be."""

import datetime
import json
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.models import AreaGrant, User
from fupin.accounts.scoping import require
from fupin.areas.models import Area
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core import areacodes as codes
from fupin.core import temporal
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.jobs.services import job_submit
from fupin.registry.masking import Masking

from . import envelope as env
from . import mapping, signing
from .models import AccessToken, Client, SenderKey, Subscription, Transaction
from .query import CriteriaError
from .selectors import registry_search, token_hash

CLIENT_ADDED = audit_registry.register("dci.client_added", _("registered a DCI client"))
CLIENT_KEY_ADDED = audit_registry.register("dci.key_added", _("registered a DCI client's signing key"))
TOKEN_ISSUED = audit_registry.register("dci.token_issued", _("issued a DCI access token"))
SEARCHED = audit_registry.register("dci.searched", _("searched the registry through DCI"))
SUBSCRIBED = audit_registry.register("dci.subscribed", _("subscribed to registry events through DCI"))
UNSUBSCRIBED = audit_registry.register("dci.unsubscribed", _("ended DCI subscriptions"))
NOTIFIED = audit_registry.register("dci.notified", _("notified DCI subscribers of registry events"))

EVENT_TYPES = ("REGISTER", "UPDATE", "DELETE")  # what a subscription may ask for (reg_event_type)
SCOPES = ("registry.search", "registry.subscribe", "registry.txn-status")
PEER_SCOPES = ("registry.on-search", "registry.on-subscribe", "registry.notify")  # another registry calling back


# Administration ------------------------------------------------------------------------------------------------


def area_named(area_code: str | None) -> Area | None:
    """The area a client or a subscription is limited to (none: nationwide), refused when it does not exist."""
    if not area_code:
        return None
    try:
        code = codes.normalise_code(area_code)
    except ValueError:
        raise ValidationFailed(_("“%(code)s” is not an area code."), field="area", code=area_code) from None
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise ValidationFailed(_("There is no area %(code)s."), field="area", code=code)
    return area

def client_add(*, actor, name: str, area_code: str | None = None, sender_id: str | None = None,
               callback_uri: str = "", sensitive: bool = False) -> tuple[Client, str]:
    """Register a client and its service user (granted "view" in the area, nationwide without one; "view
    sensitive" too only when asked). Returns the client and its secret, shown this once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("A client needs a name of at most 100 characters."), field="name")
    area = area_named(area_code)
    require(actor, Action.ADMINISTER, area.code if area else "")
    if area is None and not _everywhere(actor):
        raise PermissionDenied()
    if callback_uri:
        _check_url(callback_uri)
    client_id = secrets.token_hex(12)
    secret = secrets.token_urlsafe(32)
    sender_id = (sender_id or name).strip()
    if not env.valid_identifier(sender_id):
        raise ValidationFailed(_("A sender id has 1 to 99 characters."), field="sender_id")
    if Client.objects.filter(name=name).exists():
        raise ValidationFailed(_("A client named “%(name)s” exists already."), field="name", name=name)
    if Client.objects.filter(sender_id=sender_id).exists():
        raise ValidationFailed(_("The sender id “%(sender)s” is taken."), field="sender_id", sender=sender_id)
    with transaction.atomic():
        user = User.objects.create(username=f"dci:{client_id}", display_name=f"DCI {name}")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        actions = [Action.VIEW.value] + ([Action.VIEW_SENSITIVE.value] if sensitive else [])
        AreaGrant.objects.create(user=user, area=area, actions=actions)
        client = Client.objects.create(name=name, client_id=client_id, secret_hash=make_password(secret),
                                       sender_id=sender_id, callback_uri=callback_uri, user=user)
        audit_record(actor=actor, action=CLIENT_ADDED, obj=client, area_code=area.code if area else "",
                     after={"name": name, "sender_id": sender_id, "area": area.code if area else None,
                            "callback_uri": callback_uri, "actions": actions})
    return client, secret


def _everywhere(actor) -> bool:
    from fupin.accounts.scoping import everywhere

    return everywhere(actor, Action.ADMINISTER)


def client_key_add(*, actor, client: Client, key_id: str, algorithm: str, public_key_pem: str) -> SenderKey:
    """Register a public key the client signs with (keyId "{sender_id}|{key_id}|{algorithm}")."""
    require(actor, Action.ADMINISTER, _client_area(client))
    algorithm = (algorithm or "").lower()
    if algorithm not in signing.ALGORITHMS:
        raise ValidationFailed(_("The algorithm is ed25519 or rsa-sha256."), field="algorithm")
    if not env.valid_identifier(key_id) or "|" in key_id:
        raise ValidationFailed(_("A key id has 1 to 99 characters and no “|”."), field="key_id")
    try:
        signing.load_public_key(public_key_pem, algorithm)
    except ValueError as exc:
        raise ValidationFailed(_("The public key cannot be used: %(why)s."), field="public_key", why=str(exc)) from None
    with transaction.atomic():
        key, _created = SenderKey.objects.update_or_create(
            client=client, key_id=key_id,
            defaults={"algorithm": algorithm, "public_key": public_key_pem, "is_active": True})
        audit_record(actor=actor, action=CLIENT_KEY_ADDED, obj=key, after={"client": client.name, "key_id": key_id,
                                                                          "algorithm": algorithm})
    return key


def _client_area(client: Client) -> str:
    grant = AreaGrant.objects.filter(user=client.user).first()
    return grant.area_id or "" if grant else ""


def token_issue(*, client: Client, scope: str = "") -> tuple[str, int]:
    """A bearer token for the client (only its hash is kept); returns it and its lifetime in seconds."""
    lifetime = getattr(settings, "FUPIN_DCI_TOKEN_SECONDS", 3600)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        AccessToken.objects.filter(client=client, expires_at__lt=timezone.now()).delete()  # housekeeping
        AccessToken.objects.create(client=client, token_hash=token_hash(token), scope=scope[:300],
                                   expires_at=timezone.now() + datetime.timedelta(seconds=lifetime))
        audit_record(actor=client.user, action=TOKEN_ISSUED, obj=client, after={"scope": scope[:300]})
    return token, lifetime


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed(_("A callback URL is an http or https address."), field="callback_uri")


# Messages ------------------------------------------------------------------------------------------------------

def callback_url(client: Client, sender_uri: str | None, default_path: str) -> str:
    """Where a callback to `client` goes: the message's sender_uri when it lies under the client's registered
    callback URL, else that URL + `default_path`. A sender_uri elsewhere is refused (err.sender_uri.invalid):
    fupin never sends a request to a host a message names."""
    base = client.callback_uri
    if not base:
        raise env.TransportError("err.sender_uri.invalid",
                                 "This client has no registered callback URL; asynchronous calls are refused.")
    if sender_uri:
        if not _under(sender_uri, base):
            raise env.TransportError("err.sender_uri.invalid",
                                     "header.sender_uri is not under the client's registered callback URL.")
        return sender_uri
    return base.rstrip("/") + "/" + default_path


def _under(url: str, base: str) -> bool:
    given, registered = urlsplit(url), urlsplit(base)
    return (given.scheme, given.netloc.lower()) == (registered.scheme, registered.netloc.lower()) and (
        given.path.startswith(registered.path.rstrip("/") + "/") or given.path == registered.path)


def transaction_open(*, client: Client, header: dict, message: dict, action: str, reference_ids: list[str],
                     status: str, sender_uri: str = "", locale: str = "") -> Transaction:
    """Record a received message; a message_id the client used before is refused (rjct.message_id.duplicate)."""
    try:
        with transaction.atomic():
            return Transaction.objects.create(
                client=client, action=action, message_id=header["message_id"],
                transaction_id=str(message.get("transaction_id", ""))[:99], correlation_id=env.new_id(),
                reference_ids=reference_ids, status=status, request=message, sender_uri=sender_uri, locale=locale)
    except IntegrityError:
        raise env.HeaderRejected("rjct.message_id.duplicate",
                                 "This message_id was used before by this sender.") from None


def _item_error(item: dict, reason: str, text: str) -> dict:
    reference = item.get("reference_id") if isinstance(item, dict) else None
    return {"reference_id": reference if isinstance(reference, str) else "", "timestamp": env.now_ts(),
            "status": "rjct", "status_reason_code": reason, "status_reason_message": text[:env.MESSAGE_MAX]}


def check_items(items, key: str, criteria_key: str) -> list[tuple[dict, dict | None]]:
    """Each request of a batch with its refusal (None: fine): reference_id, timestamp, criteria and locale."""
    seen: set[str] = set()
    checked = []
    for item in items:
        error = None
        if not isinstance(item, dict):
            error = _item_error({}, "rjct.reference_id.invalid", f"Each {key} item is an object.")
        elif not env.valid_identifier(item.get("reference_id")):
            error = _item_error(item, "rjct.reference_id.invalid", "reference_id is a string of 1 to 99 characters.")
        elif item["reference_id"] in seen:
            error = _item_error(item, "rjct.reference_id.duplicate", "reference_id is repeated in this message.")
        elif env.parse_timestamp(item.get("timestamp")) is None:
            error = _item_error(item, "rjct.timestamp.invalid",
                                "timestamp must be ISO 8601 with a time zone, e.g. 2022-12-04T17:20:07-04:00.")
        elif not isinstance(item.get(criteria_key), dict):
            error = _item_error(item, "rjct.search_criteria.invalid" if key == "search_request"
                                else "rjct.notify_details.invalid", f"{criteria_key} is required.")
        elif "locale" in item and not env.valid_locale(item["locale"]):
            error = _item_error(item, "rjct.search_criteria.invalid" if key == "search_request"
                                else "rjct.notify_details.invalid",
                                "locale is an ISO 639-3 code in lower case, e.g. zho or eng.")
        if isinstance(item, dict) and isinstance(item.get("reference_id"), str):
            seen.add(item["reference_id"])
        checked.append((item, error))
    return checked


def search_items(*, client: Client, message: dict) -> list[dict]:
    """The search_response items of a search message, each searched as the client's user (scoped), masked as for
    any other reader; one audit event for the message and one for what was shown unmasked."""
    actor = client.user
    masking = Masking(actor)
    responses, found = [], 0
    for item, error in check_items(message.get("search_request") or [], "search_request", "search_criteria"):
        if error is not None:
            responses.append(error)
            continue
        locale = item.get("locale") or ""
        try:
            entity, page = registry_search(actor=actor, criteria=item["search_criteria"])
        except CriteriaError as exc:
            responses.append(_item_error(item, exc.reason_code, exc.message))
            continue
        with translation.override(mapping.language_of(locale)):
            language = translation.get_language()
            if entity == "Group":
                records = [mapping.group(h, h.dci_members, h.dci_years[0] if h.dci_years else None, masking,
                                         language) for h in page.rows]
            else:
                records = [mapping.member_record(m, masking, language) for m in page.rows]
        found += len(records)
        response = {"reference_id": item["reference_id"], "timestamp": env.now_ts(), "status": "succ",
                    "data": {"version": env.VERSION, "reg_type": "ns:fupin:RegistryType:Social",
                             "reg_record_type": "Group" if entity == "Group" else "Person",
                             "reg_records": records},
                    "pagination": {"page_size": page.page_size, "page_number": page.page_number,
                                   "total_count": page.total}}
        if locale:
            response["locale"] = locale
        responses.append(response)
    audit_record(actor=actor, action=SEARCHED, object_type="dci.client", object_id=str(client.pk),
                 after={"transaction_id": message.get("transaction_id"), "requests": len(responses),
                        "records": found})
    masking.audit()
    return responses


def header_status(items: list[dict]) -> tuple[str, int]:
    """The callback header's status for a batch: succ when any request succeeded, rjct when none did."""
    completed = sum(1 for item in items if item.get("status") == "succ")
    return ("succ" if completed or not items else "rjct"), completed


def search_complete(txn: Transaction) -> dict:
    """Run a stored search transaction; the SearchResponse is kept on it (for txn/status) and returned."""
    items = search_items(client=txn.client, message=txn.request)
    response = {"transaction_id": txn.transaction_id, "correlation_id": txn.correlation_id,
                "search_response": items}
    status, _completed = header_status(items)
    Transaction.objects.filter(pk=txn.pk).update(status=status, response=response, completed_at=timezone.now())
    txn.status, txn.response = status, response
    return response


def search_async_accept(*, client: Client, header: dict, message: dict, sender_uri: str) -> Transaction:
    """Record an asynchronous search and queue it; the on-search callback follows from the job."""
    with transaction.atomic():
        txn = transaction_open(client=client, header=header, message=message, action="search",
                               reference_ids=references_of(message, "search_request"), status="pdng",
                               sender_uri=sender_uri)
        job_submit(actor=client.user, kind="dci.search", params={"transaction": txn.pk})
    return txn


def references_of(message: dict, key: str) -> list[str]:
    return [i["reference_id"] for i in message.get(key) or []
            if isinstance(i, dict) and isinstance(i.get("reference_id"), str)]


def callback_envelope(txn: Transaction, action: str, body: dict, items: list[dict]) -> dict:
    status, completed = header_status(items)
    header = env.response_header({"message_id": env.new_id(), "sender_id": txn.client.sender_id}, action=action,
                                 status=status, total=len(items), completed=completed)
    return {"signature": signing.sign(header, body), "header": header, "message": body}


def deliver_later(*, client: Client, url: str, envelope: dict, kind: str) -> None:
    """Queue a callback as a job (after the current transaction commits); the job retries it."""
    job_submit(actor=client.user, kind="dci.deliver",
               params={"client": client.pk, "url": url, "body": envelope, "what": kind})


def deliver(*, client: Client, url: str, body: dict) -> int:
    """POST a signed message to one of the client's registered URLs, retrying a refused or failed delivery
    (FUPIN_DCI_CALLBACK_ATTEMPTS times, waiting FUPIN_DCI_CALLBACK_BACKOFF seconds times the attempt). Raises the
    last error when every attempt failed, so the job shows it."""
    if not client.callback_uri or not _under(url, client.callback_uri):
        raise PermissionError(f"{url} is not under the client's registered callback URL")
    attempts = getattr(settings, "FUPIN_DCI_CALLBACK_ATTEMPTS", 3)
    backoff = getattr(settings, "FUPIN_DCI_CALLBACK_BACKOFF", 2.0)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with _opener().open(request, timeout=getattr(settings, "FUPIN_DCI_CALLBACK_TIMEOUT", 10)) as answer:
                return answer.status
        except (urllib.error.URLError, OSError) as exc:
            last = exc
            if attempt < attempts and backoff:
                time.sleep(backoff * attempt)
    raise RuntimeError(f"callback to {url} failed after {attempts} attempts: {last}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A callback is never redirected elsewhere (a redirect could point at any host)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener():
    return urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def inbound_record(*, client: Client, header: dict, message, action: str) -> Transaction:
    """Keep a callback or notification another registry sent (as a transaction of that peer), for the client
    commands that asked and for the cross-department comparison reading a civil registry's events."""
    message = message if isinstance(message, dict) else {"value": message}
    key = {"on-search": "search_response", "on-subscribe": "subscribe_response", "notify": "notify_event"}.get(action)
    references = references_of(message, key) if key else []
    txn = transaction_open(client=client, header=header, message=message, action=action,
                           reference_ids=references, status=str(header.get("status") or "rcvd")[:4])
    Transaction.objects.filter(pk=txn.pk).update(response=message, completed_at=timezone.now())
    return txn


# Transaction status --------------------------------------------------------------------------------------------

def txn_status_response(*, client: Client, message: dict) -> tuple[dict, str, str]:
    """The TxnStatusResponse for a txn-status message: (response, header status, reason message)."""
    from .selectors import transactions_for_status

    request = message.get("txnstatus_request") if isinstance(message, dict) else None
    if not isinstance(request, dict):
        raise env.TransportError("err.request.bad", "message.txnstatus_request is required.")
    attribute_type, value = request.get("attribute_type"), request.get("attribute_value")
    valid = (attribute_type in ("transaction_id", "correlation_id") and env.valid_identifier(value)) or (
        attribute_type in ("reference_id_list", "subscription_code_list") and isinstance(value, list)
        and all(env.valid_identifier(v) for v in value))
    txn_type = request.get("txn_type")
    if not valid or txn_type not in ("search", "subscribe", "unsubscribe"):
        raise env.TransportError("err.request.bad", "txnstatus_request needs reference_id, txn_type (search, "
                                 "subscribe, unsubscribe), attribute_type and a matching attribute_value.")
    if "locale" in request and not env.valid_locale(request["locale"]):
        raise env.TransportError("err.request.bad", "locale is an ISO 639-3 code in lower case, e.g. zho.")
    found = [t for t in transactions_for_status(client, attribute_type, value) if t.action == txn_type]
    done = next((t for t in found if t.response is not None), None)
    transaction_id = str(message.get("transaction_id", ""))[:99]
    if done is None:
        pending = found[0] if found else None
        reason = "The transaction is still being processed." if pending else "No such transaction of this sender."
        body = {"transaction_id": transaction_id, "correlation_id": pending.correlation_id if pending else "",
                "txnstatus_response": {"txn_type": f"on-{txn_type}" if txn_type != "search" else "search",
                                       "txn_status": _empty_status(txn_type, pending)}}
        return body, "pdng" if pending else "rjct", reason
    body = {"transaction_id": transaction_id, "correlation_id": done.correlation_id,
            "txnstatus_response": {"txn_type": "search" if txn_type == "search" else f"on-{txn_type}",
                                   "txn_status": done.response}}
    return body, "succ", ""


def _empty_status(txn_type: str, pending: Transaction | None) -> dict:
    base = {"transaction_id": pending.transaction_id if pending else "",
            "correlation_id": pending.correlation_id if pending else ""}
    if txn_type == "search":
        return {**base, "search_response": []}
    if txn_type == "subscribe":
        return {**base, "subscribe_response": []}
    return {**base, "timestamp": env.now_ts(), "status": "pdng" if pending else "rjct"}


def txn_status_sync(*, client: Client, header: dict, message: dict) -> tuple[dict, str, str]:
    """Record a sync txn-status message and answer it: (TxnStatusResponse, header status, reason)."""
    with transaction.atomic():
        txn = transaction_open(client=client, header=header, message=message, action="txn-status",
                               reference_ids=[], status="pdng")
        body, status, reason = txn_status_response(client=client, message=message)
        Transaction.objects.filter(pk=txn.pk).update(status="succ", response=body, completed_at=timezone.now())
    return body, status, reason


def txn_status_async_accept(*, client: Client, header: dict, message: dict, sender_uri: str) -> Transaction:
    with transaction.atomic():
        txn = transaction_open(client=client, header=header, message=message, action="txn-status",
                               reference_ids=[], status="pdng", sender_uri=sender_uri)
        body, status, reason = txn_status_response(client=client, message=message)
        txn.response, txn.status, txn.completed_at = body, "succ", timezone.now()
        txn.save(update_fields=["response", "status", "completed_at"])
        header_out = env.response_header({"message_id": env.new_id(), "sender_id": client.sender_id},
                                         action="txn-on-status", status=status, total=1,
                                         completed=1 if status == "succ" else 0, reason_message=reason)
        envelope = {"signature": signing.sign(header_out, body), "header": header_out, "message": body}
        deliver_later(client=client, url=sender_uri, envelope=envelope, kind="txn-on-status")
    return txn


# Subscriptions -------------------------------------------------------------------------------------------------

def subscribe(*, client: Client, header: dict, message: dict, sender_uri: str) -> Transaction:
    """Record the subscriptions of a subscribe message and queue the on-subscribe callback."""
    from .query import Builder

    with transaction.atomic():
        txn = transaction_open(client=client, header=header, message=message, action="subscribe",
                               reference_ids=references_of(message, "subscribe_request"), status="pdng",
                               sender_uri=sender_uri)
        items = []
        for item, error in check_items(message.get("subscribe_request") or [], "subscribe_request",
                                       "subscribe_criteria"):
            if error is not None:
                items.append(error)
                continue
            criteria = item["subscribe_criteria"]
            event = str(criteria.get("reg_event_type", "")).upper()
            record_type = criteria.get("notify_record_type") or "Group"
            filter_type = criteria.get("filter_type") or "predicate"
            if event not in EVENT_TYPES:
                items.append(_item_error(item, "rjct.notify_types.invalid",
                                         f"reg_event_type is one of {', '.join(EVENT_TYPES)}."))
                continue
            if record_type not in ("Group", "Member") or "filter" not in criteria:
                items.append(_item_error(item, "rjct.notify_details.invalid",
                                         "notify_record_type is Group or Member, and a filter is required."))
                continue
            try:  # the filter must be one fupin can evaluate, now rather than at the first event
                builder = Builder("Group", temporal.today())
                _subscription_condition(builder, filter_type, criteria["filter"])
            except CriteriaError as exc:
                items.append(_item_error(item, "rjct.notify_details.invalid", exc.message))
                continue
            if Subscription.objects.filter(client=client, reference_id=item["reference_id"],
                                           status=Subscription.Status.SUBSCRIBED).exists():
                items.append(_item_error(item, "rjct.event.already_subscribed",
                                         "A subscription with this reference_id is active already."))
                continue
            subscription = Subscription.objects.create(
                since_seq=_audit_head(), client=client, code=env.new_id(), reference_id=item["reference_id"],
                reg_event_type=event,
                filter_type=filter_type, filter=criteria["filter"], notify_record_type=record_type,
                callback_uri=client.callback_uri, locale=item.get("locale") or "", criteria=criteria)
            items.append({"reference_id": item["reference_id"], "timestamp": env.now_ts(), "status": "succ",
                          "subscriptions": [subscription_info(subscription)]})
        body = {"transaction_id": txn.transaction_id, "correlation_id": txn.correlation_id,
                "subscribe_response": items}
        status, _completed = header_status(items)
        txn.response, txn.status, txn.completed_at = body, status, timezone.now()
        txn.save(update_fields=["response", "status", "completed_at"])
        audit_record(actor=client.user, action=SUBSCRIBED, obj=txn,
                     after={"subscriptions": [s["subscriptions"][0]["code"] for s in items if s["status"] == "succ"]})
        deliver_later(client=client, url=sender_uri, envelope=callback_envelope(txn, "on-subscribe", body, items),
                      kind="on-subscribe")
    return txn


def _audit_head() -> int:
    from fupin.audit.models import AuditChainHead

    head = AuditChainHead.objects.filter(id=1).values_list("last_seq", flat=True).first()
    return head or 0


def _subscription_condition(builder, filter_type: str, query):
    if filter_type == "predicate":
        return builder.predicate(query)
    if filter_type == "expression":
        return builder.expression(query)
    if filter_type == "idtype-value":
        return builder.idtype_value(query)
    raise CriteriaError("rjct.notify_details.invalid", "filter_type is idtype-value, expression or predicate.")


def subscription_info(subscription: Subscription) -> dict:
    criteria = {"reg_event_type": subscription.reg_event_type, "filter_type": subscription.filter_type,
                "filter": subscription.filter, "notify_record_type": subscription.notify_record_type}
    # SubscriptionInfo lists `subscription_code` and `subscribe_criteria` as required besides its own `code`.
    return {"version": env.VERSION, "code": subscription.code, "subscription_code": subscription.code,
            "status": subscription.status, "timestamp": subscription.created_at.isoformat(), **criteria,
            "subscribe_criteria": criteria}


def unsubscribe(*, client: Client, header: dict, message: dict, sender_uri: str) -> Transaction:
    """End the client's subscriptions a message names and queue the on-unsubscribe callback."""
    from .selectors import subscriptions_of

    codes_given = message.get("subscription_codes", message.get("sunscription_codes"))  # the YAML's own typo too
    if not isinstance(codes_given, list) or not all(env.valid_identifier(c) for c in codes_given):
        raise env.TransportError("err.request.bad", "message.subscription_codes is a list of subscription codes.")
    stamp = message.get("timestamp", message.get("timesstamp"))
    with transaction.atomic():
        txn = transaction_open(client=client, header=header, message=message, action="unsubscribe",
                               reference_ids=[], status="pdng", sender_uri=sender_uri)
        statuses, reason_code, reason = [], "", ""
        if stamp is not None and env.parse_timestamp(stamp) is None:
            reason_code, reason = "rjct.timestamp.invalid", "timestamp must be ISO 8601 with a time zone."
        else:
            mine = subscriptions_of(client, codes_given)
            for code in codes_given:
                subscription = mine.get(code)
                if subscription is None:  # another client's code answers as an unknown one
                    reason_code, reason = "rjct.subscription_code.invalid", f"Unknown subscription code {code}."
                    continue
                if subscription.status == Subscription.Status.UNSUBSCRIBED:
                    reason_code, reason = "rjct.event.already_unsubscribed", f"{code} was unsubscribed before."
                    continue
                subscription.status = Subscription.Status.UNSUBSCRIBED
                subscription.save(update_fields=["status", "updated_at"])
                statuses.append({"code": code, "status": "unsubscribe"})
        status = "succ" if statuses else "rjct"
        body = {"transaction_id": txn.transaction_id, "correlation_id": txn.correlation_id,
                "timestamp": env.now_ts(), "status": status, "subscription_status": statuses}
        if reason_code:
            body["status_reason_code"], body["status_reason_message"] = reason_code, reason
        txn.response, txn.status, txn.completed_at = body, status, timezone.now()
        txn.save(update_fields=["response", "status", "completed_at"])
        audit_record(actor=client.user, action=UNSUBSCRIBED, obj=txn, after={"codes": codes_given,
                                                                              "status": status})
        header_out = env.response_header({"message_id": env.new_id(), "sender_id": client.sender_id},
                                         action="on-unsubscribe", status=status, total=len(codes_given),
                                         completed=len(statuses))
        deliver_later(client=client, url=sender_uri, kind="on-unsubscribe",
                      envelope={"signature": signing.sign(header_out, body), "header": header_out, "message": body})
    return txn


def schedule_notify() -> None:
    """Queue one notification run after the current transaction commits (deduplicated per transaction by the
    caller, fupin.dci.apps)."""
    transaction.on_commit(notify_job_if_subscribed, robust=True)


def notify_job_if_subscribed() -> None:
    if Subscription.objects.filter(status=Subscription.Status.SUBSCRIBED).exists():
        system = User.objects.filter(username="system").first()
        if system is not None:
            job_submit(actor=system, kind="dci.notify", params={})


NOTIFY_BATCH = 500  # audit events read per round; a bulk import is one event per batch of households


def notify_pending() -> dict:
    """Turn the registry's audit events since the last run into notify messages to the subscribers whose filter
    (and areas) select the households concerned; each subscriber's message is queued as a delivery job.

    Households are read from each event and from its change rows (a bulk import's per-record trail): created
    → REGISTER, status 注销 (9) → DELETE, anything else → UPDATE. Runs under a lock on the cursor, so two runs never
    notify an event twice."""
    from fupin.audit.changes import change_values, set_columns
    from fupin.audit.models import AuditEvent, AuditRecordChange

    from .models import NotifyCursor
    from .query import Builder
    from .selectors import subscriptions_active

    sent = 0
    with transaction.atomic():
        cursor, created = NotifyCursor.objects.select_for_update().get_or_create(id=1)
        if created:  # nothing before the first subscription is ever owed to anyone
            first = Subscription.objects.order_by("since_seq").values_list("since_seq", flat=True).first()
            cursor.last_seq = first or 0
        events = list(AuditEvent.objects.filter(seq__gt=cursor.last_seq).order_by("seq")
                      .only("seq", "action", "object_type", "object_id", "after")[:NOTIFY_BATCH])
        if not events:
            return {"events": 0, "messages": 0}
        kinds: dict[int, tuple[str, int]] = {}  # household → (event kind, the last audit event naming it)
        seq = 0

        def note(household_id, kind):
            household_id = int(household_id)
            before = kinds.get(household_id, ("", 0))[0]
            if before == "DELETE" or (before == "REGISTER" and kind == "UPDATE"):
                kind = before
            kinds[household_id] = (kind, seq)

        registry_events = [e for e in events if e.action.startswith("registry.") and e.action not in (
            "registry.sensitive_viewed", "registry.exported")]
        members_changed: dict[int, int] = {}
        set_seq = {e.after["changes"]["set"]: e.seq for e in registry_events
                   if isinstance(e.after, dict) and isinstance(e.after.get("changes"), dict)}
        for e in registry_events:
            seq = e.seq
            after = e.after if isinstance(e.after, dict) else {}
            if e.object_type == "registry.household" and e.object_id.isdigit():
                if e.action == "registry.household_registered":
                    note(e.object_id, "REGISTER")
                elif str(after.get("status", after.get("to_status", ""))) == "9":
                    note(e.object_id, "DELETE")
                else:
                    note(e.object_id, "UPDATE")
        # A bulk import's created records are compact rows: their covering event names the columns.
        columns_of = {e.after["changes"]["set"]: set_columns(e.after) for e in registry_events
                      if isinstance(e.after, dict) and isinstance(e.after.get("changes"), dict)}
        for change in AuditRecordChange.objects.filter(change_set_id__in=list(set_seq)).only(
                "change_set_id", "object_type", "object_id", "before", "after").iterator(chunk_size=2000):
            seq = set_seq[change.change_set_id]
            values = change_values(change.after, columns_of[change.change_set_id].get(change.object_type)) or {}
            if change.object_type == "registry.household":
                if change.before is None:
                    note(change.object_id, "REGISTER")
                else:
                    note(change.object_id, "DELETE" if str(values.get("status")) == "9" else "UPDATE")
            elif change.object_type == "registry.member":
                household = values.get("household", values.get("household_id"))
                if household:
                    note(household, "UPDATE")
                elif change.object_id.isdigit():  # a changed member's row holds only what changed
                    members_changed[int(change.object_id)] = seq
        from fupin.registry.models import Member

        for member_id, household_id in Member.objects.filter(pk__in=list(members_changed)).values_list(
                "id", "household_id"):
            seq = members_changed[member_id]
            note(household_id, "UPDATE")
        if kinds:
            for subscription in subscriptions_active():
                wanted = [pk for pk, (kind, at) in kinds.items()
                          if kind == subscription.reg_event_type and at > subscription.since_seq]
                if wanted:
                    sent += _notify_subscriber(subscription, wanted, Builder)
        cursor.last_seq = events[-1].seq
        cursor.save(update_fields=["last_seq"])
    if len(events) == NOTIFY_BATCH:
        schedule_notify()  # more to read: another round, after this one committed
    return {"events": len(events), "messages": sent}


def _notify_subscriber(subscription: Subscription, household_ids: list[int], builder_class) -> int:
    """Queue one notify message with the households (or their members) of `household_ids` the subscription's
    filter selects among those its client may see; 0 when none."""
    from .selectors import notify_records

    client = subscription.client
    builder = builder_class(subscription.notify_record_type, temporal.today())
    condition = _subscription_condition(builder, subscription.filter_type, subscription.filter)
    masking = Masking(client.user)
    with translation.override(mapping.language_of(subscription.locale)):
        language = translation.get_language()
        records = notify_records(actor=client.user, entity=subscription.notify_record_type,
                                 household_ids=household_ids, condition=condition)
        if not records:
            return 0
        if subscription.notify_record_type == "Group":
            reg_records = [mapping.group(h, h.dci_members, h.dci_years[0] if h.dci_years else None, masking,
                                         language) for h in records]
        else:
            reg_records = [mapping.member_record(m, masking, language) for m in records]
    masking.audit()
    # One notify_event per record: the core YAML makes `reg_records` a single RegistryRecord object.
    entity = "Household" if subscription.notify_record_type == "Group" else "Member"
    events = []
    for record in reg_records:
        event = {"reference_id": subscription.reference_id, "timestamp": env.now_ts(),
                 "data": {"version": env.VERSION, "reg_type": "ns:fupin:RegistryType:Social",
                          "reg_event_type": subscription.reg_event_type,
                          "response_entity": entity,
                          "reg_records": record}}
        if subscription.locale:
            event["locale"] = subscription.locale
        events.append(event)
    body = {"transaction_id": env.new_id(), "notify_event": events}
    header = env.response_header({"message_id": env.new_id(), "sender_id": client.sender_id}, action="notify",
                                 status="succ", total=len(reg_records), completed=len(reg_records))
    header["subscription_code"] = subscription.code
    audit_record(actor=client.user, action=NOTIFIED, obj=subscription,
                 after={"event": subscription.reg_event_type, "records": len(reg_records)})
    deliver_later(client=client, url=subscription.callback_uri.rstrip("/") + "/registry/notify",
                  envelope={"signature": signing.sign(header, body), "header": header, "message": body},
                  kind="notify")
    return 1
