"""The form of the pairings page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core.pages import DATE_INPUT

from . import selectors


class PairingForm(forms.Form):
    """A pairing between two areas (an eastern district and a poor county, a town and a township …)."""

    programme = forms.ModelChoiceField(queryset=selectors.programme_list(), label=_("Programme"))
    helper = forms.CharField(label=_("Helper (area code)"), max_length=12)
    helped = forms.CharField(label=_("Helped (area code)"), max_length=12)
    start_date = forms.DateField(label=_("Start date"), **DATE_INPUT)


class WorkshopEmployeesForm(forms.Form):
    """Poor members a workshop employs, by ID number (one a line; a household number also names its head)."""

    id_numbers = forms.CharField(label=_("ID numbers of the poor employees (one a line)"), max_length=20_000,
                                 widget=forms.Textarea(attrs={"rows": 4}))

    def numbers(self) -> list[str]:
        return [line.strip().upper() for line in self.cleaned_data["id_numbers"].splitlines() if line.strip()]
