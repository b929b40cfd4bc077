"""The commands on a real pool: costs from a file, the table as .xlsx, tags, segments, and the
notebook report `workbench analyse` (HTML with charts, masked, formula-safe workbook)."""

from __future__ import annotations

import json

import openpyxl
import papermill
import pytest
from click.testing import CliRunner
from support.analysis_pool import AS_OF, build_pool, write_costs

from workbench.cli import main
from workbench.jobs.analyse import ANALYSIS_NOTEBOOK


@pytest.fixture(scope="module")
def cli_pool(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    pool, ids = build_pool(folder)
    return pool, folder


def _run(pool, *args):
    result = CliRunner().invoke(main, ["--pool", str(pool.path), *args])
    return result


def test_costs_table_tags_and_segments_from_the_command_line(cli_pool, tmp_path):
    pool, folder = cli_pool
    costs = write_costs(tmp_path / "成本.xlsx")
    first = _run(pool, "channels", "costs", str(costs))
    assert first.exit_code == 0, first.output
    assert "5 个渠道月份有变化" in first.output
    assert "无变化" in _run(pool, "channels", "costs", str(costs)).output
    out = tmp_path / "渠道效果.xlsx"
    table = _run(pool, "analysis", "channels", "--as-of", AS_OF, "--attribution", "last",
                 "--out", str(out))
    assert table.exit_code == 0, table.output
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(out)["渠道效果"].iter_rows()]
    by_channel = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_channel["展会"]["客户获取成本(元/人)"] == 5000  # last touch: P1 to 展会
    assert by_channel["抖音"]["客单价(元)"] == 666.67
    tags = _run(pool, "analysis", "tags", "--as-of", AS_OF)
    assert tags.exit_code == 0 and "7 个新增" in tags.output, tags.output
    segments = _run(pool, "analysis", "segments", "--as-of", AS_OF, "-k", "2")
    assert segments.exit_code == 0 and "重要价值客户" in segments.output, segments.output


def test_bad_input_is_an_error_without_a_traceback(cli_pool, tmp_path):
    pool, _ = cli_pool
    bad = tmp_path / "bad.csv"
    bad.write_text("渠道,月份,花费\n抖音,2026-01,=1+1\n", encoding="utf-8")
    result = _run(pool, "channels", "costs", str(bad))
    assert result.exit_code == 2 and "row 2" in result.output and "花费" in result.output
    wrong = _run(pool, "analysis", "segments", "-k", "1")
    assert wrong.exit_code == 2 and "k 1" in wrong.output


def test_the_notebook_declares_its_parameters():
    declared = set(papermill.inspect_notebook(str(ANALYSIS_NOTEBOOK)))
    assert declared == {"pool_path", "out_dir", "since", "until", "as_of", "attribution", "k",
                        "masked", "materialise_tags"}


@pytest.mark.slow
def test_analyse_writes_a_masked_offline_report_and_workbook(cli_pool, tmp_path):
    pool, folder = cli_pool
    write_costs(folder / "c.xlsx")
    _run(pool, "channels", "costs", str(folder / "c.xlsx"))
    out = tmp_path / "report"
    result = _run(pool, "analyse", "--out", str(out), "--as-of", AS_OF, "--attribution",
                  "shared", "-k", "2")
    assert result.exit_code == 0, result.output
    html = (out / "customer_analysis.html").read_text(encoding="utf-8")
    assert "渠道效果" in html and "客户获取成本(元/人)" in html and "15000.00" in html
    assert html.count("data:image/svg+xml") >= 3  # charts inline, nothing from the network
    assert "<script src=\"http" not in html
    assert "13800000001" not in html and "张伟" not in html  # masked
    book = openpyxl.load_workbook(out / "customer_analysis.xlsx")
    assert book.sheetnames == ["渠道效果", "渠道效果(按月)", "客户标签", "客户分群", "说明"]
    people = [[c.value for c in r] for r in book["客户标签"].iter_rows()]
    assert "张*" in [r[1] for r in people] and "张伟" not in [r[1] for r in people]
    figures = json.loads((out / "figures.json").read_text(encoding="utf-8"))
    assert figures["settings"]["attribution"] == "shared" and figures["masked"] is True
    assert figures["leads"] == 5 and figures["customers"] == pytest.approx(3)
