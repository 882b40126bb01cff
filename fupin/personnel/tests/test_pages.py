"""The personnel pages on a small hand-built county: each form saves through the personnel service (the record
and its audit event), a refused or invalid input is shown in place with the service's message and writes nothing,
the work-team list takes the filters of its API list (unknown ones refused), rotation gaps are shown, and a user
granted another county gets 404 for every page and every post."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.audit.models import AuditEvent
from fupin.cooperation.models import Party
from fupin.personnel import services as personnel
from fupin.personnel.codelists import TEAM_ROLE
from fupin.personnel.models import AppraisalScore, TeamMembership, Trainee, TrainingProgramme, WorkTeam
from fupin.testing.factories import load_fixture_divisions, make_cadre, register_poor_household, system_user
from fupin.testing.pages import events, in_form, log_in_as, shown

pytestmark = pytest.mark.django_db
D = datetime.date
NUJIANG, LUSHUI, LUZHANG, SANHE, FUGONG = "533300000000", "533301000000", "533301102201", "533301102202", \
    "533323000000"


@pytest.fixture
def county():
    load_fixture_divisions()
    actor = system_user()
    household = register_poor_household(area=LUZHANG, size=2, main_cause="07", other_causes=["01"])
    lushui = Area.objects.get(code=LUSHUI)
    unit = Party.objects.create(kind="provincial_unit", name="省交通厅", area=Area.objects.get(code=NUJIANG))
    team = personnel.team_save(actor=actor, data={"village": Area.objects.get(code=LUZHANG), "unit": unit,
                                                  "dispatch_level": "province", "start_date": D(2019, 1, 1)})
    scheme = personnel.scheme_save(actor=actor, data={
        "code": "LS2019T", "name": "2019年驻村工作队考核", "year": 2019, "subject_kind": "team", "area": lushui,
        "indicators": [{"code": "results", "zh": "工作实绩", "en": "results", "weight": 60},
                       {"code": "discipline", "zh": "组织纪律", "en": "discipline", "weight": 40}]})
    return {"household": household, "unit": unit, "team": team, "scheme": scheme}


# Work teams ------------------------------------------------------------------------------------------------------
def test_a_team_is_sent_and_given_a_captain_and_first_secretary(client, county):
    url = reverse("web:teams", args=[LUSHUI])
    log_in_as(client, LUSHUI)
    response = client.post(url, {"form": "team", "village": SANHE, "unit": "省交通厅", "dispatch_level": "province",
                                 "start_date": "2019-03-01", "note": "第二批"})
    assert response.status_code == 302
    team = WorkTeam.objects.get(village_id=SANHE)
    assert (team.unit, team.dispatch_level, team.start_date, team.end_date, team.note) == (
        county["unit"], "province", D(2019, 3, 1), None, "第二批")
    assert [event.object_id for event in events("personnel.team_saved")][-1] == str(team.pk)
    # One team serves a village at a time.
    response = client.post(url, {"form": "team", "village": SANHE, "unit": "省交通厅", "dispatch_level": "county",
                                 "start_date": "2019-06-01"})
    assert shown(_("Another team serves this village from %(start)s to %(end)s; one team serves a village at a "
                   "time."), start=D(2019, 3, 1), end=_("now")) in in_form(response, "team")
    assert WorkTeam.objects.filter(village_id=SANHE).count() == 1

    wang, li = make_cadre(name="王队长"), make_cadre(name="李队员")
    for cadre, role in ((wang, "captain"), (wang, "first_secretary")):
        assert client.post(url, {"form": "member", "team": str(team.pk), "cadre": cadre.id_number, "role": role,
                                 "start_date": "2019-03-01"}).status_code == 302
    assert list(TeamMembership.objects.filter(team=team).values_list("cadre__name", "role", "dispatch_level")) == [
        ("王队长", "captain", "province"), ("王队长", "first_secretary", "province")]
    assert len(events("personnel.membership_saved")) == 2
    response = client.post(url, {"form": "member", "team": str(team.pk), "cadre": li.id_number, "role": "captain",
                                 "start_date": "2019-04-01"})
    assert shown(_("%(name)s is already %(role)s of this team in that period."), name="王队长",
                 role=TEAM_ROLE.label("captain", "zh-hans")) in in_form(response, "member")
    assert TeamMembership.objects.filter(cadre=li).count() == 0
    page = client.get(url).content.decode()
    assert f'data-team="{team.pk}"' in page and "王队长" in page
    assert url in client.get(reverse("web:helping", args=[LUSHUI])).content.decode()


# Training --------------------------------------------------------------------------------------------------------
def test_a_programme_is_set_up_and_a_trainee_enrolled(client, county):
    url = reverse("web:training", args=[LUSHUI])
    log_in_as(client, LUSHUI)
    response = client.post(url, {"form": "programme", "name": "2019年草果种植培训", "year": "2019",
                                 "kind": "practical", "budget": "80000", "organiser": "省交通厅"})
    assert response.status_code == 302
    programme = TrainingProgramme.objects.get()
    assert (programme.area_id, programme.kind, programme.budget, programme.organiser) == (
        LUSHUI, "practical", Decimal("80000.00"), county["unit"])
    assert [event.object_id for event in events("personnel.programme_saved")] == [str(programme.pk)]

    member = county["household"].members.order_by("id").first()
    enrol = {"form": "trainee", "programme": str(programme.pk), "person": member.id_number}
    response = client.post(url, {**enrol, "job_date": "2019-09-01"})
    assert shown(_("A job date is given but the trainee has not moved into a job.")) in in_form(response, "trainee")
    assert Trainee.objects.count() == 0
    assert client.post(url, enrol).status_code == 302
    # Enrolled again: the same enrolment records the completion and the job.
    assert client.post(url, {**enrol, "completed": "on", "moved_into_job": "on",
                             "job_date": "2019-09-01"}).status_code == 302
    trainee = Trainee.objects.get()
    assert (trainee.member, trainee.cadre, trainee.completed, trainee.moved_into_job, trainee.job_date) == (
        member, None, True, True, D(2019, 9, 1))
    assert len(events("personnel.trainee_saved")) == 2
    page = client.get(url).content.decode()
    assert f'data-programme="{programme.pk}"' in page and "2019年草果种植培训" in page


# Appraisal -------------------------------------------------------------------------------------------------------
def test_scores_are_entered_and_the_total_and_grade_computed(client, county):
    scheme, team = county["scheme"], county["team"]
    log_in_as(client, LUSHUI)
    listing = client.get(reverse("web:appraisal", args=[LUSHUI])).content.decode()
    assert 'data-indicator="results"><td>工作实绩</td><td class="number">60</td>' in listing
    assert 'data-indicator="discipline"><td>组织纪律</td><td class="number">40</td>' in listing
    url = reverse("web:appraisal-scheme", args=[LUSHUI, scheme.pk])
    assert url in listing

    response = client.post(url, {"form": "score", "team": str(team.pk), "score_results": "101",
                                 "score_discipline": "80"})
    assert shown(_("Scores are from 0 to 100; %(code)s has %(score)s."), code="results",
                 score=Decimal("101")) in in_form(response, "score")
    assert AppraisalScore.objects.count() == 0

    assert client.post(url, {"form": "score", "team": str(team.pk), "score_results": "92",
                             "score_discipline": "85"}).status_code == 302
    score = AppraisalScore.objects.get()
    assert (score.team, score.scores, score.total, score.grade) == (team, {"results": 92, "discipline": 85},
                                                                    Decimal("89.20"), "good")  # 55.2 + 34
    assert personnel.appraisal_result(scheme, score.scores)[1:] == (score.total, score.grade)
    page = client.get(url).content.decode()
    assert '<td class="number total">89.20</td><td class="grade">良好</td>' in page
    # The same subject again: its scores are changed, not refused as a second score.
    assert client.post(url, {"form": "score", "team": str(team.pk), "score_results": "95",
                             "score_discipline": "90"}).status_code == 302
    score.refresh_from_db()
    assert (AppraisalScore.objects.count(), score.total, score.grade) == (1, Decimal("93.00"), "excellent")
    assert [event.object_id for event in events("personnel.score_saved")] == [str(score.pk)] * 2


# Who may ---------------------------------------------------------------------------------------------------------
def test_a_user_granted_another_county_gets_404_and_writes_nothing(client, county):
    log_in_as(client, FUGONG)
    pages = [reverse("web:teams", args=[LUSHUI]), reverse("web:training", args=[LUSHUI]),
             reverse("web:appraisal", args=[LUSHUI]),
             reverse("web:appraisal-scheme", args=[LUSHUI, county["scheme"].pk]),
             # The county's scheme is not reached through a page of the other county either.
             reverse("web:appraisal-scheme", args=[FUGONG, county["scheme"].pk]),
             reverse("web:rotation-gaps", args=[LUSHUI])]
    before = AuditEvent.objects.count()
    for url in pages:
        assert client.get(url).status_code == 404, url
    posts = [(pages[0], {"form": "team", "village": SANHE, "unit": "省交通厅", "dispatch_level": "province",
                         "start_date": "2019-03-01"}),
             (pages[1], {"form": "programme", "name": "培训", "year": "2019", "kind": "practical"}),
             (pages[3], {"form": "score", "team": str(county["team"].pk), "score_results": "90",
                         "score_discipline": "90"})]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert AuditEvent.objects.count() == before
    assert (WorkTeam.objects.count(), TrainingProgramme.objects.count(), AppraisalScore.objects.count()) == (1, 0, 0)


def test_the_pages_ask_a_visitor_to_log_in(client, county):
    for url in (reverse("web:teams", args=[LUSHUI]), reverse("web:rotation-gaps", args=[LUSHUI]),
                reverse("web:training", args=[LUSHUI]), reverse("web:appraisal", args=[LUSHUI]),
                reverse("web:appraisal-scheme", args=[LUSHUI, county["scheme"].pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("web:login")), url


# The work-team list's filters and rotation gaps ------------------------------------------------------------------
def test_the_team_list_takes_its_api_filters_and_refuses_unknown_ones(client, county):
    log_in_as(client, LUSHUI, actions=["view"])
    url = reverse("web:teams", args=[LUSHUI])
    team = county["team"]
    assert f'data-team="{team.pk}"' in client.get(url, {"village": "533301102"}).content.decode()  # its township
    assert f'data-team="{team.pk}"' not in client.get(url, {"village": SANHE}).content.decode()
    assert f'data-team="{team.pk}"' not in client.get(url, {"dispatch_level": "county"}).content.decode()
    refused = client.get(url, {"villages": LUZHANG})
    assert refused.status_code == 400 and "villages" in refused.content.decode()
    assert client.get(url, {"village": "12345"}).status_code == 400  # not an area code


def test_rotation_gaps_show_the_days_without_a_team(client, county):
    actor = system_user()
    team = county["team"]
    personnel.team_save(actor=actor, instance=team, data={"start_date": D(2019, 1, 5)})
    personnel.team_save(actor=actor, data={"village": team.village, "unit": county["unit"],
                                           "dispatch_level": "province", "start_date": D(2018, 1, 1),
                                           "end_date": D(2018, 12, 31)})
    log_in_as(client, LUSHUI, actions=["view"])
    page = client.get(reverse("web:rotation-gaps", args=[LUSHUI]), {"start": "2018-06-01",
                                                                    "end": "2019-06-30"}).content.decode()
    assert "2019年1月1日 – 2019年1月4日 (4)" in page
