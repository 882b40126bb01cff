"""The evaluation report: the design, the four figures with their intervals and thresholds, the verdict, the
appeals and the villages sampled — as PDF (WeasyPrint) and xlsx (xlsxwriter), in the language in force."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fupin.core.files.spreadsheets import add_sheet, workbook, write_cell, write_cells
from fupin.workflows.notices import FONTS

from .models import Appeal, Evaluation


def _percent(value) -> str:
    return "" if value is None else f"{value * 100:.2f} %"


def report_context(evaluation: Evaluation, figures: dict) -> dict:
    rows = []
    for key, item in figures["indicators"].items():
        rows.append({"key": key, "label": item["label"], "estimate": _percent(item["estimate"]),
                     "interval": (f"{_percent(item['ci_low'])} – {_percent(item['ci_high'])}"
                                  if item["ci_low"] is not None else ""),
                     "threshold": (f"{item['comparison']} {_percent(float(item['threshold']))}"
                                   if item["threshold"] is not None else _("not set")),
                     "passed": item["passed"],
                     "sample": (f"{item['sample_numerator']} / {item['sample_denominator']}"
                                if "sample_numerator" in item else "")})
    appeals = (Appeal.objects.filter(entry__evaluation=evaluation).select_related("entry__household")
               .order_by("entry__position", "id"))
    return {"evaluation": evaluation, "figures": figures, "rows": rows, "fonts": FONTS,
            "villages": list(evaluation.villages.select_related("area").order_by("area_id")),
            "appeals": [{"household": a.entry.household.number, "village": a.area_code,
                         "finding": a.get_finding_display(), "status": a.get_status_display(),
                         "evidence": a.evidence, "note": a.decision_note} for a in appeals]}


def render_pdf(evaluation: Evaluation, figures: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("evaluation/report.html", report_context(evaluation, figures))
    return HTML(string=html).write_pdf()


def write_xlsx(evaluation: Evaluation, figures: dict, path) -> None:
    context = report_context(evaluation, figures)
    book = workbook(path)
    bold = book.add_format({"bold": True})
    share = book.add_format({"num_format": "0.00%"})
    sheet = add_sheet(book, _("Figures"))
    write_cells(sheet, 0, 0, [_("Indicator"), _("Estimate"), _("Interval lower bound (95 percent)"),
                              _("Interval upper bound (95 percent)"),
                              _("Standard error"), _("Threshold"), _("Sample"), _("Passed")], bold)
    for row, item in enumerate(figures["indicators"].values(), start=1):
        write_cell(sheet, row, 0, item["label"])
        for column, name in ((1, "estimate"), (2, "ci_low"), (3, "ci_high"), (4, "standard_error")):
            if item[name] is not None:
                sheet.write_number(row, column, item[name], share if name != "standard_error" else None)
        write_cell(sheet, row, 5, context["rows"][row - 1]["threshold"])
        write_cell(sheet, row, 6, context["rows"][row - 1]["sample"])
        write_cell(sheet, row, 7, _("yes") if item["passed"] else _("no"))
    verdict = figures["verdict"]
    last = len(figures["indicators"]) + 2
    write_cell(sheet, last, 0, _("Verdict"), bold)
    write_cell(sheet, last, 1, _("may exit") if verdict["passed"] else _("may not exit"))
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 7, 16)
    design = add_sheet(book, _("Sample"))
    write_cells(design, 0, 0, [_("Village"), _("Households planned to exit"), _("Ordinary households"),
                               _("Ordinary households sampled")], bold)
    for row, village in enumerate(context["villages"], start=1):
        write_cells(design, row, 0, [f"{village.area.name} ({village.area_id})", village.exit_households,
                                     village.ordinary_households, village.ordinary_sampled])
    design.set_column(0, 0, 36)
    appeals = add_sheet(book, _("Appeals"))
    write_cells(appeals, 0, 0, [_("Household"), _("Village"), _("Finding"), _("Status"), _("Evidence"),
                                _("Reason for the decision")], bold)
    for row, item in enumerate(context["appeals"], start=1):
        write_cells(appeals, row, 0, [item["household"], item["village"], str(item["finding"]),
                                      str(item["status"]), item["evidence"], item["note"]])
    book.close()
