"""Quality measures of the lead pool: per batch, per channel, per field, over time.

Every rate is a share between 0 and 1 made from counts that SQL takes over the pool:

- completeness of a field: records where the field is present / records;
- validity of a field: present values that pass their check / present values;
- reachability: records with at least one valid mobile, email or WeChat / rows;
- duplicate rate: linked records whose cluster has more than one record / linked records
  (None until linkage has run: no clusters is not the same as no duplicates);
- the quality score (README, "Quality score"): 0.4 reachability + 0.3 validity +
  0.3 completeness, where completeness here is the share of rows with a name and a contact.

`quality_report(pool)` gathers them into one `QualityReport`, which the report notebook shows
and `write_quality_files` writes out (workbook, figures.json).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.errors import InputError
from workbench.fields import CHECKED_FIELDS, STANDARD_FIELDS
from workbench.ingest import sql as ingest_sql
from workbench.ingest.channels import BatchScore, channel_table
from workbench.privacy.masking import mask_frame
from workbench.quality import sql
from workbench.store.pool import Pool, run
from workbench.store.workbook import write_workbook

log = logging.getLogger(__name__)

# The key contact fields of the seeds: name, mobile, email, WeChat, address, job title.
KEY_FIELDS: tuple[str, ...] = ("name", "phone", "email", "wechat", "address", "title")
RATE_COLUMNS = ("completeness", "validity", "reachability", "duplicate_rate", "score")
KEY_COMPLETENESS = tuple(f"completeness_{f}" for f in KEY_FIELDS)
_COUNTS = ["rows", "records", "rejected", "reachable", "complete", "present", "valid",
           "linked", "duplicates", "known", "new_leads"]
NO_CLUSTERS_NOTE = (
    "No clusters yet: duplicate rate, new vs known leads and channel overlap appear once "
    "linkage has matched the pool."
)


@dataclass
class QualityReport:
    """The quality figures of a pool (or of some of its channels and dates).

    Attributes:
        summary: pool-wide figures (counts and rates).
        batches: one row per batch: counts, rates, the stored score, new vs known, and the
            completeness of each key field (`completeness_phone`, ...).
        channels: one row per channel: counts, rates, status, owner, recent scores, and the
            completeness of each key field.
        fields: one row per checked field: completeness and validity over the pool.
        fields_by_channel: channel × field: completeness and validity.
        trend: one row per day: rows and rates of the batches imported that day.
        overlap: channel × channel: leads the two share (None before linkage).
        problems: records with problems, for the channel to fix (unmasked; mask on export).
        has_clusters: whether linkage has run.
    """

    generated_at: dt.datetime
    pool: str
    filters: dict
    summary: dict
    batches: pd.DataFrame
    channels: pd.DataFrame
    fields: pd.DataFrame
    fields_by_channel: pd.DataFrame
    trend: pd.DataFrame
    overlap: pd.DataFrame | None
    problems: pd.DataFrame
    has_clusters: bool
    notes: list[str] = field(default_factory=list)

    def figures(self) -> dict:
        """The report's figures as plain JSON-able values (what figures.json holds)."""
        return _jsonable({
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "pool": self.pool,
            "filters": self.filters,
            "has_clusters": self.has_clusters,
            "summary": self.summary,
            "channels": self.channels.to_dict(orient="records"),
            "batches": self.batches.to_dict(orient="records"),
            "fields": self.fields.to_dict(orient="records"),
            "overlap": None if self.overlap is None else self.overlap.to_dict(orient="index"),
            "problem_rows": len(self.problems),
            "notes": self.notes,
        })


def quality_report(
    pool: Pool,
    *,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
    channels: list[str] | None = None,
    problem_limit: int = 100_000,
) -> QualityReport:
    """Measure the pool's quality (read-only).

    Args:
        pool: the lead pool.
        since: only batches imported on or after this date ('YYYY-MM-DD', or '30d' for the
            last 30 days).
        until: only batches imported before this date.
        channels: only these channels.
        problem_limit: at most this many problem rows.

    Example:
        >>> report = quality_report(Pool("data/leadpool.duckdb"), since="30d")
        >>> report.summary["score"]
        0.9849
        >>> report.channels[["channel", "score"]]
          channel   score
        0    官网表单  0.9878
        1      展会  0.9873
        2   微信公众号  0.9855
        3    抖音广告  0.9723
        4    线下门店  0.9921
    """
    since, until = _as_date(since), _as_date(until)
    cte, params = sql.batch_filter_sql(since=since, until=until, channels=channels)
    raw_columns = [f"{f}_raw" for f in STANDARD_FIELDS if f != "channel"]
    with pool.connect(read_only=True) as con:
        batches = run(con, ingest_sql.batch_parts_sql(cte), params).df()
        field_counts = run(con, sql.field_counts_sql(cte), params).df()
        has_clusters = bool(run(con, sql.has_clusters_sql()).fetchone()[0])
        links = run(con, sql.batch_links_sql(cte), params).df() if has_clusters else None
        overlap_pairs = (run(con, sql.channel_overlap_sql(cte), params).df()
                         if has_clusters else None)
        problems = run(con, sql.problem_rows_sql(cte, raw_columns),
                       {**params, "limit": problem_limit}).df()
        channel_info = channel_table(con)

    batches = _with_links(batches, links)
    field_counts = field_counts.merge(batches[["batch_id", "channel"]], on="batch_id")
    report = QualityReport(
        generated_at=dt.datetime.now(),
        pool=str(pool.path),
        filters={"since": since, "until": until, "channels": channels},
        summary=_summary(batches, has_clusters, channel_info),
        batches=_batch_table(batches).merge(
            _key_completeness(field_counts, "batch_id"), on="batch_id", how="left"),
        channels=_channel_table(batches, channel_info).merge(
            _key_completeness(field_counts, "channel"), on="channel", how="left"),
        fields=_field_table(field_counts, None),
        fields_by_channel=_field_table(field_counts, "channel"),
        trend=_trend_table(batches),
        overlap=_overlap_matrix(overlap_pairs),
        problems=problems,
        has_clusters=has_clusters,
    )
    if not has_clusters:
        report.notes.append(NO_CLUSTERS_NOTE)
    if len(problems) >= problem_limit:
        report.notes.append(f"Only the first {problem_limit:,} problem rows are listed.")
    return report


def _as_date(value):
    """A date from a date, 'YYYY-MM-DD', or 'Nd' (N days before today, for scheduled runs)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if text.endswith("d") and text[:-1].isdigit():
        return dt.date.today() - dt.timedelta(days=int(text[:-1]))
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise InputError(f"'{text}' is not a date.",
                         fix="Give YYYY-MM-DD, or e.g. 30d for the last 30 days.") from err


def _with_links(batches: pd.DataFrame, links: pd.DataFrame | None) -> pd.DataFrame:
    if links is None:
        for column in ("linked", "duplicates", "known", "new_leads"):
            batches[column] = 0
        return batches
    batches = batches.merge(links, on="batch_id", how="left")
    for column in ("linked", "duplicates", "known", "new_leads"):
        batches[column] = batches[column].fillna(0).astype("int64")
    return batches


def _rates(counts: pd.Series | dict, has_clusters: bool = True) -> dict:
    """Rates from summed counts: the same formula for a batch, a channel, a day or the pool."""
    parts = BatchScore.from_counts(*(int(counts[k]) for k in
                                     ("rows", "reachable", "complete", "present", "valid")))
    linked = int(counts["linked"])
    return {
        "completeness": None if parts is None else round(parts.completeness, 4),
        "validity": None if parts is None else round(parts.validity, 4),
        "reachability": None if parts is None else round(parts.reachability, 4),
        "duplicate_rate": (round(int(counts["duplicates"]) / linked, 4)
                           if has_clusters and linked else None),
        "score": None if parts is None else parts.score,
    }


def _grouped(batches: pd.DataFrame, by: str) -> pd.DataFrame:
    sums = batches.groupby(by, sort=True)[_COUNTS].sum()
    rates = pd.DataFrame([_rates(row) for _, row in sums.iterrows()], index=sums.index)
    frame = pd.concat([sums, rates], axis=1).reset_index()
    frame.insert(1, "batches", batches.groupby(by, sort=True).size().to_numpy())
    return frame


def _summary(batches: pd.DataFrame, has_clusters: bool, channel_info: pd.DataFrame) -> dict:
    totals = {k: int(batches[k].sum()) for k in _COUNTS}
    thresholds = batches["channel"].map(channel_info.set_index("name")["threshold"])
    reported = channel_info[channel_info["name"].isin(batches["channel"])]
    return {
        "batches": len(batches),
        "channels": int(batches["channel"].nunique()),
        **totals,
        **_rates(totals, has_clusters),
        # each batch against its own channel's threshold, as the gate sees it
        "batches_below_threshold": int((batches["quality_score"] < thresholds).sum()),
        "channels_paused": int((reported["status"] == "paused").sum()),
    }


def _batch_table(batches: pd.DataFrame) -> pd.DataFrame:
    rates = pd.DataFrame([_rates(row) for _, row in batches.iterrows()],
                         columns=RATE_COLUMNS, index=batches.index)
    table = pd.concat([batches, rates.drop(columns="score")], axis=1)
    # The stored score is what the gate saw; it equals the recomputed one unless the batch's
    # records changed since.
    table["score"] = batches["quality_score"]
    table["new_records"] = table["linked"] - table["known"]
    return table.drop(columns=["quality_score"])


def _channel_table(batches: pd.DataFrame, channel_info: pd.DataFrame) -> pd.DataFrame:
    if batches.empty:
        table = pd.DataFrame(columns=["channel", "batches", *_COUNTS, *RATE_COLUMNS])
    else:
        table = _grouped(batches, "channel")
    if channel_info.empty:
        return table
    info = channel_info.rename(columns={"name": "channel"})[
        ["channel", "kind", "priority", "owner", "status", "status_reason", "threshold",
         "recent_scores"]
    ]
    return table.merge(info, on="channel", how="left")


def _key_completeness(counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Completeness of each key field per group, as columns `completeness_<field>`."""
    columns = [by, *(f"completeness_{f}" for f in KEY_FIELDS)]
    key = counts[counts["field"].isin(KEY_FIELDS)]
    if key.empty:
        return pd.DataFrame(columns=columns)
    sums = key.groupby([by, "field"])[["records", "present"]].sum()
    shares = (sums["present"] / sums["records"]).round(4).unstack("field")
    shares = shares.reindex(columns=list(KEY_FIELDS))
    shares.columns = [f"completeness_{f}" for f in shares.columns]
    return shares.reset_index()


def _field_table(counts: pd.DataFrame, by: str | None) -> pd.DataFrame:
    keys = ["field"] if by is None else [by, "field"]
    if counts.empty:
        return pd.DataFrame(columns=[*keys, "key_field", "records", "present", "valid",
                                     "completeness", "validity"])
    sums = counts.groupby(keys, sort=False)[["records", "present", "valid"]].sum().reset_index()
    sums["key_field"] = sums["field"].isin(KEY_FIELDS)
    sums["completeness"] = (sums["present"] / sums["records"]).round(4)
    sums["validity"] = (sums["valid"] / sums["present"].where(sums["present"] > 0)).round(4)
    sums["order"] = sums["field"].map({f: i for i, f in enumerate(CHECKED_FIELDS)})
    sums = sums.sort_values([*keys[:-1], "order"])
    return sums[[*keys, "key_field", "records", "present", "valid", "completeness",
                 "validity"]].reset_index(drop=True)


def _trend_table(batches: pd.DataFrame) -> pd.DataFrame:
    if batches.empty:
        return pd.DataFrame(columns=["day", "batches", *_COUNTS, *RATE_COLUMNS])
    frame = batches.assign(day=pd.to_datetime(batches["started_at"]).dt.date)
    return _grouped(frame, "day")


def _overlap_matrix(pairs: pd.DataFrame | None) -> pd.DataFrame | None:
    if pairs is None:
        return None
    matrix = pairs.pivot(index="channel_a", columns="channel_b", values="shared")
    matrix = matrix.fillna(0).astype("int64").sort_index().sort_index(axis=1)
    matrix.index.name, matrix.columns.name = "channel", None
    return matrix


# --- writing --------------------------------------------------------------------------------

SHEET_NAMES = {
    "summary": "汇总 Summary",
    "channels": "渠道 Channels",
    "batches": "批次 Batches",
    "fields": "字段 Fields",
    "fields_by_channel": "渠道×字段 Fields by channel",
    "trend": "趋势 Trend",
    "overlap": "渠道重合 Overlap",
    "problems": "问题行 Problem rows",
}


def report_sheets(report: QualityReport, *, masked: bool = True) -> dict[str, pd.DataFrame]:
    """The report's tables as workbook sheets; personal data masked unless `masked=False`."""
    summary = pd.DataFrame(
        [{"measure": k, "value": v} for k, v in report.summary.items()]
        + [{"measure": "note", "value": n} for n in report.notes]
    )
    problems = mask_frame(report.problems) if masked else report.problems
    sheets = {
        SHEET_NAMES["summary"]: summary,
        SHEET_NAMES["channels"]: report.channels,
        SHEET_NAMES["batches"]: report.batches,
        SHEET_NAMES["fields"]: report.fields,
        SHEET_NAMES["fields_by_channel"]: report.fields_by_channel,
        SHEET_NAMES["trend"]: report.trend,
        SHEET_NAMES["problems"]: problems,
    }
    if report.overlap is not None:
        sheets[SHEET_NAMES["overlap"]] = report.overlap.reset_index()
    return sheets


def write_quality_files(
    report: QualityReport, out_dir: str | Path, *, masked: bool = True
) -> dict[str, Path]:
    """Write the report's workbook (quality_report.xlsx) and figures (figures.json).

    Example:
        >>> write_quality_files(quality_report(pool), "data/reports/2026-11-22")
        {'workbook': ..., 'figures': ...}
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    workbook = write_workbook(out / "quality_report.xlsx", report_sheets(report, masked=masked))
    figures = out / "figures.json"
    figures.write_text(
        json.dumps({**report.figures(), "masked": masked}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    log.info("quality report files in %s", out)
    return {"workbook": workbook, "figures": figures}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):
        return _jsonable(value.tolist())
    if hasattr(value, "item") and not isinstance(value, str):
        return _jsonable(value.item())
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    return value


# --- showing in a notebook ------------------------------------------------------------------

_PERCENT_COLUMNS = (*RATE_COLUMNS, *KEY_COMPLETENESS, "threshold")


def styled(frame: pd.DataFrame):
    """A frame for a notebook: rates as percentages, missing rates shown as '—'.

    Example:
        >>> styled(quality_report(pool).channels)
        <pandas.io.formats.style.Styler object at 0x...>
    """
    rates = [c for c in frame.columns if c in _PERCENT_COLUMNS]
    # A Styler writes cells as raw HTML: every value from data (a channel named
    # <img src=x onerror=…>) is escaped first; then the rates get their percentages.
    return (frame.style.format(na_rep="—", escape="html")
            .format("{:.1%}", subset=rates, na_rep="—")
            .format_index(escape="html", axis=1)
            .hide(axis="index"))


def summary_table(report: QualityReport) -> pd.DataFrame:
    """The pool-wide figures as a two-column table, rates as percentages, notes last.

    Example:
        >>> summary_table(quality_report(pool)).head(4)
            measure value
        0   batches     5
        1  channels     5
        2      rows  2500
        3   records  2500
    """
    rows = []
    for key, value in report.summary.items():
        if key in RATE_COLUMNS:
            value = "— (no clusters yet)" if value is None else f"{value:.1%}"
        rows.append({"measure": key, "value": value})
    rows += [{"measure": "note", "value": note} for note in report.notes]
    return pd.DataFrame(rows)


def problem_preview(report: QualityReport, *, masked: bool = True, rows: int = 20) -> pd.DataFrame:
    """The first problem rows, masked unless `masked=False`, without empty columns."""
    head = report.problems.head(rows).dropna(axis=1, how="all")
    return mask_frame(head) if masked else head
