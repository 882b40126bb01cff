"""The shared bulk write path on a plain model (AreaYear): permission, rules, set rules, audit, all or nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import AreaYear
from fupin.audit.models import AuditEvent
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.records.batches import RecordsInvalid, area_covering, duplicates_within, problem, records_bulk_create
from fupin.testing.factories import load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db

VILLAGES = ["533301102201", "533301102202"]


@pytest.fixture
def editor():
    load_fixture_divisions()
    return make_user(actions=["view", "change"], area="533301000000", username="editor")


def _population(year_record):
    if year_record.rural_population == 0:
        raise ValidationFailed(_("The data is not valid."), field="rural_population")


def _create(actor, records, **options):
    return records_bulk_create(
        actor=actor, records=records, event="test.bulk", permitted_in=lambda r: [r.area_id], rules=_population,
        related=("area",), set_rules=lambda rs: duplicates_within(
            rs, lambda r: (r.area_id, r.year), ValidationFailed(_("Not found."), field="year"),
            stored=set(AreaYear.objects.values_list("area_id", "year"))), **options)


def test_area_covering_is_the_smallest_common_area():
    assert area_covering(["533301102201", "533301102202"]) == "533301102000"
    assert area_covering(["533301102201", "533301103201"]) == "533301000000"
    assert area_covering(["533301102201", "533302000000"]) == "533300000000"
    assert area_covering(["533301102201", "533401000000"]) == "530000000000"
    assert area_covering(["533301102201", "520000000000"]) == ""
    assert area_covering(["533301102201"]) == "533301102201"
    assert area_covering([]) == ""


def test_valid_records_are_written_with_one_audit_event(editor):
    created = _create(editor, [AreaYear(area_id=v, year=y, rural_population=900) for v in VILLAGES
                               for y in (2019, 2020)])
    assert AreaYear.objects.count() == 4 and all(r.pk for r in created)
    event = AuditEvent.objects.get(action="test.bulk")
    assert (event.object_type, event.area_code, event.actor_name) == ("areas.areayear", "533301102000", "editor")
    assert event.after.pop("changes")["rows"] == 4  # a change row per record (test_bulk_audit.py)
    assert event.after == {"rows": 4, "ids": [created[0].pk, created[-1].pk], "areas": 2}


def test_every_problem_is_reported_and_nothing_written(editor):
    AreaYear.objects.create(area_id=VILLAGES[0], year=2019, rural_population=900)
    records = [AreaYear(area_id=VILLAGES[1], year=2019, rural_population=0),  # rule
               AreaYear(area_id=VILLAGES[0], year=2019, rural_population=5),  # stored duplicate
               AreaYear(area_id=VILLAGES[1], year=2020, rural_population=5),
               AreaYear(area_id=VILLAGES[1], year=2020, rural_population=6)]  # duplicate within the call
    with pytest.raises(RecordsInvalid) as caught:
        _create(editor, records)
    assert [(p.index, p.field) for p in caught.value.problems] == [(0, "rural_population"), (1, "year"), (3, "year")]
    assert caught.value.params == {"count": 3}
    assert AreaYear.objects.count() == 1 and not AuditEvent.objects.filter(action="test.bulk").exists()


def test_a_record_outside_the_grant_refuses_the_call(editor):
    records = [AreaYear(area_id=VILLAGES[0], year=2019, rural_population=9),
               AreaYear(area_id="533321000000", year=2019, rural_population=9)]
    with pytest.raises(PermissionDenied):
        _create(editor, records)
    assert not AreaYear.objects.exists() and not AuditEvent.objects.filter(action="test.bulk").exists()


def test_dry_run_writes_nothing(editor):
    _create(editor, [AreaYear(area_id=VILLAGES[0], year=2019, rural_population=9)], dry_run=True)
    assert not AreaYear.objects.exists() and not AuditEvent.objects.exists()


def test_queries_do_not_grow_with_the_records(editor):
    def count(n, first_year):
        with CaptureQueriesContext(connection) as queries:
            _create(editor, [AreaYear(area_id=VILLAGES[k % 2], year=first_year + k, rural_population=9)
                             for k in range(n)])
        return len(queries)

    count(1, 1700)  # the first audit event of a database also creates the chain's head
    assert count(3, 1800) == count(60, 1900)


def test_problem_keeps_the_field_and_message():
    found = problem(7, ValidationFailed(_("Not found."), field="x"))
    assert found.as_dict() == {"index": 7, "field": "x", "message": "未找到。"}  # in the default language
