"""Charts of the customer analysis, drawn with matplotlib as SVG (text kept as text, so the
browser draws the Chinese labels and the HTML report opens offline: see quality.charts)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from workbench.analysis.effectiveness import TOTAL
from workbench.analysis.segments import Segments
from workbench.quality import charts as quality_charts  # its rcParams: SVG text, CJK fonts

to_svg = quality_charts.to_svg


def _figure(width: float, height: float):
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def cost_chart(table: pd.DataFrame) -> Figure:
    """Acquisition cost (bars) and conversion (line) per channel."""
    rows = table[table["channel"] != TOTAL]
    fig, ax = _figure(7, 3.2)
    ax.bar(rows["channel"], rows["acquisition_cost"].fillna(0), color="#4472C4")
    ax.set_ylabel("客户获取成本(元/人)")
    ax.set_title("渠道获客成本与转化率")
    right = ax.twinx()
    right.plot(rows["channel"], rows["conversion"], color="#ED7D31", marker="o")
    right.set_ylabel("转化率(%)")
    right.set_ylim(0, max(100.0, float(rows["conversion"].max() or 0)))
    fig.tight_layout()
    return fig


def value_chart(table: pd.DataFrame) -> Figure:
    """Repeat rate and share of high-value customers per channel."""
    rows = table[table["channel"] != TOTAL]
    fig, ax = _figure(7, 3.2)
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], rows["repeat_rate"].fillna(0), width=0.4, label="复购率(%)")
    ax.bar([i + 0.2 for i in x], rows["high_value_share"].fillna(0), width=0.4,
           label="高价值客户占比(%)")
    ax.set_xticks(list(x), list(rows["channel"]))
    ax.set_title("渠道客户价值")
    ax.legend()
    fig.tight_layout()
    return fig


def segment_chart(segments: Segments) -> Figure:
    """Size and revenue share of each segment."""
    summary = segments.summary
    fig, ax = _figure(7, 3.2)
    x = range(len(summary))
    total = max(int(summary["size"].sum()), 1)
    ax.bar([i - 0.2 for i in x], 100 * summary["size"] / total, width=0.4, label="客户占比(%)")
    ax.bar([i + 0.2 for i in x], summary["revenue_share"], width=0.4, label="消费占比(%)")
    ax.set_xticks(list(x), list(summary["name"]))
    ax.set_title(f"客户分群 (k = {segments.k}, 轮廓系数 {segments.silhouette:.2f})")
    ax.legend()
    fig.tight_layout()
    return fig
