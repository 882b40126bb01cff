"""Pages of the helping side: an area's cards (assistance, funds, projects, people) with every figure and how it
was produced, the households cadres have not visited in time, project delays, work-team rotation gaps, a fund
document's trace and a household's plan. Reads go through each app's selectors, scoped to the user's areas."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.analytics.metrics import get_metric
from fupin.analytics.report import CARD_FIGURES
from fupin.areas import selectors as area_selectors
from fupin.assistance import selectors as assistance_selectors
from fupin.assistance import services as assistance_services
from fupin.assistance.models import DeliveredMeasure, HouseholdVisit, MeasureType, Plan, Responsibility
from fupin.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from fupin.core.numbers import display
from fupin.funds import selectors as fund_selectors
from fupin.personnel import selectors as personnel_selectors
from fupin.personnel.models import Cadre
from fupin.projects import codelists as project_codes
from fupin.projects import selectors as project_selectors
from fupin.projects import services as project_services
from fupin.registry.models import Household, Member

CARD_TITLES = {"assistance": _("Household assistance"), "funds": _("Funds"), "projects": _("Projects"),
               "personnel": _("Work teams and cadres")}


def _area(request, code: str):
    try:
        return area_selectors.area_get(actor=request.user, code=code)
    except (NotFound, PermissionDenied):
        raise Http404 from None


def _day(request, name: str, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


def _year(request) -> int:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() else datetime.date.today().year - 1


@login_required
def helping(request, code: str):
    """The area's four cards for a year: every figure with its label, value and the records that produced it."""
    area, year = _area(request, code), _year(request)
    computed_at, figures = _card_figures(request.user, area, year, fresh=bool(request.GET.get("fresh")))
    cards = []
    for name, wanted in CARD_FIGURES.items():
        rows = []
        for key, value, source in figures[name]:
            if key in wanted:
                label, unit = wanted[key]
                shown = display(value, str(unit)) if value is not None else ""
                rows.append({"key": key, "label": label, "display": shown, "source": source})
        cards.append({"name": name, "title": CARD_TITLES[name], "rows": rows})
    return render(request, "web/helping.html", {"area": area, "year": year, "cards": cards,
                                                "computed_at": computed_at})


CARDS_KEPT_SECONDS = 300


def _card_figures(actor, area, year: int, *, fresh: bool) -> tuple[datetime.datetime, dict]:
    """(when computed, metric → [(key, value, source)]) of the area's four cards. They are counted from the
    records (about 175 queries, 1.5 s for a province of the demo), so a result is kept for a few minutes and
    shown with its time; "recompute" asks for it again. Whoever may open the area sees all of it, so the figures
    do not depend on the user."""
    key = f"helping-cards:{area.code}:{year}"
    kept = None if fresh else cache.get(key)
    if kept is None:
        kept = (timezone.now(), {name: [(item["key"], item["value"], item["how"]["source"])
                                        for item in get_metric(name).figures(actor=actor, area_code=area.code,
                                                                             year=year)]
                                 for name in CARD_FIGURES})
        cache.set(key, kept, CARDS_KEPT_SECONDS)
    return kept


@login_required
def not_visited(request, code: str):
    area, on = _area(request, code), _day(request, "on", datetime.date.today())
    months = request.GET.get("months", "")
    households = assistance_selectors.households_not_visited(
        actor=request.user, area_code=area.code, on=on, months=int(months) if months.isdigit() else None)
    return render(request, "web/not_visited.html", {"area": area, "on": on, "households": households[:500],
                                                     "count": households.count()})


@login_required
def project_delays(request, code: str):
    area, on = _area(request, code), _day(request, "on", datetime.date.today())
    rows = project_selectors.project_delays(actor=request.user, area_code=area.code, on=on)
    return render(request, "web/project_delays.html", {"area": area, "on": on, "rows": rows})


@login_required
def rotation_gaps(request, code: str):
    area = _area(request, code)
    end = _day(request, "end", datetime.date.today())
    start = _day(request, "start", end.replace(year=end.year - 1))
    error, rows = None, []
    try:
        rows = personnel_selectors.rotation_gaps(actor=request.user, area_code=area.code, start=start, end=end)
    except ValidationFailed as refused:
        error = refused
    rows = [row for row in rows if row["team_gaps"] or row["first_secretary_gaps"]]
    return render(request, "web/rotation_gaps.html", {"area": area, "start": start, "end": end, "rows": rows,
                                                       "error": error})


@login_required
def fund_trace(request, pk: int):
    document = fund_selectors.document_list(actor=request.user).filter(pk=pk).first()
    if document is None:
        raise Http404
    return render(request, "web/fund_trace.html", {"trace": fund_selectors.trace(actor=request.user,
                                                                                  document=document)})


class MeasureForm(forms.Form):
    measure_type = forms.ModelChoiceField(MeasureType.objects.all(), label=_("Measure"))
    member = forms.ModelChoiceField(Member.objects.none(), label=_("Member"), required=False,
                                    empty_label=_("whole household"))
    delivered_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2, min_value=0, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(is_active=True)


class VisitForm(forms.Form):
    cadre = forms.CharField(label=_("Cadre's ID number"), max_length=18)
    visited_on = forms.DateField(label=_("Visited on"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_cadre(self):
        cadre = Cadre.objects.filter(id_number=self.cleaned_data["cadre"].strip().upper()).first()
        if cadre is None:
            raise forms.ValidationError(_("No cadre has this ID number."))
        return cadre


FORMS = {"measure": (MeasureForm, "delivered"), "visit": (VisitForm, "visit")}


@login_required
def household_assistance(request, pk: int):
    """A household's plans with their coverage of its causes, the measures it received, its cadres and visits;
    a village cadre records a delivered measure or a visit here (through the assistance service, which checks the
    right to change the household's village and writes the audit event)."""
    household = assistance_selectors.record_list(actor=request.user, model=Household, area_field="area").filter(
        pk=pk).first()
    if household is None:
        raise Http404
    forms_shown = {"measure": MeasureForm(household=household), "visit": VisitForm()}
    if request.method == "POST" and request.POST.get("form") in FORMS:
        name = request.POST["form"]
        form_class, kind = FORMS[name]
        form = form_class(request.POST, household=household) if name == "measure" else form_class(request.POST)
        if form.is_valid():
            data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
            try:
                assistance_services.record_save(actor=request.user, kind=kind, data={**data, "household": household})
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return redirect("web:household-assistance", pk=household.pk)
        forms_shown[name] = form
    plans = [{"plan": plan, "coverage": assistance_selectors.plan_coverage(plan)}
             for plan in Plan.objects.filter(household=household).prefetch_related("planned__measure_type")]
    context = {
        "household": household, "plans": plans,
        "delivered": DeliveredMeasure.objects.filter(household=household).select_related(
            "measure_type", "member", "provider", "project").order_by("-delivered_on"),
        "duties": Responsibility.objects.filter(household=household).select_related("cadre"),
        "visits": HouseholdVisit.objects.filter(household=household).select_related("cadre")[:50],
        "forms": [{"name": "measure", "title": _("A delivered measure"), "form": forms_shown["measure"]},
                  {"name": "visit", "title": _("A visit"), "form": forms_shown["visit"]}],
    }
    return render(request, "web/household_assistance.html", context)


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=project_codes.STAGE.choices)
    on = forms.DateField(label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"}))


class DocumentForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=project_codes.STAGE.choices)
    kind = forms.ChoiceField(label=_("Kind of document"), choices=project_codes.DOCUMENT_KIND.choices)
    number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"), help_text=_("PDF, an image (JPEG, PNG, TIFF) or an office document."))


@login_required
def project_detail(request, pk: int):
    """A project's stages with the documents each still needs, its documents, funds and beneficiaries; the
    county office files a document or completes a stage here (through the projects service, which refuses a stage
    whose required documents are missing)."""
    project = project_selectors.project_list(actor=request.user).filter(pk=pk).prefetch_related(
        "stages", "fundings").first()
    if project is None:
        raise Http404
    shown = {"document": DocumentForm(), "stage": StageForm()}
    if request.method == "POST" and request.POST.get("form") in shown:
        name = request.POST["form"]
        form = DocumentForm(request.POST, request.FILES) if name == "document" else StageForm(request.POST)
        if form.is_valid():
            try:
                if name == "document":
                    project_services.document_save(actor=request.user, data={**form.cleaned_data,
                                                                              "project": project})
                else:
                    project_services.stage_complete(actor=request.user, project=project, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return redirect("web:project", pk=project.pk)
        shown[name] = form
    stages = [{"stage": row, "missing": [project_codes.DOCUMENT_KIND.label(kind) for kind in
                                         project_services.missing_documents(project, row.stage)]}
              for row in sorted(project.stages.all(), key=lambda row: project_codes.STAGE_ORDER.index(row.stage))]
    context = {"project": project, "stages": stages,
               "forms": [{"name": "document", "title": _("File a document"), "form": shown["document"]},
                         {"name": "stage", "title": _("Complete a stage"), "form": shown["stage"]}],
               "delay": project_selectors.delay_status(project, datetime.date.today()),
               "documents": project.documents.order_by("stage", "id"),
               "beneficiaries": project_selectors.beneficiary_counts(
                   project_selectors.project_list(actor=request.user).filter(pk=project.pk))}
    return render(request, "web/project.html", context)
