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


# Grant changes made outside these services (the admin's forms, its inline grants and its delete action) are
# audited through the functions below, with the same events, so that the trail shows every change of who may do
# what wherever it was made.
GRANT_CHANGED = registry.register("accounts.grant_changed", _("changed a grant"))
ROLE_SAVED = registry.register("accounts.role_saved", _("saved a role's actions"))
ROLE_DELETED = registry.register("accounts.role_deleted", _("deleted a role"))
USER_ROLES_CHANGED = registry.register("accounts.user_roles_changed", _("changed a user's roles"))
USER_PRIVILEGES_CHANGED = registry.register("accounts.user_privileges_changed",
                                            _("changed a user's administrator or active flags"))
PRIVILEGE_FLAGS = ("is_active", "is_staff", "is_superuser")


def grant_state(grant: AreaGrant) -> dict:
    return {"user": grant.user.username if grant.user_id else None,
            "role": grant.role.code if grant.role_id else None,
            "area": grant.area_id, "actions": sorted(grant.actions or [])}


def grant_audit(*, actor, grant: AreaGrant, before: dict | None, deleted: bool = False) -> None:
    """Audit a grant added (before None), changed or deleted elsewhere than `grant_replace`."""
    after = None if deleted else grant_state(grant)
    if before == after:
        return
    action = GRANT_REVOKED if deleted else GRANT_SAVED if before is None else GRANT_CHANGED
    area = (before or {}).get("area") if deleted else grant.area_id
    audit_record(actor=actor, action=action, obj=grant, area_code=area or "", before=before, after=after)


def role_state(role: Role) -> dict:
    return {"code": role.code, "name": role.name, "actions": sorted(role.actions or [])}


def role_audit(*, actor, role: Role, before: dict | None, deleted: bool = False) -> None:
    after = None if deleted else role_state(role)
    if before == after:
        return
    audit_record(actor=actor, action=ROLE_DELETED if deleted else ROLE_SAVED, obj=role, before=before, after=after)


def user_access_state(user: User) -> dict:
    return {"roles": sorted(user.roles.values_list("code", flat=True)),
            **{flag: getattr(user, flag) for flag in PRIVILEGE_FLAGS}}


def user_access_audit(*, actor, user: User, before: dict | None) -> None:
    """Audit a change of a user's roles or privilege flags (a new user's too: before None)."""
    after = user_access_state(user)
    before_roles = (before or {}).get("roles", [])
    if before_roles != after["roles"]:
        audit_record(actor=actor, action=USER_ROLES_CHANGED, obj=user,
                     before=None if before is None else {"user": user.username, "roles": before_roles},
                     after={"user": user.username, "roles": after["roles"]})
    flags_before = {flag: (before or {}).get(flag) for flag in PRIVILEGE_FLAGS}
    flags_after = {flag: after[flag] for flag in PRIVILEGE_FLAGS}
    if before is None and not any(flags_after[flag] for flag in ("is_staff", "is_superuser")):
        return  # a new ordinary account: its creation says enough
    if flags_before != flags_after:
        audit_record(actor=actor, action=USER_PRIVILEGES_CHANGED, obj=user,
                     before=None if before is None else {"user": user.username, **flags_before},
                     after={"user": user.username, **flags_after})
