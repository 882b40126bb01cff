"""Service errors become HTTP answers with their translated message."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from fupin.core import errors

STATUS = {
    errors.PermissionDenied: status.HTTP_403_FORBIDDEN,
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.ValidationFailed: status.HTTP_400_BAD_REQUEST,
    errors.Conflict: status.HTTP_409_CONFLICT,
}


def exception_handler(exc, context):
    if isinstance(exc, errors.ServiceError):
        code = next((value for kind, value in STATUS.items() if isinstance(exc, kind)), status.HTTP_400_BAD_REQUEST)
        body = {"detail": str(exc)}
        if getattr(exc, "field", None):
            body["field"] = exc.field
        if getattr(exc, "problems", None):
            body["problems"] = [problem.as_dict() for problem in exc.problems]
        return Response(body, status=code)
    return drf_exception_handler(exc, context)
