from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.core.api import WritableServiceViewSet

from . import selectors, services
from .filtersets import AreaFilterSet, AreaYearFilterSet, DesignationFilterSet
from .models import Area, AreaDesignation, AreaYear


class AreaSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Area
        fields = ["code", "name", "level", "level_label", "parent", "region_class"]
        read_only_fields = ["code", "level", "parent", "region_class"]


class AreaViewSet(WritableServiceViewSet):
    """Areas visible to the user. Only the name can be changed (by an editor of the area)."""

    serializer_class = AreaSerializer
    filterset_class = AreaFilterSet
    lookup_field = "code"
    http_method_names = ["get", "patch", "head", "options"]

    def select(self, actor):
        return selectors.area_list(actor=actor)

    def perform_update(self, serializer):
        serializer.instance = services.area_rename(
            actor=self.request.user, area=serializer.instance,
            name=serializer.validated_data.get("name", serializer.instance.name),
        )

    @extend_schema(responses=AreaSerializer(many=True))
    @action(detail=True, methods=["get"])
    def children(self, request, code=None):
        area = self.get_object()
        rows = selectors.children_with_counts(actor=request.user, area=area)
        return Response([{**AreaSerializer(row["area"]).data, "villages": row["villages"]} for row in rows])


class DesignationSerializer(serializers.ModelSerializer):
    # Areas are named freely (the divisions are public): the service answers 403 where the user may not write.
    area = serializers.SlugRelatedField(slug_field="code", queryset=selectors.area_choices())
    designation_type = serializers.SlugRelatedField(slug_field="code", queryset=selectors.designation_type_list())

    class Meta:
        model = AreaDesignation
        fields = ["id", "area", "designation_type", "year", "exit_year"]


class DesignationViewSet(WritableServiceViewSet):
    serializer_class = DesignationSerializer
    filterset_class = DesignationFilterSet

    def select(self, actor):
        return selectors.designation_list(actor=actor)

    def perform_create(self, serializer):
        serializer.instance = services.designation_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        current = serializer.instance
        data = {"area": current.area, "designation_type": current.designation_type, "year": current.year,
                "exit_year": current.exit_year, **serializer.validated_data}
        serializer.instance = services.designation_save(actor=self.request.user, instance=current, **data)

    def perform_destroy(self, instance):
        services.designation_delete(actor=self.request.user, instance=instance)


class AreaYearSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=selectors.area_choices())

    class Meta:
        model = AreaYear
        fields = ["id", "area", "year", "rural_population", "households"]


class AreaYearViewSet(WritableServiceViewSet):
    serializer_class = AreaYearSerializer
    filterset_class = AreaYearFilterSet

    def select(self, actor):
        return selectors.area_year_list(actor=actor)

    def perform_create(self, serializer):
        serializer.instance = services.area_year_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        current = serializer.instance
        data = {"area": current.area, "year": current.year, "rural_population": current.rural_population,
                "households": current.households, **serializer.validated_data}
        serializer.instance = services.area_year_save(actor=self.request.user, instance=current, **data)

    def perform_destroy(self, instance):
        services.area_year_delete(actor=self.request.user, instance=instance)

