import re
import uuid

from django.http import HttpResponseNotAllowed

from .context import reset_request_id, set_request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes X-Request-ID from a proxy when it is well-formed, else makes one; echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = set_request_id(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request.request_id
        return response


class RefuseTraceMiddleware:
    """TRACE (and IIS's TRACK) echo a request back, cookies included (cross-site tracing); no view here answers
    them, but Django's function views would answer any method, so they are refused before any view runs."""

    REFUSED = frozenset({"TRACE", "TRACK"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.REFUSED:
            return HttpResponseNotAllowed(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"])
        return self.get_response(request)
