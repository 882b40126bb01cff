"""Workbook imports of the people at the front line: cadres, work teams, team members, contact leaders and
trainees, each row through the personnel services (a poor person refused as cadre, overlapping teams, a second
captain … reported with their rows), with the common contract of fupin.imports.records. People are named by ID
number; a team member's team is the one serving the village on the member's start date."""


from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.cooperation.importing import PARTY
from fupin.core.errors import ValidationFailed
from fupin.imports.records import AREA_LABELS, MEMBER_LABELS, Field, RecordSpec, Reference, importer
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Member

from . import codelists as cl
from .models import Cadre, CheckIn, ContactLeader, TeamMembership, Trainee, TrainingProgramme, WorkTeam
from .services import cadre_save, check_in_save, contact_save, membership_save, programme_save, team_save, trainee_save

RECORDS_IMPORTED = audit_registry.register("personnel.imported", _("imported personnel records"))

START = Field("start_date", ("开始日期", "開始日期", "start date"), "date")
END = Field("end_date", ("结束日期", "結束日期", "end date"), "date", False)
VILLAGE = Field("village", ("驻村代码", "駐村代碼", "village code", "village"), "area")
CADRE = Field("cadre", MEMBER_LABELS, "cadre")


def _team_of(values: dict) -> None:
    """The team serving the village on the member's start date."""
    village = values.pop("village")
    team = WorkTeam.objects.filter(village=village).serving_on(values["start_date"]).first()
    if team is None:
        raise ValidationFailed(_("No work team serves village %(code)s on that date."), field="village",
                               code=village.code)
    values["team"] = team


def _membership_of(values: dict) -> None:
    """The cadre's membership in the team serving the village on the day of the check-in."""
    village, cadre, day = values.pop("village"), values.pop("cadre"), values["day"]
    membership = TeamMembership.objects.select_related("team").filter(
        team__village=village, cadre=cadre).serving_on(day).filter(team__start_date__lte=day).first()
    if membership is None:
        raise ValidationFailed(_("The cadre does not serve in village %(code)s on that day."), field="cadre",
                               code=village.code)
    values["membership"] = membership


def _trainee_of(values: dict) -> None:
    """The programme by name and year; the person as a registered member or, failing that, a cadre."""
    programmes = list(TrainingProgramme.objects.filter(name=values.pop("programme_name"),
                                                       year=values.pop("year"))[:2])
    if len(programmes) != 1:
        raise ValidationFailed(_("No single training programme has this name and year."), field="programme_name")
    values["programme"] = programmes[0]
    number = values.pop("person").upper()
    member = Member.objects.filter(id_number=number, is_active=True).first()
    cadre = None if member else Cadre.objects.filter(id_number=number).first()
    if member is None and cadre is None:
        raise ValidationFailed(_("Nobody registered has the ID number %(code)s."), field="person", code=number)
    values["member"], values["cadre"] = member, cadre


SPECS = {
    "cadres": RecordSpec(Cadre, (
        Field("name", ("姓名", "姓名", "name"), "text"),
        Field("id_number", MEMBER_LABELS, "text"),
        Field("sex", ("性别", "性別", "sex"), registry_codes.SEX),
        Field("area", ("管理区划代码", "管理區劃代碼", "keeping area"), "area"),
        Field("unit", ("所在单位", "所在單位", "unit"), "party", False),
        Field("unit_name", ("单位名称", "單位名稱", "unit name"), "text", False),
        Field("position", ("职务", "職務", "position"), "text", False),
        Field("phone", ("联系电话", "聯繫電話", "phone"), "text", False),
        Field("party_member", ("中共党员", "中共黨員", "party member"), "bool", False),
    ), ("id_number",), place=lambda values: values["area"].code, save=cadre_save),
    "teams": RecordSpec(WorkTeam, (
        VILLAGE,
        Field("unit", ("派出单位", "派出單位", "dispatching unit"), "party"),
        Field("dispatch_level", ("选派层级", "選派層級", "dispatch level"), cl.DISPATCH_LEVEL),
        START, END,
    ), ("village", "start_date"), place=lambda values: values["village"].code, save=team_save),
    "members": RecordSpec(TeamMembership, (
        VILLAGE, CADRE,
        Field("role", ("驻村职务", "駐村職務", "role"), cl.TEAM_ROLE),
        Field("dispatch_level", ("选派层级", "選派層級", "dispatch level"), cl.DISPATCH_LEVEL, False),
        START, END,
    ), ("team", "cadre", "role", "start_date"), place=lambda values: values["team"].village_id, prepare=_team_of,
        save=membership_save),
    "contacts": RecordSpec(ContactLeader, (
        CADRE,
        Field("level", ("联系领导层级", "聯繫領導層級", "level"), cl.LEADER_LEVEL),
        Field("area", AREA_LABELS, "area"),
        START, END,
    ), ("cadre", "area", "start_date"), place=lambda values: values["area"].code, save=contact_save),
    "trainees": RecordSpec(Trainee, (
        Field("programme_name", ("培训名称", "培訓名稱", "programme"), "text"),
        Field("year", ("年度", "年度", "year"), "int"),
        Field("person", MEMBER_LABELS, "text"),
        Field("completed", ("是否结业", "是否結業", "completed"), "bool", False),
        Field("moved_into_job", ("是否就业", "是否就業", "moved into a job"), "bool", False),
        Field("job_date", ("就业日期", "就業日期", "job date"), "date", False),
    ), ("programme", "member", "cadre"), place=lambda values: values["programme"].area_id, prepare=_trainee_of,
        save=trainee_save),
    "programmes": RecordSpec(TrainingProgramme, (
        Field("name", ("培训名称", "培訓名稱", "programme"), "text"),
        Field("year", ("年度", "年度", "year"), "int"),
        Field("area", AREA_LABELS, "area"),
        Field("kind", ("培训类别", "培訓類別", "kind"), cl.TRAINING_KIND),
        Field("budget", ("培训经费", "培訓經費", "budget"), "money", False),
        Field("organiser", ("组织单位", "組織單位", "organised by"), "party", False),
    ), ("name", "year", "area"), place=lambda values: values["area"].code, save=programme_save),
    "check_ins": RecordSpec(CheckIn, (
        VILLAGE, CADRE,
        Field("day", ("日期", "日期", "day"), "date"),
        Field("latitude", ("纬度", "緯度", "latitude"), "decimal", False),
        Field("longitude", ("经度", "經度", "longitude"), "decimal", False),
    ), ("membership", "day"), place=lambda values: values["membership"].team.village_id, prepare=_membership_of,
        save=check_in_save),
}
CADRE_REFERENCE = Reference(lambda text: Cadre.objects.filter(id_number=text.upper()).first(),
                            _("No cadre has the ID number %(code)s."))
REFERENCES = {"party": PARTY, "cadre": CADRE_REFERENCE}


personnel_import = importer("personnel", SPECS, REFERENCES, RECORDS_IMPORTED)
