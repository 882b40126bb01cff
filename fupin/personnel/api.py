"""Work teams, memberships, cadres, check-ins, leaders' contacts, training and appraisal over the API: reads through
the selectors, writes through the services (which check the area and audit). Cadres' ID numbers and phones are
masked unless the user may see sensitive values in the area keeping the cadre's record; the other resources name a
cadre or member by id and name only, never by ID number."""

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.accounts.choices import Action
from fupin.accounts.fields import ScopedPrimaryKeyRelatedField
from fupin.areas import selectors as area_selectors
from fupin.cooperation.models import Party
from fupin.core.api import WritableServiceViewSet, validated
from fupin.registry.api import MaskingMixin, RevealAuditMixin
from fupin.registry.models import Member

from . import filtersets, selectors, services
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

WRITE_METHODS = ["get", "post", "patch", "head", "options"]
AREA_FIELD = {"slug_field": "code", "queryset": area_selectors.division_list()}
# Organisations (central units, enterprises) are public and may be named from anywhere; a household party only
# where the user may see it.
PARTY_FIELD = {"model": Party, "action": Action.VIEW,
               "open_to": ~Q(kind="household")}
# A cadre one may see (kept, serving or contacting in one's areas): a leader's record is often kept by a higher
# office than the area they serve.
CADRE_FIELD = {"model": Cadre, "selector": selectors.cadre_list}
# The record a write hangs under (a team, a programme, a scheme) is named if the user may see it; the service then
# checks `change` there (403 for a viewer), and one outside the user's areas answers as missing.
PARENT_SCOPE = {"action": Action.VIEW}


class CadreSerializer(MaskingMixin, serializers.ModelSerializer):
    sensitive_fields = ("id_number", "phone")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Cadre
        fields = ["id", "area", "name", "id_number", "sex", "phone", "unit", "unit_name", "position", "party_member"]
        read_only_fields = fields


class CadreWriteSerializer(serializers.Serializer):
    area = serializers.SlugRelatedField(**AREA_FIELD)
    name = serializers.CharField()
    id_number = serializers.CharField()
    sex = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    # Any party may be a cadre's unit: central units sit outside the areas of the offices recording them.
    unit = ScopedPrimaryKeyRelatedField(**PARTY_FIELD, required=False, allow_null=True)
    unit_name = serializers.CharField(required=False, allow_blank=True)
    position = serializers.CharField(required=False, allow_blank=True)
    party_member = serializers.BooleanField(required=False)


class TeamSerializer(serializers.ModelSerializer):
    village = serializers.SlugRelatedField(slug_field="code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = WorkTeam
        fields = ["id", "village", "village_name", "unit", "unit_name", "dispatch_level", "start_date", "end_date",
                  "note"]
        read_only_fields = fields


class TeamWriteSerializer(serializers.Serializer):
    village = serializers.SlugRelatedField(**AREA_FIELD)
    unit = ScopedPrimaryKeyRelatedField(**PARTY_FIELD)
    dispatch_level = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


class MembershipSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    village = serializers.CharField(source="team.village_id", read_only=True)

    class Meta:
        model = TeamMembership
        fields = ["id", "team", "village", "cadre", "cadre_name", "role", "dispatch_level", "start_date", "end_date"]
        read_only_fields = fields


class MembershipWriteSerializer(serializers.Serializer):
    team = ScopedPrimaryKeyRelatedField(model=WorkTeam, **PARENT_SCOPE)
    cadre = ScopedPrimaryKeyRelatedField(**CADRE_FIELD)
    role = serializers.CharField()
    dispatch_level = serializers.CharField(required=False, allow_blank=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)


class CheckInSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ["id", "membership", "day", "latitude", "longitude"]
        read_only_fields = fields


class CheckInWriteSerializer(serializers.Serializer):
    membership = ScopedPrimaryKeyRelatedField(model=TeamMembership, **PARENT_SCOPE)
    day = serializers.DateField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)


class ContactLeaderSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = ContactLeader
        fields = ["id", "cadre", "cadre_name", "level", "area", "area_name", "start_date", "end_date"]
        read_only_fields = fields


class ContactLeaderWriteSerializer(serializers.Serializer):
    cadre = ScopedPrimaryKeyRelatedField(**CADRE_FIELD)
    level = serializers.CharField()
    area = serializers.SlugRelatedField(**AREA_FIELD)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)


class TrainingProgrammeSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Methods, not sources with a default: DRF skips a read-only field's default on PATCH, and the answer would
    # lack the key its schema requires.
    organiser_name = serializers.SerializerMethodField()

    class Meta:
        model = TrainingProgramme
        fields = ["id", "name", "year", "area", "kind", "budget", "organiser", "organiser_name"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_organiser_name(self, programme) -> str | None:
        return programme.organiser.name if programme.organiser_id else None


class TrainingProgrammeWriteSerializer(serializers.Serializer):
    name = serializers.CharField()
    year = serializers.IntegerField()
    area = serializers.SlugRelatedField(**AREA_FIELD)
    kind = serializers.CharField()
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    # Any party may organise: a central unit trains people of the counties it is paired with.
    organiser = ScopedPrimaryKeyRelatedField(**PARTY_FIELD, required=False, allow_null=True)


class TraineeSerializer(serializers.ModelSerializer):
    member_name = serializers.SerializerMethodField()  # methods: see TrainingProgrammeSerializer
    cadre_name = serializers.SerializerMethodField()

    class Meta:
        model = Trainee
        fields = ["id", "programme", "member", "member_name", "cadre", "cadre_name", "completed", "moved_into_job",
                  "job_date"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_member_name(self, trainee) -> str | None:
        return trainee.member.name if trainee.member_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cadre_name(self, trainee) -> str | None:
        return trainee.cadre.name if trainee.cadre_id else None


class TraineeWriteSerializer(serializers.Serializer):
    # A programme takes people from several counties: those of the areas the user edits.
    programme = ScopedPrimaryKeyRelatedField(model=TrainingProgramme, **PARENT_SCOPE)
    member = ScopedPrimaryKeyRelatedField(model=Member, required=False, allow_null=True)
    cadre = ScopedPrimaryKeyRelatedField(**CADRE_FIELD, required=False, allow_null=True)
    completed = serializers.BooleanField(required=False)
    moved_into_job = serializers.BooleanField(required=False)
    job_date = serializers.DateField(required=False, allow_null=True)


class AppraisalSchemeSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AppraisalScheme
        fields = ["id", "code", "name", "year", "subject_kind", "area", "indicators", "grades"]
        read_only_fields = fields


class AppraisalSchemeWriteSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=40)
    name = serializers.CharField()
    year = serializers.IntegerField()
    subject_kind = serializers.CharField()
    area = serializers.SlugRelatedField(**AREA_FIELD)
    # Rows are checked by the service (codes, labels, weights summing to 100, thresholds from 0 to 100).
    indicators = serializers.ListField(child=serializers.DictField())
    grades = serializers.ListField(child=serializers.DictField(), required=False,
                                   help_text="omitted: 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, 不合格")


class AppraisalScoreSerializer(serializers.ModelSerializer):
    scheme_name = serializers.CharField(source="scheme.name", read_only=True)

    class Meta:
        model = AppraisalScore
        fields = ["id", "scheme", "scheme_name", "team", "unit", "cadre", "scores", "total", "grade"]
        read_only_fields = fields


class AppraisalScoreWriteSerializer(serializers.Serializer):
    """No total or grade: the service computes both from the scheme, so any sent are ignored."""

    scheme = ScopedPrimaryKeyRelatedField(model=AppraisalScheme, **PARENT_SCOPE)
    team = ScopedPrimaryKeyRelatedField(model=WorkTeam, required=False, allow_null=True)
    unit = ScopedPrimaryKeyRelatedField(**PARTY_FIELD, required=False, allow_null=True)
    cadre = ScopedPrimaryKeyRelatedField(**CADRE_FIELD, required=False, allow_null=True)
    scores = serializers.DictField(help_text="indicator code → score from 0 to 100")


class PersonnelViewSet(WritableServiceViewSet):
    """Reads through `selector` and create/PATCH through `service` (the app's selector and service for the
    resource, set by each subclass); there is no PUT and no delete."""

    http_method_names = WRITE_METHODS
    write_serializer_class: type[serializers.Serializer]
    selector: staticmethod
    service: staticmethod

    def select(self, actor):
        return self.selector(actor=actor)

    def save(self, actor, data, instance=None):
        return self.service(actor=actor, data=data, instance=instance)

    def create(self, request, *args, **kwargs):
        data = validated(self.write_serializer_class, request.data, context=self.get_serializer_context())
        saved = self.save(request.user, dict(data))
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        payload = self.write_serializer_class(data=request.data, partial=True, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        saved = self.save(request.user, dict(payload.validated_data), instance)
        return Response(self.get_serializer(saved).data)


class CadreViewSet(RevealAuditMixin, PersonnelViewSet):
    """Cadres kept in the user's areas or serving there. ID numbers and phones are masked without "view
    sensitive" in the area keeping the record."""

    serializer_class = CadreSerializer
    write_serializer_class = CadreWriteSerializer
    filterset_class = filtersets.CadreFilterSet

    selector = staticmethod(selectors.cadre_list)
    service = staticmethod(services.cadre_save)


class GapQuerySerializer(serializers.Serializer):
    area = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class AttendanceQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)


class TeamViewSet(PersonnelViewSet):
    """Village work teams in the user's areas; `?village=` one village's teams."""

    serializer_class = TeamSerializer
    write_serializer_class = TeamWriteSerializer
    filterset_class = filtersets.TeamFilterSet

    selector = staticmethod(selectors.team_list)
    service = staticmethod(services.team_save)

    @extend_schema(parameters=[OpenApiParameter("area", str, required=True),
                               OpenApiParameter("start", str, required=True),
                               OpenApiParameter("end", str, required=True)], responses={200: dict})
    @action(detail=False, methods=["get"], url_path="rotation-gaps")
    def rotation_gaps(self, request):
        """Per village, the runs of days without a team (and without a first secretary) in the period."""
        data = validated(GapQuerySerializer, request.query_params)
        return Response(selectors.rotation_gaps(actor=request.user, area_code=data["area"], start=data["start"],
                                                end=data["end"]))

    @extend_schema(parameters=[OpenApiParameter("year", int, required=True),
                               OpenApiParameter("month", int, required=True)], responses={200: dict})
    @action(detail=True, methods=["get"])
    def attendance(self, request, pk=None):
        """Days each member checked in during the month, against the required days."""
        data = validated(AttendanceQuerySerializer, request.query_params)
        return Response(selectors.attendance(actor=request.user, team=self.get_object(), year=data["year"],
                                             month=data["month"]))


class MembershipViewSet(PersonnelViewSet):
    serializer_class = MembershipSerializer
    write_serializer_class = MembershipWriteSerializer
    filterset_class = filtersets.MembershipFilterSet

    selector = staticmethod(selectors.membership_list)
    service = staticmethod(services.membership_save)


class CheckInViewSet(PersonnelViewSet):
    serializer_class = CheckInSerializer
    write_serializer_class = CheckInWriteSerializer
    filterset_class = filtersets.CheckInFilterSet

    selector = staticmethod(selectors.check_in_list)
    service = staticmethod(services.check_in_save)


class ContactLeaderViewSet(PersonnelViewSet):
    """Leaders' contact villages and counties (包村/联系领导) in the user's areas."""

    serializer_class = ContactLeaderSerializer
    write_serializer_class = ContactLeaderWriteSerializer
    filterset_class = filtersets.ContactLeaderFilterSet

    selector = staticmethod(selectors.contact_list)
    service = staticmethod(services.contact_save)


class TrainingProgrammeViewSet(PersonnelViewSet):
    """Training programmes organised in the user's areas."""

    serializer_class = TrainingProgrammeSerializer
    write_serializer_class = TrainingProgrammeWriteSerializer
    filterset_class = filtersets.TrainingProgrammeFilterSet

    service = staticmethod(services.programme_save)

    def select(self, actor):
        return selectors.programme_list(actor=actor).select_related("organiser")


class TraineeViewSet(PersonnelViewSet):
    """People in the programmes of the user's areas: a registered member or a cadre each."""

    serializer_class = TraineeSerializer
    write_serializer_class = TraineeWriteSerializer
    filterset_class = filtersets.TraineeFilterSet

    selector = staticmethod(selectors.trainee_list)
    service = staticmethod(services.trainee_save)


class AppraisalSchemeViewSet(PersonnelViewSet):
    """Appraisal schemes of the user's areas; once scored, a scheme's indicators and grades no longer change."""

    serializer_class = AppraisalSchemeSerializer
    write_serializer_class = AppraisalSchemeWriteSerializer
    filterset_class = filtersets.AppraisalSchemeFilterSet

    selector = staticmethod(selectors.scheme_list)
    service = staticmethod(services.scheme_save)


class AppraisalScoreViewSet(PersonnelViewSet):
    """Scores under the schemes of the user's areas, with the total and grade the service computed."""

    serializer_class = AppraisalScoreSerializer
    write_serializer_class = AppraisalScoreWriteSerializer
    filterset_class = filtersets.AppraisalScoreFilterSet
    selector = staticmethod(selectors.score_list)
    service = staticmethod(services.score_save)
