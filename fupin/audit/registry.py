"""Audit action codes with translatable labels; each app registers the actions its services record."""

from django.utils.translation import gettext_lazy as _

_LABELS: dict[str, object] = {}


def register(code: str, label) -> str:
    _LABELS[code] = label
    return code


def label_for(code: str):
    return _LABELS.get(code, code)


SENSITIVE_VIEWED = register("audit.sensitive_viewed", _("viewed an unmasked sensitive value"))
