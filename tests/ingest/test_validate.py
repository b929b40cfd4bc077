"""Statuses, reachability, rejection and the failures table of validate_frame."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from workbench.fields import CHECKED_FIELDS, record_columns
from workbench.ingest.standardise import standardise_frame
from workbench.ingest.validate import DEFAULT_CHECKS, FAILURE_COLUMNS, Check, validate_frame


def _validate(columns: dict, checks=DEFAULT_CHECKS, index=None):
    raw = pd.DataFrame(columns, index=index)
    return validate_frame(standardise_frame(raw), checks)


STATUS_CASES = [
    # field, raw value, expected status
    ("phone", "13812345678", "ok"),
    ("phone", "12345", "invalid"),
    ("phone", None, "missing"),
    ("phone", "暂无", "missing"),  # a placeholder is no value at all
    ("email", "a@b.cn", "ok"),
    ("email", "a@b", "invalid"),
    ("wechat", "zhang_wei88", "ok"),
    ("wechat", "1abc", "invalid"),
    ("qq", "0123", "invalid"),
    ("age", "35", "ok"),
    ("age", "200", "abnormal"),
    ("age", "-1", "abnormal"),
    ("age", "三十", "invalid"),
    ("amount", "100", "ok"),
    ("amount", "-50", "abnormal"),
    ("amount", "0", "ok"),
    ("birth_date", "1990-01-01", "ok"),
    ("birth_date", "2999-01-01", "abnormal"),
    ("birth_date", "1850-01-01", "abnormal"),
    ("birth_date", "2024-02-30", "invalid"),
    ("updated_at", "2999-01-01 00:00:00", "abnormal"),
    ("postcode", "51800", "invalid"),
    ("name", "张" * 51, "invalid"),
    ("province", "火星", "invalid"),
]


@pytest.mark.parametrize(("field", "raw", "status"), STATUS_CASES)
def test_status(field, raw, status):
    frame, _ = _validate({field: [raw]})
    assert frame.loc[0, f"{field}_status"] == status


def test_abnormal_value_is_kept():
    frame, _ = _validate({"age": ["200"], "amount": ["-50"], "phone": ["13812345678"]})
    assert frame.loc[0, "age"] == "200"
    assert frame.loc[0, "amount"] == "-50"
    assert not frame.loc[0, "rejected"]


REACH_CASES = [
    # columns, reachable, rejected
    ({"phone": "13812345678"}, True, False),
    ({"email": "a@b.cn"}, True, False),
    ({"wechat": "zhang_wei88"}, True, False),
    ({"qq": "12345678"}, False, False),  # can be linked, not reached
    ({"douyin": "shop_01"}, False, False),
    ({"phone": "12345", "email": "a@b"}, False, True),
    ({"name": "张伟", "company": "华为技术有限公司"}, False, True),
    ({"phone": "12345", "kuaishou": "ks_888"}, False, False),
]


@pytest.mark.parametrize(("columns", "reachable", "rejected"), REACH_CASES)
def test_reachable_and_rejected(columns, reachable, rejected):
    frame, _ = _validate({k: [v] for k, v in columns.items()})
    assert bool(frame.loc[0, "reachable"]) is reachable
    assert bool(frame.loc[0, "rejected"]) is rejected
    assert (frame.loc[0, "reject_reason"] is not None) is rejected


def test_reject_reason_names_each_contact_problem():
    frame, _ = _validate({"phone": ["12345"], "email": ["zhang@"]})
    assert frame.loc[0, "reject_reason"] == (
        "no valid contact: phone '12345' is not a valid number; "
        "email 'zhang@' is not a valid email address; "
        "wechat, qq, douyin, kuaishou missing"
    )


def test_a_number_excel_shortened_says_how_to_get_it_back():
    frame, failures = _validate({"phone": ["1.38123E+10", "12345"],
                                 "id_number": ["1.10105E+17", None]})
    hint = "Excel saved it in scientific notation and dropped digits"
    assert hint in frame.loc[0, "reject_reason"]
    assert frame.loc[0, "reject_reason"].endswith("email, wechat, qq, douyin, kuaishou missing")
    assert hint not in frame.loc[1, "reject_reason"]  # an ordinary bad number gets no hint
    by_field = failures[failures["check"] == "valid"].set_index(["row", "field"])["reason"]
    assert hint in by_field[(0, "phone")] and hint in by_field[(0, "id_number")]
    assert hint not in by_field[(1, "phone")]


def test_failures_table_rows():
    frame, failures = _validate(
        {
            "phone": ["12345", "13812345678", "13912345678"],
            "age": ["30", "200", "abc"],
            "amount": ["-5", "10", None],
        },
        index=[100, 200, 300],
    )
    assert list(failures.columns) == list(FAILURE_COLUMNS)
    got = sorted(
        failures[["row", "field", "check", "value"]].itertuples(index=False, name=None),
        key=lambda r: (r[0], r[1]),
    )
    assert got == [
        (100, "amount", "non_negative", "-5"),
        (100, "contact", "has_contact", None),
        (100, "phone", "valid", "12345"),
        (200, "age", "in_range", "200"),
        (300, "age", "valid", "abc"),
    ]
    reasons = dict(
        zip(zip(failures["row"], failures["check"], strict=True), failures["reason"], strict=True)
    )
    assert reasons[(100, "valid")] == "phone '12345' is not a valid number"
    assert reasons[(200, "in_range")] == "age '200' is outside 0–120"
    assert reasons[(100, "non_negative")] == "amount '-5' is negative"
    assert reasons[(100, "has_contact")] == frame.loc[100, "reject_reason"]


def test_frame_columns_match_the_pool_record():
    frame, failures = _validate({"email": ["a@b.cn", None]}, index=[3, 9])
    for column in record_columns():
        if column != "extra":  # the importer adds the unmapped columns
            assert column in frame.columns, column
    assert list(frame.index) == [3, 9]
    assert all(frame[f"{f}_status"].isin(["ok", "missing", "invalid", "abnormal"]).all()
               for f in CHECKED_FIELDS)
    assert frame["rejected"].tolist() == [False, True]
    assert failures["row"].tolist() == [9]


def test_no_failures_gives_an_empty_table_with_columns():
    _, failures = _validate({"phone": ["13812345678"]})
    assert failures.empty
    assert list(failures.columns) == list(FAILURE_COLUMNS)


def test_custom_checks_and_not_null():
    checks = [
        Check.valid("phone"),
        Check.not_null("name"),
        Check.custom("email", "not_test", lambda v: v.endswith("@test.com"),
                     "email '{value}' is a test address"),
        Check.not_future("birth_date", today=date(2000, 1, 1)),
    ]
    frame, failures = _validate(
        {
            "phone": ["13812345678", "13812345678"],
            "email": ["x@test.com", "x@real.cn"],
            "name": [None, "张伟"],
            "birth_date": ["2001-01-01", "1999-12-31"],
        },
        checks=checks,
    )
    assert frame["email_status"].tolist() == ["invalid", "ok"]
    assert frame["name_status"].tolist() == ["missing", "ok"]
    assert frame["birth_date_status"].tolist() == ["abnormal", "ok"]
    pairs = sorted(zip(failures["row"], failures["check"], strict=True))
    assert pairs == [(0, "not_future"), (0, "not_null"), (0, "not_test")]
    # Only the checks given ran: no age or amount checks, no valid() on email.
    assert set(failures["check"]) == {"not_future", "not_null", "not_test"}


def test_worse_status_wins():
    checks = [Check.in_range("age", 0, 120), Check.custom("age", "odd", lambda v: int(v) % 2 == 1,
                                                          "age '{value}' is odd")]
    frame, failures = _validate({"age": ["201"], "phone": ["13812345678"]}, checks=checks)
    assert frame.loc[0, "age_status"] == "invalid"
    assert sorted(failures["check"]) == ["in_range", "odd"]


def test_after_rejects_a_bad_limit():
    with pytest.raises(ValueError):
        Check.after("birth_date", "1900/01/01")
