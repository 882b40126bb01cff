"""Appraisal workbooks through the personnel services: schemes in the long layout (one row per indicator, the rows
of a scheme checked together), scores in the wide layout (one row per subject, one column per indicator of the
scheme), each refused cell reported with its row and column, all or nothing unless asked, and nothing changed by
importing the same file again."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.areas.models import Area
from fupin.audit.models import AuditEvent
from fupin.cooperation.models import Party
from fupin.core.files.reports import FileError
from fupin.personnel import services
from fupin.personnel.importing import personnel_import
from fupin.personnel.models import AppraisalScheme, AppraisalScore, Cadre, WorkTeam
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, system_user, write_csv

pytestmark = pytest.mark.django_db
D = datetime.date
LUSHUI, LUZHANG, SANHE, FUGONG = "533301000000", "533301102201", "533301102202", "533323000000"
SCHEME_HEADER = ["考核办法代码", "考核办法名称", "年度", "考核对象", "行政区划代码", "指标代码", "指标名称",
                 "指标英文名称", "权重"]
TEAM_SCHEME = [
    ["LS2019T", "2019年泸水市驻村工作队考核", "2019", "工作队", LUSHUI, "results", "工作实绩", "results", "60"],
    ["LS2019T", "2019年泸水市驻村工作队考核", "2019", "工作队", LUSHUI, "discipline", "组织纪律", "", "40"],
]


@pytest.fixture
def county():
    """Three teams in two villages of 泸水市: 三河 rotates on 2019-07-01."""
    load_fixture_divisions()
    unit = Party.objects.create(kind="provincial_unit", name="省农业农村厅", area=Area.objects.get(code="533300000000"))

    def team(village, start, end=None):
        return services.team_save(actor=system_user(), data={
            "village": Area.objects.get(code=village), "unit": unit, "dispatch_level": "province",
            "start_date": start, "end_date": end})

    return {"unit": unit, "luzhang": team(LUZHANG, D(2018, 1, 1)), "sanhe_first": team(SANHE, D(2018, 1, 1),
                                                                                          D(2019, 6, 30)),
            "sanhe_second": team(SANHE, D(2019, 7, 1))}


def _errors(report):
    return [(e["row"], e["column"], e["message_en"]) for e in report.as_dict()["errors"]]


def _import_team_scheme(tmp_path):
    report = personnel_import(actor=system_user(), kind="appraisal_schemes",
                              path=write_csv(tmp_path, "scheme.csv", [SCHEME_HEADER, *TEAM_SCHEME]))
    assert (report.created, report.written) == (1, True)
    return AppraisalScheme.objects.get(code="LS2019T")


def test_a_scheme_is_one_record_of_its_rows(county, tmp_path):
    path = write_csv(tmp_path, "schemes.csv", [
        SCHEME_HEADER, *TEAM_SCHEME,
        ["LS2019C", "2019年泸水市驻村干部考核", "2019", "干部", LUSHUI, "work", "驻村工作", "village work", "50"],
        ["LS2019C", "2019年泸水市驻村干部考核", "2019", "干部", LUSHUI, "attendance", "在岗情况", "attendance", "30"],
    ])
    report = personnel_import(actor=system_user(), kind="appraisal_schemes", path=path)
    # The weights of LS2019C add up to 80: both its rows are refused, in the weight column, and nothing is written.
    assert _errors(report) == [(4, "权重", "The weights add up to 80, not 100."),
                               (5, "权重", "The weights add up to 80, not 100.")]
    assert report.as_dict()["errors"][0]["message_zh"] == "权重合计为 80，而不是 100。"
    assert (report.rows, report.rejected, report.written, AppraisalScheme.objects.count()) == (4, 2, False, 0)

    dry = personnel_import(actor=system_user(), kind="appraisal_schemes", path=path, skip_invalid=True,
                           dry_run=True)
    assert (dry.rejected, dry.written, AppraisalScheme.objects.count()) == (2, False, 0)
    # A dry run counts nothing as written and what it would write (the one valid scheme) on its own.
    assert dry.as_dict()["created"] == 0
    assert dry.as_dict()["would_write"] == {"created": 1, "updated": 0, "unchanged": 0}

    kept = personnel_import(actor=system_user(), kind="appraisal_schemes", path=path, skip_invalid=True)
    assert (kept.created, kept.updated, kept.rejected, kept.written) == (1, 0, 2, True)
    scheme = AppraisalScheme.objects.get()
    assert (scheme.code, scheme.name, scheme.year, scheme.subject_kind, scheme.area_id) == (
        "LS2019T", "2019年泸水市驻村工作队考核", 2019, "team", LUSHUI)
    # No English name given: the Chinese one stands in.
    assert scheme.indicators == [{"code": "results", "zh": "工作实绩", "en": "results", "weight": 60},
                                 {"code": "discipline", "zh": "组织纪律", "en": "组织纪律", "weight": 40}]
    assert [grade["code"] for grade in scheme.grades] == ["excellent", "good", "pass", "fail"]

    events = AuditEvent.objects.filter(action="personnel.scheme_saved").count()
    again = personnel_import(actor=system_user(), kind="appraisal_schemes", path=path, skip_invalid=True)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 1, 2)
    assert AuditEvent.objects.filter(action="personnel.scheme_saved").count() == events


def test_the_rows_of_a_scheme_must_agree(county, tmp_path):
    path = write_csv(tmp_path, "schemes.csv", [
        SCHEME_HEADER, *TEAM_SCHEME,
        ["LS2019C", "2019年泸水市驻村干部考核", "2019", "干部", LUSHUI, "work", "驻村工作", "", "50"],
        ["LS2019C", "2019年泸水市驻村干部考核", "2018", "干部", LUSHUI, "attendance", "在岗情况", "", "50"],
        ["LS2019C", "2019年泸水市驻村干部考核", "2019", "干部", LUSHUI, "work", "驻村工作", "", "50"],
        ["LS2019U", "2019年帮扶单位考核", "2019", "单位", LUSHUI, "funds", "帮扶资金", "", "abc"],
        ["LS2019U", "2019年帮扶单位考核", "2019", "单位", LUSHUI, "projects", "帮扶项目", "", "50"],
    ])
    report = personnel_import(actor=system_user(), kind="appraisal_schemes", path=path, skip_invalid=True)
    assert _errors(report) == [
        (4, "考核办法代码", "Not imported: row 5 of the same record is refused."),
        (5, "年度", "The rows of one record must agree: row 4 has another value."),
        (6, "考核办法代码", "The same record is given again in row 4."),
        (7, "权重", "“abc” is not a number."),
        (8, "考核办法代码", "Not imported: row 7 of the same record is refused."),
    ]
    assert list(AppraisalScheme.objects.values_list("code", flat=True)) == ["LS2019T"]


def test_a_scheme_code_of_another_area_is_refused(county, tmp_path):
    _import_team_scheme(tmp_path)
    moved = [[*row[:4], FUGONG, *row[5:]] for row in TEAM_SCHEME]
    report = personnel_import(actor=system_user(), kind="appraisal_schemes",
                              path=write_csv(tmp_path, "moved.csv", [SCHEME_HEADER, *moved]))
    assert _errors(report) == [(2, "考核办法代码", "Another appraisal scheme has the code “LS2019T”."),
                               (3, "考核办法代码", "Another appraisal scheme has the code “LS2019T”.")]
    assert AppraisalScheme.objects.get().area_id == LUSHUI


def _scores(tmp_path, name, rows):
    return write_csv(tmp_path, name, rows)


def test_team_scores_in_the_wide_layout(county, tmp_path):
    scheme = _import_team_scheme(tmp_path)
    # Headed by an indicator's Chinese name and by another's code; 三河 without a day is the team serving at the
    # end of 2019, with 2019-03-01 the team that served before the rotation.
    path = _scores(tmp_path, "scores.csv", [
        ["驻村代码", "在岗日期", "工作实绩", "discipline"],
        [LUZHANG, "", "92", "85"],
        [SANHE, "2019-03-01", "95", "90"],
        [SANHE, "", "70", "40.3"],
    ])
    report = personnel_import(actor=system_user(), kind="appraisal_scores", path=path, scheme="LS2019T")
    assert (report.rows, report.created, report.rejected, report.written) == (3, 3, 0, True)
    expected = {
        county["luzhang"].pk: ({"results": 92, "discipline": 85}, Decimal("89.20"), "good"),  # 55.2 + 34
        county["sanhe_first"].pk: ({"results": 95, "discipline": 90}, Decimal("93.00"), "excellent"),  # 57 + 36
        county["sanhe_second"].pk: ({"results": 70, "discipline": 40.3}, Decimal("58.12"), "fail"),  # 42 + 16.12
    }
    stored = {score.team_id: (score.scores, score.total, score.grade)
              for score in AppraisalScore.objects.filter(scheme=scheme)}
    assert stored == expected
    for scores, total, grade in expected.values():
        assert services.appraisal_result(scheme, scores)[1:] == (total, grade)

    events = AuditEvent.objects.filter(action="personnel.score_saved").count()
    again = personnel_import(actor=system_user(), kind="appraisal_scores", path=path, scheme="LS2019T")
    assert (again.created, again.updated, again.unchanged, again.written) == (0, 0, 3, True)
    assert AuditEvent.objects.filter(action="personnel.score_saved").count() == events

    changed = _scores(tmp_path, "changed.csv", [["驻村代码", "工作实绩", "组织纪律"], [LUZHANG, "80", "85"]])
    report = personnel_import(actor=system_user(), kind="appraisal_scores", path=changed, scheme="LS2019T")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    score = AppraisalScore.objects.get(team=county["luzhang"])
    assert (score.total, score.grade) == (Decimal("82.00"), "good")  # 48 + 34


def test_each_wrong_cell_is_reported_and_nothing_written_unless_asked(county, tmp_path):
    _import_team_scheme(tmp_path)
    path = _scores(tmp_path, "scores.csv", [
        ["驻村代码", "在岗日期", "工作实绩", "组织纪律", "创新"],
        [LUZHANG, "", "92", "85", "10"],
        ["533301102299", "", "90", "90", ""],
        [SANHE, "2017-06-01", "90", "90", ""],
        [SANHE, "", "101", "50", ""],
        [SANHE, "2019-03-01", "", "50", ""],
        [SANHE, "2019-03-02", "x", "50", ""],
    ])
    expected = [
        (1, "创新", "“创新” is not an indicator of the scheme."),
        (3, "驻村代码", "No area has the code 533301102299."),
        (4, "驻村代码", "No work team serves village 533301102202 on that date."),
        (5, "工作实绩", "Scores are from 0 to 100; results has 101."),
        (6, "工作实绩", "A value is required."),
        (7, "工作实绩", "“x” is not a number."),
    ]
    report = personnel_import(actor=system_user(), kind="appraisal_scores", path=path, scheme="LS2019T")
    assert _errors(report) == expected
    assert report.as_dict()["errors"][3]["message_zh"] == "得分须在 0 至 100 之间；results 为 101。"
    assert (report.as_dict()["created"], report.written, AppraisalScore.objects.count()) == (0, False, 0)
    kept = personnel_import(actor=system_user(), kind="appraisal_scores", path=path, scheme="LS2019T",
                            skip_invalid=True)
    assert _errors(kept) == expected
    assert (kept.created, kept.rejected, kept.written) == (1, 6, True)
    assert list(AppraisalScore.objects.values_list("team_id", "total")) == [(county["luzhang"].pk, Decimal("89.20"))]


def test_an_indicator_without_a_column_is_missing_on_every_row(county, tmp_path):
    _import_team_scheme(tmp_path)
    path = _scores(tmp_path, "scores.csv", [["驻村代码", "results"], [LUZHANG, "92"], [SANHE, "80"]])
    report = personnel_import(actor=system_user(), kind="appraisal_scores", path=path, scheme="LS2019T",
                              skip_invalid=True)
    assert _errors(report) == [(2, "组织纪律", "A value is required."), (3, "组织纪律", "A value is required.")]
    assert (report.created, AppraisalScore.objects.count()) == (0, 0)


def test_cadre_and_unit_subjects(county, tmp_path):
    lushui = Area.objects.get(code=LUSHUI)
    kept_by = {"area": lushui, "unit_name": "泸水市农业农村局"}
    wang = services.cadre_save(actor=system_user(), data={
        **kept_by, "name": "王队员", "id_number": id_number("533301", "19800101", "011")})
    li = services.cadre_save(actor=system_user(), data={
        **kept_by, "name": "李队员", "id_number": id_number("533301", "19810101", "013")})
    personnel_import(actor=system_user(), kind="appraisal_schemes", path=write_csv(tmp_path, "schemes.csv", [
        SCHEME_HEADER,
        ["LS2019C", "干部考核", "2019", "干部", LUSHUI, "work", "驻村工作", "", "70"],
        ["LS2019C", "干部考核", "2019", "干部", LUSHUI, "attendance", "在岗情况", "", "30"],
        ["LS2019U", "单位考核", "2019", "单位", LUSHUI, "funds", "帮扶资金", "", "100"],
    ]))
    unknown = id_number("533301", "19900101", "015")
    cadres = personnel_import(actor=system_user(), kind="appraisal_scores", scheme="LS2019C", skip_invalid=True,
                              path=_scores(tmp_path, "cadres.csv", [
                                  ["证件号码", "姓名", "驻村工作", "在岗情况"],
                                  [wang.id_number, "王队员", "90", "100"],
                                  [li.id_number, "张三", "80", "80"],
                                  [unknown, "", "80", "80"],
                              ]))
    assert _errors(cadres) == [(3, "姓名", "The name does not match the cadre with this ID number."),
                               (4, "证件号码", f"No cadre has the ID number {unknown}.")]
    score = AppraisalScore.objects.get(cadre=wang)
    assert (score.scores, score.total, score.grade) == ({"work": 90, "attendance": 100}, Decimal("93.00"),
                                                        "excellent")
    units = personnel_import(actor=system_user(), kind="appraisal_scores", scheme="LS2019U", skip_invalid=True,
                             path=_scores(tmp_path, "units.csv", [
                                 ["帮扶单位", "帮扶资金"], ["省农业农村厅", "59.99"], ["不存在的单位", "80"]]))
    assert [(row, column) for row, column, _message in _errors(units)] == [(3, "帮扶单位")]
    score = AppraisalScore.objects.get(unit=county["unit"])
    assert (score.scores, score.total, score.grade) == ({"funds": 59.99}, Decimal("59.99"), "fail")
    assert not Cadre.objects.filter(id_number=unknown).exists()


def test_permission_and_an_unknown_scheme(county, tmp_path):
    _import_team_scheme(tmp_path)
    path = _scores(tmp_path, "scores.csv", [["驻村代码", "工作实绩", "组织纪律"], [LUZHANG, "92", "85"]])
    elsewhere = make_user(actions=["view", "change", "import"], area=FUGONG)
    report = personnel_import(actor=elsewhere, kind="appraisal_scores", path=path, scheme="LS2019T")
    assert _errors(report) == [(2, "驻村代码", "533301000000 is outside the areas granted to you.")]
    assert AppraisalScore.objects.count() == 0
    with pytest.raises(FileError):
        personnel_import(actor=system_user(), kind="appraisal_scores", path=path, scheme="NOPE")


def test_the_import_command(county, tmp_path, capsys):
    schemes = write_csv(tmp_path, "scheme.csv", [SCHEME_HEADER, *TEAM_SCHEME])
    call_command("import", "appraisal-schemes", str(schemes), "--dry-run", "--format", "json")
    assert json.loads(capsys.readouterr().out) == {
        "rows": 2, "created": 0, "updated": 0, "unchanged": 0, "rejected": 0, "dry_run": True, "written": False,
        "would_write": {"created": 1, "updated": 0, "unchanged": 0}, "errors": []}
    assert AppraisalScheme.objects.count() == 0
    call_command("import", "appraisal-schemes", str(schemes), "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 1
    bad = _scores(tmp_path, "scores.csv", [["驻村代码", "工作实绩", "组织纪律"], [LUZHANG, "92", "85"],
                                           [SANHE, "92", "185"]])
    with pytest.raises(CommandError):
        call_command("import", "appraisal-scores", str(bad), "--scheme", "LS2019T", "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    assert ({k: v for k, v in summary.items() if k != "errors"}, [(e["row"], e["column"]) for e in summary["errors"]]
            ) == ({"rows": 2, "created": 0, "updated": 0, "unchanged": 0, "rejected": 1, "dry_run": False,
                   "written": False}, [(3, "组织纪律")])
    call_command("import", "appraisal-scores", str(bad), "--scheme", "LS2019T", "--skip-invalid", "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 1
    assert WorkTeam.objects.get(pk=AppraisalScore.objects.get().team_id).village_id == LUZHANG
    with pytest.raises(CommandError):
        call_command("import", "appraisal-scores", str(bad), "--scheme", "NOPE", "--format", "json")
