"""The forms of the personnel pages: a village work team and its members, a training programme and its trainees,
and the scores of one subject under an appraisal scheme. They check the input's shape and find the records it
names (within what the user may see); the personnel service checks permission, the rules and audits the save."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fupin.areas import selectors as area_selectors
from fupin.cooperation.importing import PARTY, find_party
from fupin.core.codelists import localized
from fupin.core.errors import NotFound
from fupin.core.pages import DATE_INPUT
from fupin.registry import selectors as registry_selectors

from . import codelists as personnel_codes
from . import selectors
from .models import Cadre


def _area_by_code(text: str):
    try:
        return area_selectors.area_by_code(text)
    except NotFound:
        raise forms.ValidationError(_("No area has the code %(code)s."), params={"code": text}) from None


def _party(text: str):
    """A party named by area code, credit code or registered name; an area's party may not exist yet (it is made
    through the personnel service when the form is saved)."""
    party = find_party(text.strip())
    if party is None:
        raise forms.ValidationError(PARTY.missing, params={"code": text})
    return party


def _cadre(actor, text: str) -> Cadre:
    cadre = selectors.cadre_list(actor=actor).filter(id_number=text.strip().upper()).first()
    if cadre is None:
        raise forms.ValidationError(_("No cadre has this ID number."))
    return cadre


def _team_label(team) -> str:
    return f"{team.village.name} · {team.unit.name} · {team.start_date}–{team.end_date or ''}"


def without_blanks(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "")}


# Village work teams ----------------------------------------------------------------------------------------------
class TeamForm(forms.Form):
    village = forms.CharField(label=_("Village (area code)"), max_length=12)
    unit = forms.CharField(label=capfirst(_("dispatching unit")), max_length=120,
                           help_text=_("An area code, a credit code or a registered name."))
    dispatch_level = forms.ChoiceField(label=capfirst(_("dispatch level")),
                                       choices=personnel_codes.DISPATCH_LEVEL.choices)
    start_date = forms.DateField(label=_("Start date"), **DATE_INPUT)
    end_date = forms.DateField(label=_("End date"), required=False, **DATE_INPUT)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_village(self):
        return _area_by_code(self.cleaned_data["village"])

    def clean_unit(self):
        return _party(self.cleaned_data["unit"])


class MembershipForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, label=capfirst(_("work team")))
    cadre = forms.CharField(label=_("Cadre's ID number"), max_length=18)
    role = forms.ChoiceField(label=capfirst(_("role")), choices=personnel_codes.TEAM_ROLE.choices)
    dispatch_level = forms.ChoiceField(label=capfirst(_("dispatch level")), required=False,
                                       choices=[("", _("as the team")), *personnel_codes.DISPATCH_LEVEL.choices])
    start_date = forms.DateField(label=_("Start date"), **DATE_INPUT)
    end_date = forms.DateField(label=_("End date"), required=False, **DATE_INPUT)

    def __init__(self, *args, actor, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["team"].queryset = teams
        self.fields["team"].label_from_instance = _team_label

    def clean_cadre(self):
        return _cadre(self.actor, self.cleaned_data["cadre"])


# Training --------------------------------------------------------------------------------------------------------
class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=personnel_codes.TRAINING_KIND.choices)
    budget = forms.DecimalField(label=capfirst(_("budget (yuan)")), max_digits=16, decimal_places=2,
                                required=False)
    organiser = forms.CharField(label=capfirst(_("organised by")), max_length=120, required=False,
                                help_text=_("Empty: the area itself."))

    def clean_organiser(self):
        text = self.cleaned_data["organiser"].strip()
        return _party(text) if text else None


class TraineeForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=None, label=capfirst(_("training programme")))
    person = forms.CharField(label=_("ID number"), max_length=18,
                             help_text=_("A registered member's or a cadre's."))
    completed = forms.BooleanField(label=capfirst(_("completed")), required=False)
    moved_into_job = forms.BooleanField(label=capfirst(_("moved into a job")), required=False)
    job_date = forms.DateField(label=capfirst(_("in a job since")), required=False, **DATE_INPUT)

    def __init__(self, *args, actor, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["programme"].queryset = programmes

    def clean_person(self):
        """The person as a registered member or, failing that, a cadre (as the trainee import names them)."""
        number = self.cleaned_data["person"].strip().upper()
        member = registry_selectors.member_list(actor=self.actor).filter(id_number=number, is_active=True).first()
        cadre = None if member else selectors.cadre_list(actor=self.actor).filter(id_number=number).first()
        if member is None and cadre is None:
            raise forms.ValidationError(_("Nobody registered has the ID number %(code)s."), params={"code": number})
        return {"member": member, "cadre": cadre}


# Appraisal -------------------------------------------------------------------------------------------------------
class ScoreForm(forms.Form):
    """The scores of one subject under a scheme: the subject as the scheme's kind names it, and one input per
    indicator. Scores are not bounded here: the personnel service refuses one outside 0–100 with its message."""

    def __init__(self, *args, actor, scheme, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.scheme = actor, scheme
        if scheme.subject_kind == "team":
            self.fields["team"] = forms.ModelChoiceField(queryset=teams, label=capfirst(_("work team")))
            self.fields["team"].label_from_instance = _team_label
        elif scheme.subject_kind == "cadre":
            self.fields["cadre"] = forms.CharField(label=_("Cadre's ID number"), max_length=18)
        else:
            self.fields["unit"] = forms.CharField(label=_("Helping unit"), max_length=120,
                                                  help_text=_("A credit code or a registered name."))
        for row in scheme.indicators:
            self.fields[f"score_{row['code']}"] = forms.DecimalField(
                label=f"{localized(row['zh'], row['en'])} ({row['weight']})", max_digits=6, decimal_places=2)

    def clean_cadre(self):
        return _cadre(self.actor, self.cleaned_data["cadre"])

    def clean_unit(self):
        party = _party(self.cleaned_data["unit"])
        if party.pk is None:  # an area code names no helping unit of its own
            raise forms.ValidationError(PARTY.missing, params={"code": self.cleaned_data["unit"]})
        return party

    def clean(self):
        """The subject ({kind: record}) and the scores ({indicator code: score}) as the service takes them."""
        data = super().clean()
        kind = self.scheme.subject_kind
        if kind in data and all(f"score_{row['code']}" in data for row in self.scheme.indicators):
            data["subject"] = {kind: data[kind]}
            data["scores"] = {row["code"]: data[f"score_{row['code']}"] for row in self.scheme.indicators}
        return data
