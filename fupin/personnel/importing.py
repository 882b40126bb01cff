"""Workbook imports of the people at the front line: cadres, work teams, team members, contact leaders and
trainees, each row through the personnel services (a poor person refused as cadre, overlapping teams, a second
captain … reported with their rows), with the common contract of fupin.records.importing. People are named by ID
number; a team member's team is the one serving the village on the member's start date.

Appraisal comes in the two layouts offices keep it in: a scheme as one row per indicator (long: the rows sharing
a scheme code are one scheme, its weights checked together), and the scores of a scheme as one row per subject
with one column per indicator (wide: the columns are the scheme's indicators, named by name or code)."""

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.cooperation.importing import PARTY, find_party
from fupin.core.codelists import localized
from fupin.core.errors import ValidationFailed
from fupin.core.files.reports import FileError
from fupin.records.importing import AREA_LABELS, MEMBER_LABELS, Field, Gather, Melt, RecordSpec, Reference, importer
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Member

from . import codelists as cl
from .models import (
    AppraisalScheme,
    AppraisalScore,
    Cadre,
    CheckIn,
    ContactLeader,
    TeamMembership,
    Trainee,
    TrainingProgramme,
    WorkTeam,
)
from .services import (
    cadre_save,
    check_in_save,
    contact_save,
    membership_save,
    programme_save,
    scheme_save,
    score_save,
    team_save,
    trainee_save,
)

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


def _json_number(value: Decimal) -> int | float:
    """A number as the personnel service keeps it in a scheme's or a score's JSON (whole numbers as integers), so
    the same file imported again compares equal to what is stored."""
    return int(value) if value == value.to_integral_value() else float(value)


def _finish_scheme(values: dict) -> None:
    """A scheme gathered from its rows: weights as stored; the Chinese name where no English one is given (an
    office drawing up its scheme in Chinese has none, and the service needs one for the English pages); and its
    code not taken by a scheme of another area (which the actor could not change, only overwrite)."""
    for indicator in values["indicators"]:
        indicator.setdefault("en", indicator["zh"])
        indicator["weight"] = _json_number(indicator["weight"])
    if AppraisalScheme.objects.filter(code=values["code"]).exclude(area=values["area"]).exists():
        raise ValidationFailed(_("Another appraisal scheme has the code “%(code)s”."), field="code",
                               code=values["code"])


SCHEME_CODE = ("考核办法代码", "考核辦法代碼", "scheme code")
YEAR = Field("year", ("年度", "年度", "year"), "int")
# The columns naming the subject of a score, per kind of subject, the way the other personnel workbooks name them:
# a team by its village (and a day it served), a cadre by ID number (and name, checked), a unit as a party.
SUBJECT_FIELDS = {
    "team": (VILLAGE, Field("day", ("在岗日期", "在崗日期", "serving on", "日期", "date"), "date", False)),
    "cadre": (CADRE, Field("name", ("姓名", "姓名", "name"), "text", False)),
    "unit": (Field("unit", ("帮扶单位", "幫扶單位", "helping unit", "unit"), "unit"),),
}


def _indicator_column(indicator: dict) -> Field:
    """An indicator's column, headed by its Chinese name (in either script), its code or its English name."""
    labels = (indicator["zh"], localized(indicator["zh"], indicator["en"], "zh-hant"), indicator["code"],
              indicator["en"])
    return Field(indicator["code"], tuple(dict.fromkeys(labels)), "decimal")


def scores_spec(*, scheme: str) -> RecordSpec:
    """The wide layout of the scores under the scheme with this code: the subject's columns, then one column per
    indicator. A team is the one serving the village on the day given, by default the last day of the scheme's
    year."""
    found = AppraisalScheme.objects.filter(code=(scheme or "").strip()).first()
    if found is None or not found.code:
        raise FileError(_("No appraisal scheme has the code %(code)s."), code=scheme)
    subject = found.subject_kind

    def prepare(values: dict) -> None:
        values["scheme"] = found
        if subject == "team":
            village = values.pop("village")
            day = values.pop("day", None) or datetime.date(found.year, 12, 31)
            team = WorkTeam.objects.filter(village=village).serving_on(day).first()
            if team is None:
                raise ValidationFailed(_("No work team serves village %(code)s on that date."), field="village",
                                       code=village.code)
            values["team"] = team
        name = values.pop("name", "")
        if subject == "cadre" and name and name != values["cadre"].name:
            raise ValidationFailed(_("The name does not match the cadre with this ID number."), field="name")
        values["scores"] = {code: _json_number(score) for code, score in values["scores"].items()}

    return RecordSpec(AppraisalScore, SUBJECT_FIELDS[subject], ("scheme", subject),
                      place=lambda values: found.area_id, prepare=prepare, save=score_save,
                      melt=Melt("scores", tuple(_indicator_column(row) for row in found.indicators),
                                _("“%(value)s” is not an indicator of the scheme.")))


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
    "appraisal_schemes": RecordSpec(AppraisalScheme, (
        Field("code", SCHEME_CODE, "text"),
        Field("name", ("考核办法名称", "考核辦法名稱", "scheme name"), "text"),
        YEAR,
        Field("subject_kind", ("考核对象", "考核對象", "subject kind"), cl.SUBJECT_KIND),
        Field("area", AREA_LABELS, "area"),
        Field("indicator_code", ("指标代码", "指標代碼", "indicator code"), "text"),
        Field("indicator_zh", ("指标名称", "指標名稱", "indicator name"), "text"),
        Field("indicator_en", ("指标英文名称", "指標英文名稱", "indicator name in English"), "text", False),
        Field("weight", ("权重", "權重", "weight"), "decimal"),
    ), ("code", "indicator_code"), place=lambda values: values["area"].code, save=scheme_save,
        gather=Gather(by=("code",), into="indicators", column="weight", finish=_finish_scheme, parts={
            "indicator_code": "code", "indicator_zh": "zh", "indicator_en": "en", "weight": "weight"})),
    "appraisal_scores": scores_spec,
}
CADRE_REFERENCE = Reference(lambda text: Cadre.objects.filter(id_number=text.upper()).first(),
                            _("No cadre has the ID number %(code)s."))


def _registered_party(text: str):
    # A score names a unit already registered; an area code must not make a party on first use here.
    party = find_party(text)
    return party if party is not None and party.pk is not None else None


REFERENCES = {"party": PARTY, "cadre": CADRE_REFERENCE, "unit": Reference(_registered_party, PARTY.missing)}


personnel_import = importer("personnel", SPECS, REFERENCES, RECORDS_IMPORTED)
