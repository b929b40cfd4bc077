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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from . import channels as channel_rules
from .errors import InputError
from .fields import CONTACT_FIELDS, HELPER_FIELDS, STANDARD_FIELDS, record_columns
from .headers import HeaderMatch, header_score, map_headers
from .history import log_event
from .pool import Pool, current_actor, run
from .read import Sheet, read_file
from .sql import imports as sql
from .standardise import standardise_frame
from .validate import validate_frame

log = logging.getLogger(__name__)

CHUNK_ROWS = 100_000
RECORD_META = ["record_id", "batch_id", "source_file", "source_sheet", "source_row",
               "entered_by", "entered_at"]


@dataclass
class PreparedBatch:
    """A file read, mapped, standardised and validated, not yet in the pool.

    Attributes:
        records: one row per data row: standardised and raw values, statuses, source row.
        failures: one row per problem found (row, field, check, value, reason).
        mappings: per sheet, how each header was mapped.
    """

    channel: str
    source: str
    kind: str
    records: pd.DataFrame
    failures: pd.DataFrame
    mappings: dict[str, list[HeaderMatch]]
    sha256: str | None = None
    sheet: str | None = None
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return len(self.records)

    @property
    def rejected(self) -> int:
        return int(self.records["rejected"].sum()) if len(self.records) else 0

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
    linked: dict | None = field(default=None)

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
        >>> batch = prepare_file("展会.xlsx", channel="展会")
        >>> batch.problems()
    """
    started = time.perf_counter()
    path = Path(path)
    sheets = read_file(path, sheet=sheet, score_header=header_score)
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
    records, failures = standardise_and_validate(raw, progress=progress, label=path.name)
    return PreparedBatch(
        channel=channel,
        source=str(path),
        kind="file",
        records=records,
        failures=failures,
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
    records, failures = standardise_and_validate(_to_standard(one, matches))
    return PreparedBatch(channel, "manual entry", "manual", records, failures,
                         {"manual entry": matches}, seconds=time.perf_counter() - started)


def standardise_and_validate(
    raw: pd.DataFrame, *, progress: bool = False, label: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Standardise and validate in chunks, with a progress bar of rows done."""
    out, failures = [], []
    with tqdm(total=len(raw), unit="rows", desc=f"standardise {label}".strip(),
              disable=not progress, leave=False) as bar:
        for start in range(0, len(raw), CHUNK_ROWS):
            chunk = raw.iloc[start : start + CHUNK_ROWS]
            std = standardise_frame(chunk[[c for c in chunk.columns if c in _INPUT_FIELDS]])
            checked, problems = validate_frame(std)
            for column in ("source_sheet", "source_row", "extra"):
                checked[column] = chunk[column].to_numpy()
            out.append(checked)
            failures.append(problems)
            bar.update(len(chunk))
    records = pd.concat(out) if len(out) > 1 else out[0]
    failures_frame = pd.concat(failures, ignore_index=True) if failures else pd.DataFrame()
    if not failures_frame.empty:
        failures_frame.insert(1, "source_row", records.loc[failures_frame["row"], "source_row"]
                              .to_numpy())
    return records, failures_frame


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
    out = pd.DataFrame(data, index=frame.index, dtype=object)
    extras = [m.header for m in matches if not m.field]
    if extras:
        lines = frame[extras].to_json(orient="records", lines=True, force_ascii=False)
        out["extra"] = lines.splitlines()
    else:
        out["extra"] = None
    out["source_sheet"] = sheet.name
    out["source_row"] = sheet.rows
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
) -> ImportResult:
    """Land a prepared batch in the pool, whole or not at all.

    A file already imported into the same channel (same bytes) is skipped unless `force`.
    Bad rows do not sink a batch: they land as rejected and the batch is 'partial'; a batch
    with no usable row is 'failed'.
    """
    started = time.perf_counter()
    handler = handler or current_actor()
    now = dt.datetime.now().replace(microsecond=0)
    with pool.transaction() as con:
        run(con, sql.ensure_channel_sql(), [batch.channel])
        channel_rules.ensure_open(con, batch.channel)
        if batch.sha256 and not force:
            earlier = run(con, sql.batch_by_sha_sql(), [batch.channel, batch.sha256]).fetchone()
            if earlier:
                return ImportResult(batch.channel, batch.source, None, "skipped", batch.rows,
                                    0, skipped=True, duplicate_of=int(earlier[0]))
        batch_id = run(con, sql.next_batch_id_sql()).fetchone()[0]
        first_record = run(con, sql.next_record_id_sql()).fetchone()[0]
        rejected = batch.rejected
        status = "success" if rejected == 0 else ("failed" if rejected == batch.rows else "partial")
        reasons = _reasons(batch)
        mapping = {
            sheet: {m.header: m.field for m in matches if m.field}
            for sheet, matches in batch.mappings.items()
        }
        run(con, sql.insert_batch_sql(), [
            batch_id, now, batch.channel, batch.source, batch.sheet, batch.sha256, batch.kind,
            status, batch.rows, rejected, reasons, handler,
            json.dumps(mapping, ensure_ascii=False),
        ])
        _insert_records(con, batch, batch_id, first_record, handler, now)
        if save_mapping and batch.kind == "file":
            for matches in batch.mappings.values():
                for m in matches:
                    if m.how in ("given", "exact", "contains", "fuzzy", "saved"):
                        run(con, sql.save_mapping_sql(), [batch.channel, m.header,
                                                         m.field or "", now])
        log_event(con, "import", f"batch:{batch_id}", actor=handler, payload={
            "batch_id": batch_id, "channel": batch.channel, "source": batch.source,
            "rows": batch.rows, "rejected": rejected, "sha256": batch.sha256,
            "first_record_id": first_record, "last_record_id": first_record + batch.rows - 1,
        })
        score = channel_rules.after_batch(con, batch_id)
        run(con, sql.finish_batch_sql(), [dt.datetime.now().replace(microsecond=0), batch_id])
    seconds = batch.seconds + time.perf_counter() - started
    return ImportResult(batch.channel, batch.source, batch_id, status, batch.rows, rejected,
                        quality_score=score, seconds=seconds)


def _insert_records(con, batch: PreparedBatch, batch_id: int, first_record: int,
                    handler: str, now: dt.datetime) -> None:
    records = batch.records
    columns = record_columns()
    frame = pd.DataFrame(index=records.index)
    frame["record_id"] = range(first_record, first_record + len(records))
    frame["batch_id"] = batch_id
    frame["source_file"] = batch.source
    frame["source_sheet"] = records["source_sheet"].to_numpy()
    frame["source_row"] = records["source_row"].to_numpy()
    frame["entered_by"] = handler
    frame["entered_at"] = now
    for column in columns:
        frame[column] = records[column].to_numpy() if column in records else None
    # The batch's channel is the record's channel; what the file said stays in channel_raw.
    frame["channel"] = batch.channel
    for start in range(0, len(frame), CHUNK_ROWS):
        part = frame.iloc[start : start + CHUNK_ROWS]
        con.register("incoming_records", part)
        try:
            run(con, sql.insert_records_sql(RECORD_META + list(columns)))
        finally:
            con.unregister("incoming_records")


def _reasons(batch: PreparedBatch) -> str | None:
    """The batch's problems in brief, for the sync log: the commonest reject reasons."""
    if not batch.rejected:
        return None
    counts = batch.records.loc[batch.records["rejected"], "reject_reason"].value_counts()
    top = [{"reason": reason, "rows": int(n)} for reason, n in counts.head(5).items()]
    return json.dumps(top, ensure_ascii=False)


def saved_mapping(pool: Pool, channel: str) -> dict[str, str]:
    """The header mapping saved for a channel by its earlier imports."""
    if not pool.exists():
        return {}
    with pool.connect() as con:
        return dict(run(con, sql.saved_mapping_sql(), [channel]).fetchall())


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
    link: bool = True,
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
        link: match the new batch against the pool when a linkage model exists.

    Returns:
        The batch's ImportResult; `.summary()` gives one line for a person.

    Example:
        >>> result = import_file(Pool(), "data/展会.xlsx", channel="展会")
        >>> print(result.summary())
    """
    batch = prepare_file(path, channel=channel, sheet=sheet, mapping=mapping,
                         saved_mapping=saved_mapping(pool, channel), progress=progress)
    result = commit_batch(pool, batch, handler=handler, force=force)
    if link and result.batch_id is not None and result.imported:
        result.linked = link_new_batch(pool, result.batch_id)
    return result


def link_new_batch(pool: Pool, batch_id: int) -> dict | None:
    """Match a new batch against the pool, when a trained model exists (else None)."""
    try:
        from .link import link_batch
    except ImportError:
        return None
    return link_batch(pool, batch_id)


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
    """
    batch = prepare_values(values, channel=channel)
    return commit_batch(pool, batch, handler=entered_by)
