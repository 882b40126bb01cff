"""Grant changes made in the admin are audited like the services' own: grants added, changed and deleted, roles'
actions, users' roles and administrator flags."""

import pytest
from django.test import Client

from fupin.accounts.models import AreaGrant, Role, User
from fupin.audit.models import AuditEvent
from fupin.testing.factories import load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    load_fixture_divisions()
    admin = make_user(username="nation", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_a_grant_added_changed_and_deleted_in_the_admin_is_audited(admin_client):
    clerk = make_user(username="clerk")
    response = admin_client.post("/admin/accounts/areagrant/add/", {
        "user": clerk.pk, "role": "", "area": "533300000000", "actions": '["view", "view_sensitive"]'})
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = AreaGrant.objects.get(user=clerk)
    [added] = events("accounts.grant_saved")
    assert (added.actor_name, added.object_id, added.area_code) == ("nation", str(grant.pk), "533300000000")
    assert added.after == {"user": "clerk", "role": None, "area": "533300000000",
                           "actions": ["view", "view_sensitive"]}

    admin_client.post(f"/admin/accounts/areagrant/{grant.pk}/change/", {
        "user": clerk.pk, "role": "", "area": "", "actions": '["view", "view_sensitive", "export"]'})
    [changed] = events("accounts.grant_changed")
    assert changed.before["area"] == "533300000000" and changed.after["area"] is None
    assert changed.after["actions"] == ["export", "view", "view_sensitive"]

    admin_client.post(f"/admin/accounts/areagrant/{grant.pk}/delete/", {"post": "yes"})
    assert not AreaGrant.objects.filter(pk=grant.pk).exists()
    [revoked] = events("accounts.grant_revoked")
    assert revoked.object_id == str(grant.pk) and revoked.after is None and revoked.before["user"] == "clerk"


def test_grants_deleted_with_the_admins_bulk_action_are_audited(admin_client):
    grants = [AreaGrant.objects.create(user=make_user(), area_id="533300000000", actions=["view"]) for _ in range(2)]
    admin_client.post("/admin/accounts/areagrant/", {
        "action": "delete_selected", "_selected_action": [g.pk for g in grants], "post": "yes"})
    assert not AreaGrant.objects.filter(pk__in=[g.pk for g in grants]).exists()
    assert sorted(e.object_id for e in events("accounts.grant_revoked")) == sorted(str(g.pk) for g in grants)


def test_a_roles_actions_changed_in_the_admin_are_audited(admin_client):
    role = Role.objects.create(code="auditor", name="Auditor", actions=["view"])
    admin_client.post(f"/admin/accounts/role/{role.pk}/change/", {
        "code": "auditor", "name": "Auditor", "actions": '["view", "view_sensitive"]'})
    [saved] = events("accounts.role_saved")
    assert saved.before["actions"] == ["view"] and saved.after["actions"] == ["view", "view_sensitive"]


def _user_form(user: User, **changes) -> dict:
    data = {
        "username": user.username, "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "display_name": "", "roles": [],
        "grants-TOTAL_FORMS": "0", "grants-INITIAL_FORMS": "0", "grants-MIN_NUM_FORMS": "0",
        "grants-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_users_roles_flags_and_inline_grants_changed_in_the_admin_are_audited(admin_client):
    clerk = make_user(username="clerk")
    approver = Role.objects.get(code="county_approver") if Role.objects.filter(
        code="county_approver").exists() else Role.objects.first()
    response = admin_client.post(f"/admin/accounts/user/{clerk.pk}/change/", _user_form(
        clerk, roles=[approver.pk], is_staff="on",
        **{"grants-TOTAL_FORMS": "1", "grants-0-area": "533300000000", "grants-0-actions": '["view"]',
           "grants-0-user": clerk.pk}))
    assert response.status_code == 302, response.content.decode()[:3000]
    [roles] = events("accounts.user_roles_changed")
    assert roles.before == {"user": "clerk", "roles": []} and roles.after == {"user": "clerk",
                                                                            "roles": [approver.code]}
    [flags] = events("accounts.user_privileges_changed")
    assert flags.before["is_staff"] is False and flags.after["is_staff"] is True
    [added] = events("accounts.grant_saved")
    assert added.after["user"] == "clerk" and added.after["area"] == "533300000000"
    grant = AreaGrant.objects.get(user=clerk)

    admin_client.post(f"/admin/accounts/user/{clerk.pk}/change/", _user_form(
        clerk, roles=[approver.pk], is_staff="on",
        **{"grants-TOTAL_FORMS": "1", "grants-INITIAL_FORMS": "1", "grants-0-id": grant.pk,
           "grants-0-user": clerk.pk, "grants-0-area": "533300000000", "grants-0-actions": '["view"]',
           "grants-0-DELETE": "on"}))
    assert not AreaGrant.objects.filter(pk=grant.pk).exists()
    [revoked] = events("accounts.grant_revoked")
    assert revoked.object_id == str(grant.pk)
    assert len(events("accounts.user_roles_changed")) == 1  # nothing else changed: nothing else audited
