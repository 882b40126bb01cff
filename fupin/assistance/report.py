"""Figures of household assistance for an area and a year (the second seed's 生态扶贫, 易地搬迁 and 金融扶贫
paragraphs; 五个一批 counts): each figure names the records and filters that produced it."""

import datetime

from django.db.models import Count, F, Q, Sum

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code
from fupin.core.figures import Figures
from fupin.core.records import money_sum
from fupin.registry.models import Member

from . import codelists as cl
from .models import DeliveredMeasure, Loan, OriginVillage, Relending, Relocation


def persons_reached(measures) -> int:
    """Distinct persons a set of delivered measures reached: the member named, or every member of the household
    when the measure went to the household as a whole."""
    named = set(measures.exclude(member__isnull=True).values_list("member_id", flat=True))
    whole = measures.filter(member__isnull=True).values("household_id")
    named.update(Member.objects.filter(household_id__in=whole, is_active=True).values_list("id", flat=True))
    return len(named)


def assistance_figures(*, actor, area_code: str, year: int) -> list[dict]:
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    figures = Figures({"area": area.code, "from": start, "to": end})
    inside = Q(household__area__code__startswith=area.prefix)

    delivered = DeliveredMeasure.objects.filter(inside, delivered_on__range=(start, end))
    figures.add("ecological_persons", persons_reached(delivered.filter(measure_type__ecological=True)),
                "assistance.delivered", measure_ecological=True, distinct="person")
    figures.add("households_by_batch", {
        batch: delivered.filter(measure_type__batch=batch).values("household").distinct().count()
        for batch in cl.BATCH.values}, "assistance.delivered", group="measure_type.batch", distinct="household")
    figures.add("measures_amount", money_sum(delivered, "amount"),
                "assistance.delivered")

    loans = Loan.objects.filter(inside, issued_on__range=(start, end))
    figures.add("loans_amount", money_sum(loans, "amount"), "assistance.loan",
                date="issued_on")
    figures.add("loans_households", loans.values("household").distinct().count(), "assistance.loan",
                date="issued_on", distinct="household")
    figures.add("loans_overdue", Loan.objects.filter(inside, issued_on__lte=end, due_on__lt=end).filter(
        repaid_amount__lt=F("amount")).count(), "assistance.loan", status="overdue", on=end)
    relending = Relending.objects.filter(area__code__startswith=area.prefix, issued_on__range=(start, end))
    figures.add("relending_amount", money_sum(relending, "amount"),
                "assistance.relending", date="issued_on")

    villages = OriginVillage.objects.filter(area__code__startswith=area.prefix)
    for prefix, group in (("origin_villages", villages), ("deep_origin_villages", villages.filter(deep_poverty=True))):
        steps = group.aggregate(total=Count("id", distinct=True), **{
            action: Count("id", distinct=True, filter=Q(actions__action=action, actions__on__lte=end))
            for action in cl.ORIGIN_ACTION_ORDER})
        deep = {"deep_poverty": True} if prefix.startswith("deep") else {}
        figures.add(prefix, steps.pop("total"), "assistance.origin_village", **deep)
        for action, count in steps.items():
            figures.add(f"{prefix}_{action}", count, "assistance.origin_action", action=action, on_or_before=end,
                        **deep)
    relocated = Relocation.objects.filter(inside, moved_on__range=(start, end))
    moved = relocated.aggregate(households=Count("id"), persons=Sum("persons"))
    figures.add("relocated_households", moved["households"], "assistance.relocation", date="moved_on")
    figures.add("relocated_persons", moved["persons"] or 0, "assistance.relocation", date="moved_on")
    return figures.items
