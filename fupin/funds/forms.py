"""Forms of a fund document's ledger: allocating it to an area, recording it arriving, spending it on a project
(and household), and correcting an entry by a signed amount. They check shape; the funds service checks the right
to write in the area, refuses an overrun with what is left, and audits."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.areas import selectors as area_selectors
from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.pages import DATE_INPUT
from fupin.projects import selectors as project_selectors
from fupin.registry import selectors as registry_selectors

from . import codelists as fund_codes
from . import selectors


class EntryForm(forms.Form):
    # Amounts are not bounded here: the funds service refuses what the ledger cannot hold, with its own message.
    area = forms.CharField(label=_("Area code"), max_length=12)
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2)
    date = forms.DateField(label=_("Date"), **DATE_INPUT)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, actor, document, **kwargs):
        # Every ledger form is built alike; only a correction needs the document (to list what it may correct).
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_area(self):
        text = self.cleaned_data["area"]
        try:
            return area_selectors.area_by_code(text)
        except NotFound:
            raise forms.ValidationError(_("No area has the code %(code)s."), params={"code": text}) from None


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
        households = registry_selectors.household_list(actor=self.actor)
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
    date = forms.DateField(label=_("Date"), **DATE_INPUT)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, actor, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"].queryset = selectors.entry_list(actor=actor).filter(
            document=document).exclude(kind="adjust").order_by("date", "id")
        self.fields["corrects"].label_from_instance = lambda entry: (
            f"#{entry.pk} {fund_codes.ENTRY_KIND.label(entry.kind)} {entry.area.name} {entry.amount} {entry.date}")
