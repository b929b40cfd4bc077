"""History: undo of every kind of event, undo of undo, lead stories, the pool as of a moment."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from support.leadpool_cases import counts, import_rows, lead_of, propose_clusters

from workbench.errors import InputError
from workbench.leads.decisions import Decision, decide
from workbench.leads.golden import set_rules
from workbench.leads.merge import commit_merges, edit_lead
from workbench.leads.restore import lead_history, leads_as_of, restore_as_of, undo
from workbench.leads.review import review_queue
from workbench.leads.survivorship import FieldRule, Survivorship
from workbench.store.log import undone_events
from workbench.store.pool import Pool

PEOPLE = [
    {"name": "张伟", "phone": "13812345678", "owner": "李销售", "updated_at": "2026-01-01 09:00:00"},
    {"name": "张伟", "phone": "13812345678", "email": "zw@a.com", "updated_at": "2026-02-01 09:00:00"},
    {"name": "王芳", "phone": "13900001111", "updated_at": "2026-01-01 09:00:00"},
    {"name": "王小芳", "phone": "13900001111", "updated_at": "2026-01-02 09:00:00"},
]


@pytest.fixture()
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_rows(pool, tmp_path / "in", "展会", PEOPLE)
    return pool


def _leads(pool, ids=(1, 2, 3, 4)):
    return [lead_of(pool, r) for r in ids]


def test_undo_merge_then_undo_the_undo(pool):
    before = _leads(pool)
    propose_clusters(pool, {10: [1, 2]})
    merged = commit_merges(pool, 0.9).event_id
    after = _leads(pool)
    assert after[0] == after[1]
    first = undo(pool, merged, reason="两个人").event_id
    assert _leads(pool) == before
    assert undone_events_of(pool) == {merged}
    undo(pool, first)  # redo
    assert _leads(pool) == after
    assert undone_events_of(pool) == {first}
    undo(pool, last=True)  # the newest event in force is the redo: undo it
    assert _leads(pool) == before


def undone_events_of(pool):
    with pool.connect() as con:
        return undone_events(con)


def test_undo_is_refused_while_later_events_depend_on_it(pool):
    propose_clusters(pool, {10: [1, 2]})
    merged = decide(pool, Decision(10, (1, 2), "merge")).event_id
    split = decide(pool, Decision(10, (1, 2), "split", leaving=(2,))).event_id
    with pytest.raises(InputError, match=rf"later events \[{split}\]"):
        undo(pool, merged)
    undo(pool, split)
    undo(pool, merged)
    assert lead_of(pool, 1) != lead_of(pool, 2)
    with pytest.raises(InputError, match="already undone"):
        undo(pool, merged)


def test_undoing_a_review_decision_withdraws_labels_constraints_and_requeues(pool):
    propose_clusters(pool, {10: [1, 2], 20: [3, 4]})
    event = decide(pool, [Decision(10, (1, 2), "merge"), Decision(20, (3, 4), "not_duplicates")]).event_id
    assert review_queue(pool).empty
    undo(pool, event)
    with pool.connect() as con:
        assert con.execute("SELECT count(*) FROM current_labels").fetchall()[0][0] == 0
        assert con.execute("SELECT count(*) FROM current_constraints").fetchall()[0][0] == 0
        assert con.execute("SELECT count(*) FROM labels").fetchall()[0][0] == 4  # kept, inactive
    assert sorted(review_queue(pool).cluster_id) == [10, 20]


def test_undo_import_takes_its_records_out_of_the_leads_and_back(pool, tmp_path):
    ids = import_rows(pool, tmp_path / "in2", "抖音", [
        {"name": "赵敏", "phone": "13600003333"}, {"name": "张伟", "phone": "13812345678"}])
    propose_clusters(pool, {10: [1, ids[1]]})
    with pool.connect() as con:
        event = con.execute("SELECT event_id FROM events WHERE kind = 'import' "
                            "ORDER BY event_id DESC LIMIT 1").fetchall()[0][0]
    leads_before = _leads(pool, ids)
    merged = commit_merges(pool, 0.9).event_id
    assert lead_of(pool, ids[1]) == lead_of(pool, 1)
    records_before = counts(pool)["records"]
    undone = undo(pool, event, reason="wrong file").event_id
    assert _leads(pool, ids) == [None, None]
    assert lead_of(pool, 1) is not None  # the other batch's records stay
    assert counts(pool)["records"] == records_before  # records are never deleted
    assert commit_merges(pool, 0.9).clusters == 0  # out of the leads means out of merges
    undo(pool, undone)
    assert lead_of(pool, ids[1]) == lead_of(pool, 1)  # back where the merge had put it
    assert merged not in undone_events_of(pool)
    assert leads_before[0] == lead_of(pool, ids[0])


def test_undo_edit_and_rules_change(pool):
    lead = lead_of(pool, 3)
    edit = edit_lead(pool, lead, "title", "经理").event_id
    edit_lead(pool, lead, "title", "总监")
    with pytest.raises(InputError, match="later events"):
        undo(pool, edit)
    undo(pool, last=True)
    with pool.connect() as con:
        assert con.execute("SELECT title FROM leads WHERE lead_id = ?", [lead]).fetchall() == [
            ("经理",)]
    propose_clusters(pool, {20: [3, 4]})
    decide(pool, Decision(20, (3, 4), "merge"))
    rules = set_rules(pool, Survivorship.standard().with_rule("name", FieldRule("earliest")))
    with pool.connect() as con:
        assert con.execute("SELECT name FROM leads WHERE lead_id = ?", [lead]).fetchall() == [
            ("王芳",)]
    undo(pool, rules)
    with pool.connect() as con:
        assert con.execute("SELECT name FROM leads WHERE lead_id = ?", [lead]).fetchall() == [
            ("王小芳",)]


def test_lead_history_tells_the_whole_story(pool):
    propose_clusters(pool, {10: [1, 2]})
    merged = decide(pool, Decision(10, (1, 2), "merge"), reason="same mobile").event_id
    lead = lead_of(pool, 1)
    edit_lead(pool, lead, "title", "经理", reason="called")
    undo(pool, merged)
    story = lead_history(pool, lead)
    assert list(story["kind"]) == ["import", "review", "edit", "undo"]
    assert list(story["what"]) == ["joined", "joined", "field set", "left"]
    assert story.iloc[1]["reason"] == "same mobile" and bool(story.iloc[1]["undone"])
    assert story.iloc[3]["detail"] == f"record 2 to lead {lead_of(pool, 2)}"
    with pytest.raises(InputError, match="no lead 999"):
        lead_history(pool, 999)


def test_leads_as_of_and_restore_as_of(pool):
    time.sleep(0.01)
    t0 = datetime.now()
    time.sleep(0.01)
    propose_clusters(pool, {10: [1, 2], 20: [3, 4]})
    commit_merges(pool, 0.9)
    lead = lead_of(pool, 1)
    edit_lead(pool, lead, "title", "经理")
    time.sleep(0.01)
    t1 = datetime.now()
    assert len(leads_as_of(pool, t0)) == 4
    then = leads_as_of(pool, t1).set_index("lead_id")
    assert len(then) == 2 and then.loc[lead, "title"] == "经理"
    edit_lead(pool, lead, "title", "破坏者改的")  # the sabotage
    restored = restore_as_of(pool, t0, reason="back to before the merges").event_id
    assert len(set(_leads(pool))) == 4
    with pool.connect() as con:
        assert con.execute("SELECT count(*) FROM current_constraints").fetchall()[0][0] == 0
    undo(pool, restored)
    assert len(set(_leads(pool))) == 2
    with pool.connect() as con:
        assert con.execute("SELECT title FROM leads WHERE lead_id = ?", [lead]).fetchall() == [
            ("破坏者改的",)]
    restore_as_of(pool, t1)
    with pool.connect() as con:
        assert con.execute("SELECT title FROM leads WHERE lead_id = ?", [lead]).fetchall() == [
            ("经理",)]
    with pytest.raises(InputError, match="not a moment"):
        leads_as_of(pool, "last tuesday")


def test_event_and_record_counts_never_decrease(pool, tmp_path):
    seen = [counts(pool)]

    def step(action):
        action()
        now = counts(pool)
        for table, n in now.items():
            assert n >= seen[-1][table], f"{table} shrank"
        seen.append(now)

    propose_clusters(pool, {10: [1, 2], 20: [3, 4]})
    step(lambda: commit_merges(pool, 0.9))
    step(lambda: edit_lead(pool, lead_of(pool, 1), "title", "经理"))
    step(lambda: decide(pool, Decision(20, (3, 4), "split", leaving=(4,))))
    step(lambda: undo(pool, last=True))
    step(lambda: undo(pool, last=True))
    step(lambda: import_rows(pool, tmp_path / "in3", "抖音", [{"name": "赵敏",
                                                               "phone": "13600003333"}]))
    step(lambda: undo(pool, last=True))
    step(lambda: restore_as_of(pool, "2000-01-01"))
    assert seen[-1]["events"] == seen[0]["events"] + 8
    assert seen[-1]["records"] == seen[0]["records"] + 1


def test_the_commands_tell_the_story_and_take_it_back(pool, tmp_path):
    from click.testing import CliRunner

    from workbench.cli import main
    def cli(*args, ok=True):
        result = CliRunner().invoke(main, ["--pool", str(pool.path), *args])
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    propose_clusters(pool, {10: [1, 2]})
    assert "Merged 1 clusters (1 records moved)" in cli("merge", "--threshold", "0.9")
    lead = lead_of(pool, 1)
    story = cli("history", str(lead))
    assert "joined: record 2 from lead 2" in story and "merge" in story
    cli("export", "leads", "--out", str(tmp_path / "leads.csv"))  # an event undo has no use for
    assert "Undone as event" in cli("undo", "--last", "--reason", "不是同一人")
    assert "[undone]" in cli("history", str(lead))
    assert "undoes" in cli("events")
    out = cli("undo", "999", ok=False)
    assert "no event 999" in out
    snapshot = cli("backup", "--dest", str(tmp_path / "bk")).strip()
    assert snapshot.endswith(".duckdb") and Path(snapshot).exists()
    assert "4 leads" in cli("leads")
    assert "Restored" in cli("restore", snapshot)
    assert "Give either a SNAPSHOT or --as-of" in cli("restore", ok=False)
