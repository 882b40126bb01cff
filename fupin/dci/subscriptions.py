"""fupin subscribing to another DCI registry (`fupin dci subscriptions add|list|remove`), e.g. a civil registry's
death events feeding the cross-department comparison (数据比对).

Subscribing: an OAuth2 token from the registry (`URL/oauth2/client/token`), its public keys from
`URL/.well-known/jwks.json` (kept with the subscription: the only keys its later messages are checked against),
then a `subscribe` signed with fupin's key, whose header's `sender_uri` is fupin's receiver for this subscription,
`<public URL>/dci/subscriber/<token>/registry/on-subscribe`. The registry acknowledges, then calls back
`on-subscribe` with its subscription code(s); its `notify` messages go to `…/dci/subscriber/<token>/registry/notify`
(the core spec's receiver path, under a base naming the subscription). Each death event (ID number and date of
death) becomes one row of the subscription's department list (source `death`): the comparison check then flags a
person still a member of a household; nothing in the registry is changed. Removing a subscription sends a signed
`unsubscribe` with the codes."""

import base64
import datetime
import hashlib
import json
import os
import secrets
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.models import User
from fupin.accounts.scoping import everywhere, require
from fupin.areas.models import Area
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core import temporal
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.idnumbers import parse_id_number
from fupin.quality.models import DepartmentList, DepartmentRecord

from . import client as dci_client
from . import envelope as env
from . import signing
from .models import PeerEvent, PeerSubscription
from .services import area_named

PEER_SUBSCRIBED = audit_registry.register("dci.peer_subscribed", _("subscribed to another DCI registry"))
PEER_CONFIRMED = audit_registry.register("dci.peer_confirmed", _("received a DCI registry's subscription answer"))
PEER_UNSUBSCRIBED = audit_registry.register("dci.peer_unsubscribed",
                                            _("ended a subscription to another DCI registry"))
PEER_EVENTS = audit_registry.register("dci.peer_events", _("received events from another DCI registry"))

# The events fupin can subscribe to and the department-list source they feed (the comparison's rule `source`).
EVENTS = {"death": "death"}
REGISTRY_TYPE = "ns:org:RegistryType:Civil"
RECORD_TYPE = "spdci-extensions-dci:Person"
_ID_TYPES = {"UIN", "NID", "ID_NUMBER", "ID", "RIC"}


class Refusal(Exception):
    """A receiver's refusal: a DCI error code, its message and the HTTP status."""

    def __init__(self, code: str, message: str, http_status: int = 400):
        self.code, self.message, self.http_status = code, message, http_status
        super().__init__(message)


# The client secret, sealed ---------------------------------------------------------------------------------------

def _sealing_key() -> bytes:
    raw = signing.server_key().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                             serialization.NoEncryption())
    return hashlib.sha256(b"fupin-dci-peer-secret\x00" + raw).digest()


def seal(secret: str) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(_sealing_key()).encrypt(nonce, secret.encode("utf-8"), None)).decode()


def unseal(sealed: str) -> str:
    data = base64.b64decode(sealed)
    return AESGCM(_sealing_key()).decrypt(data[:12], data[12:], None).decode("utf-8")


# HTTP ------------------------------------------------------------------------------------------------------------

def _get_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise dci_client.ClientError(f"{url}: {exc}") from None


def fetch_keys(base: str) -> list[dict]:
    """The registry's usable signing keys (Ed25519 or RSA ≥ 2048 bits) from its JWKS."""
    body = _get_json(base.rstrip("/") + "/.well-known/jwks.json")
    keys = []
    for jwk in body.get("keys", []) if isinstance(body, dict) else []:
        try:
            key = signing.public_key_from_jwk(jwk)
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
            continue
        if jwk.get("kid"):
            keys.append({name: jwk[name] for name in ("kty", "crv", "x", "n", "e", "kid", "alg") if name in jwk})
    return keys


def _post_signed(base: str, path: str, token: str, header: dict, message: dict) -> tuple[int, dict]:
    envelope = {"signature": signing.sign(header, message), "header": header, "message": message}
    return dci_client._post(base.rstrip("/") + path, json.dumps(envelope, ensure_ascii=False).encode("utf-8"),
                            "application/json", token)


def _ack_error(status: int, body: dict) -> str:
    """Why an answer is not an acknowledgement ('' when it is one)."""
    answer = body.get("message") if isinstance(body, dict) else None
    if status == 200 and isinstance(answer, dict) and answer.get("ack_status") in ("ACK", "NACK"):
        return ""
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        return f"{status} {answer['error'].get('code', '')}: {answer['error'].get('message', '')}"[:999]
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
        return f"{status} {first.get('code', '')}: {first.get('message', '')}"[:999]
    return f"{status}: {json.dumps(body, ensure_ascii=False)[:300]}"


# Administration --------------------------------------------------------------------------------------------------

def _public_url(callback_base: str) -> str:
    base = (callback_base or getattr(settings, "FUPIN_DCI_PUBLIC_URL", "") or "").strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed(_("fupin's public address (--callback-base or FUPIN_DCI_PUBLIC_URL) is an http or "
                                 "https URL; the registry sends its answers and events there."),
                               field="callback_base")
    return base.rstrip("/")


def receiver_base(subscription: PeerSubscription) -> str:
    return f"{subscription.callback_base.rstrip('/')}/dci/subscriber/{subscription.token}"



def _require_admin(actor, area_code: str) -> None:
    require(actor, Action.ADMINISTER, area_code)
    if not area_code and not everywhere(actor, Action.ADMINISTER):
        raise PermissionDenied()


def subscribe_message(subscription: PeerSubscription, area: Area | None) -> dict:
    if area is not None:
        condition = {"attribute_name": "area_code", "operator": "eq", "attribute_value": area.code}
    else:
        condition = {"attribute_name": "event_type", "operator": "eq", "attribute_value": subscription.event}
    return {"transaction_id": subscription.transaction_id, "subscribe_request": [{
        "reference_id": env.new_id(), "timestamp": env.now_ts(), "locale": "zho",
        "subscribe_criteria": {"version": env.VERSION, "reg_type": REGISTRY_TYPE,
                               "reg_event_type": subscription.event, "filter_type": "predicate",
                               "filter": [{"seq_num": 1, "expression1": condition}],
                               "notify_record_type": RECORD_TYPE}}]}


def subscription_add(*, actor, url: str, client_id: str, secret: str, event: str = "death",
                     area_code: str | None = None, callback_base: str = "", registry_id: str = "") -> PeerSubscription:
    """Subscribe fupin to a registry's events. Nothing is kept when the registry cannot be reached, gives no token
    or no usable key; a subscription it refuses is kept as `rejected` (with the reason) for the record."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed(_("The registry URL is an http or https address."), field="url")
    if event not in EVENTS:
        raise ValidationFailed(_("Unknown event “%(event)s” (known: %(known)s)."), field="event", event=event,
                               known=", ".join(EVENTS))
    if not client_id or not secret:
        raise ValidationFailed(_("The client id and secret the registry gave fupin are required."),
                               field="client_id")
    if registry_id and (not env.valid_identifier(registry_id) or "|" in registry_id):
        raise ValidationFailed(_("A sender id has 1 to 99 characters."), field="registry_id")
    area = area_named(area_code)
    _require_admin(actor, area.code if area else "")
    public = _public_url(callback_base)
    try:
        token = dci_client.fetch_token(url, client_id, secret)
        keys = fetch_keys(url)
    except dci_client.ClientError as exc:
        raise ValidationFailed(_("The registry cannot be used: %(why)s"), field="url", why=str(exc)) from None
    if not keys:
        raise ValidationFailed(_("The registry publishes no usable signing key (Ed25519 or RSA) at "
                                 "%(url)s/.well-known/jwks.json."), field="url", url=url.rstrip("/"))
    receiver = secrets.token_hex(16)
    with transaction.atomic():
        user = User.objects.create(username=f"dci-peer:{receiver[:12]}", display_name=f"DCI {parts.netloc}")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        listed = DepartmentList.objects.create(source=EVENTS[event], name=f"DCI {parts.netloc} {event} {receiver[:8]}",
                                               received_on=temporal.today(), imported_by=actor)
        subscription = PeerSubscription.objects.create(
            token=receiver, url=url.rstrip("/"), client_id=client_id, secret_sealed=seal(secret),
            registry_id=registry_id, event=event, area_code=area.code if area else "", callback_base=public,
            transaction_id=env.new_id(), keys=keys, department_list=listed, user=user, created_by=actor)
        audit_record(actor=actor, action=PEER_SUBSCRIBED, obj=subscription, area_code=subscription.area_code,
                     after={"url": subscription.url, "event": event, "area": subscription.area_code or None,
                            "keys": [key["kid"] for key in keys], "list": listed.name})
    message = subscribe_message(subscription, area)
    header = env.request_header(action="subscribe", receiver=registry_id, total=1,
                                sender_uri=receiver_base(subscription) + "/registry/on-subscribe")
    if not registry_id:
        header.pop("receiver_id")
    try:
        status, body = _post_signed(url, "/registry/subscribe", token, header, message)
        refused = _ack_error(status, body)
    except dci_client.ClientError as exc:
        refused = str(exc)[:999]
    with transaction.atomic():
        current = PeerSubscription.objects.select_for_update().get(pk=subscription.pk)
        if refused:
            current.status, current.status_reason = PeerSubscription.Status.REJECTED, refused
        else:
            current.correlation_id = str(body["message"].get("correlation_id") or "")[:99]
        current.save(update_fields=["status", "status_reason", "correlation_id", "updated_at"])
        if refused:
            audit_record(actor=actor, action=PEER_CONFIRMED, obj=current, area_code=current.area_code,
                         after={"status": current.status, "reason": refused})
    return current


def subscription_remove(*, actor, subscription: PeerSubscription, secret: str = "", force: bool = False
                        ) -> PeerSubscription:
    """Unsubscribe at the registry (a signed `unsubscribe` of the subscription's codes), then end it here. With
    `force` it is ended here even when the registry cannot be told. Its rows stay in the department list."""
    _require_admin(actor, subscription.area_code)
    if subscription.status == PeerSubscription.Status.ENDED:
        raise ValidationFailed(_("This subscription has ended already."), field="id")
    told = ""
    if subscription.codes:
        try:
            token = dci_client.fetch_token(subscription.url, subscription.client_id,
                                           secret or unseal(subscription.secret_sealed))
            message = {"transaction_id": env.new_id(), "timestamp": env.now_ts(),
                       "subscription_codes": list(subscription.codes),
                       "sunscription_codes": list(subscription.codes)}  # the YAML's required spelling (sic)
            header = env.request_header(action="unsubscribe", receiver=subscription.registry_id, total=1,
                                        sender_uri=receiver_base(subscription) + "/registry/on-unsubscribe")
            if not subscription.registry_id:
                header.pop("receiver_id")
            status, body = _post_signed(subscription.url, "/registry/unsubscribe", token, header, message)
            told = _ack_error(status, body)
        except (dci_client.ClientError, ValueError) as exc:
            told = str(exc)[:999] or exc.__class__.__name__
        if told and not force:
            raise ValidationFailed(_("The registry did not accept the unsubscription: %(why)s"), field="id",
                                   why=told)
    with transaction.atomic():
        current = PeerSubscription.objects.select_for_update().get(pk=subscription.pk)
        current.status, current.ended_at = PeerSubscription.Status.ENDED, timezone.now()
        current.status_reason = told
        current.save(update_fields=["status", "ended_at", "status_reason", "updated_at"])
        audit_record(actor=actor, action=PEER_UNSUBSCRIBED, obj=current, area_code=current.area_code,
                     after={"codes": current.codes, "registry_told": not told, "reason": told or None})
    return current


# Receiving -------------------------------------------------------------------------------------------------------

def verify(subscription: PeerSubscription, body) -> tuple[dict, object]:
    """The header and message of a message the subscribed registry sent, its signature checked against the keys
    fetched when subscribing; Refusal otherwise (401 for the signature, as the core spec answers)."""
    try:
        header, message, signature = env.check_envelope(body)
    except env.TransportError as exc:
        raise Refusal(exc.code, exc.message, exc.http_status) from None
    if not signature:
        raise Refusal("err.signature.missing", "Messages of a subscribed registry must be signed.", 401)
    try:
        parsed = signing.parse(signature)
        if subscription.registry_id and parsed.sender_id != subscription.registry_id:
            raise signing.SignatureError("The signature's keyId names another sender.")
        jwk = next((key for key in subscription.keys if key.get("kid") == parsed.key_id), None)
        if jwk is None:
            raise signing.SignatureError("The signature's key is not one the registry published when subscribed.")
        key = signing.public_key_from_jwk(jwk)
        expected = ed25519.Ed25519PublicKey if parsed.algorithm == "ed25519" else rsa.RSAPublicKey
        if not isinstance(key, expected):
            raise signing.SignatureError("The signature's algorithm is not its key's.")
        signing.verify(parsed, key, header, message)
    except (signing.SignatureError, ValueError, KeyError) as exc:
        raise Refusal("err.signature.invalid", str(exc), 401) from None
    if header.get("sender_id") != parsed.sender_id:
        raise Refusal("err.sender_id.invalid", "header.sender_id is not the signature's sender.", 403)
    if not subscription.registry_id:  # learnt from its first correctly signed message, then held to it
        PeerSubscription.objects.filter(pk=subscription.pk, registry_id="").update(registry_id=parsed.sender_id)
        subscription.registry_id = parsed.sender_id
    return header, message


def confirm(subscription: PeerSubscription, header: dict, message) -> None:
    """The registry's on-subscribe: its subscription codes (or its refusal)."""
    if not isinstance(message, dict) or message.get("transaction_id") != subscription.transaction_id:
        raise Refusal("err.request.bad", "message.transaction_id is not the transaction of this subscription.")
    items = message.get("subscribe_response")
    if not isinstance(items, list) or not items:
        raise Refusal("err.request.bad", "message.subscribe_response must be a non-empty list.")
    found, reasons = [], []
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("status") == "succ":
            for info in item.get("subscriptions") or []:
                code = isinstance(info, dict) and (info.get("code") or info.get("subscription_code"))
                if isinstance(code, str) and env.valid_identifier(code) and code not in found:
                    found.append(code)
        else:
            reasons.append(f"{item.get('status_reason_code') or item.get('status')}: "
                           f"{item.get('status_reason_message') or ''}".strip())
    with transaction.atomic():
        current = PeerSubscription.objects.select_for_update().get(pk=subscription.pk)
        if current.status == PeerSubscription.Status.ENDED:
            raise Refusal("err.request.forbidden", "This subscription has ended.", 403)
        if found:
            current.status, current.codes = PeerSubscription.Status.ACTIVE, found
            current.status_reason = "; ".join(reasons)[:999]
        else:
            current.status = PeerSubscription.Status.REJECTED
            current.status_reason = ("; ".join(reasons) or "no subscription code")[:999]
        if not current.correlation_id and isinstance(message.get("correlation_id"), str):
            current.correlation_id = message["correlation_id"][:99]
        current.save(update_fields=["status", "codes", "status_reason", "correlation_id", "updated_at"])
        audit_record(actor=current.user, action=PEER_CONFIRMED, obj=current, area_code=current.area_code,
                     after={"status": current.status, "codes": found, "reason": current.status_reason or None,
                            "message_id": header.get("message_id")})


def unsubscribed(subscription: PeerSubscription, header: dict, message) -> None:
    """The registry's on-unsubscribe: recorded (the subscription was ended when fupin asked)."""
    status = message.get("status") if isinstance(message, dict) else None
    with transaction.atomic():
        current = PeerSubscription.objects.select_for_update().get(pk=subscription.pk)
        if status == "succ" and current.status != PeerSubscription.Status.ENDED:
            current.status, current.ended_at = PeerSubscription.Status.ENDED, timezone.now()
            current.save(update_fields=["status", "ended_at", "updated_at"])
        audit_record(actor=current.user, action=PEER_CONFIRMED, obj=current, area_code=current.area_code,
                     after={"status": current.status, "on_unsubscribe": status,
                            "message_id": header.get("message_id")})


def _both(error: ValidationFailed) -> str:
    """A refusal's reason in Chinese and English."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(str(error))
    return " / ".join(dict.fromkeys(texts))


def _first(record: dict, *names):
    for name in names:
        value = record.get(name)
        if value not in (None, "", " "):
            return value
    return None


def death_of(record) -> tuple[str, str, str]:
    """(ID number, date of death as written, name) of a notified person record, as the core spec's
    `dci_PersonRecord` (identifier_type/identifier, deathdate), a `person` inside it, an identifier list
    (`identifier` / `member_identifier` of identifier_type/identifier_value) or `death_date` / `deathDate`."""
    if not isinstance(record, dict):
        return "", "", ""
    if isinstance(record.get("person"), dict):
        record = {**record["person"], **{k: v for k, v in record.items() if k != "person"}}
    number = ""
    kind = str(record.get("identifier_type") or "").upper()
    if isinstance(record.get("identifier"), str) and kind in _ID_TYPES | {""}:
        number = record["identifier"]
    elif isinstance(record.get("identifier_value"), str) and kind in _ID_TYPES | {""}:
        number = record["identifier_value"]
    else:
        for listed in (record.get("identifier"), record.get("member_identifier"), record.get("identifiers")):
            for item in listed if isinstance(listed, list) else []:
                if isinstance(item, dict) and str(item.get("identifier_type") or "").upper() in _ID_TYPES:
                    number = str(item.get("identifier_value") or item.get("identifier") or "")
                    break
            if number:
                break
    died = _first(record, "deathdate", "death_date", "deathDate", "date_of_death")
    name = record.get("name")
    if isinstance(name, dict):
        name = name.get("full_name") or "".join(
            str(name.get(part) or "") for part in ("sur_name", "surname", "given_name", "first_name"))
    return number, str(died or ""), str(name or "")[:60]


def _event_date(text: str, birth: datetime.date | None) -> datetime.date:
    label = _("date of death")
    day = text.strip()[:10]
    if len(day) == 8 and day.isdigit():  # DDMMYYYY, as nid_DeceasedRecord writes it
        day = f"{day[4:]}-{day[2:4]}-{day[:2]}"
    value = temporal.fact_date(day, field="deathdate", label=label, default_today=False)
    if value is None:
        raise ValidationFailed(_("The date of death is missing."), field="deathdate")
    temporal.not_before(value, birth, field="deathdate", label=label, earlier_label=_("the birth date"))
    return value


def receive_events(subscription: PeerSubscription, header: dict, message) -> dict:
    """A `notify`: each death event becomes one row of the subscription's department list, once however often it
    is sent (an ID number fupin does not know is kept: it is matched whenever the comparison runs). An event that
    cannot be used (not a death, no valid ID number, a date of death missing, in the future or before the birth)
    is refused on its own, with the reason in Chinese and English; the others are kept."""
    if subscription.status not in (PeerSubscription.Status.ACTIVE, PeerSubscription.Status.PENDING):
        raise Refusal("err.request.forbidden", "This subscription is not active.", 403)
    if not isinstance(message, dict) or not isinstance(message.get("notify_event"), list):
        raise Refusal("err.request.bad", "message.notify_event must be a list.")
    events = message["notify_event"]
    if len(events) > env.max_batch():
        raise Refusal("err.request.bad", f"At most {env.max_batch()} events are accepted in one message.")
    accepted, refused = [], []
    for position, event in enumerate(events):
        reference = str(event.get("reference_id") or "") if isinstance(event, dict) else ""
        data = event.get("data") if isinstance(event, dict) else None
        try:
            if not env.valid_identifier(reference) or not isinstance(data, dict):
                raise ValidationFailed(_("An event needs a reference_id and data."), field="notify_event")
            kind = str(data.get("reg_event_type") or subscription.event)
            if kind.rsplit(":", 1)[-1].lower() != subscription.event:
                raise ValidationFailed(_("The event “%(kind)s” is not a %(event)s."), field="reg_event_type",
                                       kind=kind, event=subscription.event)
            records = data.get("reg_records")
            for record in records if isinstance(records, list) else [records]:
                number, died, name = death_of(record)
                if not number:
                    raise ValidationFailed(_("The record has no ID number (identifier type UIN)."),
                                           field="identifier")
                identity = parse_id_number(number, today=temporal.today())
                accepted.append((reference, identity.number, _event_date(died, identity.birth_date), name))
        except ValidationFailed as error:
            refused.append({"index": position, "reference_id": reference, "reason": _both(error)})
    created = 0
    with transaction.atomic():
        listed = DepartmentList.objects.select_for_update().get(pk=subscription.department_list_id)
        row = listed.records.aggregate(last=Max("row"))["last"] or 0
        for reference, number, day, name in accepted:
            if PeerEvent.objects.filter(subscription=subscription, id_number=number, event_date=day).exists():
                continue
            row += 1
            record = DepartmentRecord.objects.create(department_list=listed, id_number=number, name=name, date=day,
                                                     detail=f"DCI {reference}"[:200], row=row)
            try:
                with transaction.atomic():
                    PeerEvent.objects.create(subscription=subscription, reference_id=reference, id_number=number,
                                             event_date=day, record=record)
            except IntegrityError:  # the same event arriving at the same moment
                record.delete()
                row -= 1
                continue
            created += 1
        if created:
            listed.rows = listed.records.count()
            listed.received_on = temporal.today()
            listed.save(update_fields=["rows", "received_on"])
        audit_record(actor=subscription.user, action=PEER_EVENTS, obj=listed, area_code=subscription.area_code,
                     after={"subscription": subscription.pk, "message_id": header.get("message_id"),
                            "events": len(events), "rows_added": created,
                            "repeated": len(accepted) - created, "refused": refused})
    return {"events": len(events), "rows_added": created, "repeated": len(accepted) - created, "refused": refused}
