"""Pages of the helping side: an area's cards (assistance, funds, projects, people) with every figure and how it
was produced, the households cadres have not visited in time, project delays, work-team rotation gaps, a fund
document's trace and a household's plan. Reads go through each app's selectors, scoped to the user's areas."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.analytics.metrics import get_metric
from fupin.analytics.report import CARD_FIGURES, YUAN
from fupin.areas import selectors as area_selectors
from fupin.core.labels import record_type_label
from fupin.core.numbers import display
from fupin.core.pages import or_404, year_param

from .templatetags.fupin_numbers import column_unit, in_unit

CARD_TITLES = {"assistance": _("Household assistance"), "funds": _("Funds"), "projects": _("Projects"),
               "personnel": _("Work teams and cadres")}


@login_required
def helping(request, code: str):
    """The area's four cards for a year: every figure with its label, value and the records that produced it."""
    area, year = or_404(area_selectors.area_get, actor=request.user, code=code), year_param(request)
    computed_at, figures = _card_figures(request.user, area, year, fresh=bool(request.GET.get("fresh")))
    cards = []
    for name, wanted in CARD_FIGURES.items():
        rows = []
        # Amounts of one card in one unit (28.02 亿 beside 105.06 亿, never 280168.42 万 beside 105.06 亿).
        money_unit = column_unit([value for key, value, _source in figures[name]
                                  if key in wanted and str(wanted[key][1]) == str(YUAN)])
        for key, value, source in figures[name]:
            if key in wanted:
                label, unit = wanted[key]
                if value is None:
                    shown = ""
                elif str(unit) == str(YUAN):
                    shown = f"{in_unit(value, money_unit)} {money_unit}{unit}"
                else:
                    shown = display(value, str(unit))
                rows.append({"key": key, "label": label, "display": shown, "source": record_type_label(source)})
        cards.append({"name": name, "title": CARD_TITLES[name], "rows": rows})
    return render(request, "web/helping.html", {"area": area, "year": year, "cards": cards,
                                                "computed_at": computed_at})


CARDS_KEPT_SECONDS = 300


def _card_figures(actor, area, year: int, *, fresh: bool) -> tuple[datetime.datetime, dict]:
    """(when computed, metric → [(key, value, source)]) of the area's four cards. They are counted from the
    records (about 175 queries, 1.5 s for a province of the demo), so a result is kept for a few minutes and
    shown with its time; "recompute" asks for it again. Whoever may open the area sees all of it, so the figures
    do not depend on the user."""
    key = f"helping-cards:{area.code}:{year}"
    kept = None if fresh else cache.get(key)
    if kept is None:
        kept = (timezone.now(), {name: [(item["key"], item["value"], item["how"]["source"])
                                        for item in get_metric(name).figures(actor=actor, area_code=area.code,
                                                                             year=year)]
                                 for name in CARD_FIGURES})
        cache.set(key, kept, CARDS_KEPT_SECONDS)
    return kept
