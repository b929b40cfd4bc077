"""Customer segments: K-Means on standardised RFM features, described and named in plain words.

Features per customer (a golden lead who converted and has a last order): recency in days,
log(1 + orders), log(1 + total spend), each standardised to mean 0 and deviation 1. K-Means
(scikit-learn) runs with a fixed seed and several starts, and the segments are numbered by
their customers' median spend, highest first, so the same data gives the same segment ids
from run to run. The silhouette score says how well the k chosen separates them.

Each segment is named by where its median recency and spend lie against all customers' mean (the
classic RFM quadrants): 重要价值客户 (spends much, bought lately), 重要挽留客户 (spends much, not
lately), 潜力发展客户 (spends little, lately), 一般维持客户 (spends little, not lately).

Example:
    result = segment_customers(con, AnalysisSettings(k=4))
    result.silhouette, result.summary[["segment", "name", "size", "revenue_share"]]
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from workbench.analysis.customers import DEFAULT_SETTINGS, AnalysisSettings, customer_frame
from workbench.errors import InputError

FEATURES = ("recency_days", "orders", "total_amount")
SEED = 0
# Above this many customers the silhouette is computed on a sample (it is quadratic).
SILHOUETTE_SAMPLE = 10_000


@dataclass
class Segments:
    """One segmentation: each customer's segment, each segment described, the silhouette."""

    k: int
    silhouette: float
    members: pd.DataFrame  # lead_id, segment, name
    summary: pd.DataFrame  # one row per segment, described


def _features(customers: pd.DataFrame) -> np.ndarray:
    return np.column_stack([
        customers["recency_days"].astype(float).to_numpy(),
        np.log1p(customers["orders"].astype(float).to_numpy()),
        np.log1p(customers["total_amount"].astype(float).to_numpy()),
    ])


def _name(recency: float, amount: float, all_recency: float, all_amount: float) -> str:
    high = amount >= all_amount
    recent = recency <= all_recency
    if high:
        return "重要价值客户" if recent else "重要挽留客户"
    return "潜力发展客户" if recent else "一般维持客户"


def segment_customers(con: duckdb.DuckDBPyConnection,
                      settings: AnalysisSettings = DEFAULT_SETTINGS,
                      customers: pd.DataFrame | None = None) -> Segments:
    """Segment the customers into `settings.k` groups.

    Raises:
        InputError: fewer customers than k + 1 (no silhouette can be computed).
    """
    # scikit-learn is imported here: `import workbench` (and every CLI call) stays quick.
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    frame = customer_frame(con, settings) if customers is None else customers
    buyers = frame[frame["is_customer"] & frame["recency_days"].notna()].sort_values(
        "lead_id").reset_index(drop=True)
    k = settings.k
    if len(buyers) <= k:
        raise InputError(
            f"只有 {len(buyers)} 位有订单的客户, 不够分成 {k} 组 (too few customers with orders "
            f"for k = {k}).", fix=f"Choose k below {max(len(buyers), 2)} or import more orders.")
    scaled = StandardScaler().fit_transform(_features(buyers))
    model = KMeans(n_clusters=k, n_init=10, random_state=SEED).fit(scaled)
    labels = model.labels_
    if len(set(labels)) < 2:
        silhouette = float("nan")
    else:
        sample = min(len(buyers), SILHOUETTE_SAMPLE)
        silhouette = float(silhouette_score(scaled, labels, sample_size=sample,
                                            random_state=SEED))
    buyers = buyers.assign(_label=labels)
    # Stable ids: segments numbered by median spend, then median recency, highest value first.
    order = (buyers.groupby("_label")
             .agg(amount=("total_amount", "median"), recency=("recency_days", "median"))
             .sort_values(["amount", "recency"], ascending=[False, True]).index.tolist())
    number = {label: i + 1 for i, label in enumerate(order)}
    buyers["segment"] = buyers["_label"].map(number)
    # Quadrants against the mean of all customers (as RFM does): a few big spenders raise it,
    # so only segments that spend like them count as high.
    all_recency = float(buyers["recency_days"].astype(float).mean())
    all_amount = float(buyers["total_amount"].mean())
    revenue = float(buyers["total_amount"].sum()) or 1.0
    rows = []
    for segment, group in buyers.groupby("segment"):
        recency = float(group["recency_days"].astype(float).median())
        amount = float(group["total_amount"].median())
        channels = group["first_channel"].value_counts()
        main = "、".join(f"{c}({n})" for c, n in channels.head(2).items())
        name = _name(recency, amount, all_recency, all_amount)
        rows.append({
            "segment": int(segment), "name": name, "size": len(group),
            "revenue_share": 100 * float(group["total_amount"].sum()) / revenue,
            "recency_days": recency, "orders": float(group["orders"].median()),
            "total_amount": amount, "main_channels": main,
            "description": (f"{len(group)} 位客户，贡献 "
                            f"{100 * float(group['total_amount'].sum()) / revenue:.1f}% 的消费；"
                            f"通常 {recency:.0f} 天前消费过，下单 {group['orders'].median():g} "
                            f"次，累计 {amount:,.0f} 元；主要来自 {main}。"),
        })
    summary = pd.DataFrame(rows)
    # Two segments in one quadrant keep their number in the name: 重要价值客户 2.
    dup = summary["name"].duplicated(keep=False)
    summary.loc[dup, "name"] = [f"{n} {s}" for n, s in zip(summary.loc[dup, "name"],
                                                           summary.loc[dup, "segment"],
                                                           strict=True)]
    members = buyers[["lead_id", "segment"]].merge(summary[["segment", "name"]], on="segment")
    return Segments(k=k, silhouette=silhouette, members=members.sort_values("lead_id")
                    .reset_index(drop=True), summary=summary)


SUMMARY_HEADERS: dict[str, str] = {
    "segment": "分群编号", "name": "分群名称", "size": "客户数", "revenue_share": "消费占比(%)",
    "recency_days": "典型距今天数", "orders": "典型订单数", "total_amount": "典型累计消费(元)",
    "main_channels": "主要渠道", "description": "说明",
}


def chinese_summary(segments: Segments) -> pd.DataFrame:
    """The segments' summary with Chinese headers, figures rounded."""
    out = segments.summary[list(SUMMARY_HEADERS)].copy()
    for c in ("revenue_share", "recency_days", "orders", "total_amount"):
        out[c] = out[c].round(1)
    return out.rename(columns=SUMMARY_HEADERS)
