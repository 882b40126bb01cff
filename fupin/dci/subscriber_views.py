"""fupin's receiver for a registry it subscribed to (`fupin dci subscriptions add`): under
/dci/subscriber/<token>/registry/ the core spec's callbacks `on-subscribe`, `notify` and `on-unsubscribe`. No bearer
token: the registry is not a fupin client. What lets a message in is the registry's signature, checked against
the keys it published (JWKS) when the subscription was made (401 `err.signature.missing` / `err.signature.invalid`),
and a header valid as MsgCallbackHeader_V1.0.0."""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import envelope as env
from . import subscriptions
from .models import PeerSubscription


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _receiver(action: str, handle):
    @csrf_exempt
    @require_POST
    def view(request, token: str):
        subscription = PeerSubscription.objects.filter(token=token).first()
        if subscription is None:
            return _json(env.http_errors("err.request.not_found", "No such subscription."), 404)
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _json(env.ack_error("err.request.bad", "The body is not JSON (UTF-8)."), 400)
        try:
            header, message = subscriptions.verify(subscription, body)
            env.check_header(header, action=action, sender_id=subscription.registry_id, items=None)
            outcome = handle(subscription, header, message)
        except subscriptions.Refusal as exc:
            if exc.http_status in (401, 403):
                return _json(env.http_errors(exc.code, exc.message), exc.http_status)
            return _json(env.ack_error(exc.code, exc.message), exc.http_status)
        except env.TransportError as exc:
            if exc.http_status in (401, 403):
                return _json(env.http_errors(exc.code, exc.message), exc.http_status)
            return _json(env.ack_error(exc.code, exc.message), exc.http_status)
        except env.HeaderRejected as exc:
            return _json(env.ack_error("err.request.bad", f"{exc.reason_code}: {exc.message}"), 400)
        correlation = str(message.get("correlation_id") or message.get("transaction_id") or "")[:99] if isinstance(
            message, dict) else ""
        answer = env.ack(correlation)
        refused = (outcome or {}).get("refused") if isinstance(outcome, dict) else None
        if refused:
            answer["message"]["error"] = {"code": "err.request.bad", "message": "; ".join(
                f"notify_event[{item['index']}] {item['reference_id']}: {item['reason']}" for item in refused
            )[:env.MESSAGE_MAX]}
        return _json(answer)
    return view


on_subscribe = _receiver("on-subscribe", subscriptions.confirm)
notify = _receiver("notify", subscriptions.receive_events)
on_unsubscribe = _receiver("on-unsubscribe", subscriptions.unsubscribed)
