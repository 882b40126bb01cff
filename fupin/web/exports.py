"""The export page: households of one of the user's areas for a year, as .xlsx or .csv. The export runs as a job
(fupin.imports.exports); its page shows progress and, when it is done, the download."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import EVERYWHERE, granted_prefixes
from fupin.areas import codes
from fupin.areas import selectors as area_selectors
from fupin.areas.models import Area
from fupin.core.errors import ServiceError
from fupin.imports.exports import submit_household_export

FORMAT_CHOICES = [("xlsx", _("Excel workbook (.xlsx)")), ("csv", _("CSV text (.csv)"))]


def export_areas(actor) -> list[tuple[str, str]]:
    """Where the user may export: each granted area (the provinces for a nationwide grant) followed by its
    children, so that a county's user can also export one township without typing its code."""
    prefixes = granted_prefixes(actor, Action.EXPORT)
    if prefixes is EVERYWHERE:
        roots = list(Area.objects.filter(level=codes.Level.PROVINCE).order_by("code"))
    else:
        roots = list(Area.objects.filter(code__in=[p.ljust(codes.CODE_LENGTH, "0") for p in prefixes])
                     .order_by("code"))
    children: dict[str, list[Area]] = {}
    for child in (area_selectors.area_list(actor=actor, action=Action.EXPORT)
                  .filter(parent__in=[root.code for root in roots]).order_by("code")):
        children.setdefault(child.parent_id, []).append(child)
    choices = []
    for root in roots:
        choices.append((root.code, f"{root.name} ({root.code})"))
        choices.extend((child.code, f"— {child.name} ({child.code})") for child in children.get(root.code, []))
    return choices


class HouseholdExportForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="xlsx")

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas


@login_required
def household_export(request):
    areas = export_areas(request.user)
    form = HouseholdExportForm(request.POST if request.method == "POST" else None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = submit_household_export(actor=request.user, area_code=data["area"], year=data["year"],
                                          file_format=data["format"])
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("web:job", pk=job.pk)
    return render(request, "web/export.html", {"form": form, "may_export": bool(areas)})
