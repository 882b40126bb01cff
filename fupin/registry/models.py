from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core.codelists import ETHNICITY
from fupin.core.models import TimeStampedModel, VersionedModel

from . import codelists as cl


def _money(label):
    """An amount of the year's ledger; None is "not entered" (a year opened by the roll-forward), never 0."""
    return models.DecimalField(label, max_digits=12, decimal_places=2, null=True, blank=True)


def _area(label):
    return models.DecimalField(label, max_digits=10, decimal_places=2, null=True, blank=True)


class Household(VersionedModel):
    """A registered household (建档立卡户). Facts that change by year live in HouseholdYear."""

    number = models.CharField(_("household number"), max_length=30)
    area = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT,
                             related_name="households", db_index=False)  # household_area_status leads with it
    # The county's code, kept beside the village so that "unique within the county" is a database constraint.
    county_code = models.CharField(_("county code"), max_length=6, editable=False)
    id_standard = models.CharField(_("identification standard"), max_length=1, choices=cl.ID_STANDARD.choices,
                                   default="1")
    attribute = models.CharField(_("household attribute"), max_length=2, choices=cl.HOUSEHOLD_ATTRIBUTE.choices)
    main_cause = models.CharField(_("main cause of poverty"), max_length=2, choices=cl.CAUSE.choices)
    other_causes = models.JSONField(_("other causes"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=1, choices=cl.STATUS.choices, default="0")
    monitoring_category = models.CharField(_("monitoring category"), max_length=1, blank=True,
                                           choices=cl.MONITORING_CATEGORY.choices)
    risk_status = models.CharField(_("risk status"), max_length=1, blank=True, choices=cl.RISK_STATUS.choices)
    monitoring_since = models.DateField(_("monitored since"), null=True, blank=True)
    identified_year = models.PositiveSmallIntegerField(_("year identified"))
    planned_exit_year = models.PositiveSmallIntegerField(_("planned exit year"), null=True, blank=True)
    exit_year = models.PositiveSmallIntegerField(_("exit year"), null=True, blank=True)
    return_year = models.PositiveSmallIntegerField(_("year returned to poverty"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    is_relocated = models.BooleanField(_("relocated household"), default=False)
    relocation_year = models.PositiveSmallIntegerField(_("relocation year"), null=True, blank=True)
    relocation_site = models.ForeignKey("areas.Area", verbose_name=_("resettlement area"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+", db_index=False)
    is_martyr_family = models.BooleanField(_("military or martyr family"), default=False)
    is_one_child = models.BooleanField(_("one-child household"), default=False)
    is_two_daughters = models.BooleanField(_("two-daughter household"), default=False)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["area_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["county_code", "number"], name="household_number_unique_in_county"),
        ]
        # Only the indexes queries use: areas are selected by code ranges (scoping), never by LIKE, so the
        # `_like` twin PostgreSQL gets for an indexed text column would only slow every write.
        indexes = [models.Index(fields=["area", "status"], name="household_area_status"),
                   models.Index(fields=["relocation_site"], name="household_relocation_site"),
                   # Searched by number alone across a user's reach (numbers are unique only within a county).
                   models.Index(fields=["number"], name="household_number")]

    def __str__(self) -> str:
        return f"{self.number}"


class Member(TimeStampedModel):
    """A person in a household. Joining and leaving are dated events; a member who left is kept, inactive."""

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="members")
    name = models.CharField(_("name"), max_length=60)
    # Search keys derived on write: simplified-script name, full pinyin and initials (indexed in Meta).
    name_simplified = models.CharField(max_length=60, editable=False)
    name_pinyin = models.CharField(max_length=200, editable=False)
    name_initials = models.CharField(max_length=60, editable=False)
    id_kind = models.CharField(_("document type"), max_length=1, choices=cl.ID_KIND.choices, default="1")
    id_number = models.CharField(_("ID number"), max_length=22, null=True, blank=True)
    disability_certificate = models.CharField(_("disability certificate number"), max_length=22, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=cl.SEX.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    relation = models.CharField(_("relation to the head"), max_length=2, choices=cl.RELATION.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITY.choices, blank=True)
    education = models.CharField(_("education"), max_length=1, choices=cl.EDUCATION.choices, blank=True)
    school_status = models.CharField(_("school status"), max_length=2, choices=cl.SCHOOL_STATUS.choices,
                                     blank=True)
    health = models.CharField(_("health"), max_length=1, choices=cl.HEALTH.choices, blank=True)
    labour = models.CharField(_("labour capacity"), max_length=1, choices=cl.LABOUR.choices, blank=True)
    work_location = models.CharField(_("work location"), max_length=1, choices=cl.WORK_LOCATION.choices,
                                     blank=True)
    work_months = models.PositiveSmallIntegerField(_("months worked"), null=True, blank=True)
    in_basic_medical = models.BooleanField(_("basic medical insurance"), null=True)
    in_critical_illness = models.BooleanField(_("critical illness insurance"), null=True)
    in_pension = models.BooleanField(_("rural resident pension"), null=True)
    in_employee_pension = models.BooleanField(_("employee pension"), null=True)
    on_dibao = models.BooleanField(_("minimum living allowance"), null=True)
    on_tekun = models.BooleanField(_("destitute-person support"), null=True)
    active_soldier = models.BooleanField(_("active soldier"), default=False)
    is_active = models.BooleanField(_("in the household"), default=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    area_paths = ("household__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household_id", "relation", "id"]
        constraints = [
            # One person is an active member of at most one household in the whole registry.
            models.UniqueConstraint(fields=["id_number"], condition=Q(is_active=True) & Q(id_number__isnull=False),
                                    name="member_id_number_active_unique"),
        ]
        # Names are searched by equality and by ranges (a pinyin prefix as >= and <), which plain indexes serve;
        # `db_index` would add a `_like` twin on PostgreSQL that no query uses and every insert of a million
        # members maintains (a fifth of the database server's time during an import).
        indexes = [models.Index(fields=["id_number"], name="member_id_number"),
                   models.Index(fields=["name_simplified"], name="member_name_simplified"),
                   models.Index(fields=["name_pinyin"], name="member_name_pinyin"),
                   models.Index(fields=["name_initials"], name="member_name_initials")]

    def __str__(self) -> str:
        return self.name


class MemberEvent(models.Model):
    """A dated join or leave (birth, marriage, death, move, split, merge): the history of who lived where."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="events")
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="member_events")
    kind = models.CharField(_("kind"), max_length=20, choices=cl.MEMBER_EVENT.choices)
    joined = models.BooleanField(_("joined"))
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    area_paths = ("household__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.member} {self.kind} {self.date}"


class HouseholdYear(TimeStampedModel):
    """One household's facts for one year: size, income ledger, conditions, indicators, year-end status.

    Statistics for year Y read year Y's rows, so a later year never overwrites an earlier one.
    """

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="years", db_index=False)  # household_year_unique leads with it
    year = models.PositiveSmallIntegerField(_("year"))
    size_start = models.PositiveSmallIntegerField(_("household size at year start"), null=True, blank=True)
    size_end = models.PositiveSmallIntegerField(_("household size at year end"))
    # Income ledger (yuan). Net income = wages + business + property + transfers − business expenses.
    wage_income = _money(_("wage income"))
    public_welfare_wage = _money(_("of which public-welfare job wages"))
    business_income = _money(_("business income"))
    property_income = _money(_("property income"))
    asset_dividend = _money(_("of which asset-income dividends"))
    transfer_income = _money(_("transfer income"))
    family_planning_subsidy = _money(_("of which family planning subsidy"))
    dibao_payment = _money(_("of which minimum living allowance"))
    tekun_payment = _money(_("of which destitute support"))
    pension_payment = _money(_("of which pensions"))
    eco_compensation = _money(_("of which ecological compensation"))
    other_transfer = _money(_("of which other transfers"))
    business_expense = _money(_("business expenses"))
    compliant_out_of_pocket = _money(_("compliant out-of-pocket expenditure"))
    net_income = _money(_("net income"))
    net_income_per_capita = _money(_("net income per capita"))
    # Production and living conditions (mu, km, m²).
    cultivated_land = _area(_("cultivated land (mu)"))
    irrigated_land = _area(_("irrigated land (mu)"))
    forest_land = _area(_("forest land (mu)"))
    returned_farmland = _area(_("farmland returned to forest (mu)"))
    orchard_land = _area(_("orchards (mu)"))
    pasture_land = _area(_("pasture (mu)"))
    water_area = _area(_("water surface (mu)"))
    in_cooperative = models.BooleanField(_("member of a cooperative"), null=True)
    production_power = models.BooleanField(_("power for production"), null=True)
    living_power = models.BooleanField(_("power for living"), null=True)
    broadcast_tv = models.BooleanField(_("radio and television"), null=True)
    road_distance_km = models.DecimalField(_("distance to the village road (km)"), max_digits=6, decimal_places=2,
                                           null=True, blank=True)
    road_type = models.CharField(_("access road"), max_length=1, choices=cl.ROAD_TYPE.choices, blank=True)
    housing_area = models.DecimalField(_("housing area (m²)"), max_digits=8, decimal_places=2, null=True,
                                       blank=True)
    housing_grade = models.CharField(_("housing safety grade"), max_length=1, choices=cl.HOUSING_GRADE.choices,
                                     blank=True)
    drinking_water_difficult = models.BooleanField(_("difficulty getting drinking water"), null=True)
    fuel = models.CharField(_("main fuel"), max_length=1, choices=cl.FUEL.choices, blank=True)
    sanitary_toilet = models.BooleanField(_("sanitary toilet"), null=True)
    # 两不愁三保障 and drinking water (None = not assessed).
    food_secure = models.BooleanField(_("no worry about food"), null=True)
    clothing_secure = models.BooleanField(_("no worry about clothing"), null=True)
    education_secure = models.BooleanField(_("compulsory education assured"), null=True)
    medical_secure = models.BooleanField(_("basic medical care assured"), null=True)
    housing_secure = models.BooleanField(_("safe housing assured"), null=True)
    water_secure = models.BooleanField(_("safe drinking water assured"), null=True)
    status = models.CharField(_("status at year end"), max_length=1, choices=cl.STATUS.choices)
    monitoring_category = models.CharField(_("monitoring category"), max_length=1, blank=True,
                                           choices=cl.MONITORING_CATEGORY.choices)

    area_paths = ("household__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household year")
        verbose_name_plural = _("household years")
        ordering = ["household_id", "year"]
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="household_year_unique")]
        indexes = [models.Index(fields=["year", "status"], name="household_year_status")]

    def __str__(self) -> str:
        return f"{self.household} {self.year}"


class StatusTransition(models.Model):
    """A household's status change: dated, attributable, with its evidence; never edited or deleted."""

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="transitions")
    from_status = models.CharField(_("from"), max_length=1, choices=cl.STATUS.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=1, choices=cl.STATUS.choices)
    effective_date = models.DateField(_("effective date"))
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True,
                              on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    area_paths = ("household__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("status transition")
        verbose_name_plural = _("status transitions")
        ordering = ["effective_date", "id"]

    def __str__(self) -> str:
        return f"{self.household} {self.from_status}→{self.to_status} {self.effective_date}"


class DuplicateCandidate(TimeStampedModel):
    """Two members without ID numbers who may be one person (same name, birth date and village): for review,
    never merged silently. `member` is the earlier record, `other` the later one."""

    class Decision(models.TextChoices):
        OPEN = "open", _("to review")
        MERGED = "merged", _("merged")
        DISTINCT = "distinct", _("different people")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(Member, verbose_name=_("possible duplicate"), on_delete=models.PROTECT,
                              related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    area_paths = ("member__household__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [models.UniqueConstraint(fields=["member", "other"], name="duplicate_pair_unique")]

    def __str__(self) -> str:
        return f"{self.member} ~ {self.other}"


class ConsistencyRuleSwitch(models.Model):
    """Turns a consistency rule (a warning, not a refusal) off or on for one province: policy is data."""

    rule = models.CharField(_("rule"), max_length=40)
    province_code = models.CharField(_("province code"), max_length=2)
    enabled = models.BooleanField(_("enabled"), default=False)

    class Meta:
        verbose_name = _("consistency rule switch")
        verbose_name_plural = _("consistency rule switches")
        constraints = [models.UniqueConstraint(fields=["rule", "province_code"], name="rule_switch_unique")]

    def __str__(self) -> str:
        return f"{self.rule} @ {self.province_code}: {self.enabled}"
