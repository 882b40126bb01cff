"""Third-party evaluations over HTTP (under /api/evaluations/third-party…): evaluations with their sample, figures
and report; sample entries with their interviews; appeals with evidence. Reads through selectors (scoped to the
user's areas), writes through services."""

import tempfile
from pathlib import Path

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from fupin.accounts.choices import Action
from fupin.core.api import ServiceViewSet, validated
from fupin.core.errors import PermissionDenied

from . import selectors, services
from .models import Appeal, AppealEvidence, Evaluation, Finding, Interview, RosterEntry, RosterSurvey, SampleEntry
from .report import render_pdf, write_xlsx


class EvaluationSerializer(serializers.ModelSerializer):
    questionnaire = serializers.StringRelatedField()

    class Meta:
        model = Evaluation
        fields = ["id", "area", "year", "seed", "villages_requested", "ordinary_per_village", "villages_total",
                  "questionnaire", "status", "created_at"]


class EvaluationCreateSerializer(serializers.Serializer):
    area = serializers.CharField()
    year = serializers.IntegerField(min_value=2013, max_value=2100)
    seed = serializers.IntegerField()
    villages = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    ordinary_per_village = serializers.IntegerField(min_value=0)
    questionnaire = serializers.CharField(required=False, default="household")


class EvaluationViewSet(ServiceViewSet, mixins.CreateModelMixin):
    """Evaluations of counties in the user's areas; POST creates one and draws its sample from the seed."""

    serializer_class = EvaluationSerializer

    def select(self, actor):
        return selectors.evaluation_list(actor=actor)

    @extend_schema(request=EvaluationCreateSerializer, responses=EvaluationSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(EvaluationCreateSerializer, request.data)
        evaluation = services.evaluation_create(
            actor=request.user, area_code=data["area"], year=data["year"], seed=data["seed"],
            villages=data["villages"], ordinary_per_village=data["ordinary_per_village"],
            questionnaire=data["questionnaire"])
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def frame(self, request, pk=None):
        return Response(selectors.frame_contract(self.get_object()))

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def figures(self, request, pk=None):
        return Response(selectors.evaluation_figures(actor=request.user, evaluation=self.get_object()))

    @extend_schema(parameters=[OpenApiParameter("kind", str, enum=["pdf", "xlsx"])], responses={200: bytes})
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        evaluation = self.get_object()
        result = selectors.evaluation_figures(actor=request.user, evaluation=evaluation)
        name = f"evaluation-{evaluation.area_id[:6]}-{evaluation.year}-{evaluation.pk}"
        if request.query_params.get("kind") == "xlsx":
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "report.xlsx"
                write_xlsx(evaluation, result, path)
                content = path.read_bytes()
            response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument."
                                                          "spreadsheetml.sheet")
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
        response = HttpResponse(render_pdf(evaluation, result), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response

    @extend_schema(request=None, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        evaluation = services.evaluation_conclude(actor=request.user, evaluation=self.get_object())
        return Response(EvaluationSerializer(evaluation).data)


class InterviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interview
        fields = ["answers", "interviewed_on", "interviewer", "questionnaire", "updated_at"]


class SampleEntrySerializer(serializers.ModelSerializer):
    household = serializers.SlugRelatedField(slug_field="number", read_only=True)
    interview = serializers.SerializerMethodField()

    class Meta:
        model = SampleEntry
        fields = ["id", "evaluation", "household", "area_code", "stratum", "weight", "position", "interview"]

    def get_interview(self, entry) -> dict | None:
        interview = getattr(entry, "interview", None)
        return InterviewSerializer(interview).data if interview else None


class InterviewWriteSerializer(serializers.Serializer):
    answers = serializers.DictField()
    interviewed_on = serializers.DateField()
    interviewer = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)


class EvaluationQuery(serializers.Serializer):
    evaluation = serializers.IntegerField(required=False, min_value=1, help_text="one evaluation's entries")


class AppealQuery(EvaluationQuery):
    status = serializers.CharField(required=False)


class SampleEntryViewSet(ServiceViewSet):
    """The sampled households in the user's villages (`?evaluation=`); POST …/interview/ records the answers."""

    serializer_class = SampleEntrySerializer
    list_query = EvaluationQuery

    def select(self, actor):
        return selectors.entry_list(actor=actor, evaluation_id=self.list_params.get("evaluation"))

    @extend_schema(request=InterviewWriteSerializer, responses=SampleEntrySerializer)
    @action(detail=True, methods=["post"])
    def interview(self, request, pk=None):
        data = validated(InterviewWriteSerializer, request.data)
        entry = self.get_object()
        services.interview_record(actor=request.user, entry=entry, answers=data["answers"],
                                  interviewed_on=data["interviewed_on"], interviewer=data["interviewer"])
        entry = selectors.entry_list(actor=request.user).get(pk=entry.pk)
        return Response(SampleEntrySerializer(entry).data)


class AppealEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppealEvidence
        fields = ["id", "file", "description", "uploaded_at"]


class AppealSerializer(serializers.ModelSerializer):
    household = serializers.CharField(source="entry.household.number", read_only=True)
    files = AppealEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Appeal
        fields = ["id", "entry", "household", "area_code", "finding", "evidence", "status", "decision_note",
                  "decided_at", "files", "created_at"]
        read_only_fields = fields


class AppealCreateSerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    finding = serializers.ChoiceField(choices=Finding.choices)
    evidence = serializers.CharField()


class AppealUpdateSerializer(serializers.Serializer):
    evidence = serializers.CharField()


class AppealDecisionSerializer(serializers.Serializer):
    uphold = serializers.BooleanField()
    note = serializers.CharField()


class EvidenceFileSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, default="")


class AppealViewSet(ServiceViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin):
    """Appeals with evidence (申诉举证) in the user's villages: the county files, amends (PATCH) and withdraws
    (DELETE) them while pending; the evaluation team decides them (POST …/decide/)."""

    serializer_class = AppealSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    list_query = AppealQuery

    def select(self, actor):
        params = self.list_params
        return selectors.appeal_list(actor=actor, evaluation_id=params.get("evaluation"),
                                     status=params.get("status") or None)

    @extend_schema(request=AppealCreateSerializer, responses=AppealSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(AppealCreateSerializer, request.data)
        # Only entries where the user may file: anything else is refused alike, existing or not.
        entry = selectors.entry_list(actor=request.user, action=Action.CHANGE).filter(pk=data["entry"]).first()
        if entry is None:
            raise PermissionDenied()
        appeal = services.appeal_file(actor=request.user, entry=entry, finding=data["finding"],
                                      evidence=data["evidence"])
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AppealUpdateSerializer, responses=AppealSerializer)
    def update(self, request, *args, **kwargs):
        appeal = self.get_object()
        data = validated(AppealUpdateSerializer, request.data)
        appeal = services.appeal_update(actor=request.user, appeal=appeal, evidence=data["evidence"])
        return Response(AppealSerializer(appeal).data)

    def destroy(self, request, *args, **kwargs):
        services.appeal_withdraw(actor=request.user, appeal=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=AppealDecisionSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = validated(AppealDecisionSerializer, request.data)
        appeal = services.appeal_decide(actor=request.user, appeal=self.get_object(), uphold=data["uphold"],
                                        note=data["note"])
        return Response(AppealSerializer(appeal).data)

    @extend_schema(request=EvidenceFileSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        data = validated(EvidenceFileSerializer, request.data)
        appeal = self.get_object()
        services.appeal_attach(actor=request.user, appeal=appeal, file=data["file"],
                               description=data["description"])
        return Response(AppealSerializer(selectors.appeal_list(actor=request.user).get(pk=appeal.pk)).data,
                        status=status.HTTP_201_CREATED)


# Roster surveys (漏评 / 漏监测 from the household rosters) -----------------------------------------------------------
class RosterSurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = RosterSurvey
        fields = ["id", "area", "year", "seed", "villages_requested", "households_per_village", "villages_total",
                  "created_at"]


class RosterSurveyCreateSerializer(serializers.Serializer):
    area = serializers.CharField()
    year = serializers.IntegerField(min_value=2013, max_value=2100)
    seed = serializers.IntegerField()
    villages = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    households_per_village = serializers.IntegerField(min_value=1)


class RosterSurveyViewSet(ServiceViewSet, mixins.CreateModelMixin):
    """Roster surveys of counties in the user's areas; POST draws one from the imported rosters (the same county,
    year and seed answer the survey already drawn); …/estimates/ gives 漏评 and 漏监测 with their intervals."""

    serializer_class = RosterSurveySerializer

    def select(self, actor):
        return selectors.roster_survey_list(actor=actor)

    @extend_schema(request=RosterSurveyCreateSerializer, responses=RosterSurveySerializer)
    def create(self, request, *args, **kwargs):
        data = validated(RosterSurveyCreateSerializer, request.data)
        survey = services.roster_survey_create(
            actor=request.user, area_code=data["area"], year=data["year"], seed=data["seed"],
            villages=data["villages"], households_per_village=data["households_per_village"])
        return Response(RosterSurveySerializer(survey).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def estimates(self, request, pk=None):
        result = selectors.roster_estimates(self.get_object())
        result.pop("estimates")  # the exact fractions are given as text under each figure's "exact"
        return Response(result)


class RosterEntrySerializer(serializers.ModelSerializer):
    roster_number = serializers.CharField(source="roster.number", read_only=True)
    head_name = serializers.CharField(source="roster.head_name", read_only=True)

    class Meta:
        model = RosterEntry
        fields = ["id", "survey", "area_code", "roster_number", "head_name", "weight", "position", "registered",
                  "monitored", "should_register", "should_monitor", "surveyed_on"]


class RosterFindingSerializer(serializers.Serializer):
    should_register = serializers.BooleanField()
    should_monitor = serializers.BooleanField()
    surveyed_on = serializers.DateField()


class RosterSurveyQuery(serializers.Serializer):
    survey = serializers.IntegerField(required=False, min_value=1, help_text="one survey's entries")


class RosterEntryViewSet(ServiceViewSet):
    """The drawn roster households in the user's villages (`?survey=`); POST …/finding/ records what the surveyors
    found (should it be registered, monitored)."""

    serializer_class = RosterEntrySerializer
    list_query = RosterSurveyQuery

    def select(self, actor):
        return selectors.roster_entry_list(actor=actor, survey_id=self.list_params.get("survey"))

    @extend_schema(request=RosterFindingSerializer, responses=RosterEntrySerializer)
    @action(detail=True, methods=["post"])
    def finding(self, request, pk=None):
        data = validated(RosterFindingSerializer, request.data)
        entry = services.roster_finding_record(actor=request.user, entry=self.get_object(), **data)
        return Response(RosterEntrySerializer(entry).data)
