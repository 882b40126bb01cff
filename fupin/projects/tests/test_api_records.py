"""A project's records over the API: the permission matrix for beneficiaries and assets, households outside the
project's county refused, and records that cannot be moved away from a project the user only views."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from fupin.accounts.models import AreaGrant
from fupin.areas.models import Area
from fupin.projects import services
from fupin.projects.models import ProjectAsset, ProjectBeneficiary
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user
from fupin.testing.permission_matrix import HOME_AREA, PermissionMatrix

LUZHANG = "533301102201"  # a village of 泸水市
CREATED_IN = "533301001201"  # the village of 泸水市 the matrix's editor creates in
LAZHUDI = "533323101201"  # a village of 福贡县, another county


def make_project(area: str):
    return services.project_save(actor=system_user(), data={
        "name": f"产业项目 {area}", "type": "industry", "area": Area.objects.get(code=area), "year": 2019})


def beneficiary_for(project, household):
    return services.beneficiary_save(actor=system_user(), data={
        "project": project, "household": household, "mechanism": "wages", "amount": Decimal("1200.00"), "persons": 2})


class TestProjectBeneficiaryEndpointPermissions(PermissionMatrix):
    basename = "project-beneficiary"
    model = ProjectBeneficiary
    supports_delete = False

    def make_object(self, area_code):
        self.projects = {code: make_project(code) for code in (area_code, CREATED_IN)}
        self.household = register_poor_household(area=area_code, size=2)
        return beneficiary_for(self.projects[area_code], self.household)

    def create_payload(self, area_code):
        return {"project": self.projects[area_code].pk, "household": self.household.pk, "mechanism": "dividends",
                "amount": "800.00", "persons": 2}

    def update_payload(self):
        return {"amount": "1500.00"}


class TestProjectAssetEndpointPermissions(PermissionMatrix):
    basename = "project-asset"
    model = ProjectAsset
    supports_delete = False

    def make_object(self, area_code):
        self.projects = {code: make_project(code) for code in (area_code, CREATED_IN)}
        return services.asset_save(actor=system_user(), data={
            "project": self.projects[area_code], "kind": "productive", "name": "蔬菜大棚", "value": Decimal(300000),
            "owner_kind": "collective", "owner_name": "村集体经济合作社",
            "owner_area": Area.objects.get(code=area_code)})

    def create_payload(self, area_code):
        return {"project": self.projects[area_code].pk, "kind": "public", "name": "村组道路", "value": "120000.00",
                "owner_kind": "collective", "owner_name": "村民委员会", "owner_area": area_code}

    def update_payload(self):
        return {"value": "280000.00"}


@pytest.fixture
def editor(db):
    load_fixture_divisions()
    client = APIClient()
    client.force_authenticate(make_user(actions=["view", "change"], area=HOME_AREA))
    return client


def test_a_household_outside_the_projects_county_is_refused(editor):
    project = make_project(LUZHANG)
    elsewhere = register_poor_household(area=LAZHUDI, size=3)
    response = editor.post("/api/project-beneficiaries/", {
        "project": project.pk, "household": elsewhere.pk, "mechanism": "wages", "amount": "1000.00", "persons": 3},
        format="json")
    assert response.status_code == 400
    # Refused by the service (another county than the project's) or, outside the user's areas, as a missing id.
    body = response.json()
    assert body.get("field") == "household" or "household" in body
    assert not ProjectBeneficiary.objects.exists()


def test_a_record_cannot_be_moved_away_from_a_project_only_viewed(editor):
    beneficiary = beneficiary_for(make_project(LUZHANG), register_poor_household(area=LUZHANG, size=2))
    own_project = make_project(CREATED_IN)
    mover = make_user(actions=["view", "change"], area=CREATED_IN)
    AreaGrant.objects.create(user=mover, area_id=LUZHANG, actions=["view"])
    client = APIClient()
    client.force_authenticate(mover)
    response = client.patch(f"/api/project-beneficiaries/{beneficiary.pk}/", {"project": own_project.pk},
                            format="json")
    assert response.status_code == 403
    beneficiary.refresh_from_db()
    assert beneficiary.project.area_id == LUZHANG
    # Where the user may change both projects, the move goes through the service.
    assert editor.patch(f"/api/project-beneficiaries/{beneficiary.pk}/", {"project": own_project.pk},
                        format="json").status_code == 200
