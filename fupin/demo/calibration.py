"""What the calibrated demos share: counts and amounts at a scale, exact splits, and distinct valid ID numbers."""

import datetime
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fupin.accounts.history import entering_history
from fupin.core.idnumbers import check_character
from fupin.records.batches import RecordsInvalid

from .households import GIVEN, SURNAMES

# The demo's records are 2014–2020 history entered after the fact, as a county migrating its archive would enter it.
HISTORY_REASON = "演示数据：2014–2020 年历史档案补录"


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

    def history(self):
        """The 补录 session the demo's history is written in (nested in the demo command's own, if open)."""
        return entering_history(actor=self.actor, reason=HISTORY_REASON)

    def n(self, key: str) -> int:
        count = count_at(self.SEED[key] if key in self.SEED else self.CHOICES[key], self.scale)
        # A small demo still has one of these, so its card shows their figures.
        return max(count, 1) if key in self.AT_LEAST_ONE else count

    def money(self, key: str) -> Decimal:
        return money_at(self.SEED[key] if key in self.SEED else self.CHOICES[key], self.scale)

    def bulk(self, create, records: list) -> list:
        """High-volume records through their app's bulk service (`create`): the single-record rules, checked in
        sets, one transaction and one audit event per call."""
        try:
            return create(actor=self.actor, records=records)
        except RecordsInvalid as error:
            raise ValueError(f"demo records refused: {[p.as_dict() for p in error.problems[:3]]}") from error

    def imported(self, service, rows: list[list]) -> None:
        """Writes `rows` to a CSV and imports it with the service users import with (all or nothing)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "demo.csv"
            path.write_text("\n".join(",".join(str(cell) for cell in row) for row in rows) + "\n", encoding="utf-8")
            report = service(actor=self.actor, path=path)
        if report.errors:
            raise ValueError(f"demo import refused: {report.errors[:3]}")
