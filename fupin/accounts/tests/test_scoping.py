import pytest

from fupin.accounts.models import AreaGrant, Role
from fupin.accounts.scoping import can, reach, require
from fupin.areas.models import Area
from fupin.core.errors import PermissionDenied
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def visible_codes(user, action="view"):
    return set(Area.objects.scoped(user, action).values_list("code", flat=True))


def test_a_county_grant_covers_its_subtree_only():
    user = make_user(actions=["view"], area="533301000000")
    assert visible_codes(user) == {
        "533301000000", "533301001000", "533301102000",
        "533301001001", "533301001201", "533301102201", "533301102202",
    }
    assert visible_codes(user, "change") == set()
    assert can(user, "view", "533301102201") and not can(user, "view", "533323101201")


def test_grants_through_a_role_apply_to_its_holders():
    role = Role.objects.create(code="nujiang_team", name="怒江工作组", actions=["view"])
    AreaGrant.objects.create(role=role, area_id="533300000000", actions=["view", "export"])
    user = make_user()
    assert visible_codes(user) == set()
    user.roles.add(role)
    assert "533323101201" in visible_codes(user)
    assert reach(user, "export").code_prefixes() == ("5333",)


def test_nested_grants_collapse_and_nationwide_is_unrestricted():
    user = make_user(actions=["view"], area="533300000000")
    AreaGrant.objects.create(user=user, area_id="533301102000", actions=["view"])
    assert reach(user, "view").code_prefixes() == ("5333",)
    assert reach(system_user(), "view").everywhere
    assert visible_codes(system_user()) == set(Area.objects.values_list("code", flat=True))


def test_inactive_and_anonymous_users_see_nothing():
    from django.contrib.auth.models import AnonymousUser

    user = make_user(actions=["view"], area=None, is_active=False)
    assert visible_codes(user) == set()
    assert visible_codes(AnonymousUser()) == set()
    with pytest.raises(PermissionDenied):
        require(AnonymousUser(), "view", "530000000000")


def test_foreign_key_fields_are_scoped_by_code_range():
    from fupin.areas.models import AreaYear

    AreaYear.objects.create(area_id="533301102201", year=2014, rural_population=900)
    AreaYear.objects.create(area_id="441900003001", year=2014, rural_population=5000)
    user = make_user(actions=["view"], area="533300000000")
    rows = AreaYear.objects.scoped(user, "view")
    assert [row.area_id for row in rows] == ["533301102201"]
