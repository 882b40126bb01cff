"""Who helps whom (结对帮扶, 东西部扶贫协作) and what the help delivered.

Every participant — an eastern district, a central unit, an enterprise, a school, a poor county, a household — is
a Party, so a pairing is one typed, dated edge between two parties under a programme, and counting "distinct
helped" or "distinct helpers" is counting distinct party ids. Parties that are areas point at the Area itself
(eastern provinces' divisions are loaded like the others); organisations point at the area they are located in,
which is how area grants scope them.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core.codelists import localized
from fupin.core.models import TimeStampedModel

from . import codelists as cl


def _money(label):
    return models.DecimalField(label, max_digits=16, decimal_places=2, default=Decimal("0.00"))


class Programme(models.Model):
    """A helping programme (东西部扶贫协作, 定点帮扶, 万企帮万村 …) and which kinds of party it pairs."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    helper_kinds = models.JSONField(_("helper kinds"), default=list)
    helped_kinds = models.JSONField(_("helped kinds"), default=list)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        """The programme's name in the language in force (zh-Hant by OpenCC)."""
        return localized(self.name_zh, self.name_en, language)


class Party(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=cl.PARTY_KIND.choices)
    name = models.CharField(_("name"), max_length=120)
    # The area the party is (kind "area") or where it is located (organisations); households: their village.
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    household = models.OneToOneField("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("helping or helped party")
        verbose_name_plural = _("helping and helped parties")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area"], condition=models.Q(kind="area"), name="one_party_per_area"),
            models.UniqueConstraint(fields=["credit_code"], condition=~models.Q(credit_code=""),
                                    name="unique_party_credit_code"),
        ]

    def __str__(self) -> str:
        return self.name


class PairingQuerySet(ScopedQuerySet):
    def active_on(self, day):
        """Pairings in force on `day` (started, not ended, not suspended)."""
        return self.filter(start_date__lte=day).filter(
            models.Q(end_date__isnull=True) | models.Q(end_date__gte=day)).exclude(status="suspended")


class Pairing(TimeStampedModel):
    """结对: a helper helps a helped party under a programme, from a start date (to an end date), with
    commitments. Many-to-many: a party may have many pairings on either side."""

    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.PROTECT,
                                  related_name="pairings")
    helper = models.ForeignKey(Party, verbose_name=_("helper"), on_delete=models.PROTECT, related_name="helping")
    helped = models.ForeignKey(Party, verbose_name=_("helped"), on_delete=models.PROTECT, related_name="helped_by")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=cl.PAIRING_STATUS.choices, default="active")
    committed_funds = _money(_("committed funds per year (yuan)"))
    committed_projects = models.PositiveIntegerField(_("committed projects per year"), default=0)
    committed_jobs = models.PositiveIntegerField(_("committed jobs per year"), default=0)
    committed_visits = models.PositiveIntegerField(_("committed visits per year"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = PairingQuerySet.as_manager()

    area_paths = ("helper__area", "helped__area")  # where its area is, for .scoped(actor, action)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["programme_id", "helper_id", "helped_id", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "helper", "helped", "start_date"],
                                    name="unique_pairing"),
            models.CheckConstraint(condition=~models.Q(helper=models.F("helped")), name="pairing_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.helper} → {self.helped} ({self.programme_id})"


class CooperationRecord(TimeStampedModel):
    """What every record of delivered help shares: the pairing it came through (if any), the helped area it
    reached (what scoping and reports key on) and who recorded it."""

    pairing = models.ForeignKey(Pairing, verbose_name=_("pairing"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", verbose_name=_("helped area"), on_delete=models.PROTECT,
                             related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    area_paths = ("area", "pairing__helper__area")  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class Agreement(CooperationRecord):
    """帮扶协议: what the two sides signed (a framework agreement of two provinces, a pairing's annual agreement),
    with its document number, term and what each side commits to."""

    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    content = models.TextField(_("what each side commits to"), blank=True)

    class Meta:
        verbose_name = _("cooperation agreement")
        verbose_name_plural = _("cooperation agreements")
        ordering = ["signed_on", "id"]

    def __str__(self) -> str:
        return self.title


class Fund(CooperationRecord):
    """Fiscal aid or a donation: committed, then arrived (到位)."""

    kind = models.CharField(_("kind"), max_length=12, choices=cl.FUND_KIND.choices)
    donor = models.ForeignKey(Party, verbose_name=_("from"), on_delete=models.PROTECT, related_name="funds_given")
    purpose = models.CharField(_("purpose"), max_length=16, choices=cl.FUND_PURPOSE.choices, default="other")
    committed_amount = _money(_("committed (yuan)"))
    committed_on = models.DateField(_("committed on"), null=True, blank=True)
    arrived_amount = _money(_("arrived (yuan)"))
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    # Why more arrived than was committed (a second tranche, a donor's top-up): required whenever it did.
    over_commitment_reason = models.CharField(_("reason for arriving above the commitment"), max_length=300,
                                              blank=True)
    document = models.CharField(_("document"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["-committed_on", "id"]


class Workshop(CooperationRecord):
    """扶贫车间: a workshop built in a helped village, with the poor members it employs."""

    name = models.CharField(_("name"), max_length=120)
    operator = models.CharField(_("operator"), max_length=120, blank=True)
    opened_on = models.DateField(_("opened on"))
    jobs = models.PositiveIntegerField(_("jobs"), default=0)
    poor_employees = models.ManyToManyField("registry.Member", verbose_name=_("poor employees"), blank=True,
                                            related_name="+")

    class Meta:
        verbose_name = _("poverty workshop")
        verbose_name_plural = _("poverty workshops")
        ordering = ["opened_on", "id"]


class TalentExchange(CooperationRecord):
    """A seconded cadre or professional, in either direction."""

    person = models.CharField(_("person"), max_length=60)
    unit = models.CharField(_("unit"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=cl.TALENT_KIND.choices)
    field = models.CharField(_("field"), max_length=12, choices=cl.TALENT_FIELD.choices, default="other")
    direction = models.CharField(_("direction"), max_length=10, choices=cl.DIRECTION.choices, default="to_helped")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("talent exchange")
        verbose_name_plural = _("talent exchanges")
        ordering = ["start_date", "id"]


class LabourTransfer(CooperationRecord):
    """转移就业: a registered member moved into a job elsewhere (area = the member's home village)."""

    member = models.ForeignKey("registry.Member", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="+")
    employer = models.CharField(_("employer"), max_length=120)
    work_province = models.CharField(_("province of work"), max_length=2)
    start_date = models.DateField(_("start date"))
    monthly_wage = models.DecimalField(_("monthly wage (yuan)"), max_digits=10, decimal_places=2, null=True,
                                       blank=True)
    transport = models.CharField(_("organised transport"), max_length=8, choices=cl.TRANSPORT.choices,
                                 blank=True)

    class Meta:
        verbose_name = _("labour transfer")
        verbose_name_plural = _("labour transfers")
        ordering = ["start_date", "id"]


class Visit(CooperationRecord):
    """A leaders' visit between the helping and the helped side (党政领导互访), part of 组织领导."""

    person = models.CharField(_("person"), max_length=60)
    position = models.CharField(_("position"), max_length=120, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=cl.LEADER_LEVEL.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=cl.DIRECTION.choices, default="to_helped")
    visited_on = models.DateField(_("visited on"))

    class Meta:
        verbose_name = _("leaders' visit")
        verbose_name_plural = _("leaders' visits")
        ordering = ["visited_on", "id"]


class Purchase(CooperationRecord):
    """消费扶贫: products of a helped area bought by the helping side."""

    buyer = models.ForeignKey(Party, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="+")
    product = models.CharField(_("product"), max_length=120)
    amount = _money(_("amount (yuan)"))
    bought_on = models.DateField(_("bought on"))

    class Meta:
        verbose_name = _("consumption purchase")
        verbose_name_plural = _("consumption purchases")
        ordering = ["bought_on", "id"]
