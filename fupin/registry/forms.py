"""The forms of the register's data entry (建档立卡): a household with its members and the year's record, a
household's fields, a member, and a member joining (the pages are fupin.registry.views).

The forms only bind, render and carry values: the registry's services are the one place a record is checked and
written, under the same rules an import follows. Every `Problem` a service reports is put beside the field it
concerns — a member's beside that member's field — and what concerns no field goes at the top (`refusal`). On the
edit pages each field carries the value the page showed (Django's hidden initial values) and only the fields the
user changed are sent to the service, so a masked value left alone keeps the stored one; after a stale version the
form is rebased on the record as saved now (`rebased`).
"""

import datetime

from django import forms
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fupin.core.codelists import ETHNICITY, CodeList
from fupin.core.errors import Conflict, PermissionDenied, ServiceError
from fupin.core.idnumbers import IdNumberError, parse_id_number

from . import codelists as cl
from . import services
from .masking import mask_id_number
from .models import Household, HouseholdYear, Member
from .validation import INDICATORS, YEAR_BOOLEANS, YEAR_DECIMALS, Problem, RegistryInvalid, clean_int

BLANK = ("", "—")
# The registry reads "1"/"0" as yes/no; "" leaves a fact unknown (the nullable yes/no fields of a member and a year).
YES_NO = [BLANK, ("1", _("yes")), ("0", _("no"))]
MAX_MEMBERS = 40  # rows one form takes; a real household is far smaller
YEAR_RANGE = {"low": 2000, "high": 2100}  # the registry's range for the years of a household
MASKED_HELP = _("Shown masked: leave it as it is to keep the stored number, or type the full new number.")
# The statuses a household may be registered with (the registry's transitions from none).
INITIAL_STATUSES = [(code, label) for code, label in cl.STATUS.choices
                    if code in services.ALLOWED_TRANSITIONS[""]]
# Every join except a split or a merge, which move people between households by their own procedures.
JOIN_KINDS = [(code, label) for code, label in cl.MEMBER_EVENT.choices
              if code in cl.JOIN_EVENTS and code not in {"split", "merge"}]


def _label(model, name: str):
    return capfirst(model._meta.get_field(name).verbose_name)


# Fields. Values are kept as the user typed them: the registry cleans and judges them (codes, numbers, dates,
# ID numbers), so a form's own checks are limited to what the database could not hold (lengths).
def _text(label, *, max_length=None, help_text="", **attrs) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=max_length, help_text=help_text,
                           widget=forms.TextInput(attrs=attrs))


def _whole(label, help_text="") -> forms.CharField:
    return _text(label, help_text=help_text, inputmode="numeric", autocomplete="off")


def _amount(label, help_text="") -> forms.CharField:
    return _text(label, help_text=help_text, inputmode="decimal", autocomplete="off")


def _date(label, help_text="") -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _code(label, codes: CodeList, *, blank=True, help_text="") -> forms.CharField:
    choices = [BLANK, *codes.choices] if blank else codes.choices
    return forms.CharField(label=label, required=False, help_text=help_text, widget=forms.Select(choices=choices))


def _yes_no(label) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=YES_NO))


def _flag(label) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class CodesField(forms.MultipleChoiceField):
    """Several codes of one list, offered as check boxes; which values are valid is the registry's to say."""

    widget = forms.CheckboxSelectMultiple

    def validate(self, value):
        pass


class RegistryForm(forms.Form):
    """A form whose fields are laid out in sections (`sections`: key, title, collapsible, field names) and whose
    fields can carry the values the page showed, so that only what the user changed is sent."""

    sections: tuple = ()

    def __init__(self, *args, track_changes: bool = False, saved_now: dict | None = None, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels stand above their fields
        super().__init__(*args, **kwargs)
        self.saved_now = saved_now or {}
        if track_changes:
            for field in self.entry_fields().values():
                field.show_hidden_initial = True

    def entry_fields(self) -> dict[str, forms.Field]:
        return {name: field for name, field in self.fields.items() if not field.widget.is_hidden}

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.entry_fields()}

    def changes(self) -> dict:
        """The values the user changed from what the page showed them."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.entry_fields()}

    def layout(self) -> list[dict]:
        sections = []
        for key, title, collapsible, names in self.sections:
            rows = [{"field": self[name], "note": self.saved_now.get(name), "kind": _kind(self.fields[name])}
                    for name in names if name in self.fields and not self.fields[name].widget.is_hidden]
            if rows:
                has_errors = self.is_bound and any(row["field"].errors for row in rows)
                sections.append({"key": key, "title": title, "collapsible": collapsible, "rows": rows,
                                 "open": not collapsible or has_errors or any(row["note"] for row in rows)})
        return sections

    def form_values(self, obj, names=None) -> dict:
        """The stored values of `obj` as this form's fields hold them."""
        result = {}
        for name in names or self.entry_fields():
            field, value = self.fields[name], getattr(obj, name)
            if isinstance(field, forms.BooleanField):
                result[name] = bool(value)
            elif isinstance(field, CodesField):
                result[name] = [str(code) for code in value or []]
            elif value is None:
                result[name] = ""
            elif isinstance(value, bool):
                result[name] = "1" if value else "0"
            elif isinstance(value, datetime.date):
                result[name] = value.isoformat()
            else:
                result[name] = str(value)
        return result


def _kind(field: forms.Field) -> str:
    if isinstance(field, CodesField):
        return "choices"
    if isinstance(field, forms.BooleanField):
        return "check"
    return ""


class HouseholdForm(RegistryForm):
    """The household's own fields; `number`, `status` and the village are given once, at registration."""

    village = forms.CharField(label=_label(Household, "area"))
    number = _text(_label(Household, "number"), max_length=30, autocomplete="off")
    attribute = _code(_label(Household, "attribute"), cl.HOUSEHOLD_ATTRIBUTE)
    main_cause = _code(_label(Household, "main_cause"), cl.CAUSE)
    other_causes = CodesField(label=_label(Household, "other_causes"), choices=cl.CAUSE.choices, required=False,
                              help_text=_("At most two."))
    id_standard = _code(_label(Household, "id_standard"), cl.ID_STANDARD, blank=False)
    status = forms.CharField(label=_label(Household, "status"), required=False,
                             widget=forms.Select(choices=INITIAL_STATUSES))
    identified_year = _whole(_label(Household, "identified_year"))
    planned_exit_year = _whole(_label(Household, "planned_exit_year"))
    phone = _text(_label(Household, "phone"), max_length=20, inputmode="tel", autocomplete="off")
    bank_name = _text(_label(Household, "bank_name"), max_length=60)
    bank_account = _text(_label(Household, "bank_account"), max_length=40, inputmode="numeric", autocomplete="off")
    monitoring_category = _code(_label(Household, "monitoring_category"), cl.MONITORING_CATEGORY)
    risk_status = _code(_label(Household, "risk_status"), cl.RISK_STATUS)
    monitoring_since = _date(_label(Household, "monitoring_since"))
    exit_year = _whole(_label(Household, "exit_year"))
    return_year = _whole(_label(Household, "return_year"))
    is_relocated = _flag(_label(Household, "is_relocated"))
    relocation_year = _whole(_label(Household, "relocation_year"))
    is_martyr_family = _flag(_label(Household, "is_martyr_family"))
    is_one_child = _flag(_label(Household, "is_one_child"))
    is_two_daughters = _flag(_label(Household, "is_two_daughters"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    sections = (
        ("household", None, False, ("village", "number", "attribute", "main_cause", "other_causes", "id_standard",
                                    "status", "identified_year", "planned_exit_year", "phone", "bank_name",
                                    "bank_account")),
        ("more", _("More about the household"), True,
         ("monitoring_category", "risk_status", "monitoring_since", "exit_year", "return_year", "is_relocated",
          "relocation_year", "is_martyr_family", "is_one_child", "is_two_daughters")),
    )

    def __init__(self, *args, registering: bool, village=None, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not registering:
            for name in ("village", "number", "status"):
                del self.fields[name]
            return
        del self.fields["version"]
        field = self.fields["village"]
        if village is not None:
            field.widget = forms.HiddenInput()
        elif villages is not None:
            field.widget = forms.Select(choices=[BLANK, *villages])
        else:
            field.help_text = _("The village's 12-digit code.")
            field.widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def values(self) -> dict:
        """The household's fields as `household_register` and `household_update` read them (not the village)."""
        return {name: value for name, value in super().values().items() if name != "village"}


FROM_ID_NUMBER = _("Taken from the ID number when left empty.")


class MemberForm(RegistryForm):
    """One person's fields, as `clean_member` reads them."""

    name = _text(_("Full name"), max_length=60)
    id_number = _text(_label(Member, "id_number"), max_length=22, autocomplete="off", autocapitalize="characters",
                      spellcheck="false",
                      help_text=_("Citizen ID (18 characters) or disability certificate number (20 or 22)."))
    relation = _code(_label(Member, "relation"), cl.RELATION)
    sex = _code(_label(Member, "sex"), cl.SEX, help_text=FROM_ID_NUMBER)
    birth_date = _date(_label(Member, "birth_date"), help_text=FROM_ID_NUMBER)
    ethnicity = _code(_label(Member, "ethnicity"), ETHNICITY)
    education = _code(_label(Member, "education"), cl.EDUCATION)
    school_status = _code(_label(Member, "school_status"), cl.SCHOOL_STATUS)
    health = _code(_label(Member, "health"), cl.HEALTH)
    labour = _code(_label(Member, "labour"), cl.LABOUR)
    id_kind = _code(_label(Member, "id_kind"), cl.ID_KIND, help_text=_("Taken from the number when left empty."))
    work_location = _code(_label(Member, "work_location"), cl.WORK_LOCATION)
    work_months = _whole(_label(Member, "work_months"))
    in_basic_medical = _yes_no(_label(Member, "in_basic_medical"))
    in_critical_illness = _yes_no(_label(Member, "in_critical_illness"))
    in_pension = _yes_no(_label(Member, "in_pension"))
    in_employee_pension = _yes_no(_label(Member, "in_employee_pension"))
    on_dibao = _yes_no(_label(Member, "on_dibao"))
    on_tekun = _yes_no(_label(Member, "on_tekun"))
    active_soldier = _flag(_label(Member, "active_soldier"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    sections = (
        ("member", None, False, ("name", "id_number", "relation", "sex", "birth_date", "ethnicity", "education",
                                 "school_status", "health", "labour")),
        ("more", _("More about this member"), True,
         ("id_kind", "work_location", "work_months", "in_basic_medical", "in_critical_illness", "in_pension",
          "in_employee_pension", "on_dibao", "on_tekun", "active_soldier")),
    )

    def __init__(self, *args, versioned: bool = False, masked_id: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not versioned:
            del self.fields["version"]
        if masked_id:
            self.fields["id_number"].help_text = MASKED_HELP


class MemberJoinForm(MemberForm):
    kind = forms.CharField(label=_("How the member joined"), required=False,
                           widget=forms.Select(choices=[BLANK, *JOIN_KINDS]))
    date = _date(_("Date joined"))

    sections = (("joining", None, False, ("kind", "date")), *MemberForm.sections)

    def member_values(self) -> dict:
        return {name: value for name, value in self.values().items() if name not in {"kind", "date"}}


# The member rows of a new household: the head's, one more blank, and more on demand.
MemberFormSet = forms.formset_factory(MemberForm, extra=1, max_num=MAX_MEMBERS, absolute_max=MAX_MEMBERS)
HEAD_ROW = [{"relation": cl.HEAD}]  # the first row is the head's, as the national form lists them

# The year record's fields, in the order of the household's ledger and as `clean_year` reads them.
MONEY = ("wage_income", "public_welfare_wage", "business_income", "business_expense", "property_income",
         "asset_dividend", "transfer_income", "family_planning_subsidy", "dibao_payment", "tekun_payment",
         "pension_payment", "eco_compensation", "other_transfer", "compliant_out_of_pocket")
CONDITION_FLAGS = tuple(name for name in YEAR_BOOLEANS if name not in INDICATORS)


class YearForm(RegistryForm):
    """The year's record given at registration (`household_register`'s `year` and `year_data`); all optional."""

    sections = (
        ("year", None, False, ("year", "size_start", "size_end", "status", "monitoring_category")),
        ("income", _("Income (yuan)"), False, (*MONEY, "net_income_per_capita")),
        ("conditions", _("Production and living conditions"), False,
         (*YEAR_DECIMALS, *CONDITION_FLAGS, "road_type", "housing_grade", "fuel")),
        ("indicators", _("Two assurances and three guarantees"), False, tuple(INDICATORS)),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {
            "year": _whole(_label(HouseholdYear, "year"),
                           _("Fill in to create this year's record; net income is computed from the components.")),
            "size_start": _whole(_label(HouseholdYear, "size_start")),
            "size_end": _whole(_label(HouseholdYear, "size_end"), _("The number of members when left empty.")),
            "status": _code(_label(HouseholdYear, "status"), cl.STATUS),
            "monitoring_category": _code(_label(HouseholdYear, "monitoring_category"), cl.MONITORING_CATEGORY),
            **{name: _amount(_label(HouseholdYear, name)) for name in MONEY},
            "net_income_per_capita": _amount(_label(HouseholdYear, "net_income_per_capita"),
                                             _("Optional: checked against the components.")),
            **{name: _amount(_label(HouseholdYear, name)) for name in YEAR_DECIMALS},
            **{name: _yes_no(_label(HouseholdYear, name)) for name in YEAR_BOOLEANS},
            "road_type": _code(_label(HouseholdYear, "road_type"), cl.ROAD_TYPE),
            "housing_grade": _code(_label(HouseholdYear, "housing_grade"), cl.HOUSING_GRADE),
            "fuel": _code(_label(HouseholdYear, "fuel"), cl.FUEL),
        }
        self.fields.update(fields)

    def submission(self) -> tuple[int | None, dict | None, list[Problem]]:
        """(year, year_data, problems of the year number): no record when nothing is filled in."""
        values = {name: value for name, value in self.values().items() if value not in ("", None)}
        text = values.pop("year", "")
        if not text and not values:
            return None, None, []
        problems: list[Problem] = []
        year = clean_int(problems, {"year": text}, "year", **YEAR_RANGE) if text else None
        return year, values, problems

    def has_entries(self) -> bool:
        return self.is_bound and any(self[name].value() not in ("", None) for name in self.fields)


# Problems in place -------------------------------------------------------------------------------------------------
def _normalised_id(raw) -> str:
    text = str(raw or "").strip().upper()[:18]
    try:
        return parse_id_number(text).number
    except IdNumberError:
        return text


def problems_of(error: ServiceError, members: list[dict] = ()) -> list[Problem]:
    """The problems a refusal names, each with the field it concerns: the service names it (a `Problem`, a
    ValidationFailed's `field`), or a Conflict's parameters tell it — an ID number held in another household (in
    the row whose number masks to the one named) or a household number already used in the county."""
    if isinstance(error, RegistryInvalid):
        return list(error.problems)
    if isinstance(error, Conflict) and "id" in error.params:
        position = next((index for index, member in enumerate(members)
                         if mask_id_number(_normalised_id(member.get("id_number"))) == error.params["id"]), None)
        return [Problem("id_number", error.message, error.params, position)]
    if isinstance(error, Conflict) and "number" in error.params:
        return [Problem("number", error.message, error.params)]
    return [Problem(getattr(error, "field", None) or "", error.message, error.params)]


def _in_place(problems: list[Problem], targets: list[RegistryForm], *, members=(),
              aliases: dict | None = None) -> tuple[list[str], list[str]]:
    """Put each problem beside its field: a member's (by its position in the submission) in that member's row, the
    others in the form that shows the field. Returns the texts that belong to no visible field: (for the top of
    the form, about the members as a whole)."""
    top, about_members = [], []
    for problem in problems:
        name, text = (aliases or {}).get(problem.field, problem.field), problem.text()
        if problem.member is not None and problem.member < len(members):
            row = members[problem.member]
            row.add_error(name if name in row.entry_fields() else None, text)
            continue
        candidates = [form for form in targets if name in form.entry_fields()]
        if len(candidates) > 1 and "value" in problem.params:
            # The household and its year record share field names (status, monitoring category): the form holding
            # the value the problem quotes is the one it concerns.
            candidates = [form for form in candidates if form[name].value() == problem.params["value"]] or candidates
        if candidates:
            candidates[0].add_error(name, text)
        elif members and name in MemberForm.base_fields:  # e.g. the count of heads: the members as a whole
            about_members.append(text)
        else:
            top.append(text)
    return top, about_members


def refusal(error: ServiceError | None, problems: list[Problem], targets: list[RegistryForm], *, members=(),
            aliases: dict | None = None) -> tuple[list[str], list[str], int]:
    """What the page says when a write is refused: each problem in place, and at the top what has no field and —
    when anything went beside a field, which on a phone may be far down — that nothing was saved. With the
    response's status."""
    top, about_members = _in_place(problems, targets, members=members, aliases=aliases)
    if len(top) + len(about_members) < len(problems) or isinstance(error, RegistryInvalid):
        top.insert(0, str(RegistryInvalid.default_message))
    status = 403 if isinstance(error, PermissionDenied) else 409 if isinstance(error, Conflict) else 200
    return top, about_members, status


def hidden_field_errors(form: forms.Form) -> list[str]:
    return [str(error) for field in form.hidden_fields() for error in field.errors]


# After a stale version -------------------------------------------------------------------------------------------
def _put(data: QueryDict, key: str, value) -> None:
    if isinstance(value, list):
        data.setlist(key, value)
    else:
        data[key] = str(value)  # a check box reads "True"/"False" back


def _shown(field: forms.Field, value) -> str:
    if isinstance(field, forms.BooleanField):
        return gettext("yes") if value else gettext("no")
    labels = {str(code): label for code, label in getattr(field.widget, "choices", ())}
    items = value if isinstance(value, list) else [value]
    return ", ".join(str(labels.get(item, item)) for item in items if item != "") or BLANK[1]


def rebased(form: RegistryForm, current: dict, version: int) -> tuple[QueryDict, dict]:
    """The data of the form to show after a Conflict, and the notes beside it: the user's edits kept; the fields
    they left alone, the values 'as shown' and the version moved to the record as saved now; an edit of a field
    that someone else changed too is noted with the value saved now, so that saving again is a decision."""
    data = form.data.copy()
    changed, saved_now = set(form.changed_data), {}
    for name, field in form.entry_fields().items():
        bound = form[name]
        shown = field.to_python(field.hidden_widget().value_from_datadict(form.data, form.files,
                                                                           bound.html_initial_name))
        if name not in changed:
            _put(data, bound.html_name, current[name])
        elif field.has_changed(shown, current[name]):
            saved_now[name] = _shown(field, current[name])
        _put(data, bound.html_initial_name, current[name])
    data[form["version"].html_name] = str(version)
    return data, saved_now
