"""Intake: events become durable in an inbox beside the pool, then one writer applies them.

The inbox is a small SQLite file in WAL mode beside the pool (`leadpool.duckdb.inbox.sqlite`):
an event is acknowledged only after it is committed there, so it survives a crash of the
server, and a busy pool only makes events wait. `apply_pending` takes the waiting events in
batches into the pool, each batch in one short transaction: an event whose `event_id` the pool
has already taken is skipped (applied once), one whose lead cannot be found or matches several
leads is parked with that reason (`retry_parked` tries it again once the lead has arrived), the
others go through their rule. The inbox row is marked done after the pool commits; if the
process dies in between, the pool's own record of the event_id keeps it from applying twice.

Example:
    result = ingest_file(pool, "app_events.jsonl")
    result.counts
    {'applied': 12, 'parked': 1}
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from workbench.errors import EventRefused, PoolBusy
from workbench.events import sql
from workbench.events.contract import Event, validate_event
from workbench.events.rules import Rule, load_rules, standard_values
from workbench.leads.merge import edit_lead
from workbench.privacy.masking import MASKERS
from workbench.store.log import now
from workbench.store.pool import Pool, run

log = logging.getLogger(__name__)

BATCH_SIZE = 500


# --- the inbox ------------------------------------------------------------------------------


def _masked(field_name: str, value):
    """A value as a person may see it in a list or a reason (138****5678)."""
    return MASKERS.get(field_name, lambda v: v)(value)


def inbox_path(pool: Pool) -> Path:
    """The inbox file beside the pool."""
    return pool.path.with_name(pool.path.name + ".inbox.sqlite")


class Inbox:
    """The durable queue of events not yet applied to the pool (SQLite, WAL mode).

    Safe to use from several threads: every call opens its own connection.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            for statement in sql.INBOX_DDL:
                con.execute(statement)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        # FULL: a commit is on disk before the sender hears 202.
        con.execute("PRAGMA synchronous=FULL")
        return con

    def put(self, events: list[Event]) -> tuple[int, int]:
        """Store events durably; returns (new, already in the inbox)."""
        received = now().isoformat(sep=" ")
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            new = 0
            for event in events:
                cur = con.execute(sql.inbox_put_sql(), {
                    "event_id": event.event_id, "system": event.system,
                    "body": event.to_json(), "received_at": received})
                new += cur.rowcount
            con.execute("COMMIT")
        finally:
            con.close()
        return new, len(events) - new

    def refuse(self, source: str, refusals: list[EventRefused]) -> None:
        """Note what was wrong with refused events (`source`: the file and line, or the
        system that sent them)."""
        if not refusals:
            return
        received = now().isoformat(sep=" ")
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(sql.inbox_refused_sql(), [
                {"received_at": received, "source": f"{source}:{r.row}" if r.row else source,
                 "event_id": r.event_id, "field": r.field, "reason": r.reason}
                for r in refusals])
            con.execute("COMMIT")
        finally:
            con.close()

    def refusals(self, limit: int = 20) -> pd.DataFrame:
        """The latest refused events: when, from where, which id, field and reason."""
        con = self._connect()
        try:
            return pd.read_sql_query(sql.inbox_refusals_sql(), con, params={"limit": limit})
        finally:
            con.close()

    def waiting(self, limit: int = BATCH_SIZE) -> list[tuple[str, str, str]]:
        """(event_id, body, received_at) of events not yet applied, oldest first."""
        con = self._connect()
        try:
            return con.execute(sql.inbox_waiting_sql(), {"limit": limit}).fetchall()
        finally:
            con.close()

    def mark_done(self, event_ids: list[str]) -> None:
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(sql.inbox_done_sql(), [
                {"done_at": now().isoformat(sep=" "), "event_id": e} for e in event_ids])
            con.execute("COMMIT")
        finally:
            con.close()

    def counts(self) -> dict[str, int]:
        con = self._connect()
        try:
            waiting, done = con.execute(sql.inbox_counts_sql()).fetchone()
        finally:
            con.close()
        return {"waiting": int(waiting), "done": int(done)}


# --- reading a .jsonl file ------------------------------------------------------------------


@dataclass
class IntakeResult:
    """What became of a file or request of events."""

    received: int = 0
    new: int = 0
    duplicates: int = 0
    refused: list[EventRefused] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{self.received:,} events read, {self.new:,} new"]
        if self.duplicates:
            parts.append(f"{self.duplicates:,} already received")
        if self.refused:
            parts.append(f"{len(self.refused):,} refused")
        done = ", ".join(f"{n:,} {status}" for status, n in sorted(self.counts.items()))
        return "; ".join(parts) + (f". Applied to the pool: {done}." if done else ".")


def read_jsonl(path: str | Path) -> tuple[list[Event], list[EventRefused]]:
    """The valid events of a .jsonl file and a refusal (with its line) for each bad one."""
    path = Path(path)
    events, refused = [], []
    with open(path, encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as err:
                refused.append(EventRefused("(line)", f"不是合法的 JSON not valid JSON: {err}",
                                            file=str(path), row=number))
                continue
            try:
                events.append(validate_event(value))
            except EventRefused as err:
                refused.append(EventRefused(err.field, err.reason, event_id=err.event_id,
                                            file=str(path), row=number))
    return events, refused


def ingest_file(pool: Pool, path: str | Path, *, apply: bool = True) -> IntakeResult:
    """Take the events of a .jsonl file: bad lines are refused (each with its line, field and
    reason), the others are stored in the inbox and, with `apply`, applied to the pool."""
    events, refused = read_jsonl(path)
    inbox = Inbox(inbox_path(pool))
    new, duplicates = inbox.put(events)
    inbox.refuse(f"file {Path(path).name}", refused)
    result = IntakeResult(received=len(events) + len(refused), new=new, duplicates=duplicates,
                          refused=refused)
    if apply:
        result.counts = apply_all(pool, inbox)
    return result


# --- applying -------------------------------------------------------------------------------


def apply_all(pool: Pool, inbox: Inbox | None = None, *, batch_size: int = BATCH_SIZE) -> dict:
    """Apply every waiting event of the inbox, batch after batch; returns counts per outcome."""
    inbox = inbox or Inbox(inbox_path(pool))
    total: Counter = Counter()
    while True:
        counts = apply_pending(pool, inbox, limit=batch_size)
        if not counts:
            return dict(total)
        total.update(counts)


def apply_pending(pool: Pool, inbox: Inbox, *, limit: int = BATCH_SIZE,
                  budget: float | None = None) -> dict:
    """Apply up to `limit` waiting events in one pool transaction; returns counts per outcome
    ('applied', 'parked', 'review', 'ignored', 'failed', 'duplicate'). With `budget` (seconds)
    the transaction takes no further events once that time is spent, so the pool's lock is
    held only for a moment; the rest keep waiting. A busy pool raises `PoolBusy` and the
    events stay waiting."""
    rows = inbox.waiting(limit)
    if not rows:
        return {}
    try:
        counts, done = _apply_batch(pool, rows, budget)
    except PoolBusy:
        raise
    except Exception:  # one bad event must not hold the others back: one transaction each
        log.exception("a batch of %d events failed; applying them one by one", len(rows))
        counts, done = Counter(), []
        for row in rows:
            try:
                counts.update(_apply_batch(pool, [row], None)[0])
            except PoolBusy:
                raise
            except Exception as err:  # noqa: BLE001 - recorded as the event's outcome
                counts.update(_record_failure(pool, row, err))
            done.append(row[0])
    inbox.mark_done(done)
    return dict(counts)


def _apply_batch(pool: Pool, rows, budget: float | None) -> tuple[Counter, list[str]]:
    counts: Counter = Counter()
    done: list[str] = []
    started = time.monotonic()
    with pool.transaction() as con:
        ids = [r[0] for r in rows]
        known = {r[0] for r in run(con, sql.known_event_ids_sql(), {"ids": ids}).fetchall()}
        rules = load_rules(con)
        for event_id, body, received_at in rows:
            if budget is not None and done and time.monotonic() - started > budget:
                break
            done.append(event_id)
            if event_id in known:
                counts["duplicate"] += 1
                continue
            event = validate_event(json.loads(body))
            outcome = apply_event(con, event, rules)
            _record(con, event, outcome, received_at=received_at, first=True)
            known.add(event_id)
            counts[outcome.status] += 1
    return counts, done


def _record_failure(pool: Pool, row, err: Exception) -> Counter:
    event_id, body, received_at = row
    with pool.transaction() as con:
        if run(con, sql.known_event_ids_sql(), {"ids": [event_id]}).fetchall():
            return Counter(duplicate=1)
        event = validate_event(json.loads(body))
        _record(con, event, Outcome("failed", reason=f"{type(err).__name__}: {err}"),
                received_at=received_at, first=True)
    return Counter(failed=1)


@dataclass
class Outcome:
    """What became of one event."""

    status: str                 # applied | parked | review | ignored | failed
    rule: Rule | None = None
    lead_id: int | None = None
    reason: str = ""
    history_events: list[int] = field(default_factory=list)


def find_lead(con: duckdb.DuckDBPyConnection, event: Event) -> tuple[int | None, str]:
    """The one lead the event names, or None and why not (not found, or several)."""
    key = event.lead_key()
    if key[0] == "source_id":
        _, channel, source_id = key
        rows = run(con, sql.leads_by_source_id_sql(),
                   {"channel": channel, "source_id": source_id}).fetchall()
        said = f"channel={channel} source_id={source_id}"
    else:
        field_name, raw = key
        value = standard_values({field_name: raw})[field_name]
        said = f"{field_name}={_masked(field_name, raw)}"
        if value is None:
            return None, f"联系方式无效 the {field_name} '{_masked(field_name, raw)}' is not valid"
        rows = run(con, sql.leads_by_contact_sql(field_name), {"value": value}).fetchall()
    leads = [int(r[0]) for r in rows]
    if not leads:
        return None, f"找不到线索 no lead found by {said}"
    if len(leads) > 1:
        return None, (f"匹配到多个线索 {said} matches {len(leads)} leads: "
                      f"{', '.join(map(str, leads[:10]))}")
    return leads[0], ""


def evaluate(con: duckdb.DuckDBPyConnection, event: Event, rules: dict[str, Rule]):
    """(lead id, the rule, its plan or None, a reason) for one event, changing nothing."""
    rule = rules[event.type]
    lead_id, why = find_lead(con, event)
    if lead_id is None:
        return None, rule, None, why
    return lead_id, rule, rule.plan(event), ""


def apply_event(con: duckdb.DuckDBPyConnection, event: Event, rules: dict[str, Rule]) -> Outcome:
    """Apply one event inside the caller's transaction: find its lead, plan, edit."""
    lead_id, rule, plan, why = evaluate(con, event, rules)
    if plan is None:
        return Outcome("parked", rule, None, why)
    if plan.status != "apply":
        return Outcome(plan.status, rule, lead_id, plan.reason)
    reason = (f"事件 event {event.event_id} ({event.system} {event.type}), "
              f"规则 rule {rule.name} v{rule.version}")
    history = [edit_lead(con, lead_id, field_name, value, actor=f"rule:{rule.name}",
                         reason=reason, kind="rule").event_id
               for field_name, value in plan.edits]
    changed = ", ".join(f for f, _ in plan.edits)
    return Outcome("applied", rule, lead_id, f"{changed} 已更新 updated", history)


def _record(con, event: Event, outcome: Outcome, *, received_at, first: bool) -> None:
    stamp = now()
    params = {"event_id": event.event_id, "status": outcome.status,
              "rule": outcome.rule.name if outcome.rule else None,
              "rule_version": outcome.rule.version if outcome.rule else None,
              "lead_id": outcome.lead_id, "reason": outcome.reason,
              "history_events": json.dumps(outcome.history_events), "updated_at": stamp}
    if first:
        run(con, sql.insert_inbound_sql(),
            {**params, "system": event.system, "type": event.type,
             "occurred_at": event.occurred_at, "received_at": received_at,
             "body": event.to_json()})
    else:
        run(con, sql.update_inbound_sql(), params)


def retry_parked(pool: Pool, *, limit: int = 10_000) -> dict:
    """Try the parked events again (their lead may have arrived); returns counts per outcome."""
    counts: Counter = Counter()
    with pool.transaction() as con:
        rules = load_rules(con)
        for _event_id, body, received_at in run(con, sql.parked_events_sql(),
                                                {"limit": limit}).fetchall():
            event = validate_event(json.loads(body))
            outcome = apply_event(con, event, rules)
            _record(con, event, outcome, received_at=received_at, first=False)
            counts[outcome.status] += 1
    return dict(counts)


def dry_run(pool: Pool, path: str | Path) -> tuple[pd.DataFrame, list[EventRefused]]:
    """What the rules would do with the events of a .jsonl file; changes nothing."""
    events, refused = read_jsonl(path)
    rows = []
    with pool.connect(read_only=True) as con:
        rules = load_rules(con)
        known = {r[0] for r in run(con, sql.known_event_ids_sql(),
                                   {"ids": [e.event_id for e in events]}).fetchall()}
        for event in events:
            if event.event_id in known:
                rows.append({"event_id": event.event_id, "type": event.type, "lead_id": None,
                             "outcome": "duplicate", "changes": "",
                             "reason": "已处理过 already taken"})
                continue
            lead_id, rule, plan, why = evaluate(con, event, rules)
            outcome = "parked" if plan is None else plan.status
            changes = "" if plan is None else ", ".join(
                f"{f} → {_masked(f, v)}" for f, v in plan.edits)
            rows.append({"event_id": event.event_id, "type": event.type, "lead_id": lead_id,
                         "outcome": "would apply" if outcome == "apply" else outcome,
                         "changes": changes, "reason": why or (plan.reason if plan else "")})
    frame = pd.DataFrame(rows, columns=["event_id", "type", "lead_id", "outcome", "changes",
                                        "reason"])
    return frame.astype({"lead_id": "Int64"}), refused


def recent_events(pool: Pool, *, limit: int = 20, status: str | None = None) -> pd.DataFrame:
    """The newest events with their outcome (rule, lead, reason, history events)."""
    with pool.connect(read_only=True) as con:
        return run(con, sql.recent_inbound_sql(), {"status": status, "limit": limit}).df()
