"""Golden cases for every field's standardisation, and standardise_frame's shape."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.fields import DERIVED_COLUMNS, STANDARD_FIELDS
from workbench.ingest import regions
from workbench.ingest.standardise import (
    check_qq,
    check_short_video_id,
    check_wechat,
    clean_text,
    company_core,
    name_family,
    name_pinyin,
    phone_type,
    province_city,
    standardise_age,
    standardise_amount,
    standardise_city,
    standardise_date,
    standardise_datetime,
    standardise_email,
    standardise_frame,
    standardise_gender,
    standardise_id_number,
    standardise_name,
    standardise_phone,
    standardise_province,
)

CLEAN_CASES = [
    ("  张  伟 ", "张 伟"),
    ("１３８１２３４５６７８", "13812345678"),
    ("ＡＢＣ＠ｑｑ．ｃｏｍ", "ABC@qq.com"),
    ("", None), ("-", None), ("--", None), ("/", None), ("无", None), ("暂无", None),
    ("N/A", None), ("NA", None), ("null", None), ("None", None), ("——", None), ("未知", None),
    ("　", None),  # ideographic space only
    (None, None),
]


@pytest.mark.parametrize(("raw", "expected"), CLEAN_CASES)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


PHONE_CASES = [
    ("13812345678", ["+8613812345678"]),
    ("+86 138-1234-5678", ["+8613812345678"]),
    ("008613812345678", ["+8613812345678"]),
    ("86 13812345678", ["+8613812345678"]),
    ("8613812345678", ["+8613812345678"]),
    ("(010)12345678", ["+861012345678"]),
    ("010-12345678转123", ["+861012345678"]),
    ("0755-8888 6666", ["+8675588886666"]),
    ("13812345678.0", ["+8613812345678"]),
    ("１３８１２３４５６７８", ["+8613812345678"]),
    ("1.3812345678E+10", ["+8613812345678"]),
    ("1.38123E+10", []),  # Excel kept six digits: the rest are lost
    ("13812345678/13987654321", ["+8613812345678", "+8613987654321"]),
    ("13812345678，010-12345678", ["+8613812345678", "+861012345678"]),
    ("13812345678或13987654321", ["+8613812345678", "+8613987654321"]),
    ("13812345678 13987654321", ["+8613812345678", "+8613987654321"]),
    ("13812345678、13812345678", ["+8613812345678"]),  # repeated number kept once
    ("400-800-1234", ["+864008001234"]),
    ("12345", []),
    ("12888184717", []),  # 12x is no mobile prefix
    ("abc", []),
    ("暂无", []),
]


@pytest.mark.parametrize(("raw", "expected"), PHONE_CASES)
def test_standardise_phone(raw, expected):
    assert standardise_phone(raw) == expected


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+8613812345678", "mobile"), ("+861012345678", "landline"),
        ("+864008001234", "special"), ("+868008101234", "special"), ("+8612345", "invalid"),
        (None, "missing"),
    ],
)
def test_phone_type(e164, expected):
    assert phone_type(e164) == expected


PHONE_FRAME_CASES = [
    # raw, phone, phone_type, phones, phone_last8
    ("010-12345678/13812345678", "+8613812345678", "mobile",
     ["+861012345678", "+8613812345678"], "12345678"),
    ("0755-88886666", "+8675588886666", "landline", ["+8675588886666"], "88886666"),
    ("400 800 1234", "+864008001234", "special", ["+864008001234"], "08001234"),
    ("138-1234-5679", "+8613812345679", "mobile", ["+8613812345679"], "12345679"),
    ("12345", None, "invalid", None, None),
    (None, None, "missing", None, None),
]


def test_phone_columns_in_frame():
    raw = pd.DataFrame({"phone": [case[0] for case in PHONE_FRAME_CASES]})
    std = standardise_frame(raw)
    for i, (_, phone, kind, phones, last8) in enumerate(PHONE_FRAME_CASES):
        assert std.loc[i, "phone"] == phone
        assert std.loc[i, "phone_type"] == kind
        assert std.loc[i, "phones"] == phones
        assert std.loc[i, "phone_last8"] == last8


EMAIL_CASES = [
    ("Zhang.Wei@Example.COM", "zhang.wei@example.com"),
    ("mailto:li@qq.com", "li@qq.com"),
    (" ＬＩ＠ＱＱ．ＣＯＭ ", "li@qq.com"),
    ("wang@163。com", "wang@163.com"),
    ("<a_b+c@mail.sina.com.cn>", "a_b@mail.sina.com.cn"),  # the plus tag dropped
    ("zhang wei@qq.com", None),
    ("zhang@qq", None),
    ("@qq.com", None),
    ("zhang@@qq.com", None),
    ("张伟@qq.com", None),
    ("zhang@qq..com", None),
    ("无", None),
]


@pytest.mark.parametrize(("raw", "expected"), EMAIL_CASES)
def test_standardise_email(raw, expected):
    assert standardise_email(raw) == expected


def test_email_parts_in_frame():
    std = standardise_frame(pd.DataFrame({"email": ["Zhang.Wei@Example.COM", "bad@", None]}))
    assert std["email_local"].tolist() == ["zhang.wei", None, None]
    assert std["email_domain"].tolist() == ["example.com", None, None]
    assert std["email_raw"].tolist() == ["Zhang.Wei@Example.COM", "bad@", None]


NAME_CASES = [
    # raw, name, pinyin, family
    ("张 伟", "张伟", "zhang wei", "张"),
    (" 王先生 ", "王", "wang", "王"),
    ("李女士", "李", "li", "李"),
    ("张总", "张", "zhang", "张"),
    ("刘经理", "刘", "liu", "刘"),
    ("陈老师", "陈", "chen", "陈"),
    ("欧阳娜娜", "欧阳娜娜", "ou yang na na", "欧阳"),
    ("诸葛亮", "诸葛亮", "zhu ge liang", "诸葛"),
    ("司马先生", "司马", "si ma", "司马"),
    ("单雄信", "单雄信", "shan xiong xin", "单"),
    ("曾国藩", "曾国藩", "zeng guo fan", "曾"),
    ("解缙", "解缙", "xie jin", "解"),
    ("Mr. Wang", "Wang", "wang", None),
    ("Ms Li", "Li", "li", None),
    ("Wei ZHANG", "Wei ZHANG", "wei zhang", "zhang"),
    ("Wei Zhang", "Wei Zhang", "wei zhang", None),
    ("张" * 51, None, None, None),
    ("13812345678", None, None, None),
    ("未知", None, None, None),
]


@pytest.mark.parametrize(("raw", "name", "pinyin", "family"), NAME_CASES)
def test_name(raw, name, pinyin, family):
    assert standardise_name(raw) == name
    assert name_pinyin(name) == pinyin
    assert name_family(name) == family


def test_surname_and_given_name_form_the_name():
    raw = pd.DataFrame(
        {
            "name": [None, "李四", None, None],
            "surname": ["张", "王", "Zhang", None],
            "given_name": ["伟", "五", "Wei", None],
        }
    )
    std = standardise_frame(raw)
    assert std["name"].tolist() == ["张伟", "李四", "Wei ZHANG", None]
    assert std["name_pinyin"].tolist() == ["zhang wei", "li si", "wei zhang", None]
    assert std["name_family"].tolist() == ["张", "李", "zhang", None]
    assert "surname" not in std.columns


COMPANY_CASES = [
    ("深圳市华为技术有限公司", "华为技术"),
    ("华为技术有限公司", "华为技术"),
    ("腾讯科技（深圳）有限公司", "腾讯科技"),
    ("阿里巴巴(中国)网络技术有限公司", "阿里巴巴网络技术"),
    ("广东美的集团股份有限公司", "美的"),
    ("北京字节跳动科技有限公司", "字节跳动科技"),
    ("上海小红书工作室", "小红书"),
    ("中国平安保险集团", "中国平安保险"),
    ("浙江吉利控股集团有限公司", "吉利控股"),
    ("华为技术有限公司深圳分公司", "华为技术"),
    ("Acme Co., Ltd.", "acme"),
    ("Foo Bar Inc.", "foo bar"),
    ("Widgets LLC", "widgets"),
    ("有限公司", None),
    ("暂无", None),
]


@pytest.mark.parametrize(("raw", "expected"), COMPANY_CASES)
def test_company_core(raw, expected):
    assert company_core(raw) == expected


REGION_CASES = [
    # province raw, city raw, address, expected province, expected city
    ("广东", "深圳", None, "广东省", "深圳市"),
    ("广东省", None, None, "广东省", None),
    (None, "深圳", None, "广东省", "深圳市"),
    ("北京", None, None, "北京市", None),
    (None, "北京", None, "北京市", "北京市"),
    ("广西", "桂林", None, "广西壮族自治区", "桂林市"),
    (None, None, "浙江省杭州市滨江区和平路952号", "浙江省", "杭州市"),
    (None, None, "上海市浦东新区建设路355号", "上海市", "上海市"),
    (None, None, "新疆乌鲁木齐市天山区", "新疆维吾尔自治区", "乌鲁木齐市"),
    (None, None, "延边州延吉市", "吉林省", "延边朝鲜族自治州"),
    ("广东省", None, "广东省深圳市南山区", "广东省", "深圳市"),
    ("浙江", None, "广东省深圳市南山区", "浙江省", None),  # disagreeing address city not taken
    (None, None, "朝阳区建国路88号", None, None),  # a district, not 朝阳市
    (None, None, "滨江区青年路87号", None, None),
    ("火星", "月亮城", None, None, None),
]


@pytest.mark.parametrize(("province", "city", "address", "want_p", "want_c"), REGION_CASES)
def test_province_city(province, city, address, want_p, want_c):
    std = standardise_frame(
        pd.DataFrame({"province": [province], "city": [city], "address": [address]})
    )
    assert std.loc[0, "province"] == want_p
    assert std.loc[0, "city"] == want_c


def test_region_data_facts():
    assert len(regions.PROVINCES) == 34
    assert len(regions.CITIES) > 330
    assert regions.find_city("苏州") == ("苏州市", "江苏省")
    assert regions.find_city("吉林") is None  # the province's name wins
    assert standardise_province("内蒙古") == "内蒙古自治区"
    assert standardise_city("延边") == "延边朝鲜族自治州"
    assert standardise_city("上海") == "上海市"
    assert province_city("深圳南山区科技园") == ("广东省", "深圳市")


DATE_CASES = [
    ("2024/5/3", "2024-05-03"),
    ("2024.05.03", "2024-05-03"),
    ("2024-5-3", "2024-05-03"),
    ("2024年5月3日", "2024-05-03"),
    ("20240503", "2024-05-03"),
    ("2024-05-03T08:30:00+08:00", "2024-05-03"),
    ("45123", "2023-07-16"),
    ("45123.5", "2023-07-16"),
    ("2024-02-30", None),
    ("2024-13-01", None),
    ("1985", None),  # a year alone is no date
    ("明天", None),
    ("", None),
]


@pytest.mark.parametrize(("raw", "expected"), DATE_CASES)
def test_standardise_date(raw, expected):
    assert standardise_date(raw) == expected


DATETIME_CASES = [
    ("2024-05-03 08:30:15", "2024-05-03 08:30:15"),
    ("2024-05-03T08:30", "2024-05-03 08:30:00"),
    ("2024/5/3 8:05", "2024-05-03 08:05:00"),
    ("2024年5月3日 8时5分", "2024-05-03 08:05:00"),
    ("45123.5", "2023-07-16 12:00:00"),
    ("2024-05-03", "2024-05-03 00:00:00"),
    ("20240503083015", "2024-05-03 08:30:15"),
    ("2024-05-03 25:00:00", None),
]


@pytest.mark.parametrize(("raw", "expected"), DATETIME_CASES)
def test_standardise_datetime(raw, expected):
    assert standardise_datetime(raw) == expected


def test_dates_in_frame_take_the_same_paths():
    raws = [case[0] for case in DATE_CASES]
    std = standardise_frame(pd.DataFrame({"birth_date": raws, "updated_at": raws}))
    assert std["birth_date"].tolist() == [case[1] for case in DATE_CASES]
    assert std["updated_at"].tolist() == [standardise_datetime(r) for r in raws]
    assert std.loc[8, "updated_at"] is None  # 2024-02-30 through the vectorised path


ID_CASES = [
    ("11010519491231002X", "11010519491231002X"),
    ("11010519491231002x", "11010519491231002X"),
    ("110105194912310021", None),  # wrong check digit
    ("110105194913310020", None),  # month 13
    ("110105491231002", "110105491231002"),  # old 15-digit form
    ("1101051949123100", None),
]


@pytest.mark.parametrize(("raw", "expected"), ID_CASES)
def test_standardise_id_number(raw, expected):
    assert standardise_id_number(raw) == expected


def test_id_number_fills_birth_date_and_gender():
    raw = pd.DataFrame(
        {
            "id_number": ["11010519491231002X", "11010519491231002X", "110105491231001", "bad"],
            "birth_date": [None, "1950-01-01", None, None],
            "gender": [None, "男", None, None],
        }
    )
    std = standardise_frame(raw)
    assert std["birth_date"].tolist() == ["1949-12-31", "1950-01-01", "1949-12-31", None]
    assert std["gender"].tolist() == ["女", "男", "男", None]
    assert std["birth_date_raw"].tolist() == [None, "1950-01-01", None, None]


SMALL_FIELD_CASES = [
    (standardise_gender, "男", "男"), (standardise_gender, "F", "女"),
    (standardise_gender, "male", "男"), (standardise_gender, "Female", "女"),
    (standardise_gender, "先生", "男"), (standardise_gender, "女士", "女"),
    (standardise_gender, "其他", None),
    (standardise_age, "35", "35"), (standardise_age, "35岁", "35"), (standardise_age, "35.0", "35"),
    (standardise_age, "200", "200"), (standardise_age, "-3", "-3"), (standardise_age, "35.5", None),
    (standardise_age, "三十", None),
    (standardise_amount, "¥1,234.50元", "1234.5"), (standardise_amount, "￥ 500", "500"),
    (standardise_amount, "-30", "-30"), (standardise_amount, "1.2万", "12000"),
    (standardise_amount, "0", "0"), (standardise_amount, "abc", None),
    (check_wechat, "Zhang_Wei88", "zhang_wei88"), (check_wechat, "wxid-abc123", "wxid-abc123"),
    (check_wechat, "13812345678", "13812345678"), (check_wechat, "138-1234-5678", "13812345678"),
    (check_wechat, "abc", None), (check_wechat, "1abcdefg", None),
    (check_wechat, "a" * 21, None), (check_wechat, "张伟wx", None),
    (check_qq, "12345678", "12345678"), (check_qq, "12345678.0", "12345678"),
    (check_qq, "12345678@qq.com", "12345678"), (check_qq, "01234567", None),
    (check_qq, "1234", None), (check_qq, "123456789012", None),
    (check_short_video_id, "dy_shop.01", "dy_shop.01"), (check_short_video_id, "@KS888", "ks888"),
    (check_short_video_id, "a", None), (check_short_video_id, "店铺", None),
    (check_short_video_id, "x" * 31, None),
]


@pytest.mark.parametrize(("func", "raw", "expected"), SMALL_FIELD_CASES)
def test_small_fields(func, raw, expected):
    assert func(raw) == expected


def test_postcode_address_and_text_fields():
    raw = pd.DataFrame(
        {
            "postcode": ["518000", "518000.0", "51800", "ABCDEF"],
            "address": ["  深圳市 南山区  科技园 ", "12", "123456", None],
            "title": ["  销售  经理 ", "-", None, "ＣＥＯ"],
            "channel": ["抖音", "官网", "展会", None],
        }
    )
    std = standardise_frame(raw)
    assert std["postcode"].tolist() == ["518000", "518000", None, None]
    assert std["address"].tolist() == ["深圳市 南山区 科技园", None, None, None]
    assert std["title"].tolist() == ["销售 经理", None, None, "CEO"]
    assert std["channel"].tolist() == ["抖音", "官网", "展会", None]


def test_frame_has_every_column_and_keeps_the_index():
    raw = pd.DataFrame(
        {"phone": ["13812345678", None, "x"], "unknown": ["a", "b", "c"]}, index=[10, 5, 7]
    )
    std = standardise_frame(raw)
    expected = [c for f in STANDARD_FIELDS for c in (f, f"{f}_raw")] + list(DERIVED_COLUMNS)
    assert list(std.columns) == expected
    assert list(std.index) == [10, 5, 7]
    assert std.loc[10, "phone"] == "+8613812345678"
    assert std.loc[7, "phone_raw"] == "x"
    # Absent input columns are all None, not NaN.
    assert std["email"].tolist() == [None, None, None]
    assert std["email_raw"].tolist() == [None, None, None]
    assert all(std[c].dtype == object for c in std.columns)


def test_empty_frame():
    std = standardise_frame(pd.DataFrame({"phone": pd.Series([], dtype=object)}))
    assert len(std) == 0
    assert "phone_type" in std.columns


def test_values_are_parsed_once_per_distinct_value_and_rows_agree():
    phones = ["+86 138-1234-5678", "010-12345678", "bad", None] * 250
    std = standardise_frame(pd.DataFrame({"phone": phones}))
    assert std["phone"].iloc[:4].tolist() == ["+8613812345678", "+861012345678", None, None]
    # Every copy of a value gets the same result as its first.
    for i in range(4):
        assert std["phone_type"].iloc[i::4].nunique(dropna=False) == 1
