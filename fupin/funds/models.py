"""Poverty-alleviation funds as an append-only ledger.

A fund document (文号) issues money of one source for a year; ledger entries allocate it to areas, record it
arriving (到位) there and spend it on projects (and through them on households). An entry is never changed or
deleted: a mistake is corrected by an adjustment entry that names the entry it corrects and carries a signed
amount, so every balance is a sum over entries and the history of every yuan stays readable.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet, reach
from fupin.core.models import TimeStampedModel

from . import codelists as cl


class FundDocumentQuerySet(ScopedQuerySet):
    def scoped(self, actor, action: str):
        """Documents issued in the actor's areas, and those that put money into them."""
        granted = reach(actor, action)
        if granted.everywhere:
            return self
        reaching = FundEntry.objects.filter(granted.condition("area")).values("document")
        return self.filter(granted.condition("issuing_area") | models.Q(pk__in=reaching))


class FundDocument(TimeStampedModel):
    number = models.CharField(_("document number"), max_length=100)
    title = models.CharField(_("title"), max_length=300)
    source = models.CharField(_("fund source"), max_length=20, choices=cl.FUND_SOURCE.choices)
    year = models.PositiveSmallIntegerField(_("budget year"))
    # The area whose government issued the document; empty for central documents (财政部, 国务院扶贫办 …).
    issuing_area = models.ForeignKey("areas.Area", verbose_name=_("issuing area"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(_("total amount (yuan)"), max_digits=16, decimal_places=2)
    issued_on = models.DateField(_("issued on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = FundDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund document")
        verbose_name_plural = _("fund documents")
        ordering = ["year", "issued_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuing_area", "year", "number"], name="unique_fund_document_number"),
            # NULLs are distinct in unique constraints, so central documents need their own one.
            models.UniqueConstraint(fields=["year", "number"], condition=models.Q(issuing_area__isnull=True),
                                    name="unique_central_fund_document_number"),
            models.CheckConstraint(condition=models.Q(total__gt=0), name="fund_document_total_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class FundEntry(models.Model):
    """One line of the ledger. `area` is where the money is held: the area allocated to, arrived at or spending
    it; a spending names the project (inside that area) and, when the money reached a household, the household."""

    document = models.ForeignKey(FundDocument, verbose_name=_("fund document"), on_delete=models.PROTECT,
                                 related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=cl.ENTRY_KIND.choices)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="fund_entries")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # An adjustment names the entry it corrects and counts as that entry's kind.
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund ledger entry")
        verbose_name_plural = _("fund ledger entries")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["document", "area"], name="fund_entry_document_area")]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind="adjust") | models.Q(amount__gt=0),
                                   name="fund_entry_positive_unless_adjustment"),
            models.CheckConstraint(condition=models.Q(kind="adjust", corrects__isnull=False)
                                   | (~models.Q(kind="adjust") & models.Q(corrects__isnull=True)),
                                   name="fund_entry_adjustment_names_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.kind} {self.area_id} {self.amount}"

    def save(self, *args, **kwargs):
        # The ledger is append-only: a stored entry is never written again (services add corrections instead).
        if self.pk is not None and not self._state.adding:
            raise TypeError("fund ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("fund ledger entries are append-only")
