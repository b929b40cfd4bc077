"""The batch quality score and the channel gate, through real imports into a real pool."""

import json

import pytest
from support.quality_data import BAD, GOOD, expected, import_batch

from workbench.errors import ChannelPaused, InputError, WorkbenchError
from workbench.ingest.channels import (
    list_channels,
    pause_channel,
    resume_channel,
    set_channel,
    set_pool_threshold,
)
from workbench.ingest.importer import add_record
from workbench.store.pool import Pool


@pytest.fixture
def pool(tmp_path):
    return Pool(tmp_path / "pool.duckdb")


def _status(pool, channel):
    frame = list_channels(pool)
    return frame.set_index("name").loc[channel, "status"]


def _rows(pool, sql, params=None):
    with pool.connect() as con:
        return con.execute(sql, params or []).fetchall()


# (kinds in the batch, expected score): the formula in the README, worked by hand.
SCORES = [
    (GOOD, 1.0),
    (BAD, 0.8535),  # 0.4·7/10 + 0.3·31/34 + 0.3·10/10
    (["no_name"] * 2 + ["good"] * 2, 0.85),  # 0.4·4/4 + 0.3·12/12 + 0.3·2/4
    (["bad_email", "formula_phone", "abnormal_age", "good"], 0.9308),  # 0.4 + 0.3·10/13 + 0.3
]


@pytest.mark.parametrize(("kinds", "score"), SCORES)
def test_batch_score_follows_the_formula(pool, tmp_path, kinds, score):
    assert expected(kinds)["score"] == score
    result = import_batch(pool, tmp_path, "官网", kinds, start=1)
    assert result.quality_score == pytest.approx(score, abs=1e-4)
    stored = _rows(pool, "SELECT quality_score FROM batches WHERE batch_id = ?",
                   [result.batch_id])[0][0]
    assert stored == pytest.approx(score, abs=1e-4)


def test_gate_trips_on_the_third_bad_batch_and_not_before(pool, tmp_path):
    set_channel(pool, "抖音广告", owner="张经理", contact="zhang@example.com")
    for n in range(2):
        import_batch(pool, tmp_path, "抖音广告", BAD, start=100 * n)
        assert _status(pool, "抖音广告") == "active", f"paused after {n + 1} bad batches"
    assert _rows(pool, "SELECT count(*) FROM notifications")[0][0] == 0

    third = import_batch(pool, tmp_path, "抖音广告", BAD, start=200)
    assert third.batch_id is not None  # the third batch itself lands
    assert _status(pool, "抖音广告") == "paused"

    with pytest.raises(ChannelPaused) as refused:
        import_batch(pool, tmp_path, "抖音广告", GOOD, start=300)
    message = str(refused.value)
    assert "抖音广告" in message and "below 90%" in message
    assert "workbench channels resume" in message and "张经理" in message
    assert _rows(pool, "SELECT count(*) FROM batches")[0][0] == 3

    (recipient, kind, subject, payload), = _rows(
        pool, "SELECT recipient, kind, subject, payload FROM notifications")
    assert (recipient, kind, subject) == ("张经理", "channel_paused", "channel:抖音广告")
    assert json.loads(payload)["batches"] == [1, 2, 3]
    assert json.loads(payload)["contact"] == "zhang@example.com"
    events = _rows(pool, "SELECT kind, target FROM events WHERE kind LIKE 'channel_%' "
                         "ORDER BY event_id")
    assert events[-1] == ("channel_paused", "channel:抖音广告")


@pytest.mark.slow
def test_a_good_batch_in_between_resets_the_run(pool, tmp_path):
    for n, kinds in enumerate([BAD, BAD, GOOD, BAD, BAD]):
        import_batch(pool, tmp_path, "展会", kinds, start=100 * n)
    assert _status(pool, "展会") == "active"
    import_batch(pool, tmp_path, "展会", BAD, start=600)
    assert _status(pool, "展会") == "paused"


@pytest.mark.slow
def test_resume_is_an_event_and_gives_three_fresh_chances(pool, tmp_path):
    for n in range(3):
        import_batch(pool, tmp_path, "第三方", BAD, start=100 * n)
    with pytest.raises(InputError):
        resume_channel(pool, "第三方", reason=" ")
    event_id = resume_channel(pool, "第三方", reason="渠道已修正手机号格式", actor="李主管")
    (kind, actor, reason), = _rows(
        pool, "SELECT kind, actor, reason FROM events WHERE event_id = ?", [event_id])
    assert (kind, actor, reason) == ("channel_resumed", "李主管", "渠道已修正手机号格式")
    with pytest.raises(WorkbenchError, match="not paused"):
        resume_channel(pool, "第三方", reason="again")

    for n in range(3, 5):
        import_batch(pool, tmp_path, "第三方", BAD, start=100 * n)
        assert _status(pool, "第三方") == "active"
    import_batch(pool, tmp_path, "第三方", BAD, start=500)
    assert _status(pool, "第三方") == "paused"


@pytest.mark.slow
def test_threshold_per_channel_and_per_pool(pool, tmp_path):
    set_channel(pool, "宽松", threshold=0.8)
    set_pool_threshold(pool, 0.95)
    almost = ["good"] * 19 + ["bad_email"]  # 0.4 + 0.3·(77/78) + 0.3 = 0.9962 … above both
    worse = ["good"] * 8 + ["bad_phone"] * 2  # 0.4·0.8 + 0.3·(34/36) + 0.3 = 0.9033
    assert expected(worse)["score"] == 0.9033
    for n in range(3):
        import_batch(pool, tmp_path, "宽松", worse, start=100 * n)
        import_batch(pool, tmp_path, "严格", worse, start=1000 + 100 * n)
    import_batch(pool, tmp_path, "宽松", almost, start=5000)
    # 0.9033 is above the channel's own 0.80 but below the pool's 0.95
    assert _status(pool, "宽松") == "active"
    assert _status(pool, "严格") == "paused"
    thresholds = list_channels(pool).set_index("name")["threshold"]
    assert thresholds.to_dict() == {"宽松": 0.8, "严格": 0.95}


def test_records_entered_by_hand_do_not_count_towards_the_gate(pool, tmp_path):
    import_batch(pool, tmp_path, "门店", BAD, start=0)
    import_batch(pool, tmp_path, "门店", BAD, start=100)
    add_record(pool, "门店", {"name": "张伟", "phone": "12345"})  # scores 0.7, by hand
    assert _status(pool, "门店") == "active"
    import_batch(pool, tmp_path, "门店", BAD, start=200)
    assert _status(pool, "门店") == "paused"


def test_list_channels_shows_owner_priority_status_and_recent_scores(pool, tmp_path):
    set_channel(pool, "官网", owner="王专员", priority=90, kind="own")
    for n, kinds in enumerate([GOOD, BAD, GOOD]):
        import_batch(pool, tmp_path, "官网", kinds, start=100 * n)
    row = list_channels(pool, recent=2).set_index("name").loc["官网"]
    assert (row["owner"], row["priority"], row["kind"], row["status"]) == (
        "王专员", 90, "own", "active")
    assert row["recent_scores"] == [0.8535, 1.0]
    assert row["batches"] == 3


def test_set_channel_checks_values_and_records_the_change(pool):
    with pytest.raises(InputError) as bad:
        set_channel(pool, "x", kind="partner", threshold=90)
    assert "partner" in str(bad.value) and "90" in str(bad.value)
    set_channel(pool, "x", owner="甲")
    after = set_channel(pool, "x", owner="乙", priority=10)
    assert (after["owner"], after["priority"]) == ("乙", 10)
    (payload,), = _rows(pool, "SELECT payload FROM events WHERE kind = 'channel_changed' "
                              "ORDER BY event_id DESC LIMIT 1")
    assert json.loads(payload) == {"before": {"owner": "甲", "priority": 50},
                                   "after": {"owner": "乙", "priority": 10}}


def test_pause_by_hand_alerts_and_refuses(pool, tmp_path):
    import_batch(pool, tmp_path, "外包", GOOD, start=0)
    pause_channel(pool, "外包", reason="来源不明")
    with pytest.raises(ChannelPaused, match="来源不明"):
        import_batch(pool, tmp_path, "外包", GOOD, start=100)
    assert _rows(pool, "SELECT recipient FROM notifications") == [("data-team",)]


def test_cli_refuses_a_paused_channel_and_resumes_it(pool, tmp_path):
    from click.testing import CliRunner
    from support.quality_data import write_batch

    from workbench.cli import main
    runner = CliRunner()
    base = ["--pool", str(pool.path)]
    for n in range(3):
        path = write_batch(tmp_path / f"bad{n}.csv", BAD, start=100 * n)
        result = runner.invoke(main, [*base, "import", str(path), "-c", "抖音", "--no-link"])
        assert result.exit_code == 0, result.output
    listing = runner.invoke(main, [*base, "channels"])
    assert "抖音  [paused]" in listing.output and "85.4% 85.4% 85.4%" in listing.output
    assert "paused: quality below 90% in 3 batches in a row" in listing.output

    good = write_batch(tmp_path / "good.csv", GOOD, start=900)
    refused = runner.invoke(main, [*base, "import", str(good), "-c", "抖音", "--no-link"])
    assert refused.exit_code == 2
    assert "is paused" in refused.output and "workbench channels resume '抖音'" in refused.output

    resumed = runner.invoke(main, [*base, "channels", "resume", "抖音", "--reason", "已整改"])
    assert resumed.exit_code == 0, resumed.output
    again = runner.invoke(main, [*base, "import", str(good), "-c", "抖音", "--no-link"])
    assert again.exit_code == 0, again.output
    assert "[active]" in runner.invoke(main, [*base, "channels"]).output
