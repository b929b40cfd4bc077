"""The channel table on generated data whose conversions and costs are known from the
generator: every figure against a computation straight from the generated frame."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.analysis.costs import import_costs
from workbench.analysis.customers import AnalysisSettings
from workbench.analysis.effectiveness import TOTAL, channel_table
from workbench.ingest.importer import import_file
from workbench.store.pool import Pool
from workbench.testdata.generate import (
    CONVERSION,
    add_customer_activity,
    channel_costs,
    generate_leads,
    write_costs_file,
)

HEADERS = {"phone": "手机号", "updated_at": "更新时间", "registered_at": "注册时间",
           "orders": "订单数", "total_amount": "累计消费金额", "last_order_at": "最近消费时间",
           "status": "客户状态"}


@pytest.mark.slow
def test_the_table_matches_the_generator(tmp_path):
    frame = add_customer_activity(
        generate_leads(1500, seed=5, channels=["官网表单", "线下门店", "抖音广告"]), seed=5)
    # One clean mobile per record, so that every record is stored and is its own lead.
    frame["phone"] = [f"137{i:08d}" for i in range(len(frame))]
    pool = Pool(tmp_path / "pool.duckdb")
    for channel, part in frame.groupby("channel"):
        path = tmp_path / f"{channel}.csv"
        part[list(HEADERS)].rename(columns=HEADERS).to_csv(path, index=False)
        import_file(pool, path, channel=channel, progress=False)
    costs = channel_costs(frame, seed=5)
    import_costs(pool, write_costs_file(costs, tmp_path / "costs.csv"))
    with pool.connect() as con:
        table = channel_table(con, AnalysisSettings(as_of="2025-06-30")).set_index("channel")

    bought = frame["status"] == "已转化"
    orders = pd.to_numeric(frame["orders"], errors="coerce").fillna(0)
    amount = pd.to_numeric(frame["total_amount"], errors="coerce").fillna(0)
    for channel in ["官网表单", "线下门店", "抖音广告"]:
        mine = frame["channel"] == channel
        customers = int((mine & bought).sum())
        spend = float(costs.loc[costs.channel == channel, "spend"].sum())
        row = table.loc[channel]
        assert row["leads"] == mine.sum()
        assert row["customers"] == customers
        assert row["spend"] == pytest.approx(spend)
        assert row["acquisition_cost"] == pytest.approx(spend / customers)
        assert row["repeat_rate"] == pytest.approx(
            100 * (mine & bought & (orders >= 2)).sum() / customers)
        assert row["order_value"] == pytest.approx(
            amount[mine & bought].sum() / orders[mine & bought].sum())
        assert row["high_value_share"] == pytest.approx(
            100 * (mine & bought & (amount >= 5000)).sum() / customers)
        # The generator's conversion rates show through (500 leads a channel: ± a few points).
        assert row["conversion"] == pytest.approx(100 * CONVERSION[channel], abs=6)
    assert table.loc[TOTAL, "leads"] == len(frame)
