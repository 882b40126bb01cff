"""Policy data pages: every policy value (lines, thresholds, parameters, exit conditions) by year and province and
the national poverty lines by year; the procedures with their steps are the workflows' own part of the page (its
`procedure_table` tag). Everyone signed in may read them; users whose role may administer policy also get a form,
which writes only through the rules service (permission for the province, one transaction, one audit event). A
value is named as in the policy table that `fupin rules import` reads (kind and code) and is checked by the same
parser, so the page and the import accept exactly the same values."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can_anywhere
from fupin.areas import selectors as area_selectors
from fupin.core.errors import ServiceError

from . import services
from .forms import PolicyValueForm, parameter_label
from .importing import LEVELS, REGIONS, SERIES, PolicyRowError
from .models import NATIONAL, Certainty, PolicyParameter, PovertyLine
from .policy import EXIT_CONDITIONS
from .selectors import POLICY_KINDS, PolicyValue, in_force, policy_values

NATIONAL_CHOICE = "CN"  # the province filter's value for national rows ("" means every province)
# Where the policy parser's complaint belongs on the form.
FORM_FIELDS = {"kind": "parameter", "code": "parameter", "year": "year", "province_code": "province",
               "value": "value", "certainty": "certainty", "source": "source"}


def _provinces(values: list[PolicyValue]) -> dict[str, str]:
    """Province codes (two digits) with their names, for every province loaded and every one with own values."""
    names = {area.code[:2]: area.name for area in area_selectors.province_list()}
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
    order = list(POLICY_KINDS)
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
    return render(request, "rules/policy.html", {
        "rows": rows, "parameters": [(key, parameter_label(key)) for key in _ordered({v.key for v in values})],
        "provinces": provinces, "national_choice": NATIONAL_CHOICE, "parameter": parameter, "province": province,
        "year": year, "lines": _national_lines(values), "may_edit": may_edit_policy(request.user),
        "labels": {"poverty_lines": capfirst(PovertyLine._meta.verbose_name_plural),
                   "parameters": capfirst(PolicyParameter._meta.verbose_name_plural),
                   "nbs": PovertyLine.Series.NBS.label, "working": PovertyLine.Series.WORKING.label,
                   "certainty": capfirst(PolicyParameter._meta.get_field("certainty").verbose_name),
                   "source": capfirst(PolicyParameter._meta.get_field("source").verbose_name),
                   "value": capfirst(PolicyParameter._meta.get_field("value").verbose_name)},
    })


@login_required
def policy_value_edit(request):
    _require_policy_admin(request)
    values = policy_values()
    keys, provinces = _parameter_keys(values), _provinces(values)
    if request.method == "POST":
        form = PolicyValueForm(request.POST, keys=keys, provinces=provinces)
        if form.is_valid():
            try:
                services.policy_value_save(actor=request.user, values=form.policy_row())
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
    return render(request, "rules/policy_value.html", {"form": form})
