"""Workbook imports of funds: documents (文号) and ledger entries, each row through the funds services (so an
allocation beyond the document, an arrival beyond the allocation or spending beyond the balance is refused with
its row), with the common contract of fupin.records.importing. An entry's natural key is all of it: the same file
imported again adds nothing, and a ledger is never changed by an import — corrections are new entries."""


from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.core.errors import ValidationFailed
from fupin.projects.importing import PROJECT_REFERENCE
from fupin.records.importing import AREA_LABELS, HOUSEHOLD_LABELS, Field, RecordSpec, importer

from . import codelists as cl
from .models import FundDocument, FundEntry
from .services import entry_save, fund_document_save

RECORDS_IMPORTED = audit_registry.register("funds.imported", _("imported fund records"))
NATIONWIDE = ""  # a central document has no issuing area: importing it needs a nationwide grant

NUMBER = ("文号", "文號", "document number", "number")
YEAR = ("年度", "年度", "year")
PROJECT = ("项目编号", "項目編號", "project id", "project")


def _document_of(values: dict) -> None:
    """The document a ledger row names by number and year (and issuing area, when two share the number)."""
    documents = FundDocument.objects.filter(number=values.pop("number"), year=values.pop("year"))
    issuer = values.pop("issuing_area", None)
    if issuer is not None:
        documents = documents.filter(issuing_area=issuer)
    found = list(documents[:2])
    if len(found) != 1:
        raise ValidationFailed(_("No single fund document has this number and year."), field="number")
    values["document"] = found[0]


SPECS = {
    "documents": RecordSpec(FundDocument, (
        Field("number", NUMBER, "text"),
        Field("title", ("标题", "標題", "title"), "text"),
        Field("source", ("资金来源", "資金來源", "source"), cl.FUND_SOURCE),
        Field("year", YEAR, "int"),
        Field("issuing_area", ("下达单位代码", "下達單位代碼", "issuing area"), "area", False),
        Field("total", ("金额", "金額", "amount", "total"), "money"),
        Field("issued_on", ("下达日期", "下達日期", "issued on"), "date"),
    ), ("issuing_area", "year", "number"),
        place=lambda values: values["issuing_area"].code if values.get("issuing_area") else NATIONWIDE,
        save=fund_document_save),
    "entries": RecordSpec(FundEntry, (
        Field("number", NUMBER, "text"),
        Field("year", YEAR, "int"),
        Field("issuing_area", ("下达单位代码", "下達單位代碼", "issuing area"), "area", False),
        Field("kind", ("类型", "類型", "kind"), cl.ENTRY_KIND),
        Field("area", AREA_LABELS, "area"),
        Field("project", PROJECT, "project", False),
        Field("household", HOUSEHOLD_LABELS, "household", False),
        Field("amount", ("金额", "金額", "amount"), "decimal"),
        Field("date", ("日期", "日期", "date"), "date"),
        Field("note", ("备注", "備註", "note"), "text", False),
    ), ("document", "kind", "area", "project", "household", "amount", "date"),
        place=lambda values: values["area"].code, prepare=_document_of, save=entry_save),
}
REFERENCES = {"project": PROJECT_REFERENCE}


funds_import = importer("funds", SPECS, REFERENCES, RECORDS_IMPORTED)
