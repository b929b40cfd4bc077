"""Review: the queue of proposed clusters, batch decisions by pattern, and the Excel round-trip.

A proposed cluster is pending while its records sit in more than one lead and no reviewer
has decided on exactly that set of records. Each pending cluster has a pattern, which of the
key fields agree and which conflict ('same phone, different name'), so that one decision can
be made for a whole group of clusters of the same kind (同类项批处理) after a preview.

For people who live in Excel, `export_review` writes the queue to an .xlsx (records grouped
by cluster, differing cells highlighted, a decision drop-down) and `apply_review` reads the
decisions back, applying only those that still match the pool and never the same one twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd

from workbench.errors import InputError
from workbench.leads import sql
from workbench.leads.change import ChangeResult
from workbench.leads.decisions import Decision, apply_decisions, signature
from workbench.leads.survivorship import valid_sql
from workbench.privacy.masking import check_unmasked_access, mask_frame
from workbench.store.log import log_event, now, undone_events
from workbench.store.pool import Pool, current_actor, run
from workbench.store.workbook import looks_like_formula

log = logging.getLogger(__name__)

# The fields whose agreement makes a cluster's pattern, in the order patterns name them.
PATTERN_FIELDS: tuple[str, ...] = ("phone", "name", "email", "wechat", "company")
# What the reviewer sees of each record, in the review file.
SHOWN_FIELDS: tuple[str, ...] = (
    "name", "phone", "email", "wechat", "company", "title", "province", "city", "address",
    "owner", "channel", "source_id", "updated_at",
)
# Decisions in the file's drop-down; the reader also takes either half alone.
CHOICES: dict[str, str] = {
    "merge 合并": "merge",
    "split 拆分": "split",
    "not_duplicates 不是重复": "not_duplicates",
    "skip 跳过": "skip",
}
_WORDS = {**{k.split()[0]: v for k, v in CHOICES.items()},
          **{k.split()[1]: v for k, v in CHOICES.items()}, **CHOICES}
_LEAVE_MARKS = {"x", "X", "✓", "✔", "y", "Y", "yes", "1", "是", "离开", "leave", "TRUE", "True"}
_FIELD_WORDS = {"phone": "mobile", "name": "name", "email": "email", "wechat": "WeChat",
                "company": "company"}


# --- the queue ----------------------------------------------------------------------------


def pattern_of(row) -> str:
    """A cluster's pattern from its per-field distinct / present counts.

    Example:
        >>> pattern_of({"phone_distinct": 1, "phone_present": 2, "name_distinct": 2,
        ...             "name_present": 2})
        'same mobile, different name'
    """
    same, different = [], []
    for f in PATTERN_FIELDS:
        distinct, present = row.get(f"{f}_distinct", 0), row.get(f"{f}_present", 0)
        if distinct and distinct > 1:
            different.append(_FIELD_WORDS[f])
        elif present and present > 1:
            same.append(_FIELD_WORDS[f])
    parts = []
    if same:
        parts.append("same " + " and ".join(same))
    if different:
        parts.append("different " + " and ".join(different))
    return ", ".join(parts) or "nothing to compare"


def _queue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = run(con, sql.review_queue_sql(PATTERN_FIELDS,
                                          {f: valid_sql(f) for f in PATTERN_FIELDS}),
                {"undone": sorted(undone_events(con))}).df()
    frame["pattern"] = [pattern_of(r) for r in frame.to_dict("records")]
    return frame[["cluster_id", "signature", "records", "leads", "p_min", "p_max", "pattern"]]


def review_queue(pool: Pool) -> pd.DataFrame:
    """The pending clusters: cluster_id, signature, records, leads, p_min, p_max, pattern.

    Example:
        >>> review_queue(pool).columns.tolist()
        ['cluster_id', 'signature', 'records', 'leads', 'p_min', 'p_max', 'pattern']
    """
    with pool.connect(read_only=True) as con:
        return _queue(con)


def queue_patterns(pool: Pool) -> pd.DataFrame:
    """The pending clusters grouped by pattern, most frequent first, with counts.

    Example:
        >>> queue_patterns(pool).columns.tolist()
        ['pattern', 'clusters', 'records', 'example_cluster']
    """
    queue = review_queue(pool)
    if queue.empty:
        return pd.DataFrame(columns=["pattern", "clusters", "records", "example_cluster"])
    grouped = queue.groupby("pattern").agg(
        clusters=("cluster_id", "count"), records=("records", "sum"),
        example_cluster=("cluster_id", "min"),
    ).reset_index()
    return grouped.sort_values(["clusters", "pattern"], ascending=[False, True],
                               ignore_index=True)


def _pattern_decisions(queue: pd.DataFrame, pattern: str, decision: str) -> list[Decision]:
    if decision == "split":
        raise InputError(
            f"A split cannot be decided for a whole pattern ('{pattern}'): each cluster needs "
            "its own leaving records.",
            fix="Decide splits one cluster at a time, or in the review file.",
        )
    chosen = queue[queue["pattern"] == pattern]
    if chosen.empty:
        known = ", ".join(f"'{p}'" for p in sorted(queue["pattern"].unique())) or "none"
        raise InputError(f"No pending cluster has the pattern '{pattern}'.",
                         fix=f"Pending patterns: {known}.")
    return [
        Decision(int(r.cluster_id), tuple(int(x) for x in r.signature.split(",")), decision,
                 pattern=pattern)
        for r in chosen.itertuples()
    ]


def preview_pattern(pool: Pool, pattern: str, decision: str) -> pd.DataFrame:
    """What deciding `decision` for every pending cluster of `pattern` would do, per cluster.

    Example:
        >>> preview_pattern(pool, "same mobile, different name", "merge")["effect"].iloc[0]
        'records ... become lead ...'
    """
    with pool.transaction() as con:
        queue = _queue(con)
        decisions = _pattern_decisions(queue, pattern, decision)
        ids = sorted({r for d in decisions for r in d.record_ids})
        frame = run(con, sql.preview_records_sql(), {"record_ids": ids}).df()
    effect = {
        "merge": lambda g: f"records {', '.join(map(str, g.record_id))} become lead "
                           f"{int(g.lead_id.min())}",
        "not_duplicates": lambda g: "kept apart: each record stays its own lead, "
                                    "never linked again",
        "skip": lambda g: "left in the queue",
    }[decision]
    rows = []
    for cluster_id, group in frame.groupby("cluster_id"):
        rows.append({"cluster_id": cluster_id, "records": len(group),
                     "leads_now": group.lead_id.nunique(),
                     "names": " / ".join(sorted(set(group.name.dropna()))),
                     "phones": " / ".join(sorted(set(group.phone.dropna()))),
                     "effect": effect(group)})
    return pd.DataFrame(rows)


def decide_pattern(pool: Pool, pattern: str, decision: str, *, actor: str | None = None,
                   reason: str | None = None) -> ChangeResult:
    """Decide every pending cluster of one pattern at once, as one undoable event.

    Example:
        result = decide_pattern(pool, "same mobile and name", "merge",
                                    reason="same person, several mailboxes")
        result.event_id, result.clusters, result.records_moved
        (11, 155, 203)
    """
    with pool.transaction() as con:
        decisions = _pattern_decisions(_queue(con), pattern, decision)
        return apply_decisions(con, decisions, actor=actor,
                               reason=reason or f"batch decision for '{pattern}'")


# --- the Excel round-trip -----------------------------------------------------------------

_COLUMNS = ["cluster_id", "pattern", "decision", "leave", "record_id", *SHOWN_FIELDS,
            "_signature", "_check"]
_HEADERS = {
    "cluster_id": "簇 cluster", "pattern": "模式 pattern", "decision": "决定 decision",
    "leave": "离开 leave (x)", "record_id": "记录 record",
}


def _row_check(export_id: str, cluster_id: int, record_id: int, values: list) -> str:
    text = json.dumps([export_id, int(cluster_id), int(record_id),
                       [None if v is None or v == "" else str(v) for v in values]],
                      ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def export_review(pool: Pool, out: str | Path, *, pattern: str | None = None,
                  limit: int | None = None, mask: bool = True, actor: str | None = None,
                  reason: str | None = None) -> tuple[Path, int]:
    """Write the review queue to an .xlsx for decisions in Excel; returns (path, clusters).

    Personal data is masked unless `mask=False` and the actor is authorised
    (privacy.masking.check_unmasked_access); the export is an event either way, and so is a
    refused unmasked one. The row checks are of the values as written, so a masked file
    round-trips as well as an unmasked one.

    Each cluster's records are grouped together, cells on which its records differ are
    highlighted, and the decision column has a drop-down (merge / split / not duplicates /
    skip). For a split, mark the records that leave with an x.

    Example:
        >>> export_review(pool, "review.xlsx", pattern="same mobile, different name")
        (PosixPath('review.xlsx'), ...)
    """
    import xlsxwriter

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise InputError("A review file must be an .xlsx workbook.", file=str(out),
                         fix="Name the output review.xlsx or similar.")
    export_id = uuid.uuid4().hex[:12]
    actor = actor or current_actor()
    if not mask:
        with pool.connect() as con:
            try:
                check_unmasked_access(con, actor)
            except InputError:
                log_event(con, "export_refused", "review", actor=actor, reason=reason,
                          payload={"file": str(out), "masked": False})
                raise
    with pool.transaction() as con:
        queue = _queue(con)
        if pattern:
            queue = queue[queue["pattern"] == pattern]
        if limit:
            queue = queue.head(limit)
        ids = sorted({int(x) for s in queue.signature for x in s.split(",")})
        records = run(con, sql.review_records_sql(list(SHOWN_FIELDS)), {"record_ids": ids}).df()
        last_event = run(con, sql.last_event_id_sql()).fetchall()[0][0]
        log_event(con, "export", "review", actor=actor, reason=reason,
                  payload={"file": str(out), "clusters": len(queue), "records": len(ids),
                           "masked": mask, "export_id": export_id})
    if mask:
        records = mask_frame(records)
    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(out))
    sheet = book.add_worksheet("审核 review")
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    formats: dict = {}

    def cell_format(top: bool, highlight: bool, quote: bool):
        """A line above a cluster's first row, yellow where its records differ, and Excel's
        quote prefix on formula-like text so that editing the cell cannot make it a formula."""
        key = (top, highlight, quote)
        if key not in formats:
            props = {"top": 2} if top else {}
            props |= {"bg_color": "#FFEB9C"} if highlight else {}
            props |= {"quote_prefix": True} if quote else {}
            formats[key] = book.add_format(props) if props else None
        return formats[key]

    for c, name in enumerate(_COLUMNS):
        sheet.write_string(0, c, _HEADERS.get(name, name), head)
    info = queue.set_index("cluster_id")
    row = 1
    for cluster_id, group in records.groupby("cluster_id", sort=True):
        sig = info.loc[cluster_id, "signature"]
        differing = {f for f in SHOWN_FIELDS if f not in ("channel", "updated_at")
                     and group[f].dropna().nunique() > 1}
        for i, rec in enumerate(group.to_dict("records")):
            values = [_text(rec[f]) for f in SHOWN_FIELDS]
            cells = {
                "cluster_id": cluster_id, "pattern": info.loc[cluster_id, "pattern"] if i == 0 else "",
                "decision": "", "leave": "", "record_id": rec["record_id"],
                **{f: rec[f] for f in SHOWN_FIELDS}, "_signature": sig,
                "_check": _row_check(export_id, cluster_id, rec["record_id"], values),
            }
            for c, name in enumerate(_COLUMNS):
                value = cells[name]
                text = None if value is None or (isinstance(value, float) and pd.isna(value)) \
                    else str(value)
                fmt = cell_format(i == 0, name in differing, looks_like_formula(text))
                if text is None:
                    sheet.write_blank(row, c, None, fmt)
                elif name in ("cluster_id", "record_id"):
                    sheet.write_number(row, c, int(value), fmt)
                else:
                    sheet.write_string(row, c, text, fmt)
            row += 1
    if row > 1:
        sheet.data_validation(1, 2, row - 1, 2, {
            "validate": "list", "source": list(CHOICES),
            "error_title": "决定 decision", "error_message": "Choose a decision from the list.",
        })
    sheet.freeze_panes(1, 5)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 2, 22)
    sheet.set_column(5, 5 + len(SHOWN_FIELDS), 16)
    sheet.set_column(len(_COLUMNS) - 2, len(_COLUMNS) - 1, 12, None, {"hidden": True})
    meta = book.add_worksheet("meta")
    for r, (k, v) in enumerate({"export_id": export_id, "exported_at": str(now()),
                                "pool": str(pool.path), "last_event_id": str(last_event),
                                "clusters": str(len(queue))}.items()):
        meta.write_string(r, 0, k)
        meta.write_string(r, 1, v)
    meta.hide()
    book.close()
    log.info("wrote %d clusters to %s", len(queue), out)
    return out, len(queue)


def _read_review(path: Path) -> tuple[dict, pd.DataFrame]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise InputError(f"cannot be opened as a workbook: {err}.", file=str(path),
                         fix="Pass the .xlsx written by `workbench review export`.") from err
    if "meta" not in book.sheetnames or "审核 review" not in book.sheetnames:
        raise InputError("is not a review file (its 'meta' or '审核 review' sheet is missing).",
                         file=str(path),
                         fix="Export a fresh one with `workbench review export FILE`.")
    meta = {str(r[0]): str(r[1]) for r in book["meta"].iter_rows(values_only=True) if r[0]}
    rows = list(book["审核 review"].iter_rows(values_only=True))
    book.close()
    headers = list(rows[0]) if rows else []
    wanted = [_HEADERS.get(c, c) for c in _COLUMNS]
    missing = [h for h in wanted if h not in headers]
    if missing:
        raise InputError(f"has lost the columns {missing}.", file=str(path), sheet="审核 review",
                         fix="Keep every column (hidden ones too); export a fresh file if needed.")
    index = [headers.index(h) for h in wanted]
    frame = pd.DataFrame([[r[i] for i in index] for r in rows[1:] if any(v is not None for v in r)],
                         columns=_COLUMNS)
    return meta, frame


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def apply_review(pool: Pool, path: str | Path, *, strict: bool = False,
                 actor: str | None = None, reason: str | None = None) -> ChangeResult:
    """Read the decisions of a review file back and apply those that still hold.

    A cluster is refused when its rows were edited, added or removed in the file, when the
    pool changed it since the export, or when it carries two different decisions; with
    `strict`, any refusal refuses the whole file. A decision already applied from the same
    file is not applied again. All applied decisions form one undoable event.

    Example:
        >>> path, clusters = export_review(pool, "review.xlsx", pattern="same mobile, different name")
        >>> print(apply_review(pool, "review.xlsx").summary())   # nobody filled in a decision
        未做任何变更 nothing changed (review).
        review.xlsx：0 个决定已应用 decisions applied, 0 个此前已应用 already applied earlier, 0 个被拒 refused, 56 个簇未决定 clusters without a decision.
    """
    path = Path(path)
    meta, frame = _read_review(path)
    export_id = meta.get("export_id", "")
    report = ChangeResult("review", None, file=str(path), export_id=export_id)
    decisions: list[Decision] = []
    with pool.transaction() as con:
        queue = _queue(con).set_index("cluster_id")
        applied_before = {
            r[0] for r in run(con, sql.applied_from_file_sql(),
                              {"export_id": export_id,
                               "undone": sorted(undone_events(con))}).fetchall()
        }
        frame["cluster_id"] = frame["cluster_id"].ffill()
        for cluster_id, group in frame.groupby("cluster_id", sort=True):
            cluster_id = int(cluster_id)
            choices = {_text(v) for v in group["decision"]} - {None}
            if not choices:
                report.undecided += 1
                continue
            unknown = [c for c in choices if c not in _WORDS]
            if unknown:
                report.refused.append((cluster_id, f"unknown decision {unknown[0]!r}; choose "
                                       "from the drop-down"))
                continue
            decided = {_WORDS[c] for c in choices}
            if len(decided) > 1:
                report.refused.append((cluster_id, f"two different decisions {sorted(decided)}"))
                continue
            decision = decided.pop()
            sigs = {_text(v) for v in group["_signature"]}
            sig = next(iter(sigs)) if len(sigs) == 1 else None
            try:
                record_ids = [int(float(v)) for v in group["record_id"]]
            except (TypeError, ValueError):
                report.refused.append((cluster_id, "a record id was changed or cleared"))
                continue
            if sig is None or signature(record_ids) != sig:
                report.refused.append((cluster_id, "rows were added to or removed from the "
                                       "cluster in the file"))
                continue
            edited = [
                rid for rid, rec in zip(record_ids, group.to_dict("records"), strict=True)
                if _row_check(export_id, cluster_id, rid, [_text(rec[f]) for f in SHOWN_FIELDS])
                != _text(rec["_check"])
            ]
            if edited:
                report.refused.append((cluster_id, f"records {edited} were edited in the file; "
                                       "edits there are not taken into the pool"))
                continue
            if sig in applied_before:
                report.already.append(cluster_id)
                continue
            if cluster_id not in queue.index or queue.loc[cluster_id, "signature"] != sig:
                report.refused.append((cluster_id, "the pool has changed this cluster since the "
                                       "export (merged, relinked or decided); export again"))
                continue
            leaving = tuple(rid for rid, mark in zip(record_ids, group["leave"], strict=True)
                            if _text(mark) in _LEAVE_MARKS)
            if decision == "split" and not leaving:
                report.refused.append((cluster_id, "split without any record marked to leave"))
                continue
            decisions.append(Decision(cluster_id, tuple(record_ids), decision,
                                      leaving=leaving if decision == "split" else ()))
            report.applied.append((cluster_id, decision))
        if strict and report.refused:
            report.applied = []
            raise InputError(
                f"{len(report.refused)} clusters no longer match the pool; nothing was applied "
                "(strict).\n" + report.summary(),
                file=str(path), fix="Export the queue again, or apply without --strict.")
        if decisions:
            done = apply_decisions(con, decisions, actor=actor or current_actor(),
                                   reason=reason or f"review file {path.name}",
                                   export_id=export_id)
            report = replace(done, file=report.file, export_id=export_id,
                             applied=report.applied, already=report.already,
                             refused=report.refused, undecided=report.undecided)
    return report
