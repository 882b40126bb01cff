"""What every service does to a record before saving it: take the caller's values for the fields it may set,
and keep the fields' values for the audit trail."""

from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed


def field_values(instance, fields) -> dict:
    """Field values for the audit trail; foreign keys by their id, so the event stays readable without joins."""
    return {name: getattr(instance, instance._meta.get_field(name).attname) for name in fields}


def apply_fields(instance, data: dict, fields) -> None:
    """Set the given values on the record, refusing any field the service does not let callers set."""
    for name, value in data.items():
        if name not in fields:
            raise ValidationFailed(_("Unknown field “%(field)s”."), field=name)
        setattr(instance, name, value)
