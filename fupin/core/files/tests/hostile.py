"""Hostile files for the import tests, made small in the test itself (none is committed): zip bombs, sheets
reaching XFD1048576, ODS cells repeated a billion times, an .xls with cells in its corners."""

import struct
import zipfile
import zlib

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
             '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="家庭成员" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_START = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "与户主关系"]


def cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    return '<row r="1">' + "".join(cell(f"{chr(65 + i)}1", label) for i, label in enumerate(HEADER)) + "</row>"


def sheet_xml(rows: str, dimension: str | None = None) -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{SHEET_START}{declared}<sheetData>{rows}</sheetData></worksheet>"


def xlsx(path, sheet: str, **parts) -> None:
    """A minimal .xlsx holding one sheet (家庭成员) with this XML, and any other parts given by name."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, content in parts.items():
            book.writestr(name.replace("__", "/"), content)


def raw_zip(path, entries: list[tuple[str, bytes, int, int]]) -> None:
    """A zip written by hand: (name, deflated data, declared size, declared CRC) per entry, so sizes may lie."""
    out, directory = bytearray(), bytearray()
    for name, data, size, crc in entries:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), size,
                                 len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(out), 0)
    with open(path, "wb") as handle:
        handle.write(bytes(out + directory + end))


def deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def zip_bomb(path, parts: int = 2, part_bytes: int = 3_900_000_000) -> None:
    """An .xlsx whose sheets declare (truthfully in shape: a deflate stream of spaces that long) gigabytes:
    one megabyte of spaces deflated, repeated — each full-flushed block stands alone."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = packer.compress(b" " * 2**20) + packer.flush(zlib.Z_FULL_FLUSH)
    data = block * (part_bytes // 2**20) + packer.flush()
    entries = [(name, deflated(text.encode()), len(text.encode()), zlib.crc32(text.encode()))
               for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                                  ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS))]
    # The CRC is not computed over gigabytes: the guard refuses on the declared sizes before unpacking anything.
    entries += [(f"xl/worksheets/sheet{n}.xml", data, (part_bytes // 2**20) * 2**20, 0) for n in range(1, parts + 1)]
    raw_zip(path, entries)


def lying_xlsx(path, declared: int = 1000, actual: int = 50 * 2**20) -> None:
    """An .xlsx whose shared strings declare `declared` bytes but unpack to `actual` (zipfile stops at the declared
    size; calamine's reader would unpack it all)."""
    text = ("<sst>" + " " * actual).encode()
    entries = [(name, deflated(content.encode()), len(content.encode()), zlib.crc32(content.encode()))
               for name, content in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                                     ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                                     ("xl/worksheets/sheet1.xml", sheet_xml(header_row(), "A1:F1")))]
    entries.append(("xl/sharedStrings.xml", deflated(text), declared, zlib.crc32(text[:declared])))
    raw_zip(path, entries)


def ods(path, rows: str) -> None:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
               'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="家庭成员">{rows}</table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


def ods_cell(text: str, repeated: int = 1) -> str:
    times = f' table:number-columns-repeated="{repeated}"' if repeated > 1 else ""
    return f'<table:table-cell{times} office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def ods_header() -> str:
    return "<table:table-row>" + "".join(ods_cell(label) for label in HEADER) + "</table:table-row>"


def xls(path, cells: list[tuple[int, int]]) -> None:
    """A compound file (512-byte sectors) whose Workbook stream is a BIFF8 workbook with one sheet holding a
    number at each (row, column): enough for the guard, which reads cell positions."""
    def record(kind: int, body: bytes = b"") -> bytes:
        return struct.pack("<HH", kind, len(body)) + body

    bof = struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)
    sheet_bof = struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0)
    stream = record(0x0809, bof) + record(0x000A) + record(0x0809, sheet_bof)
    for row, column in cells:
        stream += record(0x0203, struct.pack("<HHHd", row, column, 0, 1.0))
    stream += record(0x000A)
    stream = stream.ljust(4096, b"\0")  # past the mini-stream cutoff: in ordinary sectors
    stream_sectors = len(stream) // 512
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [n + 1 for n in range(2, 1 + stream_sectors)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB3I", len(encoded), kind, 1, 0xFFFFFFFF,
                                                      0xFFFFFFFF, 1 if kind == 5 else 0xFFFFFFFF)
                + b"\0" * 36 + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 0xFFFFFFFE, 0) + entry("Workbook", 2, 2, len(stream))).ljust(512, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<9I", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<109I", 0, *[0xFFFFFFFF] * 108))
    with open(path, "wb") as handle:
        handle.write(header + struct.pack("<128I", *fat) + directory + stream)
