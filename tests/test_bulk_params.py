"""Many values as one query parameter (a JSON array): texts of any script and quoting, integers, thousands."""

import pytest
from django.db import connection

from fupin.areas.models import Area
from fupin.core.sql import any_of, values_table
from fupin.testing.factories import load_fixture_divisions

pytestmark = pytest.mark.django_db


def test_any_of_matches_texts_and_integer_keys_by_the_thousand():
    load_fixture_divisions()
    codes = list(Area.objects.values_list("code", flat=True))
    asked = [*codes, *(f"9{n:011d}" for n in range(5000)), "它's \"quoted\" 單"]
    assert sorted(Area.objects.filter(any_of(Area, "code", asked)).values_list("code", flat=True)) == sorted(codes)
    assert not Area.objects.filter(any_of(Area, "code", [])).exists()
    from fupin.registry.models import Household, Member
    from fupin.testing.factories import member_data, register_household

    household = register_household(area="533301102201", number="H1", members=[member_data()]).household
    assert list(Member.objects.filter(any_of(Member, "household", [household.pk, 10**9]))
                .values_list("name", flat=True)) == [member_data()["name"]]
    assert Household.objects.filter(any_of(Household, "id", [household.pk])).count() == 1


def test_values_table_keeps_every_value_as_text():
    values = ["533301", "它's \"quoted\" 單", "a\\b", ""]
    source, params = values_table(values, "k")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT k.value FROM {source}", params)
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(values)
