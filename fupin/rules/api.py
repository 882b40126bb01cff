from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.core.api import validated

from . import selectors


class ExitQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    level = serializers.ChoiceField(choices=selectors.LEVELS)
    area = serializers.CharField(required=False)


class ExitEvaluationView(APIView):
    """Exit eligibility for a year, as `fupin evaluate exits` prints it, within the user's areas."""

    @extend_schema(parameters=[OpenApiParameter("year", int, required=True),
                               OpenApiParameter("level", str, required=True, enum=list(selectors.LEVELS)),
                               OpenApiParameter("area", str)],
                   responses={200: dict})
    def get(self, request):
        data = validated(ExitQuerySerializer, request.query_params)
        return Response(selectors.exit_report(actor=request.user, year=data["year"], level=data["level"],
                                              area_code=data.get("area")))
