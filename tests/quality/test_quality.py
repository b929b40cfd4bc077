"""Quality measures on batches with known defects: every figure exactly the expected one."""

import datetime as dt
import json
import re

import openpyxl
import pandas as pd
import pytest
from support.quality_data import FORMULA, expected, expected_field, import_batch

from workbench.errors import InputError
from workbench.quality.measures import (
    KEY_FIELDS,
    NO_CLUSTERS_NOTE,
    SHEET_NAMES,
    quality_report,
    write_quality_files,
)
from workbench.store.pool import Pool

A_KINDS = ["good", "good", "good", "bad_phone"]
B_KINDS = ["no_name", "bad_email", "formula_phone", "abnormal_age"]
RATES = ("completeness", "validity", "reachability", "score")
COUNTS = ("rows", "present", "valid", "reachable", "complete", "rejected")
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_batch(pool, tmp_path, "官网", A_KINDS, start=1)
    import_batch(pool, tmp_path, "抖音", B_KINDS, start=11)
    return pool


def _record_ids(pool):
    with pool.connect() as con:
        return dict(con.execute(
            "SELECT batch_id, list(record_id ORDER BY record_id) FROM records GROUP BY 1"
        ).fetchall())


def _link(pool, clusters):
    """Write clusters as linkage does: {cluster_id: [record ids]}."""
    with pool.transaction() as con:
        con.execute("INSERT INTO linkage_runs (run_id, started_at, kind) VALUES (1, now(), 'full')")
        for cluster_id, members in clusters.items():
            for record_id in members:
                con.execute("INSERT INTO clusters VALUES (?, ?, 1)", [record_id, cluster_id])


def _figures(row):
    return {k: row[k] for k in (*COUNTS, *RATES)}


def _expected(kinds):
    return {k: expected(kinds)[k] for k in (*COUNTS, *RATES)}


def test_pool_channel_and_batch_figures_are_exact(pool):
    report = quality_report(pool)
    assert _figures(report.summary) == _expected(A_KINDS + B_KINDS)
    # 0.8786 and 0.8432: both below 90%, no channel paused yet (that takes three)
    assert (expected(A_KINDS)["score"], expected(B_KINDS)["score"]) == (0.8786, 0.8432)
    assert report.summary["batches_below_threshold"] == 2
    assert report.summary["channels_paused"] == 0
    channels = report.channels.set_index("channel")
    assert _figures(channels.loc["官网"]) == _expected(A_KINDS)
    assert _figures(channels.loc["抖音"]) == _expected(B_KINDS)
    batches = report.batches.set_index("batch_id")
    assert _figures(batches.loc[1]) == _expected(A_KINDS)
    assert _figures(batches.loc[2]) == _expected(B_KINDS)
    (day,) = report.trend.to_dict("records")
    assert day["day"] == dt.date.today() and day["batches"] == 2
    assert _figures(day) == _expected(A_KINDS + B_KINDS)


@pytest.mark.parametrize("field", ["name", "phone", "email", "company", "age", "wechat"])
def test_field_completeness_and_validity_are_exact(pool, field):
    report = quality_report(pool)
    everyone = A_KINDS + B_KINDS
    present, valid = expected_field(everyone, field)
    row = report.fields.set_index("field").loc[field]
    assert (row["records"], row["present"], row["valid"]) == (8, present, valid)
    assert row["completeness"] == round(present / 8, 4)
    if present:
        assert row["validity"] == round(valid / present, 4)
    else:
        assert row["validity"] != row["validity"]  # NaN: no values, nothing to be valid
    by_channel = report.fields_by_channel.set_index(["channel", "field"])
    channels, batches = report.channels.set_index("channel"), report.batches.set_index("batch_id")
    for batch_id, channel, kinds in ((1, "官网", A_KINDS), (2, "抖音", B_KINDS)):
        present, valid = expected_field(kinds, field)
        assert tuple(by_channel.loc[(channel, field), ["present", "valid"]]) == (present, valid)
        if field in KEY_FIELDS:
            share = round(present / len(kinds), 4)
            assert channels.loc[channel, f"completeness_{field}"] == share
            assert batches.loc[batch_id, f"completeness_{field}"] == share


def test_without_clusters_the_report_says_so_rather_than_zero(pool):
    report = quality_report(pool)
    assert report.has_clusters is False
    assert report.summary["duplicate_rate"] is None
    assert report.channels["duplicate_rate"].isna().all()
    assert report.overlap is None
    assert NO_CLUSTERS_NOTE in report.notes


def test_duplicates_new_vs_known_and_overlap_from_clusters(pool):
    ids = _record_ids(pool)
    a, b = ids[1], ids[2]
    # a0~b0 and a1~b1 are the same people in both channels; b2~b3 twice in one batch.
    _link(pool, {1: [a[0], b[0]], 2: [a[1], b[1]], 3: [a[2]], 4: [a[3]], 5: [b[2], b[3]]})
    report = quality_report(pool)
    assert report.summary["duplicate_rate"] == 0.75  # 6 of 8 linked records
    channels = report.channels.set_index("channel")
    assert channels.loc["官网", "duplicate_rate"] == 0.5
    assert channels.loc["抖音", "duplicate_rate"] == 1.0
    batches = report.batches.set_index("batch_id")
    assert tuple(batches.loc[1, ["linked", "known", "new_records", "new_leads"]]) == (4, 0, 4, 4)
    assert tuple(batches.loc[2, ["linked", "known", "new_records", "new_leads"]]) == (4, 2, 2, 1)
    assert report.overlap.to_dict() == {"官网": {"官网": 4, "抖音": 2},
                                         "抖音": {"官网": 2, "抖音": 3}}
    assert report.notes == []


def test_duplicate_rate_counts_only_linked_records(pool, tmp_path):
    ids = _record_ids(pool)
    _link(pool, {1: [ids[1][0], ids[1][1]], 2: [ids[1][2]], 3: [ids[1][3]]})
    report = quality_report(pool)
    channels = report.channels.set_index("channel")
    assert channels.loc["官网", "duplicate_rate"] == 0.5
    # 抖音 was not linked yet: unknown, not 0%
    assert pd.isna(channels.loc["抖音", "duplicate_rate"])


def test_filters_by_channel_and_date(pool):
    only = quality_report(pool, channels=["抖音"])
    assert list(only.channels["channel"]) == ["抖音"]
    assert _figures(only.summary) == _expected(B_KINDS)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert quality_report(pool, since=tomorrow).summary["rows"] == 0
    assert quality_report(pool, since="1d").summary["rows"] == 8
    with pytest.raises(InputError, match="not a date"):
        quality_report(pool, since="yesterday")


def test_problem_rows_say_what_is_wrong_and_where(pool):
    problems = quality_report(pool).problems
    # bad_phone (rejected), bad_email, formula_phone, abnormal_age; no_name is reachable and valid
    assert len(problems) == 4
    notes = {(r.channel, r.source_row): r.problems for r in problems.itertuples()}
    # rows counted as in the file, the header being row 1
    assert notes[("官网", 5)].startswith("rejected: ") and "phone: invalid" in notes[("官网", 5)]
    assert notes[("抖音", 3)] == "email: invalid"
    assert notes[("抖音", 4)] == "phone: invalid"
    assert notes[("抖音", 5)] == "age: abnormal"
    assert set(problems["channel"]) == {"官网", "抖音"}
    assert FORMULA in set(problems["phone_raw"])


def test_masked_files_hold_no_full_phone_number(pool, tmp_path):
    report = quality_report(pool)
    assert any(FULL_MOBILE.search(str(v)) for v in report.problems["remark_raw"])  # it is there
    files = write_quality_files(report, tmp_path / "out")
    book = openpyxl.load_workbook(files["workbook"])
    cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value]
    assert not [c for c in cells if FULL_MOBILE.search(c)]
    assert not FULL_MOBILE.search(files["figures"].read_text(encoding="utf-8"))
    problems = book[SHEET_NAMES["problems"]]
    header = [c.value for c in problems[1]]
    names = [r[header.index("name_raw")] for r in problems.iter_rows(min_row=2, values_only=True)]
    assert "张*" in names or any(n and n.endswith("*") for n in names)
    assert all(n is None or re.fullmatch(r".\*+", n) for n in names)


def test_formula_from_lead_data_is_written_as_text(pool, tmp_path):
    files = write_quality_files(quality_report(pool), tmp_path / "out", masked=False)
    sheet = openpyxl.load_workbook(files["workbook"])[SHEET_NAMES["problems"]]
    header = [c.value for c in sheet[1]]
    column = header.index("phone_raw") + 1
    cells = [sheet.cell(row, column) for row in range(2, sheet.max_row + 1)]
    (formula,) = [c for c in cells if c.value == FORMULA]
    assert formula.data_type == "s" and formula.quotePrefix


def test_workbook_and_figures_hold_the_report_figures(pool, tmp_path):
    report = quality_report(pool)
    files = write_quality_files(report, tmp_path / "out")
    figures = json.loads(files["figures"].read_text(encoding="utf-8"))
    assert figures["summary"] == report.summary
    assert figures["masked"] is True
    book = openpyxl.load_workbook(files["workbook"])
    summary = {r[0]: r[1] for r in book[SHEET_NAMES["summary"]].iter_rows(min_row=2,
                                                                          values_only=True)}
    assert summary["score"] == report.summary["score"]
    assert summary["rows"] == 8
    assert set(book.sheetnames) >= {SHEET_NAMES[k] for k in
                                    ("summary", "channels", "batches", "fields", "problems")}


@pytest.mark.slow
def test_measures_after_real_linkage_agree_with_the_clusters(tmp_path):
    from workbench.ingest.importer import import_file
    from workbench.linkage.link import dedupe_pool
    from workbench.testdata.generate import generate_leads
    pool = Pool(tmp_path / "linked.duckdb")
    frame = generate_leads(600, seed=3, channels=["官网表单", "展会", "抖音广告"])
    for channel, part in frame.groupby("channel"):
        path = tmp_path / f"{channel}.csv"
        part.drop(columns=["channel", "entity_id"]).to_csv(path, index=False)
        import_file(pool, path, channel=channel)
    dedupe_pool(pool, seed=1)
    with pool.connect() as con:
        linked = con.execute(
            "SELECT c.record_id, c.cluster_id, b.channel, r.batch_id FROM clusters c "
            "JOIN records r USING (record_id) JOIN batches b USING (batch_id)").df()
    report = quality_report(pool)
    assert report.has_clusters and report.notes == []

    sizes = linked.groupby("cluster_id")["record_id"].transform("size")
    assert report.summary["linked"] == len(linked)
    assert report.summary["duplicates"] == int((sizes > 1).sum())
    assert report.summary["duplicate_rate"] == round((sizes > 1).mean(), 4)
    assert 0.2 < report.summary["duplicate_rate"] < 0.8  # the generator repeats ~35% of people

    leads = linked.groupby("channel")["cluster_id"].apply(set)
    for a in leads.index:
        for b in leads.index:
            assert report.overlap.loc[a, b] == len(leads[a] & leads[b])
    first = linked.groupby("cluster_id")["batch_id"].transform("min")
    known = linked[first < linked["batch_id"]].groupby("batch_id").size()
    batches = report.batches.set_index("batch_id")
    for batch_id in batches.index:
        assert batches.loc[batch_id, "known"] == known.get(batch_id, 0)
