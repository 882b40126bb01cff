"""The data-quality dashboard of an area (筛查 → 整改 → 再筛查): open findings by the areas below and by rule, and
the open findings themselves, a page at a time. Reads go through the quality selectors, scoped to the user."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from fupin.areas import selectors as area_selectors
from fupin.core.pages import or_404

from . import selectors
from .filtersets import FindingFilterSet

PAGE_SIZE = 100


@login_required
def findings(request, code: str):
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    filters = FindingFilterSet(request.GET, queryset=selectors.finding_list(
        actor=request.user, area_code=area.code, status=None), request=request)
    valid = filters.is_valid()
    if not valid:
        messages.error(request, filters.error_text())
    chosen = filters.form.cleaned_data if valid else {}
    year, rule = chosen.get("year"), chosen.get("rule") or None
    summary = selectors.finding_summary(actor=request.user, area_code=area.code, year=year)
    rules = {r.code: r for r in selectors.rule_list()}
    names = dict(area_selectors.division_list().filter(code__in={row["area"] for row in summary}).values_list(
        "code", "name"))
    by_area: dict[str, dict] = {}
    by_rule: dict[str, int] = {}
    for row in summary:
        entry = by_area.setdefault(row["area"], {"code": row["area"], "name": names.get(row["area"], row["area"]),
                                                 "open": 0})
        entry["open"] += row["open"]
        by_rule[row["rule"]] = by_rule.get(row["rule"], 0) + row["open"]
    listed = (filters.qs if valid else filters.queryset.none()).order_by("area_code", "rule_id", "id")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "quality/quality.html", {
        "area": area, "year": year, "rule": rule, "areas": sorted(by_area.values(), key=lambda e: e["code"]),
        "rules": [{"code": code, "title": rules[code].title if code in rules else code, "open": count}
                  for code, count in sorted(by_rule.items(), key=lambda item: -item[1])],
        "page": page, "findings": [{"finding": f, "message": selectors.finding_message(f)} for f in page],
        "total": sum(by_rule.values()), "query": query.urlencode()}, status=200 if valid else 400)
