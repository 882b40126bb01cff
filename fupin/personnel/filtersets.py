"""The filters of the personnel lists, one FilterSet per list, shared by the API endpoints and the work-team page.
Records named in a filter (a team, a cadre, a programme …) come from the selectors: only those the user may see
can be named. Areas are named by a code of 2, 4, 6, 9 or 12 digits and select the area's subtree."""

import django_filters
from django_filters import rest_framework as api_filters

from fupin.areas.filtersets import WithinAreaFilter
from fupin.cooperation import selectors as cooperation_selectors
from fupin.core.filtersets import ListFilterSet
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


def _parties(request):
    return cooperation_selectors.nameable_party_list(actor=request.user)


def _cadres(request):
    return selectors.cadre_list(actor=request.user)


def _teams(request):
    return selectors.team_list(actor=request.user)


class CadreFilterSet(ListFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=_parties)
    party_member = api_filters.BooleanFilter()

    class Meta:
        model = Cadre
        fields = ["unit", "party_member"]


class TeamFilterSet(ListFilterSet):
    village = WithinAreaFilter(field_name="village")
    unit = django_filters.ModelChoiceFilter(queryset=_parties)

    class Meta:
        model = WorkTeam
        fields = ["village", "unit", "dispatch_level"]


class MembershipFilterSet(ListFilterSet):
    team = django_filters.ModelChoiceFilter(queryset=_teams)
    cadre = django_filters.ModelChoiceFilter(queryset=_cadres)

    class Meta:
        model = TeamMembership
        fields = ["team", "cadre", "role"]


class CheckInFilterSet(ListFilterSet):
    membership = django_filters.ModelChoiceFilter(
        queryset=lambda request: selectors.membership_list(actor=request.user))

    class Meta:
        model = CheckIn
        fields = ["membership", "day"]


class ContactLeaderFilterSet(ListFilterSet):
    cadre = django_filters.ModelChoiceFilter(queryset=_cadres)
    area = WithinAreaFilter(field_name="area")

    class Meta:
        model = ContactLeader
        fields = ["cadre", "area", "level"]


class TrainingProgrammeFilterSet(ListFilterSet):
    area = WithinAreaFilter(field_name="area")
    organiser = django_filters.ModelChoiceFilter(queryset=_parties)

    class Meta:
        model = TrainingProgramme
        fields = ["year", "kind", "area", "organiser"]


class TraineeFilterSet(ListFilterSet):
    programme = django_filters.ModelChoiceFilter(
        queryset=lambda request: selectors.programme_list(actor=request.user))
    member = django_filters.ModelChoiceFilter(
        queryset=lambda request: registry_selectors.member_list(actor=request.user))
    cadre = django_filters.ModelChoiceFilter(queryset=_cadres)
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
    scheme = django_filters.ModelChoiceFilter(queryset=lambda request: selectors.scheme_list(actor=request.user))
    team = django_filters.ModelChoiceFilter(queryset=_teams)
    unit = django_filters.ModelChoiceFilter(queryset=_parties)
    cadre = django_filters.ModelChoiceFilter(queryset=_cadres)

    class Meta:
        model = AppraisalScore
        fields = ["scheme", "team", "unit", "cadre", "grade"]
