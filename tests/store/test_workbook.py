"""Safe workbooks: no cell of a written .xlsx can run as a formula; values keep their types."""

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from workbench.store import workbook
from workbench.store.workbook import looks_like_formula, neutralise_text, write_workbook

DANGEROUS = [
    '=HYPERLINK("http://evil.example","点我")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
]


@pytest.mark.parametrize(("value", "formula_like"), [
    *((v, True) for v in DANGEROUS), ("\r=1+1", True),
    ("张伟", False), ("13812345678", False), ("a=b", False), ("", False), (None, False), (5, False),
])
def test_looks_like_formula(value, formula_like):
    assert looks_like_formula(value) is formula_like


def test_neutralise_text_for_csv():
    assert neutralise_text("=1+1") == "'=1+1"
    assert neutralise_text("张伟") == "张伟"
    assert neutralise_text(3) == 3


def test_formula_like_text_is_written_as_text_with_quote_prefix(tmp_path):
    frame = pd.DataFrame({"备注": [*DANGEROUS, "普通文本"]})
    path = write_workbook(tmp_path / "out.xlsx", {"线索": frame})
    sheet = openpyxl.load_workbook(path)["线索"]
    cells = [sheet.cell(row, 1) for row in range(2, sheet.max_row + 1)]
    assert [c.value for c in cells] == [*DANGEROUS, "普通文本"]  # the value is kept as it was
    assert all(c.data_type == "s" for c in cells)
    assert [bool(c.quotePrefix) for c in cells] == [True] * len(DANGEROUS) + [False]
    # a file with a formula in it would carry <f> elements in the sheet XML
    import zipfile

    with zipfile.ZipFile(path) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml


def test_formula_like_header_is_text_too(tmp_path):
    path = write_workbook(tmp_path / "out.xlsx", {"s": pd.DataFrame({"=evil()": [1]})})
    cell = openpyxl.load_workbook(path)["s"].cell(1, 1)
    assert cell.value == "=evil()" and cell.data_type == "s"


def test_types_are_kept(tmp_path):
    frame = pd.DataFrame({
        "n": [1, 2.5, None],
        "flag": [True, False, None],
        "when": [pd.Timestamp("2024-05-03 10:00"), pd.NaT, pd.Timestamp("2024-05-04")],
        "phones": [["+8613812345678"], [], None],
        "手机号": ["13812345678", "+8613912345678", None],
    })
    path = write_workbook(tmp_path / "out.xlsx", {"s": frame})
    rows = list(openpyxl.load_workbook(path)["s"].iter_rows(min_row=2, values_only=True))
    assert rows[0] == (1, True, dt.datetime(2024, 5, 3, 10, 0), '["+8613812345678"]',
                       "13812345678")
    assert rows[1] == (2.5, False, None, "[]", "+8613912345678")
    assert rows[2] == (None, None, dt.datetime(2024, 5, 4), None, None)


def test_sheet_names_are_made_valid_and_distinct(tmp_path):
    frames = {"a/b": pd.DataFrame({"x": [1]}), "a?b": pd.DataFrame({"x": [2]}),
              "一个非常非常非常非常非常非常非常非常非常非常非常长的工作表名称": pd.DataFrame({"x": [3]})}
    path = write_workbook(tmp_path / "out.xlsx", frames)
    names = openpyxl.load_workbook(path).sheetnames
    assert names[:2] == ["a_b", "a_b (2)"]
    assert len(names[2]) == 31


def test_long_frames_continue_on_further_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 4)  # 3 data rows per sheet
    frame = pd.DataFrame({"x": range(7)})
    path = write_workbook(tmp_path / "out.xlsx", {"行": frame})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["行", "行 (2)", "行 (3)"]
    values = [v for ws in book for (v,) in ws.iter_rows(min_row=2, values_only=True)]
    assert values == list(range(7))


def test_empty_frame_gives_a_sheet_with_headers(tmp_path):
    path = write_workbook(tmp_path / "out.xlsx", {"空": pd.DataFrame(columns=["姓名", "手机号"])})
    sheet = openpyxl.load_workbook(path)["空"]
    assert [c.value for c in sheet[1]] == ["姓名", "手机号"] and sheet.max_row == 1
