import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from fupin.audit.models import AuditEvent
from fupin.core.files.tabular import csv_text
from fupin.rules.models import Certainty, ExitThreshold, MonitoringThreshold, PolicyParameter, PovertyLine
from fupin.rules.policy import YearPolicy
from fupin.testing.factories import load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db
HEADER = ["kind", "code", "year", "province_code", "value", "certainty", "source"]


def test_seeded_policy_marks_unverified_values():
    assert PovertyLine.objects.get(year=2019, series="working", province_code="").certainty == Certainty.UNVERIFIED
    assert PovertyLine.objects.get(year=2014, series="working", province_code="").amount == Decimal("2736")
    assert ExitThreshold.objects.get(level="county", region_class="west").max_incidence == Decimal("0.03")
    assert {m.certainty for m in MonitoringThreshold.objects.filter(province_code="")} == {"U"}


def test_import_updates_by_key_and_a_province_overrides_the_nation(tmp_path, capsys):
    path = tmp_path / "policy.csv"
    path.write_text(csv_text([HEADER, ["poverty_line", "working", "2019", "", "3747", "V", "confirmed"],
                              ["poverty_line", "working", "2019", "61", "4100", "L", "陕西省定标准"],
                              ["parameter", "elimination_min_stable_months", "2023", "46", "12", "L", "海南"]]),
                    encoding="utf-8")
    call_command("rules", "import", str(path), "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (2, 1, 0)
    policy = YearPolicy.load(2019)
    assert (policy.line("61"), policy.line("53")) == (Decimal("4100"), Decimal("3747"))
    assert PovertyLine.objects.get(year=2019, series="working", province_code="").certainty == "V"
    assert YearPolicy.load(2024).parameter("elimination_min_stable_months", "46") == Decimal("12")
    assert YearPolicy.load(2022).parameter("elimination_min_stable_months", "46") == Decimal("6")
    assert AuditEvent.objects.filter(action="rules.policy_imported").count() == 1


def test_import_reports_bad_rows_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "policy.csv"
    path.write_text(csv_text([HEADER, ["poverty_line", "daily", "2019", "", "10", "V", ""],
                              ["exit_threshold", "village/west", "2019", "", "3", "V", ""],
                              ["parameter", "recognition_min", "二〇一九", "", "0.9", "V", ""],
                              ["monitoring_threshold", "", "2023", "530", "8000", "V", ""],
                              ["exit_condition", "has_pension", "2019", "", "1", "X", ""]]), encoding="utf-8")
    counts = [model.objects.count() for model in (PovertyLine, ExitThreshold, PolicyParameter, MonitoringThreshold)]
    with pytest.raises(CommandError):
        call_command("rules", "import", str(path), "--format", "json")
    errors = [(e["row"], e["column"], e["message_en"]) for e in json.loads(capsys.readouterr().out)["errors"]]
    assert errors == [
        (2, "代码", "A poverty line's series is nbs or working."),
        (3, "值", "An incidence is a fraction below 1 (0.03 for 3 %)."),
        (4, "年度", "“二〇一九” is not a year."),
        (5, "省级代码", "A province code has two digits."),
        (6, "核实状态", "Certainty is one of V, L, C, U."),
    ]
    assert [model.objects.count() for model in (PovertyLine, ExitThreshold, PolicyParameter,
                                                MonitoringThreshold)] == counts
    assert ExitThreshold.objects.get(level="village", region_class="west").max_incidence == Decimal("0.03")


def test_only_policy_administrators_import(tmp_path):
    from fupin.rules import services

    path = tmp_path / "policy.csv"
    path.write_text(csv_text([HEADER, ["poverty_line", "working", "2019", "", "1", "V", ""],
                              ["poverty_line", "working", "2019", "53", "4000", "V", ""]]), encoding="utf-8")
    load_fixture_divisions()
    yunnan_admin = make_user(actions=["administer"], area="530000000000")
    report = services.policy_import(actor=yunnan_admin, path=path)
    assert [(e.row, e.text("en")) for e in report.errors] == [
        (2, "You do not have permission to do this in this area.")]
    assert not report.written


def test_admin_edits_are_audited(client):
    admin = make_user(username="boss", actions=["administer"], area=None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    parameter = PolicyParameter.objects.get(code="recognition_min")
    url = reverse("admin:rules_policyparameter_change", args=[parameter.pk])
    response = client.post(url, {"code": "recognition_min", "effective_year": 2016, "province_code": "",
                                 "value": "0.95", "certainty": "L", "source": "试点"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="rules.policy_saved")
    assert (event.actor_name, event.before["value"], event.after["value"]) == ("boss", "0.9000", "0.95")
