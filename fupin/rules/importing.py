"""The policy table format shared by `fupin rules import` and the seed migration.

Columns: kind (poverty_line | monitoring_threshold | exit_threshold | parameter | exit_condition), code, year,
province_code, value, certainty (V/L/C/U), source. `code` is the series for lines, `level/region_class` for exit
thresholds, the parameter or condition name otherwise; for conditions the value is 1 (on) or 0 (off).
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from fupin.core.files.tabular import Column

from .policy import EXIT_CONDITIONS

POLICY_COLUMNS = [
    Column("kind", ("类型", "類型", "kind")),
    Column("code", ("代码", "代碼", "系列", "code", "series"), required=False),
    Column("year", ("年度", "生效年度", "year", "effective year")),
    Column("province_code", ("省级代码", "省級代碼", "省份代码", "province", "province_code"), required=False),
    Column("value", ("值", "金额", "金額", "value", "amount")),
    Column("certainty", ("核实状态", "核實狀態", "certainty", "status"), required=False),
    Column("source", ("来源", "來源", "source"), required=False),
]
KINDS = ("poverty_line", "monitoring_threshold", "exit_threshold", "parameter", "exit_condition")
SERIES = ("nbs", "working")
LEVELS = ("village", "county")
REGIONS = ("east", "central", "west")


class PolicyRowError(ValueError):
    def __init__(self, column: str, message, **params):
        self.column, self.message, self.params = column, message, params
        super().__init__(str(message) % params if params else str(message))


def parse_policy_row(values: dict) -> tuple[str, dict, dict]:
    """(model name, unique lookup, other fields) of one policy row; PolicyRowError names the bad column."""
    kind = values.get("kind", "").strip()
    if kind not in KINDS:
        raise PolicyRowError("kind", _("Unknown kind “%(value)s”."), value=kind)
    code = values.get("code", "").strip()
    try:
        year = int(str(values.get("year", "")).strip())
    except ValueError:
        raise PolicyRowError("year", _("“%(value)s” is not a year."), value=values.get("year")) from None
    province = values.get("province_code", "").strip()
    if province and (len(province) != 2 or not province.isdigit()):
        raise PolicyRowError("province_code", _("A province code has two digits."))
    try:
        value = Decimal(str(values.get("value", "")).strip())
    except InvalidOperation:
        raise PolicyRowError("value", _("“%(value)s” is not a number."), value=values.get("value")) from None
    if value < 0:
        raise PolicyRowError("value", _("This amount cannot be negative."))
    certainty = (values.get("certainty") or "V").strip().upper()
    if certainty not in {"V", "L", "C", "U"}:
        raise PolicyRowError("certainty", _("Certainty is one of V, L, C, U."))
    common = {"certainty": certainty, "source": (values.get("source") or "").strip()[:300]}
    if kind == "poverty_line":
        if code not in SERIES:
            raise PolicyRowError("code", _("A poverty line's series is nbs or working."))
        return "PovertyLine", {"year": year, "series": code, "province_code": province}, {"amount": value, **common}
    if kind == "monitoring_threshold":
        return "MonitoringThreshold", {"year": year, "province_code": province}, {"amount": value, **common}
    if kind == "exit_threshold":
        level, _slash, region = code.partition("/")
        if level not in LEVELS or region not in REGIONS:
            raise PolicyRowError("code", _("An exit threshold's code is level/region, e.g. village/west."))
        if value >= 1:
            raise PolicyRowError("value", _("An incidence is a fraction below 1 (0.03 for 3 %)."))
        return "ExitThreshold", {"level": level, "region_class": region, "effective_year": year,
                                 "province_code": province}, {"max_incidence": value, **common}
    if kind == "exit_condition":
        if code not in EXIT_CONDITIONS:
            raise PolicyRowError("code", _("Unknown exit condition “%(value)s”."), value=code)
        return "ExitCondition", {"code": code, "effective_year": year, "province_code": province}, {
            "enabled": value != 0, **common}
    if not code:
        raise PolicyRowError("code", _("A value is required."))
    return "PolicyParameter", {"code": code, "effective_year": year, "province_code": province}, {
        "value": value, **common}
