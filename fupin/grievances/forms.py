"""The complaint forms: filing by an office, the public form, the status check, a lifecycle step and a correction's
link. They check the input's shape and find the records it names within what the user may see; the service checks
permission and the rules and audits the save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.areas import selectors as area_selectors
from fupin.core.errors import NotFound
from fupin.core.pages import DATE_INPUT
from fupin.funds import selectors as fund_selectors
from fupin.personnel import selectors as personnel_selectors
from fupin.projects import selectors as project_selectors
from fupin.registry import selectors as registry_selectors

from . import selectors
from .models import Channel, Finding, Satisfaction


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.label


def area_from_code(text: str):
    try:
        return area_selectors.area_by_code(text)
    except NotFound:
        raise forms.ValidationError(_("No area has the code %(code)s."), params={"code": text}) from None


class TicketFileForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=[
        (value, label) for value, label in Channel.choices if value != Channel.NOTICE_OBJECTION])
    category = CategoryField(label=_("Category"), queryset=None)
    area = forms.CharField(label=_("Area concerned (area code)"), max_length=12, required=False,
                           help_text=_("Empty: the area of the household, project or fund entry named below."))
    summary = forms.CharField(label=_("Summary"), max_length=200)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 5}))
    received_on = forms.DateField(label=_("Received on"), required=False, **DATE_INPUT)
    reference = forms.CharField(label=_("Reference (hotline or letter number)"), max_length=60, required=False)
    household = forms.CharField(label=_("Household concerned (household number)"), max_length=40, required=False)
    project = forms.IntegerField(label=_("Project concerned (id)"), required=False, min_value=1)
    fund_entry = forms.IntegerField(label=_("Fund entry concerned (id)"), required=False, min_value=1)
    cadre = forms.CharField(label=_("Cadre reported (ID number)"), max_length=18, required=False)
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=60, required=False,
                                    help_text=_("Confidential. Empty: anonymous."))
    reporter_phone = forms.CharField(label=_("Reporter's phone"), max_length=20, required=False)
    reporter_id_number = forms.CharField(label=_("Reporter's ID number"), max_length=18, required=False)

    def __init__(self, data=None, *, actor):
        super().__init__(data)
        self.actor = actor
        self.fields["category"].queryset = selectors.category_list()

    def clean_area(self):
        text = self.cleaned_data["area"].strip()
        return area_from_code(text) if text else None

    def _one(self, queryset, missing):
        record = queryset.first()
        if record is None:
            raise forms.ValidationError(missing)
        return record

    def clean_household(self):
        text = self.cleaned_data["household"].strip()
        return self._one(registry_selectors.household_list(actor=self.actor).filter(number=text),
                         _("No household has this number in your areas.")) if text else None

    def clean_project(self):
        pk = self.cleaned_data["project"]
        return self._one(project_selectors.project_list(actor=self.actor).filter(pk=pk),
                         _("No project has this id in your areas.")) if pk else None

    def clean_fund_entry(self):
        pk = self.cleaned_data["fund_entry"]
        return self._one(fund_selectors.entry_list(actor=self.actor).filter(pk=pk),
                         _("No fund entry has this id in your areas.")) if pk else None

    def clean_cadre(self):
        text = self.cleaned_data["cadre"].strip().upper()
        return self._one(personnel_selectors.cadre_list(actor=self.actor).filter(id_number=text),
                         _("No cadre has this ID number in your areas.")) if text else None


class PublicTicketForm(forms.Form):
    category = CategoryField(label=_("What is it about?"), queryset=None)
    area = forms.CharField(label=_("Village or area code"), max_length=12,
                           help_text=_("The code on the village's notice board (12 digits), or a shorter one."))
    summary = forms.CharField(label=_("In one sentence"), max_length=200)
    content = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 6}))
    reporter_name = forms.CharField(label=_("Your name (optional)"), max_length=60, required=False,
                                    help_text=_("Kept confidential. You may complain anonymously."))
    reporter_phone = forms.CharField(label=_("Your phone (optional)"), max_length=20, required=False,
                                     help_text=_("Only the office handling the complaint sees it, to call you back."))
    # A field people never see: a form filled in by a robot fills it (captcha-free).
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={
        "autocomplete": "off", "tabindex": "-1", "class": "visually-hidden", "aria-hidden": "true"}))

    def __init__(self, data=None, initial=None):
        super().__init__(data, initial=initial)
        self.fields["category"].queryset = selectors.category_list()

    def clean_area(self):
        return area_from_code(self.cleaned_data["area"].strip())

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise forms.ValidationError(_("This form could not be sent."))
        return ""


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Tracking number"), max_length=20)


class StepForm(forms.Form):
    on = forms.DateField(label=_("Date"), required=False, **DATE_INPUT)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NotAcceptForm(StepForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(StepForm):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices)
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}))


class RateForm(StepForm):
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), choices=Satisfaction.choices)


class CloseForm(StepForm):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("What was done, including the corrections linked below."))


STEP_FORMS = {"accept": StepForm, "not_accept": NotAcceptForm, "investigate": StepForm, "reply": ReplyForm,
              "rate": RateForm, "reinvestigate": StepForm, "close": CloseForm}


class CorrectionForm(forms.Form):
    event = forms.IntegerField(label=_("Audit event of the correction (number)"), min_value=1,
                               help_text=_("The change made through the record's own page, as the audit trail "
                                           "numbers it."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
