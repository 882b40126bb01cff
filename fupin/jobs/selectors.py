from django.db.models import QuerySet

from fupin.accounts.choices import Action
from fupin.accounts.scoping import everywhere

from .models import Job


def job_list(*, actor) -> QuerySet[Job]:
    """A user sees the jobs they started; nationwide administrators see all."""
    if actor is None or not actor.is_authenticated:
        return Job.objects.none()
    jobs = Job.objects.select_related("created_by")  # the lists name who started each job
    if everywhere(actor, Action.ADMINISTER):
        return jobs.all()
    return jobs.filter(created_by=actor)
