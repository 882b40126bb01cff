"""What every service does to a record before saving it: take the caller's values for the fields it may set,
and keep the fields' values for the audit trail."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
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


CENT = Decimal("0.01")


def money_sum(queryset, field: str) -> Decimal:
    """The sum of a money column to the cent. SQLite sums decimals as floating point (83,820,000.0000002), so the
    total is rounded back to the column's two places on every database alike."""
    total = queryset.aggregate(total=Sum(field))["total"]
    return Decimal(total or 0).quantize(CENT, rounding=ROUND_HALF_UP)
