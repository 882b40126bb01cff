"""Error pages in the user's language, and the safety net that turns a record or area a page cannot find into one.

A page that names an unknown area code or record id is a 404 page, never a server error: the views ask their
selectors, which answer NotFound (or PermissionDenied: a page never confirms that a record it will not show
exists). Views should turn those into 404 themselves (`fupin.core.pages.or_404`); the middleware catches the ones
that slip through (a selector that looks a record up by its key): a person sees "not found", not "server error".
"""

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponseServerError
from django.template import loader
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

NOT_FOUND_ERRORS = (NotFound, PermissionDenied, ObjectDoesNotExist)


@requires_csrf_token
def page_not_found(request, exception=None, template_name="web/404.html"):
    response = TemplateResponse(request, template_name, {"path": request.path}, status=404)
    response.render()
    return response


@requires_csrf_token
def bad_request(request, exception=None, template_name="web/400.html"):
    message = str(exception) if isinstance(exception, ValidationFailed) else ""
    response = TemplateResponse(request, template_name, {"message": message}, status=400)
    response.render()
    return response


@requires_csrf_token
def server_error(request, template_name="web/500.html"):
    """Rendered without the request's context: whatever failed (the database, a context processor) must not fail
    this page too. The template reads no user, no session, no database."""
    try:
        template = loader.get_template(template_name)
        return HttpResponseServerError(template.render({"request_id": getattr(request, "request_id", "")}))
    except Exception:  # the last resort must answer even when templates cannot be loaded
        log.exception("the 500 page could not be rendered")
        return HttpResponseServerError(_("Server error. The error has been recorded; please try again later."),
                                       content_type="text/plain; charset=utf-8")


class ErrorsAsPagesMiddleware:
    """An area, household or other record a page asked for and did not find is a 404 page in the user's language;
    a ValidationFailed a page did not catch is a 400 page with its message. The API answers its own errors
    (fupin.api.exceptions), so its paths are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NOT_FOUND_ERRORS):
            return page_not_found(request, exception)
        if isinstance(exception, ValidationFailed):
            return bad_request(request, exception)
        return None
