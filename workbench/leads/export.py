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
from workbench.privacy.masking import check_unmasked_access, mask_frame
from workbench.store.log import log_event
from workbench.store.pool import Pool, current_actor, run
from workbench.store.workbook import write_table

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
    mask: bool = True,
    actor: str | None = None,
    reason: str | None = None,
) -> tuple[Path, int]:
    """Write one kind of content to a .csv or .xlsx file, personal data masked by default.

    Args:
        pool: the lead pool.
        kind: one of EXPORTS ('records', 'batches', 'rejects', and what later areas add).
        out: the file to write; its suffix chooses the format.
        batch: only this batch.
        mask: mask personal data (138****5678, 张*); False only for authorised users
            (`privacy.masking.authorise`), and the refusal of anyone else is recorded too.
        actor: who exports (default: the current user); recorded in the history.
        reason: why, recorded beside the export.

    Returns:
        The path written and the number of rows.

    Example:
        >>> export_table(Pool(), "rejects", "退回_展会.xlsx", batch=3)
        (PosixPath('退回_展会.xlsx'), 5)
    """
    if kind not in EXPORTS:
        raise InputError(f"'{kind}' cannot be exported.",
                         fix=f"Choose one of: {', '.join(EXPORTS)}.")
    _check_suffix(Path(out))
    with pool.connect(read_only=True) as con:
        frame = EXPORTS[kind](con, batch)
    return export_frame(pool, kind, frame, out, mask=mask, actor=actor, reason=reason,
                        personal=kind in PERSONAL), len(frame)


def export_frame(pool: Pool, kind: str, frame: pd.DataFrame, out: str | Path, *,
                 mask: bool = True, actor: str | None = None, reason: str | None = None,
                 personal: bool = True) -> Path:
    """Write a frame for people to read: masked unless `mask=False` and the actor is
    authorised, formulas neutralised (store.workbook.write_table), and for personal data an
    event that says who exported what (kind, rows, file, masked or not, why).

    An unauthorised request for unmasked data is refused, and the refusal is an event too.

    Example:
        export_frame(pool, "leads", golden_leads(con), "线索.xlsx")
    """
    out = _check_suffix(Path(out))
    actor = actor or current_actor()
    details = {"file": str(out), "rows": len(frame), "masked": mask}
    if personal and not mask:
        with pool.connect() as con:
            try:
                check_unmasked_access(con, actor)
            except InputError:
                log_event(con, "export_refused", kind, actor=actor, reason=reason,
                          payload=details)
                raise
    if personal and mask:
        frame = mask_frame(frame)
    write_table(out, frame, sheet=kind)
    if personal:
        with pool.connect() as con:
            log_event(con, "export", kind, actor=actor, reason=reason, payload=details)
    log.info("wrote %d rows to %s", len(frame), out)
    return out


def _check_suffix(out: Path) -> Path:
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"cannot write '{out.suffix or out.name}' files.", file=str(out),
                         fix="Name the output .csv or .xlsx.")
    return out
