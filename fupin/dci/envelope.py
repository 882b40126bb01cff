"""The DCI message envelope (`signature`, `header`, `message`): checks exactly as the standard's YAML states them,
and the headers and acknowledgements fupin answers with.

Two kinds of refusal:
- `TransportError`: the message cannot be taken at all (not JSON, no header, bad sender …): an `Error` code
  (`err.request.bad`, `err.sender_id.invalid` …) answered with HTTP 4xx;
- `HeaderRejected`: the header breaks a rule of `MsgHeader_V1.0.0`: answered with status `rjct` and one of the
  `MsgHeaderStatusReasonCode`s (`rjct.message_ts.invalid` …).
"""

import datetime
import re
import uuid

from django.conf import settings
from django.utils import timezone

VERSION = "1.0.0"
# Every action of the core and social specifications; an action that is not one of them is "not supported".
ACTIONS = {"search", "on-search", "subscribe", "on-subscribe", "unsubscribe", "on-unsubscribe", "notify",
           "txn-status", "txn-on-status"}
CALLBACK_ACTIONS = {"on-search", "on-subscribe", "on-unsubscribe", "notify", "txn-on-status"}
IDENTIFIER_MAX = 99  # TransactionId, correlation_id, SubscriptionCode: maxLength 99
MESSAGE_MAX = 999  # status_reason_message: maxLength 999
# ISO 8601 with a zone, as the standard demands ("including timezone - e.g 2022-12-04T17:20:07-04:00").
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$")
_LOCALE = re.compile(r"^[a-z]{3}$")  # LanguageCode: ISO 639-3, lower case


class TransportError(Exception):
    def __init__(self, code: str, message: str, http_status: int = 400):
        self.code, self.message, self.http_status = code, message, http_status
        super().__init__(message)


class HeaderRejected(Exception):
    def __init__(self, reason_code: str, message: str):
        self.reason_code, self.message = reason_code, message
        super().__init__(message)


def parse_timestamp(value) -> datetime.datetime | None:
    """The aware datetime of an ISO-8601 timestamp with a zone; None when it is not one."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def valid_locale(value) -> bool:
    return isinstance(value, str) and bool(_LOCALE.match(value))


def valid_identifier(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= IDENTIFIER_MAX


def now_ts() -> str:
    return timezone.now().isoformat(timespec="milliseconds")


def new_id() -> str:
    return uuid.uuid4().hex


def receiver_id() -> str:
    return getattr(settings, "FUPIN_DCI_SENDER_ID", "fupin")


def max_batch() -> int:
    return getattr(settings, "FUPIN_DCI_MAX_BATCH", 100)


def check_envelope(body) -> tuple[dict, object, str | None]:
    """The header, message and signature of a request body, or TransportError."""
    if not isinstance(body, dict):
        raise TransportError("err.request.bad", "The body must be a JSON object with header and message.")
    header, signature = body.get("header"), body.get("signature")
    if not isinstance(header, dict):
        raise TransportError("err.request.bad", "The message has no header object.")
    if "message" not in body:
        raise TransportError("err.request.bad", "The message has no message part.")
    if signature is not None and not isinstance(signature, str):
        raise TransportError("err.signature.invalid", "The signature must be a string.", 401)
    message_id = header.get("message_id")
    if not valid_identifier(message_id):
        raise TransportError("err.request.bad", "header.message_id is required (a string of 1 to 99 characters).")
    return header, body["message"], signature


def check_header(header: dict, *, action: str, sender_id: str, items: int | None) -> datetime.datetime:
    """Check a request header against MsgHeader_V1.0.0 for an endpoint of `action` and a sender; `items` is the
    number of requests in the message (total_count must say it). Returns the message time."""
    if header.get("is_msg_encrypted") not in (None, False):
        raise TransportError("err.encryption.invalid", "Encrypted messages are not accepted by this registry.")
    if header.get("sender_id") != sender_id:
        raise TransportError("err.sender_id.invalid",
                             "header.sender_id is not the sender id registered for this client.", 403)
    receiver = header.get("receiver_id")
    if receiver not in (None, "", receiver_id()):
        raise TransportError("err.receiver_id.invalid", f"header.receiver_id must be “{receiver_id()}”.")
    if header.get("version", VERSION) != VERSION:
        raise HeaderRejected("rjct.version.invalid", f"Only version {VERSION} is supported.")
    stamp = parse_timestamp(header.get("message_ts"))
    if stamp is None:
        raise HeaderRejected("rjct.message_ts.invalid",
                             "header.message_ts must be an ISO-8601 timestamp with a time zone, "
                             "e.g. 2022-12-04T17:20:07-04:00.")
    skew = getattr(settings, "FUPIN_DCI_CLOCK_SKEW_SECONDS", 300)
    if stamp > timezone.now() + datetime.timedelta(seconds=skew):
        raise HeaderRejected("rjct.message_ts.invalid", "header.message_ts is in the future.")
    given = header.get("action")
    if given != action:
        if given in ACTIONS:
            raise HeaderRejected("rjct.action.invalid", f"This endpoint takes action “{action}”, not “{given}”.")
        raise HeaderRejected("rjct.action.not_supported", f"Action “{given}” is not supported.")
    total = header.get("total_count")
    if action in CALLBACK_ACTIONS:
        # A callback's header is MsgCallbackHeader_V1.0.0: a status is required, total_count is not.
        if header.get("status") not in ("rcvd", "pdng", "succ", "rjct"):
            raise TransportError("err.request.bad", "header.status is one of rcvd, pdng, succ, rjct.")
        if total is None:
            return stamp
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise HeaderRejected("rjct.total_count.invalid", "header.total_count must be a non-negative integer.")
    if items is not None:
        if total != items:
            raise HeaderRejected("rjct.total_count.invalid",
                                 f"header.total_count is {total} but the message holds {items} requests.")
        if total > max_batch():
            raise HeaderRejected("rjct.total_count.limit_exceeded",
                                 f"At most {max_batch()} requests are accepted in one message.")
    return stamp


def response_header(request_header: dict, *, action: str, status: str, total: int = 0, completed: int = 0,
                    reason_code: str = "", reason_message: str = "") -> dict:
    """A MsgCallbackHeader_V1.0.0 answering `request_header` (the same message_id, so the sender can match it)."""
    header = {"version": VERSION, "message_id": str(request_header.get("message_id") or new_id()),
              "message_ts": now_ts(), "action": action, "status": status, "total_count": total,
              "completed_count": completed, "sender_id": receiver_id(), "is_msg_encrypted": False}
    sender = request_header.get("sender_id")
    if isinstance(sender, str) and sender:
        header["receiver_id"] = sender
    if reason_code:
        header["status_reason_code"] = reason_code
    if reason_message:
        header["status_reason_message"] = reason_message[:MESSAGE_MAX]
    return header


def request_header(*, action: str, receiver: str, total: int, sender_uri: str = "") -> dict:
    """A MsgHeader_V1.0.0 for a message fupin sends (callbacks, notifications, its own searches)."""
    header = {"version": VERSION, "message_id": new_id(), "message_ts": now_ts(), "action": action,
              "sender_id": receiver_id(), "receiver_id": receiver, "total_count": total, "is_msg_encrypted": False}
    if sender_uri:
        header["sender_uri"] = sender_uri
    return header


def ack(correlation_id: str = "") -> dict:
    return {"message": {"ack_status": "ACK", "timestamp": now_ts(), "correlation_id": correlation_id}}


def ack_error(code: str, message: str, correlation_id: str = "") -> dict:
    return {"message": {"ack_status": "ERR", "timestamp": now_ts(), "correlation_id": correlation_id,
                        "error": {"code": code, "message": message[:MESSAGE_MAX]}}}


def http_errors(code: str, message: str) -> dict:
    return {"errors": [{"code": code, "message": message}]}
