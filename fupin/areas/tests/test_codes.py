import pytest

from fupin.core import areacodes as codes


@pytest.mark.parametrize(
    ("raw", "padded", "level"),
    [
        ("53", "530000000000", 1),
        ("5333", "533300000000", 2),
        ("533301", "533301000000", 3),
        ("533301102", "533301102000", 4),
        ("533301102201", "533301102201", 5),
        ("533301.0", "533301000000", 3),
        (" 4419 ", "441900000000", 2),
    ],
)
def test_codes_are_padded_and_levelled(raw, padded, level):
    assert codes.normalise_code(raw) == padded
    assert codes.level_of(padded) == level


@pytest.mark.parametrize("raw", ["5", "53330", "5333011022011", "53a3", ""])
def test_malformed_codes_are_refused(raw):
    with pytest.raises(ValueError):
        codes.normalise_code(raw)


def test_subtree_range_and_ancestors():
    assert codes.code_range("5333") == ("533300000000", "533399999999")
    assert codes.ancestor_codes("533301102201", 5) == [
        "530000000000", "533300000000", "533301000000", "533301102000",
    ]
    # 东莞 has no counties: its township's county prefix is the city itself and is not repeated.
    assert codes.ancestor_codes("441900003001", 5) == ["440000000000", "441900000000", "441900003000"]
