"""Makes the xls fixtures of crates/formats/tests/hostile_files.rs (xlwt 1.3, from PyPI):
good.xls (one HR row), far-cell.xls (the same plus one cell at IV65536) and dimensions.xls
(good.xls with its sheet's DIMENSIONS record claiming 16,777,215 rows × 256 columns).

    python3 -m venv /tmp/xlsenv && /tmp/xlsenv/bin/pip install xlwt && /tmp/xlsenv/bin/python make_xls.py
"""
import struct
import xlwt

HEADERS = ["社員番号", "氏名", "生年月日", "性別", "事業所コード"]
ROW = ["000101", "山田 太郎", "1980-01-02", "男", "O001"]


def book(far=False):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("人事")
    for c, h in enumerate(HEADERS):
        ws.write(0, c, h)
    for c, v in enumerate(ROW):
        ws.write(1, c, v)
    if far:
        ws.write(65535, 255, "x")
    return wb


book().save("good.xls")
book(far=True).save("far-cell.xls")
data = bytearray(open("good.xls", "rb").read())
# DIMENSIONS (0x0200), 14 bytes: first row, last row + 1 (u32), first col, last col + 1, reserved.
at = data.index(struct.pack("<HH", 0x0200, 14))
data[at + 4 : at + 18] = struct.pack("<IIHHH", 0, 0xFFFFFF, 0, 256, 0)
open("dimensions.xls", "wb").write(bytes(data))
