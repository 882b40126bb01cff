"""Complaints and reports (信访, the 12317 poverty-alleviation supervision hotline): tickets, their lifecycle, the
corrections they led to, and the link from a cadre's record to the account the cadre logs in with.

Routing. A ticket concerns an area (a village, a township, a county …) and is handled by the office of the area at
its category's handling level (data on the category; the county's 扶贫办 by default): `office` is that ancestor
area, stored when the ticket is filed. Who sees and handles it:
- it is visible to users holding `view` on the office's area or above it (the office and the levels supervising
  it), and to the user who filed it; a village's or a township's own grants do not reach a county office, so a
  complaint about a village is never shown to that village's cadres;
- it is routed to (`selectors.handlers_for`) the users holding `change` on exactly the office's area, or, where
  none does, on the nearest area above it;
- a report about a cadre (`Ticket.cadre`) is never routed to nor visible to that cadre: the cadre's account is
  found through `CadreAccount` (a cadre's record and a user share no ID number field, so an administrator links
  them; a link is one-to-one), and tickets naming the cadre are taken out of that user's reads and handling.

The reporter's identity (name, phone, ID number) is confidential: see `confidential.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet, reach
from fupin.core.codelists import to_traditional
from fupin.core.models import TimeStampedModel
from fupin.rules.models import Certainty


class HandlingLevel(models.IntegerChoices):
    TOWNSHIP = 4, _("township")
    COUNTY = 3, _("county")
    PREFECTURE = 2, _("prefecture")
    PROVINCE = 1, _("province")


class Category(models.Model):
    """What a complaint is about, with its handling deadline: data (seeded with their sources by a migration, more
    added in the admin), never constants."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=60)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=60, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    deadline_days = models.PositiveSmallIntegerField(_("days to reply"))
    handling_level = models.PositiveSmallIntegerField(_("handling level"), choices=HandlingLevel.choices,
                                                      default=HandlingLevel.COUNTY)
    certainty = models.CharField(_("certainty"), max_length=1, choices=Certainty.choices, default=Certainty.UNVERIFIED)
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        language = (get_language() or "zh-hans").lower()
        if language.startswith("en"):
            return self.name_en
        if language in {"zh-hant", "zh-tw", "zh-hk"}:
            return self.name_zh_hant or to_traditional(self.name_zh_hans)
        return self.name_zh_hans


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12317 hotline")
    LETTER = "letter", _("letter")
    VISIT = "visit", _("visit in person")
    ONLINE = "online", _("online form")
    INSPECTION = "inspection", _("inspection or audit finding")
    NOTICE_OBJECTION = "notice_objection", _("objection to a public notice")


class Status(models.TextChoices):
    RECEIVED = "received", _("received")
    ACCEPTED = "accepted", _("accepted")
    INVESTIGATING = "investigating", _("under investigation")
    REPLIED = "replied", _("replied")
    RATED = "rated", _("satisfaction recorded")
    CLOSED = "closed", _("closed")
    NOT_ACCEPTED = "not_accepted", _("not accepted")


OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED, Status.INVESTIGATING)  # not yet answered: the deadline runs


class Finding(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("substantiated")
    PARTLY = "partly", _("partly substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("not substantiated")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY = "basically", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")
    UNREACHABLE = "unreachable", _("reporter anonymous or not reachable")


class TicketQuerySet(ScopedQuerySet):
    def scoped(self, actor, action: str):
        """Tickets whose handling office lies where the actor may do `action` (the office or a level above it),
        and the ones the actor filed; never one about the cadre the actor is."""
        if not (getattr(actor, "is_authenticated", False) and actor.is_active):
            return self.none()
        granted = reach(actor, action)
        # An empty Q (everywhere) or'ed with another is that other one alone: everywhere filters nothing here.
        rows = self if granted.everywhere else self.filter(self.reach_condition(granted) | Q(created_by=actor))
        return rows.exclude(cadre__account__user=actor)


class Ticket(TimeStampedModel):
    """One complaint or report (信访件), from receipt to closure."""

    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True, db_index=True,
                                 help_text=_("The hotline's or letter office's own number, if any."))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="tickets")
    area = models.ForeignKey("areas.Area", verbose_name=_("area concerned"), on_delete=models.PROTECT,
                             related_name="+")
    office = models.ForeignKey("areas.Area", verbose_name=_("handling office"), on_delete=models.PROTECT,
                               related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("household concerned"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("projects.Project", verbose_name=_("project concerned"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    fund_entry = models.ForeignKey("funds.FundEntry", verbose_name=_("fund entry concerned"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    cadre = models.ForeignKey("personnel.Cadre", verbose_name=_("cadre reported"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    objection = models.OneToOneField("workflows.Objection", verbose_name=_("objection to a notice"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(_("summary"), max_length=200)
    content = models.TextField(_("content"))
    # Confidential (confidential.py): never in lists, exports, statistics, audit trails or PDFs.
    reporter_name = models.CharField(_("reporter's name"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    reporter_id_number = models.CharField(_("reporter's ID number"), max_length=18, blank=True)
    received_on = models.DateField(_("received on"))
    deadline = models.DateField(_("reply due"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    not_accepted_reason = models.CharField(_("reason not accepted"), max_length=500, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True,
                                   help_text=_("The reply, or the decision not to accept: what the deadline is for."))
    finding = models.CharField(_("finding"), max_length=16, choices=Finding.choices, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   help_text=_("Empty: filed by the public form or from an objection."))

    area_paths = ("office",)  # seen where its handling office is (see the module's docstring)
    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["office", "status", "deadline"], name="ticket_office_status")]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.summary[:30]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue_on(self, day) -> bool:
        return self.is_open and day > self.deadline


class TicketEvent(models.Model):
    """One step of a ticket's lifecycle (insert-only): what the ticket's page shows as its history."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    area_paths = ("ticket__office",)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")
        ordering = ["ticket_id", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.status} {self.on}"


class TicketCorrection(models.Model):
    """A correction to a record that a complaint led to. The correction itself is made through the record's own
    service (the household's, the project's, the fund ledger's …), which audits it; the ticket links that audit
    event, so the link proves the change went through the rules and names what changed."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("complaint"), on_delete=models.PROTECT,
                               related_name="corrections")
    event = models.ForeignKey("audit.AuditEvent", verbose_name=_("audited change"), on_delete=models.PROTECT,
                              related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("linked by"), on_delete=models.PROTECT,
                                  related_name="+")
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    area_paths = ("ticket__office",)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction from a complaint")
        verbose_name_plural = _("corrections from complaints")
        constraints = [models.UniqueConstraint(fields=["ticket", "event"], name="ticket_correction_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.event_id}"


class CadreAccount(models.Model):
    """The account a cadre logs in with: reports about the cadre are kept from it."""

    cadre = models.OneToOneField("personnel.Cadre", verbose_name=_("cadre"), on_delete=models.CASCADE,
                                 related_name="account")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="cadre_link")
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    area_paths = ("cadre__area",)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cadre's account")
        verbose_name_plural = _("cadres' accounts")

    def __str__(self) -> str:
        return f"{self.cadre} ↔ {self.user}"
