"""The fast paths of standardise_frame agree with the one-value-at-a-time functions.

standardise_frame reduces phones and canonical dates with Arrow kernels, decides landline
shapes from phonenumbers' metadata without parsing text, and reads given names character by
character. Each of those has a slower reference (standardise_phone, phonenumbers.parse,
standardise_date, lazy_pinyin); these tests hold them together on generated leads and on
values chosen to sit at the edges.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import phonenumbers
import pytest

from workbench.fields import STANDARD_FIELDS
from workbench.ingest import regions
from workbench.ingest.standardise import (
    check_qq,
    check_short_video_id,
    check_wechat,
    clean_text,
    name_pinyin,
    standardise_age,
    standardise_amount,
    standardise_date,
    standardise_datetime,
    standardise_frame,
    standardise_gender,
    standardise_id_number,
    standardise_name,
    standardise_phone,
)
from workbench.ingest.standardise.companies import _LEGAL_SUFFIX, _may_end_in_suffix, _strip_region
from workbench.ingest.standardise.dates import _date_series
from workbench.ingest.standardise.emails import _email_one
from workbench.ingest.standardise.names import _given_pinyin, _given_pinyin_slow
from workbench.ingest.standardise.phones import (
    _cn_number_type,
    _national_shape_type,
    _parsed_shape_type,
)
from workbench.ingest.standardise.places import _address
from workbench.ingest.standardise.text import _clean_array, _clean_exact
from workbench.ingest.validate import validate_frame
from workbench.testdata.generate import generate_leads


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    frame = generate_leads(6000, seed=11)
    raw = frame[[c for c in frame.columns if c in STANDARD_FIELDS]].astype(object)
    return raw.where(raw != "", None)


# Cells the generator does not make: Unicode digits and spaces, control characters that
# Python's \s knows and Arrow's does not, several numbers, extensions, scientific notation.
EDGE_PHONES = [
    "１３８１２３４５６７８", "138\x0b1234\x1c5678", "138\u30001234\u00a05678", "١٣٨١٢٣٤٥٦٧٨",
    "13812345678.0", "1.3812345678E+10", "1.38123E+10", "0086 138 1234 5678", "86 13812345678",
    "8613812345678", "(010)12345678", "010-12345678转123", "0755 8888 8888 ext 12",
    "400-800-1234", "800 810 1234", "95588", "12345", "0000000", "138 1234 5678 / 010-12345678",
    "13812345678 13987654321", "手机13812345678", "tel:13812345678", "+1 415 555 0100",
    "11808 010 12345678", "1795101012345678", "1259310123456", "0\n13812345678", "--", "暂无",
    "021-6123 4567", "0571-8888888", "0898-66666666", "+852 9123 4567",
]


def test_phone_frame_agrees_with_standardise_phone(leads):
    values = list(dict.fromkeys([*leads["phone"].dropna(), *EDGE_PHONES]))
    std = standardise_frame(pd.DataFrame({"phone": values}))
    for value, phones, phone, kind in zip(
        values, std["phones"], std["phone"], std["phone_type"], strict=True
    ):
        slow = standardise_phone(value)
        assert (phones or []) == slow, value
        assert (phone is None) == (not slow), value
        assert kind != "invalid" or not slow, value


def test_landline_shapes_agree_with_parsing():
    # Every 2- and 3-digit start at every length a plain number can have, and 4-digit starts
    # of the carrier-like and service ranges, where parsing does extra work.
    starts = [str(i) for i in range(10, 1000)] + [str(i) for i in range(1100, 1300)]
    starts += [str(i) for i in range(1790, 1800)] + [str(i) for i in range(4000, 4010)]
    keys = {
        (start + "5" * 12)[:size] for start in starts for size in range(7, 13)
        if len(start) <= size
    }
    helper = getattr(phonenumbers.phonenumberutil, "_number_type_helper", None)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    for key in sorted(keys):
        assert _national_shape_type(key) == _parsed_shape_type(key), key
        if helper is not None:
            assert _cn_number_type(key) == helper(key, metadata), key


# Common given-name characters, and pairs that are words in pypinyin's phrase table
# (长江, 朝阳, 重庆, 银行), where reading character by character would go wrong.
NAME_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌晓宇浩然子轩梓涵欣怡"
    "长江朝阳重庆银行乐曾单解行朴查区种都宁藏曲翟薄"
)


def test_given_name_pinyin_agrees_with_pypinyin(leads):
    given = {name[1:] for name in leads["name"].dropna() if len(name) > 1}
    given |= set(NAME_CHARACTERS)
    given |= {a + b for a, b in itertools.product(NAME_CHARACTERS, repeat=2)}
    given |= {"长江水", "朝阳区", "重庆人", "小·明", "A明", "明a", "〇", "𠀀明"}
    for text in sorted(given):
        assert _given_pinyin(text) == _given_pinyin_slow(text), text


EDGE_DATES = [
    "2024-05-03", " 2024-05-03 ", "2024-05-03 08:30:00", "2024-02-29", "2023-02-29",
    "2024-02-30", "1900-02-29", "2000-02-29", "2999-01-01", "2999-01-01 00:00:00",
    "9999-12-31 23:59:59", "0999-01-01", "0000-01-01", "1000-01-01", "2024-05-03 24:00:00",
    "2024-05-03 23:60:00", "2024-05-03 23:59:60", "2024-13-01", "2024-00-10", "2024-05-00",
    "\u30002024-05-03\u3000", "2024-05-03\x0b", "2024-05-03  08:30:00", "2024/5/3",
    "2024年5月3日", "20240503", "45123.5", "2024-05-03T08:30:00+08:00", "明天", "暂无",
    "２０２４-０５-０３", "2024-05-03 8:30:00",
]


@pytest.mark.parametrize("with_time", [False, True])
def test_dates_agree_with_the_scalar_functions(leads, with_time):
    column = "updated_at" if with_time else "birth_date"
    values = list(dict.fromkeys([*leads[column].dropna(), *EDGE_DATES]))
    fast = _date_series(pd.Series(values, dtype=object), with_time)
    convert = standardise_datetime if with_time else standardise_date
    for value, got in zip(values, fast, strict=True):
        assert got == convert(value), value


def test_str_dtype_with_nan_gives_the_same_frame(leads):
    as_object = standardise_frame(leads)
    as_str = standardise_frame(leads.astype(pd.StringDtype("pyarrow", na_value=np.nan)))
    assert as_str.columns.equals(as_object.columns)
    for column in as_object.columns:
        left, right = as_object[column].tolist(), as_str[column].tolist()
        assert left == right, column
    assert all(pd.api.types.is_object_dtype(dtype) for dtype in as_object.dtypes)


def test_validate_leaves_the_standardised_frame_alone(leads):
    std = standardise_frame(leads.head(500))
    before = std.copy(deep=True)
    frame, _ = validate_frame(std)
    assert list(std.columns) == list(before.columns)
    pd.testing.assert_frame_equal(std, before)
    # The new columns belong to the result only; writing to them leaves std as it was.
    frame.loc[frame.index[0], "phone_status"] = "changed"
    assert "phone_status" not in std.columns


# Whitespace that Python's \s knows and Arrow's does not (\v, \x1c-\x1f, \x85, \u2028), spaces
# NFKC turns into ASCII, placeholders in several spellings, and plain ASCII.
EDGE_TEXTS = [
    "abc", "  a  b  ", "a\tb\nc", "a\x0bb", "\x1cabc\x1f", "a\x85b", "a\u2028b", "a\u00a0b",
    "\u3000ａｂｃ\u3000", "N/A", " n/a ", "--", "-", "暂无", " NULL ", "None", "nan", "?", "？",
    "", " ", "\x0b", "zhang_wei88", "ZHANG-wei", "12345678@QQ.COM", "1.2万", "¥1,234.50元",
    "35岁", "35.0", "Female", "先生", "11010519491231002x", "110105491231002", "@Dy_Shop.01",
    "518000.0", "+86 138 1234 5678",
]


def test_clean_exact_agrees_with_clean_text():
    values = np.array(EDGE_TEXTS + [None], dtype=object)
    assert _clean_exact(values).tolist() == [clean_text(v) for v in values]


def test_clean_exact_agrees_with_clean_text_on_every_bmp_character():
    # Alone, inside a word and around one: NFKC may turn a character into spaces (¨ → " ̈").
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    values = np.array(chars + [f"a{c}b" for c in chars] + [f"{c}{c}x{c}" for c in chars], object)
    assert _clean_exact(values).tolist() == [clean_text(v) for v in values]


EDGE_EMAILS = [
    "Zhang.Wei@Example.COM", " mailto:a@b.cn ", "<a@b.cn>", "MAILTO:<a.b@c.io>", "a@b", "a@@b.cn",
    "a b@c.cn", "zhang@qq。com", "张伟@qq.com", "a@b.cn\x0b", "\x1ca@b.cn", "a@b.cn\u2028",
    "ａ@ｂ.ｃｎ", "first.last+tag@sub.example.co.uk", "x@y.z", "x@y.toolongtldtoolongtldtoolong",
    "-@-.cn", "a@-b.cn", "a@b-.cn", "a..b@c.cn", ".a@b.cn", "暂无",
]


def test_email_frame_agrees_with_python(leads):
    values = list(dict.fromkeys([*leads["email"].dropna(), *EDGE_EMAILS]))
    std = standardise_frame(pd.DataFrame({"email": values}))
    cleaned = _clean_array(np.array(values, dtype=object)).to_pylist()
    expected = [None if c is None else _email_one(c) for c in cleaned]
    assert std["email"].tolist() == expected
    parts = [e.rsplit("@", 1) if e else (None, None) for e in expected]
    assert std["email_local"].tolist() == [p[0] for p in parts]
    assert std["email_domain"].tolist() == [p[1] for p in parts]


@pytest.mark.parametrize(
    ("field", "scalar"),
    [
        ("name", standardise_name), ("address", _address),
        ("wechat", check_wechat), ("qq", check_qq), ("douyin", check_short_video_id),
        ("kuaishou", check_short_video_id), ("id_number", standardise_id_number),
        ("gender", standardise_gender), ("age", standardise_age), ("amount", standardise_amount),
    ],
)
def test_cleaned_fields_agree_with_the_scalar_functions(leads, field, scalar):
    values = list(dict.fromkeys([*leads[field].dropna(), *EDGE_TEXTS]))
    std = standardise_frame(pd.DataFrame({field: values}))
    assert std[field].tolist() == [scalar(v) for v in values]
    if field == "name":
        assert std["name_pinyin"].tolist() == [name_pinyin(scalar(v)) for v in values]


EDGE_COMPANIES = [
    "深圳市华为技术有限公司", "华为技术有限公司深圳分公司", "腾讯科技（深圳）有限公司", "誉源",
    "北京", "北京市", "北京 ", "上海浦东发展银行", "Acme Co., Ltd.", "ACME LIMITED", "Foo Inc",
    "Foo GmbH ,", "Bar Corp.", "Bar Corporation", "Lımıted", "ACME CO", "阿里巴巴集团", "某某工作室",
    "某某律师事务所.", "老王商行 ", "广东省广州市白云区某某", "中国平安", "…", "", " ", "有限公司",
]


def _strip_region_reference(core: str, at_start: bool) -> str:
    for size in sorted({len(n) for n in regions.COMPANY_REGION_NAMES}, reverse=True):
        if len(core) - size < 2:
            continue
        part = core[:size] if at_start else core[-size:]
        if part in regions.COMPANY_REGION_NAMES:
            return core[size:] if at_start else core[:-size]
    return core


def test_company_shortcuts_agree_with_the_full_patterns(leads):
    values = list(dict.fromkeys([*leads["company"].dropna(), *EDGE_COMPANIES]))
    cores = values + [v[:-4] for v in values] + [v[3:] for v in values]
    for core in cores:
        if not _may_end_in_suffix(core):
            assert _LEGAL_SUFFIX.sub("", core) == core, core
        for at_start in (True, False):
            assert _strip_region(core, at_start) == _strip_region_reference(core, at_start), core
