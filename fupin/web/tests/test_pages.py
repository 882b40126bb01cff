import pytest
from django.urls import reverse

from fupin.testing.factories import PASSWORD, load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def test_pages_need_a_login(client):
    for name, args in (("web:home", []), ("web:areas", []), ("web:area", ["533300000000"]), ("web:jobs", [])):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


def test_login_then_logout(client):
    make_user(username="clerk", actions=["view"], area="533300000000")
    response = client.post(reverse("web:login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("web:home")
    assert "怒江傈僳族自治州" in client.get(reverse("web:home")).content.decode()
    client.post(reverse("web:logout"))
    assert client.get(reverse("web:home")).status_code == 302


def test_logins_are_throttled_after_five_failures(client):
    make_user(username="clerk")
    for _ in range(5):
        response = client.post(reverse("web:login"), {"username": "clerk", "password": "wrong"})
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
    locked = client.post(reverse("web:login"), {"username": "clerk", "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_area_tree_is_browsed_within_the_grant(client):
    client.force_login(make_user(actions=["view"], area="533301000000"))
    page = client.get(reverse("web:area", args=["533301000000"])).content.decode()
    assert "泸水市" in page and "鲁掌镇" in page and "六库街道" in page
    assert "本区划共有 4 个村" in page
    assert client.get(reverse("web:area", args=["533323000000"])).status_code == 404
    assert client.get(reverse("web:area", args=["441900000000"])).status_code == 404
    top = client.get(reverse("web:areas")).content.decode()
    assert "泸水市" in top and "福贡县" not in top


def test_children_fragment_for_htmx(client):
    client.force_login(make_user(actions=["view"], area=None))
    response = client.get(reverse("web:area", args=["533300000000"]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "泸水市" in body and "福贡县" in body


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "行政区划"), ("zh-hant", "行政區劃"), ("en", "Areas")],
)
def test_language_switch(client, language, expected):
    client.force_login(make_user(actions=["view"], area=None))
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    page = client.get(reverse("web:areas")).content.decode()
    assert f"<h1>{expected}</h1>" in page


def test_api_schema_and_docs(client):
    client.force_login(make_user())
    schema = client.get(reverse("api:schema"))
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/areas/", "/api/designations/", "/api/area-years/", "/api/jobs/"):
        assert path in text
    assert client.get(reverse("api:docs")).status_code == 200


def test_api_token_authentication_and_children_counts():
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user = make_user(actions=["view"], area="533300000000")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    children = client.get("/api/areas/533300000000/children/").json()
    assert [(row["code"], row["villages"]) for row in children] == [("533301000000", 4), ("533323000000", 1)]
    within = client.get("/api/areas/", {"within": "533301000000", "level": 5}).json()
    assert within["count"] == 4


def test_api_list_query_count_is_fixed(django_assert_max_num_queries):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_user(actions=["view"], area=None))
    with django_assert_max_num_queries(3):
        assert client.get("/api/areas/").status_code == 200
