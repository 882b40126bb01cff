"""Public notices (公示 / 公告) as HTML and PDF. What a notice may show is fixed here, field by field: household
number, the head's name, household size, village — never ID numbers, phones, bank accounts or health details
(DOMAIN_RULES §10, S21)."""

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import translation

from fupin.registry import codelists as cl

FONTS = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif'


def _rows(cases) -> list[dict]:
    rows = []
    for index, case in enumerate(cases, start=1):
        if case.household_id:
            household = case.household
            head = household.members.filter(is_active=True, relation=cl.HEAD).values_list("name", flat=True).first()
            size = household.members.filter(is_active=True).count()
            rows.append({"index": index, "number": household.number, "name": head or "", "size": size,
                         "place": household.area.name})
        else:
            rows.append({"index": index, "number": case.area.code, "name": case.area.name, "size": "",
                         "place": case.area.parent.name if case.area.parent_id else ""})
    return rows


def render_notice(*, step, cases, published_on, ends_on, publisher, objection_contact, language="zh-hans"):
    """(html, pdf file, title) of a notice."""
    from weasyprint import HTML

    procedure = step.procedure
    place = cases[0].area.name if len({c.area_id for c in cases}) == 1 else (
        cases[0].area.parent.name if cases[0].area.parent_id else cases[0].area.name)
    with translation.override(language):
        context = {"procedure": procedure, "step": step, "rows": _rows(cases), "published_on": published_on,
                   "ends_on": ends_on, "publisher": publisher, "objection_contact": objection_contact,
                   "year": cases[0].year, "place": place, "fonts": FONTS,
                   "households": procedure.subject == "household"}
        html = render_to_string("workflows/notice.html", context)
        title = render_to_string("workflows/notice_title.txt", context).strip()
    pdf = ContentFile(HTML(string=html).write_pdf())
    return html, pdf, title
