"""Delivery of the outbox to a real SMTP server and real HTTP receivers on loopback."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import urllib.parse

import pytest
from click.testing import CliRunner
from events_cases import event, import_leads, write_jsonl
from receivers import HttpReceiver, SmtpReceiver, free_port

from workbench.cli import main
from workbench.events.delivery import MAX_ATTEMPTS, SmtpSettings, outbox, send_due, set_recipient
from workbench.events.intake import ingest_file
from workbench.ingest.channels import pause_channel, set_channel
from workbench.store.pool import Pool


@pytest.fixture()
def pool(tmp_path):
    """A lead of 李销售's changed by two events: two messages for her in the outbox."""
    pool = Pool(tmp_path / "pool.duckdb")
    import_leads(pool, tmp_path / "in", "自有APP",
                 [{"source_id": "U889", "name": "张伟", "phone": "13812345678", "owner": "李销售"}])
    ingest_file(pool, write_jsonl(tmp_path / "e.jsonl", [
        event("app-1"),
        event("app-2", "job_changed", company="华为技术有限公司", title="采购总监")]))
    return pool


def _undelivered(pool):
    with pool.connect() as con:
        return con.execute("SELECT count(*) FROM notifications WHERE delivered_at IS NULL "
                           "AND recipient = '李销售'").fetchone()[0]


def _later(minutes: float) -> dt.datetime:
    return dt.datetime.now() + dt.timedelta(minutes=minutes)


def test_the_salespersons_messages_arrive_by_email_as_one_digest_and_are_marked(pool):
    assert _undelivered(pool) == 3                     # phone, company, title
    set_recipient(pool, "李销售", "email", "li@example.com")
    with SmtpReceiver() as smtp:
        settings = SmtpSettings("127.0.0.1", smtp.port, "leads@example.com")
        assert send_due(pool, smtp=settings) == {"sent": 1, "failed": 0, "dead": 0}
        [(to, message)] = smtp.messages
        assert to == ["li@example.com"]
        assert message["Subject"] == "【线索数据工厂】3 条线索变更通知 lead changes"
        body = message.get_content()
        assert body.startswith("李销售，您好") and "采购总监" in body
        assert "139****4321" in body and "13987654321" not in body   # masked
        assert _undelivered(pool) == 0
        assert send_due(pool, smtp=settings) == {"sent": 0, "failed": 0, "dead": 0}
        assert len(smtp.messages) == 1
    state = outbox(pool)
    assert set(state["last_status"]) == {"sent"} and state["delivered_at"].notna().all()


def test_wecom_robot_gets_its_json_and_a_failed_delivery_is_retried_after_backoff(pool):
    with HttpReceiver(answers=[(200, {"errcode": 93000, "errmsg": "invalid webhook url"}),
                               (200, {"errcode": 0, "errmsg": "ok"})]) as robot:
        set_recipient(pool, "李销售", "wecom", f"{robot.url}/cgi-bin/webhook/send?key=K1")
        assert send_due(pool)["failed"] == 1
        assert _undelivered(pool) == 3
        state = outbox(pool)
        assert "errcode 93000" in state["last_error"].iloc[0]
        assert "key=K1" not in state["last_error"].iloc[0]      # the robot's key stays out
        assert send_due(pool) == {"sent": 0, "failed": 0, "dead": 0}   # not due yet
        assert send_due(pool, now=_later(1.5))["sent"] == 1
        assert _undelivered(pool) == 0
        assert len(robot.posts) == 2
        path, body = robot.posts[-1]
        assert path == "/cgi-bin/webhook/send?key=K1"
        assert body["msgtype"] == "text" and "3 条线索变更通知" in body["text"]["content"]


def test_an_unreachable_address_becomes_a_dead_letter_with_the_reason(pool):
    set_recipient(pool, "李销售", "email", "li@example.com")
    closed = SmtpSettings("127.0.0.1", free_port())
    when = dt.datetime.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = send_due(pool, smtp=closed, now=when)
        assert result == ({"sent": 0, "failed": 0, "dead": 1} if attempt == MAX_ATTEMPTS
                          else {"sent": 0, "failed": 1, "dead": 0})
        when += dt.timedelta(minutes=2 ** attempt)
    assert send_due(pool, smtp=closed, now=when + dt.timedelta(days=1))["dead"] == 0
    state = outbox(pool)
    assert (state["last_status"] == "dead").all() and (state["attempts"] == MAX_ATTEMPTS).all()
    assert state["last_error"].str.contains("SMTP 127.0.0.1").all()
    assert _undelivered(pool) == 3


def test_dingtalk_signed_url_and_channel_owner_alerts_count_the_wait(pool):
    set_channel(pool, "自有APP", owner="张经理")
    pause_channel(pool, "自有APP", reason="手机号格式错误")
    with HttpReceiver() as robot:
        set_recipient(pool, "张经理", "dingtalk", f"{robot.url}/robot/send?access_token=T",
                      secret="SEC123")
        assert send_due(pool, now=_later(150))["sent"] == 1
        path, body = robot.posts[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    stamp, sign = query["timestamp"][0], query["sign"][0]
    mac = hmac.new(b"SEC123", f"{stamp}\nSEC123".encode(), hashlib.sha256).digest()
    assert sign == base64.b64encode(mac).decode()
    text = body["text"]["content"]
    assert "1 条告警待处理" in text and "已暂停" in text
    assert "已等待 2.5 小时" in text and "已超时" in text
    assert _undelivered(pool) == 3                      # 李销售 has no address yet


def test_notify_commands(pool):
    def cli(*args, ok=True):
        result = CliRunner().invoke(main, ["--pool", str(pool.path), *args])
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    with HttpReceiver(answers=[(500, {"error": "down"}), (200, {})]) as hook:
        assert "李销售" in cli("notify", "add", "李销售", "--webhook", f"{hook.url}/in")
        assert "1 failed" in cli("notify", "send")
        listing = cli("notify")
        assert "failed" in listing and "HTTP Error 500" in listing
        assert "is not a webhook URL" in cli("notify", "add", "x", "--webhook", "ftp://a",
                                             ok=False)
        assert len(hook.posts) == 1 and hook.posts[0][1]["subject"].startswith("【线索数据工厂】")
