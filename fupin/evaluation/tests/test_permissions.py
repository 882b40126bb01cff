"""Scoping: appeals through the project's permission matrix; evaluations, figures, reports and interviews refused
(404 / 403) to a user granted another county, with denied writes shown to change nothing."""

import pytest
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from fupin.audit.models import AuditEvent
from fupin.evaluation import services
from fupin.evaluation.models import Appeal, Evaluation, Interview, SampleEntry
from fupin.testing.factories import load_fixture_divisions, make_user, system_user
from fupin.testing.permission_matrix import OTHER_AREA, PermissionMatrix

from .helpers import COUNTY, DAY, A, C, answers, households, population


def _evaluation():
    population(1000)
    households(A, exits=(2,), ordinary=(1,))
    households(C, exits=(3,), ordinary=(1,))
    evaluation = services.evaluation_create(actor=system_user(), area_code=COUNTY, year=2019, seed=1,
                                            ordinary_per_village=1)
    for entry in evaluation.entries.all():  # nobody recognises the work: a finding to contest everywhere
        services.interview_record(actor=system_user(), entry=entry, interviewed_on=DAY,
                                  answers=answers(entry.stratum, persons=2, recognised=False))
    return evaluation


class TestAppealEndpointPermissions(PermissionMatrix):
    basename = "evaluation-appeal"
    model = Appeal
    target_area = A

    def make_object(self, area_code):
        self.evaluation = _evaluation()
        entry = self.evaluation.entries.get(area_code=area_code, stratum="exit")
        return services.appeal_file(actor=system_user(), entry=entry, finding="not_recognised",
                                    evidence="入户回访：户主认可帮扶工作，调查时误答")

    def create_payload(self, area_code):
        entry = self.evaluation.entries.get(area_code=area_code, stratum="ordinary")
        return {"entry": entry.pk, "finding": "not_recognised", "evidence": "回访记录与签字"}

    def update_payload(self):
        return {"evidence": "补充：村民代表证明"}


def _snapshot():
    return [sorted(str(model_to_dict(o)) for o in model.objects.all()) for model in (Evaluation, SampleEntry,
                                                                                          Interview, Appeal)]


@pytest.fixture
def world(db):
    load_fixture_divisions()
    return _evaluation()


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_another_county_gets_nothing(world):
    url = f"/api/evaluations/third-party/{world.pk}/"
    outsider = _client(make_user(actions=["view", "change", "approve"], area=OTHER_AREA))
    before, events = _snapshot(), AuditEvent.objects.count()
    assert outsider.get("/api/evaluations/third-party/").json()["results"] == []
    for suffix in ("", "figures/", "frame/", "report/?kind=pdf", "report/?kind=xlsx"):
        assert outsider.get(url + suffix).status_code == 404, suffix
    assert outsider.get("/api/evaluations/third-party-samples/").json()["results"] == []
    entry = world.entries.first()
    assert outsider.post(f"/api/evaluations/third-party-samples/{entry.pk}/interview/",
                         {"answers": answers(entry.stratum, persons=9), "interviewed_on": "2019-11-21"},
                         format="json").status_code == 404
    assert outsider.post(url + "conclude/").status_code == 404
    assert outsider.post("/api/evaluations/third-party/", {"area": "533301", "year": 2019, "seed": 2,
                                                           "ordinary_per_village": 1},
                         format="json").status_code == 403
    assert _snapshot() == before and AuditEvent.objects.count() == events


def test_viewer_reads_and_the_evaluator_writes(world):
    url = f"/api/evaluations/third-party/{world.pk}/"
    viewer = _client(make_user(actions=["view"], area=COUNTY))
    assert viewer.get(url).json()["villages_total"] == 2
    figures = viewer.get(url + "figures/").json()
    assert figures["indicators"]["recognition"]["estimate"] == 0.0
    assert viewer.get(url + "report/?kind=pdf")["Content-Type"] == "application/pdf"
    assert viewer.get(url + "report/?kind=xlsx").content[:2] == b"PK"
    before, events = _snapshot(), AuditEvent.objects.count()
    entry = world.entries.order_by("position").first()
    assert viewer.post(f"/api/evaluations/third-party-samples/{entry.pk}/interview/",
                       {"answers": answers(entry.stratum, persons=9), "interviewed_on": "2019-11-21"},
                       format="json").status_code == 403
    assert viewer.post("/api/evaluations/third-party/", {"area": "533301", "year": 2019, "seed": 2,
                                                         "ordinary_per_village": 1}, format="json").status_code == 403
    assert _snapshot() == before and AuditEvent.objects.count() == events

    evaluator = _client(make_user(role="evaluator", area=COUNTY))
    response = evaluator.post(f"/api/evaluations/third-party-samples/{entry.pk}/interview/",
                              {"answers": answers(entry.stratum, persons=9), "interviewed_on": "2019-11-21"},
                              format="json")
    assert response.status_code == 200, response.content
    assert response.json()["interview"]["answers"]["household_size"] == 9
    created = evaluator.post("/api/evaluations/third-party/", {"area": "533301", "year": 2019, "seed": 2,
                                                                "villages": 1, "ordinary_per_village": 1},
                             format="json")
    assert created.status_code == 201, created.content
    assert AuditEvent.objects.count() == events + 2


def test_appeal_decided_over_the_api(world):
    clerk = _client(make_user(role="village_operator", area=A))
    entry = world.entries.get(area_code=A, stratum="exit")
    filed = clerk.post("/api/evaluations/third-party-appeals/", {"entry": entry.pk, "finding": "not_recognised",
                                                                  "evidence": "回访签字"}, format="json")
    assert filed.status_code == 201, filed.content
    appeal_url = f"/api/evaluations/third-party-appeals/{filed.json()['id']}/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = clerk.post(appeal_url + "evidence/", {"file": SimpleUploadedFile("回访.txt", b"signed"),
                                                   "description": "回访记录"}, format="multipart")
    assert upload.status_code == 201 and len(upload.json()["files"]) == 1
    assert clerk.post(appeal_url + "decide/", {"uphold": True, "note": "…"}, format="json").status_code == 403
    evaluator = _client(make_user(role="evaluator", area=COUNTY))
    decided = evaluator.post(appeal_url + "decide/", {"uphold": True, "note": "回访属实"}, format="json")
    assert decided.json()["status"] == "upheld"
    # 认可度: the exit household of A now recognises; its weight is 1 of the 4 households (all weights 1) → 1/4.
    figures = evaluator.get(f"/api/evaluations/third-party/{world.pk}/figures/").json()
    assert figures["indicators"]["recognition"]["estimate"] == 0.25
    assert clerk.patch(appeal_url, {"evidence": "改"}, format="json").status_code == 400  # decided: fixed
