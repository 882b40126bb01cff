"""The East–West cooperation card on its own, written by the report card's writers (md, json, xlsx, pdf), on the
cooperation tests' hand-built graph: every figure of the card, those by province and by pair kind one each."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from fupin.cooperation.tests.test_cooperation import graph, records  # noqa: F401 (fixtures)
from fupin.core.files.tabular import raw_rows

pytestmark = pytest.mark.django_db


def test_east_west_card_in_every_format(records, capsys, tmp_path):  # noqa: F811
    call_command("report", "east-west", "--area", "5333", "--from", "2016-01-01", "--to", "2020-03-31",
                 "--format", "json")
    card = json.loads(capsys.readouterr().out)
    values = {figure["key"]: figure["value"] for figure in card["figures"]}
    assert (card["area"]["name"], card["baseline"], card["year"]) == ("怒江傈僳族自治州", 2016, 2020)
    assert Decimal(values["fiscal_aid_arrived"]) == Decimal("13000000")
    assert Decimal(values["fiscal_aid_committed"]) == Decimal("18000000")
    assert Decimal(values["fiscal_aid_arrived_by_donor_province.广东省"]) == Decimal("7000000")
    assert (values["eastern_helpers.31"], values["eastern_helpers.44"]) == (1, 1)
    assert (values["pairs_township_town.helped"], values["pairs_township_town.helpers"]) == (2, 1)
    assert values["industry_labour_share"] == 11 / 13
    assert (values["workshop_poor_employees"], values["cadres_sent"]) == (2, 1)
    call_command("report", "east-west", "--area", "5333", "--from", "2016-01-01", "--to", "2020-03-31")
    markdown = capsys.readouterr().out
    assert markdown.startswith("# 怒江傈僳族自治州 东西部扶贫协作 2020")
    call_command("report", "east-west", "--area", "5333", "--from", "2016-01-01", "--to", "2020-03-31",
                 "--format", "xlsx", "-o", str(tmp_path / "card.xlsx"))
    rows = {row[0]: row[1] for row in raw_rows(tmp_path / "card.xlsx", None) if row}
    assert any(label.startswith("东西部协作财政援助资金到位") and value == 13000000 for label, value in rows.items())
    call_command("report", "east-west", "--area", "5333", "--from", "2016-01-01", "--to", "2020-03-31",
                 "--format", "pdf", "-o", str(tmp_path / "card.pdf"))
    from pypdf import PdfReader

    assert "怒江傈僳族自治州" in PdfReader(tmp_path / "card.pdf").pages[0].extract_text()
