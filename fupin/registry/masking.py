"""Masking of ID numbers, phones and bank accounts, and the audit of what was shown unmasked: the one rule of the
API, the pages, the PDFs and the exports.

A value is shown whole only where the user's role may "view sensitive" in the record's area; what a response
showed whole is audited once (`Masking.audit`, the registry's `sensitive_shown`)."""

from fupin.accounts.choices import Action
from fupin.accounts.scoping import Reach, reach


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_bank_account(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


MASKS = {"id_number": mask_id_number, "disability_certificate": mask_id_number, "phone": mask_phone,
         "bank_account": mask_bank_account}


def masked(values: dict) -> dict:
    """`values` with every sensitive one masked (whoever reads them: an audit trail, an export without the right)."""
    return {name: MASKS[name](value) if name in MASKS else value for name, value in values.items()}


class Masking:
    """Masks a response's sensitive values for `actor` unless they may see them in the record's area, and notes
    what it showed unmasked so that the response is audited once (`audit`, after the response is built)."""

    def __init__(self, actor):
        self.actor = actor
        self._granted: Reach | None = None  # read once, when first needed
        self.shown: list[dict] = []

    @property
    def granted(self) -> Reach:
        if self._granted is None:
            self._granted = reach(self.actor, Action.VIEW_SENSITIVE)
        return self._granted

    @property
    def nowhere(self) -> bool:
        """The actor may see sensitive values in no area: everything is masked."""
        return self.granted.nowhere

    def may_see(self, area_code: str) -> bool:
        return self.granted.covers(area_code)

    def apply(self, obj, area_code: str, values: dict) -> dict:
        """`values` (sensitive fields of `obj` as a response holds them) as the actor may see them: whole where
        they may see them in `area_code` (noted for the audit), else masked; empty values are left as they are."""
        present = [name for name, value in values.items() if value]
        if not present:
            return dict(values)
        if self.may_see(area_code):
            self.shown.append({"type": obj._meta.label_lower, "id": obj.pk, "fields": present})
            return dict(values)
        return {name: MASKS[name](value) if value else value for name, value in values.items()}

    def values(self, obj, area_code: str, fields: tuple[str, ...]) -> dict[str, str]:
        """The fields of `obj` as a page or a PDF shows them ("" when empty)."""
        values = self.apply(obj, area_code, {name: getattr(obj, name, None) for name in fields})
        return {name: value or "" for name, value in values.items()}

    def audit(self) -> None:
        """One audit event for what was shown unmasked since the last call (nothing when nothing was)."""
        if self.shown:
            from .services import sensitive_shown  # the services mask what they audit: imported when used

            sensitive_shown(actor=self.actor, items=self.shown)
            self.shown = []
