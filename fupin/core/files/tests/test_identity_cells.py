"""Identity columns read by every import (`Table.records`): what Excel does to numbers is refused, full-width digits
and stray spaces are normalised, and the template makes identity columns text."""

import re
import zipfile

import pytest
import xlsxwriter
from django.utils import translation

from fupin.core.files.reports import FileError
from fupin.core.files.tabular import (
    BANK_ACCOUNT,
    HOUSEHOLD_NUMBER,
    ID_NUMBER,
    IDENTITY,
    PHONE,
    Column,
    csv_text,
    identity_of,
    open_table,
)

COLUMNS = [Column("number", ("户编号",)), Column("id_number", ("证件号码",)), Column("phone", ("联系电话",)),
           Column("name", ("姓名",))]
ID = "533301198001010119"  # valid check digit
ID_ENDING_IN_ZEROS = "533301198001091000"  # sequence 100, check digit 0: a real number may end so


def read(path, columns=COLUMNS):
    refused = []

    def on_refused(number, key, refusal):
        with translation.override("en"):
            refused.append((number, key, str(refusal)))

    return list(open_table(path, columns).records(on_refused)), refused


def write_csv(tmp_path, rows, name="ids.csv"):
    path = tmp_path / name
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


def write_xlsx(tmp_path, rows, name="ids.xlsx"):
    """Rows as Excel stores what a clerk pastes into General-format columns: numbers as number cells."""
    path = tmp_path / name
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, row)  # ints and floats become number cells, str text cells
    book.close()
    return path


def test_identity_columns_are_known_by_their_headers_or_declared():
    assert [identity_of(label) for label in ("证件号码", "證件號碼", "ID number", "户编号", "household number",
                                             "联系电话", "银行账号", "bank account", "姓名", "行政区划代码")] == [
        ID_NUMBER, ID_NUMBER, ID_NUMBER, HOUSEHOLD_NUMBER, HOUSEHOLD_NUMBER, PHONE, BANK_ACCOUNT, BANK_ACCOUNT, "", ""]
    assert Column("cadre", ("干部", "证件号码")).identity == ID_NUMBER  # any of its labels
    assert Column("licence", ("许可证号",), identity=IDENTITY).identity == IDENTITY
    assert Column("phone", ("联系电话",), identity="").identity == ""


@pytest.mark.parametrize("stream_above", [2**40, 0], ids=["calamine", "streamed"])
def test_numeric_xlsx_cells_in_identity_columns_are_refused(tmp_path, settings, stream_above):
    settings.FUPIN_XLSX_STREAM_ABOVE_BYTES = stream_above
    path = write_xlsx(tmp_path, [
        ["户编号", "证件号码", "联系电话", "姓名"],
        [53330110220100007, 533321197208053424, 8861234567, "张三"],  # Excel keeps 15 digits of each
        ["H001", 5.33321197208053e17, "08861234567", "李四"],
        [1, ID, "", "王五"],  # a short number is exact, but its leading zeros may be gone
        ["H002", ID, "08861234567", "和梅"],
    ])
    records, refused = read(path)
    assert refused == [
        (2, "number", "Household number was stored by Excel as a number (53330110220100000) and may have lost "
                      "digits: a number keeps only 15 significant digits and no leading zeros; format the column as "
                      "Text and enter the values again."),
        (2, "id_number", "ID number was stored by Excel as a number (533321197208053000) and may have lost digits: "
                         "a number keeps only 15 significant digits and no leading zeros; format the column as Text "
                         "and enter the values again."),
        (2, "phone", "Phone number was stored by Excel as a number (8861234567) and may have lost digits: a number "
                     "keeps only 15 significant digits and no leading zeros; format the column as Text and enter "
                     "the values again."),
        (3, "id_number", "ID number was stored by Excel as a number (533321197208053000) and may have lost digits: "
                         "a number keeps only 15 significant digits and no leading zeros; format the column as Text "
                         "and enter the values again."),
        (4, "number", "Household number was stored by Excel as a number (1) and may have lost digits: a number "
                      "keeps only 15 significant digits and no leading zeros; format the column as Text and enter "
                      "the values again."),
    ]
    assert records[3] == (5, {"number": "H002", "id_number": ID, "phone": "08861234567", "name": "和梅"})


def test_csv_cells_in_the_forms_excel_writes_numbers_are_refused(tmp_path):
    path = write_csv(tmp_path, [
        ["户编号", "证件号码", "联系电话", "姓名"],
        ["H001", "5.33321197208053E+17", "", "张三"],  # Excel's General format
        ["H002", "5.33321197208053E+017", "", "李四"],  # LibreOffice's CSV
        ["H003", "533301198001010000", "", "王五"],  # a Number format: the digits after the 15th are zeros
        ["53330110220100000", ID_ENDING_IN_ZEROS, "8861234567.0", "赵六"],  # written from a float column
    ])
    records, refused = read(path)
    assert refused == [
        (2, "id_number", "ID number “5.33321197208053E+17” is in scientific notation: Excel stored it as a number "
                         "and lost its digits after the 15th; format the column as Text and enter the values again."),
        (3, "id_number", "ID number “5.33321197208053E+017” is in scientific notation: Excel stored it as a number "
                         "and lost its digits after the 15th; format the column as Text and enter the values again."),
        (4, "id_number", "ID number “533301198001010000” has only zeros after its 15th digit: Excel stored it as a "
                         "number and lost the digits after the 15th; format the column as Text and enter the values "
                         "again."),
        (5, "number", "Household number “53330110220100000” has only zeros after its 15th digit: Excel stored it as "
                      "a number and lost the digits after the 15th; format the column as Text and enter the values "
                      "again."),
        (5, "phone", "Phone number was stored by Excel as a number (8861234567.0) and may have lost digits: a number "
                     "keeps only 15 significant digits and no leading zeros; format the column as Text and enter "
                     "the values again."),
    ]
    # An ID number ending in zeros whose check digit is right is a real one (a cut one passes 1 time in 11).
    assert records[3][1]["id_number"] == ID_ENDING_IN_ZEROS


def test_a_text_cell_of_a_workbook_is_trusted(tmp_path):
    """Excel keeps every digit of text: in a workbook only number cells are refused."""
    path = write_xlsx(tmp_path, [["户编号", "证件号码", "联系电话", "姓名"],
                                 ["53330110220100000", "533301198001010000", "08861234567", "张三"]])
    assert read(path) == ([(2, {"number": "53330110220100000", "id_number": "533301198001010000",
                                "phone": "08861234567", "name": "张三"})], [])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_full_width_digits_and_stray_spaces_are_normalised(tmp_path, suffix):
    full_width = "５３３３０１１９８００１０１０１１９"
    rows = [["户编号", "证件号码", "联系电话", "姓名"],
            ["\u3000H００１ ", full_width, "0886\u00a01234\u200b567", " 张三 "],
            ["H002", "53330119800101\u3000011ｘ", "１３９ ０８８６ １２３４", "李四"]]
    path = write_csv(tmp_path, rows) if suffix == ".csv" else write_xlsx(tmp_path, rows)
    assert read(path) == ([
        (2, {"number": "H001", "id_number": ID, "phone": "08861234567", "name": "张三"}),
        (3, {"number": "H002", "id_number": "53330119800101011x", "phone": "13908861234", "name": "李四"}),
    ], [])


def test_other_columns_keep_their_numbers(tmp_path):
    path = write_xlsx(tmp_path, [["行政区划代码", "金额", "证件号码"], [533301102201, 12.5, ID]])
    columns = [Column("code", ("行政区划代码",)), Column("value", ("金额",)), Column("id_number", ("证件号码",))]
    assert read(path, columns) == ([(2, {"code": "533301102201", "value": "12.5", "id_number": ID})], [])


def test_without_a_handler_the_first_refused_cell_stops_the_reading(tmp_path):
    path = write_xlsx(tmp_path, [["户编号", "证件号码"], ["H001", ID], ["H002", 533321197208053424]])
    with pytest.raises(FileError) as caught, translation.override("en"):
        list(open_table(path, COLUMNS[:2]).records())
    with translation.override("en"):
        assert str(caught.value) == (
            "Row 3, column 证件号码: ID number was stored by Excel as a number (533321197208053000) and may have lost "
            "digits: a number keeps only 15 significant digits and no leading zeros; format the column as Text and "
            "enter the values again.")


def test_the_households_template_formats_identity_columns_as_text(tmp_path):
    from fupin.registry.exporting import HEADERS, households_template

    path = tmp_path / "t.xlsx"
    households_template(path)
    with zipfile.ZipFile(path) as book:
        styles = book.read("xl/styles.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    codes = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles)) | {"49": "@"}  # 49: built in
    formats = re.findall(r'<xf numFmtId="(\d+)"', styles.split("<cellXfs")[1])  # each cell style's number format
    text_columns = [HEADERS[int(first) - 1]
                    for first, last, style in re.findall(r'<col min="(\d+)" max="(\d+)"[^>]*? style="(\d+)"', sheet)
                    if first == last and codes.get(formats[int(style)]) == "@"]
    assert text_columns == ["户编号", "证件号码", "成员编号", "联系电话", "银行账号"]
