"""Looking up policy for a year and a province: a province's own row wins over the national one, and rules
with an effective year apply from that year until a later row replaces them."""

from dataclasses import dataclass, field
from decimal import Decimal

from .models import NATIONAL, ExitCondition, ExitThreshold, MonitoringThreshold, PolicyParameter, PovertyLine

# The household exit conditions the evaluation knows how to check (rows switch them on and off).
EXIT_CONDITIONS = ("income_above_line", "food_secure", "clothing_secure", "education_secure", "medical_secure",
                   "housing_secure", "water_secure", "not_identified_same_year", "not_returned_same_year")


def _effective(rows, year: int, key) -> dict:
    """The row in force in `year` for each key: the latest effective year not after it."""
    chosen: dict = {}
    for row in sorted(rows, key=lambda r: r.effective_year):
        if row.effective_year <= year:
            chosen[key(row)] = row
    return chosen


@dataclass
class YearPolicy:
    """Every policy value of one year, loaded once, for evaluations in sets."""

    year: int
    lines: dict = field(default_factory=dict)  # (series, province) -> amount
    thresholds: dict = field(default_factory=dict)  # province -> amount
    exit_thresholds: dict = field(default_factory=dict)  # (level, region_class, province) -> max incidence
    parameters: dict = field(default_factory=dict)  # (code, province) -> value
    conditions: dict = field(default_factory=dict)  # (code, province) -> enabled

    @classmethod
    def load(cls, year: int) -> "YearPolicy":
        policy = cls(year)
        for row in PovertyLine.objects.filter(year=year):
            policy.lines[(row.series, row.province_code)] = row.amount
        for row in MonitoringThreshold.objects.filter(year=year):
            policy.thresholds[row.province_code] = row.amount
        for key, row in _effective(ExitThreshold.objects.all(), year,
                                   lambda r: (r.level, r.region_class, r.province_code)).items():
            policy.exit_thresholds[key] = row.max_incidence
        for key, row in _effective(PolicyParameter.objects.all(), year, lambda r: (r.code, r.province_code)).items():
            policy.parameters[key] = row.value
        for key, row in _effective(ExitCondition.objects.all(), year, lambda r: (r.code, r.province_code)).items():
            policy.conditions[key] = row.enabled
        return policy

    @staticmethod
    def lines_of_years(years, province: str, series: str = PovertyLine.Series.WORKING) -> dict[int, Decimal | None]:
        """Each year's line for a province (its own, else the national one) in one query, for pages that show
        many years (a household's file) where loading each year's whole policy would cost five queries a year."""
        found: dict[tuple[int, str], Decimal] = {
            (year, code): amount for year, code, amount in PovertyLine.objects.filter(
                year__in=set(years), series=series, province_code__in=[province, NATIONAL]).values_list(
                "year", "province_code", "amount")}
        return {year: found.get((year, province), found.get((year, NATIONAL))) for year in years}

    def line(self, province: str, series: str = PovertyLine.Series.WORKING) -> Decimal | None:
        return self.lines.get((series, province), self.lines.get((series, NATIONAL)))

    def monitoring_threshold(self, province: str) -> Decimal | None:
        return self.thresholds.get(province, self.thresholds.get(NATIONAL))

    def exit_threshold(self, level: str, region_class: str, province: str) -> Decimal | None:
        return self.exit_thresholds.get((level, region_class, province),
                                        self.exit_thresholds.get((level, region_class, NATIONAL)))

    def parameter(self, code: str, province: str) -> Decimal | None:
        return self.parameters.get((code, province), self.parameters.get((code, NATIONAL)))

    def exit_conditions(self, province: str) -> list[str]:
        enabled = []
        for code in EXIT_CONDITIONS:
            value = self.conditions.get((code, province), self.conditions.get((code, NATIONAL)))
            if value:
                enabled.append(code)
        return enabled
