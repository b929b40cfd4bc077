"""The customer fields: read under their Chinese headers, standardised, checked, and combined
by survivorship without counting one person's records twice."""

from __future__ import annotations

import pandas as pd
import pytest
from support.analysis_pool import lead_of

from workbench.ingest.customer import standardise_orders, standardise_status, standardise_tags
from workbench.ingest.headers import map_headers
from workbench.ingest.standardise import standardise_frame
from workbench.ingest.validate import validate_frame
from workbench.leads.golden import golden_leads

# (function, raw, expected)
VALUES = [
    (standardise_orders, "3", "3"), (standardise_orders, "3次", "3"),
    (standardise_orders, "2.0", "2"), (standardise_orders, "-1", None),
    (standardise_orders, "很多", None),
    (standardise_status, "成交", "已转化"), (standardise_status, "Converted", "已转化"),
    (standardise_status, "沟通中", "跟进中"), (standardise_status, "lost", "流失"),
    (standardise_status, "新", "新线索"), (standardise_status, "待定", None),
    (standardise_tags, "高价值，VIP、高价值", "高价值,VIP"), (standardise_tags, "a; b /c", "a,b,c"),
    (standardise_tags, "这是一段很长很长很长很长很长的备注而不是一个标签", None),
]


@pytest.mark.parametrize(("func", "raw", "expected"), VALUES)
def test_values_standardise(func, raw, expected):
    assert func(raw) == expected


def test_template_headers_map_to_the_customer_fields():
    headers = ["注册时间", "最近消费时间", "累计消费金额", "订单数", "客户状态", "客户标签", "订单金额"]
    found = {m.header: m.field for m in map_headers(headers)}
    assert found == {"注册时间": "registered_at", "最近消费时间": "last_order_at",
                     "累计消费金额": "total_amount", "订单数": "orders", "客户状态": "status",
                     "客户标签": "tags", "订单金额": "amount"}


def test_checks_flag_bad_customer_values():
    raw = pd.DataFrame({"phone": ["13800000001"] * 3, "orders": ["2", "两单", "1"],
                        "status": ["已成交", "考虑中", "流失"],
                        "total_amount": ["1.2万", "-5", "abc"],
                        "last_order_at": ["2026-03-01", "2999-01-01", "昨天"]})
    frame, failures = validate_frame(standardise_frame(raw))
    assert frame["orders"].tolist() == ["2", None, "1"]
    assert frame["status"].tolist() == ["已转化", None, "流失"]
    assert frame["total_amount"].tolist() == ["12000", "-5", None]
    assert frame["orders_status"].tolist() == ["ok", "invalid", "ok"]
    assert frame["status_status"].tolist() == ["ok", "invalid", "ok"]
    assert frame["total_amount_status"].tolist() == ["ok", "abnormal", "invalid"]
    assert frame["last_order_at_status"].tolist() == ["ok", "abnormal", "invalid"]
    assert not frame["rejected"].any(), "bad customer values never reject a reachable record"
    checks = set(map(tuple, failures[["field", "check"]].values.tolist()))
    assert {("orders", "valid"), ("status", "valid"), ("total_amount", "non_negative"),
            ("last_order_at", "not_future")} <= checks


def test_a_person_from_three_channels_is_counted_once(customer_pool):
    pool, ids = customer_pool
    with pool.connect() as con:
        golden = golden_leads(con).set_index("lead_id")
    p1 = golden.loc[lead_of(pool, ids["P1"])]
    # 抖音 sent P1 twice (running totals 2/3000 then 3/4000): its latest counts, once; plus
    # 官网's 1/2500. Adding every record up would give 6 orders and 9500 元.
    assert (p1["orders"], p1["total_amount"]) == ("4", "6500.00")
    assert p1["last_order_at"] == "2026-06-01 00:00:00"
    assert p1["registered_at"] == "2026-01-05 00:00:00"
    assert p1["status"] == "已转化"
    assert p1["tags"] == "展会VIP,直播粉"
    assert len(golden) == 5
    p4 = golden.loc[lead_of(pool, ids["P4"])]
    assert (p4["orders"], p4["total_amount"], p4["status"]) == ("2", "1200.00", "已转化")  # the latest record (官网 04-01) says so


def test_sums_are_not_logged_as_conflicts(customer_pool):
    pool, ids = customer_pool
    with pool.connect() as con:
        fields = {r[0] for r in con.execute(
            "SELECT field FROM conflicts WHERE lead_id = ?", [lead_of(pool, ids["P1"])]).fetchall()}
    assert "status" in fields or "registered_at" in fields
    assert not fields & {"orders", "total_amount", "tags"}


def test_customers_are_the_same_with_or_without_the_leads_cache(tmp_path):
    from support.analysis_pool import build_pool

    from workbench.analysis.customers import AnalysisSettings, customer_frame

    pool, _ = build_pool(tmp_path)
    with pool.connect() as con:
        cached = customer_frame(con, AnalysisSettings(as_of="2026-06-30"))
        con.execute("DROP TABLE leads")
        computed = customer_frame(con, AnalysisSettings(as_of="2026-06-30"))
    columns = ["lead_id", "orders", "total_amount", "last_order_at", "first_channel", "rfm"]
    assert cached[columns].equals(computed[columns])
    assert cached["orders"].tolist() == [4, 1, 2, 0, 0]
