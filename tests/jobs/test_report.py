"""The quality report: the real notebook run by papermill, converted to HTML, its files."""

import base64
import json
import re

import nbformat
import openpyxl
import papermill
import pytest
from support.quality_data import BAD, GOOD, import_batch

from workbench.errors import InputError
from workbench.jobs.report import QUALITY_NOTEBOOK, run_notebook, write_report
from workbench.privacy.masking import add_admin, authorise
from workbench.quality.measures import SHEET_NAMES, quality_report
from workbench.store.pool import Pool

FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
PARAMETERS = {"pool_path", "out_dir", "since", "until", "channels", "masked", "problem_limit"}


@pytest.fixture
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_batch(pool, tmp_path, "官网表单", GOOD, start=1)
    import_batch(pool, tmp_path, "抖音广告", BAD, start=100)
    import_batch(pool, tmp_path, "抖音广告", ["formula_phone", "bad_email", "good"], start=200)
    return pool


def test_notebook_declares_its_parameters():
    assert set(papermill.inspect_notebook(str(QUALITY_NOTEBOOK))) == PARAMETERS


def test_notebook_is_committed_without_outputs():
    notebook = nbformat.read(QUALITY_NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and not any(c.outputs or c.execution_count for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


def test_unknown_parameter_is_refused_before_running(tmp_path):
    with pytest.raises(InputError, match="no parameter treshold"):
        run_notebook(QUALITY_NOTEBOOK, tmp_path / "out", {"treshold": 0.8})
    assert not (tmp_path / "out").exists()


def test_unmasked_report_needs_a_reason_and_an_authorised_user(pool, tmp_path, monkeypatch):
    with pytest.raises(InputError, match="reason"):
        write_report(pool, tmp_path / "out", masked=False)
    monkeypatch.setenv("WORKBENCH_USER", "实习生")
    with pytest.raises(InputError, match="'实习生' is not authorised"):
        write_report(pool, tmp_path / "out", masked=False, reason="想看看")
    add_admin(pool, "数据负责人")
    authorise(pool, "赵工", reason="数据分析师，经审批", actor="数据负责人")
    with pytest.raises(InputError, match="not authorised"):
        write_report(pool, tmp_path / "out", masked=False, reason="想看看")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_report_files_show_the_same_figures_as_the_pool(pool, tmp_path):
    files = write_report(pool, tmp_path / "report", progress=False)
    expected = quality_report(pool)

    figures = json.loads(files.figures.read_text(encoding="utf-8"))
    assert figures["summary"] == expected.summary
    assert figures["masked"] is True
    scores = {b["batch_id"]: b["score"] for b in figures["batches"]}
    assert scores == {1: 1.0, 2: 0.8535, 3: 0.94}  # 3: 0.4 + 0.3·8/10 + 0.3

    book = openpyxl.load_workbook(files.workbook)
    summary = dict(book[SHEET_NAMES["summary"]].iter_rows(min_row=2, max_col=2,
                                                          values_only=True))
    assert summary["score"] == expected.summary["score"]

    html = files.html.read_text(encoding="utf-8")
    assert f"{expected.summary['score']:.1%}" in html  # the summary table of the notebook
    assert "官网表单" in html and "抖音广告" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)  # opens without network
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == 4  # completeness, reachability, trend, batch scores
    charts = [base64.b64decode(i).decode("utf-8") for i in images]
    assert any("抖音广告" in svg for svg in charts)  # Chinese kept as text in the SVG
    assert "print(" not in html and "quality_report(" not in html  # code cells left out

    executed = nbformat.read(files.notebook, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)

    texts = [html, files.figures.read_text(encoding="utf-8")]
    texts += [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value]
    assert not [t for t in texts if FULL_MOBILE.search(t)]


@pytest.mark.slow
def test_unmasked_report_is_recorded_and_shows_phones(pool, tmp_path, monkeypatch):
    add_admin(pool, "数据负责人")
    authorise(pool, "赵工", reason="数据分析师，经审批", actor="数据负责人")
    monkeypatch.setenv("WORKBENCH_USER", "赵工")
    files = write_report(pool, tmp_path / "report", masked=False, reason="渠道整改核对",
                         channels=["抖音广告"], progress=False)
    with pool.connect() as con:
        (actor, reason), = con.execute(
            "SELECT actor, reason FROM events WHERE kind = 'unmasked_export'").fetchall()
    assert (actor, reason) == ("赵工", "渠道整改核对")
    figures = json.loads(files.figures.read_text(encoding="utf-8"))
    assert figures["masked"] is False and figures["filters"]["channels"] == ["抖音广告"]
    assert [c["channel"] for c in figures["channels"]] == ["抖音广告"]
    sheet = openpyxl.load_workbook(files.workbook)[SHEET_NAMES["problems"]]
    assert any(FULL_MOBILE.search(str(c.value)) for row in sheet.iter_rows() for c in row)
