from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimeStampedModel

from .choices import BUILTIN_ROLES


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    roles = models.ManyToManyField("Role", verbose_name=_("roles"), blank=True, related_name="users")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.Model):
    """A named bundle of actions; grants to a role apply to every user holding it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    actions = models.JSONField(_("default actions"), default=list)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        builtin = BUILTIN_ROLES.get(self.code)
        return str(builtin[0]) if builtin else self.name


class AreaGrant(TimeStampedModel):
    """Actions allowed to a user (or to every holder of a role) in an area and all areas below it.

    A grant with no area is nationwide. Reads and writes are scoped by `fupin.accounts.scoping` alone.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="grants", help_text=_("Empty: the whole country."),
    )
    actions = models.JSONField(_("actions"), default=list)

    class Meta:
        verbose_name = _("area grant")
        verbose_name_plural = _("area grants")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False, role__isnull=True)
                           | models.Q(user__isnull=True, role__isnull=False)),
                name="grant_to_user_or_role",
            )
        ]

    def __str__(self) -> str:
        holder = self.user or self.role
        where = self.area.name if self.area_id else _("whole country")
        return f"{holder} @ {where}: {', '.join(self.actions)}"
