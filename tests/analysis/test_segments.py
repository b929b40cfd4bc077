"""Segments: K-Means on RFM finds groups made to be apart, names them, and gives the same ids
from run to run."""

from __future__ import annotations

import csv

import pytest

from workbench.analysis.customers import AnalysisSettings, customer_frame
from workbench.analysis.segments import chinese_summary, segment_customers
from workbench.errors import InputError
from workbench.ingest.importer import import_file
from workbench.store.pool import Pool

AS_OF = "2026-06-30"
# group -> (how many, channel, last order, orders, total 元 of the first; each next one +1 %)
GROUPS = {
    "vip": (8, "官网", "2026-06-20", 9, 20000),
    "sleeping": (10, "抖音", "2025-09-01", 1, 300),
    "middle": (12, "展会", "2026-05-01", 3, 2000),
}


@pytest.fixture(scope="module")
def segment_pool(tmp_path_factory):
    folder = tmp_path_factory.mktemp("segments")
    pool = Pool(folder / "pool.duckdb")
    n = 0
    for group, (count, channel, last, orders, total) in GROUPS.items():
        path = folder / f"{group}.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["手机号", "订单数", "累计消费金额", "最近消费时间", "客户状态", "注册时间"])
            for i in range(count):
                n += 1
                writer.writerow([f"139{n:08d}", orders, round(total * (1 + i / 100)), last,
                                 "已转化", "2025-01-01"])
        import_file(pool, path, channel=channel)
    return pool


def test_segments_find_the_groups_and_name_them(segment_pool):
    with segment_pool.connect() as con:
        result = segment_customers(con, AnalysisSettings(as_of=AS_OF, k=3))
    summary = result.summary.set_index("segment")
    assert summary["size"].tolist() == [8, 12, 10]  # by median spend: vip, middle, sleeping
    assert summary.loc[1, "name"] == "重要价值客户"
    assert summary.loc[2, "name"] == "潜力发展客户"
    assert summary.loc[3, "name"] == "一般维持客户"
    assert summary.loc[1, "main_channels"] == "官网(8)"
    vip_revenue = sum(round(20000 * (1 + i / 100)) for i in range(8))
    revenue = vip_revenue + sum(round(300 * (1 + i / 100)) for i in range(10)) + sum(
        round(2000 * (1 + i / 100)) for i in range(12))
    assert summary.loc[1, "revenue_share"] == pytest.approx(100 * vip_revenue / revenue)
    assert summary.loc[3, "recency_days"] == 302  # 2025-09-01 to 2026-06-30
    assert result.silhouette > 0.7
    assert "官网" in chinese_summary(result)["主要渠道"].iloc[0]


def test_segment_ids_are_the_same_from_run_to_run(segment_pool):
    with segment_pool.connect() as con:
        runs = [segment_customers(con, AnalysisSettings(as_of=AS_OF, k=k)) for k in (3, 3, 4, 4)]
    assert runs[0].members.equals(runs[1].members)
    assert runs[2].members.equals(runs[3].members)
    assert runs[0].silhouette == runs[1].silhouette
    assert sorted(runs[2].summary["segment"]) == [1, 2, 3, 4]


def test_too_few_customers_for_k_is_a_clear_error(segment_pool):
    settings = AnalysisSettings(as_of=AS_OF, k=6)
    with segment_pool.connect() as con:
        few = customer_frame(con, settings).head(5)
        with pytest.raises(InputError) as err:
            segment_customers(con, settings, customers=few)
    assert "k = 6" in str(err.value) and "5" in str(err.value)
