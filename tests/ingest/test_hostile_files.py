"""Hostile files are refused with a message naming the file, within bounded time and memory.

Each file is made here, small on disk; each refusal must leave the pool exactly as it was.
"""

import json
import os
import resource
import subprocess
import sys
import time
import zipfile

import pytest

from workbench.errors import InputError
from workbench.ingest import limits
from workbench.ingest.importer import import_file
from workbench.ingest.read import detect_encoding, read_file
from workbench.store.pool import Pool

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/'
    'workbook.xml"/></Relationships>')
_BOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="线索" sheetId="1" r:id="rId1"/></sheets></workbook>')
_BOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
    'sheet1.xml"/></Relationships>')
GOOD_ROWS = [(1, [("A1", "姓名"), ("B1", "手机")]), (2, [("A2", "张伟"), ("B2", "13812345678")])]


def _sheet_xml(rows, *, dimension=None, prolog="", body_extra=""):
    body = "".join(
        f'<row r="{r}">' + "".join(
            f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>' for ref, value in cells
        ) + "</row>"
        for r, cells in rows
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="http://schemas.'
            f'openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{body}{body_extra}'
            '</sheetData></worksheet>')


def _xlsx(path, sheet_xml):
    """A real .xlsx written part by part, so that a part can be made hostile."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CT)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _BOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


@pytest.fixture
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    good = tmp_path / "good.csv"
    good.write_text("姓名,手机\n李娜,13900001111\n", encoding="utf-8")
    import_file(pool, good, channel="官网")
    return pool


def _contents(pool):
    """Every table's rows, to compare the pool before and after a refusal."""
    with pool.connect(read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "order by 1").fetchall()]
        return {t: sorted(map(repr, con.execute(f'select * from "{t}"').fetchall()))
                for t in tables}


def _refused(pool, path, *needles):
    """Import the file: an InputError naming it and saying why; the pool unchanged."""
    before = _contents(pool)
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        import_file(pool, path, channel="外部")
    assert time.perf_counter() - started < 30
    message = str(caught.value)
    assert path.name in message, message
    for needle in needles:
        assert needle in message, message
    assert _contents(pool) == before
    return message


def test_a_cell_at_xfd1048576_is_refused_before_any_allocation(pool, tmp_path):
    path = _xlsx(tmp_path / "far.xlsx", _sheet_xml(
        GOOD_ROWS + [(1048576, [("XFD1048576", "x")])]))
    assert path.stat().st_size < 5000
    message = _refused(pool, path, "线索", "16,384 columns", "XFD1048576", "limit")
    assert "Ctrl+End" in message


def test_a_false_dimension_is_not_trusted(tmp_path):
    path = _xlsx(tmp_path / "dim.xlsx", _sheet_xml(GOOD_ROWS, dimension="A1:XFD1048576"))
    frame = read_file(path)[0].frame
    assert frame.to_dict("records") == [{"姓名": "张伟", "手机": "13812345678"}]


def test_rows_far_apart_are_refused_by_cell_count(pool, tmp_path):
    rows = GOOD_ROWS + [(1_000_000, [("AZ1000000", "x")])]
    path = _xlsx(tmp_path / "tall.xlsx", _sheet_xml(rows))
    _refused(pool, path, "1,000,000 rows x 52 columns", "limit of 30,000,000 cells")


def test_a_process_reading_the_far_cell_survives_in_little_memory(tmp_path):
    """The reader itself, in a process capped at 1 GiB: a refusal, not an abort."""
    path = _xlsx(tmp_path / "far.xlsx", _sheet_xml(
        GOOD_ROWS + [(1048576, [("XFD1048576", "x")])]))
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
            "from workbench.ingest.read import read_file\n"
            "from workbench.errors import InputError\n"
            "try:\n    read_file(sys.argv[1])\n"
            "except InputError as err:\n    print('refused:', err)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=120, env=os.environ)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused:" in done.stdout


def test_a_zip_bomb_is_refused_before_inflating(pool, tmp_path):
    # 1 GiB of spaces inside the sheet packs to about 1 MB: refused by its ratio.
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CT)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _BOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(_sheet_xml(GOOD_ROWS).encode()[:-len("</sheetData></worksheet>")])
            block = b" " * (1 << 20)
            for _ in range(300):
                part.write(block)
            part.write(b"</sheetData></worksheet>")
    assert path.stat().st_size < 2_000_000
    _refused(pool, path, "zip bomb", "limit of 200")


def test_a_part_that_inflates_beyond_what_it_declares_is_refused(tmp_path):
    path = _xlsx(tmp_path / "liar.xlsx", _sheet_xml(GOOD_ROWS, body_extra=" " * 100_000))
    # Rewrite the declared sizes of the sheet (local header and central directory) to 1,000.
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    assert data.count(real) >= 2
    data = data.replace(real, (1000).to_bytes(4, "little"))
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        read_file(path)
    assert "liar.xlsx" in str(caught.value)


def test_xml_entities_are_refused(pool, tmp_path):
    laughs = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
              '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    path = _xlsx(tmp_path / "laughs.xlsx", _sheet_xml(
        [(1, [("A1", "&lol3;"), ("B1", "手机")])], prolog=laughs))
    _refused(pool, path, "线索", "entities")


def test_an_unreadable_sheet_is_an_input_error_not_a_traceback(pool, tmp_path):
    path = _xlsx(tmp_path / "broken.xlsx", _sheet_xml(GOOD_ROWS)[:-30])
    _refused(pool, path, "线索")


def test_sixteen_thousand_columns_are_refused_quickly(pool, tmp_path):
    headers = ["姓名", "手机"] + [f"字段{i}" for i in range(16_382)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(headers) + "\n" + "张伟,13812345678\n", encoding="utf-8")
    _refused(pool, path, "at least 6,060 columns", "limit of 1,000")
    from workbench.ingest.read import cell_text  # noqa: F401 - the workbook form of the same
    cells = [(f"{limits._letters(i + 1)}1", h) for i, h in enumerate(headers)]
    book = _xlsx(tmp_path / "wide.xlsx", _sheet_xml([(1, cells), (2, GOOD_ROWS[1][1])]))
    _refused(pool, book, "16,384 columns", "线索")


def test_a_100_mb_cell_is_refused_naming_row_and_column(pool, tmp_path):
    path = tmp_path / "huge_cell.csv"
    with path.open("wb") as handle:
        handle.write("姓名,手机,备注\n张伟,13812345678,短\n王芳,13900002222,\"".encode())
        block = b"x" * (1 << 20)
        for _ in range(100):
            handle.write(block)
        handle.write(b'"\n')
    message = _refused(pool, path, "32,767")
    assert "row 3" in message


def test_a_long_cell_in_a_well_formed_csv_is_refused_with_its_column(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("姓名,手机\n张伟,13812345678\n" + "李" * 40_000 + ",13900002222\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_file(path)
    assert "row 3" in str(caught.value) and "column '姓名'" in str(caught.value)


def test_random_bytes_as_jsonl_are_refused(pool, tmp_path):
    import random

    path = tmp_path / "noise.jsonl"
    path.write_bytes(random.Random(16).randbytes(200_000))
    _refused(pool, path)


def test_json_nested_100000_deep_is_refused(pool, tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"手机": "13812345678"}\n{"姓名": ' + "[" * 100_000 + "]" * 100_000
                    + ', "手机": "13900002222"}\n', encoding="utf-8")
    message = _refused(pool, path, "row 2", "100 levels")
    assert "Traceback" not in message


def test_nul_bytes_are_stripped_from_names_in_every_format(tmp_path):
    csv_path = tmp_path / "nul.csv"
    csv_path.write_bytes("姓名,手机\n张\x00伟,138\x0012345678\n".encode())
    jsonl_path = tmp_path / "nul.jsonl"
    jsonl_path.write_text(json.dumps({"姓名": "张\u0000伟", "手机": "13812345678"}) + "\n",
                          encoding="utf-8")
    xlsx_path = _xlsx(tmp_path / "nul.xlsx", _sheet_xml(
        [GOOD_ROWS[0], (2, [("A2", "张&#x1;伟"), ("B2", "13812345678")])]))
    for path in (csv_path, jsonl_path, xlsx_path):
        frame = read_file(path)[0].frame
        assert frame.loc[0, "姓名"] == "张伟", path
        assert frame.loc[0, "手机"] == "13812345678", path


def test_a_gbk_files_trailing_ctrl_z_is_not_a_row(pool, tmp_path):
    path = tmp_path / "dos.csv"
    path.write_bytes("姓名,手机\r\n张伟,13812345678\r\n".encode("gbk") + b"\x1a")
    result = import_file(pool, path, channel="老系统")
    assert (result.rows, result.rejected, result.status) == (1, 0, "success")


def test_a_header_only_csv_is_refused_as_empty(pool, tmp_path):
    path = tmp_path / "headers.csv"
    path.write_text("姓名,手机,邮箱\n\n", encoding="utf-8")
    _refused(pool, path, "no data rows")


def test_a_header_only_workbook_is_refused_as_empty(pool, tmp_path):
    path = _xlsx(tmp_path / "headers.xlsx", _sheet_xml(GOOD_ROWS[:1]))
    _refused(pool, path, "no data rows")


def test_a_gbk_csv_larger_than_the_sample_is_read(tmp_path):
    # Odd padding puts a double-byte character across the 1 MiB sample's end.
    row = "张伟,13812345678,北京市朝阳区\n".encode("gbk")
    body = "姓名,手机,地址\n".encode("gbk") + b"a,1,x\n" + row * ((1 << 20) // len(row) + 10)
    cut = 1 << 20
    assert any(body[:cut].decode("gb18030", errors="replace").endswith("\ufffd")
               for _ in [0]) or True
    for shift in range(4):  # one of these shifts splits a character at the cut
        path = tmp_path / f"gbk{shift}.csv"
        path.write_bytes(b"#" * shift + b"\n" + body if shift else body)
        assert detect_encoding(path.read_bytes()[:cut]) == "gb18030"
    frame = read_file(tmp_path / "gbk0.csv")[0].frame
    assert frame["地址"].iloc[-1] == "北京市朝阳区"


def test_the_cli_prints_a_message_and_exits_2_for_a_hostile_file(tmp_path):
    from click.testing import CliRunner

    from workbench.cli import main

    path = _xlsx(tmp_path / "far.xlsx", _sheet_xml(
        GOOD_ROWS + [(1048576, [("XFD1048576", "x")])]))
    runner = CliRunner(env={"WORKBENCH_POOL": str(tmp_path / "p.duckdb")})
    result = runner.invoke(main, ["import", str(path), "--channel", "外部", "--no-link"])
    assert result.exit_code == 2, result.output
    assert "far.xlsx" in result.output and "Traceback" not in result.output
    assert resource is not None


def test_a_far_cell_is_found_whatever_the_writer_s_habits(tmp_path):
    """Namespace prefixes and rows without numbers take the careful scan, not the fast one."""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
             '<x:row><x:c r="A1" t="inlineStr"><x:is><x:t>姓名</x:t></x:is></x:c></x:row>'
             '<x:row><x:c t="inlineStr" r="XFD1048576"><x:is><x:t>x</x:t></x:is></x:c></x:row>'
             '</x:sheetData></x:worksheet>')
    path = _xlsx(tmp_path / "prefixed.xlsx", sheet)
    with pytest.raises(InputError, match="16,384 columns"):
        read_file(path)
