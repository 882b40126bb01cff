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


class MaintenanceForm(forms.Form):
    """A maintenance record (管护) of one of the project's assets."""

    asset = forms.ModelChoiceField(queryset=None, label=_("Asset"))
    date = forms.DateField(label=_("Date"), **DATE_INPUT)
    cost = forms.DecimalField(label=_("Cost (yuan)"), max_digits=16, decimal_places=2)
    note = forms.CharField(label=_("What was done"), max_length=300)

    def __init__(self, *args, assets, disposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = assets


class DisposalApplyForm(forms.Form):
    asset = forms.ModelChoiceField(queryset=None, label=_("Asset"))
    reason = forms.CharField(label=_("Reason"), max_length=300)
    value = forms.DecimalField(label=_("Disposal value (yuan)"), max_digits=16, decimal_places=2, min_value=0)
    applied_on = forms.DateField(label=_("Applied on"), **DATE_INPUT)

    def __init__(self, *args, assets, disposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = assets


class DisposalStepForm(forms.Form):
    """The next step of a disposal: the township's or the county's approval (or refusal), or the disposal done."""

    disposal = forms.ModelChoiceField(queryset=None, label=_("Disposal"))
    step = forms.ChoiceField(label=_("Step"), choices=[
        (code, label) for code, label in project_codes.DISPOSAL_STATUS.choices if code in ("township", "county",
                                                                                         "disposed")])
    on = forms.DateField(label=_("Date"), **DATE_INPUT)
    approve = forms.TypedChoiceField(label=_("Decision"), coerce=lambda value: value == "yes",
                                     choices=[("yes", _("approve")), ("no", _("refuse"))])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, assets, disposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disposal"].queryset = disposals
        self.fields["disposal"].label_from_instance = lambda disposal: (
            f"{disposal.asset.name} · {project_codes.DISPOSAL_STATUS.label(disposal.status)}")
