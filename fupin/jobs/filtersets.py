from fupin.core.filtersets import ListFilterSet

from .models import Job


class JobFilterSet(ListFilterSet):
    class Meta:
        model = Job
        fields = ["kind", "status"]
