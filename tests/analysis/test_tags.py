"""Tags: what the rules give each person, materialised with a history that follows the data."""

from __future__ import annotations

from support.analysis_pool import AS_OF, build_pool, lead_of, merge_people, write_csv

from workbench.analysis.conditions import Condition
from workbench.analysis.customers import AnalysisSettings, customer_frame
from workbench.analysis.tags import (
    TagRule,
    apply_tags,
    computed_tags,
    lead_tags,
    standard_rules,
    tag_history,
)
from workbench.ingest.importer import import_file

SETTINGS = AnalysisSettings(as_of=AS_OF)


def _tags(pool, ids, person):
    with pool.connect() as con:
        current = lead_tags(con, SETTINGS).set_index("lead_id")
    value = current.loc[lead_of(pool, ids[person]), "computed_tags"]
    return set(value.split(",")) if isinstance(value, str) else set()


def test_rules_give_the_expected_tags_and_rfm(customer_pool):
    pool, ids = customer_pool
    with pool.connect() as con:
        tags = computed_tags(con, SETTINGS)
        frame = customer_frame(con, SETTINGS).set_index("lead_id")
    by_lead = tags.groupby("lead_id")["tag"].agg(set)
    p = {name: lead_of(pool, ids[name]) for name in ids}
    # P1: 6500 元, last order 29 days ago, 4 orders, 2 of 4 records from 抖音.
    assert by_lead[p["P1"]] == {"高价值", "活跃", "复购", "偏好渠道:抖音"}
    # P2: last order 156 days ago (not yet dormant at 180), one order.
    assert p["P2"] not in by_lead.index
    # P4: last order exactly 90 days ago (active), 1 record each from 官网 and 抖音: the later one.
    assert by_lead[p["P4"]] == {"活跃", "复购", "偏好渠道:抖音"}
    assert p["P3"] not in by_lead.index and p["P5"] not in by_lead.index
    # RFM among the three customers: P1 best in all three, P2 worst.
    assert frame.loc[p["P1"], "rfm"] == "555" and frame.loc[p["P2"], "rfm"] == "222"
    assert frame.loc[p["P3"], "rfm"] is None


def test_thresholds_come_from_the_settings(customer_pool):
    pool, ids = customer_pool
    settings = SETTINGS.with_(dormant_days=100, new_days=150, high_value_amount=1000)
    with pool.connect() as con:
        tags = computed_tags(con, settings)
    by_lead = tags.groupby("lead_id")["tag"].agg(set)
    assert "沉睡" in by_lead[lead_of(pool, ids["P2"])]
    assert "高价值" in by_lead[lead_of(pool, ids["P4"])]
    # First seen 2026-03-10, 112 days before AS_OF: new within 150 days; P1 (176 days) is not.
    assert "新客" in by_lead[lead_of(pool, ids["P5"])]
    assert "新客" not in by_lead[lead_of(pool, ids["P1"])]


def test_tags_change_when_the_data_changes_and_the_history_keeps_both(tmp_path):
    pool, ids = build_pool(tmp_path)
    rules = standard_rules(SETTINGS.with_(dormant_days=120))
    first = apply_tags(pool, SETTINGS, rules)
    assert first.added == 8 and first.removed == 0  # P1 4, P2 沉睡, P4 3
    assert _tags(pool, ids, "P2") == {"沉睡"}
    assert apply_tags(pool, SETTINGS, rules).event_id is None  # nothing changed
    # P2 orders again through 抖音: a new running total, a recent last order.
    path = write_csv(tmp_path / "抖音_6月.csv",
                     [("P2", "抖音", "2026-01-20", "2", "1800", "2026-06-20", "已转化", "",
                       "2026-06-20")])
    result = import_file(pool, path, channel="抖音")
    with pool.connect() as con:
        new_id = con.execute("SELECT record_id FROM records WHERE batch_id = ?",
                             [result.batch_id]).fetchall()[0][0]
    merge_people(pool, {"P2": [*ids["P2"], int(new_id)]})
    change = apply_tags(pool, SETTINGS, rules)
    assert (change.added, change.removed) == (2, 1)
    assert _tags(pool, ids, "P2") == {"活跃", "复购"}
    with pool.connect() as con:
        history = tag_history(con, lead_of(pool, ids["P2"]))
    changes = [(r.tag, bool(r.active)) for r in history.itertuples()]
    assert changes[0] == ("沉睡", True)
    assert sorted(changes[1:]) == [("复购", True), ("沉睡", False), ("活跃", True)]
    assert history["event_id"].tolist() == [first.event_id] + [change.event_id] * 3


def test_channel_tags_stay_beside_the_computed_ones(customer_pool):
    pool, ids = customer_pool
    with pool.connect() as con:
        row = lead_tags(con, SETTINGS).set_index("lead_id").loc[lead_of(pool, ids["P1"])]
    assert row["channel_tags"] == "展会VIP,直播粉"


def test_a_rule_of_ones_own(customer_pool):
    pool, ids = customer_pool
    rule = TagRule.where("big_basket", "大单", Condition.at_least("total_amount", 1000),
                         Condition("orders", "<=", 2))
    with pool.connect() as con:
        tags = computed_tags(con, SETTINGS, rules=(rule,))
    assert tags["lead_id"].tolist() == [lead_of(pool, ids["P4"])]
    assert tags["rule"].tolist() == ["big_basket"]


def test_the_leads_screen_shows_the_computed_tags(tmp_path):
    from workbench.widgets.leads_widget import LeadsWidget

    pool, ids = build_pool(tmp_path)
    apply_tags(pool, SETTINGS)
    screen = LeadsWidget(pool)
    screen.select(lead_of(pool, ids["P1"]))
    assert "偏好渠道:抖音,复购,活跃,高价值" in screen.lead_view.value
    assert "展会VIP,直播粉" in screen.lead_view.value  # what the channels sent, beside them


def test_the_leads_export_carries_both_kinds_of_tags(tmp_path):
    from workbench.leads.golden import leads_frame

    pool, ids = build_pool(tmp_path)
    apply_tags(pool, SETTINGS)
    with pool.connect() as con:
        frame = leads_frame(con)
    row = frame[(frame["row"] == "lead") & (frame["lead_id"] == lead_of(pool, ids["P1"]))].iloc[0]
    assert row["computed_tags"] == "偏好渠道:抖音,复购,活跃,高价值"
    assert row["tags"] == "展会VIP,直播粉"
