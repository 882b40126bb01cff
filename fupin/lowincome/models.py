"""The one register of people in difficulty (issue 26 item 1): a person, keyed by ID number and linked to the
建档立卡 registry's member and household when they are there (docs/adr/0016-low-income-register.md), holds any
number of category memberships, overlapping in time; the department's yearly economic check of the household
(家庭经济状况核对) gives the facts the categories' tests read; the parameters of those tests are data per (year,
province or county); a yearly re-evaluation keeps its findings as the list the office acts on."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core.models import TimeStampedModel
from fupin.registry import codelists as registry_codes
from fupin.rules.models import PolicyRow

from . import codelists as cl


class Person(TimeStampedModel):
    """Someone on a department's list. A person in the 建档立卡 registry is linked to the member (and so the
    household); one who is not keeps the village the list gives, until an import or the registry matches them."""

    id_number = models.CharField(_("ID number"), max_length=22, unique=True)
    name = models.CharField(_("name"), max_length=60)
    area = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    member = models.OneToOneField("registry.Member", verbose_name=_("registered member"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="low_income_person")
    household = models.ForeignKey("registry.Household", verbose_name=_("registered household"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person in difficulty")
        verbose_name_plural = _("people in difficulty")
        ordering = ["area_id", "id_number"]

    def __str__(self) -> str:
        return self.name


class CategoryMembership(TimeStampedModel):
    """One person in one category from the identification date to the end date (open: still in it). A person may
    hold several at once (低保 and 防止返贫致贫对象), and the same category again after an end."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="memberships")
    household = models.ForeignKey("registry.Household", verbose_name=_("registered household"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=12, choices=cl.CATEGORY.choices)
    monitoring_category = models.CharField(_("monitoring category"), max_length=1, blank=True,
                                           choices=registry_codes.MONITORING_CATEGORY.choices)
    department = models.CharField(_("deciding department"), max_length=60)
    identified_on = models.DateField(_("identified on"))
    case = models.ForeignKey("workflows.Case", verbose_name=_("procedure case"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    procedure = models.CharField(_("procedure"), max_length=200, blank=True,
                                 help_text=_("The procedure it went through, when it has no case here."))
    publication = models.CharField(_("publication rule"), max_length=14, choices=cl.PUBLICATION.choices,
                                   default="by_aiding")
    ends_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=16, choices=cl.END_REASON.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    area_paths = ("person__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("category membership")
        verbose_name_plural = _("category memberships")
        ordering = ["person_id", "category", "identified_on"]
        constraints = [models.UniqueConstraint(fields=["person", "category", "identified_on"],
                                               name="lowincome_membership_unique")]
        indexes = [models.Index(fields=["category", "identified_on"], name="lowincome_membership_cat")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.category} {self.identified_on}"


class EconomicCheck(TimeStampedModel):
    """The department's check of the person's household for a year (家庭经济状况核对): income per head, the
    property test, medical and education spending — what the categories' tests read."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="checks")
    year = models.PositiveSmallIntegerField(_("year"))
    household_size = models.PositiveSmallIntegerField(_("household size"))
    income_per_capita = models.DecimalField(_("income per head (yuan per year)"), max_digits=12, decimal_places=2)
    property_passed = models.BooleanField(_("property test passed"))
    medical_spending = models.DecimalField(_("medical spending (yuan)"), max_digits=12, decimal_places=2, default=0)
    education_spending = models.DecimalField(_("education spending (yuan)"), max_digits=12, decimal_places=2,
                                             default=0)

    area_paths = ("person__area",)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("economic check")
        verbose_name_plural = _("economic checks")
        ordering = ["person_id", "year"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="lowincome_check_unique")]
        indexes = [models.Index(fields=["year", "person"], name="lowincome_check_year")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}"


class Parameter(PolicyRow):
    """A threshold of the categories' tests for a year, nationally, in a province or in one county: an amount, or a
    formula over the other parameters of the same year and place (`2 * dibao_rural * 12`; `<code>_prev_year`
    names last year's value). The most local row wins: county, then province, then national."""

    code = models.SlugField(_("code"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    county_code = models.CharField(_("county code"), max_length=6, blank=True, default="",
                                   help_text=_("Empty: the whole province (or the nation)."))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4, null=True, blank=True)
    formula = models.CharField(_("formula"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("low-income test parameter")
        verbose_name_plural = _("low-income test parameters")
        ordering = ["code", "year", "province_code", "county_code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "year", "province_code", "county_code"],
                                    name="lowincome_parameter_unique"),
            models.CheckConstraint(condition=models.Q(amount__isnull=True, formula__gt="")
                                   | models.Q(amount__isnull=False, formula=""),
                                   name="lowincome_parameter_amount_or_formula"),
        ]

    def __str__(self) -> str:
        place = self.county_code or self.province_code or "CN"
        return f"{self.code} {self.year} {place}: {self.formula or self.amount}"


class Reevaluation(TimeStampedModel):
    """One yearly re-evaluation of an area (a county or any level above a village) against every tested category:
    its findings are the list the office acts on."""

    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    counts = models.JSONField(_("counts"), default=dict)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("run by"), null=True,
                               on_delete=models.SET_NULL, related_name="+")

    area_paths = ("area",)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("re-evaluation")
        verbose_name_plural = _("re-evaluations")
        ordering = ["-year", "area_id"]
        constraints = [models.UniqueConstraint(fields=["year", "area"], name="lowincome_reevaluation_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.area_id}"


class Change(models.TextChoices):
    ENTERS = "enters", _("should enter")
    LEAVES = "leaves", _("should leave")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("to act on")
    DONE = "done", _("acted on")
    DISMISSED = "dismissed", _("dismissed after review")


class Finding(models.Model):
    """A person who should be in a category and is not (enters) or is in one and no longer meets its test
    (leaves), with the rule and the values compared."""

    reevaluation = models.ForeignKey(Reevaluation, verbose_name=_("re-evaluation"), on_delete=models.CASCADE,
                                     related_name="findings")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=12, choices=cl.CATEGORY.choices)
    change = models.CharField(_("change"), max_length=6, choices=Change.choices)
    values = models.JSONField(_("values compared"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    case = models.ForeignKey("workflows.Case", verbose_name=_("procedure case"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="lowincome_findings",
                             help_text=_("The procedure the finding opened (at most one)."))

    area_paths = ("person__area",)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("re-evaluation finding")
        verbose_name_plural = _("re-evaluation findings")
        ordering = ["reevaluation_id", "category", "change", "person_id"]
        constraints = [models.UniqueConstraint(fields=["reevaluation", "person", "category"],
                                               name="lowincome_finding_unique")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.category} {self.change}"
