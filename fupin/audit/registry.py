"""Audit action codes with translatable labels; each app registers the actions its services record."""

_LABELS: dict[str, object] = {}


def register(code: str, label) -> str:
    _LABELS[code] = label
    return code


def label_for(code: str):
    return _LABELS.get(code, code)
