"""What the calibrated demos share: counts and amounts at a scale, exact splits, and distinct valid ID numbers."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.registry.idnumbers import check_character

from .households import GIVEN, SURNAMES

DEMO_LOADED = audit_registry.register("demo.records_loaded", _("loaded demo records"))


def count_at(value: int, scale: Decimal) -> int:
    return int((Decimal(value) * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money_at(value: Decimal, scale: Decimal) -> Decimal:
    return (value * scale).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def split(total, parts: int, unit) -> list:
    """`total` in `parts` as equal as the unit allows (the remainder one unit each to the first)."""
    units = int(total / unit)
    base, extra = divmod(units, parts)
    return [(base + (1 if k < extra else 0)) * unit for k in range(parts)]


class Identities:
    """Valid, distinct ID numbers: each (birth date, sequence) pair is used once, whatever the region."""

    def __init__(self, first_day: datetime.date, days: int, sequence_offset: int):
        self.first_day, self.days, self.offset, self.used = first_day, days, sequence_offset, 0

    def next(self, region: str, male: bool) -> str:
        index, self.used = self.used, self.used + 1
        birth = self.first_day + datetime.timedelta(days=index % self.days)
        sequence = (self.offset + index // self.days) * 2 + (1 if male else 2)
        first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
        return first17 + check_character(first17)


def family(serial: int, size: int, region: str, ethnicity: str, adults: Identities, children: Identities) -> list:
    """The members of a calibrated household: a head, a spouse, then school children; names from the serial."""
    name = SURNAMES[serial % len(SURNAMES)]
    members = [{"name": name + GIVEN[serial % len(GIVEN)] + GIVEN[(serial // 7) % len(GIVEN)], "relation": "户主",
                "id_number": adults.next(region, True), "ethnicity": ethnicity, "education": "小学",
                "school_status": "非在校生", "health": "健康", "labour": "普通劳动力", "in_basic_medical": "是"}]
    for j in range(1, size):
        spouse = j == 1
        members.append({"name": (SURNAMES[(serial + 3) % len(SURNAMES)] if spouse else name)
                        + GIVEN[(serial + j) % len(GIVEN)], "relation": "配偶" if spouse else "之子",
                        "id_number": (adults if spouse else children).next(region, not spouse),
                        "ethnicity": ethnicity, "health": "健康", "in_basic_medical": "是",
                        "labour": "普通劳动力" if spouse else "无劳动力",
                        "school_status": "非在校生" if spouse else "小学"})
    return members


class CalibratedDemo:
    """A demo whose records reproduce a seed's figures at `scale`: `SEED` holds the seed's values, `CHOICES` the
    values the demo chooses where the seed gives none or only a bound; `n(key)` is either at the scale."""

    name = ""
    SEED: dict = {}
    CHOICES: dict = {}
    AT_LEAST_ONE: frozenset = frozenset()

    def __init__(self, *, actor, scale: Decimal = Decimal(1), log=print):
        self.actor, self.scale, self.log = actor, Decimal(scale), log

    def n(self, key: str) -> int:
        count = count_at(self.SEED[key] if key in self.SEED else self.CHOICES[key], self.scale)
        # A small demo still has one of these, so its card shows their figures.
        return max(count, 1) if key in self.AT_LEAST_ONE else count

    def money(self, key: str) -> Decimal:
        return money_at(self.SEED[key] if key in self.SEED else self.CHOICES[key], self.scale)

    def audited(self, object_type: str, count: int) -> None:
        """High-volume records are inserted in batches, consistent by construction: one audit event per kind."""
        audit_record(actor=self.actor, action=DEMO_LOADED, object_type=object_type, object_id=self.name,
                     after={"rows": count, "scale": str(self.scale)})

    def bulk(self, model, rows: list) -> list:
        created = model.objects.bulk_create(rows, batch_size=5000)
        self.audited(model._meta.label_lower, len(rows))
        return created
