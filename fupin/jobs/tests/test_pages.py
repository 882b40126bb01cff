"""The jobs pages: one's own jobs (filtered as the API filters them), and a job's status and result."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fupin.jobs.models import Job, JobStatus
from fupin.testing.factories import make_user

pytestmark = pytest.mark.django_db


def make_job(user, kind="areas.load", status=JobStatus.SUCCEEDED, result=None):
    return Job.objects.create(created_by=user, kind=kind, status=status, result=result)


def test_the_jobs_page_lists_ones_own_jobs(client):
    mine, theirs = make_user(), make_user()
    own = make_job(mine)
    other = make_job(theirs)
    client.force_login(mine)
    page = client.get(reverse("web:jobs")).content.decode()
    assert reverse("web:job", args=[own.pk]) in page
    assert reverse("web:job", args=[other.pk]) not in page
    assert 'hx-get="/jobs/"' in page  # the table polls itself


def test_the_jobs_page_filters_like_the_api(client):
    user = make_user()
    done = make_job(user, status=JobStatus.SUCCEEDED)
    failed = make_job(user, kind="registry.import_households", status=JobStatus.FAILED)
    client.force_login(user)
    page = client.get(reverse("web:jobs"), {"status": "failed"}).content.decode()
    assert reverse("web:job", args=[failed.pk]) in page and reverse("web:job", args=[done.pk]) not in page
    assert 'hx-get="/jobs/?status=failed"' in page  # polling keeps the filter
    api = APIClient()
    api.force_authenticate(user)
    assert [row["id"] for row in api.get("/api/jobs/", {"status": "failed"}).json()["results"]] == [failed.pk]
    assert [row["id"] for row in api.get("/api/jobs/", {"kind": "areas.load"}).json()["results"]] == [done.pk]


def test_an_unknown_filter_on_the_jobs_page_is_a_400(client):
    user = make_user()
    make_job(user)
    client.force_login(user)
    response = client.get(reverse("web:jobs"), {"state": "failed"})
    assert response.status_code == 400
    assert "state" in response.content.decode() and "kind, status" in response.content.decode()
    assert client.get(reverse("web:jobs"), {"status": "lost"}).status_code == 400
    api = APIClient()
    api.force_authenticate(user)
    assert api.get("/api/jobs/", {"state": "failed"}).status_code == 400


def test_a_job_page_shows_its_result_in_words(client):
    user = make_user()
    job = make_job(user, result={"rows": 3, "written": True, "errors_file": "imports/x.xlsx"})
    client.force_login(user)
    with_language = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get(reverse("web:job", args=[job.pk]), **with_language).content.decode()
    assert "Rows read" in page and "errors_file" not in page
    assert f'href="/api/jobs/{job.pk}/errors/"' in page
    fragment = client.get(reverse("web:job", args=[job.pk]), HTTP_HX_REQUEST="true", **with_language)
    assert fragment.content.decode().lstrip().startswith('<div id="job-status"')


def test_someone_elses_job_is_not_found(client):
    job = make_job(make_user())
    client.force_login(make_user())
    assert client.get(reverse("web:job", args=[job.pk])).status_code == 404
