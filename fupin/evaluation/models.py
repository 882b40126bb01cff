"""Third-party evaluation (第三方评估) of a county's exit: the sampling frame drawn from a seed, the questionnaire
as versioned data, the interviews, and the appeals with evidence (申诉举证) that can change a household's finding.

The figures (三率一度) are not stored: `figures.py` computes them from the interviews and the decided appeals, so an
upheld appeal changes them at once. See docs/adr/0009-third-party-evaluation.md for the design and estimators.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core.codelists import localized
from fupin.core.models import TimeStampedModel


class Stratum(models.TextChoices):
    EXIT = "exit", _("planned to exit")
    ORDINARY = "ordinary", _("ordinary household")


class Questionnaire(models.Model):
    """A questionnaire version: questions as data (data/questionnaires.json). An evaluation keeps the version it
    started with; a changed questionnaire is a new version, never an edit of one in use."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=150)
    questions = models.JSONField(_("questions"), default=list)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code", "version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="questionnaire_version_unique")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)


class Evaluation(TimeStampedModel):
    """One evaluation of a county for a year: the design asked for (seed, villages, ordinary households per
    village) and what the frame held (villages_total)."""

    class Status(models.TextChoices):
        FIELDWORK = "fieldwork", _("fieldwork and appeals")
        CONCLUDED = "concluded", _("concluded")

    area = models.ForeignKey("areas.Area", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    seed = models.BigIntegerField(_("random seed"))
    villages_requested = models.PositiveIntegerField(_("villages to sample"), null=True, blank=True,
                                                     help_text=_("Empty: every village of the frame."))
    ordinary_per_village = models.PositiveIntegerField(_("ordinary households per village"))
    villages_total = models.PositiveIntegerField(_("villages in the frame"), default=0)
    questionnaire = models.ForeignKey(Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT,
                                      related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.FIELDWORK)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    concluded_figures = models.JSONField(_("figures at conclusion"), null=True, blank=True)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("third-party evaluation")
        verbose_name_plural = _("third-party evaluations")
        ordering = ["-year", "area_id", "id"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year} #{self.pk}"


class SampledVillage(models.Model):
    """A village drawn at the first stage, with the sizes of its two household strata in the frame."""

    evaluation = models.ForeignKey(Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE,
                                   related_name="villages")
    area = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    exit_households = models.PositiveIntegerField(_("households planned to exit"))
    ordinary_households = models.PositiveIntegerField(_("ordinary households"))
    ordinary_sampled = models.PositiveIntegerField(_("ordinary households sampled"))

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sampled village")
        verbose_name_plural = _("sampled villages")
        ordering = ["evaluation_id", "area_id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "area"], name="sampled_village_unique")]

    def __str__(self) -> str:
        return f"{self.evaluation_id}:{self.area_id}"


class SampleEntry(models.Model):
    """A household in the sample: its stratum and its design weight (1 / inclusion probability)."""

    evaluation = models.ForeignKey(Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE,
                                   related_name="entries")
    village = models.ForeignKey(SampledVillage, verbose_name=_("village"), on_delete=models.CASCADE,
                                related_name="entries")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="+")
    area_code = models.CharField(_("village code"), max_length=12, db_index=True)
    stratum = models.CharField(_("stratum"), max_length=8, choices=Stratum.choices)
    weight = models.DecimalField(_("design weight"), max_digits=16, decimal_places=6)
    position = models.PositiveIntegerField(_("order drawn"))

    area_paths = ("area_code",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sample entry")
        verbose_name_plural = _("sample entries")
        ordering = ["evaluation_id", "position"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "household"], name="sample_entry_unique")]

    def __str__(self) -> str:
        return f"{self.evaluation_id}:{self.household_id}"


class Interview(TimeStampedModel):
    """The answers given by a sampled household, checked against the evaluation's questionnaire version."""

    entry = models.OneToOneField(SampleEntry, verbose_name=_("sample entry"), on_delete=models.CASCADE,
                                 related_name="interview")
    questionnaire = models.ForeignKey(Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT,
                                      related_name="+")
    answers = models.JSONField(_("answers"), default=dict)
    interviewed_on = models.DateField(_("interviewed on"))
    interviewer = models.CharField(_("interviewer"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["entry_id"]

    def __str__(self) -> str:
        return f"{self.entry_id}"


class Finding(models.TextChoices):
    """What the evaluation found on a household, which the county may contest."""

    WRONG_EXIT = "wrong_exit", _("wrongly exited (错退)")
    MISSED = "missed", _("missed in identification (漏评)")
    NOT_RECOGNISED = "not_recognised", _("does not recognise the work (不认可)")


class Appeal(TimeStampedModel):
    """申诉举证: the county contests a finding on a sampled household with evidence; an upheld appeal reverses the
    finding, and so changes the figures and perhaps the verdict."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        UPHELD = "upheld", _("upheld")
        REJECTED = "rejected", _("rejected")

    entry = models.ForeignKey(SampleEntry, verbose_name=_("sample entry"), on_delete=models.CASCADE,
                              related_name="appeals")
    area_code = models.CharField(_("village code"), max_length=12, db_index=True)
    finding = models.CharField(_("finding contested"), max_length=16, choices=Finding.choices)
    evidence = models.TextField(_("evidence"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason for the decision"), max_length=500, blank=True)

    area_paths = ("area_code",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["entry_id", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.finding} {self.status}"


class AppealEvidence(models.Model):
    """A file supporting an appeal (a bank statement, a housing certificate, a photo)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="evaluation/appeals/")
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("appeal evidence")
        verbose_name_plural = _("appeal evidence")
        ordering = ["appeal_id", "id"]

    def __str__(self) -> str:
        return self.file.name


# Roster-based evaluation of today (巩固脱贫成果后评估-style) --------------------------------------------------------
class RosterHousehold(TimeStampedModel):
    """A household of a village's full household roster (农户花名册) for a year, imported: every rural household,
    registered or not, so a sample drawn from it can estimate 漏评 / 漏监测. `household` is the registry household
    its head's ID number names (none: not in the registry)."""

    village = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.CharField(_("roster number"), max_length=40)
    head_name = models.CharField(_("head of household"), max_length=60)
    head_id_number = models.CharField(_("head's ID number"), max_length=22, blank=True)
    persons = models.PositiveSmallIntegerField(_("persons"))
    household = models.ForeignKey("registry.Household", verbose_name=_("registered household"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    area_paths = ("village",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster household")
        verbose_name_plural = _("roster households")
        ordering = ["village_id", "year", "number"]
        constraints = [models.UniqueConstraint(fields=["village", "year", "number"], name="roster_household_unique")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year} {self.number}"


class RosterSurvey(TimeStampedModel):
    """A sample survey of a county's village rosters for a year: villages by SRSWOR, then roster households by
    SRSWOR in each (the design of sampling.draw, one stratum), drawn from a seed."""

    area = models.ForeignKey("areas.Area", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    seed = models.BigIntegerField(_("random seed"))
    villages_requested = models.PositiveIntegerField(_("villages to sample"), null=True, blank=True,
                                                     help_text=_("Empty: every village with a roster."))
    households_per_village = models.PositiveIntegerField(_("households per village"))
    villages_total = models.PositiveIntegerField(_("villages in the frame"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster survey")
        verbose_name_plural = _("roster surveys")
        ordering = ["-year", "area_id", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "year", "seed"], name="roster_survey_unique")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year} #{self.pk}"


class RosterVillage(models.Model):
    """A village drawn at the first stage, with its roster size (M) and the households drawn (m)."""

    survey = models.ForeignKey(RosterSurvey, verbose_name=_("roster survey"), on_delete=models.CASCADE,
                               related_name="villages")
    area = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    roster_households = models.PositiveIntegerField(_("households on the roster"))
    sampled = models.PositiveIntegerField(_("households sampled"))

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster survey village")
        verbose_name_plural = _("roster survey villages")
        ordering = ["survey_id", "area_id"]
        constraints = [models.UniqueConstraint(fields=["survey", "area"], name="roster_village_unique")]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.area_id}"


class RosterEntry(models.Model):
    """A roster household drawn, with what the registry said of it when drawn (registered, monitored) and what the
    surveyors found (should it be registered / monitored); unsurveyed entries are non-response."""

    survey = models.ForeignKey(RosterSurvey, verbose_name=_("roster survey"), on_delete=models.CASCADE,
                               related_name="entries")
    village = models.ForeignKey(RosterVillage, verbose_name=_("village"), on_delete=models.CASCADE,
                                related_name="entries")
    roster = models.ForeignKey(RosterHousehold, verbose_name=_("roster household"), on_delete=models.PROTECT,
                               related_name="+")
    area_code = models.CharField(_("village code"), max_length=12, db_index=True)
    weight = models.DecimalField(_("design weight"), max_digits=16, decimal_places=6)
    position = models.PositiveIntegerField(_("order drawn"))
    registered = models.BooleanField(_("registered when drawn"))
    monitored = models.BooleanField(_("monitored when drawn"))
    should_register = models.BooleanField(_("should be registered"), null=True)
    should_monitor = models.BooleanField(_("should be monitored"), null=True)
    surveyed_on = models.DateField(_("surveyed on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    area_paths = ("area_code",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster sample entry")
        verbose_name_plural = _("roster sample entries")
        ordering = ["survey_id", "position"]
        constraints = [models.UniqueConstraint(fields=["survey", "roster"], name="roster_entry_unique")]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.roster_id}"
