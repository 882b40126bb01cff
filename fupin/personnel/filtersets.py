"""The filters of the personnel lists, one FilterSet per list, shared by the API endpoints and the work-team page.
Records named in a filter (a team, a cadre, a programme …) come from the selectors: only those the user may see
can be named. Areas are named by a code of 2, 4, 6, 9 or 12 digits and select the area's subtree."""

from django_filters import rest_framework as api_filters

from fupin.areas.filtersets import WithinAreaFilter
from fupin.cooperation import selectors as cooperation_selectors
from fupin.core.filtersets import ListFilterSet, ScopedChoiceFilter
from fupin.registry import selectors as registry_selectors

from . import selectors
from .models import (
    AppraisalScheme,
    AppraisalScore,
    Cadre,
    CheckIn,
    ContactLeader,
    TeamMembership,
    Trainee,
    TrainingProgramme,
    WorkTeam,
)


class CadreFilterSet(ListFilterSet):
    unit = ScopedChoiceFilter(cooperation_selectors.nameable_party_list)
    party_member = api_filters.BooleanFilter()

    class Meta:
        model = Cadre
        fields = ["unit", "party_member"]


class TeamFilterSet(ListFilterSet):
    village = WithinAreaFilter(field_name="village")
    unit = ScopedChoiceFilter(cooperation_selectors.nameable_party_list)

    class Meta:
        model = WorkTeam
        fields = ["village", "unit", "dispatch_level"]


class MembershipFilterSet(ListFilterSet):
    team = ScopedChoiceFilter(selectors.team_list)
    cadre = ScopedChoiceFilter(selectors.cadre_list)

    class Meta:
        model = TeamMembership
        fields = ["team", "cadre", "role"]


class CheckInFilterSet(ListFilterSet):
    membership = ScopedChoiceFilter(selectors.membership_list)

    class Meta:
        model = CheckIn
        fields = ["membership", "day"]


class ContactLeaderFilterSet(ListFilterSet):
    cadre = ScopedChoiceFilter(selectors.cadre_list)
    area = WithinAreaFilter(field_name="area")

    class Meta:
        model = ContactLeader
        fields = ["cadre", "area", "level"]


class TrainingProgrammeFilterSet(ListFilterSet):
    area = WithinAreaFilter(field_name="area")
    organiser = ScopedChoiceFilter(cooperation_selectors.nameable_party_list)

    class Meta:
        model = TrainingProgramme
        fields = ["year", "kind", "area", "organiser"]


class TraineeFilterSet(ListFilterSet):
    programme = ScopedChoiceFilter(selectors.programme_list)
    member = ScopedChoiceFilter(registry_selectors.member_list)
    cadre = ScopedChoiceFilter(selectors.cadre_list)
    completed = api_filters.BooleanFilter()
    moved_into_job = api_filters.BooleanFilter()

    class Meta:
        model = Trainee
        fields = ["programme", "member", "cadre", "completed", "moved_into_job"]


class AppraisalSchemeFilterSet(ListFilterSet):
    area = WithinAreaFilter(field_name="area")

    class Meta:
        model = AppraisalScheme
        fields = ["year", "subject_kind", "area"]


class AppraisalScoreFilterSet(ListFilterSet):
    scheme = ScopedChoiceFilter(selectors.scheme_list)
    team = ScopedChoiceFilter(selectors.team_list)
    unit = ScopedChoiceFilter(cooperation_selectors.nameable_party_list)
    cadre = ScopedChoiceFilter(selectors.cadre_list)

    class Meta:
        model = AppraisalScore
        fields = ["scheme", "team", "unit", "cadre", "grade"]
