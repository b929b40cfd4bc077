"""Import: read a file, map its headers, standardise and validate, and land it as one batch.

`prepare_file` does everything that needs no pool lock (read, map, standardise, validate) and
gives back a `PreparedBatch` that a person can look at; `commit_batch` lands it in one
transaction: the batch row, its records, the channel's mapping, an event and the batch's quality
score arrive together or not at all. `import_file` is the two in a row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from workbench.errors import InputError
from workbench.fields import CONTACT_FIELDS, HELPER_FIELDS, STANDARD_FIELDS, record_columns
from workbench.ingest import channels as channel_rules
from workbench.ingest import sql
from workbench.ingest.headers import HeaderMatch, header_score, map_headers
from workbench.ingest.read import TEXT, Sheet, read_file
from workbench.ingest.standardise import standardise_frame
from workbench.ingest.updates import join_known_source_ids
from workbench.ingest.validate import validate_frame
from workbench.leads.change import admit_batch
from workbench.store import sql as store_sql
from workbench.store.log import log_event
from workbench.store.pool import Pool, current_actor, run, transaction

log = logging.getLogger(__name__)

# Rows standardised at a time: a chunk's standardised form is about 90 text columns, so this
# bounds memory (about 150 MB a chunk) while keeping vectorised work large enough to be fast.
CHUNK_ROWS = 25_000
IMPORT_MEMORY = "400MB"
RECORD_META = ["record_id", "batch_id", "source_file", "source_sheet", "source_row",
               "entered_by", "entered_at"]


@dataclass
class PreparedBatch:
    """A file read and mapped, ready to be standardised, validated and landed.

    Standardising happens chunk by chunk as the batch is committed, so a file of a million rows
    never sits in memory in its standardised form. For a preview, `check()` standardises the
    whole batch once and keeps the result, which the commit then reuses.

    Attributes:
        raw: one row per data row, under the standard field names, as text; plus the columns
            `extra` (unmapped values as JSON), `source_sheet` and `source_row`.
        mappings: per sheet, how each header was mapped.
    """

    channel: str
    source: str
    kind: str
    raw: pd.DataFrame
    mappings: dict[str, list[HeaderMatch]]
    sha256: str | None = None
    sheet: str | None = None
    seconds: float = 0.0
    _checked: tuple[pd.DataFrame, pd.DataFrame] | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return len(self.raw)

    def check(self, *, progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Standardise and validate the whole batch (once); return (records, failures)."""
        if self._checked is None:
            parts = list(self.chunks(progress=progress))
            records = pd.concat([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
            failures = pd.concat([p[1] for p in parts], ignore_index=True)
            self._checked = (records, failures)
        return self._checked

    @property
    def records(self) -> pd.DataFrame:
        """Standardised values, raw values, statuses and source rows of every row."""
        return self.check()[0]

    @property
    def failures(self) -> pd.DataFrame:
        """One row per problem: row, source_row, field, check, value, reason."""
        return self.check()[1]

    def chunks(self, *, progress: bool = False):
        """Yield (records, failures) chunk by chunk, with a progress bar of rows done."""
        if self._checked is not None:
            yield self._checked
            return
        with tqdm(total=len(self.raw), unit="rows", desc="standardise",
                  disable=not progress, leave=False) as bar:
            for start in range(0, max(len(self.raw), 1), CHUNK_ROWS):
                chunk = self.raw.iloc[start : start + CHUNK_ROWS]
                yield standardise_and_validate(chunk)
                bar.update(len(chunk))

    def mapping_table(self) -> pd.DataFrame:
        """The header mapping as a table: sheet, header, field, confidence, how."""
        rows = [
            {"sheet": sheet, **m.to_dict()}
            for sheet, matches in self.mappings.items()
            for m in matches
        ]
        return pd.DataFrame(rows, columns=["sheet", "header", "field", "confidence", "how"])

    def problems(self) -> pd.DataFrame:
        """Problems by field and kind, most frequent first, for a preview."""
        if self.failures.empty:
            return pd.DataFrame(columns=["field", "check", "rows"])
        return (
            self.failures.groupby(["field", "check"]).size().rename("rows").reset_index()
            .sort_values("rows", ascending=False, ignore_index=True)
        )


@dataclass
class ImportResult:
    """What an import did: the sync-log row it wrote, in brief."""

    channel: str
    source: str
    batch_id: int | None
    status: str
    rows: int
    rejected: int
    quality_score: float | None = None
    skipped: bool = False
    duplicate_of: int | None = None
    seconds: float = 0.0
    # The batch's `linkage.link.LinkResult`, set by the caller that links it (linkage sits
    # above ingest, so ingest does not name the type).
    linked: Any = field(default=None)

    @property
    def imported(self) -> int:
        return self.rows - self.rejected

    def summary(self) -> str:
        """One line for a person, e.g. for the end of a CLI run."""
        if self.skipped:
            return (
                f"{self.source}: already imported as batch {self.duplicate_of}; nothing done "
                "(use --force to import it again)."
            )
        score = "" if self.quality_score is None else f", quality {self.quality_score:.0%}"
        return (
            f"Batch {self.batch_id} · {self.channel} · {self.source}: {self.rows:,} rows, "
            f"{self.imported:,} imported, {self.rejected:,} rejected ({self.status}){score}, "
            f"{self.seconds:.1f} s."
        )


# --- preparing ------------------------------------------------------------------------------


def prepare_file(
    path: str | Path,
    *,
    channel: str,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    saved_mapping: dict[str, str] | None = None,
    progress: bool = False,
) -> PreparedBatch:
    """Read, map, standardise and validate a file without touching the pool.

    Args:
        path: the file (.xlsx, .xls, .csv, .jsonl, ...).
        channel: the channel the file came from.
        sheet: one sheet of a workbook; every sheet with lead columns when None.
        mapping: header → field choices that override everything else.
        saved_mapping: the channel's mapping saved by earlier imports.
        progress: show progress bars.

    Example:
        >>> pd.DataFrame({"姓名": ["张伟", "王芳"], "手机号": ["13812345678", "12345"]}
        ...              ).to_excel("展会.xlsx", index=False)
        >>> batch = prepare_file("展会.xlsx", channel="展会")
        >>> batch.problems()
             field        check  rows
        0  contact  has_contact     1
        1    phone        valid     1
    """
    started = time.perf_counter()
    path = Path(path)
    with tqdm(desc=f"read {path.name}", unit="rows", disable=not progress, leave=False) as bar:
        sheets = read_file(path, sheet=sheet, score_header=header_score)
        bar.update(sum(len(one.frame) for one in sheets))
    parts, mappings = [], {}
    for one in sheets:
        matches = map_headers(list(one.frame.columns), given=mapping, saved=saved_mapping)
        if not any(m.field in CONTACT_FIELDS for m in matches):
            if sheet is None and len(sheets) > 1:
                log.info("sheet %s has no contact column; skipped", one.name)
                continue
            raise _no_contact_column(one, matches)
        mappings[one.name or path.name] = matches
        parts.append(_to_standard(one, matches))
    if not parts:
        raise InputError(
            "no sheet has a column for a phone, email, WeChat, QQ, Douyin or Kuaishou ID. "
            f"Sheets found: {', '.join(s.name or '' for s in sheets) or 'none with data'}.",
            file=str(path),
            fix="Map a column with --map HEADER=phone (or email, wechat, …) or save a channel "
            "template.",
        )
    raw = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return PreparedBatch(
        channel=channel,
        source=str(path),
        kind="file",
        raw=raw,
        mappings=mappings,
        sha256=_file_sha256(path),
        sheet=sheet,
        seconds=time.perf_counter() - started,
    )


def prepare_values(
    values: dict[str, str], *, channel: str, mapping: dict[str, str] | None = None
) -> PreparedBatch:
    """Prepare one record entered by hand (手动补录): field (or header) → value."""
    started = time.perf_counter()
    frame = pd.DataFrame([{k: (None if v is None else str(v)) for k, v in values.items()}],
                         dtype=object)
    one = Sheet("manual entry", None, frame, [1], 0)
    matches = map_headers(list(frame.columns), given=mapping)
    if not any(m.field in CONTACT_FIELDS for m in matches):
        raise _no_contact_column(one, matches)
    return PreparedBatch(channel, "manual entry", "manual", _to_standard(one, matches),
                         {"manual entry": matches}, seconds=time.perf_counter() - started)


def standardise_and_validate(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Standardise and validate mapped text rows; keep their source rows and extras.

    Returns:
        (records, failures): records carry every column of `fields.record_columns()` plus
        source_sheet and source_row; failures have one row per problem.
    """
    std = standardise_frame(raw[[c for c in raw.columns if c in _INPUT_FIELDS]])
    records, failures = validate_frame(std)
    for column in ("source_sheet", "source_row", "extra"):
        records[column] = raw[column].to_numpy()
    if not failures.empty:
        failures.insert(1, "source_row", raw.loc[failures["row"], "source_row"].to_numpy())
    return records, failures


_INPUT_FIELDS = set(STANDARD_FIELDS) | set(HELPER_FIELDS)


def _to_standard(sheet: Sheet, matches: list[HeaderMatch]) -> pd.DataFrame:
    """A sheet's columns renamed to standard fields; extras gathered into one JSON column."""
    frame = sheet.frame
    data: dict[str, pd.Series] = {}
    for m in matches:
        if not m.field:
            continue
        column = frame[m.header]
        if m.field in data:
            # Several columns feed one field (手机 and 电话): keep every value, '/'-separated.
            joined = data[m.field].where(data[m.field].notna(), "")
            extra = column.where(column.notna(), "")
            both = (joined + "/" + extra).str.strip("/")
            data[m.field] = both.where(both != "", None)
        else:
            data[m.field] = column
    out = pd.DataFrame(data, index=frame.index)
    extras = [m.header for m in matches if not m.field]
    if extras:
        lines = frame[extras].to_json(orient="records", lines=True, force_ascii=False)
        out["extra"] = pd.Series(lines.splitlines(), index=frame.index, dtype=TEXT)
    else:
        out["extra"] = None
    out["source_sheet"] = pd.Series(sheet.name, index=frame.index, dtype=TEXT)
    out["source_row"] = np.asarray(sheet.rows, dtype=np.int32)
    return out


def _no_contact_column(sheet: Sheet, matches: list[HeaderMatch]) -> InputError:
    found = ", ".join(m.header for m in matches)
    return InputError(
        f"no column holds a phone, email, WeChat, QQ, Douyin or Kuaishou ID. Columns found: "
        f"{found}.",
        file=sheet.file,
        sheet=sheet.name,
        row=sheet.header_row or None,
        fix="Map one with --map HEADER=phone (for example --map 电话号=phone) or save a "
        "channel template.",
    )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- committing -----------------------------------------------------------------------------


def commit_batch(
    pool: Pool,
    batch: PreparedBatch,
    *,
    handler: str | None = None,
    force: bool = False,
    save_mapping: bool = True,
    progress: bool = False,
) -> ImportResult:
    """Land a prepared batch in the pool, whole or not at all.

    A file already imported into the same channel (same bytes) is skipped unless `force`.
    Bad rows do not sink a batch: they land as rejected and the batch is 'partial'; a batch
    with no usable row is 'failed'.

    Rows are standardised chunk by chunk into a staging table of their own (DuckDB keeps a
    transaction's uncommitted rows in memory, so a million rows in one transaction would not
    fit in a small budget); one transaction then moves them into `records` together with the
    batch row, the mapping, the event and the quality score. A crash before that leaves only
    the staging table, which the next opening of the pool drops.
    """
    started = time.perf_counter()
    handler = handler or current_actor()
    now = dt.datetime.now().replace(microsecond=0)
    with pool.connect() as con:
        # DuckDB caches what it wrote up to its memory limit (80% of RAM by default).
        run(con, store_sql.memory_limit_sql(IMPORT_MEMORY))
        channel_rules.ensure_open(con, batch.channel)
        if batch.sha256 and not force:
            earlier = run(con, sql.batch_by_sha_sql(),
                          {"channel": batch.channel, "sha256": batch.sha256}).fetchone()
            if earlier:
                return ImportResult(batch.channel, batch.source, None, "skipped", batch.rows,
                                    0, skipped=True, duplicate_of=int(earlier[0]))
        staging = f"{store_sql.STAGING_PREFIX}{uuid.uuid4().hex}"
        run(con, sql.create_staging_sql(staging))
        try:
            rejected, reasons = 0, pd.Series(dtype="int64")
            offset = 0
            for records, _failures in batch.chunks(progress=progress):
                _insert_records(con, staging, records, batch, offset, handler, now)
                offset += len(records)
                bad = records.loc[records["rejected"].astype(bool), "reject_reason"]
                rejected += len(bad)
                reasons = reasons.add(bad.value_counts(), fill_value=0)
            status = ("success" if rejected == 0
                      else "failed" if rejected == batch.rows else "partial")
            with transaction(con):
                batch_id, first_record = _land(con, staging, batch, status, rejected,
                                               _reasons(reasons), handler, now, save_mapping)
                score = channel_rules.after_batch(con, batch_id)
                run(con, sql.finish_batch_sql(),
                    {"finished_at": dt.datetime.now().replace(microsecond=0),
                     "batch_id": batch_id})
        finally:
            run(con, store_sql.drop_staging_sql(staging))
    seconds = batch.seconds + time.perf_counter() - started
    return ImportResult(batch.channel, batch.source, batch_id, status, batch.rows, rejected,
                        quality_score=score, seconds=seconds)


def _land(con, staging: str, batch: PreparedBatch, status: str, rejected: int,
          reasons: str | None, handler: str, now: dt.datetime,
          save_mapping: bool) -> tuple[int, int]:
    """Inside the landing transaction: the batch row, its records, mapping and event."""
    run(con, sql.ensure_channel_sql(), {"channel": batch.channel})
    batch_id = run(con, sql.next_batch_id_sql()).fetchone()[0]
    first_record = run(con, sql.next_record_id_sql()).fetchone()[0]
    mapping = {
        sheet: {m.header: m.field for m in matches if m.field}
        for sheet, matches in batch.mappings.items()
    }
    run(con, sql.insert_batch_sql(), {
        "batch_id": batch_id, "started_at": now, "channel": batch.channel, "file": batch.source,
        "sheet": batch.sheet, "file_sha256": batch.sha256, "kind": batch.kind, "status": status,
        "rows": batch.rows, "error_rows": rejected, "reasons": reasons, "handler": handler,
        "mapping": json.dumps(mapping, ensure_ascii=False),
    })
    run(con, sql.land_staging_sql(staging), {"first_record": first_record, "batch_id": batch_id})
    if save_mapping and batch.kind == "file":
        for matches in batch.mappings.values():
            for m in matches:
                if m.how != "duplicate":
                    run(con, sql.save_mapping_sql(), {"channel": batch.channel,
                                                     "header": m.header,
                                                     "field": m.field or "", "saved_at": now})
    event_id = log_event(con, "import", f"batch:{batch_id}", actor=handler, payload={
        "batch_id": batch_id, "channel": batch.channel, "source": batch.source,
        "rows": batch.rows, "rejected": rejected, "sha256": batch.sha256,
        "first_record_id": first_record, "last_record_id": first_record + batch.rows - 1,
    })
    # Every stored record starts as a lead of its own, tagged with the import's event, so
    # that undoing the import takes its records out of the leads again.
    admit_batch(con, batch_id, event_id)
    join_known_source_ids(con, batch_id, event_id)
    return batch_id, first_record


_ARROW_TYPES = {"VARCHAR": pa.string(), "VARCHAR[]": pa.list_(pa.string()),
                "BOOLEAN": pa.bool_()}


def _insert_records(con, table: str, records: pd.DataFrame, batch: PreparedBatch,
                    first_record: int, handler: str, now: dt.datetime) -> None:
    """Insert records into `table` through Arrow, which DuckDB scans without Python objects.

    Record ids are numbered from `first_record` and batch ids left at 0: landing shifts both.
    """
    columns = record_columns()
    for start in range(0, len(records), CHUNK_ROWS):
        part = records.iloc[start : start + CHUNK_ROWS]
        n = len(part)
        arrays = {
            "record_id": pa.array(range(first_record + start, first_record + start + n),
                                  pa.int64()),
            "batch_id": pa.array([0] * n, pa.int64()),
            "source_file": pa.array([batch.source] * n, pa.string()),
            "source_sheet": pa.array(part["source_sheet"], pa.string(), from_pandas=True),
            "source_row": pa.array(part["source_row"].to_numpy(dtype="int64"), pa.int32()),
            "entered_by": pa.array([handler] * n, pa.string()),
            "entered_at": pa.array([now] * n, pa.timestamp("us")),
        }
        for column, sql_type in columns.items():
            kind = _ARROW_TYPES[sql_type]
            if column == "channel":
                # The batch's channel is the record's; what the file said stays in channel_raw.
                arrays[column] = pa.array([batch.channel] * n, kind)
            elif column in part:
                arrays[column] = pa.array(part[column], kind, from_pandas=True)
            else:
                arrays[column] = pa.nulls(n, kind)
        con.register("incoming_records", pa.table(arrays))
        try:
            run(con, sql.insert_records_sql(table, RECORD_META + list(columns)))
        finally:
            con.unregister("incoming_records")


def _reasons(counts: pd.Series) -> str | None:
    """The batch's problems in brief, for the sync log: the commonest reject reasons."""
    if counts.empty:
        return None
    top = counts.sort_values(ascending=False).head(5)
    return json.dumps([{"reason": r, "rows": int(n)} for r, n in top.items()],
                      ensure_ascii=False)


def saved_mapping(pool: Pool, channel: str) -> dict[str, str]:
    """The header mapping saved for a channel by its earlier imports."""
    if not pool.exists():
        return {}
    with pool.connect() as con:
        return dict(run(con, sql.saved_mapping_sql(), {"channel": channel}).fetchall())


# --- the public entry points ----------------------------------------------------------------


def import_file(
    pool: Pool,
    path: str | Path,
    *,
    channel: str,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    force: bool = False,
    handler: str | None = None,
    progress: bool = False,
) -> ImportResult:
    """Import one file into the pool as one batch.

    Args:
        pool: the lead pool.
        path: the file.
        channel: the channel it came from (created on first use).
        sheet: one sheet of a workbook; all sheets with lead columns when None.
        mapping: header → field overrides, e.g. {"电话号": "phone"}.
        force: import again even if the same file was imported before.
        handler: who ran the import (default: the current user).
        progress: show progress bars.

    Returns:
        The batch's ImportResult; `.summary()` gives one line for a person.

    Example:
        >>> pd.DataFrame({"姓名": ["张伟", "王芳"], "手机号": ["13812345678", "12345"]}
        ...              ).to_excel("data/展会.xlsx", index=False)
        >>> result = import_file(Pool(), "data/展会.xlsx", channel="展会")
        >>> print(result.summary())
        Batch 6 · 展会 · data/展会.xlsx: 2 rows, 1 imported, 1 rejected (partial), quality ...%, ... s.
    """
    batch = prepare_file(path, channel=channel, sheet=sheet, mapping=mapping,
                         saved_mapping=saved_mapping(pool, channel), progress=progress)
    result = commit_batch(pool, batch, handler=handler, force=force, progress=progress)
    return result


def add_record(
    pool: Pool,
    channel: str,
    values: dict[str, str],
    *,
    entered_by: str | None = None,
) -> ImportResult:
    """Enter one lead by hand (手动补录), through the same path as a file.

    Example:
        >>> add_record(Pool(), "线下门店", {"name": "张伟", "phone": "13812345678"})
        ImportResult(channel='线下门店', source='manual entry', batch_id=6, status='success', rows=1, ...)
    """
    batch = prepare_values(values, channel=channel)
    return commit_batch(pool, batch, handler=entered_by)


def sync_log_row(pool: Pool, batch_id: int) -> pd.DataFrame:
    """The sync-log row (批次) a batch wrote: id, time, channel, status, rows, errors, reasons."""
    with pool.connect(read_only=True) as con:
        return run(con, sql.sync_row_sql(), {"batch_id": int(batch_id)}).df()



def reject_reason(pool: Pool, batch_id: int) -> str:
    """Why the first rejected record of a batch was rejected ('' if none was), e.g. for the
    one record of an `add_record` batch.

    Example:
        >>> reject_reason(pool, add_record(pool, "线下门店", {"name": "张伟", "phone": "123"}).batch_id)
        "no valid contact: phone '123' is not a valid number; email, wechat, qq, douyin, kuaishou missing"
    """
    with pool.connect(read_only=True) as con:
        row = run(con, sql.reject_reason_sql(), {"batch_id": int(batch_id)}).fetchone()
    return row[0] if row and row[0] else ""
