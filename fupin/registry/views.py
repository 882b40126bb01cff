"""Data entry of the register (建档立卡) in the browser: a new household in a village with its members and the year's
record, changes to a household's fields, to a member, and a member joining (the forms are fupin.registry.forms).

The registry's services are the one place a record is checked and written (permission, cleaning, structure, one
transaction, the audit event); a refusal is shown in place on the forms, the user's input always rendered again.
Reads go through the registry's and the areas' selectors, scoped to the user's areas: elsewhere the pages are 404.

ID numbers, the phone and the bank account are shown masked unless the user's role may see them in the area (the
registry's `Masking`, as on the household file, audited). A stale version (optimistic locking) loses nothing: the
user's edits stay, the fields they left alone take the values saved now, and an edit of a field someone else
changed too is flagged with the value saved now.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can
from fupin.areas import selectors as area_selectors
from fupin.core.areacodes import Level
from fupin.core.errors import Conflict, ServiceError
from fupin.core.pages import or_404

from . import codelists as cl
from . import selectors, services
from .forms import (
    HEAD_ROW,
    MAX_MEMBERS,
    HouseholdForm,
    MemberForm,
    MemberFormSet,
    MemberJoinForm,
    RegistryForm,
    YearForm,
    hidden_field_errors,
    problems_of,
    rebased,
    refusal,
)
from .masking import Masking
from .models import Household, Member
from .validation import Problem, clean_date

VILLAGE_CHOICES = 1000  # up to this many villages are offered in a list; a wider grant types the code
REQUIRED = _("A value is required.")  # the registry's own wording, for the values a page asks for itself
STALE = _("Someone else saved this household after you opened the page, so nothing was saved. Your entries are kept "
          "below; where someone else also changed a field you changed, the value saved now is shown beside it. "
          "Check them and save again.")
STALE_JOIN = _("Someone else changed this household after you opened the page, so nothing was saved. Your entries "
               "are kept below: check the household's members and save again.")


# Refusals and warnings -------------------------------------------------------------------------------------------
def _stale(error: ServiceError) -> bool:
    """The version check's Conflict carries no parameters; the other Conflicts name what clashed."""
    return isinstance(error, Conflict) and not error.params


def _report_warnings(request, warnings: list[Problem], names: list[str]) -> None:
    """The consistency rules' warnings (they never refuse a record) as messages on the next page, each with the
    name of the member it concerns (`names` in the order the service checked the members)."""
    for problem in warnings:
        name = names[problem.member] if problem.member is not None and problem.member < len(names) else ""
        text = problem.text()
        messages.warning(request, gettext("%(name)s: %(problem)s") % {"name": name, "problem": text} if name
                         else text)


# Reads -------------------------------------------------------------------------------------------------------------
def _household(request, pk: int) -> Household:
    return or_404(selectors.household_get, actor=request.user, pk=pk)


def _member(request, household: Household, member_pk: int) -> Member:
    member = selectors.member_list(actor=request.user).filter(
        pk=member_pk, household=household, is_active=True).first()
    if member is None:
        raise Http404
    return member


def _village(request, code: str):
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    if area.level != Level.VILLAGE:
        raise Http404
    return area


def _village_choices(actor) -> list[tuple[str, str]] | None:
    """The villages where `actor` may register households, to choose from; None when there are too many to list
    (the code is typed then)."""
    villages = list(area_selectors.area_list(actor=actor, action=Action.CHANGE).filter(level=Level.VILLAGE)
                    .select_related("parent").order_by("code")[:VILLAGE_CHOICES + 1])
    if len(villages) > VILLAGE_CHOICES:
        return None
    return [(area.code, f"{area.parent.name} {area.name} ({area.code})" if area.parent_id
             else f"{area.name} ({area.code})") for area in villages]


def _active_names(household: Household, *, last: Member | None = None) -> list[str]:
    """The active members' names in the order the registry checks them (by id; a changed member last)."""
    names = [member.name for member in household.members.filter(is_active=True).order_by("id")
             if last is None or member.pk != last.pk]
    return [*names, last.name] if last is not None else names


def _member_rows(household: Household) -> list[dict]:
    return [{"member": member, "relation": cl.RELATION.label(member.relation)}
            for member in household.members.filter(is_active=True).order_by("relation", "id")]


def _household_url(household: Household, anchor: str = "") -> str:
    return reverse("web:household", args=[household.pk]) + anchor


# New household -----------------------------------------------------------------------------------------------------
MEMBERS = "members"  # the formset's prefix


def _submitted_rows(formset) -> list[RegistryForm]:
    """The member rows filled in; when none is, the first (the head's), so that what it lacks is said in place."""
    return [row for row in formset.forms if row.has_changed()] or formset.forms[:1]


def _with_one_more_row(formset) -> QueryDict:
    data = formset.data.copy()
    total = formset.management_form.cleaned_data["TOTAL_FORMS"]
    data[formset.management_form["TOTAL_FORMS"].html_name] = str(min(total + 1, MAX_MEMBERS))
    return data


@login_required
@require_http_methods(["GET", "POST"])
def household_new(request):
    """Register a household in a village (`?village=`, else chosen on the page) with its members and, when filled
    in, the year's record: all of it through `household_register`, or nothing."""
    code = request.GET.get("village", "")
    village = _village(request, code) if code else None
    villages = None if village else _village_choices(request.user)
    options = {"registering": True, "village": village, "villages": villages}
    top, about_members, status = [], [], 200
    if request.method == "GET":
        form = HouseholdForm(initial={"village": village.code if village else "", "id_standard": "1", "status": "0"},
                             **options)
        members = MemberFormSet(prefix=MEMBERS, initial=HEAD_ROW)
        year_form = YearForm(prefix="year")
    else:
        form = HouseholdForm(request.POST, **options)
        members = MemberFormSet(request.POST, prefix=MEMBERS, initial=HEAD_ROW)
        year_form = YearForm(request.POST, prefix="year")
        if "add_member" in request.POST and members.management_form.is_valid():
            # Without scripts the "add a member" button posts the form: the same entries again, with one more row.
            members = MemberFormSet(_with_one_more_row(members), prefix=MEMBERS, initial=HEAD_ROW)
        elif not (form.is_valid() & members.is_valid() & year_form.is_valid()):  # `&`: every form says its errors
            top = hidden_field_errors(form) + [str(error) for error in members.non_form_errors()]
        else:
            rows = _submitted_rows(members)
            payload = [row.values() for row in rows]
            year, year_data, year_problems = year_form.submission()
            try:
                registration = services.household_register(
                    actor=request.user, area_code=form.cleaned_data["village"], household=form.values(),
                    members=payload, year=year, year_data=year_data)
            except ServiceError as error:
                problems = problems_of(error, payload)
                if year_problems:  # the year typed is not a year: say that rather than that it is missing
                    problems = [problem for problem in problems if problem.field != "year"] + year_problems
                top, about_members, status = refusal(error, problems, [form, year_form], members=rows,
                                                      aliases={"area": "village"})
            else:
                household = registration.household
                messages.success(request, gettext("Household %(number)s registered.") % {"number": household.number})
                _report_warnings(request, registration.warnings, [member["name"] for member in payload])
                if registration.possible_duplicates:
                    messages.info(request, gettext("Possible duplicates queued for review: %(count)s.")
                                  % {"count": registration.possible_duplicates})
                return redirect("web:household", pk=household.pk)
    context = {
        "title": _("New household"), "form": form, "formset": members, "year_form": year_form,
        "year_open": year_form.has_entries(), "top_errors": top, "member_errors": about_members,
        "place": area_selectors.place_name(actor=request.user, area=village) if village else "",
        # A wider grant than can be listed is checked by the service when the code is given.
        "may_write": can(request.user, Action.CHANGE, village.code) if village else villages is None or bool(villages),
        "cancel_url": reverse("web:area", args=[village.code]) if village else reverse("web:areas"),
    }
    return render(request, "registry/household_form.html", context, status=status)


# A household's fields ----------------------------------------------------------------------------------------------
def _household_values(household: Household, masking: Masking) -> dict:
    values = HouseholdForm(registering=False).form_values(household)
    values.update(masking.values(household, household.area_id, ("phone", "bank_account")))
    return values


def _household_form(data, current: dict, version: int, saved_now: dict | None = None) -> HouseholdForm:
    return HouseholdForm(data, registering=False, track_changes=True, initial={**current, "version": version},
                         saved_now=saved_now)


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk: int):
    """Change a household's fields through `household_update` at the version the page was read at (not its number,
    nor its status: a transition changes that)."""
    household = _household(request, pk)
    masking = Masking(request.user)
    form = _household_form(request.POST or None, _household_values(household, masking), household.version)
    top, status = [], 200
    if request.method == "POST":
        if not form.is_valid():
            top = hidden_field_errors(form)
        elif not form.changes():
            messages.info(request, gettext("No change to save."))
            return redirect("web:household", pk=household.pk)
        else:
            try:
                registration = services.household_update(
                    actor=request.user, household=household, version=form.cleaned_data["version"],
                    changes=form.changes())
            except ServiceError as error:
                if _stale(error):
                    household = _household(request, pk)
                    current = _household_values(household, masking)
                    data, saved_now = rebased(form, current, household.version)
                    form = _household_form(data, current, household.version, saved_now)
                    top, status = [str(STALE)], 409
                else:
                    top, _about_members, status = refusal(error, problems_of(error), [form])
            else:
                messages.success(request, gettext("Household %(number)s saved.") % {"number": household.number})
                _report_warnings(request, registration.warnings, _active_names(household))
                return redirect("web:household", pk=household.pk)
    context = {"title": _("Edit household"), "form": form, "household": household,
               "status_label": cl.STATUS.label(household.status), "top_errors": top,
               "may_write": can(request.user, Action.CHANGE, household.area_id),
               "cancel_url": _household_url(household)}
    response = render(request, "registry/household_form.html", context, status=status)
    masking.audit()
    return response


# Members -----------------------------------------------------------------------------------------------------------
def _member_values(member: Member, masking: Masking, area_code: str) -> dict:
    values = MemberForm().form_values(member)
    shown = masking.values(member, area_code, ("id_number", "disability_certificate"))
    # A disability certificate holder is entered, and kept, by the certificate's number (which holds the ID number).
    certified = member.id_kind == "2" and member.disability_certificate
    values["id_number"] = shown["disability_certificate"] if certified else shown["id_number"]
    return values


def _member_form(data, current: dict, version: int, *, masked: bool, saved_now: dict | None = None) -> MemberForm:
    return MemberForm(data, versioned=True, masked_id=masked, track_changes=True,
                      initial={**current, "version": version}, saved_now=saved_now)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk: int, member_pk: int):
    """Change a member through `member_update` at the household's version the page was read at."""
    household = _household(request, pk)
    member = _member(request, household, member_pk)
    masking = Masking(request.user)
    masked = not masking.may_see(household.area_id)
    form = _member_form(request.POST or None, _member_values(member, masking, household.area_id), household.version,
                        masked=masked)
    top, status = [], 200
    if request.method == "POST":
        if not form.is_valid():
            top = hidden_field_errors(form)
        elif not form.changes():
            messages.info(request, gettext("No change to save."))
            return redirect(_household_url(household, "#members"))
        else:
            changes = form.changes()
            if "id_number" not in changes and member.id_kind == "2" and member.disability_certificate:
                # The registry reads a certificate holder's number again as a certificate: give it the stored one.
                changes["id_number"] = member.disability_certificate
            try:
                registration = services.member_update(
                    actor=request.user, member=member, household_version=form.cleaned_data["version"],
                    changes=changes)
            except ServiceError as error:
                if _stale(error):
                    household = _household(request, pk)
                    member = _member(request, household, member_pk)
                    current = _member_values(member, masking, household.area_id)
                    data, saved_now = rebased(form, current, household.version)
                    form = _member_form(data, current, household.version, masked=masked, saved_now=saved_now)
                    top, status = [str(STALE)], 409
                else:
                    top, _about_members, status = refusal(error, problems_of(error), [form])
            else:
                messages.success(request, gettext("Member %(name)s saved.") % {"name": member.name})
                _report_warnings(request, registration.warnings, _active_names(household, last=member))
                return redirect(_household_url(household, "#members"))
    context = {"title": _("Edit member"), "form": form, "household": household, "member": member,
               "members": _member_rows(household), "top_errors": top,
               "may_write": can(request.user, Action.CHANGE, household.area_id),
               "cancel_url": _household_url(household, "#members")}
    response = render(request, "registry/member_form.html", context, status=status)
    masking.audit()
    return response


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk: int):
    """A member joins the household (birth, marriage, moving in …) through `member_join`: a dated event."""
    household = _household(request, pk)
    initial = {"version": household.version, "date": timezone.localdate().isoformat()}
    form = MemberJoinForm(request.POST or None, versioned=True, initial=initial)
    top, status = [], 200
    if request.method == "POST":
        if not form.is_valid():
            top = hidden_field_errors(form)
        else:
            # How and when are the join's own facts: asked here, in the registry's words, before the member's.
            problems = [Problem(name, REQUIRED) for name in ("kind", "date") if not form.cleaned_data[name]]
            date = clean_date(problems, form.cleaned_data, "date")
            if problems:
                top, _about_members, status = refusal(None, problems, [form])
            else:
                data = form.member_values()
                try:
                    member = services.member_join(
                        actor=request.user, household=household, household_version=form.cleaned_data["version"],
                        data=data, kind=form.cleaned_data["kind"], date=date)
                except ServiceError as error:
                    if _stale(error):
                        household = _household(request, pk)
                        data = request.POST.copy()
                        data[form["version"].html_name] = str(household.version)
                        form = MemberJoinForm(data, versioned=True, initial={**initial, "version": household.version})
                        top, status = [str(STALE_JOIN)], 409
                    else:
                        top, _about_members, status = refusal(error, problems_of(error, [data]), [form])
                else:
                    messages.success(request, gettext("Member %(name)s added.") % {"name": member.name})
                    return redirect(_household_url(household, "#members"))
    context = {"title": _("Add a member"), "form": form, "household": household, "members": _member_rows(household),
               "top_errors": top, "may_write": can(request.user, Action.CHANGE, household.area_id),
               "cancel_url": _household_url(household, "#members")}
    return render(request, "registry/member_form.html", context, status=status)
