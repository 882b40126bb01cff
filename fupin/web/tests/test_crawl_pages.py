"""The raw-code check the crawler (test_crawl.py, in Chromium) applies to every page: a snake_case value of a choice
or code list ("dibao_edge", "county_approved") on any page, a stage or status word ("implement", "planned") on a
Chinese one."""

import pytest

from .crawl import RawCodeCheck, choice_codes

pytestmark = pytest.mark.django_db


def test_the_raw_code_check_knows_the_choices_and_code_lists_snake_case_values():
    codes = choice_codes()
    # From a code list (低收入人口类别 has no snake_case code, 帮扶主体类型 has), from model choices (a case's
    # status, a grievance's channel …): a sample written down from the sources.
    assert {"central_unit", "social_org", "to_helped", "first_secretary", "hand_in_hand"} - codes == {"hand_in_hand"}
    assert "dibao" not in codes and "planned" not in codes  # one-word codes are not snake_case
    check = RawCodeCheck.build()
    assert check.problems("帮扶主体类型 central_unit", "zh-hant") == ["word code central_unit"]
    assert check.problems("Helper kind: central_unit", "en") == ["word code central_unit"]
    assert check.problems("Stage: implement", "en") == []  # an English word on an English page
    assert check.problems("阶段：implement", "zh-hans") == ["word code implement"]
    # Part of a longer name, an address or a file is not a code.
    assert check.problems("/files/central_unit.pdf x_central_unit central_unit_2", "en") == []
