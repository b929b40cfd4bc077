"""Helpers of the events tests: leads imported through the real importer, event files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from workbench.ingest.importer import import_file
from workbench.leads.golden import golden_leads
from workbench.store.pool import Pool

HEADERS = {"source_id": "客户ID", "name": "姓名", "phone": "手机号", "email": "邮箱",
           "wechat": "微信", "company": "公司", "title": "职位", "owner": "负责人",
           "updated_at": "更新时间"}


def import_leads(pool: Pool, folder: Path, channel: str, rows: list[dict]):
    """Import `rows` (field -> value) as one CSV batch of `channel`; returns the result."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{channel}_{len(list(folder.iterdir()))}.csv"
    fields = [f for f in HEADERS if any(f in r for r in rows)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([HEADERS[f] for f in fields])
        for row in rows:
            writer.writerow([row.get(f, "") for f in fields])
    return import_file(pool, path, channel=channel)


def event(event_id: str, type_: str = "phone_changed", lead=None, **data) -> dict:
    if type_ == "phone_changed":
        data = {"old_phone": "13812345678", "new_phone": "13987654321", "verified": True,
                **data}
    return {"event_id": event_id, "system": "自有APP", "type": type_,
            "occurred_at": "2026-11-30T10:00:00+08:00",
            "lead": lead or {"channel": "自有APP", "source_id": "U889"}, "data": data}


def write_jsonl(path: Path, events: list) -> Path:
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e, ensure_ascii=False))
                            + "\n" for e in events), encoding="utf-8")
    return path


def lead_by_name(pool: Pool, name: str) -> dict:
    with pool.connect() as con:
        frame = golden_leads(con)
    rows = frame[frame["name"] == name]
    assert len(rows) == 1, rows
    return rows.iloc[0].to_dict()


def inbound(pool: Pool) -> dict:
    with pool.connect() as con:
        return {r[0]: r[1:] for r in con.execute(
            "SELECT event_id, status, lead_id, reason, attempts, history_events "
            "FROM inbound_events").fetchall()}
