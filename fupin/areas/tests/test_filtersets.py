"""The area filter every list shares (fupin.areas.filtersets.WithinAreaFilter), on the API and on its own: a code
as users type it selects the area's whole subtree; a malformed code and an unknown key are refused (400)."""

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from fupin.areas.filtersets import AreaFilterSet, AreaYearFilterSet, DesignationFilterSet
from fupin.areas.models import Area, AreaDesignation, AreaYear, DesignationType
from fupin.testing.factories import load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db

LUSHUI = {"533301000000", "533301001000", "533301102000", "533301102201"}  # 泸水市 and the rows beneath it
LUZHANG = {"533301102000", "533301102201"}  # 鲁掌镇 and its village
CODES = [
    ("533301", LUSHUI),  # 6 digits: a county
    ("533301000000", LUSHUI),  # the county's 12 digits: still its subtree, not its row alone
    ("533301102", LUZHANG),  # 9 digits: a township
    ("533301102201", {"533301102201"}),  # 12 digits: a village
    ("５３３３０１", LUSHUI),  # full-width digits, as a Chinese input method types them
    ("  533301102 ", LUZHANG),  # pasted with spaces
]


@pytest.fixture
def area_years(db):
    load_fixture_divisions()
    for code in [*LUSHUI, "533323000000", "533323101201"]:
        AreaYear.objects.create(area_id=code, year=2019, rural_population=1000, households=300)


@pytest.fixture
def api(area_years):
    client = APIClient()
    client.force_authenticate(make_user(actions=["view"], area="533300000000"))
    return client


def listed(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["area"] for row in response.json()["results"]}


@pytest.mark.parametrize(("code", "expected"), CODES)
def test_an_area_code_on_the_api_selects_its_subtree(api, code, expected):
    assert listed(api.get(reverse("api:area-year-list"), {"area": code})) == expected


@pytest.mark.parametrize(("code", "expected"), CODES)
def test_an_area_code_in_the_filterset_selects_its_subtree(area_years, code, expected):
    filters = AreaYearFilterSet({"area": code}, queryset=AreaYear.objects.all())
    assert filters.is_valid(), filters.errors
    assert {row.area_id for row in filters.qs} == expected


def test_the_filter_combines_with_the_others(api):
    AreaYear.objects.create(area_id="533301102201", year=2020, rural_population=900, households=280)
    rows = api.get("/api/area-years/?area=533301102&year=2020").json()["results"]
    assert [(row["area"], row["year"]) for row in rows] == [("533301102201", 2020)]


@pytest.mark.parametrize("code", ["53330", "5333011", "53330110220", "abc", "533301x"])
def test_a_malformed_code_is_a_400_naming_it(api, code):
    response = api.get("/api/area-years/", {"area": code})
    assert response.status_code == 400
    assert code in response.content.decode()
    with translation.override("en"):
        filters = AreaYearFilterSet({"area": code}, queryset=AreaYear.objects.all())
        assert not filters.is_valid()
        assert code in filters.error_text() and "12 digits" in filters.error_text()


def test_an_unknown_key_is_a_400_naming_the_accepted_keys(api):
    response = api.get("/api/area-years/", {"areas": "533301"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "areas" in text and "area" in text.replace("areas", "") and "year" in text
    with translation.override("en"):
        filters = AreaYearFilterSet({"areas": "533301"}, queryset=AreaYear.objects.all())
        assert not filters.is_valid()
        assert filters.error_text() == "Unknown filters: areas. This list accepts: area, year."
    with translation.override("zh-hans"):
        filters = AreaYearFilterSet({"areas": "533301"}, queryset=AreaYear.objects.all())
        assert not filters.is_valid() and filters.error_text().startswith("未知的筛选条件：areas")


def test_an_empty_area_filters_nothing(area_years):
    filters = AreaYearFilterSet({"area": ""}, queryset=AreaYear.objects.all())
    assert filters.is_valid() and filters.qs.count() == AreaYear.objects.count()


def test_designations_filter_by_area_subtree_and_type(api):
    kind = DesignationType.objects.create(code="test-county", name_zh_hans="测试县", name_zh_hant="測試縣",
                                          name_en="test county", levels=[3, 4])
    for code in ("533301000000", "533301102000", "533323000000"):
        AreaDesignation.objects.create(area_id=code, designation_type=kind, year=2014)
    rows = api.get("/api/designations/", {"area": "533301", "designation_type": "test-county"}).json()["results"]
    assert {row["area"] for row in rows} == {"533301000000", "533301102000"}
    assert api.get("/api/designations/", {"designation_type": "no-such-type"}).status_code == 400
    filters = DesignationFilterSet({"area": "５３３３２３"}, queryset=AreaDesignation.objects.all())
    assert filters.is_valid() and [row.area_id for row in filters.qs] == ["533323000000"]


def test_areas_within_a_code_as_typed(api):
    codes = {row["code"] for row in api.get("/api/areas/", {"within": "533301102"}).json()["results"]}
    assert codes == {"533301102000", "533301102201", "533301102202"}
    assert api.get("/api/areas/", {"within": "5333011"}).status_code == 400
    filters = AreaFilterSet({"within": "533323", "level": 5}, queryset=Area.objects.all())
    assert filters.is_valid() and [area.code for area in filters.qs] == ["533323101201"]
    # A parent is named freely: a county's user asking for its province's children sees its own county.
    rows = api.get("/api/areas/", {"parent": "533300000000"}).json()["results"]
    assert {row["code"] for row in rows} == {"533301000000", "533323000000"}
