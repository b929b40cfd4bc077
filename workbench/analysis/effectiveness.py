"""Channel effectiveness over golden leads, per channel and month: the table marketing moves
budget with.

Each person (golden lead) is attributed to channels by the chosen rule (`ATTRIBUTIONS`):
wholly to the first or the last channel they came from, or an equal share to each. A person
counts in the month of the attributed touch. Per channel and month:

- 线索数 leads: attributed people; 新客户数 new customers: those of them who converted
  (status 已转化 or at least one order);
- 客户获取成本 acquisition cost = the month's spend ÷ new customers;
- 转化率 conversion = new customers ÷ leads; 复购率 repeat rate = customers with ≥ 2 orders ÷
  customers; 客单价 average order value = their spend ÷ their orders; 高价值客户占比 = customers
  spending at least `high_value_amount` ÷ customers;
- 优化建议 from the declarative rules of `advice`.

With shared attribution the counts are fractional (a person from two channels is half a lead
of each); the sums over channels are still the number of people.

Example:
    table = channel_table(con, AnalysisSettings(attribution="shared"))
    chinese(table)[["渠道名称", "客户获取成本(元/人)", "优化建议"]]
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from workbench.analysis.advice import STANDARD_RULES, AdviceRule, advise
from workbench.analysis.costs import current_costs
from workbench.analysis.customers import (
    DEFAULT_SETTINGS,
    AnalysisSettings,
    customer_frame,
    since_month,
    touches,
)

TOTAL = "合计"
# The seeds' table first, then the counts it is computed from.
HEADERS: dict[str, str] = {
    "channel": "渠道名称",
    "month": "月份",
    "acquisition_cost": "客户获取成本(元/人)",
    "conversion": "转化率(%)",
    "repeat_rate": "复购率(%)",
    "order_value": "客单价(元)",
    "high_value_share": "高价值客户占比(%)",
    "advice": "优化建议",
    "leads": "线索数",
    "customers": "新客户数",
    "spend": "花费(元)",
    "orders": "订单数",
    "amount": "消费金额(元)",
}
_SUMS = ("leads", "customers", "repeaters", "high_values", "orders", "amount")


def attributed(customers: pd.DataFrame, touch: pd.DataFrame, settings: AnalysisSettings
               ) -> pd.DataFrame:
    """(lead_id, channel, month, weight) of every person's attributed touches in the period."""
    if settings.attribution == "first":
        rows = touch[touch["first"]].assign(weight=1.0)
    elif settings.attribution == "last":
        rows = touch[touch["last"]].assign(weight=1.0)
    else:
        rows = touch.assign(weight=1.0 / touch["n_channels"])
    since, until = since_month(settings.since), since_month(settings.until)
    if since:
        rows = rows[rows["month"] >= since]
    if until:
        rows = rows[rows["month"] <= until]
    rows = rows[rows["lead_id"].isin(customers["lead_id"])]
    return rows[["lead_id", "channel", "month", "weight"]].reset_index(drop=True)


def _figures(sums: pd.DataFrame) -> pd.DataFrame:
    """The ratios of the table from its additive columns."""
    out = sums.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        customers = out["customers"].where(out["customers"] > 0)
        out["acquisition_cost"] = out["spend"] / customers
        out["conversion"] = 100 * out["customers"] / out["leads"].where(out["leads"] > 0)
        out["repeat_rate"] = 100 * out["repeaters"] / customers
        out["order_value"] = out["amount"] / out["orders"].where(out["orders"] > 0)
        out["high_value_share"] = 100 * out["high_values"] / customers
    return out


def monthly_sums(con: duckdb.DuckDBPyConnection, settings: AnalysisSettings,
                 customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """The additive columns per channel and month: leads, customers, repeaters, high_values,
    orders, amount (of the customers), spend (NaN where no cost was imported)."""
    customers = customer_frame(con, settings) if customers is None else customers
    rows = attributed(customers, touches(con), settings).merge(
        customers[["lead_id", "is_customer", "repeat", "high_value", "orders", "total_amount"]],
        on="lead_id")
    w, buyer = rows["weight"], rows["is_customer"].astype(float)
    parts = pd.DataFrame({
        "channel": rows["channel"], "month": rows["month"], "leads": w,
        "customers": w * buyer, "repeaters": w * rows["repeat"].astype(float),
        "high_values": w * rows["high_value"].astype(float),
        "orders": w * buyer * rows["orders"], "amount": w * buyer * rows["total_amount"],
    })
    sums = parts.groupby(["channel", "month"], as_index=False)[list(_SUMS)].sum()
    costs = current_costs(con)
    since, until = since_month(settings.since), since_month(settings.until)
    if since:
        costs = costs[costs["month"] >= since]
    if until:
        costs = costs[costs["month"] <= until]
    sums = sums.merge(costs, on=["channel", "month"], how="outer")
    sums[list(_SUMS)] = sums[list(_SUMS)].fillna(0.0)
    return sums.sort_values(["channel", "month"]).reset_index(drop=True)


def channel_table(con: duckdb.DuckDBPyConnection, settings: AnalysisSettings = DEFAULT_SETTINGS,
                  *, by_month: bool = False, rules: tuple[AdviceRule, ...] = STANDARD_RULES,
                  customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """The effectiveness table: one row per channel (and month with `by_month`), then a
    合计 row over all channels; figures as floats (NaN where undefined), advice as text.

    Example:
        channel_table(con, AnalysisSettings(attribution="last"))[["channel", "conversion"]]
    """
    settings.validate()
    sums = monthly_sums(con, settings, customers)
    keys = ["channel", "month"] if by_month else ["channel"]
    spend_of = sums.groupby(keys)["spend"].sum(min_count=1)
    grouped = sums.groupby(keys, as_index=False)[list(_SUMS)].sum()
    grouped["spend"] = grouped.set_index(keys).index.map(spend_of).to_numpy(dtype=float)
    total = pd.DataFrame([{**{k: TOTAL if k == "channel" else "" for k in keys},
                           **{c: sums[c].sum() for c in _SUMS},
                           "spend": sums["spend"].sum(min_count=1)}])
    table = _figures(grouped)
    overall = _figures(total)
    table["advice"] = advise(table, overall.iloc[0].to_dict(), rules)
    overall["advice"] = ""
    return pd.concat([table, overall], ignore_index=True)


def chinese(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the seeds' Chinese headers, figures rounded to 2 places."""
    columns = [c for c in HEADERS if c in table.columns]
    out = table[columns].copy()
    for c in columns:
        if c not in ("channel", "month", "advice"):
            out[c] = out[c].astype(float).round(2)
    return out.rename(columns=HEADERS)
