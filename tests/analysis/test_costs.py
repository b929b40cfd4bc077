"""Channel costs: imported from real .xlsx and .csv files, kept as a history of changes; a bad
file names its row and column and changes nothing."""

from __future__ import annotations

import pytest
from support.analysis_pool import write_costs

from workbench.analysis.costs import cost_history, current_costs, import_costs, parse_month
from workbench.errors import InputError
from workbench.store.pool import Pool


@pytest.mark.parametrize(("text", "month"), [
    ("2026-03", "2026-03"), ("2026/3", "2026-03"), ("2026年3月", "2026-03"),
    ("2026-03-01 00:00:00", "2026-03"), ("2026.12", "2026-12"), ("2026-13", None),
    ("三月", None), ("", None),
])
def test_months_are_read_in_the_usual_forms(text, month):
    assert parse_month(text) == month


def _costs(pool):
    with pool.connect() as con:
        return {(r.channel, r.month): r.spend for r in current_costs(con).itertuples()}


def test_costs_keep_a_history_of_changes(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    first = import_costs(pool, write_costs(tmp_path / "成本.xlsx"))
    assert (first.rows, first.changed) == (5, 5)
    assert _costs(pool) == {("抖音", "2026-01"): 6000, ("抖音", "2026-02"): 3000,
                            ("官网", "2026-01"): 1000, ("官网", "2026-02"): 2000,
                            ("展会", "2026-03"): 5000}
    again = import_costs(pool, write_costs(tmp_path / "成本.xlsx"))
    assert (again.changed, again.event_id) == (0, None)
    # A CSV with a corrected month and a new one: only those two are appended.
    csv = tmp_path / "成本_修正.csv"
    csv.write_text("渠道,月份,投放金额\n抖音,2026-01,\"6,500元\"\n抖音,2026-02,3000\n"
                   "展会,2026年4月,1.2万\n", encoding="utf-8")
    fixed = import_costs(pool, csv, reason="财务更正")
    assert fixed.changed == 2
    assert _costs(pool)[("抖音", "2026-01")] == 6500
    assert _costs(pool)[("展会", "2026-04")] == 12000
    with pool.connect() as con:
        history = cost_history(con)
        event = con.execute("SELECT kind, reason, payload FROM events WHERE event_id = ?",
                            [fixed.event_id]).fetchall()[0]
    douyin = history[(history.channel == "抖音") & (history.month == "2026-01")]
    assert douyin["spend"].astype(float).tolist() == [6000, 6500]
    assert douyin["source_row"].tolist() == [2, 2]
    assert len(history) == 7
    assert event[0] == "channel_costs" and event[1] == "财务更正"
    assert '"before": 6000.0' in event[2] and '"after": 6500.0' in event[2]


@pytest.mark.parametrize(("rows", "row", "column", "words"), [
    ([("抖音", "2026-01", 100), ("官网", "明年", 200)], 3, "月份", "明年"),
    ([("抖音", "2026-01", 100), ("官网", "2026-02", "很多")], 3, "花费(元)", "很多"),
    ([("抖音", "2026-01", -100)], 2, "花费(元)", "-100"),
    ([("抖音", "2026-01", 100), (None, "2026-02", 100)], 3, "渠道名称", "no channel"),
    ([("抖音", "2026-01", 100), ("抖音", "2026/1", 50)], 2, None, "2026-01"),
])
def test_a_bad_costs_file_names_the_cell_and_changes_nothing(tmp_path, rows, row, column, words):
    pool = Pool(tmp_path / "pool.duckdb")
    import_costs(pool, write_costs(tmp_path / "ok.xlsx", [("展会", "2026-03", 5000)]))
    with pytest.raises(InputError) as err:
        import_costs(pool, write_costs(tmp_path / "bad.xlsx", rows))
    assert err.value.row == row and err.value.column == column
    assert words in str(err.value) and "bad.xlsx" in str(err.value)
    assert _costs(pool) == {("展会", "2026-03"): 5000}
    with pool.connect() as con:
        assert len(cost_history(con)) == 1


def test_a_file_without_a_spend_column_says_which_columns_it_has(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("渠道,月份,备注\n抖音,2026-01,好\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_costs(Pool(tmp_path / "pool.duckdb"), path)
    assert "花费" in str(err.value) and "备注" in str(err.value)
