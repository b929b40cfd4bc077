"""The channel-effectiveness table against hand computations on the pool of analysis_pool.

Hand computation (first touch): 抖音 gets P1 (4 orders, 6500 元, ≥ 2 orders, ≥ 5000) and P2
(1 order, 800); 官网 gets P3 (no order) and P4 (2 orders, 1200); 展会 gets P5 (no order).
Spend 抖音 9000, 官网 3000, 展会 5000. Last touch moves P1 to 展会 and P4 to 抖音. Shared gives
P1 a third to each of 抖音/官网/展会 and P4 half to 官网 and 抖音.
"""

from __future__ import annotations

import math

import openpyxl
import pytest
from support.analysis_pool import AS_OF

from workbench.analysis.advice import Condition, fired
from workbench.analysis.customers import AnalysisSettings
from workbench.analysis.effectiveness import HEADERS, TOTAL, channel_table, chinese
from workbench.errors import InputError
from workbench.store.workbook import write_workbook

NAN = float("nan")
FIGURES = ["leads", "customers", "spend", "acquisition_cost", "conversion", "repeat_rate",
           "order_value", "high_value_share"]
# attribution -> channel -> (leads, customers, spend, cost, conversion %, repeat %, order value,
# high-value %)
EXPECTED = {
    "first": {
        "抖音": (2, 2, 9000, 4500, 100, 50, 7300 / 5, 50),
        "官网": (2, 1, 3000, 3000, 50, 100, 600, 0),
        "展会": (1, 0, 5000, NAN, 0, NAN, NAN, NAN),
        TOTAL: (5, 3, 17000, 17000 / 3, 60, 200 / 3, 8500 / 7, 100 / 3),
    },
    "last": {
        "抖音": (2, 2, 9000, 4500, 100, 50, 2000 / 3, 0),
        "官网": (1, 0, 3000, NAN, 0, NAN, NAN, NAN),
        "展会": (2, 1, 5000, 5000, 50, 100, 1625, 100),
        TOTAL: (5, 3, 17000, 17000 / 3, 60, 200 / 3, 8500 / 7, 100 / 3),
    },
    "shared": {
        "抖音": (11 / 6, 11 / 6, 9000, 9000 / (11 / 6), 100, 100 * (5 / 6) / (11 / 6),
                (6500 / 3 + 800 + 600) / (4 / 3 + 1 + 1), 100 * (1 / 3) / (11 / 6)),
        "官网": (11 / 6, 5 / 6, 3000, 3600, 100 * (5 / 6) / (11 / 6), 100,
                (6500 / 3 + 600) / (4 / 3 + 1), 40),
        "展会": (4 / 3, 1 / 3, 5000, 15000, 25, 100, 1625, 100),
        TOTAL: (5, 3, 17000, 17000 / 3, 60, 200 / 3, 8500 / 7, 100 / 3),
    },
}


def _same(a, b) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9)


@pytest.mark.parametrize("attribution", ["first", "last", "shared"])
def test_every_figure_matches_the_hand_computation(customer_pool, attribution):
    pool, _ = customer_pool
    with pool.connect() as con:
        table = channel_table(con, AnalysisSettings(as_of=AS_OF, attribution=attribution))
    got = {r["channel"]: tuple(float(r[c]) for c in FIGURES) for r in table.to_dict("records")}
    assert set(got) == set(EXPECTED[attribution])
    for channel, expected in EXPECTED[attribution].items():
        for name, a, b in zip(FIGURES, got[channel], expected, strict=True):
            assert _same(a, b), f"{attribution} {channel} {name}: {a} != {b}"


@pytest.mark.parametrize("attribution", ["first", "last", "shared"])
def test_people_are_counted_once_whatever_the_attribution(customer_pool, attribution):
    pool, _ = customer_pool
    with pool.connect() as con:
        table = channel_table(con, AnalysisSettings(as_of=AS_OF, attribution=attribution))
    rows = table[table.channel != TOTAL]
    # Five people, three customers: the channels' shares add up to them, never to the 9 records.
    assert rows["leads"].sum() == pytest.approx(5)
    assert rows["customers"].sum() == pytest.approx(3)


def test_by_month_spend_and_cost(customer_pool):
    pool, _ = customer_pool
    with pool.connect() as con:
        table = channel_table(con, AnalysisSettings(as_of=AS_OF), by_month=True)
    rows = {(r["channel"], r["month"]): r for r in table.to_dict("records")}
    assert rows[("抖音", "2026-01")]["acquisition_cost"] == 3000  # 6000 ÷ P1, P2
    assert rows[("官网", "2026-02")]["acquisition_cost"] == 2000  # 2000 ÷ P4
    feb = rows[("抖音", "2026-02")]  # spent 3000, nobody came
    assert (feb["leads"], feb["spend"]) == (0, 3000) and math.isnan(feb["acquisition_cost"])
    assert "有花费无线索" in feb["advice"]
    assert math.isnan(rows[("官网", "2026-01")]["acquisition_cost"])  # P3 did not buy


def test_the_period_keeps_touches_and_costs_of_its_months(customer_pool):
    pool, _ = customer_pool
    with pool.connect() as con:
        table = channel_table(con, AnalysisSettings(as_of=AS_OF, since="2026-02",
                                                    until="2026-02"))
    rows = {r["channel"]: r for r in table.to_dict("records")}
    # February: P4 came first from 官网 (spend 2000); 抖音 spent 3000 on nobody new.
    assert (rows["官网"]["leads"], rows["官网"]["customers"], rows["官网"]["spend"]) == (1, 1, 2000)
    assert (rows["抖音"]["leads"], rows["抖音"]["spend"]) == (0, 3000)
    assert "展会" not in rows
    assert rows[TOTAL]["spend"] == 5000


def test_advice_follows_the_rules(customer_pool):
    pool, _ = customer_pool
    with pool.connect() as con:
        table = channel_table(con, AnalysisSettings(as_of=AS_OF, attribution="shared"))
    rows = {r["channel"]: r for r in table.to_dict("records")}
    overall = rows[TOTAL]
    # 展会 shared: cost 15000 > 1.2 × 5666.67, conversion 25 % < 0.8 × 60 %.
    assert fired(rows["展会"], overall) == ["review_targeting", "high_value"]
    assert rows["展会"]["advice"] == "成本高、转化低：复查投放定向；高价值客户多：重点维护"
    assert fired(rows["抖音"], overall) == []
    assert Condition.above("conversion", 1.2, relative=True).holds({"conversion": 73},
                                                                   {"conversion": 60})
    assert not Condition.above("conversion", 1.2, relative=True).holds({"conversion": 72},
                                                                       {"conversion": 60})


def test_the_seed_table_as_an_xlsx_sheet_with_chinese_headers(customer_pool, tmp_path):
    pool, _ = customer_pool
    with pool.connect() as con:
        table = chinese(channel_table(con, AnalysisSettings(as_of=AS_OF)))
    path = write_workbook(tmp_path / "渠道效果.xlsx", {"渠道效果": table})
    sheet = openpyxl.load_workbook(path)["渠道效果"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:7] == ["渠道名称", "客户获取成本(元/人)", "转化率(%)", "复购率(%)", "客单价(元)",
                           "高价值客户占比(%)", "优化建议"]
    douyin = dict(zip(rows[0], next(r for r in rows if r[0] == "抖音"), strict=True))
    assert (douyin["客户获取成本(元/人)"], douyin["转化率(%)"], douyin["客单价(元)"]) == (4500, 100, 1460)
    assert douyin[HEADERS["leads"]] == 2
    total = next(r for r in rows if r[0] == TOTAL)
    assert total[1] == 5666.67


def test_bad_settings_are_listed_together():
    with pytest.raises(InputError) as err:
        AnalysisSettings(attribution="middle", since="2026-13", k=1).validate()
    text = str(err.value)
    assert "middle" in text and "2026-13" in text and "k 1" in text
