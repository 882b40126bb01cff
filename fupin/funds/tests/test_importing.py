"""Fund workbooks through the funds services: a row the ledger refuses (more than the document holds) is reported
with its row and column, nothing is written unless --skip-invalid, and a second import adds nothing."""

import pytest

from fupin.funds.importing import funds_import
from fupin.funds.models import FundDocument, FundEntry
from fupin.testing.factories import load_fixture_divisions, system_user, write_csv

pytestmark = pytest.mark.django_db



def test_documents_and_entries(tmp_path):
    load_fixture_divisions()
    documents = write_csv(tmp_path, "documents.csv", [
        ["文号", "标题", "资金来源", "年度", "下达单位代码", "金额", "下达日期"],
        ["怒财农〔2017〕1号", "2017年专项扶贫资金", "省级财政", "2017", "533300000000", "1000000", "2017-03-01"],
        ["怒财农〔2017〕2号", "周转金", "扶贫周转金", "2017", "533300000000", "-5", "2017-03-01"],
    ])
    report = funds_import(actor=system_user(), kind="documents", path=documents, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "金额")]
    assert FundDocument.objects.get().source == "provincial_fiscal"

    entries = write_csv(tmp_path, "entries.csv", [
        ["文号", "年度", "类型", "行政区划代码", "金额", "日期"],
        ["怒财农〔2017〕1号", "2017", "下达", "533301000000", "600000", "2017-03-15"],
        ["怒财农〔2017〕1号", "2017", "下达", "533323000000", "500000", "2017-03-15"],  # beyond the document
        ["怒财农〔2017〕9号", "2017", "下达", "533323000000", "1", "2017-03-15"],
    ])
    report = funds_import(actor=system_user(), kind="entries", path=entries)
    assert sorted((e.row, e.column) for e in report.errors) == [(3, "金额"), (4, "文号")]
    assert not report.written and FundEntry.objects.count() == 0  # all or nothing: the good row is not kept
    report = funds_import(actor=system_user(), kind="entries", path=entries, skip_invalid=True)
    assert report.written and report.created == 1 and FundEntry.objects.get().amount == 600000
    again = funds_import(actor=system_user(), kind="entries", path=entries, skip_invalid=True)
    assert again.created == 0 and again.unchanged == 1 and FundEntry.objects.count() == 1
