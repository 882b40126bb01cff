"""The name of a place as a form writes it (fupin.areas.selectors.place_name): the area with the township, county …
above it, as far as the reader may see them. A user granted only a village reads no name above their grant."""

import pytest

from fupin.areas.models import Area
from fupin.areas.selectors import place_name
from fupin.testing.factories import load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db
VILLAGE = "533301102201"


@pytest.fixture
def village(db):
    load_fixture_divisions()
    return Area.objects.get(code=VILLAGE)


def test_a_nationwide_reader_reads_the_whole_chain(village):
    assert place_name(actor=make_user(role="county_approver", area=None), area=village) == \
        "云南省 怒江傈僳族自治州 泸水市 鲁掌镇 鲁掌村委会"


def test_a_county_reader_reads_from_their_county_down(village):
    assert place_name(actor=make_user(role="county_approver", area="533301000000"), area=village) == \
        "泸水市 鲁掌镇 鲁掌村委会"


def test_a_user_granted_only_the_village_reads_its_name_alone(village):
    assert place_name(actor=make_user(role="village_operator", area=VILLAGE), area=village) == "鲁掌村委会"


def test_a_user_without_a_grant_there_reads_nothing(village):
    assert place_name(actor=make_user(role="county_approver", area="533323000000"), area=village) == ""
