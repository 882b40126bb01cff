"""The report card (成绩单): the figures a province or county reports, each saying how it was computed.

Registry figures come from metrics (with the engine and snapshot they were read from); area exits come from
designations. Helping-side figures (funds, projects, pairings, labour transfer, talent) join as those apps land:
each is one more Figure here.
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.db.models import Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from fupin.areas.codes import CODE_LENGTH
from fupin.areas.models import Area, AreaDesignation
from fupin.cooperation.report import east_west_card
from fupin.core.numbers import large_number, percent
from fupin.registry import codelists as cl

from .engines import get_engine
from .metrics import get_metric
from .models import SnapshotPartition
from .selectors import stats_query

POOR_VILLAGE = ("poor_village",)
POOR_COUNTY = ("poor_county", "key_county", "contiguous_area_county")


@dataclass
class Figure:
    key: str
    label: str
    value: float | int | None
    unit: str
    how: dict = field(default_factory=dict)  # metric, filters, source

    @property
    def display(self) -> str:
        if self.unit == "%":
            return percent(self.value)
        return f"{large_number(self.value)} {self.unit}".strip()


def _area_row(rows: list[dict], code: str) -> dict | None:
    return next((row for row in rows if row["code"] == code), None)


def report_card(*, actor, year: int, area_code: str, baseline: int | None = None, engine: str = "duckdb") -> dict:
    query = stats_query(actor=actor, year=year, area_code=area_code)
    code = query.area.ljust(CODE_LENGTH, "0")
    area = Area.objects.get(code=code)
    level = area.level
    runner = get_engine(engine)
    if baseline is None:
        baseline = SnapshotPartition.objects.aggregate(first=Min("year"))["first"] or year
    figures: list[Figure] = []

    def metric_row(name: str, in_year: int) -> tuple[dict | None, dict]:
        asked = stats_query(actor=actor, year=in_year, area_code=area_code, level=level)
        row = _area_row(get_metric(name).compute(runner, asked), code)
        how = {"metric": name, "filters": {"year": in_year, "area": code, "level": level},
               "source": runner.source(in_year).as_dict()}
        return row, how

    for when in sorted({baseline, year}):
        row, how = metric_row("incidence", when)
        figures.append(Figure(f"poor_persons_{when}", _("Registered poor persons at the end of %(year)s") % {
            "year": when}, row["poor"] if row else 0, pgettext("unit", "persons"), how))
        figures.append(Figure(f"incidence_{when}", _("Poverty incidence at the end of %(year)s") % {"year": when},
                              row["incidence"] if row else None, "%", how))
    for name, key, label in (("exits", "exited", _("Out of poverty %(first)s–%(last)s")),
                             ("returns", "returned", _("Returned to poverty %(first)s–%(last)s")),
                             ("new", "identified", _("Newly identified %(first)s–%(last)s"))):
        persons = households = 0
        hows = []
        for when in range(baseline, year + 1):
            row, how = metric_row(name, when)
            persons += row["persons"] if row else 0
            households += row["households"] if row else 0
            hows.append(how)
        how = {"metric": name, "filters": {"years": [baseline, year], "area": code, "level": level},
               "source": hows[-1]["source"], "summed_over_years": True}
        text = label % {"first": baseline, "last": year}
        figures.append(Figure(f"{key}_persons", text, persons, pgettext("unit", "persons"), how))
        figures.append(Figure(f"{key}_households", text, households, pgettext("unit", "households"), how))
    for key, types, label in (("villages", POOR_VILLAGE, _("Poor villages exited (of those designated)")),
                              ("counties", POOR_COUNTY, _("Poor counties exited (of those designated)"))):
        designated = AreaDesignation.objects.filter(
            designation_type__in=types, area__code__startswith=query.area).values("area").distinct()
        exited = designated.filter(exit_year__isnull=False, exit_year__lte=year)
        how = {"metric": "designations", "filters": {"types": list(types), "area": code, "exit_year_max": year},
               "source": {"engine": "operational", "snapshot": "live"}}
        figures.append(Figure(f"{key}_exited", label, exited.count(), _("of %(n)s") % {"n": designated.count()},
                              how))
    figures += _helping_side(actor, code, baseline, year)
    ethnic = _by_ethnicity(runner, actor, code, level, baseline, year, area_code)
    return {
        "area": {"code": code, "name": area.name, "level": level},
        "year": year, "baseline": baseline, "generated_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "figures": [{**asdict(f), "display": f.display} for f in figures],
        "by_ethnicity": ethnic,
    }


# Helping-side figures of the cooperation card that a province's report card carries (key → label, unit).
HELPING_FIGURES = {
    "fiscal_aid_arrived": (gettext_lazy("East–West fiscal aid arrived"), pgettext_lazy("unit", "yuan")),
    "donation_arrived": (gettext_lazy("Donations arrived"), pgettext_lazy("unit", "yuan")),
    "workshops": (gettext_lazy("Poverty workshops built"), pgettext_lazy("unit", "workshops")),
    "professionals_sent": (gettext_lazy("Professionals sent to the area"), pgettext_lazy("unit", "persons")),
    "poor_moved_into_jobs": (gettext_lazy("Registered poor moved into jobs"), pgettext_lazy("unit", "persons")),
}


def _helping_side(actor, code: str, baseline: int, year: int) -> list[Figure]:
    card = east_west_card(actor=actor, area_code=code, start=datetime.date(baseline, 1, 1),
                          end=datetime.date(year, 12, 31))
    figures = []
    for item in card["figures"]:
        if item["key"] in HELPING_FIGURES:
            label, unit = HELPING_FIGURES[item["key"]]
            figures.append(Figure(item["key"], f"{label} {baseline}–{year}", item["value"], str(unit),
                                  {"metric": "east_west", **item["how"], "source": {
                                      "engine": "operational", "snapshot": "live", "records": item["how"]["source"]}}))
    return figures


def _by_ethnicity(runner, actor, code, level, baseline, year, area_code) -> list[dict]:
    poor = get_metric("poor")
    exits = get_metric("exits")
    table: dict[str, dict] = {}

    def add(rows, column):
        for row in rows:
            if row["code"] == code:
                entry = table.setdefault(row["by"], {"ethnicity": row["by"], "label": _label(row["by"]),
                                                     "poor_baseline": 0, "poor_year": 0, "exited": 0})
                entry[column] += row["persons"]

    for when, column in ((baseline, "poor_baseline"), (year, "poor_year")):
        add(poor.compute(runner, stats_query(actor=actor, year=when, area_code=area_code, level=level,
                                             by="ethnicity")), column)
    for when in range(baseline, year + 1):
        add(exits.compute(runner, stats_query(actor=actor, year=when, area_code=area_code, level=level,
                                              by="ethnicity")), "exited")
    return sorted(table.values(), key=lambda e: (-e["poor_baseline"], e["ethnicity"]))


def _label(code: str) -> str:
    return cl.ETHNICITY.label(code) if code in cl.ETHNICITY.values else (code or _("not recorded"))


def as_markdown(card: dict) -> str:
    lines = [f"# {card['area']['name']} {_('report card')} {card['year']}", "",
             f"| {_('Figure')} | {_('Value')} | {_('How it was computed')} |", "|---|---|---|"]
    for figure in card["figures"]:
        how = figure["how"]
        source = how.get("source", {})
        lines.append(f"| {figure['label']} | {figure['display']} | {how['metric']} · {source.get('engine', '')} · "
                     f"{source.get('snapshot', '')} |")
    if card["by_ethnicity"]:
        baseline, year = card["baseline"], card["year"]
        lines += ["", f"## {_('By ethnic group')}", "",
                  f"| {_('Ethnic group')} | {_('Poor')} {baseline} | {_('Poor')} {year} | {_('Exited')} |",
                  "|---|---|---|---|"]
        for row in card["by_ethnicity"]:
            lines.append(f"| {row['label']} | {row['poor_baseline']} | {row['poor_year']} | {row['exited']} |")
    return "\n".join(lines) + "\n"


def write_xlsx(card: dict, path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("report card"))
    for column, title in enumerate([_("Figure"), _("Value"), _("Unit"), _("How it was computed")]):
        sheet.write(0, column, title, bold)
    for row, figure in enumerate(card["figures"], start=1):
        sheet.write(row, 0, figure["label"])
        if figure["value"] is not None:
            sheet.write_number(row, 1, figure["value"])
        sheet.write(row, 2, figure["unit"])
        sheet.write(row, 3, f"{figure['how']['metric']} {figure['how']['filters']}")
    sheet.set_column(0, 0, 40)
    sheet.set_column(3, 3, 60)
    ethnic = book.add_worksheet(_("By ethnic group"))
    baseline, year = card["baseline"], card["year"]
    for column, title in enumerate([_("Ethnic group"), f"{_('Poor')} {baseline}", f"{_('Poor')} {year}",
                                    _("Exited")]):
        ethnic.write(0, column, title, bold)
    for row, item in enumerate(card["by_ethnicity"], start=1):
        ethnic.write_row(row, 0, [item["label"], item["poor_baseline"], item["poor_year"], item["exited"]])
    book.close()


def render_pdf(card: dict) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from fupin.workflows.notices import FONTS

    html = render_to_string("analytics/report_card.html", {"card": card, "fonts": FONTS})
    return HTML(string=html).write_pdf()
