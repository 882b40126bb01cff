"""Forms of the assistance pages: a delivered measure, a visit, and a household's plan (一户一策) with its planned
measures. They check shape; the assistance service checks the right to change the household's village, validates
and audits."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fupin.core.pages import DATE_INPUT
from fupin.personnel import selectors as personnel_selectors
from fupin.registry import codelists as registry_codes

from . import codelists as assistance_codes
from . import selectors


class MeasureForm(forms.Form):
    measure_type = forms.ModelChoiceField(selectors.measure_type_list(), label=_("Measure"))
    member = forms.ModelChoiceField(None, label=_("Member"), required=False, empty_label=_("whole household"))
    delivered_on = forms.DateField(label=_("Date"), **DATE_INPUT)
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2, min_value=0, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    end_rule = forms.ChoiceField(label=_("Support ends"), required=False,
                                 choices=[("", _("as the measure type says")), *assistance_codes.END_RULE.choices])
    agreement_ends_on = forms.DateField(label=_("Set end date or end of the post agreement"), required=False,
                                        **DATE_INPUT)
    loan = forms.ModelChoiceField(None, label=_("Loan contract"), required=False)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(is_active=True)
        self.fields["loan"].queryset = selectors.household_loans(household)


class VisitForm(forms.Form):
    cadre = forms.CharField(label=_("Cadre's ID number"), max_length=18)
    visited_on = forms.DateField(label=_("Visited on"), **DATE_INPUT)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_cadre(self):
        cadre = personnel_selectors.cadre_by_id_number(self.cleaned_data["cadre"])
        if cadre is None:
            raise forms.ValidationError(_("No cadre has this ID number."))
        return cadre


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    causes = forms.MultipleChoiceField(label=_("Causes"), choices=registry_codes.CAUSE.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text=_("None ticked: the household's own causes."))
    outcome = forms.ChoiceField(label=capfirst(_("outcome")), choices=assistance_codes.PLAN_OUTCOME.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PlannedMeasureForm(forms.Form):
    # No minimum on the amount: the assistance service refuses a negative one with its own message.
    measure_type = forms.ModelChoiceField(selectors.measure_type_list(), label=_("Measure"), required=False)
    member = forms.ModelChoiceField(None, label=_("Member"), required=False, empty_label=_("whole household"))
    planned_amount = forms.DecimalField(label=_("Planned amount"), max_digits=16, decimal_places=2, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(is_active=True)

    def clean(self):
        data = super().clean()
        if not data.get("measure_type") and any(data.get(name) not in (None, "") for name in
                                                ("member", "planned_amount", "note")):
            raise forms.ValidationError(_("Choose a measure, or leave the row empty."))
        return data


PlannedMeasures = forms.formset_factory(PlannedMeasureForm, extra=3)
