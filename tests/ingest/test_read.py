"""Reading real files with real Excel habits: title rows, merged headers, numbers as phones."""

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from workbench.errors import InputError
from workbench.ingest.headers import header_score
from workbench.ingest.read import cell_text, detect_encoding, read_file


def _read_one(path, **kw):
    sheets = read_file(path, score_header=header_score, **kw)
    assert len(sheets) == 1
    return sheets[0]


@pytest.mark.parametrize(
    "value, expected",
    [
        (13812345678.0, "13812345678"),
        (13812345678, "13812345678"),
        (1.3812345678e10, "13812345678"),  # shown as 1.38123E+10 in Excel, stored in full
        (12.5, "12.5"),
        (float("nan"), None),
        (None, None),
        ("  张伟  ", "张伟"),
        ("   ", None),
        (dt.datetime(2024, 5, 3, 0, 0), "2024-05-03"),
        (dt.datetime(2024, 5, 3, 14, 30, 5), "2024-05-03 14:30:05"),
        (dt.date(2024, 5, 3), "2024-05-03"),
        (True, "TRUE"),
    ],
)
def test_cell_text(value, expected):
    assert cell_text(value) == expected


def test_xlsx_with_title_row_merged_header_numbers_dates_and_empty_rows(tmp_path):
    path = tmp_path / "展会.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "线索"
    sheet.append(["2024年5月展会线索"])
    sheet.merge_cells("A1:E1")
    sheet.append(["姓名", "联系方式", None, "公司", "登记日期"])
    sheet.merge_cells("B2:C2")
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("D2:D3")
    sheet.merge_cells("E2:E3")
    sheet.append([None, "手机", "邮箱", None, None])
    sheet.append(["张伟 ", 13812345678, "ZW@163.COM", "华为", dt.datetime(2024, 5, 3)])
    sheet.append([None, None, None, None, None])
    sheet.append(["李娜", 1.39e10 + 12345678, None, "  腾讯 ", 45123])
    book.save(path)

    one = _read_one(path)
    assert one.name == "线索"
    assert list(one.frame.columns) == ["姓名", "手机", "邮箱", "公司", "登记日期"]
    assert one.header_row == 3
    assert one.rows == [4, 6]  # the empty row 5 is skipped, numbering kept
    first, second = one.frame.to_dict("records")
    assert first == {"姓名": "张伟", "手机": "13812345678", "邮箱": "ZW@163.COM", "公司": "华为",
                     "登记日期": "2024-05-03"}
    assert second["手机"] == "13912345678"
    assert second["公司"] == "腾讯"
    assert second["登记日期"] == "45123"  # an Excel serial without a date format stays a number


def test_formulas_are_read_as_their_saved_values(tmp_path):
    path = tmp_path / "公式.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    sheet.write_row(0, 0, ["姓名", "手机号", "区号", "号码"])
    sheet.write_row(1, 0, ["王芳", None, "138", "12345678"])
    sheet.write_formula(1, 1, '=C2&D2', None, "13812345678")
    book.close()
    one = _read_one(path)
    assert one.frame.loc[0, "手机号"] == "13812345678"


def test_every_sheet_or_one_chosen(tmp_path):
    path = tmp_path / "多表.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "北京"
    book.active.append(["姓名", "手机"])
    book.active.append(["张三", "13800000001"])
    other = book.create_sheet("上海")
    other.append(["姓名", "手机"])
    other.append(["李四", "13800000002"])
    book.create_sheet("空表")
    book.save(path)
    assert [s.name for s in read_file(path)] == ["北京", "上海"]
    assert read_file(path, sheet="上海")[0].frame.loc[0, "姓名"] == "李四"
    with pytest.raises(InputError) as err:
        read_file(path, sheet="广州")
    assert "广州" in str(err.value) and "北京, 上海" in str(err.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    text = "姓名,手机号,公司\n张伟,13812345678,深圳市华为技术有限公司\n欧阳娜娜, 13912345678 ,腾讯\n"
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    one = _read_one(path)
    assert list(one.frame.columns) == ["姓名", "手机号", "公司"]
    assert one.frame["姓名"].tolist() == ["张伟", "欧阳娜娜"]
    assert one.frame.loc[1, "手机号"] == "13912345678"
    assert one.rows == [2, 3]


def test_detect_encoding():
    assert detect_encoding("联系人".encode("gbk")) == "gb18030"
    assert detect_encoding(b"\xef\xbb\xbfname") == "utf-8-sig"
    assert detect_encoding("联系人".encode()) == "utf-8"


def test_csv_with_title_line_blank_lines_and_semicolons(tmp_path):
    path = tmp_path / "门店.csv"
    path.write_text("门店登记表;;\n姓名;电话;备注\n\n张伟;13812345678;\n;;\n王芳;13912345678;复购\n",
                    encoding="utf-8")
    one = _read_one(path)
    assert list(one.frame.columns) == ["姓名", "电话", "备注"]
    assert one.frame["姓名"].tolist() == ["张伟", "王芳"]
    assert one.rows == [4, 6]
    assert pd.isna(one.frame.loc[0, "备注"])


def test_csv_row_with_too_many_cells_names_the_row(tmp_path):
    path = tmp_path / "坏.csv"
    path.write_text("姓名,手机\n张伟,13812345678\n王芳,139,多余,的值\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_file(path)
    message = str(err.value)
    assert "坏.csv" in message and "row 3" in message and "4 cells" in message


def test_jsonl(tmp_path):
    path = tmp_path / "抖音.jsonl"
    lines = [{"昵称": "小王", "手机": 13812345678, "标签": ["高意向"]}, {"昵称": "小李", "手机": None}]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n")
    one = _read_one(path)
    assert one.frame.loc[0, "手机"] == "13812345678"
    assert one.frame.loc[0, "标签"] == '["高意向"]'
    assert one.frame.loc[1, "手机"] is None


def test_bad_jsonl_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"手机": "138"}\n{"手机": \n')
    with pytest.raises(InputError, match=r"row 2"):
        read_file(path)


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("empty.csv", b"", "empty"),
        ("leads.pdf", b"%PDF", "cannot be imported"),
        ("renamed.xlsx", b"name,phone\n", "cannot be opened"),
    ],
)
def test_unreadable_files_get_a_clear_error(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_file(path)
    assert says in str(err.value) and name in str(err.value)
