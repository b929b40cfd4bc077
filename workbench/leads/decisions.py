"""Decisions on proposed clusters: merge, split, not duplicates, skip.

A reviewer's decisions (or a pattern's, or a review file's) are applied as one event: the
records move between leads, the pairs are labelled for the linkage model, and constraints keep
merged records together and split ones apart in every later clustering run.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from workbench.errors import InputError
from workbench.leads import sql
from workbench.leads.change import Change, ChangeResult
from workbench.store.log import log_event, now
from workbench.store.pool import Pool, current_actor, run, run_many

DECISIONS: tuple[str, ...] = ("merge", "split", "not_duplicates", "skip")


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one proposed cluster.

    Args:
        cluster_id: the cluster as linkage proposed it.
        record_ids: the cluster's records when it was shown to the reviewer.
        decision: 'merge', 'split', 'not_duplicates' or 'skip'.
        leaving: for a split, the records that leave the cluster (each becomes its own lead).
        pattern: the cluster's conflict pattern, when the decision was made for a pattern.
    """

    cluster_id: int
    record_ids: tuple[int, ...]
    decision: str
    leaving: tuple[int, ...] = field(default_factory=tuple)
    pattern: str | None = None

    def check(self) -> None:
        if self.decision not in DECISIONS:
            raise InputError(
                f"Unknown decision '{self.decision}' for cluster {self.cluster_id}.",
                fix=f"Use one of: {', '.join(DECISIONS)}.",
            )
        stray = set(self.leaving) - set(self.record_ids)
        if stray:
            raise InputError(
                f"Records {sorted(stray)} are to leave cluster {self.cluster_id}, "
                f"but it holds only {sorted(self.record_ids)}.",
                fix="Pick the leaving records among the cluster's own.",
            )
        if self.decision == "split" and not self.leaving:
            raise InputError(
                f"A split of cluster {self.cluster_id} needs the records that leave.",
                fix="Mark at least one record to leave, or decide 'not_duplicates'.",
            )


def signature(record_ids: Iterable[int]) -> str:
    """The cluster's identity for decisions: its sorted record ids, '3,8,21'."""
    return ",".join(str(r) for r in sorted(set(int(r) for r in record_ids)))


def _pairs(ids: Iterable[int]) -> list[tuple[int, int]]:
    return [(min(a, b), max(a, b)) for a, b in itertools.combinations(sorted(set(ids)), 2)]


def apply_decisions(con: duckdb.DuckDBPyConnection, decisions: Sequence[Decision], *,
                    actor: str | None = None, reason: str | None = None,
                    export_id: str | None = None, kind: str = "review") -> ChangeResult:
    """Apply reviewers' decisions as one event: membership moves, labels and constraints.

    Merge joins the cluster's records into one lead (must link); split moves the leaving
    records into leads of their own (cannot link to those who stay); not duplicates gives each
    record its own lead (cannot link, pairwise); skip only records that it was seen. Pair
    labels (match / not a match) feed the linkage model.

    Returns:
        A `ChangeResult`; its event id undoes the whole batch of decisions at once.

    Example:
        >>> with pool.transaction() as con:
        ...     result = apply_decisions(con, [Decision(2, (1279, 2219), "merge")],
        ...                              reason="same mobile")
        >>> result.event_id, result.clusters, result.records_moved
        (11, 1, 1)
    """
    for d in decisions:
        d.check()
    actor = actor or current_actor()
    with Change.begin(con) as change:
        event_id = _apply(change, decisions, actor=actor, reason=reason, export_id=export_id,
                          kind=kind)
        return change.result(kind, event_id, clusters=len(decisions))


def _apply(change: Change, decisions: Sequence[Decision], *, actor: str, reason: str | None,
           export_id: str | None, kind: str) -> int:
    con = change.con
    counts = {k: sum(d.decision == k for d in decisions) for k in DECISIONS}
    event_id = log_event(
        con, kind,
        f"clusters:{len(decisions)}" if len(decisions) != 1 else f"cluster:{decisions[0].cluster_id}",
        actor=actor, reason=reason,
        payload={"counts": counts, "export_id": export_id,
                 "decisions": [[d.cluster_id, d.decision, list(d.leaving)] for d in decisions[:1000]]},
    )
    at = now()
    moves: dict[int, int] = {}
    labels: list[tuple] = []
    constraints: list[tuple] = []
    all_ids = sorted({r for d in decisions for r in d.record_ids})
    leads = change.leads_of(all_ids)
    next_lead = run(con, sql.max_lead_id_sql()).fetchall()[0][0] + 1
    for d in decisions:
        run(con, sql.insert_decision_sql(),
            {"decided_at": at, "actor": actor, "cluster_id": d.cluster_id,
             "signature": signature(d.record_ids), "decision": d.decision,
             "leaving": json.dumps(sorted(d.leaving)) if d.leaving else None,
             "pattern": d.pattern, "export_id": export_id, "event_id": event_id})
        ids = [r for r in sorted(set(d.record_ids)) if r in leads]
        if d.decision == "skip" or len(ids) < 1:
            continue
        leaving = set(d.leaving) if d.decision == "split" else set()
        staying = [r for r in ids if r not in leaving]
        if d.decision in ("merge", "split") and staying:
            target = min(leads[r] for r in staying)
            for r in staying:
                moves[r] = target
                leads[r] = target
            labels += [(a, b, True) for a, b in _pairs(staying)]
            constraints += [(min(staying[0], r), max(staying[0], r), "must_link")
                            for r in staying[1:]]
        if d.decision == "split":
            # A leaver that shares its lead with a stayer (or another leaver) gets a new lead.
            crowded = {leads[s] for s in staying} | {
                lead for lead in (leads[r] for r in leaving & set(ids))
                if sum(1 for x in leaving & set(ids) if leads[x] == lead) > 1}
            crowded |= set(_other_members(con, [leads[r] for r in leaving & set(ids)], ids))
            for r in sorted(leaving & set(ids)):
                labels += [(min(r, s), max(r, s), False) for s in staying]
                constraints += [(min(r, s), max(r, s), "cannot_link") for s in staying]
                if leads[r] in crowded:
                    moves[r] = next_lead
                    leads[r] = next_lead
                    next_lead += 1
        if d.decision == "not_duplicates":
            labels += [(a, b, False) for a, b in _pairs(ids)]
            constraints += [(a, b, "cannot_link") for a, b in _pairs(ids)]
            seen: set[int] = set()
            for r in ids:
                if leads[r] in seen:
                    moves[r] = next_lead
                    leads[r] = next_lead
                    next_lead += 1
                seen.add(leads[r])
    if labels:
        run_many(con, sql.insert_label_sql(),
                 [{"record_id_l": a, "record_id_r": b, "is_match": m, "reviewer": actor,
                   "labelled_at": at, "event_id": event_id, "active": True}
                  for a, b, m in labels])
    if constraints:
        run_many(con, sql.insert_constraint_sql(),
                 [{"record_id_l": a, "record_id_r": b, "kind": k, "created_at": at,
                   "event_id": event_id, "active": True} for a, b, k in constraints])
    if moves:
        frame = pd.DataFrame({"record_id": list(moves), "lead_id": list(moves.values())})
        change.move(frame, event_id, message=_message(counts, actor))
    return event_id


def _other_members(con: duckdb.DuckDBPyConnection, lead_ids: list[int],
                   record_ids: list[int]) -> list[int]:
    """Those of `lead_ids` that hold records other than `record_ids`."""
    rows = run(con, sql.leads_with_others_sql(),
               {"lead_ids": list(lead_ids), "record_ids": list(record_ids)}).fetchall()
    return [int(r[0]) for r in rows]


def _message(counts: dict[str, int], actor: str) -> str:
    done = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    return f"线索已变更 lead changed: review by {actor} ({done})"


def decide(pool: Pool, decisions: Decision | Sequence[Decision], *, actor: str | None = None,
           reason: str | None = None) -> ChangeResult:
    """Apply one decision or a batch of them in one transaction, as one event.

    Example:
        >>> result = decide(pool, Decision(11, (73, 1288, 2221), "split", leaving=(2221,)),
        ...                 reason="different person")
        >>> result.event_id, result.records_moved
        (11, 1)
    """
    items = [decisions] if isinstance(decisions, Decision) else list(decisions)
    with pool.transaction() as con:
        return apply_decisions(con, items, actor=actor, reason=reason)
