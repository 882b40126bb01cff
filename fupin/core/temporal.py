"""Time as a rule, in one place: every service that records a dated fact asks here.

Three kinds of date reach a service:

- **a fact's date** (an arrival, a visit, a stage completed, a decision): it states what has happened, so it is
  never later than today (plus `FUPIN_FUTURE_TOLERANCE_DAYS`, for a clerk's clock or time zone) and never before
  the fact it follows (`not_before`);
- **a witnessed date** (a notice published, an objection received, a procedure step decided): the system itself
  sees it happen, so outside 补录 it is today; periods that run from it (the 7-day 公示) run in real time;
- **a period** between recorded facts (6 months of stability, visit intervals, rotation gaps): counted from the
  dates stored on the records (`months_between`), never from a date typed with the request.

Entering history after the fact (补录: the 2014–2019 years of a migration or of the demo) is an explicit mode
(`entering_history`) that accepts past witnessed dates; it is entered through a service that checks its own
permission and audits the reason (`fupin.accounts.history`). The future is refused in every mode.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed


@dataclass(frozen=True)
class History:
    """The 补录 session a write belongs to: who opened it and why (copied into every audit event it writes)."""

    actor_id: int | None
    reason: str

    def as_audit(self) -> dict:
        return {"actor": self.actor_id, "reason": self.reason}


_history: ContextVar[History | None] = ContextVar("fupin_history", default=None)


def today() -> datetime.date:
    return timezone.localdate()


def latest_allowed() -> datetime.date:
    return today() + datetime.timedelta(days=settings.FUPIN_FUTURE_TOLERANCE_DAYS)


def current_history() -> History | None:
    """The 补录 session under way in this context, or None (the normal, real-time mode)."""
    return _history.get()


@contextmanager
def history_context(history: History) -> Iterator[History]:
    """Run the block in 补录 mode. Only `fupin.accounts.history.entering_history` calls this, after checking the
    permission and auditing the reason; services never open it themselves."""
    token = _history.set(history)
    try:
        yield history
    finally:
        _history.reset(token)


def _as_date(value, field: str, label) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationFailed(_("%(label)s must be a date (YYYY-MM-DD): “%(value)s”."), field=field, label=label,
                           value=value)


def fact_date(value, *, field: str, label, default_today: bool = True) -> datetime.date | None:
    """The date of something that has happened: today when not given (if `default_today`), never in the future."""
    if value in (None, ""):
        return today() if default_today else None
    value = _as_date(value, field, label)
    if value > latest_allowed():
        raise ValidationFailed(
            _("%(label)s %(date)s is in the future (today is %(today)s); a record states what has happened."),
            field=field, label=label, date=value.isoformat(), today=today().isoformat())
    return value


def witnessed_date(value, *, field: str, label) -> datetime.date:
    """The date of something the system sees happen (a notice published, a decision taken): today. A past date
    is the date of history entered after the fact, accepted only in 补录 mode."""
    value = fact_date(value, field=field, label=label)
    if value < today() and current_history() is None:
        raise ValidationFailed(
            _("%(label)s %(date)s is in the past. The system records this date itself when it happens; history "
              "is entered after the fact only in 补录 (history entry) mode, with its permission and a reason."),
            field=field, label=label, date=value.isoformat())
    return value


def not_before(value: datetime.date | None, earlier: datetime.date | None, *, field: str, label,
               earlier_label) -> None:
    """Refuse a date before the date of the fact it follows (either unknown: nothing to compare)."""
    if value is None or earlier is None:
        return
    if value < earlier:
        raise ValidationFailed(_("%(label)s %(date)s is before %(earlier_label)s %(earlier)s."), field=field,
                               label=label, date=value.isoformat(), earlier_label=earlier_label,
                               earlier=earlier.isoformat())


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it has fewer days): 08-31 + 6 months = 02-28/29."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from `start` to `end`, both recorded dates (negative when `end` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and add_months(start, months) > end:
        months -= 1
    elif months < 0 and add_months(start, months) < end:
        months += 1
    return months

