"""SQL of exports."""

from __future__ import annotations

from workbench.store.sql import column_list


def records_sql(columns: list[str], one_batch: bool) -> str:
    where = "WHERE batch_id = ?" if one_batch else ""
    return f"SELECT {column_list(columns)} FROM records {where} ORDER BY record_id"


def batches_sql(one_batch: bool) -> str:
    where = "WHERE batch_id = ?" if one_batch else ""
    return f"""
SELECT batch_id, started_at, finished_at, channel, file, sheet, kind, status, rows, error_rows,
       reasons, handler, quality_score
FROM batches {where} ORDER BY batch_id"""


def rejects_sql(raw_columns: list[str], one_batch: bool) -> str:
    where = "AND batch_id = ?" if one_batch else ""
    return f"""
SELECT batch_id, source_file, source_sheet, source_row, reject_reason,
       {column_list(raw_columns)}, extra
FROM records WHERE rejected {where} ORDER BY record_id"""
