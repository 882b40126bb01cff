"""Errors raised by services. Each carries a translatable message so every interface can show it in zh/zh-Hant/en."""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """Base class: a request that cannot be carried out. Nothing has been written when it is raised."""

    default_message = _("The request cannot be carried out.")

    def __init__(self, message=None, **params):
        self.message = message if message is not None else self.default_message
        self.params = params
        super().__init__(str(self))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class PermissionDenied(ServiceError):
    default_message = _("You do not have permission to do this in this area.")


class NotFound(ServiceError):
    default_message = _("Not found.")


class ValidationFailed(ServiceError):
    default_message = _("The data is not valid.")

    def __init__(self, message=None, *, field: str | None = None, **params):
        self.field = field
        super().__init__(message, **params)


class Conflict(ServiceError):
    default_message = _("Someone else changed this record after you opened it; reload and try again.")
