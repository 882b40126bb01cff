"""The home page per role (figures of the user's area from the rollups, what is due, recent jobs) and the error
pages (unknown area codes and ids are 404 pages in the user's language, never server errors)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fupin.analytics import services
from fupin.analytics.tests import scenario
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshed(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    scenario.build()
    services.rollups_refresh(actor=system_user())


def test_home_of_a_county_user_shows_figures_and_due_work(client, refreshed):
    client.force_login(make_user(role="county_approver", area="533301000000"))
    page = client.get(reverse("web:home")).content.decode()
    # The dashboard's figures of 泸水市 in 2019 (analytics scenario): 9 poor, 0.90 % incidence.
    assert "泸水市" in page and "· 2019" in page
    assert 'data-metric="poor">9<' in page and 'data-metric="incidence">0.90%<' in page
    for key in ("inbox", "notices", "not_visited", "late_projects", "findings"):
        assert f'data-due="{key}"' in page
    assert reverse("web:not-visited", args=["533301000000"]) in page
    assert reverse("web:project-delays", args=["533301000000"]) in page
    assert reverse("web:quality", args=["533301000000"]) in page
    with translation.override("en"):
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        english = client.get(reverse("web:home")).content.decode()
    assert "Registered poor" in english and "Households not visited in time" in english


def test_home_of_a_nationwide_user_sums_the_provinces(client, refreshed):
    client.force_login(make_user(role="administrator", area=None))
    page = client.get(reverse("web:home")).content.decode()
    assert 'data-metric="poor">13<' in page  # as the nationwide dashboard (云南 and 广东 of the scenario)
    assert 'data-due="inbox"' in page and 'data-due="not_visited"' not in page


def test_home_query_count_does_not_grow_with_the_area(client, refreshed, django_assert_max_num_queries):
    client.force_login(make_user(role="county_approver", area="533301000000"))
    with django_assert_max_num_queries(60):
        assert client.get(reverse("web:home")).status_code == 200


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_unknown_codes_and_ids_are_404_pages_in_the_users_language(client, language):
    load_fixture_divisions()
    client.force_login(make_user(role="administrator", area=None))
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    for url in ("/dashboard/999/", "/dashboard/abc/", "/areas/999999999999/", "/helping/999/",
                "/households/999999/", "/quality/999/", "/helping/999/projects/", "/helping/999/not-visited/",
                "/no-such-page/"):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 404 and 'data-status="404"' in page, url
        assert f'<html lang="{language}">' in page, url
        assert ("Page not found" in page) == (language == "en"), url  # the title in the user's language


def test_a_server_error_is_a_page_without_the_database(rf):
    from fupin.web.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "error-page" in response.content.decode()


def test_an_uncaught_server_error_answers_the_500_page(settings):
    load_fixture_divisions()
    client = Client(raise_request_exception=False)
    client.force_login(make_user(role="administrator", area=None))
    settings.ROOT_URLCONF = "fupin.web.tests.failing_urls"
    response = client.get("/boom/")
    assert response.status_code == 500 and 'data-status="500"' in response.content.decode()


def test_number_filters_keep_one_unit_per_column_and_points_for_rate_differences():
    from fupin.web.templatetags.fupin_numbers import column_unit, in_unit, points

    with translation.override("zh-hans"):
        # 2,801,684,200 and 10,506,000,000 yuan: both in 亿 (28.02 and 105.06), never 280168.42 万 beside 105.06 亿.
        unit = column_unit([2_801_684_200, 10_506_000_000, None])
        assert unit == "亿"
        assert (in_unit(2_801_684_200, unit), in_unit(10_506_000_000, unit)) == ("28.02", "105.06")
        assert column_unit([12_000, 9_999]) == "万" and in_unit(12_000, "万") == "1.20"
        assert column_unit([999]) == "" and in_unit(1234, "") == "1,234"
        assert points(0.037).startswith("3.70 ")  # 26.69 % → 22.99 %: 3.70 points (个百分点), never "3.70%"
        assert "%" not in points(0.037)
    with translation.override("en"):
        assert column_unit([10_506_000_000]) == "" and in_unit(10_506_000_000, "") == "10,506,000,000"
        assert points(-0.0012) == "-0.12 percentage points"


def test_not_visited_is_paged_narrowed_and_names_the_head(client, refreshed):
    """The scenario's households of 泸水市 have never been visited: all are due; narrowed to 鲁掌镇 only its
    villages' households stay, each with its head named."""
    client.force_login(make_user(role="county_approver", area="533301000000"))
    url = reverse("web:not-visited", args=["533301000000"])
    whole = client.get(url, {"on": "2020-01-15"})
    narrowed = client.get(url, {"on": "2020-01-15", "within": "533301102000"})
    assert whole.status_code == narrowed.status_code == 200
    assert 0 < narrowed.context["count"] < whole.context["count"]
    assert all(row["household"].area_id.startswith("533301102") for row in narrowed.context["rows"])
    assert all(row["head"] for row in narrowed.context["rows"])
    assert len(whole.context["rows"]) <= 100
    assert client.get(url, {"within": "533323000000"}).context["count"] == whole.context["count"]  # not below


def test_the_crawlers_raw_code_check_finds_codes_and_passes_labels():
    from fupin.core.labels import record_type_label
    from fupin.web.tests.crawl import RawCodeCheck, path_pattern

    check = RawCodeCheck.build()
    assert check.problems("致贫原因: 01", "zh-hans") == ["code 致贫原因: 01"]
    assert check.problems("致貧原因：12", "zh-hant") == ["code 致貧原因：12"]
    assert check.problems("当前阶段 implement", "zh-hans") == ["word code implement"]
    assert check.problems("来源 funds.fundentry", "en") == ["record type funds.fundentry"]
    assert check.problems("致贫原因: 因病 · 实施 · 2019.5", "zh-hans") == []
    with translation.override("en"):
        assert check.problems(record_type_label("funds.fundentry, projects.project"), "en") == []
        assert record_type_label("projects.project") == "Projects"
    assert path_pattern("/households/12/plan/?year=2019&page=2") == "/households/#/plan/?page&year"


def test_a_column_unit_over_rows():
    from fupin.web.templatetags.fupin_numbers import column_unit

    trend = [{"poor": 777_725, "exits": 70_750}, {"poor": 70_225, "exits": None}]
    with translation.override("zh-hans"):
        assert column_unit(trend, "poor", "exits") == "万"
