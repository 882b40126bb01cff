"""The helping side's record forms on a small hand-built county: each saves through its service (the record and
its audit event), a refused or invalid input is shown in place with the service's message and writes nothing, and
a user granted another county gets 404 for every page and every post."""

import datetime
from decimal import Decimal
from html import escape

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.assistance.models import Plan
from fupin.audit.models import AuditEvent
from fupin.cooperation.models import Party
from fupin.funds.models import FundEntry
from fupin.funds.services import entry_save, fund_document_save
from fupin.personnel import services as personnel
from fupin.personnel.codelists import TEAM_ROLE
from fupin.personnel.models import AppraisalScore, TeamMembership, Trainee, TrainingProgramme, WorkTeam
from fupin.projects.services import project_save
from fupin.testing.factories import load_fixture_divisions, make_cadre, make_user, register_poor_household, system_user

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
    project = project_save(actor=actor, data={"name": "鲁掌村道路", "type": "infrastructure", "area": lushui,
                                              "year": 2019, "stages": {"apply": {"planned_start": D(2019, 1, 1),
                                                                                 "planned_end": D(2019, 1, 31)}}})
    unit = Party.objects.create(kind="provincial_unit", name="省交通厅", area=Area.objects.get(code=NUJIANG))
    team = personnel.team_save(actor=actor, data={"village": Area.objects.get(code=LUZHANG), "unit": unit,
                                                  "dispatch_level": "province", "start_date": D(2019, 1, 1)})
    document = fund_document_save(actor=actor, data={
        "number": "怒财农〔2019〕3号", "title": "产业发展资金", "source": "provincial_fiscal", "year": 2019,
        "issuing_area": Area.objects.get(code=NUJIANG), "total": Decimal("100000"), "issued_on": D(2019, 2, 1)})
    for kind, amount in (("allocate", "8000"), ("arrive", "5000")):
        entry_save(actor=actor, data={"document": document, "kind": kind, "area": lushui, "amount": Decimal(amount),
                                      "date": D(2019, 3, 1)})
    scheme = personnel.scheme_save(actor=actor, data={
        "code": "LS2019T", "name": "2019年驻村工作队考核", "year": 2019, "subject_kind": "team", "area": lushui,
        "indicators": [{"code": "results", "zh": "工作实绩", "en": "results", "weight": 60},
                       {"code": "discipline", "zh": "组织纪律", "en": "discipline", "weight": 40}]})
    return {"household": household, "project": project, "unit": unit, "team": team, "document": document,
            "scheme": scheme}


def _login(client, area, actions=("view", "change")):
    client.force_login(make_user(actions=list(actions), area=area))
    return client


def shown(text, **params):
    """A message as the page shows it (the site's language, HTML-escaped)."""
    with translation.override("zh-hans"):
        return escape(str(text) % params if params else str(text))


def in_form(response, name: str) -> str:
    """The HTML of the form named `name` on the page."""
    page = response.content.decode()
    return page.split(f'id="form-{name}"', 1)[1].split("</form>", 1)[0]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# A household's plan ----------------------------------------------------------------------------------------------
def _plan_data(**extra):
    data = {"year": "2020", "causes": ["01", "07"], "outcome": "in_progress", "note": "",
            "planned-TOTAL_FORMS": "3", "planned-INITIAL_FORMS": "0", "planned-MIN_NUM_FORMS": "0",
            "planned-MAX_NUM_FORMS": "1000",
            "planned-0-measure_type": "health", "planned-0-planned_amount": "1200",
            "planned-1-measure_type": "industry", "planned-1-planned_amount": "3000", "planned-1-note": "草果"}
    return {**data, **extra}


def test_a_plan_is_drawn_up_with_its_causes_and_planned_measures(client, county):
    household = county["household"]
    url = reverse("web:household-plan", args=[household.pk])
    _login(client, LUZHANG)
    head = household.members.order_by("id").first()
    response = client.post(url, _plan_data(**{"planned-0-member": str(head.pk)}))
    assert response.status_code == 302 and response["Location"] == reverse("web:household-assistance",
                                                                           args=[household.pk])
    plan = Plan.objects.get(household=household)
    assert (plan.year, plan.causes, plan.outcome) == (2020, ["01", "07"], "in_progress")
    assert list(plan.planned.order_by("id").values_list("measure_type_id", "member_id", "planned_amount", "note")) \
        == [("health", head.pk, Decimal("1200.00"), ""), ("industry", None, Decimal("3000.00"), "草果")]
    [event] = events("assistance.record_saved")
    assert (event.object_type, event.object_id, event.area_code) == ("assistance.plan", str(plan.pk), LUZHANG)
    # The page offers the plan again, filled in, and the assistance page links to it.
    page = client.get(url, {"year": "2020"}).content.decode()
    assert 'name="planned-1-note" value="草果"' in page
    assert 'name="causes" value="01" id="id_causes_0" checked>' in page
    assert 'name="causes" value="02" id="id_causes_1">' in page
    assert f'{url}?year=2020' in client.get(reverse("web:household-assistance", args=[household.pk])).content.decode()


def test_a_refused_plan_shows_the_services_message_and_writes_nothing(client, county):
    household = county["household"]
    url = reverse("web:household-plan", args=[household.pk])
    _login(client, LUZHANG)
    response = client.post(url, _plan_data(**{"planned-1-planned_amount": "-5"}))
    assert response.status_code == 200
    assert shown(_("Amounts cannot be negative.")) in in_form(response, "plan")
    assert (Plan.objects.count(), events("assistance.record_saved")) == (0, [])
    # A row with an amount but no measure is refused by the form, in its row.
    response = client.post(url, _plan_data(**{"planned-2-planned_amount": "50"}))
    assert shown(_("Choose a measure, or leave the row empty.")) in in_form(response, "plan")
    assert Plan.objects.count() == 0
    _login(client, LUZHANG, actions=["view"])
    response = client.post(url, _plan_data())
    assert shown(_("You do not have permission to do this in this area.")) in in_form(response, "plan")
    assert Plan.objects.count() == 0


# Fund ledger entries ---------------------------------------------------------------------------------------------
def test_ledger_entries_go_through_the_funds_service(client, county):
    document, project, household = county["document"], county["project"], county["household"]
    url = reverse("web:fund-ledger", args=[document.pk])
    _login(client, NUJIANG)  # the issuing prefecture allocates; it holds the county's grants too
    assert client.post(url, {"form": "allocate", "area": "533301", "amount": "2000", "date": "2019-04-01",
                             "note": "追加"}).status_code == 302
    assert client.post(url, {"form": "arrive", "area": LUSHUI, "amount": "1000",
                             "date": "2019-04-02"}).status_code == 302
    assert client.post(url, {"form": "spend", "area": LUSHUI, "project": str(project.pk),
                             "household": household.number, "amount": "600", "date": "2019-04-03"}).status_code == 302
    spent = FundEntry.objects.get(kind="spend")
    assert client.post(url, {"form": "adjust", "corrects": str(spent.pk), "amount": "-100", "date": "2019-04-04",
                             "note": "多付退回"}).status_code == 302
    rows = list(FundEntry.objects.filter(date__gte=D(2019, 4, 1)).order_by("id").values_list(
        "kind", "area_id", "project_id", "household_id", "corrects_id", "amount", "note"))
    assert rows == [("allocate", LUSHUI, None, None, None, Decimal("2000.00"), "追加"),
                    ("arrive", LUSHUI, None, None, None, Decimal("1000.00"), ""),
                    ("spend", LUSHUI, project.pk, household.pk, None, Decimal("600.00"), ""),
                    ("adjust", LUSHUI, project.pk, household.pk, spent.pk, Decimal("-100.00"), "多付退回")]
    added = events("funds.entry_added")[-4:]
    assert [event.object_id for event in added] == [str(pk) for pk in FundEntry.objects.filter(
        date__gte=D(2019, 4, 1)).order_by("id").values_list("pk", flat=True)]
    page = client.get(url).content.decode()
    assert f'data-entry="{spent.pk}"' in page and "多付退回" in page
    assert url in client.get(reverse("web:fund-trace", args=[document.pk])).content.decode()


def test_an_overrun_is_refused_with_the_services_message(client, county):
    document, project = county["document"], county["project"]
    url = reverse("web:fund-ledger", args=[document.pk])
    _login(client, LUSHUI)
    before = FundEntry.objects.count()
    response = client.post(url, {"form": "spend", "area": LUSHUI, "project": str(project.pk), "amount": "5000.01",
                                 "date": "2019-04-03"})
    assert response.status_code == 200
    assert shown(_("As of %(date)s only %(left)s of this document had arrived at the area and was unspent."),
                 date="2019-04-03", left=Decimal("5000.00")) in in_form(response, "spend")
    # Allocating is the issuing prefecture's act, not the county's.
    response = client.post(url, {"form": "allocate", "area": LUSHUI, "amount": "10", "date": "2019-04-03"})
    assert shown(_("You do not have permission to do this in this area.")) in in_form(response, "allocate")
    response = client.post(url, {"form": "arrive", "area": "99", "amount": "10", "date": "2019-04-03"})
    assert shown(_("No area has the code %(code)s."), code="99") in in_form(response, "arrive")
    assert FundEntry.objects.count() == before


# Work teams ------------------------------------------------------------------------------------------------------
def test_a_team_is_sent_and_given_a_captain_and_first_secretary(client, county):
    url = reverse("web:teams", args=[LUSHUI])
    _login(client, LUSHUI)
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
    _login(client, LUSHUI)
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
    _login(client, LUSHUI)
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
    _login(client, FUGONG)
    pages = [reverse("web:household-plan", args=[county["household"].pk]),
             reverse("web:fund-ledger", args=[county["document"].pk]),
             reverse("web:teams", args=[LUSHUI]), reverse("web:training", args=[LUSHUI]),
             reverse("web:appraisal", args=[LUSHUI]),
             reverse("web:appraisal-scheme", args=[LUSHUI, county["scheme"].pk]),
             # The county's scheme is not reached through a page of the other county either.
             reverse("web:appraisal-scheme", args=[FUGONG, county["scheme"].pk])]
    before = AuditEvent.objects.count()
    for url in pages:
        assert client.get(url).status_code == 404, url
    posts = [(pages[0], _plan_data()),
             (pages[1], {"form": "arrive", "area": LUSHUI, "amount": "10", "date": "2019-04-03"}),
             (pages[2], {"form": "team", "village": SANHE, "unit": "省交通厅", "dispatch_level": "province",
                         "start_date": "2019-03-01"}),
             (pages[3], {"form": "programme", "name": "培训", "year": "2019", "kind": "practical"}),
             (pages[5], {"form": "score", "team": str(county["team"].pk), "score_results": "90",
                         "score_discipline": "90"})]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert AuditEvent.objects.count() == before
    assert (Plan.objects.count(), WorkTeam.objects.count(), TrainingProgramme.objects.count(),
            AppraisalScore.objects.count()) == (0, 1, 0, 0)


def test_the_pages_ask_a_visitor_to_log_in(client, county):
    for url in (reverse("web:household-plan", args=[county["household"].pk]),
                reverse("web:fund-ledger", args=[county["document"].pk]), reverse("web:teams", args=[LUSHUI]),
                reverse("web:training", args=[LUSHUI]), reverse("web:appraisal", args=[LUSHUI]),
                reverse("web:appraisal-scheme", args=[LUSHUI, county["scheme"].pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("web:login")), url
