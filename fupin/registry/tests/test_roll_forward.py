import datetime
import json

import pytest
from django.core.management import call_command

from fupin.registry import services
from fupin.registry.models import HouseholdYear
from fupin.testing.factories import id_number, load_fixture_divisions, member_data, register_poor_household, system_user

pytestmark = pytest.mark.django_db


def test_roll_forward_carries_conditions_recomputes_sizes_and_lists_what_to_review(capsys):
    load_fixture_divisions()
    poor = register_poor_household(area="533301102201", size=3, year=2019, income_per_capita="3000")
    poor.years.update(housing_grade="C", cultivated_land=4)
    exited = register_poor_household(area="533301102201", size=2, year=2019, income_per_capita="6000", status="1")
    services.member_join(actor=system_user(), household=exited, household_version=1,
                         data=member_data(name="新生儿", id_number=id_number(birth="20200105", sequence="077"),
                                          relation="之女", labour="无劳动力"),
                         kind="birth", date=datetime.date(2020, 1, 5))
    call_command("registry", "roll-forward", "--to", "2020", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert (out["created"], out["already"]) == (2, 0)
    assert out["to_review"] == [
        {"household": poor.number, "area": "533301102201", "reasons": ["poor"], "size_before": 3, "size_now": 3},
        {"household": exited.number, "area": "533301102201", "reasons": ["size_changed"], "size_before": 2,
         "size_now": 3},
    ]
    rolled = HouseholdYear.objects.get(household=poor, year=2020)
    assert (rolled.size_start, rolled.size_end, rolled.housing_grade, rolled.cultivated_land, rolled.status,
            rolled.net_income_per_capita) == (3, 3, "C", 4, "0", 0)
    call_command("registry", "roll-forward", "--to", "2020", "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 0  # a second run changes nothing
    assert HouseholdYear.objects.filter(year=2020).count() == 2
