"""The lead model: linkage input, generic values, settings by coverage, training, versions."""

import math

import pandas as pd
import pytest

from workbench.errors import LinkageError
from workbench.ingest.standardise import standardise_frame
from workbench.linkage.model import (
    LinkageModel,
    column_coverage,
    lead_blocking_rules,
    lead_settings,
    load_model,
    prepare_link_input,
    save_model,
    splink_connection,
    train_model,
)
from workbench.store.pool import Pool
from workbench.testdata.generate import generate_leads


def _link_input(raw: pd.DataFrame):
    std = standardise_frame(raw)
    std["record_id"] = range(len(std))
    con = splink_connection()
    con.register("std_df", std)
    con.execute("CREATE TABLE std AS SELECT * FROM std_df")
    prepare_link_input(con, "std", id_column="record_id")
    return con, con.execute("SELECT * FROM link_input ORDER BY unique_id").df()


# (case, raw record, column of the linkage input, expected value)
INPUT_CASES = [
    ("a mobile is kept", {"name": "张伟", "phone": "13912345670"}, "phone", "+8613912345670"),
    ("a placeholder mobile is dropped", {"name": "张伟", "phone": "13800138000"}, "phone", None),
    ("a 400 number is dropped", {"name": "张伟", "phone": "400-820-8820"}, "phone", None),
    ("a 400 number is kept as shared", {"name": "张伟", "phone": "400-820-8820"},
     "phone_shared", "+864008208820"),
    ("an own mobile is not shared", {"name": "张伟", "phone": "13912345670"}, "phone_shared",
     None),
    ("a shared inbox is kept as shared", {"name": "张伟", "email": "Info@Acme.cn"},
     "email_shared", "info@acme.cn"),
    ("a test address is dropped", {"name": "张伟", "email": "test@test.com"}, "email", None),
    ("a shared inbox is dropped", {"name": "张伟", "email": "info@acme.cn"}, "email", None),
    ("a personal address is kept", {"name": "张伟", "email": "Wei.Zhang@QQ.com"}, "email",
     "wei.zhang@qq.com"),
    ("无 is no WeChat", {"name": "张伟", "wechat": "无"}, "wechat", None),
    ("a WeChat that is a mobile", {"name": "张伟", "wechat": "13912345670"}, "wechat_phone",
     "+8613912345670"),
    ("pinyin without spaces", {"name": "张伟"}, "name_flat", "zhangwei"),
    ("name key is order-free", {"name": "Wei Zhang"}, "name_key",
     "".join(sorted("zhangwei"))),
    ("a surname alone is not a name", {"name": "张先生", "phone": "13912345670"}, "name", None),
    ("a surname alone keeps the surname", {"name": "张先生", "phone": "13912345670"},
     "name_family", "zhang"),
]


@pytest.mark.parametrize("case,record,column,expected", INPUT_CASES,
                         ids=[c[0] for c in INPUT_CASES])
def test_link_input_cases(case, record, column, expected):
    filler = {"name": "李四", "phone": "13700001111"}
    _, frame = _link_input(pd.DataFrame([record, filler], dtype=object))
    value = frame.loc[0, column]
    assert (value if isinstance(value, str) else None) == expected


def test_a_number_many_different_people_give_is_generic():
    rows = [{"name": n, "phone": "0755-86001234"} for n in ("张伟", "李娜", "王芳", "刘洋")]
    rows += [{"name": "张伟", "phone": "13912345670"}, {"name": "Zhang Wei",
                                                        "phone": "13912345670"},
             {"name": "张伟", "phone": "139 1234 5670"}]
    _, frame = _link_input(pd.DataFrame(rows, dtype=object))
    assert frame.loc[:3, "phone"].isna().all()  # a switchboard: four names
    assert (frame.loc[4:, "phone"] == "+8613912345670").all()  # one person, three spellings


def test_settings_follow_the_columns_that_hold_data():
    people = {"name_family": 1.0, "name_flat": 1.0, "name_key": 1.0, "birth_date": 0.9,
              "postcode": 0.9, "id_number": 0.5, "address": 0.8}
    comparisons = [c["output_column_name"] for c in lead_settings(people)["comparisons"]]
    assert "phone" not in comparisons and "birth_date" in comparisons
    rules = lead_blocking_rules(people)
    assert "l.id_number = r.id_number" in rules
    assert not any("phone" in r for r in rules)
    leads = {"name_family": 1.0, "name_key": 0.9, "phone_last8": 0.9, "phone": 0.9,
             "email": 0.3, "wechat": 0.2, "city": 0.9, "name_city": 0.8}
    rules = lead_blocking_rules(leads)
    assert "l.wechat_phone = r.phone" in rules and "l.phone = r.wechat_phone" in rules
    # A name never blocks alone: 张伟 alone would make blocks of thousands.
    assert "l.name_city = r.name_city" in rules and "l.name_key = r.name_key" not in rules


def test_name_blocks_are_capped():
    rows = [{"name": "王伟", "phone": f"139000{i:05d}", "city": "北京"} for i in range(70)]
    rows += [{"name": "欧阳娜娜", "phone": "13711112222", "city": "北京"},
             {"name": "欧阳娜娜", "phone": "13811112222", "city": "北京"}]
    _, frame = _link_input(pd.DataFrame(rows, dtype=object))
    assert frame.loc[:69, "name_city"].isna().all()  # 70 王伟 in 北京: too big a block
    assert frame.loc[70, "name_city"] == frame.loc[71, "name_city"] is not None


def test_nothing_to_compare_is_an_error():
    with pytest.raises(LinkageError, match="Map the file's headers"):
        lead_settings({"name_family": 0.0})


def test_threshold_as_weight():
    model = LinkageModel(settings={"comparisons": []}, threshold=0.95)
    assert model.threshold_weight == pytest.approx(math.log2(0.95 / 0.05))
    assert model.with_threshold(min_weight=10).threshold_kind == "weight"
    assert model.with_threshold(min_weight=10).threshold_weight == 10
    assert model.with_threshold(min_weight=-2).threshold_weight == -2  # a weight may be negative
    assert model.with_threshold(0.99).threshold_kind == "probability"
    assert model.with_threshold() is model


@pytest.mark.parametrize("value", [1, 1.5, 10, 0, -0.2])
def test_a_threshold_outside_0_1_is_not_taken_for_a_weight(value):
    model = LinkageModel(settings={"comparisons": []}, threshold=0.95)
    with pytest.raises(ValueError, match=f"min_weight={value:g}"):
        model.with_threshold(value)
    with pytest.raises(ValueError, match="not both"):
        model.with_threshold(0.9, min_weight=3)


@pytest.mark.slow
def test_training_is_seeded_and_versions_round_trip(tmp_path):
    raw = generate_leads(600, seed=4).drop(columns=["lead_id", "entity_id", "channel"])
    con, _ = _link_input(raw)
    first = train_model(con, seed=9)
    second = train_model(con, seed=9)
    assert first.settings["comparisons"] == second.settings["comparisons"]
    phone = next(c for c in first.settings["comparisons"] if c["output_column_name"] == "phone")
    mobile = phone["comparison_levels"][1]
    assert mobile["m_probability"] > 0.5  # learnt: duplicates mostly share their mobile
    assert first.training["em_passes"] and column_coverage(con)["phone"] > 0.5

    pool = Pool(tmp_path / "pool.duckdb")
    with pool.transaction() as pcon:
        assert load_model(pcon) is None
        v1 = save_model(pcon, first)
        v2 = save_model(pcon, first.with_threshold(0.99))
    with pool.connect(read_only=True) as pcon:
        latest, older = load_model(pcon), load_model(pcon, v1)
        with pytest.raises(LinkageError, match="no linkage model version 99"):
            load_model(pcon, 99)
    assert (v1, v2) == (1, 2)
    assert latest.threshold == 0.99 and older.threshold == first.threshold
    assert older.settings == first.settings


def test_too_few_records_to_train():
    con, _ = _link_input(pd.DataFrame([{"name": "张伟", "phone": "13912345670"}], dtype=object))
    con.execute("DELETE FROM link_input WHERE unique_id > 0")
    with pytest.raises(LinkageError, match="1 record"):
        train_model(con)


@pytest.mark.slow
def test_a_large_pool_trains_on_a_seeded_sample_with_every_labelled_record():
    raw = generate_leads(3000, seed=5).drop(columns=["lead_id", "entity_id", "channel"])
    con, frame = _link_input(raw)
    # Labelled pairs spread over the whole pool: every one must be found in the sample.
    ids = frame["unique_id"].to_numpy()
    labels = pd.DataFrame({"id_l": ids[0:400:20], "id_r": ids[1:401:20], "is_match": True})
    first = train_model(con, seed=9, sample_records=1000, labels=labels)
    second = train_model(con, seed=9, sample_records=1000, labels=labels)
    whole = train_model(con, seed=9)
    assert 800 <= first.training["trained_on"] <= 1300
    assert whole.training["trained_on"] == 3000
    assert first.training["labels"] == len(labels)
    assert first.settings["comparisons"] == second.settings["comparisons"]
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert not any("training_sample" in t for t in tables)
    # The prior of a match is a share of pairs: a sample keeps it (within sampling noise).
    ratio = (first.settings["probability_two_random_records_match"]
             / whole.settings["probability_two_random_records_match"])
    assert 0.5 < ratio < 2


def test_splink_connections_spill_into_folders_of_their_own():
    import gc
    import os

    first, second = splink_connection(), splink_connection()
    setting = "SELECT current_setting('temp_directory'), current_setting('memory_limit')"
    (a, limit), = first.execute(setting).fetchall()
    (b, _), = second.execute(setting).fetchall()
    assert a != b and os.path.isdir(a) and os.path.isdir(b)
    number, unit = limit.split()
    assert float(number) * {"MiB": 1 / 1024, "GiB": 1}[unit] < 2  # not DuckDB's 80 % of memory
    first.close()
    del first
    gc.collect()
    assert not os.path.exists(a) and os.path.isdir(b)
