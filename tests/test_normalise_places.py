"""Traditional characters, pinyin place names and English company names (issue 11, point 4)."""

import pandas as pd
import pytest

from workbench.ingest import regions
from workbench.ingest.standardise import (
    company_core,
    standardise_city,
    standardise_frame,
    standardise_province,
)


def test_traditional_company_and_address_fold_to_simplified():
    std = standardise_frame(pd.DataFrame({
        "company": ["北京字節跳動科技有限公司", "北京字节跳动科技有限公司"],
        "address": ["廣東省深圳市南山區科技園", "广东省深圳市南山区科技园"],
    }))
    assert std.loc[0, "company_core"] == std.loc[1, "company_core"] == "字节跳动科技"
    assert std.loc[0, "address"] == std.loc[1, "address"] == "广东省深圳市南山区科技园"
    # The folded address also gives its region.
    assert std["province"].tolist() == ["广东省", "广东省"]
    assert std["city"].tolist() == ["深圳市", "深圳市"]
    assert std.loc[0, "address_raw"] == "廣東省深圳市南山區科技園"


@pytest.mark.parametrize("raw", ["Beijing", "beijing shi", "BEIJING", "Beijing City", "北京", "北京市"])
def test_beijing_however_written(raw):
    assert standardise_city(raw) == "北京市"


@pytest.mark.parametrize(("raw", "city"), [
    ("Shenzhen", "深圳市"), ("Chongqing", "重庆市"), ("xiamen", "厦门市"), ("Guangzhou", "广州市"),
    ("廣州", "广州市"), ("Taizhou", None), ("Wollongong", None),
])
def test_city_in_pinyin(raw, city):
    # Taizhou is 泰州 or 台州: ambiguous, so not guessed.
    assert standardise_city(raw) == city


def test_every_city_found_by_its_own_pinyin():
    # The map is built from the regions table, not written by hand: each unambiguous key
    # gives back the city it came from.
    cities = regions._latin_cities()
    assert len(cities) > 300
    for key, full in cities.items():
        assert regions.find_city_latin(key.upper()) == full


def test_province_in_pinyin():
    assert standardise_province("Guangdong Province") == "广东省"
    assert standardise_province("guangdong sheng") == "广东省"
    assert standardise_province("廣東") == "广东省"
    assert standardise_province("nsw") is None


@pytest.mark.parametrize(("english", "chinese"), [
    ("ByteDance Ltd.", "北京字节跳动科技有限公司"),
    ("Bytedance Technology Co., Ltd.", "北京字节跳动科技有限公司"),
    ("Alibaba Group Holding Limited", "阿里巴巴集团"),
    ("Tencent", "腾讯科技有限公司"),
    ("HUAWEI TECHNOLOGIES CO., LTD.", "深圳市华为技术有限公司"),
    ("JD.com, Inc.", "北京京东世纪贸易有限公司"),
    ("Xiaomi", "小米科技有限责任公司"),
    ("Baidu, Inc.", "百度在线网络技术（北京）有限公司"),
])
def test_english_company_names_meet_chinese_ones(english, chinese):
    assert company_core(english) == company_core(chinese)


def test_unknown_english_company_keeps_its_own_core():
    assert company_core("Acme Trading Co., Ltd.") == "acme trading"
    assert company_core("Acme Trading Co., Ltd.") != company_core("ByteDance")
