"""Normalisation of contacts (issue 11, point 4): one inbox per address, masked phones kept
as evidence, easy-to-remember numbers accepted, and other countries' ID numbers kept."""

import pandas as pd
import pytest

from workbench.fields import record_columns
from workbench.ingest.standardise import standardise_email, standardise_frame, standardise_id_number
from workbench.ingest.standardise.phones import is_placeholder_phone, masked_phone
from workbench.ingest.validate import validate_frame


@pytest.mark.parametrize(("raw", "inbox"), [
    ("li.lei+crm@qq.com", "li.lei@qq.com"),
    ("Li.Lei+Expo-2024@163.com", "li.lei@163.com"),
    ("li.lei@gmail.com", "lilei@gmail.com"),
    ("L.i.Lei+x@GoogleMail.com", "lilei@gmail.com"),
    ("lilei@googlemail.com", "lilei@gmail.com"),
    # Dots matter everywhere but Gmail.
    ("li.lei@qq.com", "li.lei@qq.com"),
    ("li.lei@outlook.com", "li.lei@outlook.com"),
    # A plus sign with nothing before it is no tag.
    ("+lilei@qq.com", "+lilei@qq.com"),
])
def test_email_is_its_canonical_inbox(raw, inbox):
    assert standardise_email(raw) == inbox


def test_frame_keeps_the_raw_email_and_splits_the_canonical_one():
    # Fast (ASCII, Arrow) and slow (non-ASCII, Python) paths both give the canonical inbox.
    raw = ["li.lei+crm@qq.com", "Li.Lei@GoogleMail.com", "ｌｉ．ｌｅｉ＋ｘ@gmail。com"]
    std = standardise_frame(pd.DataFrame({"email": raw}))
    assert std["email"].tolist() == ["li.lei@qq.com", "lilei@gmail.com", "lilei@gmail.com"]
    assert std["email_raw"].tolist() == raw
    assert std["email_local"].tolist() == ["li.lei", "lilei", "lilei"]
    assert std["email_domain"].tolist() == ["qq.com", "gmail.com", "gmail.com"]


@pytest.mark.parametrize("raw", [
    "139****6789", "139-****-6789", "139xxxx6789", "139 XXXX 6789", "+86 139****6789",
    "１３９＊＊＊＊６７８９",
])
def test_masked_mobile_in_one_form(raw):
    assert masked_phone(raw) == "139****6789"


@pytest.mark.parametrize("raw", ["139***6789", "139****67890", "129****6789", "13912346789", None])
def test_not_a_masked_mobile(raw):
    assert masked_phone(raw) is None


def test_masked_phone_is_evidence_not_a_contact():
    raw = pd.DataFrame({
        "phone": ["139-****-6789", "139****6789", "12345", "13912346789"],
        "email": [None, "a.b@qq.com", None, None],
    })
    records, failures = validate_frame(standardise_frame(raw))
    assert records["phone"].tolist() == [None, None, None, "+8613912346789"]
    assert records["phone_masked"].tolist() == ["139****6789", "139****6789", None, None]
    assert records["phone_type"].tolist() == ["masked", "masked", "invalid", "mobile"]
    assert records["phone_status"].tolist() == ["masked", "masked", "invalid", "ok"]
    # Alone, a masked phone reaches nobody: the record is rejected as one without a contact.
    assert records["rejected"].tolist() == [True, False, True, False]
    assert "masked" in records.loc[0, "reject_reason"]
    # A masked phone is no invalid value: only the real invalid one and the rejections fail.
    phone_failures = failures[failures["field"] == "phone"]
    assert phone_failures["value"].tolist() == ["12345"]


def test_phone_masked_is_a_record_column():
    assert record_columns()["phone_masked"] == "VARCHAR"


@pytest.mark.parametrize(("raw", "e164"), [
    ("13988886666", "+8613988886666"),
    ("18600001111", "+8618600001111"),
    ("021-55556666", "+862155556666"),
    ("400-888-8888", "+864008888888"),
    ("0755-88888888", "+8675588888888"),
])
def test_vanity_number_is_a_number(raw, e164):
    std = standardise_frame(pd.DataFrame({"phone": [raw]}))
    assert std.loc[0, "phone"] == e164
    assert not is_placeholder_phone(e164)


@pytest.mark.parametrize("e164", [
    "+8613333333333", "+8611111111111", "+8613888888888", "+8613800000000", "+8612345678901",
    "+8613812345678", "+8613800138000", "+8613987654321",
])
def test_placeholder_numbers(e164):
    assert is_placeholder_phone(e164)


@pytest.mark.parametrize(("raw", "expected"), [
    ("1804974", "1804974"),  # FEBRL's soc_sec_id
    ("123-45-6789", "123456789"),  # a US social security number
    ("e 1234 5678", "E12345678"),  # a passport
    ("110105194912310021", None),  # a resident ID with a wrong check digit stays invalid
    ("11010519491231002", None),  # 17 digits: a resident ID missing a digit
    ("000000", None),
    ("12345", None),  # too short
    ("ABCDEFG", None),  # no digit
])
def test_other_id_numbers(raw, expected):
    assert standardise_id_number(raw) == expected


def test_other_id_gives_no_birth_date_or_gender():
    std = standardise_frame(pd.DataFrame({"id_number": ["110105491231002", "123456789012"]}))
    assert std["id_number"].tolist() == ["110105491231002", "123456789012"]
    assert std["birth_date"].tolist() == ["1949-12-31", None]
    assert std["gender"].tolist() == ["女", None]
