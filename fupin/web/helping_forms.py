"""Forms for the helping side's remaining records: a household's plan (一户一策), fund ledger entries, village work
teams and their members, training programmes and trainees, and appraisal scores.

Every write goes through the app's service, which checks the right to change the area, validates, writes in one
transaction and audits; a refused write shows the service's message in place and has written nothing. Reads go
through the apps' selectors, so a record or area outside the user's grants is a 404 like any missing page.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fupin.areas import codes as area_codes
from fupin.areas.models import Area
from fupin.areas.selectors import within_area
from fupin.assistance import codelists as assistance_codes
from fupin.assistance import selectors as assistance_selectors
from fupin.assistance import services as assistance_services
from fupin.assistance.models import MeasureType, Plan
from fupin.cooperation.importing import PARTY, find_party
from fupin.cooperation.services import party_for_area
from fupin.core.codelists import localized
from fupin.core.errors import ServiceError, ValidationFailed
from fupin.funds import codelists as fund_codes
from fupin.funds import selectors as fund_selectors
from fupin.funds import services as fund_services
from fupin.personnel import codelists as personnel_codes
from fupin.personnel import selectors as personnel_selectors
from fupin.personnel import services as personnel_services
from fupin.personnel.models import Cadre
from fupin.projects import selectors as project_selectors
from fupin.registry import codelists as registry_codes
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household, Member

from .helping import _area

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


@dataclass(frozen=True)
class RecordForm:
    """One form of a page: `make(data)` builds it (blank without data) and `save(cleaned_data)` writes through the
    service."""

    name: str
    title: object
    make: Callable[..., forms.Form]
    save: Callable[[dict], object]


def _handle(request, record_forms: list[RecordForm], done: str):
    """(the forms to show, a redirect once the posted form is saved). The posted form (named by the field `form`)
    is validated and saved through its service; when refused it is shown again with the service's message."""
    def build(item: RecordForm, data=None) -> forms.Form:
        form = item.make(data)
        form.auto_id = f"id_{item.name}_%s"  # several forms share a page: their fields' ids must not collide
        return form

    shown = {item.name: build(item) for item in record_forms}
    posted = next((item for item in record_forms if request.method == "POST"
                   and request.POST.get("form") == item.name), None)
    if posted is not None:
        form = build(posted, request.POST)
        if form.is_valid():
            try:
                posted.save(form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return [], redirect(done)
        shown[posted.name] = form
    return [{"name": item.name, "title": item.title, "form": shown[item.name]} for item in record_forms], None


def _area_by_code(text: str) -> Area:
    try:
        area = Area.objects.filter(code=area_codes.normalise_code(text)).first()
    except ValueError:
        area = None
    if area is None:
        raise forms.ValidationError(_("No area has the code %(code)s."), params={"code": text})
    return area


def _party(text: str):
    """A party named by area code, credit code or registered name; an area's party may not exist yet (it is made
    through the cooperation service when the form is saved)."""
    party = find_party(text.strip())
    if party is None:
        raise forms.ValidationError(PARTY.missing, params={"code": text})
    return party


def _saved_party(actor, party):
    return party if party.pk is not None else party_for_area(actor=actor, area=party.area)


def _cadre(text: str) -> Cadre:
    cadre = Cadre.objects.filter(id_number=text.strip().upper()).first()
    if cadre is None:
        raise forms.ValidationError(_("No cadre has this ID number."))
    return cadre


def _without_blanks(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "")}


# A household's plan (一户一策) -----------------------------------------------------------------------------------
class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    causes = forms.MultipleChoiceField(label=_("Causes"), choices=registry_codes.CAUSE.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text=_("None ticked: the household's own causes."))
    outcome = forms.ChoiceField(label=capfirst(_("outcome")), choices=assistance_codes.PLAN_OUTCOME.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PlannedMeasureForm(forms.Form):
    # No minimum on the amount: the assistance service refuses a negative one with its own message.
    measure_type = forms.ModelChoiceField(MeasureType.objects.all(), label=_("Measure"), required=False)
    member = forms.ModelChoiceField(Member.objects.none(), label=_("Member"), required=False,
                                    empty_label=_("whole household"))
    planned_amount = forms.DecimalField(label=_("Planned amount"), max_digits=16, decimal_places=2, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(is_active=True)

    def clean(self):
        data = super().clean()
        if not data.get("measure_type") and any(data.get(name) not in (None, "") for name in
                                                ("member", "planned_amount", "note")):
            raise forms.ValidationError(_("Choose a measure, or leave the row empty."))
        return data


PlannedMeasures = forms.formset_factory(PlannedMeasureForm, extra=3)


@login_required
def household_plan(request, pk: int):
    """Draw up or change a household's plan for a year: its causes and planned measures (the plan's planned
    measures are replaced by those given), through the assistance service."""
    household = get_object_or_404(
        assistance_selectors.record_list(actor=request.user, model=Household, area_field="area"), pk=pk)
    plans = Plan.objects.filter(household=household).prefetch_related("planned").order_by("year")
    requested = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else None
    plan = plans.filter(year=requested).first() if requested else plans.last()
    if request.method == "POST":
        form = PlanForm(request.POST)
        measures = PlannedMeasures(request.POST, prefix="planned", form_kwargs={"household": household})
        if form.is_valid() and measures.is_valid():
            planned = [{"measure_type": row["measure_type"], "member": row.get("member"),
                        "planned_amount": row.get("planned_amount") or 0, "note": row.get("note", "")}
                       for row in measures.cleaned_data if row.get("measure_type")]
            try:
                assistance_services.plan_save(actor=request.user, household=household, planned=planned,
                                              **form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return redirect("web:household-assistance", pk=household.pk)
    else:
        initial = {"year": plan.year, "causes": plan.causes, "outcome": plan.outcome, "note": plan.note} \
            if plan else {"year": requested, "outcome": "in_progress"}
        form = PlanForm(initial=initial)
        measures = PlannedMeasures(prefix="planned", form_kwargs={"household": household}, initial=[
            {"measure_type": item.measure_type_id, "member": item.member_id, "planned_amount": item.planned_amount,
             "note": item.note} for item in plan.planned.all()] if plan else [])
    return render(request, "web/household_plan.html", {"household": household, "plans": plans, "plan": plan,
                                                        "form": form, "measures": measures})


# Fund ledger entries ---------------------------------------------------------------------------------------------
class EntryForm(forms.Form):
    # Amounts are not bounded here: the funds service refuses what the ledger cannot hold, with its own message.
    area = forms.CharField(label=_("Area code"), max_length=12)
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2)
    date = forms.DateField(label=_("Date"), **DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, actor, document, **kwargs):
        # Every ledger form is built alike; only a correction needs the document (to list what it may correct).
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_area(self):
        return _area_by_code(self.cleaned_data["area"])


class SpendForm(EntryForm):
    project = forms.ModelChoiceField(queryset=None, label=_("Project"))
    household = forms.CharField(label=_("Household number"), max_length=30, required=False)

    field_order = ["area", "project", "household", "amount", "date", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_selectors.project_list(actor=self.actor).order_by("year", "name")

    def clean_household(self):
        number = self.cleaned_data["household"].strip()
        if not number:
            return None
        households = assistance_selectors.record_list(actor=self.actor, model=Household, area_field="area")
        try:
            household = registry_selectors.household_by_reference(number, households=households)
        except ValidationFailed as refusal:
            raise forms.ValidationError(str(refusal)) from refusal
        if household is None:
            raise forms.ValidationError(_("No registered household has the number %(code)s."),
                                        params={"code": number})
        return household


class CorrectionForm(forms.Form):
    corrects = forms.ModelChoiceField(queryset=None, label=_("Entry corrected"))
    amount = forms.DecimalField(label=_("Signed amount"), max_digits=16, decimal_places=2,
                                help_text=_("Negative takes money back, positive adds to the entry."))
    date = forms.DateField(label=_("Date"), **DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, actor, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"].queryset = fund_selectors.entry_list(actor=actor).filter(
            document=document).exclude(kind="adjust").order_by("date", "id")
        self.fields["corrects"].label_from_instance = lambda entry: (
            f"#{entry.pk} {fund_codes.ENTRY_KIND.label(entry.kind)} {entry.area.name} {entry.amount} {entry.date}")


@login_required
def fund_ledger(request, pk: int):
    """A fund document's ledger: its entries and balances per area, and forms to allocate it to an area, record
    it arriving, spend it on a project (and household), or correct an entry by a signed amount — each through the
    funds service, which refuses an overrun with what is left."""
    document = get_object_or_404(fund_selectors.document_list(actor=request.user), pk=pk)
    actor = request.user

    def entry(kind: str):
        return lambda data: fund_services.entry_save(actor=actor, data={**_without_blanks(data), "kind": kind,
                                                                         "document": document})

    def make(form_class):
        return lambda data=None: form_class(data, actor=actor, document=document)

    record_forms = [
        RecordForm("allocate", _("Allocate to an area"), make(EntryForm), entry("allocate")),
        RecordForm("arrive", _("Record money arriving"), make(EntryForm), entry("arrive")),
        RecordForm("spend", _("Record spending on a project"), make(SpendForm), entry("spend")),
        RecordForm("adjust", _("Correct an entry"), make(CorrectionForm), entry("adjust")),
    ]
    shown, done = _handle(request, record_forms, reverse("web:fund-ledger", args=[document.pk]))
    if done:
        return done
    entries = fund_selectors.entry_list(actor=actor).filter(document=document).order_by("date", "id")
    return render(request, "web/fund_ledger.html", {
        "document": document, "entries": entries, "forms": shown,
        "balances": fund_selectors.balances(actor=actor, document=document)})


# Village work teams ----------------------------------------------------------------------------------------------
class TeamForm(forms.Form):
    village = forms.CharField(label=_("Village (area code)"), max_length=12)
    unit = forms.CharField(label=capfirst(_("dispatching unit")), max_length=120,
                           help_text=_("An area code, a credit code or a registered name."))
    dispatch_level = forms.ChoiceField(label=capfirst(_("dispatch level")),
                                       choices=personnel_codes.DISPATCH_LEVEL.choices)
    start_date = forms.DateField(label=_("Start date"), **DATE)
    end_date = forms.DateField(label=_("End date"), required=False, **DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_village(self):
        return _area_by_code(self.cleaned_data["village"])

    def clean_unit(self):
        return _party(self.cleaned_data["unit"])


class MembershipForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, label=capfirst(_("work team")))
    cadre = forms.CharField(label=_("Cadre's ID number"), max_length=18)
    role = forms.ChoiceField(label=capfirst(_("role")), choices=personnel_codes.TEAM_ROLE.choices)
    dispatch_level = forms.ChoiceField(label=capfirst(_("dispatch level")), required=False,
                                       choices=[("", _("as the team")), *personnel_codes.DISPATCH_LEVEL.choices])
    start_date = forms.DateField(label=_("Start date"), **DATE)
    end_date = forms.DateField(label=_("End date"), required=False, **DATE)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].label_from_instance = lambda team: (
            f"{team.village.name} · {team.unit.name} · {team.start_date}–{team.end_date or ''}")

    def clean_cadre(self):
        return _cadre(self.cleaned_data["cadre"])


@login_required
def teams(request, code: str):
    """The area's village work teams with their members; a team is sent to a village here and a member, captain
    or first secretary added to it, through the personnel service (one captain and one first secretary at a
    time, terms inside the team's)."""
    area, actor = _area(request, code), request.user
    listed = personnel_selectors.team_list(actor=actor).filter(within_area("village", area)).order_by(
        "village_id", "start_date", "id")

    def save_team(data):
        data = {**_without_blanks(data), "unit": _saved_party(actor, data["unit"])}
        return personnel_services.team_save(actor=actor, data=data)

    # A province sends thousands of teams (Shanxi: 13,985): the table and the member form's choice of team show
    # one page of them; a posted team is looked up among all the area's teams.
    page = Paginator(listed.select_related("village", "unit"), TEAMS_PAGE_SIZE).get_page(request.GET.get("page"))
    choosable = listed if request.method == "POST" else listed.filter(pk__in=[t.pk for t in page.object_list])
    record_forms = [
        RecordForm("team", _("Send a work team to a village"), lambda data=None: TeamForm(data), save_team),
        RecordForm("member", _("Add a member, captain or first secretary"),
                   lambda data=None: MembershipForm(data, teams=choosable.select_related("village", "unit")),
                   lambda data: personnel_services.membership_save(actor=actor, data=_without_blanks(data))),
    ]
    shown, done = _handle(request, record_forms, reverse("web:teams", args=[area.code]))
    if done:
        return done
    prefetch_related_objects(page.object_list, "memberships__cadre")
    return render(request, "web/teams.html", {"area": area, "teams": page.object_list, "page": page,
                                              "count": page.paginator.count, "query": "", "forms": shown})


TEAMS_PAGE_SIZE = 100


# Training --------------------------------------------------------------------------------------------------------
class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=personnel_codes.TRAINING_KIND.choices)
    budget = forms.DecimalField(label=capfirst(_("budget (yuan)")), max_digits=16, decimal_places=2,
                                required=False)
    organiser = forms.CharField(label=capfirst(_("organised by")), max_length=120, required=False,
                                help_text=_("Empty: the area itself."))

    def clean_organiser(self):
        text = self.cleaned_data["organiser"].strip()
        return _party(text) if text else None


class TraineeForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=None, label=capfirst(_("training programme")))
    person = forms.CharField(label=_("ID number"), max_length=18,
                             help_text=_("A registered member's or a cadre's."))
    completed = forms.BooleanField(label=capfirst(_("completed")), required=False)
    moved_into_job = forms.BooleanField(label=capfirst(_("moved into a job")), required=False)
    job_date = forms.DateField(label=capfirst(_("in a job since")), required=False, **DATE)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean_person(self):
        """The person as a registered member or, failing that, a cadre (as the trainee import names them)."""
        number = self.cleaned_data["person"].strip().upper()
        member = Member.objects.filter(id_number=number, is_active=True).first()
        cadre = None if member else Cadre.objects.filter(id_number=number).first()
        if member is None and cadre is None:
            raise forms.ValidationError(_("Nobody registered has the ID number %(code)s."), params={"code": number})
        return {"member": member, "cadre": cadre}


@login_required
def training(request, code: str):
    """The area's training programmes with how many were trained, completed and moved into a job; a programme is
    set up and a person enrolled (or their completion and job recorded) here, through the personnel service."""
    area, actor = _area(request, code), request.user
    listed = personnel_selectors.programme_list(actor=actor).filter(within_area("area", area)).order_by(
        "-year", "name", "id")

    def save_programme(data):
        organiser = data.pop("organiser")
        data = {**_without_blanks(data), "area": area,
                "organiser": _saved_party(actor, organiser) if organiser else None}
        return personnel_services.programme_save(actor=actor, data=data)

    def save_trainee(data):
        person = data.pop("person")
        # Enrolling someone already in the programme records their completion and job on that enrolment.
        current = personnel_selectors.trainee_list(actor=actor).filter(programme=data["programme"], **person).first()
        return personnel_services.trainee_save(actor=actor, instance=current, data={**data, **person})

    record_forms = [
        RecordForm("programme", _("Set up a training programme"), lambda data=None: ProgrammeForm(data),
                   save_programme),
        RecordForm("trainee", _("Enrol a trainee, or record completion and a job"),
                   lambda data=None: TraineeForm(data, programmes=listed), save_trainee),
    ]
    shown, done = _handle(request, record_forms, reverse("web:training", args=[area.code]))
    if done:
        return done
    rows = listed.annotate(trainee_count=Count("trainees"),
                           completed_count=Count("trainees", filter=Q(trainees__completed=True)),
                           job_count=Count("trainees", filter=Q(trainees__moved_into_job=True)))
    return render(request, "web/training.html", {"area": area, "programmes": rows, "forms": shown})


# Appraisal -------------------------------------------------------------------------------------------------------
def _labelled(rows: list[dict], number_key: str) -> list[dict]:
    """A scheme's indicators or grades with their label in the language in force."""
    return [{"code": row["code"], "label": localized(row["zh"], row["en"]), "number": row[number_key]}
            for row in rows]


@login_required
def appraisal(request, code: str):
    """The appraisal schemes of the area with their indicators and weights, grades and how many were scored."""
    area = _area(request, code)
    schemes = personnel_selectors.scheme_list(actor=request.user).filter(within_area("area", area)).annotate(
        score_count=Count("scores")).order_by("-year", "subject_kind", "id")
    rows = [{"scheme": scheme, "indicators": _labelled(scheme.indicators, "weight"),
             "grades": _labelled(scheme.grades, "min")} for scheme in schemes]
    return render(request, "web/appraisal.html", {"area": area, "schemes": rows})


class ScoreForm(forms.Form):
    """The scores of one subject under a scheme: the subject as the scheme's kind names it, and one input per
    indicator. Scores are not bounded here: the personnel service refuses one outside 0–100 with its message."""

    def __init__(self, *args, scheme, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        if scheme.subject_kind == "team":
            self.fields["team"] = forms.ModelChoiceField(queryset=teams, label=capfirst(_("work team")))
            self.fields["team"].label_from_instance = lambda team: (
                f"{team.village.name} · {team.unit.name} · {team.start_date}–{team.end_date or ''}")
        elif scheme.subject_kind == "cadre":
            self.fields["cadre"] = forms.CharField(label=_("Cadre's ID number"), max_length=18)
        else:
            self.fields["unit"] = forms.CharField(label=_("Helping unit"), max_length=120,
                                                  help_text=_("A credit code or a registered name."))
        for row in scheme.indicators:
            self.fields[f"score_{row['code']}"] = forms.DecimalField(
                label=f"{localized(row['zh'], row['en'])} ({row['weight']})", max_digits=6, decimal_places=2)

    def clean_cadre(self):
        return _cadre(self.cleaned_data["cadre"])

    def clean_unit(self):
        party = _party(self.cleaned_data["unit"])
        if party.pk is None:  # an area code names no helping unit of its own
            raise forms.ValidationError(PARTY.missing, params={"code": self.cleaned_data["unit"]})
        return party

    def clean(self):
        """The subject ({kind: record}) and the scores ({indicator code: score}) as the service takes them."""
        data = super().clean()
        kind = self.scheme.subject_kind
        if kind in data and all(f"score_{row['code']}" in data for row in self.scheme.indicators):
            data["subject"] = {kind: data[kind]}
            data["scores"] = {row["code"]: data[f"score_{row['code']}"] for row in self.scheme.indicators}
        return data


@login_required
def appraisal_scheme(request, code: str, pk: int):
    """One scheme: its indicators, weights and grades, the subjects scored with their totals and grades (computed
    by the personnel service), and a form to enter or change one subject's scores."""
    area, actor = _area(request, code), request.user
    scheme = get_object_or_404(personnel_selectors.scheme_list(actor=actor).filter(within_area("area", area)), pk=pk)
    scheme_area = scheme.area
    teams_served = personnel_selectors.team_list(actor=actor).filter(within_area("village", scheme_area)).order_by(
        "village_id", "start_date")
    scored = personnel_selectors.score_list(actor=actor).filter(scheme=scheme)

    def save(data):
        # A subject scored before has its scores changed, so the form both enters and corrects them.
        current = scored.filter(**data["subject"]).first()
        return personnel_services.score_save(actor=actor, instance=current, data={
            "scheme": scheme, **data["subject"], "scores": data["scores"]})

    shown, done = _handle(request, [RecordForm("score", _("Scores of one subject"),
                                               lambda data=None: ScoreForm(data, scheme=scheme, teams=teams_served),
                                               save)],
                          reverse("web:appraisal-scheme", args=[area.code, scheme.pk]))
    if done:
        return done
    grades = {row["code"]: localized(row["zh"], row["en"]) for row in scheme.grades}
    codes = [row["code"] for row in scheme.indicators]
    scores = [{"subject": score.team or score.unit or score.cadre, "team": score.team,
               "scores": [score.scores.get(indicator) for indicator in codes], "total": score.total,
               "grade": grades.get(score.grade, score.grade)} for score in scored.order_by("-total", "id")]
    return render(request, "web/appraisal_scheme.html", {
        "area": area, "scheme": scheme, "indicators": _labelled(scheme.indicators, "weight"),
        "grades": _labelled(scheme.grades, "min"), "scores": scores, "forms": shown})
