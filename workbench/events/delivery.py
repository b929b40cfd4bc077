"""Delivery of the outbox (`notifications`) to the people it names.

Each recipient (a salesperson who owns leads, a channel's owner, the team a failed run alerts)
has one or more addresses in `recipients`: an e-mail address (sent over SMTP), a 企业微信 or
钉钉 group-robot webhook (their JSON formats; DingTalk's signed URL when a secret is given), or
a plain JSON webhook. `send_due` sends what is due as one digest per recipient and address
instead of a flood, records every attempt in `deliveries`, retries failures with backoff and
gives up after `MAX_ATTEMPTS` (a dead letter, with the reason). Alerts to channel owners say
how long they have waited against the 2-hour promise. Personal values quoted in messages are
masked: robot messages land in group chats.

Example:
    set_recipient(pool, "李销售", "email", "li@example.com")
    send_due(pool, smtp=SmtpSettings("smtp.example.com", 587, "leads@example.com"))
    {'sent': 3, 'failed': 0, 'dead': 0}
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import smtplib
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage

import pandas as pd

from workbench.errors import InputError
from workbench.events import sql
from workbench.privacy.masking import mask_free_text
from workbench.store.log import now as clock
from workbench.store.pool import Pool, run

log = logging.getLogger(__name__)

KINDS = ("email", "wecom", "dingtalk", "webhook")
MAX_ATTEMPTS = 5
BACKOFF = dt.timedelta(minutes=1)         # 1, 2, 4, 8 minutes between attempts
PROMISE = dt.timedelta(hours=2)           # "solved within 2 hours"
ALERT_KINDS = ("channel_paused", "run_failed", "sync_failed")
HTTP_TIMEOUT = 10


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP server messages leave through.

    `from_env` reads WORKBENCH_SMTP_HOST, _PORT (25), _FROM, _USER, _PASSWORD, _STARTTLS.
    """

    host: str
    port: int = 25
    sender: str = "workbench@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        host = os.environ.get("WORKBENCH_SMTP_HOST")
        if not host:
            return None
        return cls(host, int(os.environ.get("WORKBENCH_SMTP_PORT", "25")),
                   os.environ.get("WORKBENCH_SMTP_FROM", "workbench@localhost"),
                   os.environ.get("WORKBENCH_SMTP_USER"), os.environ.get("WORKBENCH_SMTP_PASSWORD"),
                   os.environ.get("WORKBENCH_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"))


class DeliveryFailed(Exception):
    """One attempt to reach an address failed; the message says why."""


# --- recipients ---------------------------------------------------------------------------


def set_recipient(pool: Pool, recipient: str, kind: str, address: str, *,
                  secret: str | None = None, active: bool = True) -> None:
    """Give `recipient` (as named in the outbox: a lead's owner, a channel's owner) an address
    of `kind` (email, wecom, dingtalk, webhook), or take it away with `active=False`."""
    if kind not in KINDS:
        raise InputError(f"'{kind}' is not a kind of address.", fix=f"Use one of: {', '.join(KINDS)}.")
    if kind == "email" and "@" not in address:
        raise InputError(f"'{address}' is not an e-mail address.", fix="e.g. li@example.com.")
    if kind != "email" and not address.startswith(("http://", "https://")):
        raise InputError(f"'{address}' is not a webhook URL.",
                         fix="Copy the robot's URL, e.g. https://qyapi.weixin.qq.com/cgi-bin/"
                             "webhook/send?key=….")
    with pool.transaction() as con:
        run(con, sql.insert_recipient_sql(),
            {"recipient": recipient, "kind": kind, "address": address, "secret": secret,
             "active": active, "changed_at": clock()})


def recipients(pool: Pool) -> pd.DataFrame:
    with pool.connect() as con:
        frame = run(con, sql.current_recipients_sql()).df()
    return frame.drop(columns=["secret"])


def outbox(pool: Pool, limit: int = 50) -> pd.DataFrame:
    """The newest messages with their delivery state (attempts, last status and error)."""
    with pool.connect() as con:
        return run(con, sql.outbox_sql(), {"limit": limit}).df()


# --- sending ------------------------------------------------------------------------------


def send_due(pool: Pool, *, smtp: SmtpSettings | None = None, now: dt.datetime | None = None,
             transport=None) -> dict:
    """Send every message that is due, one digest per recipient and address.

    Args:
        pool: the lead pool.
        smtp: the SMTP server for e-mail addresses (default: `SmtpSettings.from_env()`).
        now: the clock (tests pass one, so retries never sleep).
        transport: replaces `deliver` (kind, address, secret, subject, text, smtp) -> None.

    Returns:
        Counts of digests {'sent', 'failed', 'dead'}; messages inside them are marked.
    """
    now = now or clock()
    smtp = smtp or SmtpSettings.from_env()
    transport = transport or deliver
    with pool.connect() as con:
        due = run(con, sql.due_notifications_sql(), {"now": now}).df()
    counts: Counter = Counter()
    rows, delivered = [], []
    for (recipient, kind, address), group in due.groupby(["recipient", "kind", "address"],
                                                         sort=True):
        subject, text = digest(recipient, group, now)
        attempt = int(group["attempts"].max()) + 1
        try:
            secret = group["secret"].iloc[0]
            transport(kind, address, secret if isinstance(secret, str) else None, subject, text,
                      smtp)
            status, error, next_try = "sent", None, None
            delivered.extend(int(i) for i in group["notification_id"])
        except DeliveryFailed as err:
            error = str(err)
            if attempt >= MAX_ATTEMPTS:
                status, next_try = "dead", None
            else:
                status, next_try = "failed", now + BACKOFF * (2 ** (attempt - 1))
            log.warning("delivery to %s (%s) failed, attempt %d: %s", recipient, kind, attempt,
                        error)
        counts[status] += 1
        rows.extend({"notification_id": int(i), "recipient": recipient, "kind": kind,
                     "address": address, "attempt": attempt, "tried_at": now, "status": status,
                     "error": error, "next_try_at": next_try} for i in group["notification_id"])
    if rows:
        with pool.transaction() as con:
            for row in rows:
                run(con, sql.insert_delivery_sql(), row)
            if delivered:
                run(con, sql.mark_delivered_sql(), {"ids": delivered, "delivered_at": now})
    return {"sent": counts["sent"], "failed": counts["failed"], "dead": counts["dead"]}


def digest(recipient: str, messages: pd.DataFrame, now: dt.datetime) -> tuple[str, str]:
    """The subject and text of one digest of `messages` for `recipient` (personal values
    masked). Alerts say how long they have waited against the 2-hour promise."""
    alerts = messages[messages["message_kind"].isin(ALERT_KINDS)]
    n = len(messages)
    if len(alerts):
        subject = f"【线索数据工厂】{len(alerts)} 条告警待处理 alerts waiting, {n} 条消息 messages"
    else:
        subject = f"【线索数据工厂】{n} 条线索变更通知 lead changes"
    lines = [f"{recipient}，您好：", ""]
    for row in messages.itertuples():
        line = f"- {row.created_at:%m-%d %H:%M} {mask_free_text(row.message)}"
        if row.message_kind in ALERT_KINDS:
            waited = now - row.created_at
            hours = waited.total_seconds() / 3600
            late = "已超时 overdue" if waited > PROMISE else "未超时 within"
            line += f"（已等待 {hours:.1f} 小时，承诺 2 小时内解决：{late}）"
        lines.append(line)
    return subject, "\n".join(lines)


def deliver(kind: str, address: str, secret: str | None, subject: str, text: str,
            smtp: SmtpSettings | None) -> None:
    """Send one message to one address; `DeliveryFailed` says why it did not arrive."""
    if kind == "email":
        _send_email(address, subject, text, smtp)
    elif kind == "wecom":
        _post_robot(address, {"msgtype": "text", "text": {"content": f"{subject}\n{text}"}})
    elif kind == "dingtalk":
        _post_robot(dingtalk_signed_url(address, secret) if secret else address,
                    {"msgtype": "text", "text": {"content": f"{subject}\n{text}"}})
    else:
        _post_json(address, {"subject": subject, "text": text})


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk's signed robot URL: timestamp and the Base64 HMAC-SHA256 of
    "timestamp\\nsecret" keyed with the secret, URL-encoded."""
    stamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    mac = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(mac))
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"


def _send_email(address: str, subject: str, text: str, smtp: SmtpSettings | None) -> None:
    if smtp is None:
        raise DeliveryFailed("没有配置 SMTP no SMTP server is set (WORKBENCH_SMTP_HOST)")
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, smtp.sender, address
    message.set_content(text)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=HTTP_TIMEOUT) as server:
            if smtp.starttls:
                server.starttls()
            if smtp.user:
                server.login(smtp.user, smtp.password or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as err:
        raise DeliveryFailed(f"SMTP {smtp.host}:{smtp.port}: {err}") from err


def _post_json(url: str, body: dict) -> bytes:
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode(),
                                     headers={"Content-Type": "application/json; charset=utf-8"},
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.read()
    except OSError as err:  # URLError and HTTPError are OSErrors
        raise DeliveryFailed(f"{_host(url)}: {err}") from err


def _post_robot(url: str, body: dict) -> None:
    """企业微信 and 钉钉 robots answer 200 with {"errcode": 0} on success, else an errcode."""
    answer = _post_json(url, body)
    try:
        reply = json.loads(answer or b"{}")
    except ValueError as err:
        raise DeliveryFailed(f"{_host(url)}: not a robot's answer: {answer[:100]!r}") from err
    if reply.get("errcode", 0) != 0:
        raise DeliveryFailed(f"{_host(url)}: errcode {reply.get('errcode')}: "
                             f"{reply.get('errmsg', '')}")


def _host(url: str) -> str:
    """The URL without its query: robot keys stay out of logs and dead letters."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
