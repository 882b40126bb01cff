"""Large numbers the way the seeds write them."""

from fupin.core.numbers import large_number, percent


def test_large_numbers_as_the_reports_write_them():
    zh = {value: large_number(value, language="zh-hans") for value in (
        750_000, 284_700, 72_000, 11_652, 10_009, 40_180, 8_382_000_000, 1_380_000_000, 13_308_000_000,
        372_200, 1_234_567, 123_456_789_012, 950, 12.5)}
    assert zh == {750_000: "75 万", 284_700: "28.47 万", 72_000: "7.2 万", 11_652: "11,652", 10_009: "10,009",
                  40_180: "40,180", 8_382_000_000: "83.82 亿", 1_380_000_000: "13.8 亿", 13_308_000_000: "133.08 亿",
                  372_200: "37.22 万", 1_234_567: "123.46 万", 123_456_789_012: "1234.57 亿", 950: "950",
                  12.5: "12.50"}
    assert large_number(750_000, language="en") == "750,000"
    assert percent(0.039) == "3.90%" and percent(None) == ""
