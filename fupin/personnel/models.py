"""The people of the helping side (驻村帮扶): cadres, village work teams and their members, leaders' contact areas,
attendance, training and appraisal.

First secretaries (第一书记) are team memberships with role "first_secretary", not a model of their own: they are
dispatched to one village for a term inside a work team's term, check in like the other members, and are rotated
like them, so one model gives the rotation gaps, attendance and counts for both; a dedicated model would repeat
the dates, the cadre and the village and need every rule twice. A membership keeps its own dispatch level because
a first secretary is often sent by a different level than the team's lead unit.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet, reach
from fupin.core.models import TimeStampedModel
from fupin.registry import codelists as registry_codes

from . import codelists as cl


class CadreQuerySet(ScopedQuerySet):
    def scoped(self, actor, action: str):
        """Cadres kept in the actor's areas, or serving in a team or contacting an area there."""
        granted = reach(actor, action)
        if granted.everywhere:
            return self
        serving = TeamMembership.objects.filter(granted.condition("team__village"), cadre=OuterRef("pk"))
        contacting = ContactLeader.objects.filter(granted.condition("area"), cadre=OuterRef("pk"))
        return self.filter(granted.condition("area") | Exists(serving) | Exists(contacting))


class Cadre(TimeStampedModel):
    """A cadre who serves in a team, contacts an area or is trained or appraised here. `area` is the area whose
    office keeps the record (who may change it); the cadre is also visible wherever they serve."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area keeping the record"), on_delete=models.PROTECT,
                             related_name="+")
    name = models.CharField(_("name"), max_length=60)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    sex = models.CharField(_("sex"), max_length=1, choices=registry_codes.SEX.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    unit = models.ForeignKey("cooperation.Party", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    unit_name = models.CharField(_("unit name"), max_length=120, blank=True)
    position = models.CharField(_("position"), max_length=120, blank=True)
    party_member = models.BooleanField(_("Communist Party member"), default=False)


    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ServingQuerySet(ScopedQuerySet):
    def serving_on(self, day, prefix: str = ""):
        """Rows whose term (start, end or open) covers `day`; `prefix` reaches the dates through a relation."""
        return self.filter(**{f"{prefix}start_date__lte": day}).filter(
            Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day}))


class WorkTeam(TimeStampedModel):
    """驻村工作队: one dispatching unit's team in one village for a term. One team serves a village at a time;
    rotation (压茬轮换) is the next team starting the day after the last one ends."""

    village = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT,
                                related_name="+")
    unit = models.ForeignKey("cooperation.Party", verbose_name=_("dispatching unit"), on_delete=models.PROTECT,
                             related_name="+")
    dispatch_level = models.CharField(_("dispatch level"), max_length=12, choices=cl.DISPATCH_LEVEL.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Empty while serving."))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ServingQuerySet.as_manager()

    area_paths = ("village",)  # where its area is, for .scoped(actor, action)

    class Meta:
        verbose_name = _("village work team")
        verbose_name_plural = _("village work teams")
        ordering = ["village_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="work_team_end_not_before_start"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.start_date}–{self.end_date or ''}"


class TeamMembership(TimeStampedModel):
    """A cadre's term in a team in one role. An open end means "until the team ends"."""

    team = models.ForeignKey(WorkTeam, verbose_name=_("work team"), on_delete=models.PROTECT,
                             related_name="memberships")
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=cl.TEAM_ROLE.choices, default="member")
    dispatch_level = models.CharField(_("dispatch level"), max_length=12, choices=cl.DISPATCH_LEVEL.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    objects = ServingQuerySet.as_manager()

    area_paths = ("team__village",)  # where its area is, for .scoped(actor, action)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="membership_end_not_before_start"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} ({self.role})"


class ContactLeader(TimeStampedModel):
    """包村/联系领导: a leader's contact village or county for a term."""

    cadre = models.ForeignKey(Cadre, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="contacts")
    level = models.CharField(_("level"), max_length=12, choices=cl.LEADER_LEVEL.choices)
    area = models.ForeignKey("areas.Area", verbose_name=_("area contacted"), on_delete=models.PROTECT,
                             related_name="+")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    objects = ServingQuerySet.as_manager()

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)

    class Meta:
        verbose_name = _("contact leader")
        verbose_name_plural = _("contact leaders")
        ordering = ["area_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="contact_end_not_before_start"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.area_id}"


class CheckIn(TimeStampedModel):
    """A day a member was present in the village (打卡), optionally with where the phone was."""

    membership = models.ForeignKey(TeamMembership, verbose_name=_("membership"), on_delete=models.PROTECT,
                                   related_name="check_ins")
    day = models.DateField(_("day"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # The position compared with the village's location by the check-in service (fupin.areas.locations): far is
    # flagged, never refused.
    distance_m = models.PositiveIntegerField(_("distance from the village (m)"), null=True, blank=True)
    far_from_village = models.BooleanField(_("far from the village"), default=False)

    area_paths = ("membership__team__village",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["membership_id", "day"]
        constraints = [models.UniqueConstraint(fields=["membership", "day"], name="one_check_in_per_day")]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.day}"


class TrainingProgramme(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey("areas.Area", verbose_name=_("organiser area"), on_delete=models.PROTECT,
                             related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=cl.TRAINING_KIND.choices)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=16, decimal_places=2, default=Decimal("0.00"))
    # The helping unit that runs it (a central unit's training for its paired counties), if not the area itself.
    organiser = models.ForeignKey("cooperation.Party", verbose_name=_("organised by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["year", "name", "id"]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class Trainee(TimeStampedModel):
    """One person in one programme: a registered member or a cadre, never both."""

    programme = models.ForeignKey(TrainingProgramme, verbose_name=_("programme"), on_delete=models.PROTECT,
                                  related_name="trainees")
    member = models.ForeignKey("registry.Member", verbose_name=_("member"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="trainings")
    completed = models.BooleanField(_("completed"), default=False)
    moved_into_job = models.BooleanField(_("moved into a job"), default=False)
    job_date = models.DateField(_("in a job since"), null=True, blank=True)

    area_paths = ("programme__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["programme_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(member__isnull=True, cadre__isnull=False)
                                   | Q(member__isnull=False, cadre__isnull=True), name="trainee_member_xor_cadre"),
            models.UniqueConstraint(fields=["programme", "member"], condition=Q(member__isnull=False),
                                    name="trainee_member_once_per_programme"),
            models.UniqueConstraint(fields=["programme", "cadre"], condition=Q(cadre__isnull=False),
                                    name="trainee_cadre_once_per_programme"),
        ]


class AppraisalScheme(TimeStampedModel):
    """考核办法 of one year for one kind of subject: indicators with weights summing to 100 and grade thresholds,
    both as data ([{code, zh, en, weight}], [{code, zh, en, min}]). The code names the scheme in workbooks (the
    scores of a scheme are imported against it); a scheme kept only through the API or the web may have none."""

    code = models.CharField(_("code"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    subject_kind = models.CharField(_("subject kind"), max_length=8, choices=cl.SUBJECT_KIND.choices)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    indicators = models.JSONField(_("indicators"), default=list)
    grades = models.JSONField(_("grades"), default=list)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal scheme")
        verbose_name_plural = _("appraisal schemes")
        ordering = ["year", "area_id", "subject_kind", "id"]
        constraints = [models.UniqueConstraint(fields=["code"], condition=~Q(code=""),
                                               name="appraisal_scheme_code_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class AppraisalScore(TimeStampedModel):
    """One subject's scores under a scheme; total and grade are computed by the service from the scheme."""

    scheme = models.ForeignKey(AppraisalScheme, verbose_name=_("scheme"), on_delete=models.PROTECT,
                               related_name="scores")
    team = models.ForeignKey(WorkTeam, verbose_name=_("work team"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    unit = models.ForeignKey("cooperation.Party", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    scores = models.JSONField(_("scores per indicator"), default=dict)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=20)

    area_paths = ("scheme__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal score")
        verbose_name_plural = _("appraisal scores")
        ordering = ["scheme_id", "-total", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False, unit__isnull=True, cadre__isnull=True)
                | Q(team__isnull=True, unit__isnull=False, cadre__isnull=True)
                | Q(team__isnull=True, unit__isnull=True, cadre__isnull=False),
                name="appraisal_one_subject"),
            models.UniqueConstraint(fields=["scheme", "team"], condition=Q(team__isnull=False),
                                    name="appraisal_team_once"),
            models.UniqueConstraint(fields=["scheme", "unit"], condition=Q(unit__isnull=False),
                                    name="appraisal_unit_once"),
            models.UniqueConstraint(fields=["scheme", "cadre"], condition=Q(cadre__isnull=False),
                                    name="appraisal_cadre_once"),
        ]
