"""Forms of a project's page: completing a stage and filing a document. They check shape; the projects service
checks the right to change the project, refuses a stage whose required documents are missing, checks the file and
audits."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core.pages import DATE_INPUT

from . import codelists as project_codes


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=project_codes.STAGE.choices)
    on = forms.DateField(label=_("Completed on"), **DATE_INPUT)


class DocumentForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=project_codes.STAGE.choices)
    kind = forms.ChoiceField(label=_("Kind of document"), choices=project_codes.DOCUMENT_KIND.choices)
    number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"), help_text=_("PDF, an image (JPEG, PNG, TIFF) or an office document."))
