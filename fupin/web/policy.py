"""Policy data pages: every policy value (lines, thresholds, parameters, exit conditions) by year and province,
the national poverty lines by year, and the procedures with their steps. Everyone signed in may read them; users
whose role may administer policy also get forms, which write only through the rules and workflows services
(permission for the province, one transaction, one audit event each). A value is named as in the policy table
that `fupin rules import` reads (kind and code) and is checked by the same parser, so the page and the import
accept exactly the same values."""

from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.models import Role
from fupin.accounts.scoping import can_anywhere
from fupin.areas import codes
from fupin.areas.models import Area
from fupin.core.codelists import localized
from fupin.core.errors import ServiceError
from fupin.rules import services as rules_services
from fupin.rules.importing import LEVELS, REGIONS, SERIES, PolicyRowError, parse_policy_row
from fupin.rules.models import (
    NATIONAL,
    Certainty,
    ExitCondition,
    ExitThreshold,
    MonitoringThreshold,
    PolicyParameter,
    PovertyLine,
)
from fupin.rules.policy import EXIT_CONDITIONS
from fupin.workflows import services as workflow_services
from fupin.workflows.models import Procedure, ProcedureStep

# Kind in the policy table -> (model, the field of its year, the field of its value). Lines and monitoring
# thresholds are set for one year; the others apply from their year until a later row replaces them.
KINDS = {
    "poverty_line": (PovertyLine, "year", "amount"),
    "monitoring_threshold": (MonitoringThreshold, "year", "amount"),
    "exit_threshold": (ExitThreshold, "effective_year", "max_incidence"),
    "parameter": (PolicyParameter, "effective_year", "value"),
    "exit_condition": (ExitCondition, "effective_year", "enabled"),
}
NATIONAL_CHOICE = "CN"  # the province filter's value for national rows ("" means every province)
# Where the policy parser's complaint belongs on the form.
FORM_FIELDS = {"kind": "parameter", "code": "parameter", "year": "year", "province_code": "province",
               "value": "value", "certainty": "certainty", "source": "source"}


def _code(kind: str, row) -> str:
    if kind == "poverty_line":
        return row.series
    if kind == "monitoring_threshold":
        return ""
    if kind == "exit_threshold":
        return f"{row.level}/{row.region_class}"
    return row.code


def _number(value) -> str:
    """As the policy table writes it: 2736 and 0.02 rather than 2736.00 and 0.0200; conditions 1 or 0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class PolicyValue:
    kind: str
    code: str
    year: int
    province: str
    value: str
    certainty: str
    source: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}"

    @property
    def applies_from_year(self) -> bool:
        return KINDS[self.kind][1] == "effective_year"


def parameter_label(key: str) -> str:
    kind, code = key.split(":", 1)
    name = capfirst(KINDS[kind][0]._meta.verbose_name)
    return f"{name} · {code}" if code else str(name)


def policy_values() -> list[PolicyValue]:
    values = []
    for kind, (model, year_field, value_field) in KINDS.items():
        for row in model.objects.all():
            values.append(PolicyValue(kind, _code(kind, row), getattr(row, year_field), row.province_code,
                                      _number(getattr(row, value_field)), row.certainty, row.source))
    order = list(KINDS)
    return sorted(values, key=lambda v: (order.index(v.kind), v.code, v.province, v.year))


def in_force(values: list[PolicyValue], year: int) -> list[PolicyValue]:
    """The rows the rules use in `year`: a line or threshold of that year, and for the rest the latest row
    from that year or before, per parameter and province (as fupin.rules.policy.YearPolicy loads them)."""
    chosen: dict[tuple, PolicyValue] = {}
    for value in values:
        if not value.applies_from_year:
            if value.year == year:
                chosen[(value.key, value.province)] = value
        elif value.year <= year:
            current = chosen.get((value.key, value.province))
            if current is None or current.year < value.year:
                chosen[(value.key, value.province)] = value
    return [value for value in values if chosen.get((value.key, value.province)) is value]


def _provinces(values: list[PolicyValue]) -> dict[str, str]:
    """Province codes (two digits) with their names, for every province loaded and every one with own values."""
    names = {area.code[:2]: area.name for area in Area.objects.filter(level=codes.Level.PROVINCE)}
    for value in values:
        if value.province:
            names.setdefault(value.province, value.province)
    return dict(sorted(names.items()))


def _parameter_keys(values: list[PolicyValue]) -> list[str]:
    """Every parameter a value can be set for: those with values, and each line, threshold and condition the
    rules know."""
    keys = {value.key for value in values}
    keys.update(f"poverty_line:{series}" for series in SERIES)
    keys.add("monitoring_threshold:")
    keys.update(f"exit_threshold:{level}/{region}" for level in LEVELS for region in REGIONS)
    keys.update(f"exit_condition:{code}" for code in EXIT_CONDITIONS)
    return _ordered(keys)


def _ordered(keys) -> list[str]:
    order = list(KINDS)
    return sorted(keys, key=lambda key: (order.index(key.split(":", 1)[0]), key))


def may_edit_policy(user) -> bool:
    """Whether to offer the forms at all; the services still decide for each province."""
    return can_anywhere(user, Action.ADMINISTER)


def _require_policy_admin(request) -> None:
    if not may_edit_policy(request.user):
        raise Forbidden


def _national_lines(values: list[PolicyValue]) -> list[dict]:
    lines: dict[int, dict] = {}
    for value in values:
        if value.kind == "poverty_line" and value.province == NATIONAL:
            lines.setdefault(value.year, {"year": value.year})[value.code] = value.value
    return [lines[year] for year in sorted(lines)]


def _procedures() -> list[dict]:
    roles = {role.code: str(role) for role in Role.objects.all()}
    actions = dict(Action.choices)
    result = []
    for procedure in Procedure.objects.prefetch_related("steps"):
        steps = [{"step": step, "name": localized(step.name_zh, step.name_en), "role": roles.get(step.role, step.role),
                  "action": actions.get(step.action, step.action)} for step in procedure.steps_in_order()]
        result.append({"procedure": procedure, "name": localized(procedure.name_zh, procedure.name_en),
                       "steps": steps})
    return result


@login_required
def policy_list(request):
    values = policy_values()
    provinces = _provinces(values)
    parameter = request.GET.get("parameter", "")
    province = request.GET.get("province", "")
    year_text = request.GET.get("year", "").strip()
    year = int(year_text) if year_text.isdigit() else None
    shown = in_force(values, year) if year is not None else values
    if parameter:
        shown = [value for value in shown if value.key == parameter]
    if province == NATIONAL_CHOICE:
        shown = [value for value in shown if value.province == NATIONAL]
    elif province:
        shown = [value for value in shown if value.province == province]
    rows = [{"value": value, "label": parameter_label(value.key),
             "province_name": provinces.get(value.province, "") if value.province else "",
             "certainty": Certainty(value.certainty).label,
             "edit": f"{reverse('web:policy-value')}?"
                     + urlencode({"parameter": value.key, "year": value.year, "province": value.province})}
            for value in shown]
    return render(request, "web/policy.html", {
        "rows": rows, "parameters": [(key, parameter_label(key)) for key in _ordered({v.key for v in values})],
        "provinces": provinces, "national_choice": NATIONAL_CHOICE, "parameter": parameter, "province": province,
        "year": year, "lines": _national_lines(values), "procedures": _procedures(),
        "may_edit": may_edit_policy(request.user),
        "labels": {"poverty_lines": capfirst(PovertyLine._meta.verbose_name_plural),
                   "parameters": capfirst(PolicyParameter._meta.verbose_name_plural),
                   "procedures": capfirst(Procedure._meta.verbose_name_plural),
                   "nbs": PovertyLine.Series.NBS.label, "working": PovertyLine.Series.WORKING.label,
                   "certainty": capfirst(PolicyParameter._meta.get_field("certainty").verbose_name),
                   "source": capfirst(PolicyParameter._meta.get_field("source").verbose_name),
                   "value": capfirst(PolicyParameter._meta.get_field("value").verbose_name)},
    })


class PolicyValueForm(forms.Form):
    parameter = forms.ChoiceField(label=_("Parameter"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100,
                              help_text=_("Lines and monitoring thresholds are set for one year; other values "
                                          "apply from this year until a later value replaces them."))
    province = forms.ChoiceField(label=_("Province"), required=False)
    value = forms.DecimalField(label=capfirst(PolicyParameter._meta.get_field("value").verbose_name),
                               help_text=_("Incidences and rates as fractions (0.03 for 3 %); conditions 1 (on) "
                                           "or 0 (off)."))
    certainty = forms.ChoiceField(label=capfirst(PolicyParameter._meta.get_field("certainty").verbose_name),
                                  choices=Certainty.choices, initial=Certainty.VERIFIED)
    source = forms.CharField(label=_("Source or note"), max_length=300, required=False)

    def __init__(self, *args, keys: list[str], provinces: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parameter"].choices = [(key, parameter_label(key)) for key in keys]
        self.fields["province"].choices = [(NATIONAL, _("National"))] + [
            (code, f"{name} ({code})" if name != code else code) for code, name in provinces.items()]


def _save_value(request, data: dict) -> None:
    """Write one policy value through the rules service (PolicyRowError, ValidationError or ServiceError when it
    is refused; nothing is written then)."""
    kind, code = data["parameter"].split(":", 1)
    model_name, lookup, fields = parse_policy_row({
        "kind": kind, "code": code, "year": str(data["year"]), "province_code": data["province"] or "",
        "value": str(data["value"]), "certainty": data["certainty"], "source": data["source"]})
    model = apps.get_model("rules", model_name)
    row = model.objects.filter(**lookup).first()
    is_new = row is None
    if is_new:
        row = model(**lookup)
    for name, value in fields.items():
        setattr(row, name, value)
    rules_services.policy_save(actor=request.user, row=row, is_new=is_new)


@login_required
def policy_value_edit(request):
    _require_policy_admin(request)
    values = policy_values()
    keys, provinces = _parameter_keys(values), _provinces(values)
    if request.method == "POST":
        form = PolicyValueForm(request.POST, keys=keys, provinces=provinces)
        if form.is_valid():
            try:
                _save_value(request, form.cleaned_data)
            except PolicyRowError as exc:
                form.add_error(FORM_FIELDS.get(exc.column), str(exc))
            except ValidationError as exc:  # the model's own checks (e.g. too many digits), run by the service;
                form.add_error(None, exc.messages)  # they name model fields, not the form's
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The policy value was saved."))
                query = {"parameter": form.cleaned_data["parameter"],
                         "province": form.cleaned_data["province"] or NATIONAL_CHOICE}
                return redirect(f"{reverse('web:policy')}?{urlencode(query)}")
    else:
        initial = {key: request.GET[key] for key in ("parameter", "year", "province") if key in request.GET}
        current = next((v for v in values if v.key == initial.get("parameter")
                        and str(v.year) == initial.get("year") and v.province == initial.get("province", "")), None)
        if current is not None:
            initial.update(value=current.value, certainty=current.certainty, source=current.source)
        form = PolicyValueForm(initial=initial, keys=keys, provinces=provinces)
    return render(request, "web/policy_value.html", {"form": form})


class ProcedureStepForm(forms.ModelForm):
    """The fields of a step that procedure_save keeps; its procedure comes from the page."""

    action = forms.ChoiceField(choices=Action.choices)
    role = forms.ChoiceField(required=False)

    class Meta:
        model = ProcedureStep
        fields = ["order", "code", "name_zh", "name_en", "level", "action", "role", "notice", "notice_min_days",
                  "needs_evidence"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].label = ProcedureStep._meta.get_field("action").verbose_name
        self.fields["role"].label = ProcedureStep._meta.get_field("role").verbose_name
        self.fields["role"].choices = [("", "—")] + [(role.code, str(role)) for role in Role.objects.all()]

    def clean(self):
        # The procedure is not a field of the form, so the model form leaves the per-procedure unique
        # constraints unchecked; a clash would otherwise surface as a database error.
        cleaned = super().clean()
        others = ProcedureStep.objects.filter(procedure=self.instance.procedure).exclude(pk=self.instance.pk)
        if cleaned.get("order") is not None and others.filter(order=cleaned["order"]).exists():
            self.add_error("order", _("Another step of this procedure has this order."))
        if cleaned.get("code") and others.filter(code=cleaned["code"]).exists():
            self.add_error("code", _("Another step of this procedure has this code."))
        return cleaned


def _procedure(code: str) -> Procedure:
    return get_object_or_404(Procedure, code=code)


@login_required
def procedure_step_edit(request, code: str, pk: int | None = None):
    """Change a step of a procedure, or add one (no pk)."""
    _require_policy_admin(request)
    procedure = _procedure(code)
    if pk is None:
        step = ProcedureStep(procedure=procedure)
    else:
        step = get_object_or_404(ProcedureStep, procedure=procedure, pk=pk)
    form = ProcedureStepForm(request.POST if request.method == "POST" else None, instance=step)
    if request.method == "POST" and form.is_valid():
        try:
            workflow_services.procedure_save(actor=request.user, procedure=procedure,
                                             steps=[form.save(commit=False)])
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The procedure step was saved."))
            return redirect(f"{reverse('web:policy')}#procedure-{procedure.code}")
    return render(request, "web/policy_step.html", {
        "form": form, "procedure": procedure, "procedure_name": localized(procedure.name_zh, procedure.name_en),
        "step": step if pk is not None else None})
