"""Reads of the registry, always scoped to the actor's granted areas."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.core import areacodes as codes
from fupin.core.codelists import to_simplified
from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.idnumbers import IdNumberError, parse_id_number

from .models import DuplicateCandidate, Household, Member

SEARCH_LIMIT = 200
REFERENCE_SEPARATOR = "/"


def household_reference(household: Household) -> str:
    """The household's national reference: its county's code and its number (`533301/0012`). A number is unique
    only within a county, so this is what exports, lists and record imports write to name a household."""
    return f"{household.county_code}{REFERENCE_SEPARATOR}{household.number}"


def household_by_reference(text: str, *, households: QuerySet[Household]) -> Household | None:
    """The household among `households` (already scoped to the actor) that `text` names: the bare number when
    it names one household there, or the number after the code of its county or village (`533301/0012`,
    `533301102201/0012`). None when nothing matches; a number held in several places is refused naming them
    (only places of `households`, so the message never tells of another area's records), never guessed."""
    place, _slash, number = text.strip().rpartition(REFERENCE_SEPARATOR)
    households = households.filter(number=number.strip())
    if place:
        try:
            code = codes.normalise_code(place.strip())
        except ValueError:
            return None
        significant = code[:codes.PREFIX_LENGTH[codes.level_of(code)]]
        households = households.filter(area__code__startswith=significant)
    found = list(households.select_related("area").order_by("area_id")[:6])
    if len(found) > 1:
        raise ValidationFailed(
            _("Household number %(code)s is used in several places (%(places)s): write it with the code of its "
              "county or village, as %(example)s."), field="household", code=number.strip(),
            places="、".join(f"{h.area.name} {h.area_id}" for h in found[:5]), example=household_reference(found[0]))
    return found[0] if found else None


def household_list(*, actor, action: str = Action.VIEW) -> QuerySet[Household]:
    """Households the actor may see, in the order of their villages and numbers (HouseholdFilterSet filters them)."""
    return Household.objects.select_related("area").scoped(actor, action).order_by("area_id", "number")


def household_get(*, actor, pk: int, action: str = Action.VIEW) -> Household:
    """A household the actor may see; NotFound for one outside their areas as for one that does not exist."""
    household = household_list(actor=actor, action=action).filter(pk=pk).first()
    if household is None:
        raise NotFound()
    return household


def member_list(*, actor, action: str = Action.VIEW) -> QuerySet[Member]:
    return Member.objects.select_related("household", "household__area").scoped(actor, action)


def duplicate_list(*, actor) -> QuerySet[DuplicateCandidate]:
    return (DuplicateCandidate.objects.filter(decision=DuplicateCandidate.Decision.OPEN)
            .select_related("member__household", "other__household").scoped(actor, Action.CHANGE))


def member_search(*, actor, query: str, limit: int = SEARCH_LIMIT) -> QuerySet[Member]:
    """Members matching an ID number (exact), a household number, a name in either script, or pinyin / initials.

    Names are compared in simplified script (OpenCC on write and on query), so 張 finds 张 and 张 finds 張.
    """
    text = "".join(str(query).split())
    if not text:
        return Member.objects.none()
    members = member_list(actor=actor)
    ascii_text = text.lower()
    if text[:17].isdigit() and len(text) in (15, 18, 20, 22):
        # An ID number (a 15-digit one upgraded), or a household number that happens to be as long.
        try:
            number = parse_id_number(text[:18] if len(text) > 18 else text).number
        except IdNumberError:
            number = text.upper()
        # Two lookups, each along its own index: `id_number = X OR household.number = X` across the join is
        # answered by reading both tables whole (EXPLAIN on a national registry, benchmarks/national.py).
        candidates = set(members.filter(id_number=number).values_list("id", flat=True)[:limit])
        candidates.update(members.filter(household__number=text).values_list("id", flat=True)[:limit])
        condition = Q(pk__in=candidates)
    elif ascii_text.isascii() and ascii_text.isalpha():
        # A bare surname's pinyin matches a hundred thousand people in a province; sorting them all to show the
        # first page took 0.35 s. The first `limit` of each (active or not, pinyin or initials) part are found
        # along the name index instead, and only those are sorted: the overall first `limit` are among them.
        # One letter starts the initials exactly when it starts the pinyin: the pinyin part alone finds them.
        fields = ("name_pinyin",) if len(ascii_text) == 1 else ("name_pinyin", "name_initials")
        parts = [_starts_with(field, ascii_text) for field in fields]
        candidates: set[int] = set()
        for active in (True, False):
            if len(candidates) >= limit:  # active people come first: enough of them, no one else is shown
                break
            for part in parts:
                candidates.update(members.filter(part, is_active=active).order_by("name_pinyin", "id")
                                  .values_list("id", flat=True)[:limit])
        condition = Q(pk__in=candidates)
    elif ascii_text.isascii():
        condition = Q(household__number=text)
    else:
        # A name in characters matches from its start (张三 finds 张三丰), along the name index; a match inside a
        # name (`LIKE '%三%'`) reads every member of the registry, seconds at a province's size.
        condition = _starts_with("name_simplified", to_simplified(text))
    return members.filter(condition).order_by("-is_active", "name_pinyin", "id")[:limit]


def _starts_with(field: str, prefix: str) -> Q:
    """`field` starts with `prefix` (lowercase ASCII or characters), written as a range so both databases use the
    field's index (SQLite's LIKE is case-insensitive and cannot; on a national registry a scan takes seconds)."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)})
