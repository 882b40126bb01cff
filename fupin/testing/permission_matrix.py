"""A permission matrix any API resource gets by declaring its data (the NetBox idea).

Subclass `PermissionMatrix` in a test module, set `basename` and implement `make_object(area_code)`,
`create_payload(area_code)` and `update_payload()`. Each case runs for: anonymous, a user without grants, a
user granted in another area, a viewer in the area and an editor in the area. Every denied case is checked
to have changed nothing (same rows, same values, no audit event).
"""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from rest_framework.test import APIClient

from fupin.audit.models import AuditEvent

from .factories import load_fixture_divisions, make_user

HOME_AREA = "533301000000"  # 泸水市 in the fixture divisions
OTHER_AREA = "441900000000"  # 东莞市


def _snapshot(model):
    return sorted((model_to_dict(obj) for obj in model.objects.all()), key=lambda row: str(row))


@pytest.mark.django_db
class PermissionMatrix:
    basename: str
    model = None
    lookup = "pk"
    supports_create = True
    supports_delete = True
    target_area = "533301102201"  # a village inside HOME_AREA

    def make_object(self, area_code: str):
        raise AssertionError("declare make_object in the resource's test class")

    def create_payload(self, area_code: str) -> dict:
        raise AssertionError("declare create_payload in the resource's test class")

    def update_payload(self) -> dict:
        raise AssertionError("declare update_payload in the resource's test class")

    # Fixtures ------------------------------------------------------------------------------------------------
    @pytest.fixture(autouse=True)
    def _world(self, db):
        load_fixture_divisions()
        self.obj = self.make_object(self.target_area)
        self.actors = {
            "anonymous": None,
            "no_grant": make_user(),
            "other_area": make_user(actions=["view", "change"], area=OTHER_AREA),
            "viewer": make_user(actions=["view"], area=HOME_AREA),
            "editor": make_user(actions=["view", "change"], area=HOME_AREA),
        }

    def client_for(self, who: str) -> APIClient:
        client = APIClient()
        if self.actors[who] is not None:
            client.force_authenticate(self.actors[who])
        return client

    def list_url(self):
        return reverse(f"api:{self.basename}-list")

    def detail_url(self):
        return reverse(f"api:{self.basename}-detail", args=[getattr(self.obj, self.lookup)])

    def assert_unchanged(self, action):
        before_rows, before_events = _snapshot(self.model), AuditEvent.objects.count()
        response = action()
        assert _snapshot(self.model) == before_rows, "a denied request changed data"
        assert AuditEvent.objects.count() == before_events, "a denied request wrote an audit event"
        return response

    # The matrix ----------------------------------------------------------------------------------------------
    @pytest.mark.parametrize("who", ["anonymous"])
    def test_anonymous_is_refused_everything(self, who):
        client = self.client_for(who)
        assert client.get(self.list_url()).status_code in (401, 403)
        assert client.get(self.detail_url()).status_code in (401, 403)
        assert self.assert_unchanged(lambda: client.patch(self.detail_url(), self.update_payload(),
                                                          format="json")).status_code in (401, 403)
        if self.supports_create:
            assert self.assert_unchanged(lambda: client.post(self.list_url(), self.create_payload(self.target_area),
                                                             format="json")).status_code in (401, 403)
        if self.supports_delete:
            assert self.assert_unchanged(lambda: client.delete(self.detail_url())).status_code in (401, 403)

    @pytest.mark.parametrize("who", ["no_grant", "other_area"])
    def test_outsiders_see_nothing_and_change_nothing(self, who):
        client = self.client_for(who)
        listed = client.get(self.list_url())
        assert listed.status_code == 200
        keys = {str(item[self.lookup if self.lookup != "pk" else "id"]) for item in listed.json()["results"]}
        assert str(getattr(self.obj, self.lookup)) not in keys
        assert client.get(self.detail_url()).status_code == 404
        assert self.assert_unchanged(lambda: client.patch(self.detail_url(), self.update_payload(),
                                                          format="json")).status_code == 404
        if self.supports_create:
            # 403 for a record placed in an area not theirs; 400 when the payload names a record they may not see
            # (it answers as a missing id, confirming nothing about it).
            assert self.assert_unchanged(lambda: client.post(self.list_url(), self.create_payload(self.target_area),
                                                             format="json")).status_code in (400, 403)
        if self.supports_delete:
            assert self.assert_unchanged(lambda: client.delete(self.detail_url())).status_code == 404

    def test_viewer_reads_but_cannot_change(self):
        client = self.client_for("viewer")
        assert client.get(self.detail_url()).status_code == 200
        listed = client.get(self.list_url()).json()["results"]
        assert listed, "the viewer's list is empty"
        assert self.assert_unchanged(lambda: client.patch(self.detail_url(), self.update_payload(),
                                                          format="json")).status_code == 403
        if self.supports_create:
            # 400 when the payload names a record only editors may attach (a household, a cadre to score).
            assert self.assert_unchanged(lambda: client.post(self.list_url(), self.create_payload(self.target_area),
                                                             format="json")).status_code in (400, 403)
        if self.supports_delete:
            assert self.assert_unchanged(lambda: client.delete(self.detail_url())).status_code == 403

    def test_editor_changes_with_an_audit_event_each(self):
        client = self.client_for("editor")
        events = AuditEvent.objects.count()
        response = client.patch(self.detail_url(), self.update_payload(), format="json")
        assert response.status_code == 200, response.content
        assert AuditEvent.objects.count() == events + 1
        if self.supports_create:
            response = client.post(self.list_url(), self.create_payload("533301001201"), format="json")
            assert response.status_code == 201, response.content
            assert AuditEvent.objects.count() == events + 2
        if self.supports_delete:
            assert client.delete(self.detail_url()).status_code == 204
            assert not self.model.objects.filter(pk=self.obj.pk).exists()
