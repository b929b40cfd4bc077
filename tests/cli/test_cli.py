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


def _records(path) -> int:
    from workbench.store.pool import Pool
    with Pool(path).connect(read_only=True) as con:
        return con.execute("SELECT count(*) FROM records").fetchone()[0]


def test_pool_is_chosen_before_or_after_the_command(runner, tmp_path):
    """`--pool` works on the group, on a command and on a subgroup's command; the innermost
    one given wins over the group's, which wins over WORKBENCH_POOL."""
    lead = ["add", "--channel", "线下门店", "name=李娜", "phone=13912345678"]
    after = tmp_path / "after.duckdb"
    assert runner.invoke(main, [*lead, "--pool", str(after)]).exit_code == 0
    before = tmp_path / "before.duckdb"
    assert runner.invoke(main, ["--pool", str(before), *lead]).exit_code == 0
    inner = tmp_path / "inner.duckdb"
    assert runner.invoke(main, ["--pool", str(before), *lead, "--pool", str(inner)]).exit_code == 0
    assert (_records(after), _records(before), _records(inner)) == (1, 1, 1)
    assert not (tmp_path / "pool.duckdb").exists()  # WORKBENCH_POOL was overridden each time
    listed = runner.invoke(main, ["channels", "list", "--pool", str(after)])
    assert listed.exit_code == 0 and "线下门店" in listed.output
    empty = runner.invoke(main, ["channels", "list"])  # WORKBENCH_POOL's pool is not there
    assert empty.exit_code == 2 and "pool.duckdb" in empty.output
    events = runner.invoke(main, ["events", "--pool", str(after)])
    assert events.exit_code == 0 and "import" in events.output and "王专员" in events.output


def test_pool_after_the_command_in_a_real_process(tmp_path):
    """As the README shows it, in a shell: `workbench import FILE --pool P` (no "No such
    option"), and WORKBENCH_POOL for the next command."""
    env = {**os.environ, "WORKBENCH_USER": "王专员"}
    env.pop("WORKBENCH_POOL", None)
    path = tmp_path / "线索.csv"
    path.write_text("姓名,手机\n张伟,13812345678\n王芳,13987654321\n", encoding="utf-8")
    pool = tmp_path / "p.duckdb"
    done = subprocess.run([sys.executable, "-m", "workbench", "import", str(path), "-c", "官网",
                           "--no-link", "--pool", str(pool)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 rows, 2 imported" in done.stdout
    assert _records(pool) == 2 and not (tmp_path / "data").exists()
    listed = subprocess.run([sys.executable, "-m", "workbench", "channels"], cwd=tmp_path,
                            env={**env, "WORKBENCH_POOL": str(pool)}, capture_output=True,
                            text=True, timeout=300)
    assert listed.returncode == 0 and "官网" in listed.stdout, listed.stderr[-3000:]


@pytest.mark.parametrize("command", [["merge"], ["dedupe"], ["import", __file__, "-c", "官网"]])
def test_threshold_is_a_probability_and_a_weight_has_its_own_option(runner, tmp_path, command):
    refused = runner.invoke(main, [*command, "--threshold", "4.2"])
    assert refused.exit_code == 2
    assert "不是 0 与 1 之间的匹配概率" in refused.output and "--min-weight 4.2" in refused.output
    both = runner.invoke(main, [*command, "--threshold", "0.9", "--min-weight", "3"])
    assert both.exit_code == 2 and "not both" in both.output
    assert not (tmp_path / "pool.duckdb").exists()  # refused before anything was opened


def test_merge_at_a_match_weight(runner):
    lead = ["add", "--channel", "线下门店", "name=李娜", "phone=13912345678"]
    assert runner.invoke(main, lead).exit_code == 0
    done = runner.invoke(main, ["merge", "--min-weight", "6.5"])
    assert done.exit_code == 0, done.output
    assert "No pending cluster is safe at weight 6.5; 1 leads." in done.output
