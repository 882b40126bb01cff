"""How other apps' workbook imports name the registry's records: a household by its reference (looked up among
the households the importer may import into, so a row never lands on — or tells of — another area's household) and
a member by ID number. Registered with the record import engine when the registry loads."""

from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.core.errors import ValidationFailed
from fupin.records.importing import Refused, register_reference

from . import selectors
from .models import Household, Member


def household(text: str, *, actor=None):
    households = selectors.household_list(actor=actor, action=Action.IMPORT) if actor is not None \
        else Household.objects.all()
    try:
        return selectors.household_by_reference(text, households=households)
    except ValidationFailed as refusal:
        return Refused(refusal.message, refusal.params)


def member(text: str):
    return Member.objects.select_related("household").filter(id_number=text.upper(), is_active=True).first()


def register() -> None:
    register_reference("household", household, _("No registered household has the number %(code)s."),
                       needs_actor=True)
    register_reference("member", member, _("No registered member has the ID number %(code)s."))
