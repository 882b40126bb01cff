"""Import of a village's household roster (农户花名册) through the common record import: every rejected row
explained (row, column, reason in Chinese and English), all or nothing unless `skip_invalid`, idempotent on
(village, year, roster number), Excel's habits handled by the file toolkit (a CSV saved by Excel, full-width
digits, 15-digit ID numbers).

The head's ID number, when given, links the row to the registry household whose active member holds it, so the
survey knows which roster households are registered."""

from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.core import areacodes as codes
from fupin.core.errors import ValidationFailed
from fupin.core.idnumbers import IdNumberError, parse_id_number
from fupin.records.importing import AREA_LABELS, Field, RecordSpec, importer
from fupin.registry.models import Member

from .models import RosterHousehold

ROSTER_IMPORTED = audit_registry.register("evaluation.roster_imported", _("imported a household roster"))


def _roster_prepare(values: dict) -> None:
    if values["village"].level != codes.Level.VILLAGE:
        raise ValidationFailed(_("A roster is of a village; %(code)s is not one."), field="village",
                               code=values["village"].code)
    text = values.get("head_id_number") or ""
    try:
        values["head_id_number"] = parse_id_number(text).number if text else ""
    except IdNumberError as error:  # reported in the ID number's column
        raise ValidationFailed(error.message, field="head_id_number", **error.params) from None
    member = Member.objects.filter(id_number=values["head_id_number"], is_active=True).only(
        "household_id").first() if values["head_id_number"] else None
    values["household_id"] = member.household_id if member else None


def _roster_rules(row: RosterHousehold) -> None:
    if not (row.head_name or "").strip():
        raise ValidationFailed(_("Give the head of household's name."), field="head_name")
    if not row.persons or row.persons < 1:
        raise ValidationFailed(_("A household has at least one person."), field="persons")
    if not 2013 <= row.year <= 2100:
        raise ValidationFailed(_("The year %(year)s is not a year of the roster."), field="year", year=row.year)


SPECS = {
    "roster": RecordSpec(RosterHousehold, (
        Field("village", AREA_LABELS, "area"),
        Field("year", ("年度", "年度", "year"), "int"),
        Field("number", ("花名册序号", "花名冊序號", "roster number"), "text"),
        Field("head_name", ("户主姓名", "戶主姓名", "head of household"), "text"),
        Field("head_id_number", ("户主证件号码", "戶主證件號碼", "head's ID number"), "text", False),
        Field("persons", ("家庭人口", "家庭人口", "persons"), "int"),
    ), ("village", "year", "number"), place=lambda values: values["village"].code, rules=_roster_rules,
        prepare=_roster_prepare),
}

roster_import = importer("evaluation", SPECS, {}, ROSTER_IMPORTED)
