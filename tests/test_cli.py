"""The command line as a person uses it: import, add, export, and the main job."""

import os
import subprocess
import sys

import pandas as pd
import pytest
import xlwt
from click.testing import CliRunner

from workbench.cli import main


@pytest.fixture
def runner(tmp_path):
    return CliRunner(env={"WORKBENCH_POOL": str(tmp_path / "pool.duckdb"),
                          "WORKBENCH_USER": "王专员"})


def _xls(path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("线索")
    for col, header in enumerate(["联系人", "电话号", "邮箱"]):
        sheet.write(0, col, header)
    sheet.write(1, 0, "张伟")
    sheet.write(1, 1, 13812345678)  # a number cell, as old Excel files hold phones
    sheet.write(1, 2, "zw@163.com")
    sheet.write(2, 0, "王芳")
    sheet.write(2, 1, "无")
    book.save(str(path))
    return path


def test_import_xls_with_a_mapping_then_export(runner, tmp_path):
    path = _xls(tmp_path / "老系统.xls")
    result = runner.invoke(main, ["import", str(path), "--channel", "呼叫中心",
                                  "--map", "电话号=phone", "--no-link"])
    assert result.exit_code == 0, result.output
    assert "2 rows, 1 imported, 1 rejected (partial)" in result.output  # 无 is no phone
    again = runner.invoke(main, ["import", str(path), "--channel", "呼叫中心", "--no-link"])
    assert "already imported as batch 1" in again.output
    out = tmp_path / "records.csv"
    exported = runner.invoke(main, ["export", "records", "--out", str(out)])
    assert exported.exit_code == 0 and "Wrote 2 rows" in exported.output
    frame = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert frame["phone"].tolist()[0] == "138****5678"  # masked unless authorised
    assert frame["entered_by"].unique().tolist() == ["王专员"]


def test_bad_input_is_a_plain_message_and_exit_2(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("姓名,备注\n张伟,hi\n", encoding="utf-8")
    result = runner.invoke(main, ["import", str(path), "--channel", "官网"])
    assert result.exit_code == 2
    assert "Error:" in result.output and "bad.csv" in result.output and "--map" in result.output
    assert "Traceback" not in result.output


def test_add_by_hand(runner):
    result = runner.invoke(main, ["add", "--channel", "线下门店", "name=李娜",
                                  "phone=139 1234 5678", "wechat=lina_2024"])
    assert result.exit_code == 0, result.output
    assert "1 rows, 1 imported" in result.output
    refused = runner.invoke(main, ["add", "--channel", "线下门店", "name=李娜", "phone=123"])
    assert "Not usable" in refused.output and "phone" in refused.output


@pytest.mark.slow
def test_quick_start_main_job_runs_the_whole_path(tmp_path):
    """The README's first command, minus the install: `workbench demo` in a fresh folder."""
    env = {**os.environ, "WORKBENCH_USER": "demo"}
    env.pop("WORKBENCH_POOL", None)
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "demo"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "Imported 5 sample files (2,500 new rows)" in out
    assert "Linked the whole pool" in out and "Merged" in out
    report = tmp_path / "data" / "reports" / "latest" / "quality_report.html"
    assert report.exists() and str(report.relative_to(tmp_path)) in out
    again = subprocess.run([sys.executable, "-m", "workbench.cli", "demo"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "(0 new rows)" in again.stdout
