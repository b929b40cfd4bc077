"""Review: patterns and batch decisions, and the Excel round-trip with stale and edited files."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from support.leadpool_cases import import_rows, lead_of, propose_clusters

from workbench.errors import InputError
from workbench.leads.decisions import Decision, decide
from workbench.leads.review import (
    apply_review,
    decide_pattern,
    export_review,
    pattern_of,
    preview_pattern,
    queue_patterns,
    review_queue,
)
from workbench.store.pool import Pool

PEOPLE = [
    # cluster 10: same mobile, different name
    {"name": "王芳", "phone": "13900001111"}, {"name": "王小芳", "phone": "13900001111"},
    # cluster 20: same mobile, different name
    {"name": "李雷", "phone": "13900002222"}, {"name": "李磊", "phone": "13900002222"},
    # cluster 30: same name and company, different mobile
    {"name": "刘洋", "phone": "13700002222", "company": "阿里巴巴"},
    {"name": "刘洋", "phone": "13700002223", "company": "阿里巴巴"},
    # cluster 40: three records, one of them someone else
    {"name": "陈静", "phone": "13600001111", "email": "cj@a.com"},
    {"name": "陈静", "phone": "13600001111", "email": "cj@b.com"},
    {"name": "陈晶", "phone": "13600001111", "email": "chenjing@c.com"},
]
CLUSTERS = {10: [1, 2], 20: [3, 4], 30: [5, 6], 40: [7, 8, 9]}


@pytest.fixture()
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_rows(pool, tmp_path / "in", "展会", PEOPLE)
    propose_clusters(pool, CLUSTERS)
    return pool


@pytest.mark.parametrize("counts, pattern", [
    ({"phone_distinct": 1, "phone_present": 2, "name_distinct": 2, "name_present": 2},
     "same mobile, different name"),
    ({"phone_distinct": 2, "phone_present": 2, "name_distinct": 1, "name_present": 2,
      "company_distinct": 1, "company_present": 2}, "same name and company, different mobile"),
    ({"email_distinct": 1, "email_present": 1, "name_distinct": 1, "name_present": 3},
     "same name"),
    ({}, "nothing to compare"),
])
def test_pattern_names_what_agrees_and_what_conflicts(counts, pattern):
    assert pattern_of(counts) == pattern


def test_patterns_are_counted_and_one_decision_settles_a_group(pool):
    patterns = queue_patterns(pool).set_index("pattern")
    assert patterns.loc["same mobile, different name", "clusters"] == 2
    assert patterns.loc["same name and company, different mobile", "clusters"] == 1
    preview = preview_pattern(pool, "same mobile, different name", "merge")
    assert sorted(preview.cluster_id) == [10, 20]
    assert all("become lead" in e for e in preview.effect)
    assert lead_of(pool, 1) != lead_of(pool, 2)  # a preview changes nothing
    event = decide_pattern(pool, "same mobile, different name", "merge", reason="同号改名").event_id
    assert lead_of(pool, 1) == lead_of(pool, 2) and lead_of(pool, 3) == lead_of(pool, 4)
    assert sorted(review_queue(pool).cluster_id) == [30, 40]
    with pool.connect() as con:
        rows = con.execute("SELECT cluster_id, pattern, event_id FROM review_decisions "
                           "ORDER BY cluster_id").fetchall()
    assert rows == [(10, "same mobile, different name", event),
                    (20, "same mobile, different name", event)]
    with pytest.raises(InputError, match="No pending cluster"):
        decide_pattern(pool, "same mobile, different name", "merge")
    with pytest.raises(InputError, match="split cannot be decided"):
        preview_pattern(pool, "same name and company, different mobile", "split")


def _fill(path, out, decisions: dict[int, str], leave=(), edit=None, drop_record=None):
    """Act as a person in Excel: choose decisions, mark leavers, maybe edit or delete a row."""
    book = load_workbook(path)
    sheet = book["审核 review"]
    headers = [c.value for c in sheet[1]]
    col = {h: i + 1 for i, h in enumerate(headers)}
    for row in range(sheet.max_row, 1, -1):
        cluster = sheet.cell(row, col["簇 cluster"]).value
        record = sheet.cell(row, col["记录 record"]).value
        if record == drop_record:
            sheet.delete_rows(row)
            continue
        if cluster in decisions and sheet.cell(row, col["模式 pattern"]).value:
            sheet.cell(row, col["决定 decision"]).value = decisions[cluster]
        if record in leave:
            sheet.cell(row, col["离开 leave (x)"]).value = "x"
        if edit and record == edit[0]:
            sheet.cell(row, col[edit[1]]).value = edit[2]
    book.save(out)
    return out


def test_review_file_round_trip(pool, tmp_path):
    path, n = export_review(pool, tmp_path / "review.xlsx")
    assert n == 4
    book = load_workbook(path)
    sheet = book["审核 review"]
    assert sheet.data_validations.dataValidation[0].formula1.startswith('"merge 合并')
    name_col = [c.value for c in sheet[1]].index("name") + 1
    # the two names of cluster 10 differ: highlighted; the phones agree: not highlighted
    assert sheet.cell(2, name_col).fill.fgColor.rgb.endswith("FFEB9C")
    assert not str(sheet.cell(2, name_col + 1).fill.fgColor.rgb).endswith("FFEB9C")
    filled = _fill(path, tmp_path / "filled.xlsx",
                   {10: "merge 合并", 20: "不是重复", 40: "split 拆分"}, leave=(9,))
    report = apply_review(pool, filled)
    assert sorted(report.applied) == [(10, "merge"), (20, "not_duplicates"), (40, "split")]
    assert report.undecided == 1 and not report.refused
    assert lead_of(pool, 1) == lead_of(pool, 2)
    assert lead_of(pool, 3) != lead_of(pool, 4)
    assert lead_of(pool, 7) == lead_of(pool, 8) != lead_of(pool, 9)
    again = apply_review(pool, filled)  # nothing is applied twice
    assert not again.applied and sorted(again.already) == [10, 20, 40]
    assert sorted(review_queue(pool).cluster_id) == [30]


def test_stale_edited_and_truncated_files_are_refused_where_invalid(pool, tmp_path):
    path, _ = export_review(pool, tmp_path / "review.xlsx")
    # meanwhile someone merges cluster 10 another way, and linkage grows cluster 30
    decide(pool, Decision(10, (1, 2), "not_duplicates"))
    with pool.transaction() as con:
        con.execute("UPDATE clusters SET cluster_id = 30 WHERE record_id = 4")
    edited = _fill(path, tmp_path / "edited.xlsx",
                   {10: "merge 合并", 20: "merge 合并", 30: "merge 合并", 40: "merge 合并"},
                   edit=(7, "phone", "13600009999"), drop_record=4)
    with pytest.raises(InputError, match="nothing was applied"):
        apply_review(pool, edited, strict=True)
    assert lead_of(pool, 7) != lead_of(pool, 8)
    report = apply_review(pool, edited)
    refused = dict(report.refused)
    assert "changed this cluster" in refused[10]
    assert "removed" in refused[20]
    assert "changed this cluster" in refused[30]
    assert "edited" in refused[40]
    assert report.applied == [] and report.event_id is None
    assert "4 个被拒 refused" in report.summary()


def test_a_file_that_is_not_a_review_file_is_refused(pool, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "手机号"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(InputError, match="not a review file"):
        apply_review(pool, tmp_path / "other.xlsx")


def test_formula_like_values_keep_the_quote_prefix_and_still_round_trip(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_rows(pool, tmp_path / "in", "展会", [
        {"name": "赵敏", "phone": "13500001111", "company": '=HYPERLINK("http://x","y")'},
        {"name": "赵敏", "phone": "13500001111", "company": "@SUM(A1)"},
    ])
    propose_clusters(pool, {50: [1, 2]})
    path, n = export_review(pool, tmp_path / "review.xlsx")
    assert n == 1
    sheet = load_workbook(path)["审核 review"]
    col = [c.value for c in sheet[1]].index("company") + 1
    name_col = [c.value for c in sheet[1]].index("name") + 1
    cells = [sheet.cell(row, col) for row in (2, 3)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x","y")', "@SUM(A1)"]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not sheet.cell(2, name_col).quotePrefix
    # the differing companies are still highlighted, and the first row still has its line
    assert cells[0].fill.fgColor.rgb.endswith("FFEB9C") and cells[0].border.top.style
    report = apply_review(pool, _fill(path, tmp_path / "filled.xlsx", {50: "merge 合并"}))
    assert report.applied == [(50, "merge")] and not report.refused
