"""What each channel spent per month: imported from .xlsx/.csv, kept in the pool as a history.

A costs file has one row per channel and month with the spend in 元 (渠道 / 月份 / 花费 …). An
import appends only the months whose spend changed, under one history event; a file with any
bad row changes nothing and the error names the file, row and column.

Example:
    result = import_costs(Pool("data/leadpool.duckdb"), "渠道成本.xlsx")
    result.changed, result.event_id
    (12, 57)
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.analysis import sql
from workbench.errors import InputError
from workbench.ingest.headers import normalise_header
from workbench.ingest.read import read_file
from workbench.ingest.standardise import clean_text, standardise_amount
from workbench.store.log import log_event, now
from workbench.store.pool import Pool, run

log = logging.getLogger(__name__)

# The columns of a costs file, and the headers channels' finance sheets use for them.
COST_ALIASES: dict[str, tuple[str, ...]] = {
    "channel": ("渠道", "渠道名称", "来源", "来源渠道", "channel", "source"),
    "month": ("月份", "月", "日期", "期间", "month", "period", "date"),
    "spend": ("花费", "费用", "投放金额", "投放费用", "成本", "金额", "支出", "spend", "cost",
              "amount"),
}
_HEADER_OF = {normalise_header(a): col for col, names in COST_ALIASES.items() for a in names}
_MONTH = re.compile(r"(\d{4})\s*(?:[-/.年])\s*(\d{1,2})(?:\s*月)?(?:[-/.]\d{1,2}(?:日)?)?"
                    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")


@dataclass(frozen=True)
class CostImport:
    """What one costs import did: rows read, months whose spend changed, the event (None
    when nothing changed)."""

    file: str
    rows: int
    changed: int
    event_id: int | None


def parse_month(text: str | None) -> str | None:
    """'YYYY-MM' for "2026-03", "2026/3", "2026年3月", "2026-03-01 00:00:00"; else None.

    Example:
        >>> parse_month("2026年3月"), parse_month("2026-3-15"), parse_month("三月")
        ('2026-03', '2026-03', None)
    """
    cleaned = clean_text(text)
    match = _MONTH.fullmatch(cleaned) if cleaned else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return f"{match.group(1)}-{int(match.group(2)):02d}"


def _score(headers: list[str]) -> int:
    return sum(normalise_header(str(h)) in _HEADER_OF for h in headers if h)


def read_costs(path: str | Path) -> pd.DataFrame:
    """The rows of a costs file as (channel, month 'YYYY-MM', spend float, source_row).

    Raises:
        InputError: a column is missing, or a row has no channel, an unreadable month or a
            spend that is not a number of 元 zero or more; every bad row is named.
    """
    sheet = read_file(path, score_header=_score)[0]
    columns: dict[str, str] = {}
    for header in sheet.frame.columns:
        col = _HEADER_OF.get(normalise_header(str(header)))
        if col and col not in columns:
            columns[col] = header
    missing = [c for c in COST_ALIASES if c not in columns]
    if missing:
        raise InputError(
            f"成本表缺少列 {', '.join(COST_ALIASES[c][0] for c in missing)} "
            f"(no column for {', '.join(missing)}). Columns found: "
            f"{', '.join(map(str, sheet.frame.columns))}.",
            file=str(path), sheet=sheet.name,
            fix="Name the columns 渠道, 月份 and 花费 (元).")
    rows, problems = [], []
    for i, source_row in enumerate(sheet.rows):
        cells = {c: clean_text(sheet.frame[columns[c]].iloc[i]) for c in COST_ALIASES}
        if not any(cells.values()):
            continue
        month, spend = parse_month(cells["month"]), standardise_amount(cells["spend"])
        if not cells["channel"]:
            problems.append((source_row, columns["channel"], "渠道为空 (no channel)"))
        elif month is None:
            problems.append((source_row, columns["month"],
                             f"月份 '{cells['month']}' 不是年月 (not a month such as 2026-03)"))
        elif spend is None or float(spend) < 0:
            problems.append((source_row, columns["spend"],
                             f"花费 '{cells['spend']}' 不是非负金额 (not an amount of 元, ≥ 0)"))
        else:
            rows.append((cells["channel"], month, float(spend), source_row))
    if problems:
        first_row, first_col, _ = problems[0]
        listed = "; ".join(f"row {r} column '{c}': {what}" for r, c, what in problems[:10])
        raise InputError(
            f"成本表有 {len(problems)} 行无法读取, nothing was imported: {listed}.",
            file=str(path), sheet=sheet.name, row=first_row, column=first_col,
            fix="Correct these rows and import the file again.")
    frame = pd.DataFrame(rows, columns=["channel", "month", "spend", "source_row"])
    dup = frame[frame.duplicated(["channel", "month"], keep=False)]
    if len(dup):
        first = dup.iloc[0]
        raise InputError(
            f"成本表中渠道 '{first.channel}' 的 {first.month} 出现多次 (rows "
            f"{', '.join(map(str, dup[(dup.channel == first.channel) & (dup.month == first.month)].source_row))}).",
            file=str(path), sheet=sheet.name, row=int(first.source_row),
            fix="Give each channel and month once (add the amounts up first).")
    return frame


def import_costs(pool: Pool, path: str | Path, *, actor: str | None = None,
                 reason: str | None = None) -> CostImport:
    """Import a costs file: the months whose spend differs from what the pool holds are
    appended to the history under one 'channel_costs' event.

    Example:
        import_costs(pool, "渠道成本.csv").changed
        12
    """
    frame = read_costs(path)
    with pool.transaction() as con:
        current = run(con, sql.current_costs_sql()).df()
        known = {(r.channel, r.month): float(r.spend) for r in current.itertuples()}
        changed = frame[[known.get((r.channel, r.month)) != r.spend
                         for r in frame.itertuples()]].copy()
        if changed.empty:
            return CostImport(str(path), len(frame), 0, None)
        event_id = log_event(
            con, "channel_costs", f"file:{Path(path).name}", actor=actor, reason=reason,
            payload={"file": str(path), "changes": [
                {"channel": r.channel, "month": r.month, "before": known.get((r.channel, r.month)),
                 "after": r.spend} for r in changed.itertuples()]})
        first = run(con, sql.next_cost_seq_sql()).fetchall()[0][0]
        changed.insert(0, "seq", range(first, first + len(changed)))
        changed["source_file"] = str(path)
        con.register("incoming_costs", changed)
        try:
            run(con, sql.insert_costs_sql("incoming_costs"),
                {"recorded_at": now(), "event_id": event_id})
        finally:
            con.unregister("incoming_costs")
    log.info("costs from %s: %d rows, %d changed", path, len(frame), len(changed))
    return CostImport(str(path), len(frame), len(changed), event_id)


def current_costs(con) -> pd.DataFrame:
    """The spend in force per channel and month (channel, month, spend as float)."""
    frame = run(con, sql.current_costs_sql()).df()
    frame["spend"] = frame["spend"].astype(float)
    return frame


def cost_history(con) -> pd.DataFrame:
    """Every change of a monthly spend, oldest first, with who made it and from which file."""
    return run(con, sql.cost_history_sql()).df()
