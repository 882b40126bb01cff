"""The personnel pages of an area: its village work teams with their members, work-team rotation gaps, training
programmes with their trainees, and appraisal schemes with their scores.

Every write goes through the personnel service, which checks the right to change the area, validates, writes in
one transaction and audits; a refused write shows the service's message in place and has written nothing. Reads go
through the selectors, so a record or area outside the user's grants is a 404 like any missing page."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, prefetch_related_objects
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.areas import selectors as area_selectors
from fupin.areas.selectors import within_area
from fupin.core.codelists import localized
from fupin.core.errors import ValidationFailed
from fupin.core.pages import RecordForm, date_param, handle_record_forms, or_404

from . import selectors, services
from .filtersets import TeamFilterSet
from .forms import MembershipForm, ProgrammeForm, ScoreForm, TeamForm, TraineeForm, without_blanks

TEAMS_PAGE_SIZE = 100


def _area(request, code: str):
    return or_404(area_selectors.area_get, actor=request.user, code=code)


# Village work teams ----------------------------------------------------------------------------------------------
@login_required
def teams(request, code: str):
    """The area's village work teams with their members; a team is sent to a village here and a member, captain
    or first secretary added to it, through the personnel service (one captain and one first secretary at a
    time, terms inside the team's)."""
    area, actor = _area(request, code), request.user
    filters = TeamFilterSet(request.GET, queryset=selectors.team_list(actor=actor).filter(within_area("village", area)),
                            request=request)
    valid = filters.is_valid()
    if not valid:
        messages.error(request, filters.error_text())
    listed = (filters.qs if valid else filters.queryset.none()).order_by("village_id", "start_date", "id")

    def save_team(data):
        data = {**without_blanks(data), "unit": services.unit_party(actor=actor, party=data["unit"])}
        return services.team_save(actor=actor, data=data)

    # A province sends thousands of teams (Shanxi: 13,985): the table and the member form's choice of team show
    # one page of them; a posted team is looked up among all the area's teams.
    page = Paginator(listed.select_related("village", "unit"), TEAMS_PAGE_SIZE).get_page(request.GET.get("page"))
    choosable = listed if request.method == "POST" else listed.filter(pk__in=[t.pk for t in page.object_list])
    record_forms = [
        RecordForm("team", _("Send a work team to a village"), lambda data=None: TeamForm(data), save_team),
        RecordForm("member", _("Add a member, captain or first secretary"),
                   lambda data=None: MembershipForm(data, actor=actor,
                                                    teams=choosable.select_related("village", "unit")),
                   lambda data: services.membership_save(actor=actor, data=without_blanks(data))),
    ]
    shown, done = handle_record_forms(request, record_forms, reverse("web:teams", args=[area.code]))
    if done:
        return done
    prefetch_related_objects(page.object_list, "memberships__cadre")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "personnel/teams.html", {"area": area, "teams": page.object_list, "page": page,
                                                    "count": page.paginator.count, "query": query.urlencode(),
                                                    "forms": shown}, status=200 if valid else 400)


@login_required
def rotation_gaps(request, code: str):
    area = _area(request, code)
    end = date_param(request, "end", datetime.date.today())
    start = date_param(request, "start", end.replace(year=end.year - 1))
    error, rows = None, []
    try:
        rows = selectors.rotation_gaps(actor=request.user, area_code=area.code, start=start, end=end)
    except ValidationFailed as refused:
        error = refused
    rows = [row for row in rows if row["team_gaps"] or row["first_secretary_gaps"]]
    return render(request, "personnel/rotation_gaps.html", {"area": area, "start": start, "end": end, "rows": rows,
                                                            "error": error})


# Training --------------------------------------------------------------------------------------------------------
@login_required
def training(request, code: str):
    """The area's training programmes with how many were trained, completed and moved into a job; a programme is
    set up and a person enrolled (or their completion and job recorded) here, through the personnel service."""
    area, actor = _area(request, code), request.user
    listed = selectors.programme_list(actor=actor).filter(within_area("area", area)).order_by("-year", "name", "id")

    def save_programme(data):
        organiser = data.pop("organiser")
        data = {**without_blanks(data), "area": area,
                "organiser": services.unit_party(actor=actor, party=organiser) if organiser else None}
        return services.programme_save(actor=actor, data=data)

    def save_trainee(data):
        person = data.pop("person")
        # Enrolling someone already in the programme records their completion and job on that enrolment.
        current = selectors.trainee_list(actor=actor).filter(programme=data["programme"], **person).first()
        return services.trainee_save(actor=actor, instance=current, data={**data, **person})

    record_forms = [
        RecordForm("programme", _("Set up a training programme"), lambda data=None: ProgrammeForm(data),
                   save_programme),
        RecordForm("trainee", _("Enrol a trainee, or record completion and a job"),
                   lambda data=None: TraineeForm(data, actor=actor, programmes=listed), save_trainee),
    ]
    shown, done = handle_record_forms(request, record_forms, reverse("web:training", args=[area.code]))
    if done:
        return done
    rows = listed.annotate(trainee_count=Count("trainees"),
                           completed_count=Count("trainees", filter=Q(trainees__completed=True)),
                           job_count=Count("trainees", filter=Q(trainees__moved_into_job=True)))
    return render(request, "personnel/training.html", {"area": area, "programmes": rows, "forms": shown})


# Appraisal -------------------------------------------------------------------------------------------------------
def _labelled(rows: list[dict], number_key: str) -> list[dict]:
    """A scheme's indicators or grades with their label in the language in force."""
    return [{"code": row["code"], "label": localized(row["zh"], row["en"]), "number": row[number_key]}
            for row in rows]


@login_required
def appraisal(request, code: str):
    """The appraisal schemes of the area with their indicators and weights, grades and how many were scored."""
    area = _area(request, code)
    schemes = selectors.scheme_list(actor=request.user).filter(within_area("area", area)).annotate(
        score_count=Count("scores")).order_by("-year", "subject_kind", "id")
    rows = [{"scheme": scheme, "indicators": _labelled(scheme.indicators, "weight"),
             "grades": _labelled(scheme.grades, "min")} for scheme in schemes]
    return render(request, "personnel/appraisal.html", {"area": area, "schemes": rows})


@login_required
def appraisal_scheme(request, code: str, pk: int):
    """One scheme: its indicators, weights and grades, the subjects scored with their totals and grades (computed
    by the personnel service), and a form to enter or change one subject's scores."""
    area, actor = _area(request, code), request.user
    scheme = get_object_or_404(selectors.scheme_list(actor=actor).filter(within_area("area", area)), pk=pk)
    teams_served = selectors.team_list(actor=actor).filter(within_area("village", scheme.area)).order_by(
        "village_id", "start_date")
    scored = selectors.score_list(actor=actor).filter(scheme=scheme)

    def save(data):
        # A subject scored before has its scores changed, so the form both enters and corrects them.
        current = scored.filter(**data["subject"]).first()
        return services.score_save(actor=actor, instance=current, data={
            "scheme": scheme, **data["subject"], "scores": data["scores"]})

    score_form = RecordForm("score", _("Scores of one subject"),
                            lambda data=None: ScoreForm(data, actor=actor, scheme=scheme, teams=teams_served), save)
    shown, done = handle_record_forms(request, [score_form],
                                      reverse("web:appraisal-scheme", args=[area.code, scheme.pk]))
    if done:
        return done
    grades = {row["code"]: localized(row["zh"], row["en"]) for row in scheme.grades}
    codes = [row["code"] for row in scheme.indicators]
    scores = [{"subject": score.team or score.unit or score.cadre, "team": score.team,
               "scores": [score.scores.get(indicator) for indicator in codes], "total": score.total,
               "grade": grades.get(score.grade, score.grade)} for score in scored.order_by("-total", "id")]
    return render(request, "personnel/appraisal_scheme.html", {
        "area": area, "scheme": scheme, "indicators": _labelled(scheme.indicators, "weight"),
        "grades": _labelled(scheme.grades, "min"), "scores": scores, "forms": shown})
