"""The policy data pages: the seeded values as the rules hold them, edits by administrators through the rules
service (what the rules then look up, and the audit), refusals for everyone else, three languages. The procedure
steps shown on the policy page are the workflows' (fupin/workflows/tests/test_procedure_step_pages.py)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from fupin.audit.models import AuditEvent
from fupin.rules.models import MonitoringThreshold, PolicyParameter
from fupin.rules.policy import YearPolicy
from fupin.testing.factories import load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db
VALUE_ROW = re.compile(r'<tr data-key="([^"]*)" data-year="(\d+)" data-province="(\d*)">.*?<td class="num" data-value>'
                       r"([^<]*)</td>", re.S)


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


@pytest.fixture
def admin():
    return make_user(username="policy-admin", role="administrator", area=None)


@pytest.fixture
def reader():
    return make_user(username="approver", role="county_approver", area="533301000000")


def value_rows(client, **query) -> list[tuple[str, str, str, str]]:
    response = client.get(reverse("web:policy"), query)
    assert response.status_code == 200
    return VALUE_ROW.findall(response.content.decode())


def policy_writes() -> int:
    return AuditEvent.objects.filter(action__in=["rules.policy_saved", "workflows.procedure_saved"]).count()


def test_the_list_shows_the_seeded_values(client, reader):
    client.force_login(reader)
    page = client.get(reverse("web:policy")).content.decode()
    assert ('<tr data-year="2014"><td>2014</td><td class="num" data-series="nbs">2800</td>'
            '<td class="num" data-series="working">2736</td></tr>') in page
    assert ('<tr data-year="2020"><td>2020</td><td class="num" data-series="nbs">4000</td>'
            '<td class="num" data-series="working">4000</td></tr>') in page
    rows = value_rows(client)
    assert ("parameter:recognition_min", "2016", "", "0.9") in rows
    assert ("exit_threshold:village/west", "2016", "", "0.03") in rows
    assert ("monitoring_threshold:", "2025", "53", "8700") in rows
    assert ("exit_condition:not_returned_same_year", "2014", "", "0") in rows
    household_exit = re.search(r'<tr data-step="village_notice">.*?</tr>', page, re.S)
    assert household_exit is not None and '<td class="num" data-notice-days>7</td>' in household_exit.group(0)


def test_the_list_filters_by_parameter_province_and_year(client, reader):
    client.force_login(reader)
    assert value_rows(client, parameter="monitoring_threshold:", province="CN") == [
        ("monitoring_threshold:", "2021", "", "6000"), ("monitoring_threshold:", "2022", "", "6300"),
        ("monitoring_threshold:", "2023", "", "6900"), ("monitoring_threshold:", "2024", "", "7100")]
    assert value_rows(client, parameter="monitoring_threshold:", year="2025") == [
        ("monitoring_threshold:", "2025", "53", "8700")]
    # Values that apply from a year on: the one in force in the chosen year, not only those set in it.
    assert value_rows(client, parameter="parameter:monitoring_notice_days_min", year="2023") == [
        ("parameter:monitoring_notice_days_min", "2021", "", "5")]
    assert value_rows(client, parameter="parameter:monitoring_notice_days_min", year="2020") == []
    assert value_rows(client, parameter="parameter:monitoring_notice_days_min", year="2021") == [
        ("parameter:monitoring_notice_days_min", "2021", "", "5")]
    assert value_rows(client, province="53") == [("monitoring_threshold:", "2025", "53", "8700")]


def test_an_administrator_sets_a_provincial_value_that_the_rules_then_use(client, admin):
    client.force_login(admin)
    assert client.get(reverse("web:policy-value")).status_code == 200
    response = client.post(reverse("web:policy-value"), {
        "parameter": "parameter:monitoring_notice_days_min", "year": "2022", "province": "53", "value": "7",
        "certainty": "L", "source": "云南省 2022 年通知"})
    assert response.status_code == 302, response.content.decode()
    assert YearPolicy.load(2022).parameter("monitoring_notice_days_min", "53") == Decimal("7")
    assert YearPolicy.load(2022).parameter("monitoring_notice_days_min", "14") == Decimal("5")
    assert YearPolicy.load(2021).parameter("monitoring_notice_days_min", "53") == Decimal("5")
    row = PolicyParameter.objects.get(code="monitoring_notice_days_min", effective_year=2022, province_code="53")
    event = AuditEvent.objects.get(action="rules.policy_saved")
    assert (event.actor, event.object_type, event.object_id, event.before) == (
        admin, "rules.policyparameter", str(row.pk), None)
    assert event.after == {"id": row.pk, "code": "monitoring_notice_days_min", "effective_year": 2022,
                           "province_code": "53", "value": "7", "certainty": "L", "source": "云南省 2022 年通知"}
    assert ("parameter:monitoring_notice_days_min", "2022", "53", "7") in value_rows(client)


def test_an_administrator_changes_an_existing_value(client, admin):
    client.force_login(admin)
    form = client.get(reverse("web:policy-value"), {"parameter": "monitoring_threshold:", "year": "2025",
                                                    "province": "53"}).content.decode()
    assert 'name="value" value="8700"' in form
    response = client.post(reverse("web:policy-value"), {
        "parameter": "monitoring_threshold:", "year": "2025", "province": "53", "value": "9000", "certainty": "V",
        "source": "云南省 2025 年监测范围"})
    assert response.status_code == 302
    assert YearPolicy.load(2025).monitoring_threshold("53") == Decimal("9000")
    assert MonitoringThreshold.objects.filter(year=2025).count() == 1
    event = AuditEvent.objects.get(action="rules.policy_saved")
    assert (event.before["amount"], event.after["amount"], event.after["certainty"]) == ("8700.00", "9000", "V")


def test_values_the_rules_would_refuse_are_refused_on_the_form(client, admin):
    client.force_login(admin)
    response = client.post(reverse("web:policy-value"), {
        "parameter": "exit_threshold:village/west", "year": "2021", "province": "", "value": "3", "certainty": "V"})
    assert response.status_code == 200
    assert '<p class="message error" data-field="value">贫困发生率为小于 1 的小数（3% 填 0.03）。</p>' in (
        response.content.decode())
    assert policy_writes() == 0
    too_precise = client.post(reverse("web:policy-value"), {
        "parameter": "monitoring_threshold:", "year": "2025", "province": "53", "value": "8700.125",
        "certainty": "V"})
    assert too_precise.status_code == 200
    assert '<p class="message error">确认小数不超过 2 位.</p>' in too_precise.content.decode()
    assert YearPolicy.load(2025).monitoring_threshold("53") == Decimal("8700")
    assert policy_writes() == 0


def test_a_provincial_administrator_may_set_only_the_own_province(client):
    client.force_login(make_user(actions=["view", "administer"], area="530000000000"))
    national = client.post(reverse("web:policy-value"), {
        "parameter": "parameter:recognition_min", "year": "2019", "province": "", "value": "0.95", "certainty": "V"})
    assert national.status_code == 200
    assert "您在该区域没有此操作的权限。" in national.content.decode()
    assert not PolicyParameter.objects.filter(code="recognition_min", effective_year=2019).exists()
    own = client.post(reverse("web:policy-value"), {
        "parameter": "parameter:recognition_min", "year": "2019", "province": "53", "value": "0.95",
        "certainty": "L"})
    assert own.status_code == 302
    assert YearPolicy.load(2019).parameter("recognition_min", "53") == Decimal("0.95")
    assert YearPolicy.load(2019).parameter("recognition_min", "14") == Decimal("0.9")


def test_others_read_the_pages_but_cannot_write(client, reader):
    client.force_login(reader)
    page = client.get(reverse("web:policy")).content.decode()
    assert reverse("web:policy-value") not in page and "/steps/" not in page and "<form method=\"post\"" not in page
    assert client.get(reverse("web:policy-value")).status_code == 403
    assert client.post(reverse("web:policy-value"), {
        "parameter": "monitoring_threshold:", "year": "2025", "province": "53", "value": "1",
        "certainty": "V"}).status_code == 403
    assert YearPolicy.load(2025).monitoring_threshold("53") == Decimal("8700")
    assert policy_writes() == 0


@pytest.mark.parametrize(
    ("language", "headings", "procedure"),
    [("zh-hans", ["扶贫标准", "政策参数", "程序"], "贫困户识别"),
     ("zh-hant", ["扶貧標準", "政策參數", "程序"], "貧困戶識別"),
     ("en", ["Poverty lines", "Policy parameters", "Procedures"], "household identification")],
)
def test_pages_in_three_languages(client, admin, language, headings, procedure):
    client.force_login(admin)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    page = client.get(reverse("web:policy")).content.decode()
    assert f'<html lang="{language}">' in page
    assert re.findall(r"<h2>([^<]*)</h2>", page) == headings
    assert f'<h3 id="procedure-household_identification">{procedure}</h3>' in page
    assert ("parameter:recognition_min", "2016", "", "0.9") in VALUE_ROW.findall(page)
    form = client.get(reverse("web:policy-value")).content.decode()
    assert f'<html lang="{language}">' in form and 'name="parameter"' in form
