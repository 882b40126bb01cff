"""Identities typed with a Chinese keyboard's full-width digits or copied with invisible spaces are the same
numbers: normalised before any check, in forms and the API as in imports (issue 22)."""

import datetime

from fupin.core.idnumbers import normalise_identity, parse_id_number
from fupin.registry.validation import clean_household, clean_member
from fupin.testing.factories import household_data, id_number

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_full_width_digits_and_every_kind_of_space_are_normalised():
    assert normalise_identity("５３３３ ０１\u3000１９８０\u00a0０１０１\u200b０１１ｘ\ufeff") == "53330119800101011x"
    assert normalise_identity("H001") == "H001"  # the common value is returned as it is
    assert normalise_identity("0886-1234567") == "0886-1234567"


def test_a_full_width_id_number_is_valid_and_kept_in_ascii():
    identity = id_number(birth="19820304", sequence="022")
    assert parse_id_number(identity.translate(FULL_WIDTH), today=datetime.date(2024, 1, 1)).number == identity
    cleaned, problems = clean_member({"name": "李四", "relation": "户主",
                                      "id_number": f"\u3000{identity.translate(FULL_WIDTH)} "})
    assert (problems, cleaned["id_number"], cleaned["sex"]) == ([], identity, "2")


def test_household_number_phone_and_bank_account_are_normalised():
    given = household_data(number="１０２２０１\u3000０００１", phone="１３９ ０８８６ １２３４",
                           bank_account="6228\u00a04800\u200b1234 5678")
    cleaned, problems = clean_household(given)
    assert problems == []
    assert (cleaned["number"], cleaned["phone"], cleaned["bank_account"]) == ("1022010001", "13908861234",
                                                                              "6228480012345678")
