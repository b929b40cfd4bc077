"""The customer analysis in one value, and the files it is written to.

`customer_analysis` computes, from one read of the golden leads, the channel table (per channel
and per channel and month), the tags, RFM scores and the segments; `write_analysis_files` writes
them as `customer_analysis.xlsx` (Chinese headers, personal data masked by default, no cell
can run as a formula) and `figures.json`. The notebook `customer_analysis.ipynb` shows the same
values with charts, and `workbench analyse` runs it into an HTML report.

Example:
    with pool.connect(read_only=True) as con:
            result = customer_analysis(con, AnalysisSettings(attribution="shared", k=4))
    write_analysis_files(result, "data/reports/customers")
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from workbench.analysis.customers import (
    ATTRIBUTIONS,
    DEFAULT_SETTINGS,
    AnalysisSettings,
    customer_frame,
)
from workbench.analysis.effectiveness import channel_table, chinese
from workbench.analysis.segments import Segments, chinese_summary, segment_customers
from workbench.analysis.tags import computed_tags
from workbench.errors import InputError
from workbench.privacy.masking import mask_frame
from workbench.store.workbook import write_workbook

log = logging.getLogger(__name__)

WORKBOOK = "customer_analysis.xlsx"
TAG_HEADERS = {"lead_id": "线索ID", "name": "姓名", "phone": "手机号", "city": "城市",
               "first_channel": "首次渠道", "channels": "来源渠道", "status": "客户状态",
               "orders": "订单数", "total_amount": "累计消费金额", "last_order_at": "最近消费时间",
               "computed_tags": "客户标签", "channel_tags": "渠道标签", "rfm": "RFM得分",
               "segment": "分群编号", "segment_name": "分群名称"}


@dataclass
class CustomerAnalysis:
    """Everything one analysis computed, from one read of the golden leads."""

    settings: AnalysisSettings
    channels: pd.DataFrame
    channels_by_month: pd.DataFrame
    customers: pd.DataFrame  # one row per lead: TAG_HEADERS' columns
    segments: Segments | None
    segments_note: str | None = None

    def figures(self) -> dict:
        total = self.channels.iloc[-1]
        return {
            "settings": json.loads(self.settings.to_json()),
            "attribution": ATTRIBUTIONS[self.settings.attribution],
            "leads": int(len(self.customers)),
            "customers": float(total["customers"]),
            "acquisition_cost": _number(total["acquisition_cost"]),
            "conversion": _number(total["conversion"]),
            "silhouette": _number(self.segments.silhouette) if self.segments else None,
            "channels": json.loads(chinese(self.channels).to_json(orient="records",
                                                                  force_ascii=False)),
        }


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def customer_analysis(con: duckdb.DuckDBPyConnection,
                      settings: AnalysisSettings = DEFAULT_SETTINGS) -> CustomerAnalysis:
    """Channel table, tags, RFM and segments under `settings`."""
    settings.validate()
    frame = customer_frame(con, settings)
    channels = channel_table(con, settings, customers=frame)
    by_month = channel_table(con, settings, by_month=True, customers=frame)
    tags = computed_tags(con, settings, customers=frame).groupby("lead_id")["tag"].agg(",".join)
    try:
        segments, note = segment_customers(con, settings, customers=frame), None
    except InputError as err:
        segments, note = None, str(err)
    people = frame.assign(
        computed_tags=frame["lead_id"].map(tags),
        channel_tags=frame["tags"],
        channels=frame["channels"].map(lambda v: "、".join(v)),
    )
    if segments is not None:
        member = segments.members.set_index("lead_id")
        people["segment"] = people["lead_id"].map(member["segment"]).astype("Int64")
        people["segment_name"] = people["lead_id"].map(member["name"])
    else:
        people["segment"], people["segment_name"] = pd.NA, None
    return CustomerAnalysis(settings, channels, by_month, people[list(TAG_HEADERS)], segments,
                            note)


def analysis_sheets(result: CustomerAnalysis, *, masked: bool = True) -> dict[str, pd.DataFrame]:
    """The workbook's sheets: 渠道效果, 渠道效果(按月), 客户标签, 客户分群, 说明."""
    people = mask_frame(result.customers) if masked else result.customers
    settings = result.settings
    notes = pd.DataFrame([
        ("归因方式 attribution", ATTRIBUTIONS[settings.attribution]),
        ("期间 period", f"{settings.since or '最早'} – {settings.until or '最新'}"),
        ("计算日 as of", settings.day().isoformat()),
        ("高价值 high value", f"累计消费 ≥ {settings.high_value_amount:g} 元"),
        ("客户 customer", "客户状态为已转化, 或至少一笔订单"),
        ("分群 segments", result.segments_note or
         f"K-Means, k = {settings.k}, 轮廓系数 silhouette = {result.segments.silhouette:.3f}"),
        ("脱敏 masked", "是" if masked else "否"),
    ], columns=["项目", "说明"])
    sheets = {
        "渠道效果": chinese(result.channels),
        "渠道效果(按月)": chinese(result.channels_by_month),
        "客户标签": people.rename(columns=TAG_HEADERS),
    }
    if result.segments is not None:
        sheets["客户分群"] = chinese_summary(result.segments)
    sheets["说明"] = notes
    return sheets


def write_analysis_files(result: CustomerAnalysis, out_dir: str | Path, *,
                         masked: bool = True) -> dict[str, Path]:
    """Write customer_analysis.xlsx and figures.json into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    workbook = write_workbook(out / WORKBOOK, analysis_sheets(result, masked=masked))
    figures = out / "figures.json"
    figures.write_text(json.dumps({**result.figures(), "masked": masked}, ensure_ascii=False,
                                  indent=1), encoding="utf-8")
    log.info("customer analysis files in %s", out)
    return {"workbook": workbook, "figures": figures}


def run_analysis(pool, *, since: str = "", until: str = "", as_of: str = "",
                 attribution: str = "first", k: int = 4, materialise_tags: bool = False
                 ) -> CustomerAnalysis:
    """What the notebook and `workbench analyse` run: settings from plain parameters, the tags
    materialised first when asked (a scheduled run keeps their history), then the analysis.

    Example:
        >>> result = run_analysis(pool, since="2026-01", attribution="shared", k=3)
    """
    from workbench.analysis.customers import since_month
    from workbench.analysis.tags import apply_tags

    settings = AnalysisSettings(as_of=as_of or None, attribution=attribution,
                                since=since_month(since), until=since_month(until),
                                k=int(k)).validate()
    if materialise_tags:
        apply_tags(pool, settings)
    with pool.connect(read_only=True) as con:
        return customer_analysis(con, settings)


def tag_preview(result: CustomerAnalysis, *, masked: bool = True, limit: int = 20
                ) -> pd.DataFrame:
    """The first customers with their tags, as the notebook shows them (masked by default)."""
    people = result.customers.head(limit)
    return (mask_frame(people) if masked else people).rename(columns=TAG_HEADERS)


def segment_table(result: CustomerAnalysis):
    """The segments described, or why there are none (too few customers for k)."""
    if result.segments is None:
        return result.segments_note
    return chinese_summary(result.segments)


def segment_chart(result: CustomerAnalysis):
    """The segments' chart, or the note why there are none."""
    from workbench.analysis import charts

    if result.segments is None:
        return result.segments_note
    return charts.segment_chart(result.segments)


def channel_summary(pool, *, since: str = "", until: str = "", attribution: str = "first"):
    """The channel table with Chinese headers for the quality report, or a note when the pool
    cannot give one (no golden leads yet, or a pool from before the analysis tables)."""
    from workbench.analysis.customers import since_month
    from workbench.errors import WorkbenchError

    settings = AnalysisSettings(attribution=attribution, since=since_month(since) or None,
                                until=since_month(until) or None)
    try:
        with pool.connect(read_only=True) as con:
            return chinese(channel_table(con, settings))
    except WorkbenchError as err:
        return f"渠道效果暂无 (no channel table): {err}"
