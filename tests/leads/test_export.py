"""Exports: records with raw values beside the standardised ones, the sync log, rejects."""

import openpyxl
import pandas as pd
import pytest

from workbench.errors import InputError
from workbench.ingest.importer import import_file
from workbench.leads.export import export_table
from workbench.privacy.masking import add_admin, authorise
from workbench.store.pool import Pool


@pytest.fixture
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    path = tmp_path / "leads.csv"
    path.write_text(
        "姓名,手机,邮箱,备注\n"
        "张伟,138 1234 5678,ZW@163.com,=HYPERLINK(\"http://x\")\n"
        "王芳,12345,,\n",
        encoding="utf-8",
    )
    import_file(pool, path, channel="官网")
    add_admin(pool, "数据负责人")
    authorise(pool, "分析师", actor="数据负责人", reason="渠道核对")
    return pool


def test_records_csv_has_standardised_and_raw_side_by_side(pool, tmp_path):
    out, rows = export_table(pool, "records", tmp_path / "records.csv", mask=False,
                             actor="分析师")
    assert rows == 2
    frame = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    first = frame.iloc[0]
    assert (first["phone"], first["phone_raw"]) == ("+8613812345678", "138 1234 5678")
    assert (first["email"], first["email_raw"]) == ("zw@163.com", "ZW@163.com")
    assert first["remark"].startswith("'=")  # a formula is text in CSV too
    assert list(frame.columns).index("phone_raw") == list(frame.columns).index("phone") + 1


def test_rejects_xlsx_carries_row_reason_and_values_and_no_formula(pool, tmp_path):
    out, rows = export_table(pool, "rejects", tmp_path / "rejects.xlsx", batch=1, mask=False,
                             actor="分析师")
    assert rows == 1
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["source_row"] == 3 and values["phone"] == "12345" and values["name"] == "王芳"
    assert "phone" in values["reject_reason"]
    assert "email" not in header or values.get("email") is None


def test_masked_export_and_access_is_recorded(pool, tmp_path):
    out, _ = export_table(pool, "records", tmp_path / "masked.csv", mask=True, actor="李经理")
    text = out.read_text(encoding="utf-8-sig")
    assert "13812345678" not in text and "5678" in text
    with pool.connect() as con:
        event = con.execute("SELECT actor, kind, payload FROM events WHERE kind = 'export'"
                            ).fetchone()
    assert event[0] == "李经理" and '"masked": true' in event[2]


def test_batches_export_and_bad_kind(pool, tmp_path):
    out, rows = export_table(pool, "batches", tmp_path / "batches.xlsx")
    assert rows == 1
    with pytest.raises(InputError, match="Choose one of"):
        export_table(pool, "secrets", tmp_path / "x.csv")
    with pytest.raises(InputError, match=r"\.csv or \.xlsx"):
        export_table(pool, "records", tmp_path / "x.pdf")
