"""Reads of the low-income register, scoped to the actor's areas."""

import datetime

from django.db.models import Q, QuerySet

from fupin.accounts.choices import Action

from .models import CategoryMembership, EconomicCheck, Finding, Parameter, Person, Reevaluation


def person_list(*, actor, action: str = Action.VIEW) -> QuerySet[Person]:
    return Person.objects.scoped(actor, action).select_related("area")


def membership_list(*, actor, action: str = Action.VIEW) -> QuerySet[CategoryMembership]:
    return CategoryMembership.objects.scoped(actor, action).select_related("person", "person__area")


def memberships_on(*, actor, day: datetime.date) -> QuerySet[CategoryMembership]:
    """The memberships in force on a day: identified by then and not yet ended (the end day is the first day out)."""
    return membership_list(actor=actor).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=day), identified_on__lte=day)


def check_list(*, actor) -> QuerySet[EconomicCheck]:
    return EconomicCheck.objects.scoped(actor, Action.VIEW).select_related("person")


def reevaluation_list(*, actor) -> QuerySet[Reevaluation]:
    return Reevaluation.objects.scoped(actor, Action.VIEW).select_related("area")


def finding_list(*, actor) -> QuerySet[Finding]:
    return Finding.objects.scoped(actor, Action.VIEW).select_related("person", "person__area", "reevaluation")


def parameter_list() -> QuerySet[Parameter]:
    """The thresholds are public policy: everyone signed in reads them."""
    return Parameter.objects.all()
