"""Header mapping: aliases, containment, fuzzy matches, saved and given mappings."""

import pytest

from workbench.errors import InputError
from workbench.ingest.headers import (
    map_headers,
    match_header,
    normalise_header,
    parse_mapping_options,
)

CASES = [
    # header, field, how
    ("姓名", "name", "exact"),
    ("联系人", "name", "exact"),
    ("Name", "name", "exact"),
    ("手机号", "phone", "exact"),
    ("联系电话", "phone", "exact"),
    ("Mobile", "phone", "exact"),
    ("客户手机号码", "phone", "contains"),
    ("手机号码（必填）*", "phone", "exact"),
    ("ＥＭＡＩＬ", "email", "exact"),
    ("邮箱", "email", "exact"),
    ("微信号", "wechat", "exact"),
    ("QQ号", "qq", "exact"),
    ("抖音号", "douyin", "exact"),
    ("快手号", "kuaishou", "exact"),
    ("单位名称", "company", "exact"),
    ("职位", "title", "exact"),
    ("省份", "province", "exact"),
    ("城市", "city", "exact"),
    ("详细地址", "address", "exact"),
    ("来源渠道", "channel", "exact"),
    ("更新时间", "updated_at", "exact"),
    ("emial", "email", "fuzzy"),
    ("date_of_birth", "birth_date", "exact"),
    ("爱好", None, "none"),
    ("hotel", None, "none"),
]


@pytest.mark.parametrize("header, field, how", CASES)
def test_match_header(header, field, how):
    match = match_header(header)
    assert (match.field, match.how) == (field, how)
    assert 0 <= match.confidence <= 1
    if how == "fuzzy":
        assert match.confidence < 1


def test_normalise_header():
    assert normalise_header(" 手机号码（必填）* ") == "手机号码"
    assert normalise_header("E_Mail") == "e mail"


def test_each_field_taken_once_except_phone():
    matches = map_headers(["姓名", "联系人", "手机", "电话", "爱好"])
    assert [m.field for m in matches] == ["name", None, "phone", "phone", None]
    assert matches[1].how == "duplicate"


def test_given_beats_saved_beats_guess():
    matches = map_headers(
        ["电话号", "微信", "备注"],
        given={"电话号": "phone", "备注": "extra"},
        saved={"微信": "qq"},
    )
    assert [(m.field, m.how) for m in matches] == [("phone", "given"), ("qq", "saved"),
                                                   (None, "given")]


def test_unknown_field_in_mapping_is_refused():
    with pytest.raises(InputError, match="mobile_number"):
        map_headers(["电话号"], given={"电话号": "mobile_number"})


def test_parse_mapping_options():
    assert parse_mapping_options(["电话号=phone", " 单位 = company"]) == {
        "电话号": "phone", "单位": "company"}
    with pytest.raises(InputError, match="HEADER=FIELD"):
        parse_mapping_options(["电话号"])
