"""The sampling frame reproducible from its seed with the stratum sizes asked; the CLI's JSON contract; the report
as PDF and xlsx carrying the figures."""

import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from fupin.evaluation import sampling, services
from fupin.evaluation.models import Evaluation
from fupin.testing.factories import load_fixture_divisions, system_user

from .helpers import COUNTY, DAY, A, B, C, answers, households, population


def test_draw_is_a_function_of_the_seed():
    frame = [sampling.VillageFrame(f"v{i}", (f"e{i}",), tuple(f"o{i}-{k}" for k in range(20))) for i in range(6)]
    one = sampling.draw(frame, seed=42, villages_wanted=3, ordinary_per_village=5)
    assert one == sampling.draw(list(reversed(frame)), seed=42, villages_wanted=3, ordinary_per_village=5)
    assert one != sampling.draw(frame, seed=43, villages_wanted=3, ordinary_per_village=5)
    assert len(one.villages) == 3 and one.villages_total == 6
    for village in one.villages:
        drawn = [d for d in one.households if d.village == village]
        assert [d.stratum for d in drawn].count("exit") == 1
        assert [d.stratum for d in drawn].count("ordinary") == 5


@pytest.fixture
def county(db):
    load_fixture_divisions()
    population(2000)
    return {A: households(A, exits=(2, 3), ordinary=(1,) * 5, poor=(4,)),
            B: households(B, exits=(4, 1), ordinary=(1,) * 6),
            C: households(C, exits=(2,), ordinary=(1,) * 4)}


def _sample(evaluation):
    return [(e.household.number, e.area_code, e.stratum, e.weight)
            for e in evaluation.entries.select_related("household").order_by("position")]


def test_frame_reproducible_with_the_stratum_sizes_asked(county):
    def create(seed):
        return services.evaluation_create(actor=system_user(), area_code=COUNTY, year=2019, seed=seed, villages=2,
                                          ordinary_per_village=3)

    first, again, other = create(11), create(11), create(12)
    assert _sample(first) == _sample(again)
    assert _sample(first) != _sample(other)
    for evaluation in (first, other):
        assert evaluation.villages_total == 3
        villages = list(evaluation.villages.all())
        assert len(villages) == 2
        for village in villages:
            entries = evaluation.entries.filter(village=village)
            # every household planned to exit in the village, and exactly 3 ordinary households
            assert sorted(e.household_id for e in entries.filter(stratum="exit")) == sorted(
                h.pk for h in county[village.area_id]["exit"])
            assert entries.filter(stratum="ordinary").count() == 3 == village.ordinary_sampled
            ordinary_ids = {h.pk for h in county[village.area_id]["ordinary"]}
            assert set(entries.filter(stratum="ordinary").values_list("household_id", flat=True)) <= ordinary_ids
            # weights N/n = 3/2 and N/n · M/k: A 3/2·5/3 = 2.5, B 3/2·6/3 = 3, C 3/2·4/3 = 2
            assert {e.weight for e in entries.filter(stratum="exit")} == {Decimal("1.5")}
            assert {e.weight for e in entries.filter(stratum="ordinary")} == {
                {A: Decimal("2.5"), B: Decimal("3"), C: Decimal("2")}[village.area_id]}
    # the poor household not planned to exit is in no stratum
    assert not first.entries.filter(household=county[A]["poor"][0]).exists()


def test_more_asked_than_there_are(county):
    evaluation = services.evaluation_create(actor=system_user(), area_code=COUNTY, year=2019, seed=3, villages=9,
                                            ordinary_per_village=50)
    assert evaluation.villages.count() == 3
    assert evaluation.entries.filter(stratum="ordinary").count() == 5 + 6 + 4
    assert {e.weight for e in evaluation.entries.all()} == {Decimal("1")}


def test_cli_json_contract(county, capsys):
    call_command("evaluation", "frame", "--area", "533301", "--year", "2019", "--seed", "11", "--villages", "2",
                 "--ordinary-per-village", "3", "--format", "json")
    frame = json.loads(capsys.readouterr().out)
    assert set(frame) == {"evaluation", "area", "year", "seed", "villages_total", "villages", "households"}
    assert (frame["area"], frame["year"], frame["seed"], frame["villages_total"]) == (COUNTY, 2019, 11, 3)
    assert [set(v) for v in frame["villages"]] == [
        {"village", "exit_households", "ordinary_households", "ordinary_sampled"}] * 2
    assert all(set(h) == {"household", "village", "stratum", "weight"} for h in frame["households"])
    assert len(frame["households"]) == sum(v["exit_households"] + 3 for v in frame["villages"])
    evaluation = Evaluation.objects.get(pk=frame["evaluation"])
    assert [(h["household"], h["village"], h["stratum"], Decimal(h["weight"])) for h in frame["households"]] == \
        _sample(services.evaluation_create(actor=system_user(), area_code=COUNTY, year=2019, seed=11, villages=2,
                                           ordinary_per_village=3))
    call_command("evaluation", "figures", str(evaluation.pk), "--format", "json")
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"evaluation", "area", "area_name", "year", "seed", "status", "design", "method",
                           "indicators", "appeals", "verdict"}
    assert list(result["indicators"]) == ["comprehensive_incidence", "wrong_exit_rate", "missed_rate",
                                          "recognition"]
    assert set(result["indicators"]["wrong_exit_rate"]) == {
        "label", "estimate", "ci_low", "ci_high", "standard_error", "comparison", "threshold", "passed",
        "sample_numerator", "sample_denominator"}
    assert result["design"]["interviewed"] == {"exit": 0, "ordinary": 0}


def test_report_pdf_and_xlsx(db, tmp_path):
    load_fixture_divisions()
    population(1000)
    households(A, exits=(2, 3), ordinary=(1, 1))
    evaluation = services.evaluation_create(actor=system_user(), area_code=COUNTY, year=2019, seed=1,
                                            ordinary_per_village=2)
    sheets = {1: answers("exit", persons=2, income="3600"), 2: answers("exit", persons=3),
              3: answers("ordinary", persons=1), 4: answers("ordinary", persons=1)}
    for entry in evaluation.entries.order_by("position"):
        services.interview_record(actor=system_user(), entry=entry, answers=sheets[entry.position],
                                  interviewed_on=DAY)
    # 错退率 2/5 = 40.00 %, 综合 (0.4·5)/1000 = 0.20 %, 漏评 0.00 %, 认可 100.00 %: the county may not exit.
    pdf_path, xlsx_path = tmp_path / "report.pdf", tmp_path / "report.xlsx"
    call_command("evaluation", "report", str(evaluation.pk), "--format", "pdf", "-o", str(pdf_path))
    call_command("evaluation", "report", str(evaluation.pk), "--format", "xlsx", "-o", str(xlsx_path))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    text = re.sub(r"\s+", "", text)  # table cells wrap: compare without white space
    for expected in ("错退率", "漏评率", "群众认可度", "综合贫困发生率", "40.00%", "0.20%", "100.00%", "泸水市"):
        assert expected in text, expected
    with zipfile.ZipFile(xlsx_path) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "错退率" in strings and "综合贫困发生率" in strings
    assert "<v>0.4</v>" in sheet and "<v>0.002</v>" in sheet and "<v>1</v>" in sheet
