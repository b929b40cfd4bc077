"""Charts of the quality report, drawn with matplotlib as SVG.

SVG with text kept as text (`svg.fonttype = 'none'`) lets the browser draw Chinese channel and
field names with its own fonts, so the static HTML report shows them correctly without any
font installed on the machine that ran the report, and without network access.
"""

from __future__ import annotations

import io
import logging
import warnings

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from workbench.quality.measures import QualityReport

log = logging.getLogger(__name__)

matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["font.sans-serif"] = [
    "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimHei",
    "DejaVu Sans",
]
matplotlib.rcParams["axes.unicode_minus"] = False
# Glyphs missing from the machine's fonts only affect layout metrics: the browser draws them.
warnings.filterwarnings("ignore", message="Glyph .* missing from font")
warnings.filterwarnings("ignore", message=r"findfont: Font family .* not found")
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)


def _figure(width: float, height: float):
    # A bare Figure, not pyplot: nothing global, and a notebook shows it once, when returned.
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def use_svg() -> None:
    """Make notebook cells show figures as SVG (call once at the top of a notebook)."""
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # outside IPython nothing is shown anyway
        return
    set_matplotlib_formats("svg")


def _empty(title: str, message: str) -> Figure:
    fig, ax = _figure(7, 1.6)
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center")
    ax.axis("off")
    return fig


def completeness_chart(report: QualityReport, *, key_only: bool = True) -> Figure:
    """Heat map of completeness by field (rows) and channel (columns).

    Example:
        >>> from workbench.quality.measures import quality_report
        >>> completeness_chart(quality_report(pool))
        <Figure size 800x430 with 2 Axes>
    """
    title = "Completeness by field and channel 字段完整率"
    table = report.fields_by_channel
    if key_only:
        table = table[table["key_field"]]
    if table.empty:
        return _empty(title, "No records yet")
    grid = table.pivot(index="field", columns="channel", values="completeness")
    grid = grid.reindex([f for f in table["field"].drop_duplicates()])
    fig, ax = _figure(max(5, 1.2 * grid.shape[1] + 2), 0.45 * len(grid) + 1.6)
    image = ax.imshow(grid.to_numpy(dtype=float), vmin=0, vmax=1, cmap="RdYlGn", aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(grid)), grid.index)
    for (i, j), value in pd.DataFrame(grid.to_numpy()).stack().items():
        ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=8)
    fig.colorbar(image, ax=ax, format=lambda v, _: f"{v:.0%}")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def trend_chart(report: QualityReport) -> Figure:
    """Quality score, duplicate rate and reachability per day.

    Example:
        >>> from workbench.quality.measures import quality_report
        >>> trend_chart(quality_report(pool))
        <Figure size 800x360 with 1 Axes>
    """
    title = "Quality over time 质量趋势"
    trend = report.trend
    if trend.empty:
        return _empty(title, "No batches yet")
    fig, ax = _figure(8, 3.6)
    days = pd.to_datetime(trend["day"])
    for column, label, style in (
        ("score", "quality score 质量分", "o-"),
        ("reachability", "reachability 可触达率", "s--"),
        ("duplicate_rate", "duplicate rate 重复率", "^-."),
    ):
        values = pd.to_numeric(trend[column], errors="coerce")
        if values.notna().any():
            ax.plot(days, values, style, label=label)
    ax.axhline(0.9, color="grey", linewidth=0.8, linestyle=":", label="90% gate")
    if len(days) == 1:  # one day alone would be drawn on an axis of years
        ax.set_xlim(days.iloc[0] - pd.Timedelta(days=3), days.iloc[0] + pd.Timedelta(days=3))
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(title if report.has_clusters else title + " (no clusters yet: no duplicate rate)")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def batch_scores_chart(report: QualityReport) -> Figure:
    """Quality score of every batch, one line per channel, against the gate threshold.

    Example:
        >>> from workbench.quality.measures import quality_report
        >>> batch_scores_chart(quality_report(pool))
        <Figure size 800x360 with 1 Axes>
    """
    title = "Batch quality score by channel 批次质量分"
    batches = report.batches.dropna(subset=["score"])
    if batches.empty:
        return _empty(title, "No scored batches yet")
    fig, ax = _figure(8, 3.6)
    for channel, rows in batches.groupby("channel"):
        ax.plot(rows["batch_id"], rows["score"], "o-", label=str(channel))
    ax.axhline(0.9, color="grey", linewidth=0.8, linestyle=":", label="90% gate")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("batch")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def reachability_chart(report: QualityReport) -> Figure:
    """Reachability and duplicate rate per channel, as bars.

    Example:
        >>> from workbench.quality.measures import quality_report
        >>> reachability_chart(quality_report(pool))
        <Figure size ...x360 with 1 Axes>
    """
    title = "Reachability by channel 渠道可触达率"
    channels = report.channels.dropna(subset=["reachability"])
    if channels.empty:
        return _empty(title, "No records yet")
    fig, ax = _figure(max(5, 1.1 * len(channels) + 2), 3.6)
    x = range(len(channels))
    ax.bar([i - 0.2 for i in x], channels["reachability"].astype(float), width=0.4,
           label="reachability 可触达率")
    duplicates = pd.to_numeric(channels["duplicate_rate"], errors="coerce")
    if duplicates.notna().any():
        ax.bar([i + 0.2 for i in x], duplicates.fillna(0), width=0.4,
               label="duplicate rate 重复率")
    ax.set_xticks(list(x), channels["channel"], rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def all_charts(report: QualityReport) -> dict[str, Figure]:
    """Every chart of the report, by name."""
    return {
        "completeness": completeness_chart(report),
        "trend": trend_chart(report),
        "batch_scores": batch_scores_chart(report),
        "reachability": reachability_chart(report),
    }


def to_svg(fig: Figure) -> str:
    """A figure as SVG text, Chinese kept as text for the browser to draw."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    return buffer.getvalue()
