"""Searching people from the web: by pinyin, initials, either script, ID number and household number; results
link to the household file, ID numbers masked, scoped to the user's areas."""

import pytest
from django.urls import reverse

from fupin.testing.factories import id_number, load_fixture_divisions, make_user, member_data, register_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    load_fixture_divisions()
    head = id_number("533301", "19800101", "011")
    zhang = register_household(area="533301102201", number="533301102201777", members=[
        member_data(name="张德明", id_number=head),
        member_data(name="李秀英", relation="配偶", id_number=id_number("533301", "19820304", "022"))]).household
    elsewhere = register_household(area="533323101201", number="533323101201888", members=[
        member_data(name="张德华", id_number=id_number("533323", "19700101", "033"))]).household
    return zhang, elsewhere, head


def _names(client, query):
    page = client.get(reverse("web:search"), {"q": query})
    return [row["member"].name for row in page.context["results"]], page.content.decode()


def test_search_every_way_in_ones_own_areas(client, people):
    zhang, _elsewhere, head = people
    client.force_login(make_user(role="village_operator", area="533301000000"))
    assert _names(client, "zhangdeming")[0] == ["张德明"]
    assert _names(client, "zdm")[0] == ["张德明"]
    assert _names(client, "張德")[0] == ["张德明"]  # traditional script finds simplified; 张德华 is not in the grant
    assert sorted(_names(client, "533301102201777")[0]) == ["张德明", "李秀英"]
    names, html = _names(client, head)
    assert names == ["张德明"]
    table = html[html.index('id="results"'):html.index("</table>")]
    assert head not in table and head[:6] in table  # the query is the user's own; the result is masked
    assert f'href="{reverse("web:household", args=[zhang.pk])}"' in table
    assert _names(client, "")[0] == []
