"""Survivorship: which value each golden field takes, as (records, rule, expected) cases."""

from __future__ import annotations

import pytest
from support.leadpool_cases import import_rows, propose_clusters

from workbench.errors import InputError
from workbench.ingest.channels import set_channel
from workbench.leads.decisions import Decision, apply_decisions
from workbench.leads.golden import golden_leads
from workbench.leads.survivorship import FieldRule, Survivorship
from workbench.store.pool import Pool

STD = Survivorship.standard()
# (case, [(channel, {field: value})], rules, field, expected winner, expected others or None)
# Channels: 官网 is own (priority 90); 第三方A third party 60; 第三方B third party 30.
CASES = [
    ("latest update wins", [("第三方B", {"name": "张伟", "updated_at": "2026-01-01 09:00:00"}),
                            ("第三方A", {"name": "张维", "updated_at": "2026-03-01 09:00:00"})],
     STD, "name", "张维", None),
    ("tie: own channel beats higher-priority third party",
     [("官网", {"title": "经理", "updated_at": "2026-02-02 10:00:00"}),
      ("第三方A", {"title": "总监", "updated_at": "2026-02-02 10:00:00"})],
     STD, "title", "经理", None),
    ("tie between third parties: priority", [
        ("第三方B", {"title": "主管", "updated_at": "2026-02-02 10:00:00"}),
        ("第三方A", {"title": "总监", "updated_at": "2026-02-02 10:00:00"})],
     STD, "title", "总监", None),
    ("invalid never wins, however recent", [
        ("第三方B", {"email": "old@example.com", "updated_at": "2025-01-01 09:00:00"}),
        ("官网", {"email": "not-an-email", "updated_at": "2026-05-01 09:00:00"})],
     STD, "email", "old@example.com", []),
    ("a mobile beats a newer landline, the landline is kept", [
        ("第三方A", {"phone": "13812345678", "updated_at": "2025-01-01 09:00:00"}),
        ("官网", {"phone": "010-62345678", "updated_at": "2026-05-01 09:00:00"})],
     STD, "phone", "+8613812345678", ["+861062345678"]),
    ("every other valid e-mail is kept as secondary", [
        ("第三方A", {"email": "a@x.com", "updated_at": "2025-01-01 09:00:00"}),
        ("第三方B", {"email": "b@x.com", "updated_at": "2025-06-01 09:00:00"}),
        ("官网", {"email": "c@x.com", "updated_at": "2026-01-01 09:00:00"})],
     STD, "email", "c@x.com", ["a@x.com", "b@x.com"]),
    ("priority rule: own channel over a newer third party", [
        ("官网", {"company": "华为技术有限公司", "updated_at": "2025-01-01 09:00:00"}),
        ("第三方A", {"company": "华为有限公司", "updated_at": "2026-01-01 09:00:00"})],
     STD.with_rule("company", FieldRule("priority")), "company", "华为技术有限公司", None),
    ("most common value", [
        ("第三方A", {"city": "杭州", "updated_at": "2025-01-01 09:00:00"}),
        ("第三方B", {"city": "杭州", "updated_at": "2025-02-01 09:00:00"}),
        ("官网", {"city": "上海", "updated_at": "2026-01-01 09:00:00"})],
     STD.with_rule("city", FieldRule("most_common")), "city", "杭州市", None),
    ("earliest keeps the original", [
        ("第三方A", {"name": "李娜", "updated_at": "2025-01-01 09:00:00"}),
        ("官网", {"name": "李娜娜", "updated_at": "2026-01-01 09:00:00"})],
     STD.with_rule("name", FieldRule("earliest")), "name", "李娜", None),
]


@pytest.fixture(scope="module")
def pool_with_cases(tmp_path_factory):
    """One pool holding every case's records, each case merged into one lead."""
    folder = tmp_path_factory.mktemp("surv")
    pool = Pool(folder / "pool.duckdb")
    set_channel(pool, "官网", priority=90, kind="own")
    set_channel(pool, "第三方A", priority=60, kind="third_party")
    set_channel(pool, "第三方B", priority=30, kind="third_party")
    by_channel: dict[str, list] = {}
    for i, (_, records, *_rest) in enumerate(CASES):
        for channel, values in records:
            # every record needs a contact to be stored; a WeChat id that differs per case
            row = {"wechat": f"wx_case{i}_{len(by_channel.get(channel, []))}", **values,
                   "remark": f"case{i}"}
            by_channel.setdefault(channel, []).append(row)
    ids_by_case: dict[int, list[int]] = {}
    for channel, rows in by_channel.items():
        for row, record_id in zip(rows, import_rows(pool, folder / "in", channel, rows),
                                  strict=True):
            ids_by_case.setdefault(int(row["remark"][4:]), []).append(record_id)
    propose_clusters(pool, {100 + i: ids for i, ids in ids_by_case.items()})
    with pool.transaction() as con:
        apply_decisions(con, [Decision(100 + i, tuple(ids), "merge")
                              for i, ids in ids_by_case.items()])
    return pool, ids_by_case


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_golden_field_follows_its_rule(pool_with_cases, case):
    pool, ids_by_case = pool_with_cases
    _, records, rules, field, expected, others = CASES[case]
    with pool.connect() as con:
        golden = golden_leads(con, rules=rules)
    row = golden[golden.record_ids.map(lambda r: sorted(r) == sorted(ids_by_case[case]))]
    assert len(row) == 1, "the case's records form exactly one lead"
    assert row.iloc[0][field] == expected
    if others is not None:
        assert sorted(row.iloc[0][f"{field}_others"]) == others


def test_conflicts_are_logged_with_sources_winner_and_rule(pool_with_cases):
    pool, ids_by_case = pool_with_cases
    with pool.connect() as con:
        rows = con.execute("""
            SELECT c.field, c.candidates, c.winner, c.rule FROM conflicts c
            JOIN current_membership m ON m.lead_id = c.lead_id
            WHERE m.record_id = ? AND c.field = 'name'""", [ids_by_case[0][0]]).fetchall()
    assert len(rows) == 1
    field, candidates, winner, rule = rows[0]
    assert (field, winner, rule) == ("name", "张维", "latest")
    assert "张伟" in candidates and "第三方B" in candidates and "2026-03-01 09:00:00" in candidates


def test_rules_round_trip_and_report_every_problem():
    rules = STD.with_rule("city", FieldRule("most_common", keep_all=True))
    assert Survivorship.from_json(rules.to_json()) == rules
    bad = Survivorship(fields={"colour": FieldRule("latest"), "name": FieldRule("loudest")})
    with pytest.raises(InputError) as err:
        bad.validate()
    assert "colour" in str(err.value) and "loudest" in str(err.value)
