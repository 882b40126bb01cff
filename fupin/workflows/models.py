"""Procedures as data (评议 → 公示 → 审核 → 审定 → 公告 …), their cases, and the insert-only decision ledger."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.areas.choices import AreaLevel
from fupin.core.models import TimeStampedModel


class Procedure(models.Model):
    class Subject(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        VILLAGE = "village", _("village")
        COUNTY = "county", _("county")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100)
    subject = models.CharField(_("subject"), max_length=10, choices=Subject.choices)
    effect = models.CharField(_("effect of the last step"), max_length=40,
                              help_text=_("What completing the procedure changes, e.g. household_exit."))
    max_days = models.PositiveSmallIntegerField(_("days allowed end to end"), null=True, blank=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh

    def steps_in_order(self):
        return list(self.steps.order_by("order"))


class ProcedureStep(models.Model):
    class Notice(models.TextChoices):
        NONE = "", _("no notice")
        PUBLICITY = "gongshi", _("public notice for objections (公示)")
        ANNOUNCEMENT = "gonggao", _("announcement (公告)")

    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE,
                                  related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level that decides"), choices=AreaLevel.choices)
    action = models.CharField(_("action needed"), max_length=20, default="approve")
    role = models.SlugField(_("role that decides"), max_length=40, blank=True)
    notice = models.CharField(_("notice"), max_length=8, choices=Notice.choices, blank=True)
    notice_min_days = models.PositiveSmallIntegerField(_("minimum notice days"), default=0)
    needs_evidence = models.BooleanField(_("evidence required"), default=False,
                                         help_text=_("e.g. the household's signed acknowledgement"))

    class Meta:
        verbose_name = _("procedure step")
        verbose_name_plural = _("procedure steps")
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="step_order_unique"),
            models.UniqueConstraint(fields=["procedure", "code"], name="step_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code}/{self.order} {self.name_zh}"


class Batch(TimeStampedModel):
    """A list submitted together (a township's exit list): each case still moves on its own."""

    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT,
                                  related_name="batches")
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")

    def __str__(self) -> str:
        return self.title


class Case(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("in progress")
        COMPLETED = "completed", _("completed")
        REJECTED = "rejected", _("rejected")

    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT,
                                  related_name="cases")
    batch = models.ForeignKey(Batch, verbose_name=_("batch"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="cases")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="cases")
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="cases",
                             help_text=_("The household's village, or the village or county itself."))
    year = models.PositiveSmallIntegerField(_("year"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    current_step = models.ForeignKey(ProcedureStep, verbose_name=_("current step"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("started on"))
    finished_on = models.DateField(_("finished on"), null=True, blank=True)
    resubmission_of = models.ForeignKey("self", verbose_name=_("resubmission of"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="resubmissions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "current_step"], name="case_status_step")]

    def __str__(self) -> str:
        return f"{self.procedure.code} #{self.pk}"

    @property
    def deadline(self):
        """The last day allowed by the procedure's time limit (monitoring identification: 15 days), if any."""
        if self.procedure.max_days is None:
            return None
        return self.started_on + datetime.timedelta(days=self.procedure.max_days)

    @property
    def overdue(self) -> bool:
        end = self.finished_on or timezone.localdate()
        return self.deadline is not None and end > self.deadline


class Decision(models.Model):
    """One decision on one step of one case. The ledger is insert-only: rows are never changed or deleted."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("approved")
        REJECT = "reject", _("rejected")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="decisions")
    step = models.ForeignKey(ProcedureStep, verbose_name=_("step"), on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("decision"), max_length=8, choices=Outcome.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
                              related_name="+")
    role = models.CharField(_("role"), max_length=40, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    decided_on = models.DateField(_("decided on"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case} {self.step.code} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("decisions are insert-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("decisions are insert-only")


class Notice(TimeStampedModel):
    """A public notice (公示 or 公告) of a step for a list of cases, with its period and where to object."""

    step = models.ForeignKey(ProcedureStep, verbose_name=_("step"), on_delete=models.PROTECT, related_name="+")
    cases = models.ManyToManyField(Case, verbose_name=_("cases"), related_name="notices")
    kind = models.CharField(_("kind"), max_length=8, choices=ProcedureStep.Notice.choices)
    title = models.CharField(_("title"), max_length=200)
    published_on = models.DateField(_("published on"), help_text=_("The date the notice states: today, or in "
                                                                   "history entry (补录) the date it was posted."))
    published_at = models.DateTimeField(_("recorded as published at"), default=timezone.now, editable=False,
                                        help_text=_("When the system recorded the publication."))
    entered_as_history = models.BooleanField(_("entered as history (补录)"), default=False, editable=False,
                                             help_text=_("Published in history entry: its period runs from the "
                                                         "stated date, not from the recorded one."))
    ends_on = models.DateField(_("objections until"))
    publisher = models.CharField(_("published by"), max_length=100)
    objection_contact = models.CharField(_("where to object"), max_length=300, blank=True)
    html = models.TextField(_("text (HTML)"))
    pdf = models.FileField(_("PDF"), upload_to="notices/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title

    @property
    def period_starts_on(self) -> datetime.date:
        """The first day of the notice's period: the day the system recorded the publication (a notice entered
        as history: the day it states, checked against its case's other dates when it was entered)."""
        if self.entered_as_history:
            return self.published_on
        return timezone.localtime(self.published_at).date()

    @property
    def period_ends_on(self) -> datetime.date:
        """The last day objections are taken: the notice's days counted from the start of its period."""
        return self.period_starts_on + (self.ends_on - self.published_on)


class Objection(TimeStampedModel):
    class Resolution(models.TextChoices):
        OPEN = "", _("not yet resolved")
        UPHELD = "upheld", _("upheld: the case stops")
        DISMISSED = "dismissed", _("dismissed: the case goes on")

    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="objections")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField(_("received on"))
    raised_by = models.CharField(_("raised by"), max_length=100, blank=True, help_text=_("May be anonymous."))
    content = models.TextField(_("objection"))
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True)
    resolution_note = models.CharField(_("finding"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    area_paths = ("case__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.case}: {self.content[:30]}"
