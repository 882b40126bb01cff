from django.db.models import QuerySet

from fupin.accounts.choices import Action
from fupin.accounts.scoping import EVERYWHERE, granted_prefixes

from .models import Job


def job_list(*, actor) -> QuerySet[Job]:
    """A user sees the jobs they started; nationwide administrators see all."""
    if actor is None or not actor.is_authenticated:
        return Job.objects.none()
    if granted_prefixes(actor, Action.ADMINISTER) is EVERYWHERE:
        return Job.objects.all()
    return Job.objects.filter(created_by=actor)
