"""补录: entering history after the fact, as an explicit mode with its own permission, reason and audit.

The 2014–2019 years of a migration (or of the demo) carry notices, decisions and ledgers dated in the past. In the
normal mode those dates are the system's own (`fupin.core.temporal.witnessed_date`); inside `entering_history` a
past date is accepted, every audit event written records the session's reason, and the session itself is
audited when it opens. The future is refused in both modes.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext_lazy as _

from fupin.audit import registry
from fupin.audit.services import audit_record
from fupin.core.errors import ValidationFailed
from fupin.core.temporal import History, current_history, history_context

from .choices import Action
from .scoping import require

HISTORY_OPENED = registry.register("accounts.history_opened", _("opened history entry (补录)"))


@contextmanager
def entering_history(*, actor, reason: str, area_code: str = "") -> Iterator[History]:
    """Run the block in 补录 mode for `actor`, who needs the enter-history grant over `area_code` (the whole
    country when empty). The reason is required and goes into the audit of every write the block makes."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for entering history after the fact (补录)."), field="reason")
    require(actor, Action.ENTER_HISTORY, area_code)
    outer = current_history()
    if outer is not None:  # nested: the outer session's permission and reason hold
        yield outer
        return
    audit_record(actor=actor, action=HISTORY_OPENED, object_type="accounts.history", area_code=area_code,
                 after={"reason": reason})
    with history_context(History(actor_id=getattr(actor, "pk", None), reason=reason)) as history:
        yield history
