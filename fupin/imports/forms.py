from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.areas import selectors as area_selectors
from fupin.areas.models import Area

FORMAT_CHOICES = [("xlsx", _("Excel workbook (.xlsx)")), ("csv", _("CSV text (.csv)"))]


def export_areas(actor) -> list[tuple[str, str]]:
    """Where the user may export: each granted area (the provinces for a nationwide grant) followed by its
    children, so that a county's user can also export one township without typing its code."""
    roots = area_selectors.root_areas(actor=actor, action=Action.EXPORT)
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
