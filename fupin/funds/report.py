"""The funds figures of an area's report card for a year (the second seed's fund shares): the shares of
fiscal poverty funds, revolving funds and re-lending allocated to deep-poverty counties, the growth of re-lending
to them, and the year's allocated, arrived and spent totals. Every figure says which entries and filters made it."""

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code
from fupin.core.figures import Figures

from .models import FundEntry
from .selectors import effective, share_to_designated, total, within_area

DEEP = "deep_poverty_county"
# (figure key, the sources as a group code of data/fund_sources.json)
SHARES = (("share_fiscal_to_deep", "fiscal_poverty"), ("share_revolving_to_deep", "revolving"),
          ("share_relending_to_deep", "relending"))


def funds_figures(*, actor, area_code: str, year: int) -> list[dict]:
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    figures = Figures(period={"area": area.code, "year": year})
    for key, group in SHARES:
        result = share_to_designated(actor=actor, area_code=area.code, year=year, sources=group,
                                     designation_type=DEEP)
        figures.add(key, result["share"], "funds.fundentry", kind="allocate", sources=group, designation=DEEP,
                    year_of="document", designated=result["designated"], total=result["total"])
    this_year = share_to_designated(actor=actor, area_code=area.code, year=year, sources="relending",
                                    designation_type=DEEP)["designated"]
    last_year = share_to_designated(actor=actor, area_code=area.code, year=year - 1, sources="relending",
                                    designation_type=DEEP)["designated"]
    figures.add("relending_increase_deep", this_year - last_year, "funds.fundentry", kind="allocate",
                sources="relending", designation=DEEP, compared_with=year - 1)
    entries = FundEntry.objects.filter(within_area("area", area), document__year=year)
    # 定点帮扶: what the designated-assistance units put into the area (the seed's 13.35 亿).
    invested = entries.filter(effective("allocate"), document__source="paired_unit")
    figures.add("designated_units_invested", total(invested), "funds.fundentry", kind="allocate",
                sources="paired_unit", year_of="document")
    for key, kind in (("allocated", "allocate"), ("arrived", "arrive"), ("spent", "spend")):
        figures.add(key, total(entries.filter(effective(kind))), "funds.fundentry", kind=kind, year_of="document")
    return figures.items
