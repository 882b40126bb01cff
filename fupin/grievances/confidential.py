"""The reporter's identity (name, phone, ID number): the one rule for pages, the API and any file.

It is shown only to users holding `view_reporter` (Action.VIEW_REPORTER: the administrator and the handling office's
complaints officer by default) on the ticket's handling office, and never to the cadre the ticket reports (the
tickets' scope already keeps it from them). Everyone else sees that a reporter was given, not who. Lists, exports,
statistics, PDFs and audit trails never carry it, whoever reads them; the detail page and the API's detail show it
to those who may, and every such look is audited (`services.reporter_shown`, after the response is built)."""

from fupin.accounts.choices import Action
from fupin.accounts.scoping import reach

REPORTER_FIELDS = ("reporter_name", "reporter_phone", "reporter_id_number")


def reporter_given(ticket) -> bool:
    return any(getattr(ticket, name) for name in REPORTER_FIELDS)


class ReporterView:
    def __init__(self, actor):
        self.actor = actor
        self.granted = reach(actor, Action.VIEW_REPORTER)
        self.shown: list = []

    def may_see(self, ticket) -> bool:
        return self.granted.covers(ticket.office_id)

    def values(self, ticket) -> dict | None:
        """The identity as this actor may see it: the fields (noted for the audit) or None (confidential)."""
        if not self.may_see(ticket):
            return None
        values = {name: getattr(ticket, name) for name in REPORTER_FIELDS}
        if any(values.values()):
            self.shown.append(ticket)
        return values

    def audit(self) -> None:
        if self.shown:
            from .services import reporter_shown  # services read pages' helpers nowhere: imported when used

            reporter_shown(actor=self.actor, tickets=self.shown)
            self.shown = []
