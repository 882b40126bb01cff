"""Writes to accounts and grants: administrators only, audited."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.audit import registry
from fupin.audit.services import audit_record
from fupin.core.errors import ValidationFailed

from .choices import ALL_ACTIONS, Action
from .models import AreaGrant, Role, User
from .scoping import require

USER_SAVED = registry.register("accounts.user_saved", _("saved a user account"))
GRANT_SAVED = registry.register("accounts.grant_saved", _("granted actions in an area"))
GRANT_REVOKED = registry.register("accounts.grant_revoked", _("revoked a grant"))


def _require_admin_over(actor, area_code: str | None) -> None:
    # Granting in an area needs the administer action over that area; nationwide grants need it nationwide.
    require(actor, Action.ADMINISTER, area_code or "000000000000")


def user_save(*, actor, username: str, display_name: str = "", password: str | None = None,
              roles: list[str] = (), is_staff: bool = False) -> User:
    _require_admin_over(actor, None)
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        before = None if created else {"display_name": user.display_name, "is_staff": user.is_staff,
                                       "roles": sorted(user.roles.values_list("code", flat=True))}
        user.display_name, user.is_staff, user.is_superuser = display_name, is_staff, is_staff
        if password is not None:
            user.set_password(password)
        user.save()
        user.roles.set(Role.objects.filter(code__in=roles))
        audit_record(actor=actor, action=USER_SAVED, obj=user, before=before,
                     after={"display_name": display_name, "is_staff": is_staff, "roles": sorted(roles),
                            "password_changed": password is not None})
    return user


def grant_replace(*, actor, user: User, area_code: str | None, actions: list[str]) -> AreaGrant:
    """Make `actions` in `area_code` (None: nationwide) the user's only grant."""
    unknown = set(actions) - set(ALL_ACTIONS)
    if unknown:
        raise ValidationFailed(_("Unknown actions: %(actions)s"), field="actions", actions=", ".join(sorted(unknown)))
    _require_admin_over(actor, area_code)
    with transaction.atomic():
        for old in AreaGrant.objects.filter(user=user):
            audit_record(actor=actor, action=GRANT_REVOKED, obj=old, area_code=old.area_id or "",
                         before={"user": user.username, "area": old.area_id, "actions": old.actions})
            old.delete()
        grant = AreaGrant.objects.create(user=user, area_id=area_code, actions=sorted(actions))
        audit_record(actor=actor, action=GRANT_SAVED, obj=grant, area_code=area_code or "",
                     after={"user": user.username, "area": area_code, "actions": grant.actions})
    return grant
