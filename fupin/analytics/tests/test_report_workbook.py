"""The report card's workbook writes labels as text (fupin.core.files.spreadsheets): no formula injection."""

import zipfile

from python_calamine import CalamineWorkbook

from fupin.analytics.report import write_xlsx

DDE = "=cmd|' /C calc'!A0"


def test_the_report_card_workbook_neutralises_formulas(tmp_path):
    path = tmp_path / "card.xlsx"
    card = {"figures": [{"label": DDE, "value": -3, "unit": "+户", "how": {"metric": "m", "filters": {}}}],
            "baseline": 2014, "year": 2019,
            "by_ethnicity": [{"label": "@族", "poor_baseline": 5, "poor_year": -1, "exited": 0}]}
    write_xlsx(card, path)
    book = CalamineWorkbook.from_path(str(path))
    assert book.get_sheet_by_index(0).to_python()[1][:3] == [DDE, -3, "+户"]
    assert book.get_sheet_by_index(1).to_python()[1] == ["@族", 5, -1, 0]
    with zipfile.ZipFile(path) as archive:
        assert not any("<f>" in archive.read(name).decode() for name in archive.namelist()
                       if name.startswith("xl/worksheets/"))
