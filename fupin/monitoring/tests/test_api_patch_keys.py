"""A visit task answers PATCH with the same keys as GET: the cadre's name and the case's step are methods, so a
task without a case still says `case_step: null` (a read-only source with a default is skipped on PATCH)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fupin.testing.factories import load_fixture_divisions, make_cadre, make_user

from .helpers import LUZHANG, responsible
from .test_api import make_task

pytestmark = pytest.mark.django_db


def test_patch_answers_the_keys_get_answers():
    load_fixture_divisions()
    task = make_task(LUZHANG)
    responsible(task.household)
    client = APIClient()
    client.force_authenticate(make_user(actions=["view", "change"], area="533301000000"))
    url = reverse("api:visit-task-detail", args=[task.pk])
    before = client.get(url).json()
    assert (before["cadre_name"], before["case_step"]) == (None, None)
    cadre = make_cadre(name="指派干部")
    response = client.patch(url, {"cadre": cadre.pk}, format="json")
    assert response.status_code == 200, response.content
    after = response.json()
    assert set(after) == set(before)
    assert (after["cadre"], after["cadre_name"], after["case"], after["case_step"]) == (cadre.pk, "指派干部",
                                                                                       None, None)
    assert client.get(url).json() == after
