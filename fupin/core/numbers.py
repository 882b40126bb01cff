"""Numbers the way officials write them: 37.22 万人, 133.08 亿元 in Chinese; thousands separators in English."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language

WAN, YI = 10_000, 100_000_000


def _two_places(value: Decimal) -> str:
    text = str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return text.rstrip("0").rstrip(".") if "." in text else text


def _in_unit(number: Decimal, unit: int) -> bool:
    """Whether to write the number in 万 or 亿: when nothing is lost at two decimals (75 万, 28.47 万, 83.82 亿),
    or when it is large enough that officials round it anyway (≥ 100 of the unit); otherwise in full (11,652)."""
    return abs(number) >= unit and (number % (unit // 100) == 0 or abs(number) >= 100 * unit)


def large_number(value, *, language: str | None = None) -> str:
    """A count or an amount for display, in Chinese with 万 or 亿 as the reports write them (37.22 万, 133.08 亿,
    but 11,652 人: a figure is never rounded below a 万 it does not fill)."""
    if value is None:
        return ""
    number = Decimal(str(value))
    if (language or get_language() or "zh-hans").startswith("zh"):
        if _in_unit(number, YI):
            return f"{_two_places(number / YI)} 亿"
        if _in_unit(number, WAN):
            return f"{_two_places(number / WAN)} 万"
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def display(value, unit: str) -> str:
    """A figure as a report card shows it: a share as a percentage, anything else as a large number and its unit."""
    if unit == "%":
        return percent(value)
    return f"{large_number(value)} {unit}".strip()


def percent(fraction, places: int = 2) -> str:
    """0.2669 → "26.69%" (half up, as statistics bulletins round)."""
    if fraction is None:
        return ""
    value = (Decimal(str(fraction)) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{value}%"
