"""Channel governance: batch quality scores, the channel gate, and channel settings.

A channel whose last three scored batches all fall below its quality threshold (0.90 unless
set per pool or per channel) is paused: further imports from it are refused until someone
resumes it. Pausing and resuming are events in the history; a pause also leaves an alert for
the channel's owner in the outbox (`notifications`).

The batch quality score (see the README, "Quality score"):

    score = 0.4 × reachability + 0.3 × validity + 0.3 × completeness

    reachability  share of the batch's rows with at least one valid mobile, email or WeChat
    validity      share of present values (every checked field) that pass their check
    completeness  share of rows with a name and at least one contact field present

Rows of the batch that could not be stored count as neither reachable nor complete.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from workbench.errors import ChannelPaused, InputError, WorkbenchError
from workbench.ingest import sql
from workbench.store import sql as store_sql
from workbench.store.log import log_event, now
from workbench.store.pool import Pool, current_actor, run

log = logging.getLogger(__name__)

# The batch quality score (0..1) a channel's batches must reach, unless the pool or the channel
# sets its own: GATE_RUN scored batches in a row below it pause the channel.
GATE_MIN_SCORE = 0.90
# How many scored batches in a row below the threshold pause a channel.
GATE_RUN = 3
# Weights of the batch quality score; reachability first, as the mission asks.
SCORE_WEIGHTS = {"reachability": 0.4, "validity": 0.3, "completeness": 0.3}
CHANNEL_KINDS = ("own", "third_party")


@dataclass(frozen=True)
class BatchScore:
    """The parts of one batch's quality score, each a share between 0 and 1."""

    rows: int
    reachability: float
    validity: float
    completeness: float

    @classmethod
    def from_counts(
        cls, rows: int, reachable: int, complete: int, present: int, valid: int
    ) -> BatchScore | None:
        """The score parts from counts of rows and values; None when there are no rows."""
        if rows == 0:
            return None
        return cls(
            rows=rows,
            reachability=reachable / rows,
            validity=valid / present if present else 0.0,
            completeness=complete / rows,
        )

    @property
    def score(self) -> float:
        return round(
            SCORE_WEIGHTS["reachability"] * self.reachability
            + SCORE_WEIGHTS["validity"] * self.validity
            + SCORE_WEIGHTS["completeness"] * self.completeness,
            4,
        )


def ensure_open(con: duckdb.DuckDBPyConnection, channel: str) -> None:
    """Refuse to go on when `channel` is paused; unknown channels are open.

    Called by the importer before anything is written.

    Raises:
        ChannelPaused: with the reason for the pause and the command that resumes it.

    Example:
        >>> with pool.transaction() as con:
        ...     ensure_open(con, "抖音广告")
    """
    row = _find_channel(con, channel)
    if row is None or row["status"] != "paused":
        return
    owner = row["owner"] or "its owner (none set: `workbench channels set NAME --owner ...`)"
    changed, why = row["status_changed_at"], row["status_reason"] or "no reason recorded"
    since = f" since {changed:%Y-%m-%d %H:%M}" if changed else ""
    raise ChannelPaused(
        f"Channel '{channel}' is paused{since}: {why}. "
        f"Imports from it are refused. Ask {owner} to fix the data at the source, then resume "
        f"the channel with `workbench channels resume '{channel}' --reason \"...\"`."
    )


def score_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> BatchScore | None:
    """The quality score parts of one batch, or None when it has no rows.

    Example:
        >>> with pool.connect(read_only=True) as con:
        ...     score_batch(con, 3).score
        0.9873
    """
    row = run(con, sql.batch_score_parts_sql(), {"batch_id": batch_id}).fetchone()
    if row is None:
        raise InputError(
            f"There is no batch {batch_id} in the pool.",
            fix="List the batches with `workbench batches` and pass one of their ids.",
        )
    return BatchScore.from_counts(*(int(v or 0) for v in row))


def after_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> float:
    """Score a freshly imported batch, store the score, and pause its channel if it must.

    Called by the importer inside the import transaction after the batch's records are
    inserted. The batch itself lands; it is the next import from a paused channel that is
    refused.

    Returns:
        The batch's quality score between 0 and 1 (NaN for a batch without rows, which is
        not scored and does not count towards the gate).

    Example:
        >>> with pool.transaction() as con:
        ...     after_batch(con, 3)
        0.9873
    """
    parts = score_batch(con, batch_id)
    score = parts.score if parts is not None else None
    run(con, sql.set_batch_score_sql(), {"score": score, "batch_id": batch_id})
    channel = run(con, sql.batch_channel_sql(), {"batch_id": batch_id}).fetchone()[0]
    run(con, sql.ensure_channel_sql(), {"channel": channel})
    log.info("batch %d of %s scored %s", batch_id, channel, score)
    if score is not None:
        _check_gate(con, channel)
    return math.nan if score is None else score


def channel_threshold(con: duckdb.DuckDBPyConnection, channel: str) -> float:
    """The quality threshold of a channel: its own, else the pool's, else 0.90."""
    row = _find_channel(con, channel)
    if row is not None and row["quality_threshold"] is not None:
        return float(row["quality_threshold"])
    pool_row = run(con, sql.pool_threshold_sql()).fetchone()
    return float(pool_row[0]) if pool_row else GATE_MIN_SCORE


def _check_gate(con: duckdb.DuckDBPyConnection, channel: str) -> None:
    row = _channel_row(con, channel)
    if row["status"] == "paused":
        return
    threshold = channel_threshold(con, channel)
    recent = run(con, sql.recent_scores_sql(), {"channel": channel,
                                                "gate_after_batch": row["gate_after_batch"],
                                                "limit": GATE_RUN}).fetchall()
    if len(recent) < GATE_RUN or any(score >= threshold for _, score in recent):
        return
    batches = sorted(batch_id for batch_id, _ in recent)
    scores = [round(score, 4) for _, score in sorted(recent)]
    reason = (
        f"quality below {threshold:.0%} in {GATE_RUN} batches in a row "
        f"(batches {', '.join(map(str, batches))}: "
        f"{', '.join(f'{s:.1%}' for s in scores)})"
    )
    _set_status(con, channel, "paused", reason, actor="quality gate",
                payload={"batches": batches, "scores": scores, "threshold": threshold})
    log.warning("channel %s paused: %s", channel, reason)


def _set_status(
    con: duckdb.DuckDBPyConnection,
    channel: str,
    status: str,
    reason: str,
    *,
    actor: str | None = None,
    payload: dict | None = None,
    gate_after_batch: int | None = None,
) -> int:
    kind = "channel_paused" if status == "paused" else "channel_resumed"
    event_id = log_event(con, kind, f"channel:{channel}", actor=actor, reason=reason,
                         payload=payload)
    run(con, sql.set_channel_status_sql(), {"status": status, "reason": reason,
                                            "changed_at": now(),
                                            "gate_after_batch": gate_after_batch,
                                            "channel": channel})
    if status == "paused":
        _alert_owner(con, channel, reason, event_id, payload or {})
    return event_id


def _alert_owner(
    con: duckdb.DuckDBPyConnection, channel: str, reason: str, event_id: int, payload: dict
) -> None:
    row = _channel_row(con, channel)
    owner, contact = row["owner"], row["contact"]
    message = (
        f"渠道「{channel}」已暂停接收数据 / Channel '{channel}' is paused: {reason}. "
        "Please fix the data at the source; imports resume after "
        f"`workbench channels resume '{channel}' --reason \"...\"`."
    )
    queue_alert(con, owner or contact or "data-team", "channel_paused", f"channel:{channel}",
                message, payload={**payload, "contact": contact}, event_id=event_id)


def queue_alert(
    con: duckdb.DuckDBPyConnection,
    recipient: str,
    kind: str,
    subject: str,
    message: str,
    *,
    payload: dict | None = None,
    event_id: int | None = None,
) -> int:
    """Put an alert for a person in the outbox (`notifications`); returns its id.

    Example:
        >>> with pool.transaction() as con:
        ...     queue_alert(con, "张经理", "channel_paused", "channel:抖音广告", "渠道已暂停 …")
        1
    """
    notification_id = int(run(con, store_sql.next_notification_id_sql()).fetchone()[0])
    run(con, store_sql.insert_notification_sql(), {
        "notification_id": notification_id, "created_at": now(), "recipient": recipient,
        "kind": kind, "subject": subject, "message": message,
        "payload": None if payload is None else json.dumps(payload, ensure_ascii=False,
                                                           default=str),
        "event_id": event_id,
    })
    return notification_id


def channel_names(pool: Pool) -> list[str]:
    """The names of the pool's channels, sorted (none when the pool does not exist yet)."""
    if not pool.exists():
        return []
    with pool.connect(read_only=True) as con:
        return [r[0] for r in run(con, sql.channel_names_sql()).fetchall()]


def list_channels(pool: Pool, *, recent: int = 5) -> pd.DataFrame:
    """Every channel with owner, priority, status, threshold and its recent batch scores.

    Example:
        >>> list_channels(Pool("data/leadpool.duckdb"))[["name", "status", "recent_scores"]].head(2)
            name  status recent_scores
        0   官网表单  active      [0.9878]
        1  微信公众号  active      [0.9855]
    """
    with pool.connect(read_only=True) as con:
        return channel_table(con, recent=recent)


def channel_table(con: duckdb.DuckDBPyConnection, *, recent: int = 5) -> pd.DataFrame:
    """`list_channels` on an open connection."""
    frame = run(con, sql.list_channels_sql(), {"recent": recent}).df()
    pool_row = run(con, sql.pool_threshold_sql()).fetchone()
    default = float(pool_row[0]) if pool_row else GATE_MIN_SCORE
    frame["threshold"] = frame.pop("quality_threshold").fillna(default)
    frame["recent_scores"] = frame["recent_scores"].map(list)
    return frame


def resume_channel(pool: Pool, channel: str, *, reason: str, actor: str | None = None) -> int:
    """Resume a paused channel; its earlier batches no longer count towards the gate.

    Returns:
        The id of the 'channel_resumed' event.

    Example:
        >>> pause_channel(pool, "抖音广告", reason="手机号格式错误")
        11
        >>> resume_channel(pool, "抖音广告", reason="渠道已修正手机号格式")
        12
    """
    if not reason or not reason.strip():
        raise InputError(
            "Resuming a channel needs a reason.",
            fix="Say what the channel fixed, e.g. --reason \"手机号格式已修正\".",
        )
    with pool.transaction() as con:
        row = _channel_row(con, channel)
        if row["status"] != "paused":
            raise WorkbenchError(
                f"Channel '{channel}' is not paused (status: {row['status']}); nothing to "
                "resume."
            )
        last = run(con, sql.last_batch_id_sql(), {"channel": channel}).fetchone()[0]
        return _set_status(con, channel, "active", reason, actor=actor or current_actor(),
                           payload={"paused_because": row["status_reason"],
                                    "gate_after_batch": last},
                           gate_after_batch=last if last is not None else -1)


def pause_channel(pool: Pool, channel: str, *, reason: str, actor: str | None = None) -> int:
    """Pause a channel by hand (its owner is alerted as when the gate trips).

    Example:
        >>> pause_channel(pool, "抖音广告", reason="文件来源不明")
        11
    """
    with pool.transaction() as con:
        row = _channel_row(con, channel)
        if row["status"] == "paused":
            raise WorkbenchError(
                f"Channel '{channel}' is already paused: {row['status_reason']}."
            )
        return _set_status(con, channel, "paused", reason, actor=actor or current_actor())


def set_channel(
    pool: Pool,
    channel: str,
    *,
    owner: str | None = None,
    priority: int | None = None,
    kind: str | None = None,
    contact: str | None = None,
    threshold: float | None = None,
    actor: str | None = None,
) -> dict:
    """Create a channel or change its settings; only the given ones change. An event records it.

    Args:
        priority: higher wins conflicts (own channels above third parties).
        kind: 'own' or 'third_party'.
        threshold: the channel's own quality threshold between 0 and 1.

    Returns:
        The channel's settings after the change.

    Example:
        >>> set_channel(pool, "官网表单", owner="张经理", priority=90, kind="own")["owner"]
        '张经理'
    """
    changes = {
        k: v
        for k, v in dict(owner=owner, priority=priority, kind=kind, contact=contact,
                         quality_threshold=threshold).items()
        if v is not None
    }
    problems = []
    if kind is not None and kind not in CHANNEL_KINDS:
        problems.append(f"kind '{kind}' is not one of {', '.join(CHANNEL_KINDS)}")
    if threshold is not None and not 0 <= threshold <= 1:
        problems.append(f"threshold {threshold} is not between 0 and 1 (0.9 means 90%)")
    if problems:
        raise InputError(f"Channel '{channel}': " + "; ".join(problems) + ".",
                         fix="Correct the values and run it again.")
    with pool.transaction() as con:
        run(con, sql.ensure_channel_sql(), {"channel": channel})
        before = _channel_row(con, channel)
        if changes:
            run(con, sql.update_channel_sql(list(changes)), {**changes, "channel": channel})
            log_event(con, "channel_changed", f"channel:{channel}", actor=actor,
                      payload={"before": {k: before[k] for k in changes}, "after": changes})
        return _channel_row(con, channel)


def set_pool_threshold(pool: Pool, threshold: float) -> None:
    """Set the pool's default quality threshold (channels without their own use it).

    Example:
        >>> set_pool_threshold(pool, 0.85)
    """
    if not 0 <= threshold <= 1:
        raise InputError(f"Threshold {threshold} is not between 0 and 1.",
                         fix="Give a share, e.g. 0.9 for 90%.")
    with pool.transaction() as con:
        run(con, sql.set_pool_threshold_sql(), {"threshold": str(threshold)})
        log_event(con, "quality_threshold_changed", "pool", payload={"threshold": threshold})


_COLUMNS = ("name", "priority", "kind", "owner", "contact", "status", "status_reason",
            "quality_threshold", "gate_after_batch", "status_changed_at")


def _find_channel(con: duckdb.DuckDBPyConnection, channel: str) -> dict | None:
    row = run(con, sql.channel_sql(), {"channel": channel}).fetchone()
    return None if row is None else dict(zip(_COLUMNS, row, strict=True))


def _channel_row(con: duckdb.DuckDBPyConnection, channel: str) -> dict:
    row = _find_channel(con, channel)
    if row is None:
        raise InputError(
            f"There is no channel '{channel}' in the pool.",
            fix="See the channels with `workbench channels list`.",
        )
    return row


