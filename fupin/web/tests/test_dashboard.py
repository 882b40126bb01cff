"""The statistics dashboard reads the rollups of the hand-built registry (analytics scenario) and drills down."""

import pytest
from django.urls import reverse

from fupin.analytics import services
from fupin.analytics.tests import scenario
from fupin.testing.factories import make_user, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshed(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    scenario.build()
    services.rollups_refresh(actor=system_user())


def test_dashboard_of_a_county_user(client, refreshed):
    client.force_login(make_user(role="county_approver", area="533301000000"))
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302 and response.url == reverse("web:dashboard-area", args=["533301000000"])
    page = client.get(response.url).content.decode()
    assert "泸水市 · 2019" in page
    assert 'data-metric="poor">9<' in page and 'data-metric="incidence">0.90%<' in page
    assert "鲁掌镇" in page and "53.33%" not in page  # the township: 8 of 150 = 5.33%
    assert "5.33%" in page
    assert client.get(reverse("web:dashboard-area", args=["533323000000"])).status_code == 404
    older = client.get(reverse("web:dashboard-area", args=["533301000000"]), {"year": 2018}).content.decode()
    assert "泸水市 · 2018" in older


def test_dashboard_nationwide_and_languages(client, refreshed):
    client.force_login(make_user(role="administrator", area=None))
    page = client.get(reverse("web:dashboard")).content.decode()
    assert "云南省" in page and "广东省" in page and 'data-metric="poor">13<' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Poverty incidence" in client.get(reverse("web:dashboard")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})
    assert "貧困發生率" in client.get(reverse("web:dashboard")).content.decode()


def test_dashboard_without_rollups(client, settings, tmp_path):
    from fupin.testing.factories import load_fixture_divisions

    load_fixture_divisions()
    client.force_login(make_user(role="administrator", area=None))
    assert "fupin stats refresh" in client.get(reverse("web:dashboard")).content.decode()


def test_the_map_of_the_areas_below(client, refreshed):
    """怒江州's dashboard maps its counties (a choropleth of the rollups' incidence): the page names the shapes'
    endpoint and passes each county's code and incidence; the endpoint gives the counties the user may see."""
    client.force_login(make_user(role="administrator", area=None))
    response = client.get(reverse("web:dashboard-area", args=["533300000000"]))
    page = response.content.decode()
    assert f'data-geo="{reverse("web:map-area", args=["533300000000"])}"' in page
    children = {row["code"]: row["incidence"] for row in response.context["charts"]["children"]}
    assert children["533301000000"] == pytest.approx(0.9)  # 9 of 1,000 (%)
    shapes = client.get(reverse("web:map-area", args=["533300000000"])).json()
    codes = {feature["properties"]["code"] for feature in shapes["features"]}
    assert {"533301000000", "533323000000"} <= codes and all(code.startswith("5333") for code in codes)
    # A county user may not see the prefecture's map; villages have no map.
    client.force_login(make_user(role="county_approver", area="533301000000"))
    assert client.get(reverse("web:map-area", args=["533300000000"])).status_code == 404
    assert client.get(reverse("web:map-area", args=["533301102201"])).json()["features"] == []
