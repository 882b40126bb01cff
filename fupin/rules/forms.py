"""The form that sets one policy value on the policy page."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import NATIONAL, Certainty, PolicyParameter
from .selectors import POLICY_KINDS


def parameter_label(key: str) -> str:
    kind, code = key.split(":", 1)
    name = capfirst(POLICY_KINDS[kind][0]._meta.verbose_name)
    return f"{name} · {code}" if code else str(name)


class PolicyValueForm(forms.Form):
    parameter = forms.ChoiceField(label=_("Parameter"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100,
                              help_text=_("Lines and monitoring thresholds are set for one year; other values "
                                          "apply from this year until a later value replaces them."))
    province = forms.ChoiceField(label=_("Province"), required=False)
    value = forms.DecimalField(label=capfirst(PolicyParameter._meta.get_field("value").verbose_name),
                               help_text=_("Incidences and rates as fractions (0.03 for 3 %); conditions 1 (on) "
                                           "or 0 (off)."))
    certainty = forms.ChoiceField(label=capfirst(PolicyParameter._meta.get_field("certainty").verbose_name),
                                  choices=Certainty.choices, initial=Certainty.VERIFIED)
    source = forms.CharField(label=_("Source or note"), max_length=300, required=False)

    def __init__(self, *args, keys: list[str], provinces: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parameter"].choices = [(key, parameter_label(key)) for key in keys]
        self.fields["province"].choices = [(NATIONAL, _("National"))] + [
            (code, f"{name} ({code})" if name != code else code) for code, name in provinces.items()]

    def policy_row(self) -> dict:
        """The value as a row of the policy table (what the rules service and `fupin rules import` read)."""
        data = self.cleaned_data
        kind, code = data["parameter"].split(":", 1)
        return {"kind": kind, "code": code, "year": str(data["year"]), "province_code": data["province"] or "",
                "value": str(data["value"]), "certainty": data["certainty"], "source": data["source"]}
