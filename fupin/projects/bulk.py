"""Project fundings and beneficiaries many at a time (the demo, batch loaders): the rules of `funding_save` and
`beneficiary_save` for new records, done in sets (see fupin.records.batches)."""

from django.db.models import Prefetch

from fupin.areas.models import Area
from fupin.core.sql import chunked
from fupin.records.batches import CHUNK, duplicates_within, records_bulk_create
from fupin.registry.models import Household, Member

from .models import Project, ProjectBeneficiary, ProjectFunding
from .services import BENEFICIARIES_BULK, FUNDINGS_BULK, beneficiary_rules, funding_rules, funding_taken

# Only what permission and the rules read: a project's area (and its level, for reach_prefix), a household's
# village, a member's household. Records holding the objects already are not fetched again.
_PROJECT = Prefetch("project", queryset=Project.objects.only("id", "area_id"))
_PROJECT_AREA = Prefetch("project__area", queryset=Area.objects.only("code", "level"))


def _project_area(record) -> list[str]:
    return [record.project.area_id]


def _one_row_per_source(fundings: list[ProjectFunding]) -> list:
    """funding_save's "already has funding from this source", against stored rows and the rows before it."""
    stored = {key for chunk in chunked(sorted({f.project_id for f in fundings}), CHUNK)
              for key in ProjectFunding.objects.filter(project_id__in=chunk).values_list("project_id", "source")}
    return duplicates_within(fundings, lambda f: (f.project_id, f.source), funding_taken, stored)


def fundings_bulk_create(*, actor, records, dry_run: bool = False) -> list[ProjectFunding]:
    return records_bulk_create(actor=actor, records=records, event=FUNDINGS_BULK, permitted_in=_project_area,
                               rules=funding_rules, set_rules=_one_row_per_source, related=(_PROJECT,),
                               dry_run=dry_run)


def beneficiaries_bulk_create(*, actor, records, dry_run: bool = False) -> list[ProjectBeneficiary]:
    related = (_PROJECT, _PROJECT_AREA, Prefetch("household", queryset=Household.objects.only("id", "area_id")),
               Prefetch("member", queryset=Member.objects.only("id", "household_id")))
    return records_bulk_create(actor=actor, records=records, event=BENEFICIARIES_BULK, permitted_in=_project_area,
                               rules=beneficiary_rules, related=related, dry_run=dry_run)
