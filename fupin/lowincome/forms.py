"""The forms of the low-income pages: a department's list to upload, a re-evaluation to run, a finding closed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core.pages import DATE_INPUT

from . import codelists as cl
from .models import FindingStatus


class ListImportForm(forms.Form):
    file = forms.FileField(label=_("The department's list (.xlsx, .xls, .ods or .csv)"))
    category = forms.ChoiceField(label=_("Category"), choices=cl.CATEGORY.choices)
    department = forms.CharField(label=_("Deciding department"), max_length=60)
    identified_on = forms.DateField(label=_("Identification date of rows that give none"), **DATE_INPUT)
    procedure = forms.CharField(label=_("Procedure"), max_length=200, required=False)
    dry_run = forms.BooleanField(label=_("Check only (write nothing)"), required=False)
    skip_invalid = forms.BooleanField(label=_("Write the valid rows even if others are refused"), required=False)


class ReevaluationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2021, max_value=2100)


class FindingCloseForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=[(FindingStatus.DONE, FindingStatus.DONE.label),
                                        (FindingStatus.DISMISSED, FindingStatus.DISMISSED.label)])
