"""The import widget driven from Python: preview, correct a header, commit, sync-log row."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbench import Pool
from workbench.jobs.headless import files_to_import, import_files
from workbench.store.pool import run
from workbench.widgets.import_widget import ImportWidget

ROWS = [
    {"联系人": "张伟", "手机号码": "138 1234 5678", "邮箱": "zhangwei@163.com", "私人号": "zw_8812",
     "单位": "上海华通网络科技有限公司"},
    {"联系人": "李娜", "手机号码": "139-8765-4321", "邮箱": "lina@qq", "私人号": "lina_0731",
     "单位": "北京中科信息技术有限公司"},
    {"联系人": "王芳", "手机号码": "12345", "邮箱": "wangfang@126.com", "私人号": "",
     "单位": "广州明达贸易有限公司"},
]


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "展会名单.xlsx"
    pd.DataFrame(ROWS).to_excel(path, index=False)
    return path


def query(pool, sql, params=None):
    with pool.connect(read_only=True) as con:
        return run(con, sql, params).fetchall()


def test_preview_writes_nothing_and_shows_mapping_and_problems(tmp_path, workbook):
    pool = Pool(tmp_path / "pool.duckdb")
    widget = ImportWidget(pool, path=workbook, channel="trade_show")
    widget.preview_button.click()
    assert not pool.exists()
    choices = {h: d.value for h, d in widget.mapping_choices.items()}
    assert choices["手机号码"] == "phone" and choices["联系人"] == "name"
    assert choices["私人号"] == "(extra 其他)"
    problems = widget.batch.problems()
    assert {"phone", "email"} <= set(problems["field"])
    assert "12345" in widget.rows.value  # the problem row with its value
    assert widget.commit_button.disabled is False


def test_corrected_header_lands_in_the_pool_and_the_sync_log_row_shows(tmp_path, workbook):
    pool = Pool(tmp_path / "pool.duckdb")
    widget = ImportWidget(pool, path=workbook, channel="trade_show")
    widget.preview()
    widget.mapping_choices["私人号"].value = "wechat"
    widget.commit_button.click()
    assert widget.result.batch_id is not None
    wechats = {r[0] for r in query(pool, "SELECT wechat FROM records WHERE wechat IS NOT NULL")}
    assert wechats == {"zw_8812", "lina_0731"}
    row = widget.sync_row.iloc[0]
    assert (row["batch_id"], row["channel"], row["rows"]) == (widget.result.batch_id,
                                                              "trade_show", 3)
    stored = query(pool, "SELECT status, rows, error_rows FROM batches WHERE batch_id = ?",
                   [widget.result.batch_id])[0]
    assert stored == (row["status"], 3, row["error_rows"])
    assert "trade_show" in widget.log_view.value
    # the correction is saved for the channel: the next file of it maps the same way
    again = ImportWidget(pool, path=workbook, channel="trade_show")
    again.preview()
    assert again.mapping_choices["私人号"].value == "wechat"


def test_committing_the_same_file_twice_is_skipped(tmp_path, workbook):
    pool = Pool(tmp_path / "pool.duckdb")
    first = ImportWidget(pool, path=workbook, channel="trade_show")
    first.commit()
    second = ImportWidget(pool, path=workbook, channel="trade_show")
    second.commit()
    assert second.result.skipped and second.result.duplicate_of == first.result.batch_id
    assert query(pool, "SELECT count(*) FROM batches")[0][0] == 1


def test_upload_is_kept_on_disk_and_previewed(tmp_path, workbook):
    pool = Pool(tmp_path / "pool.duckdb")
    widget = ImportWidget(pool, channel="store", upload_dir=tmp_path / "uploads")
    data = workbook.read_bytes()
    widget.upload.value = ({"name": "门店.xlsx", "type": "", "size": len(data),
                            "content": memoryview(data),
                            "last_modified": dt.datetime(2026, 11, 22)},)
    assert widget.path.value == str(tmp_path / "uploads" / "门店.xlsx")
    assert (tmp_path / "uploads" / "门店.xlsx").read_bytes() == data
    assert widget.preview() is not None and widget.batch.rows == 3


def test_a_missing_file_is_said_not_raised(tmp_path):
    widget = ImportWidget(Pool(tmp_path / "pool.duckdb"), path=tmp_path / "nope.xlsx",
                          channel="store")
    assert widget.preview() is None
    assert "nope.xlsx" in widget.message.value and widget.commit_button.disabled


def test_unattended_import_writes_the_sync_log(tmp_path, workbook):
    pool = Pool(tmp_path / "pool.duckdb")
    log_rows = import_files(pool, files_to_import([str(workbook)], "trade_show"),
                            tmp_path / "out", link=False)
    assert list(log_rows["rows"]) == [3]
    sheets = pd.read_excel(tmp_path / "out" / "import_log.xlsx", sheet_name=None)
    assert sheets["sync log"]["batch_id"].tolist() == log_rows["batch_id"].tolist()
    assert {"phone", "email"} <= set(sheets["problems"]["field"])
    assert files_to_import([], "")[0][0].exists()  # empty: the bundled sample
