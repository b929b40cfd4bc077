"""Merge: safe auto-merges, reviewer decisions, constraints and labels, edits, notifications."""

from __future__ import annotations

import pandas as pd
import pytest
from support.leadpool_cases import import_rows, lead_of, propose_clusters

from workbench.errors import InputError
from workbench.leads.decisions import Decision, decide
from workbench.leads.export import export_table
from workbench.leads.golden import golden_leads
from workbench.leads.merge import commit_merges, edit_lead
from workbench.store.pool import Pool

PEOPLE = [
    {"name": "张伟", "phone": "13812345678", "owner": "李销售", "updated_at": "2026-01-01 09:00:00"},
    {"name": "张伟", "phone": "13812345678", "email": "zw@a.com", "updated_at": "2026-02-01 09:00:00"},
    {"name": "王芳", "phone": "13900001111", "updated_at": "2026-01-01 09:00:00"},
    {"name": "王小芳", "phone": "13900001111", "updated_at": "2026-01-02 09:00:00"},
    {"name": "刘洋", "phone": "13700002222", "updated_at": "2026-01-01 09:00:00"},
    {"name": "刘洋", "phone": "13700002223", "updated_at": "2026-01-03 09:00:00"},
    {"name": "陈静", "updated_at": "2026-01-03 09:00:00"},  # no contact at all: rejected
]


@pytest.fixture()
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    ids = import_rows(pool, tmp_path / "in", "展会", PEOPLE)
    assert ids == [1, 2, 3, 4, 5, 6, 7]
    return pool


def _constraints(pool):
    with pool.connect() as con:
        return set(con.execute("SELECT record_id_l, record_id_r, kind FROM current_constraints")
                   .fetchall())


def _labels(pool):
    with pool.connect() as con:
        return set(con.execute("SELECT record_id_l, record_id_r, is_match FROM current_labels")
                   .fetchall())


def test_commit_merges_takes_only_safe_undecided_clusters(pool):
    propose_clusters(pool, {10: [1, 2], 20: [3, 4], 30: [5, 6]},
                     probabilities={(3, 4): 0.80})
    decide(pool, Decision(30, (5, 6), "not_duplicates"))
    result = commit_merges(pool, 0.95)
    assert result.clusters == 1 and result.records_moved == 1
    assert lead_of(pool, 1) == lead_of(pool, 2)
    assert lead_of(pool, 3) != lead_of(pool, 4)          # 0.80 is below the threshold
    assert lead_of(pool, 5) != lead_of(pool, 6)          # a reviewer said no
    assert lead_of(pool, 7) is None                       # rejected records are no lead
    assert commit_merges(pool, 0.95).clusters == 0     # nothing is merged twice
    assert commit_merges(pool, 0.75).clusters == 1     # the 0.80 cluster at a lower bar
    assert lead_of(pool, 3) == lead_of(pool, 4)


def test_split_moves_leavers_out_and_keeps_them_out(pool):
    propose_clusters(pool, {10: [1, 2, 3]})
    decide(pool, Decision(10, (1, 2, 3), "merge"))
    assert len({lead_of(pool, r) for r in (1, 2, 3)}) == 1
    decide(pool, Decision(10, (1, 2, 3), "split", leaving=(3,)))
    assert lead_of(pool, 1) == lead_of(pool, 2) != lead_of(pool, 3)
    assert {(1, 3, "cannot_link"), (2, 3, "cannot_link"), (1, 2, "must_link")} <= _constraints(pool)
    assert {(1, 2, True), (1, 3, False), (2, 3, False)} <= _labels(pool)
    # the split cluster is not merged back by a later auto-merge of the same proposal
    assert commit_merges(pool, 0.5).clusters == 0
    assert lead_of(pool, 3) != lead_of(pool, 1)


def test_not_duplicates_separates_records_already_merged(pool):
    propose_clusters(pool, {10: [5, 6]})
    decide(pool, Decision(10, (5, 6), "merge"))
    propose_clusters(pool, {11: [5, 6]}, run_id=2)
    decide(pool, Decision(11, (5, 6), "not_duplicates"))
    assert lead_of(pool, 5) != lead_of(pool, 6)
    assert (5, 6, "cannot_link") in _constraints(pool)
    assert (5, 6, False) in _labels(pool)


@pytest.mark.parametrize("decision, leaving, problem", [
    ("keep", (), "Unknown decision"),
    ("split", (), "needs the records that leave"),
    ("split", (9,), "to leave cluster"),
])
def test_bad_decisions_are_refused_whole(pool, decision, leaving, problem):
    propose_clusters(pool, {10: [1, 2]})
    with pytest.raises(InputError, match=problem):
        decide(pool, [Decision(10, (1, 2), "merge"), Decision(10, (1, 2), decision, leaving)])
    assert lead_of(pool, 1) != lead_of(pool, 2)  # the good one did not land either


def test_owner_is_notified_of_every_change_to_their_lead(pool):
    propose_clusters(pool, {10: [1, 2], 20: [3, 4]})
    event = decide(pool, [Decision(10, (1, 2), "merge"), Decision(20, (3, 4), "merge")]).event_id
    lead = lead_of(pool, 1)
    with pool.connect() as con:
        notes = con.execute("SELECT recipient, kind, subject, event_id FROM notifications "
                            "ORDER BY notification_id").fetchall()
    # lead 3+4 has no owner: nobody to tell
    assert notes == [("李销售", "lead_changed", f"lead:{lead}", event)]
    edit = edit_lead(pool, lead, "title", "采购经理", reason="电话确认").event_id
    with pool.connect() as con:
        last = con.execute("SELECT recipient, subject, message, event_id FROM notifications "
                           "ORDER BY notification_id DESC LIMIT 1").fetchall()[0]
    assert last[:2] == ("李销售", f"lead:{lead}") and "采购经理" in last[2] and last[3] == edit


def test_edit_overrides_one_field_until_cleared(pool):
    propose_clusters(pool, {10: [1, 2]})
    decide(pool, Decision(10, (1, 2), "merge"))
    lead = lead_of(pool, 1)
    edit_lead(pool, lead, "name", "张伟（大客户）")
    with pool.connect() as con:
        row = golden_leads(con).set_index("lead_id").loc[lead]
    assert row["name"] == "张伟（大客户）" and list(row["overridden"]) == ["name"]
    assert row["email"] == "zw@a.com"  # the other fields still follow survivorship
    edit_lead(pool, lead, "name", None)
    with pool.connect() as con:
        assert golden_leads(con).set_index("lead_id").loc[lead, "name"] == "张伟"
        cached = con.execute("SELECT name FROM leads WHERE lead_id = ?", [lead]).fetchall()
    assert cached == [("张伟",)]  # the leads table follows each change
    with pytest.raises(InputError, match="not a field"):
        edit_lead(pool, lead, "shoe_size", "42")
    with pytest.raises(InputError, match="no lead 999"):
        edit_lead(pool, 999, "name", "x")


def test_export_leads_lists_each_lead_with_its_member_records(pool, tmp_path):
    propose_clusters(pool, {10: [1, 2]})
    decide(pool, Decision(10, (1, 2), "merge"))
    out, rows = export_table(pool, "leads", tmp_path / "leads.csv")
    frame = pd.read_csv(out, dtype=str)
    leads = frame[frame["row"] == "lead"]
    assert len(leads) == 5  # 6 stored records, two of them merged
    lead = str(lead_of(pool, 1))
    block = frame[frame["lead_id"] == lead]
    assert list(block["row"]) == ["lead", "record", "record"]
    assert list(block["record_id"].iloc[1:]) == ["1", "2"]
    # Masked by default: the e-mail keeps its first letter and domain.
    assert block.iloc[0]["email"] == "z***@a.com" and block.iloc[0]["owner"] == "李销售"


def test_an_override_follows_its_lead_into_a_merge_and_back_out(pool):
    from workbench.leads.restore import undo
    edit_lead(pool, lead_of(pool, 2), "title", "采购总监")     # on the lead that will be absorbed
    edit_lead(pool, lead_of(pool, 3), "title", "经理")
    propose_clusters(pool, {10: [1, 2]})
    merged = decide(pool, Decision(10, (1, 2), "merge")).event_id
    assert lead_of(pool, 2) == lead_of(pool, 1) == 1
    with pool.connect() as con:
        golden = golden_leads(con).set_index("lead_id")
    assert golden.loc[1, "title"] == "采购总监"
    undo(pool, merged)
    with pool.connect() as con:
        golden = golden_leads(con).set_index("lead_id")
    assert pd.isna(golden.loc[1, "title"]) and golden.loc[2, "title"] == "采购总监"
    assert golden.loc[3, "title"] == "经理"


def test_new_imports_join_the_golden_leads_at_once(pool, tmp_path):
    propose_clusters(pool, {10: [1, 2]})
    decide(pool, Decision(10, (1, 2), "merge"))  # the leads table exists from here on
    ids = import_rows(pool, tmp_path / "in2", "抖音", [{"name": "赵敏", "phone": "13600003333"}])
    with pool.connect() as con:
        cached = con.execute("SELECT lead_id, name, phone, members FROM leads "
                             "WHERE list_contains(record_ids, ?)", [ids[0]]).fetchall()
        fresh = golden_leads(con).set_index("lead_id")
    assert cached == [(lead_of(pool, ids[0]), "赵敏", "+8613600003333", 1)]
    with pool.connect() as con:
        assert con.execute("SELECT count(*) FROM leads").fetchall()[0][0] == len(fresh)


def test_every_change_to_leads_returns_a_change_result(pool):
    """Merge, decide, edit, undo, restore: one result type with the change's own counts."""
    from workbench.leads.change import ChangeResult
    from workbench.leads.restore import restore_as_of, undo
    from workbench.store.log import now
    imported = now()
    propose_clusters(pool, {10: [1, 2, 3]})
    merged = decide(pool, Decision(10, (1, 2, 3), "merge"))
    assert isinstance(merged, ChangeResult) and merged.kind == "review"
    assert (merged.records_moved, merged.leads_touched, merged.leads_created,
            merged.leads_retired, merged.clusters) == (2, 3, 0, 2, 1)
    split = decide(pool, Decision(10, (1, 2, 3), "split", leaving=(3,)))
    assert (split.records_moved, split.leads_created, split.leads_retired) == (1, 1, 0)
    edit = edit_lead(pool, lead_of(pool, 1), "title", "经理")
    assert (edit.kind, edit.records_moved, edit.leads_touched) == ("edit", 0, 1)
    undone = undo(pool, split.event_id)
    assert undone.undoes == split.event_id and undone.event_id > edit.event_id
    assert (undone.records_moved, undone.leads_retired) == (1, 1)
    assert f"workbench undo {undone.event_id}" in undone.summary()
    restored = restore_as_of(pool, imported)  # 2 and 3 are leads of their own again
    assert restored.kind == "restore_as_of"
    assert (restored.records_moved, restored.leads_created, restored.leads_retired) == (2, 2, 0)
    emptied = restore_as_of(pool, "2000-01-01")  # before the import: no record is a lead
    assert (emptied.records_moved, emptied.leads_retired) == (6, 6)
    nothing = commit_merges(pool, 0.99)
    assert nothing.event_id is None and nothing.leads == 0
    assert "nothing changed" in nothing.summary()


def test_merge_threshold_is_a_probability_or_a_weight(pool):
    propose_clusters(pool, {10: [1, 2], 20: [3, 4]}, probabilities={(3, 4): 0.80})
    with pytest.raises(InputError, match="min_weight=4"):
        commit_merges(pool, 4)  # a weight passed as a probability is refused, not guessed
    assert commit_merges(pool, min_weight=4.5).clusters == 1  # p ≈ 0.957: only the safe one
    assert commit_merges(pool, min_weight=1.9).clusters == 1  # p ≈ 0.789 < 0.80: the other
    assert lead_of(pool, 3) == lead_of(pool, 4)
