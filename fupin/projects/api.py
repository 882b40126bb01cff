from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.areas.models import Area
from fupin.cooperation.models import Party
from fupin.core.api import ServiceViewSet, validated

from . import codelists as cl
from . import selectors, services
from .models import Project, ProjectDocument, ProjectFunding, ProjectStage


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectStage
        fields = ["stage", "planned_start", "planned_end", "completed_on"]


class FundingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectFunding
        fields = ["source", "planned", "actual"]


class ProjectSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=Area.objects.all())
    helper = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all(), allow_null=True, required=False)
    unit = serializers.CharField(read_only=True)
    stages = StageSerializer(many=True, read_only=True)
    fundings = FundingSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = ["id", "name", "type", "area", "year", "planned_start", "planned_end", "actual_start", "actual_end",
                  "planned_scale", "actual_scale", "unit", "helper", "status", "stages", "fundings"]


class CompleteSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=cl.STAGE.choices)
    on = serializers.DateField()


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectDocument
        fields = ["id", "stage", "kind", "number", "title", "file_name", "uploaded_at"]
        read_only_fields = ["uploaded_at"]


class DelayQuerySerializer(serializers.Serializer):
    on = serializers.DateField()


class ProjectViewSet(ServiceViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """The project bank; stages complete through `complete`, which refuses while a required document is missing."""

    serializer_class = ProjectSerializer
    filterset_fields = ["type", "year", "status"]

    def select(self, actor):
        return selectors.project_list(actor=actor).prefetch_related("stages", "fundings")

    def perform_create(self, serializer):
        serializer.instance = services.project_save(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.project_save(actor=self.request.user, data=serializer.validated_data,
                                                    instance=serializer.instance)

    @extend_schema(request=CompleteSerializer, responses=StageSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = validated(CompleteSerializer, request.data)
        stage = services.stage_complete(actor=request.user, project=self.get_object(), stage=data["stage"],
                                        on=data["on"])
        return Response(StageSerializer(stage).data)

    @extend_schema(request=DocumentSerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        data = validated(DocumentSerializer, request.data)
        document = services.document_save(actor=request.user, data={**data, "project": self.get_object()})
        return Response(DocumentSerializer(document).data, status=201)

    @extend_schema(parameters=[OpenApiParameter("on", str, required=True)], responses={200: dict})
    @action(detail=True, methods=["get"])
    def delay(self, request, pk=None):
        data = validated(DelayQuerySerializer, request.query_params)
        return Response(selectors.delay_status(self.get_object(), data["on"]))
