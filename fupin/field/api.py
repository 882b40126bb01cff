"""The field app over HTTP: the phone's copy of the user's villages (GET /api/field/data/) and the sync of what it
queued offline (POST /api/field/sync/). Session (the installed app) or token authentication; a session's POST
carries the CSRF token DRF checks."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services


class BundleView(APIView):
    """The households (with members, plans, responsible cadres, latest incomes and open warning tasks) of the
    villages the user may change, and the work-team memberships serving there today."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(selectors.phone_bundle(actor=request.user))


class SyncView(APIView):
    """Apply queued entries; each answer is applied, refused (with why) or conflict (with the server's value). An
    entry already answered (same client id) gets the same answer and changes nothing."""

    @extend_schema(request=inline_serializer("FieldSync", {"entries": serializers.ListField(
        child=serializers.DictField())}), responses={200: dict})
    def post(self, request):
        entries = request.data.get("entries") if isinstance(request.data, dict) else None
        return Response({"results": services.sync(actor=request.user, entries=entries)})
