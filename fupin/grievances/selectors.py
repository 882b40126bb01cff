"""Reads of complaints: scoped to the handling office (models.py says who sees what), never to the cadre reported.

The reporter's identity is not read here for display: `confidential.ReporterView` decides and audits that."""

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr

from fupin.accounts.choices import Action
from fupin.accounts.models import AreaGrant, User
from fupin.accounts.scoping import can_anywhere
from fupin.areas.models import Area
from fupin.core import areacodes as codes
from fupin.core import temporal
from fupin.core.errors import NotFound

from .models import OPEN_STATUSES, CadreAccount, Category, Status, Ticket


def category_list(*, active_only: bool = True) -> QuerySet[Category]:
    categories = Category.objects.all()
    return categories.filter(active=True) if active_only else categories


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code, active=True).first()


def ticket_list(*, actor, action: str = Action.VIEW) -> QuerySet[Ticket]:
    return Ticket.objects.select_related("category", "area", "office").scoped(actor, action)


def ticket_get(*, actor, pk: int, action: str = Action.VIEW) -> Ticket:
    ticket = ticket_list(actor=actor, action=action).select_related(
        "household", "project", "fund_entry", "cadre", "objection", "created_by").filter(pk=pk).first()
    if ticket is None:
        raise NotFound()
    return ticket


def ticket_by_tracking_number(number: str) -> Ticket | None:
    """The public status check: the ticket a tracking number names (the page shows its status and dates only)."""
    number = (number or "").strip().upper().replace(" ", "")
    if not number:
        return None
    return Ticket.objects.select_related("category").filter(tracking_number=number).first()


def ticket_by_reference(reference: str) -> Ticket | None:
    return Ticket.objects.filter(reference=reference).first() if reference else None


def ticket_events(ticket: Ticket):
    return ticket.events.select_related("actor").order_by("recorded_at", "id")


def ticket_corrections(ticket: Ticket):
    return ticket.corrections.select_related("event", "linked_by").order_by("linked_at", "id")


def is_reported_cadre(actor, ticket: Ticket) -> bool:
    """Whether `actor` is the account of the cadre the ticket reports."""
    if ticket.cadre_id is None or actor is None or not getattr(actor, "pk", None):
        return False
    return CadreAccount.objects.filter(cadre_id=ticket.cadre_id, user_id=actor.pk).exists()


def office_for(area: Area, level: int) -> Area:
    """The area whose office handles a complaint about `area` at handling `level`: its ancestor at that level (the
    area itself when it is that level or above)."""
    if area.level <= level:
        return area
    code = codes.prefix_of(area.code, level).ljust(codes.CODE_LENGTH, "0")
    office = Area.objects.filter(code=code).first()
    if office is None:  # divisions loaded without the ancestor (never in a full load): the area's own office
        return area
    return office


def handlers_for(ticket: Ticket) -> list[User]:
    """The users a ticket is routed to: the active users holding `change` on exactly its office's area (directly or
    through a role), or, where nobody does, on the nearest area above it; never the cadre it reports."""
    office = ticket.office
    levels = range(office.level, 0, -1)
    ancestors = [codes.prefix_of(office.code, level).ljust(codes.CODE_LENGTH, "0") for level in levels]
    grants = list(AreaGrant.objects.filter(area_id__in=ancestors).select_related("user", "role"))
    excluded = set(CadreAccount.objects.filter(cadre_id=ticket.cadre_id).values_list("user_id", flat=True)
                   ) if ticket.cadre_id else set()
    for code in ancestors:
        users: dict[int, User] = {}
        for grant in grants:
            if grant.area_id != code or Action.CHANGE not in grant.actions:
                continue
            holders = [grant.user] if grant.user_id else list(grant.role.users.all())
            for user in holders:
                if user.is_active and user.pk not in excluded:
                    users[user.pk] = user
        if users:
            return sorted(users.values(), key=lambda user: user.username)
    return []


def handles_grievances(actor) -> bool:
    """Whether the user holds a complaints role: the right to see reporters' identities somewhere (the complaints
    officer's, and the administrator's); the home page, the dashboard and the inbox show them the complaints'
    panels."""
    return actor is not None and can_anywhere(actor, Action.VIEW_REPORTER)


def overdue_for(actor, *, on: datetime.date | None = None) -> QuerySet[Ticket]:
    """Tickets the actor handles (`change` on their office) that are not answered and past their deadline, the
    oldest deadline first: what the inbox lists."""
    on = on or temporal.today()
    return ticket_list(actor=actor, action=Action.CHANGE).filter(
        status__in=OPEN_STATUSES, deadline__lt=on).order_by("deadline", "id")


def timeliness_counts(tickets: QuerySet[Ticket], on: datetime.date) -> dict[str, int]:
    """Answered on time (by the deadline) or late; unanswered within the deadline (pending) or past it (overdue)."""
    answered = Q(answered_on__isnull=False)
    return tickets.aggregate(
        total=Count("id"),
        on_time=Count("id", filter=answered & Q(answered_on__lte=F("deadline"))),
        late=Count("id", filter=answered & Q(answered_on__gt=F("deadline"))),
        pending=Count("id", filter=Q(answered_on__isnull=True, deadline__gte=on)),
        overdue=Count("id", filter=Q(answered_on__isnull=True, deadline__lt=on)),
    )


def statistics(*, actor, area: Area | None = None, year: int | None = None,
               on: datetime.date | None = None) -> dict:
    """Counts by category, by the areas one level below `area` (or by province) and by timeliness, over the tickets
    the actor may see (received in `year` when given). Counts only: no reporter, no content."""
    on = on or temporal.today()
    tickets = Ticket.objects.scoped(actor, Action.VIEW)
    child_level = codes.Level.PROVINCE
    if area is not None:
        low, high = codes.code_range(area.prefix)
        tickets = tickets.filter(area_id__gte=low, area_id__lte=high)
        child_level = min(area.level + 1, codes.Level.VILLAGE)
    if year is not None:
        tickets = tickets.filter(received_on__year=year)
    answered = Q(answered_on__isnull=False)
    by_status = dict(tickets.order_by().values_list("status").annotate(n=Count("id")))
    categories = {row["category"]: row for row in tickets.order_by().values("category").annotate(
        total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(answered_on__isnull=True, deadline__lt=on)),
        on_time=Count("id", filter=answered & Q(answered_on__lte=F("deadline"))))}
    by_category = [{"category": category, **{k: categories.get(category.pk, {}).get(k, 0)
                                              for k in ("total", "open", "overdue", "on_time")}}
                   for category in Category.objects.all() if category.pk in categories or category.active]
    length = codes.PREFIX_LENGTH[child_level]
    areas = list(tickets.order_by().annotate(part=Substr("area_id", 1, length)).values("part").annotate(
        total=Count("id"), overdue=Count("id", filter=Q(answered_on__isnull=True, deadline__lt=on)),
        on_time=Count("id", filter=answered & Q(answered_on__lte=F("deadline")))).order_by("part"))
    names = dict(Area.objects.filter(code__in=[row["part"].ljust(codes.CODE_LENGTH, "0") for row in areas])
                 .values_list("code", "name"))
    by_area = [{"code": row["part"].ljust(codes.CODE_LENGTH, "0"),
                "name": names.get(row["part"].ljust(codes.CODE_LENGTH, "0"), row["part"]),
                "total": row["total"], "overdue": row["overdue"], "on_time": row["on_time"]} for row in areas]
    return {"on": on, "year": year, "by_status": {status: by_status.get(status, 0) for status in Status.values},
            "by_category": by_category, "by_area": by_area, "timeliness": timeliness_counts(tickets, on)}
