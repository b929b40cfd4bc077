"""Write the pool's content back out as .csv or .xlsx: records, the sync log, rejected rows.

Standardised values stand under the standard field names with the raw values beside them, so a
clean list can go to sales and a channel can see what became of what it sent. Every export of
personal data is an event in the history (who took what, masked or not).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from workbench.errors import InputError
from workbench.fields import CHECKED_FIELDS, STANDARD_FIELDS
from workbench.leads import sql
from workbench.leads.golden import leads_frame
from workbench.store.pool import Pool, current_actor, run
from workbench.store.workbook import neutralise_text, write_workbook

log = logging.getLogger(__name__)


def records_frame(con, batch: int | None = None) -> pd.DataFrame:
    """Every record (or one batch's): standardised value, raw value, status per field."""
    columns = ["record_id", "batch_id", "source_file", "source_sheet", "source_row",
               "entered_by", "entered_at"]
    for f in STANDARD_FIELDS:
        columns += [f, f"{f}_raw"] + ([f"{f}_status"] if f in CHECKED_FIELDS else [])
    columns += ["reachable", "rejected", "reject_reason", "extra"]
    return run(con, sql.export_records_sql(columns, batch is not None),
               {"batch_id": batch} if batch is not None else None).df()


def batches_frame(con, batch: int | None = None) -> pd.DataFrame:
    """The sync log: one row per batch."""
    return run(con, sql.export_batches_sql(batch is not None),
               {"batch_id": batch} if batch is not None else None).df()


def rejects_frame(con, batch: int | None = None) -> pd.DataFrame:
    """Rejected rows as the channel sent them, with the reason, to send back for fixing."""
    raw = [f"{f}_raw" for f in STANDARD_FIELDS]
    frame = run(con, sql.export_rejects_sql(raw, batch is not None),
                {"batch_id": batch} if batch is not None else None).df()
    frame = frame.rename(columns={f"{f}_raw": f for f in STANDARD_FIELDS})
    # Columns the channel never sent are noise in a sheet meant for them.
    return frame.dropna(axis=1, how="all")


EXPORTS: dict[str, Callable] = {
    "records": records_frame,
    "batches": batches_frame,
    "rejects": rejects_frame,
    "leads": leads_frame,
}
PERSONAL = {"records", "rejects", "leads"}


def export_table(
    pool: Pool,
    kind: str,
    out: str | Path,
    *,
    batch: int | None = None,
    mask: bool = False,
    actor: str | None = None,
) -> tuple[Path, int]:
    """Write one kind of content to a .csv or .xlsx file.

    Args:
        pool: the lead pool.
        kind: one of EXPORTS ('records', 'batches', 'rejects', and what later areas add).
        out: the file to write; its suffix chooses the format.
        batch: only this batch.
        mask: mask personal data (138****5678, 张*).
        actor: who exports (default: the current user); recorded in the history.

    Returns:
        The path written and the number of rows.

    Example:
        >>> export_table(Pool(), "rejects", "退回_展会.xlsx", batch=3)
        (PosixPath('退回_展会.xlsx'), 5)
    """
    if kind not in EXPORTS:
        raise InputError(f"'{kind}' cannot be exported.",
                         fix=f"Choose one of: {', '.join(EXPORTS)}.")
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"cannot write '{out.suffix or out.name}' files.", file=str(out),
                         fix="Name the output .csv or .xlsx.")
    with pool.connect(read_only=False) as con:
        frame = EXPORTS[kind](con, batch)
        if mask:
            from workbench.privacy.masking import mask_frame
            frame = mask_frame(frame)
        if kind in PERSONAL:
            _log_access(con, kind, out, len(frame), mask, actor or current_actor())
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        write_workbook(out, {kind: frame})
    else:
        # utf-8-sig so that Excel opens Chinese text correctly; formula-like text neutralised.
        safe = frame.apply(
            lambda s: s.map(neutralise_text)
            if s.dtype == object or pd.api.types.is_string_dtype(s) else s
        )
        safe.to_csv(out, index=False, encoding="utf-8-sig")
    log.info("wrote %d rows to %s", len(frame), out)
    return out, len(frame)


def _log_access(con, kind: str, out: Path, rows: int, masked: bool, actor: str) -> None:
    from workbench.store.log import log_event
    log_event(con, "export", kind, actor=actor,
              payload={"file": str(out), "rows": rows, "masked": masked})
