"""The review widget driven from Python: buttons, keys, overrides, batch decisions, headless."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench.jobs.headless import review_unattended
from workbench.leads.lookup import ordered_queue, preview_golden
from workbench.leads.review import review_queue
from workbench.store.pool import run
from workbench.widgets.review_widget import ReviewWidget, side_by_side_html


def leads_of(pool, ids) -> dict[int, int]:
    with pool.connect(read_only=True) as con:
        rows = run(con, "SELECT record_id, lead_id FROM current_membership "
                        "WHERE record_id IN (SELECT unnest(?::BIGINT[]))", [list(ids)]).fetchall()
    return dict(rows)


def scalar(pool, sql, params=None):
    with pool.connect(read_only=True) as con:
        return run(con, sql, params).fetchone()[0]


def test_queue_puts_the_least_certain_cluster_first(sample_pool):
    queue = ordered_queue(sample_pool)
    assert len(queue) > 5
    distance = (queue["p_min"] - 0.5).abs()
    assert distance.is_monotonic_increasing
    assert set(queue["cluster_id"]) == set(review_queue(sample_pool)["cluster_id"])


def test_merge_button_joins_the_cluster_and_moves_on(sample_pool):
    review = ReviewWidget(sample_pool)
    first, ids = int(review.current.cluster_id), review.record_ids
    assert len(set(leads_of(sample_pool, ids).values())) > 1
    review.buttons["merge"].click()
    assert len(set(leads_of(sample_pool, ids).values())) == 1
    assert review.decided[0][:2] == (first, "merge")
    assert int(review.current.cluster_id) != first
    assert review.progress.value == 1 and "done <b>1</b>" in review.counts.value
    assert scalar(sample_pool, "SELECT count(*) FROM review_decisions WHERE cluster_id = ? "
                               "AND decision = 'merge'", [first]) == 1
    assert scalar(sample_pool, "SELECT count(*) FROM current_labels WHERE is_match "
                               "AND record_id_l IN (SELECT unnest(?::BIGINT[]))", [list(ids)]) >= 1


def test_a_new_widget_resumes_where_the_last_one_stopped(sample_pool):
    """Every decision is stored at once: a new widget (a restarted kernel) does not show it."""
    review = ReviewWidget(sample_pool)
    done = int(review.current.cluster_id)
    review.decide("not_duplicates")
    again = ReviewWidget(sample_pool)
    assert done not in set(again.queue["cluster_id"])
    assert len(again.queue) == len(review.queue) - 1


def test_split_moves_the_ticked_record_out(sample_pool):
    review = ReviewWidget(sample_pool)
    ids = review.record_ids
    review.leave.children[-1].value = True
    review.buttons["split"].click()
    leads = leads_of(sample_pool, ids)
    staying = [leads[r] for r in ids[:-1]]
    assert leads[ids[-1]] not in staying
    assert len(set(staying)) == 1
    assert scalar(sample_pool, "SELECT count(*) FROM current_constraints WHERE kind = "
                               "'cannot_link' AND (record_id_l = ? OR record_id_r = ?)",
                  [ids[-1], ids[-1]]) >= 1


def test_split_without_a_ticked_record_is_refused_and_stays(sample_pool):
    review = ReviewWidget(sample_pool)
    shown = int(review.current.cluster_id)
    before = scalar(sample_pool, "SELECT count(*) FROM events")
    assert review.buttons["split"].click() is None
    assert int(review.current.cluster_id) == shown
    assert "leave" in review.message.value
    assert scalar(sample_pool, "SELECT count(*) FROM events") == before


@pytest.mark.parametrize(("key", "decision"), [("m", "merge"), ("n", "not_duplicates"),
                                               ("k", "skip"), ("1", "merge"), ("3", "not_duplicates")])
def test_keys_decide_like_the_buttons(sample_pool, key, decision):
    review = ReviewWidget(sample_pool)
    ids = review.record_ids
    review.keys.widget.value = key  # what a keystroke in the key box sends
    assert review.decided[-1][1] == decision
    assert review.keys.widget.value == ""
    leads = set(leads_of(sample_pool, ids).values())
    expected = {"merge": 1, "not_duplicates": len(ids)}.get(decision)
    if expected:
        assert len(leads) == expected
    decisions = scalar(sample_pool, "SELECT string_agg(decision, ',') FROM review_decisions")
    assert decisions == decision


def test_unbound_keys_do_nothing(sample_pool):
    review = ReviewWidget(sample_pool)
    review.keys.widget.value = "x"
    assert review.decided == [] and review.keys.pressed == []


def test_preview_is_the_golden_lead_the_merge_makes_and_writes_nothing(sample_pool):
    review = ReviewWidget(sample_pool)
    ids = review.record_ids
    events = scalar(sample_pool, "SELECT count(*) FROM events")
    preview = preview_golden(sample_pool, ids)
    assert scalar(sample_pool, "SELECT count(*) FROM events") == events
    review.decide("merge")
    lead = leads_of(sample_pool, ids)[ids[0]]
    with sample_pool.connect(read_only=True) as con:
        after = run(con, "SELECT * FROM leads WHERE lead_id = ?", [lead]).df().iloc[0]
    for field in ("name", "phone", "email", "wechat", "company", "title", "city"):
        assert (preview[field] == after[field]) or (pd.isna(preview[field]) and pd.isna(after[field]))


def test_a_field_overridden_while_merging_is_kept_as_an_edit(sample_pool):
    review = ReviewWidget(sample_pool)
    ids = review.record_ids
    review.overrides["title"].value = "采购总监(复核)"
    review.buttons["merge"].click()
    lead = leads_of(sample_pool, ids)[ids[0]]
    assert scalar(sample_pool, "SELECT title FROM leads WHERE lead_id = ?", [lead]) == "采购总监(复核)"
    assert scalar(sample_pool, "SELECT count(*) FROM edits WHERE lead_id = ? AND field = 'title'",
                  [lead]) == 1


def test_batch_decision_decides_every_cluster_of_the_pattern(sample_pool):
    review = ReviewWidget(sample_pool)
    pattern = review.pattern.options[0][1]
    count = int((review.queue["pattern"] == pattern).sum())
    review.batch_decision.value = "not_duplicates"
    preview = review.preview_batch()
    assert len(preview) == count
    review.apply_button.click()
    assert pattern not in set(review_queue(sample_pool)["pattern"])
    assert sum(d[1] == "not_duplicates" for d in review.decided) == count
    assert len(set(e for _, _, e in review.decided)) == 1  # one undoable event


def test_unattended_review_merges_safe_clusters_and_exports_the_rest(sample_pool, tmp_path):
    summary = review_unattended(sample_pool, tmp_path / "out", auto_merge_threshold=0.99)
    left = review_queue(sample_pool)
    assert summary["merged_clusters"] > 0
    assert summary["queue"] == len(left)
    assert (left["p_min"].fillna(0) < 0.99).all()
    written = pd.read_excel(tmp_path / "out" / "review_queue.xlsx")
    assert written.iloc[:, 0].dropna().nunique() == len(left)
    assert json.loads((tmp_path / "out" / "review_summary.json").read_text())["queue"] == len(left)


def test_side_by_side_highlights_only_fields_that_differ():
    records = pd.DataFrame({
        "record_id": [1, 2], "lead_id": [1, 2], "name": ["张伟", "张伟"],
        "phone": ["+8613812345678", "+8613912345678"], "email": [None, "a@b.cn"],
    })
    page = side_by_side_html(records, fields=("name", "phone", "email"))
    rows = {row.split("</th>")[0].split(">")[-1]: row for row in page.split("<tr>")[2:]}
    assert "background" not in rows["name"]
    assert rows["phone"].count("background") == 2
    assert rows["email"].count("background") == 0  # one value only: nothing to compare
