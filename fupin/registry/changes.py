"""What a registry write changed, as the (county, year) pairs the statistics are computed in.

Every service and bulk path of the registry calls one of these inside its transaction, after its rows are written
(see fupin.core.changes for why and what reads the marks).
"""

from collections.abc import Iterable

from fupin.core.changes import mark_changed
from fupin.core.sql import chunked

from .models import HouseholdYear


def mark_households(household_ids: Iterable[int], *, also: Iterable[tuple[str, int]] = ()) -> int:
    """Mark every (county, year) in which these households hold a yearly record (a household's or a member's
    change moves all of them), and the pairs in `also`."""
    pairs = set(also)
    for chunk in chunked(sorted(set(household_ids)), 500):
        pairs.update(HouseholdYear.objects.filter(household_id__in=chunk)
                     .values_list("household__county_code", "year").distinct())
    return mark_changed(pairs)
