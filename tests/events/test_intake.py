"""Intake of event files: the contract, the phone_changed rule through lead edits, parking and
retry, applied once, dry runs and rule switches; real DuckDB pools and real imports."""

from __future__ import annotations

import json

import pytest
from events_cases import event, import_leads, inbound, lead_by_name, write_jsonl

from workbench.errors import EventRefused
from workbench.events.contract import validate_event
from workbench.events.intake import dry_run, inbox_path, ingest_file, retry_parked
from workbench.events.rules import switch_rule
from workbench.leads.restore import undo
from workbench.store.pool import Pool

ZHANG = {"source_id": "U889", "name": "张伟", "phone": "13812345678", "owner": "李销售",
         "updated_at": "2026-11-01 09:00:00"}
WANG = {"source_id": "U900", "name": "王芳", "phone": "13700002222", "wechat": "wangfang88",
        "updated_at": "2026-11-01 09:00:00"}


@pytest.fixture()
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_leads(pool, tmp_path / "in", "自有APP", [ZHANG, WANG])
    return pool


def _notifications(pool):
    with pool.connect() as con:
        return con.execute("SELECT recipient, kind, subject, message, event_id FROM notifications "
                           "ORDER BY notification_id").fetchall()


def test_verified_phone_change_corrects_the_lead_logs_it_and_undo_restores(pool, tmp_path):
    result = ingest_file(pool, write_jsonl(tmp_path / "e.jsonl", [event("app-1")]))
    assert result.counts == {"applied": 1} and not result.refused
    lead = lead_by_name(pool, "张伟")
    assert lead["phone"] == "+8613987654321"
    assert "+8613812345678" in list(lead["phone_others"])      # the old number is kept
    status, lead_id, _reason, attempts, history = inbound(pool)["app-1"]
    assert (status, lead_id, attempts) == ("applied", lead["lead_id"], 1)
    [history_event] = json.loads(history)
    with pool.connect() as con:
        kind, actor, target, reason = con.execute(
            "SELECT kind, actor, target, reason FROM events WHERE event_id = ?",
            [history_event]).fetchone()
    assert (kind, actor, target) == ("rule", "rule:phone_changed", f"lead:{lead_id}")
    assert "app-1" in reason and "phone_changed" in reason
    # the salesperson who owns the lead is told
    [(recipient, kind, subject, _message, event_id)] = _notifications(pool)
    assert (recipient, kind, subject, event_id) == ("李销售", "lead_changed", f"lead:{lead_id}",
                                                    history_event)
    undo(pool, history_event)
    assert lead_by_name(pool, "张伟")["phone"] == "+8613812345678"


def test_the_same_event_id_is_applied_once(pool, tmp_path):
    second = event("app-1", new_phone="13600001111")     # same id, other content
    path = write_jsonl(tmp_path / "e.jsonl", [event("app-1"), second])
    first = ingest_file(pool, path)
    assert (first.new, first.duplicates, first.counts) == (1, 1, {"applied": 1})
    again = ingest_file(pool, path)                      # the whole file replayed
    assert (again.new, again.duplicates, again.counts) == (0, 2, {})
    assert lead_by_name(pool, "张伟")["phone"] == "+8613987654321"
    with pool.connect() as con:
        assert con.execute("SELECT count(*) FROM events WHERE kind = 'rule'").fetchone()[0] == 1
    # an inbox that lost its 'done' marks (a crash after the pool committed) applies none twice
    inbox_path(pool).unlink()
    assert ingest_file(pool, path).counts == {"duplicate": 1}
    assert lead_by_name(pool, "张伟")["phone"] == "+8613987654321"


def test_an_unknown_lead_is_parked_and_applied_on_retry_after_it_arrives(pool, tmp_path):
    late = event("app-2", lead={"channel": "自有APP", "source_id": "U777"},
                 old_phone="13500003333", new_phone="13500004444")
    by_phone = event("app-3", "wechat_bound", lead={"phone": "135-0000-3333"}, wechat="liuyang77")
    result = ingest_file(pool, write_jsonl(tmp_path / "e.jsonl", [late, by_phone]))
    assert result.counts == {"parked": 2}
    status, lead_id, reason, _a, _h = inbound(pool)["app-2"]
    assert (status, lead_id) == ("parked", None)
    assert "找不到线索" in reason and "U777" in reason
    assert "135****3333" in inbound(pool)["app-3"][2]        # the reason masks the phone
    assert retry_parked(pool) == {"parked": 2}                # still no such lead
    import_leads(pool, tmp_path / "in", "自有APP",
                 [{"source_id": "U777", "name": "刘洋", "phone": "13500003333"}])
    assert retry_parked(pool) == {"applied": 2}
    lead = lead_by_name(pool, "刘洋")
    assert (lead["phone"], lead["wechat"]) == ("+8613500004444", "liuyang77")
    status, lead_id, _reason, attempts, _h = inbound(pool)["app-2"]
    assert (status, lead_id, attempts) == ("applied", lead["lead_id"], 3)
    assert retry_parked(pool) == {}                           # nothing parked is left


def test_an_event_matching_several_leads_is_parked_with_them(pool, tmp_path):
    import_leads(pool, tmp_path / "in", "展会", [{"name": "张伟伟", "phone": "13812345678"}])
    path = write_jsonl(tmp_path / "e.jsonl", [event("app-4", lead={"phone": "13812345678"})])
    assert ingest_file(pool, path).counts == {"parked": 1}
    status, _lead, reason, _a, _h = inbound(pool)["app-4"]
    assert status == "parked" and "匹配到多个线索" in reason and "2 leads" in reason
    assert lead_by_name(pool, "张伟")["phone"] == "+8613812345678"


def test_malformed_events_are_refused_naming_line_and_field(pool, tmp_path):
    bad_phone = event("app-5", new_phone="12345")
    no_verified = event("app-6")
    del no_verified["data"]["verified"]
    unknown_type = {**event("app-7"), "type": "teleported"}
    two_keys = event("app-8", lead={"phone": "13812345678", "email": "a@b.com"})
    path = write_jsonl(tmp_path / "e.jsonl",
                       [bad_phone, "{not json", no_verified, unknown_type, two_keys,
                        event("app-9")])
    result = ingest_file(pool, path)
    assert result.counts == {"applied": 1}
    refusals = [(e.row, e.field) for e in result.refused]
    assert refusals == [(1, "data.new_phone"), (2, "(line)"), (3, "data.verified"),
                        (4, "type"), (5, "lead")]
    assert "12345" in str(result.refused[0]) and "e.jsonl" in str(result.refused[0])
    assert set(inbound(pool)) == {"app-9"}


@pytest.mark.parametrize("change, field", [
    ({"event_id": ""}, "event_id"),
    ({"occurred_at": "2026-11-30 10:00"}, "occurred_at"),       # no time zone
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"lead": {"source_id": "U1"}}, "lead.channel"),
    ({"lead": {}}, "lead"),
    ({"data": []}, "data"),
    ({"system": None}, "system"),
])
def test_contract_names_the_field(change, field):
    with pytest.raises(EventRefused) as err:
        validate_event({**event("app-x"), **change})
    assert err.value.field == field


def test_unknown_fields_are_kept():
    body = {**event("app-x"), "trace": {"span": 7}}
    assert json.loads(validate_event(body).to_json())["trace"] == {"span": 7}


def test_unverified_change_goes_to_review_and_a_disabled_rule_changes_nothing(pool, tmp_path):
    path = write_jsonl(tmp_path / "e.jsonl", [event("app-10", verified=False)])
    assert ingest_file(pool, path).counts == {"review": 1}
    assert lead_by_name(pool, "张伟")["phone"] == "+8613812345678"
    switch_rule(pool, "phone_changed", False, reason="test")
    path = write_jsonl(tmp_path / "f.jsonl", [event("app-11")])
    assert ingest_file(pool, path).counts == {"ignored": 1}
    assert lead_by_name(pool, "张伟")["phone"] == "+8613812345678"
    assert switch_rule(pool, "phone_changed", True).version == 3


def test_dry_run_shows_what_would_change_and_changes_nothing(pool, tmp_path):
    path = write_jsonl(tmp_path / "e.jsonl",
                       [event("app-12"), event("app-13", "job_changed",
                                               lead={"wechat": "wangfang88"},
                                               company="深圳市华为技术有限公司", title="采购总监"),
                        event("app-14", lead={"channel": "自有APP", "source_id": "nobody"})])
    with pool.connect() as con:
        before = con.execute("SELECT count(*) FROM events").fetchone()[0]
    frame, refused = dry_run(pool, path)
    assert not refused
    assert frame["outcome"].tolist() == ["would apply", "would apply", "parked"]
    assert frame.loc[0, "changes"] == "phone → 139****4321"
    assert "title → 采购总监" in frame.loc[1, "changes"]
    with pool.connect() as con:
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == before
        assert con.execute("SELECT count(*) FROM inbound_events").fetchone()[0] == 0
    assert lead_by_name(pool, "张伟")["phone"] == "+8613812345678"
