"""The low-income API's writes (POST a membership, PATCH to end it) through the services: permission in the
person's village, dates checked (not future, end not before start), overlaps of one category refused, audited."""

import datetime

import pytest
from rest_framework.test import APIClient

from fupin.audit.models import AuditEvent
from fupin.lowincome.models import CategoryMembership, Person
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, member_data, register_household

from .helpers import FUGONG, LUZHANG, D, member_of, person

pytestmark = pytest.mark.django_db
URL = "/api/lowincome/memberships/"


@pytest.fixture
def client():
    load_fixture_divisions()
    api = APIClient()
    api.force_authenticate(make_user(actions=["view", "change"], area="533301000000"))
    return api


def _post(client, **data):
    body = {"category": "dibao", "department": "泸水市民政局", "identified_on": "2023-03-01", **data}
    return client.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_post_makes_the_person_and_the_membership_and_patch_ends_it(client):
    number = id_number("533301", "19700101", "201")
    response = _post(client, id_number=number, name="张三", village=LUZHANG)
    assert response.status_code == 201, response.content
    body = response.json()
    made = Person.objects.get()
    assert (made.id_number, made.name, made.area_id, made.member_id) == (number, "张三", LUZHANG, None)
    assert (body["person"]["id"], body["person"]["village"], body["category"], body["category_label"],
            body["identified_on"], body["ends_on"], body["end_reason"]) == (
        made.pk, LUZHANG, "dibao", "minimum living allowance (dibao)", "2023-03-01", None, "")
    get = client.get(f"{URL}{body['id']}/").json()
    ended = client.patch(f"{URL}{body['id']}/", {"ends_on": "2024-01-01", "end_reason": "income"}, format="json")
    assert ended.status_code == 200, ended.content
    assert set(ended.json()) == set(get)
    assert (ended.json()["ends_on"], ended.json()["end_reason"]) == ("2024-01-01", "income")
    membership = CategoryMembership.objects.get()
    assert (membership.ends_on, membership.end_reason) == (D(2024, 1, 1), "income")
    assert list(AuditEvent.objects.filter(action__startswith="lowincome.").order_by("id").values_list(
        "action", flat=True)) == ["lowincome.person_saved", "lowincome.membership_saved",
                                  "lowincome.membership_ended"]


def test_a_registry_member_is_linked_and_an_existing_person_named_by_id(client):
    number = id_number("533301", "19650202", "031")
    household = register_household(members=[member_data(name="和成", id_number=number)]).household
    response = _post(client, id_number=number, category="monitoring", monitoring_category="2")
    assert response.status_code == 201, response.content
    assert response.json()["person"]["household"] == household.pk
    again = _post(client, person=response.json()["person"]["id"], category="edge")
    assert again.status_code == 201, again.content
    assert sorted(Person.objects.get().memberships.values_list("category", flat=True)) == ["edge", "monitoring"]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"identified_on": "2099-01-01"}, "identified_on", "in the future"),
    ({"ends_on": "2023-02-28", "end_reason": "income"}, "ends_on", "before the identification date"),
    ({"category": "poor"}, "category", "Unknown category"),
    ({"village": "533301000000"}, "area", "not a village"),
    ({"village": ""}, "area", "give the village's area code"),
])
def test_post_refusals_change_nothing(client, data, field, message):
    response = _post(client, **{"id_number": id_number("533301", "19700101", "202"), "name": "李四",
                                "village": LUZHANG, **data})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field and message in str(response.json())
    assert not Person.objects.exists() and not CategoryMembership.objects.exists()


def test_overlap_of_one_category_is_refused_with_the_dates(client):
    li = person("李强")
    member_of(li, "dibao", D(2021, 3, 1))
    response = _post(client, person=li.pk, identified_on="2023-01-01")
    assert response.status_code == 400
    assert response.json()["field"] == "identified_on"
    assert "李强 is already in this category from 2021-03-01 (until —)" in str(response.json())
    assert CategoryMembership.objects.filter(person=li).count() == 1


def test_patch_refusals(client):
    li = person("李强")
    membership = member_of(li, "dibao", D(2021, 3, 1))
    url = f"{URL}{membership.pk}/"
    future = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
    for data, field in [({"ends_on": "2021-02-28", "end_reason": "income"}, "ends_on"),
                        ({"ends_on": future, "end_reason": "income"}, "ends_on"),
                        ({"ends_on": "2022-01-01", "end_reason": "nonsense"}, "end_reason"),
                        ({"end_reason": "income"}, "ends_on")]:
        response = client.patch(url, data, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert (response.status_code, response.json().get("field")) == (400, field), (data, response.content)
    membership.refresh_from_db()
    assert membership.ends_on is None
    assert client.patch(url, {"ends_on": "2022-01-01", "end_reason": "income"}, format="json").status_code == 200
    again = client.patch(url, {"ends_on": "2022-02-01", "end_reason": "income"}, format="json",
                         HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400 and "already ended on 2022-01-01" in str(again.json())


def test_scope_and_rights(client):
    outsider = person("外县", FUGONG)
    response = _post(client, person=outsider.pk)
    assert response.status_code == 404
    refused = _post(client, id_number=id_number("533323", "19700101", "203"), name="外县人", village=FUGONG)
    assert refused.status_code == 403
    viewer = APIClient()
    viewer.force_authenticate(make_user(actions=["view"], area="533301000000"))
    mine = member_of(person("本县"), "dibao", D(2021, 3, 1))
    assert viewer.patch(f"{URL}{mine.pk}/", {"ends_on": "2022-01-01", "end_reason": "income"},
                        format="json").status_code == 403
    assert viewer.post(URL, {"person": mine.person_id, "category": "edge", "department": "民政局",
                             "identified_on": "2022-01-01"}, format="json").status_code == 403
    assert CategoryMembership.objects.count() == 1 and Person.objects.count() == 2
