"""补录 mode: its permission, its reason, and the audit of every write made in it; the date rules it relaxes
(witnessed dates in the past) and the ones it keeps (no future)."""

import datetime

import pytest
from django.utils import translation

from fupin.accounts.history import entering_history
from fupin.audit.models import AuditEvent
from fupin.audit.services import audit_record
from fupin.core import temporal
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def test_a_past_witnessed_date_needs_history_mode_and_the_future_is_refused_in_both():
    past = temporal.today() - datetime.timedelta(days=30)
    future = temporal.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        temporal.witnessed_date(past, field="published_on", label="公示日期")
    assert "补录" in str(refused.value)
    with entering_history(actor=system_user(), reason="2016 年档案补录"):
        assert temporal.witnessed_date(past, field="published_on", label="公示日期") == past
        with pytest.raises(ValidationFailed):
            temporal.fact_date(future, field="on", label="日期")
    assert temporal.witnessed_date(None, field="published_on", label="公示日期") == temporal.today()
    with pytest.raises(ValidationFailed):
        temporal.fact_date(future, field="on", label="日期")


def test_the_refusals_speak_zh_and_en():
    future = temporal.today() + datetime.timedelta(days=3)
    for language, words in (("zh-hans", "未来"), ("en", "in the future")):
        with translation.override(language):
            with pytest.raises(ValidationFailed) as refused:
                temporal.fact_date(future, field="on", label="x")
            assert words in str(refused.value)  # the message is translated when it is shown


def test_history_mode_needs_its_own_grant_and_a_reason_and_every_write_in_it_says_so():
    county_approver = make_user(role="county_approver", area="533301000000")
    with pytest.raises(PermissionDenied), entering_history(actor=county_approver, reason="迁移"):
        pass
    with pytest.raises(ValidationFailed), entering_history(actor=system_user(), reason="  "):
        pass
    with entering_history(actor=system_user(), reason="迁移 2014–2019 档案"):
        audit_record(actor=system_user(), action="test.write", object_type="x", object_id="1",
                     after={"value": 1})
    opened, written = AuditEvent.objects.order_by("-seq")[:2][::-1]
    assert opened.action == "accounts.history_opened" and opened.after == {"reason": "迁移 2014–2019 档案"}
    assert written.after["history"]["reason"] == "迁移 2014–2019 档案" and written.after["value"] == 1
    audit_record(actor=system_user(), action="test.write", object_type="x", object_id="2", after={"value": 2})
    assert "history" not in AuditEvent.objects.order_by("-seq").first().after


def test_months_are_counted_between_recorded_dates():
    assert temporal.months_between(datetime.date(2021, 8, 31), datetime.date(2022, 2, 28)) == 6
    assert temporal.months_between(datetime.date(2021, 8, 31), datetime.date(2022, 2, 27)) == 5
    assert temporal.months_between(datetime.date(2021, 1, 15), datetime.date(2021, 7, 15)) == 6
    assert temporal.months_between(datetime.date(2021, 1, 15), datetime.date(2021, 7, 14)) == 5
    assert temporal.add_months(datetime.date(2023, 8, 31), 6) == datetime.date(2024, 2, 29)
