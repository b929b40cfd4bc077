"""The standalone contract: a file in, one cluster id per row out; and the hard cases."""

import pandas as pd
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.errors import InputError
from workbench.linkage.standalone import dedupe_file, dedupe_frame
from workbench.testdata.generate import generate_leads, generate_people

# Hand-made hard cases, added to generated leads so that the model trains on realistic data.
# (case id, records as (name, phone, email, wechat, company, city, title), same person?)
HARD_CASES = [
    ("phone change", [
        ("欧阳明轩", "13811112222", "mingxuan.oy@163.com", "", "华为技术有限公司", "深圳", "经理"),
        ("欧阳明轩", "13933334444", "mingxuan.oy@163.com", "", "华为技术有限公司", "深圳", "经理"),
    ], True),
    ("two 张伟 at different companies", [
        ("张伟", "13566667777", "", "", "腾讯科技有限公司", "深圳", "工程师"),
        ("张伟", "13788889999", "", "", "阿里巴巴集团", "杭州", "销售"),
    ], False),
    ("colleagues behind one switchboard", [
        ("司马远航", "0755-86001234", "", "", "比亚迪股份有限公司", "深圳", "采购"),
        ("诸葛晓琳", "0755-86001234", "", "", "比亚迪股份有限公司", "深圳", "财务"),
    ], False),
    # 021-62345678 is given by four names (see BACKGROUND): a switchboard, no one's own.
    ("one name twice behind a busy switchboard", [
        ("南宫静怡", "021-62345678", "", "", "", "上海", "采购"),
        ("南宫静怡", "021 6234 5678", "", "", "", "", ""),
    ], True),
    ("colleagues behind a busy switchboard", [
        ("东郭子墨", "021-62345678", "", "", "", "上海", "采购"),
        ("西门长风", "021-62345678", "", "", "", "上海", "采购"),
    ], False),
    ("pinyin and Chinese name", [
        ("上官婉清", "13612345670", "", "", "", "上海", ""),
        ("Shangguan Wanqing", "136 1234 5670", "", "", "", "上海", ""),
    ], True),
    ("a record with only a WeChat ID", [
        ("东方既白", "13698761432", "", "", "小米科技", "北京", ""),
        ("东方既白", "", "", "13698761432", "", "", ""),
    ], True),
    ("placeholder phone shared by strangers", [
        ("慕容雪", "13800138000", "", "", "", "成都", ""),
        ("皇甫松", "13800138000", "", "", "", "成都", ""),
    ], False),
    ("pinyin e-mail user name shared by namesakes", [
        ("王伟", "15011112222", "wei.wang@qq.com", "", "星辰贸易有限公司", "广州", "经理"),
        ("王伟", "15233334444", "wei.wang@163.com", "", "宏达物流有限公司", "南京", "司机"),
    ], False),
]
HEADERS = ["姓名", "手机号", "邮箱", "微信号", "公司名称", "城市", "职位"]
# Records in the file that no case asserts on.
BACKGROUND = [("百里明月", "021-62345678", "", "", "", "上海", "")]


@pytest.fixture(scope="module")
def hard_case_clusters():
    leads = generate_leads(1200, seed=11)
    base = leads.rename(columns={"name": "姓名", "phone": "手机号", "email": "邮箱",
                                 "wechat": "微信号", "company": "公司名称", "city": "城市",
                                 "title": "职位"})[["lead_id", *HEADERS]]
    rows = []
    for case, records, _ in HARD_CASES:
        for i, values in enumerate(records):
            rows.append({"lead_id": f"{case}/{i}", **dict(zip(HEADERS, values, strict=True))})
    for i, values in enumerate(BACKGROUND):
        rows.append({"lead_id": f"background/{i}", **dict(zip(HEADERS, values, strict=True))})
    frame = pd.concat([base, pd.DataFrame(rows)], ignore_index=True)
    frame = frame.astype(object).where(frame.notna() & (frame != ""), None)
    clusters, pairs = dedupe_frame(frame, id_column="lead_id", seed=3)
    return clusters.set_index("lead_id")["cluster_id"], pairs, leads


@pytest.mark.slow
@pytest.mark.parametrize("case,records,same", HARD_CASES, ids=[c[0] for c in HARD_CASES])
def test_hard_cases(hard_case_clusters, case, records, same):
    clusters, _, _ = hard_case_clusters
    ids = [clusters[f"{case}/{i}"] for i in range(len(records))]
    assert (len(set(ids)) == 1) is same


@pytest.mark.slow
def test_generated_leads_are_deduplicated_well(hard_case_clusters):
    clusters, pairs, leads = hard_case_clusters
    truth = leads.set_index("lead_id")["entity_id"]
    frame = pd.DataFrame({"cluster": clusters.reindex(truth.index), "entity": truth})

    def pair_set(col):
        m = frame.reset_index().merge(frame.reset_index(), on=col)
        return set(zip(m["lead_id_x"], m["lead_id_y"], strict=True)) - {
            (a, a) for a in frame.index}

    found, true = pair_set("cluster"), pair_set("entity")
    precision = len(found & true) / len(found)
    recall = len(found & true) / len(true)
    assert precision > 0.97
    assert recall > 0.8
    assert set(pairs.columns) == {"id_l", "id_r", "match_probability", "match_weight"}
    assert pairs["match_probability"].between(0, 1).all()


@pytest.mark.slow
def test_people_file_through_the_cli(tmp_path):
    people = generate_people(800, seed=5)
    path = tmp_path / "people.xlsx"
    people.drop(columns=["entity_id"]).to_excel(path, index=False)
    out, pairs_out = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    result = CliRunner().invoke(main, ["dedupe", str(path), "--out", str(out), "--pairs",
                                       str(pairs_out), "--id-column", "rec_id"])
    assert result.exit_code == 0, result.output
    clusters = pd.read_csv(out, dtype=str)
    assert list(clusters.columns) == ["rec_id", "cluster_id"]
    assert clusters["rec_id"].tolist() == people["rec_id"].tolist()
    merged = clusters.assign(entity=people["entity_id"].to_numpy())
    # Each true person in one cluster, each cluster one person (a few misses allowed).
    split = (merged.groupby("entity")["cluster_id"].nunique() > 1).sum()
    mixed = (merged.groupby("cluster_id")["entity"].nunique() > 1).sum()
    assert split <= 0.02 * merged["entity"].nunique()
    assert mixed == 0
    scored = pd.read_csv(pairs_out, dtype={"id_l": str, "id_r": str})
    assert list(scored.columns) == ["id_l", "id_r", "match_probability", "match_weight"]
    assert set(scored["id_l"]) <= set(people["rec_id"])


# --- bad input and trivial files ----------------------------------------------------------------

def _write(tmp_path, text, name="in.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_id_column_names_the_columns(tmp_path):
    path = _write(tmp_path, "姓名,手机号\n张三,13812345678\n李四,13912345678\n")
    with pytest.raises(InputError) as err:
        dedupe_file(path, tmp_path / "out.csv")
    assert "lead_id" in str(err.value) and "手机号" in str(err.value)


def test_duplicate_ids_are_refused(tmp_path):
    path = _write(tmp_path, "lead_id,姓名,手机号\nA1,张三,13812345678\nA1,李四,13912345678\n")
    with pytest.raises(InputError, match="duplicate ids: A1"):
        dedupe_file(path, tmp_path / "out.csv")


def test_empty_file_is_refused(tmp_path):
    path = _write(tmp_path, "")
    with pytest.raises(InputError):
        dedupe_file(path, tmp_path / "out.csv")


def test_one_row_is_its_own_cluster(tmp_path):
    path = _write(tmp_path, "lead_id,姓名,手机号\nA1,张三,13812345678\n")
    out = tmp_path / "out.csv"
    result = dedupe_file(path, out, pairs_out=tmp_path / "pairs.csv")
    assert pd.read_csv(out, dtype=str).values.tolist() == [["A1", "1"]]
    assert result.records == 1 and result.clusters == 1
    assert pd.read_csv(tmp_path / "pairs.csv").empty


def test_small_file_links_the_same_mobile_and_keeps_strangers_apart(tmp_path):
    # Below the training size the model keeps its priors; exact identifiers still decide.
    path = _write(tmp_path, "编号,姓名,手机号,邮箱\n"
                            "1,张三,13812340099,\n"
                            "2,张三,+86 138-1234-0099,\n"
                            "3,李四,13987654321,lisi@163.com\n"
                            "4,Li Si,,lisi@163.com\n"
                            "5,王五,13711112222,\n", name="small.csv")
    out = tmp_path / "out.xlsx"
    dedupe_file(path, out, id_column="编号")
    got = pd.read_excel(out, dtype=str)
    assert list(got.columns) == ["编号", "cluster_id"]
    c = dict(zip(got["编号"], got["cluster_id"], strict=True))
    assert c["1"] == c["2"]
    assert c["3"] == c["4"]
    assert len({c["1"], c["3"], c["5"]}) == 3


def test_cli_without_out_is_a_usage_error(tmp_path):
    path = _write(tmp_path, "lead_id,姓名,手机号\nA1,张三,13812345678\n")
    result = CliRunner().invoke(main, ["dedupe", str(path)])
    assert result.exit_code == 2
    assert "--out" in result.output
