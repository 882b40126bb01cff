import datetime

import pytest

from fupin.core.idnumbers import (
    IdNumberError,
    check_character,
    parse_disability_certificate,
    parse_id_number,
    upgrade_15,
)

TODAY = datetime.date(2026, 11, 22)


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the examples printed in GB 11643-1999
        "440524188001010014",
    ],
)
def test_check_digits_of_the_standards_examples(number):
    assert check_character(number[:17]) == number[17]
    # Digits typed full-width (as Chinese input methods may) are digits too: the same check character.
    assert check_character(number[:17].translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})) == number[17]


def test_a_valid_number_is_parsed():
    parsed = parse_id_number("11010519491231002x", today=TODAY)
    assert (parsed.number, parsed.region_code, parsed.birth_date, parsed.male) == (
        "11010519491231002X", "110105", datetime.date(1949, 12, 31), False)


def test_a_15_digit_number_is_upgraded():
    assert upgrade_15("110105491231002") == "11010519491231002X"
    parsed = parse_id_number("110105491231002", today=TODAY)
    assert (parsed.number, parsed.upgraded_from) == ("11010519491231002X", "110105491231002")


@pytest.mark.parametrize(
    "first17",
    [
        "13012519500315001",  # 行唐县, born 1950: stdnum refuses it (code in use only since 1993)
        "13012519420101003",
        "33011319600704002",  # 杭州市临平区 (2021) — stdnum crashes on it
        "53010119550505001",  # 昆明市市辖区
    ],
)
def test_people_born_1940_to_1960_under_later_codes_are_accepted(first17):
    assert parse_id_number(with_check(first17), today=TODAY).number == with_check(first17)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("110105194912310021", "check digit"),
        ("1101051949123100", "18 characters"),
        ("11010519491231002Y", "18 characters"),
        (with_check("11010519490230002"), "not a real date"),
        (with_check("11010520301231002"), "in the future"),
        (with_check("11010518801231002"), "more than 120 years"),
        (with_check("99010519491231002"), "never a county code"),
    ],
)
def test_invalid_numbers_say_which_rule_failed(raw, message):
    from django.utils import translation

    with translation.override("en"), pytest.raises(IdNumberError, match=message):
        parse_id_number(raw, today=TODAY)


def test_sex_follows_the_parity_of_the_sequence():
    assert parse_id_number(with_check("53010119550505001"), today=TODAY).male is True
    assert parse_id_number(with_check("53010119550505002"), today=TODAY).male is False


def test_disability_certificates():
    holder, category, grade = parse_disability_certificate("11010519491231002X42", today=TODAY)
    assert (holder.number, category, grade) == ("11010519491231002X", "4", "2")
    assert parse_disability_certificate("11010519491231002X4271", today=TODAY)[1:] == ("4", "2")
    for bad in ("11010519491231002X", "11010519491231002X82", "11010519491231002X45", "11010519491231002Y42"):
        with pytest.raises(IdNumberError):
            parse_disability_certificate(bad, today=TODAY)
