"""The forms of the workflow pages: deciding a step (one case or several), publishing a notice, recording and
resolving an objection, submitting a case, and editing a procedure's steps. They check shape only; the workflow
services decide and write."""

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.core.codelists import localized
from fupin.registry import codelists as cl

from . import selectors
from .models import Case, Decision, Notice, Objection, Procedure, ProcedureStep


def field_label(model, name: str):
    """A model field's verbose name (already translated), so form labels match the admin and the API."""
    return model._meta.get_field(name).verbose_name


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input takes, in any language


class DecideForm(forms.Form):
    step = forms.SlugField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(choices=Decision.Outcome.choices)
    comment = forms.CharField(label=field_label(Decision, "comment"), max_length=500, required=False)
    evidence = forms.CharField(label=_("Evidence (one document per line)"), required=False, widget=forms.Textarea)

    def evidence_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["evidence"].splitlines() if line.strip()]


class BulkApproveForm(forms.Form):
    comment = forms.CharField(label=field_label(Decision, "comment"), max_length=500, required=False)


class NoticePublishForm(forms.Form):
    step = forms.SlugField(widget=forms.HiddenInput)
    publisher = forms.CharField(label=field_label(Notice, "publisher"), max_length=100)
    objection_contact = forms.CharField(label=field_label(Notice, "objection_contact"), max_length=300,
                                        required=False)
    on = forms.DateField(label=field_label(Notice, "published_on"), widget=_date_input(),
                         help_text=_("The day the notice was put up; the notice period runs from it."))


class ObjectionResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=field_label(Objection, "resolution"), widget=forms.RadioSelect,
                                   choices=[(Objection.Resolution.DISMISSED, Objection.Resolution.DISMISSED.label),
                                            (Objection.Resolution.UPHELD, Objection.Resolution.UPHELD.label)])
    note = forms.CharField(label=field_label(Objection, "resolution_note"), max_length=500)


class ObjectionRecordForm(forms.Form):
    case = forms.TypedChoiceField(label=field_label(Objection, "case"), coerce=int)
    raised_by = forms.CharField(label=field_label(Objection, "raised_by"), max_length=100, required=False,
                                help_text=Objection._meta.get_field("raised_by").help_text)
    content = forms.CharField(label=field_label(Objection, "content"), widget=forms.Textarea)
    received_on = forms.DateField(label=field_label(Objection, "received_on"), widget=_date_input())

    def __init__(self, *args, cases: Iterable[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = list(cases)


class ProcedureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Procedure) -> str:
        return localized(obj.name_zh, obj.name_en)


class CaseStartForm(forms.Form):
    procedure = ProcedureChoiceField(label=field_label(Case, "procedure"), queryset=selectors.procedure_list())
    year = forms.IntegerField(label=field_label(Case, "year"), min_value=2000, max_value=2100)
    household = forms.CharField(label=_("Household (household number)"), max_length=40, required=False,
                                help_text=_("For a household's procedure."))
    area = forms.CharField(label=_("Area code"), max_length=12, required=False,
                           help_text=_("For a village's or a county's procedure."))
    category = forms.ChoiceField(label=_("Monitoring category"), required=False,
                                 choices=[("", "—"), *cl.MONITORING_CATEGORY.choices],
                                 help_text=_("For the identification of a monitoring object."))


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
        self.fields["role"].choices = [("", "—")] + [(role.code, str(role)) for role in selectors.role_list()]

    def clean(self):
        # The procedure is not a field of the form, so the model form leaves the per-procedure unique
        # constraints unchecked; a clash would otherwise surface as a database error.
        cleaned = super().clean()
        others = selectors.procedure_step_list(self.instance.procedure).exclude(pk=self.instance.pk)
        if cleaned.get("order") is not None and others.filter(order=cleaned["order"]).exists():
            self.add_error("order", _("Another step of this procedure has this order."))
        if cleaned.get("code") and others.filter(code=cleaned["code"]).exists():
            self.add_error("code", _("Another step of this procedure has this code."))
        return cleaned
