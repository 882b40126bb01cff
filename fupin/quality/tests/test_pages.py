"""The data-quality dashboard: open findings by the areas below and by rule, the findings themselves, scoped."""

import pytest
from django.urls import reverse

from fupin.quality import services
from fupin.quality.tests.test_quality import BREAK, household
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def findings():
    load_fixture_divisions()
    clean, broken, twice = household(), household(), household()
    BREAK["road_distance"](broken)
    BREAK["road_distance"](twice)
    BREAK["business_without_expense"](twice)
    services.scan_run(actor=system_user(), year=2019, area_code="533301",
                      rules=["road_distance", "business_without_expense"])
    return clean, broken, twice


def test_counts_by_area_and_rule_and_the_list(client, findings):
    clean, broken, twice = findings
    client.force_login(make_user(role="county_approver", area="533301000000"))
    page = client.get(reverse("web:quality", args=["533301000000"]), {"year": 2019})
    assert page.status_code == 200
    assert [(row["code"], row["open"]) for row in page.context["areas"]] == [("533301102000", 3)]  # 鲁掌镇
    assert {row["code"]: row["open"] for row in page.context["rules"]} == {"road_distance": 2,
                                                                           "business_without_expense": 1}
    assert page.context["total"] == 3
    listed = {row["finding"].household_id for row in page.context["findings"]}
    assert listed == {broken.pk, twice.pk} and clean.pk not in listed
    only = client.get(reverse("web:quality", args=["533301000000"]), {"year": 2019, "rule": "business_without_expense"})
    assert [row["finding"].household_id for row in only.context["findings"]] == [twice.pk]


def test_a_user_granted_elsewhere_sees_nothing(client, findings):
    client.force_login(make_user(role="county_approver", area="533323000000"))
    assert client.get(reverse("web:quality", args=["533301000000"])).status_code == 404
    page = client.get(reverse("web:quality", args=["533323000000"]))
    assert page.context["total"] == 0 and page.context["findings"] == []


def test_the_page_takes_the_filters_of_the_findings_list(client, findings):
    client.force_login(make_user(role="county_approver", area="533301000000"))
    url = reverse("web:quality", args=["533301000000"])
    fixed = client.get(url, {"status": "fixed"})
    assert fixed.status_code == 200 and fixed.context["findings"] == []
    refused = client.get(url, {"years": 2019})
    assert refused.status_code == 400 and "years" in refused.content.decode()
    assert client.get(url, {"year": "abc"}).status_code == 400
