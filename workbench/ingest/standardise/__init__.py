"""Standardise raw lead values: one text form per field, plus columns linkage can compare.

`standardise_frame` takes the text frame the reader and header mapping produce and returns,
for every standard field, `<field>` (the standardised value, None when missing or invalid),
`<field>_raw` (the value as given) and the derived columns of `fields.DERIVED_COLUMNS`.
Validity is decided here: a raw value whose standardised value is None is invalid;
`validate.validate_frame` turns that into statuses.

Every field is worked on its distinct values only (many rows share a channel, a city or a
birth date), with Arrow's string kernels where a pattern covers the common shape and per-value
Python only for the rest. Each fast path gives what the one-value function gives
(tests/test_standardise_fast.py holds them together).

Example:
    >>> import pandas as pd
    >>> std = standardise_frame(pd.DataFrame({"phone": ["+86 138-1234-5678"], "name": ["王先生"]}))
    >>> std.loc[0, "phone"], std.loc[0, "name"], std.loc[0, "name_pinyin"]
    ('+8613812345678', '王', 'wang')

The package is split by field family: text (cleaning, the per-distinct machinery), phones,
emails, names, companies, places (province, city, address, postcode), dates, identifiers
(ID number, gender, age, amount), social (WeChat, QQ, Douyin, Kuaishou) and frame (the
standardised frame). Everything importers use is exported here.
"""

from __future__ import annotations

from workbench.ingest.standardise.companies import company_core
from workbench.ingest.standardise.dates import (
    parse_datetime,
    standardise_date,
    standardise_datetime,
)
from workbench.ingest.standardise.emails import standardise_email
from workbench.ingest.standardise.frame import standardise_frame
from workbench.ingest.standardise.identifiers import (
    id_birth_gender,
    standardise_age,
    standardise_amount,
    standardise_gender,
    standardise_id_number,
)
from workbench.ingest.standardise.names import name_family, name_pinyin, standardise_name
from workbench.ingest.standardise.phones import SCIENTIFIC_NUMBER, phone_type, standardise_phone
from workbench.ingest.standardise.places import (
    province_city,
    standardise_city,
    standardise_province,
)
from workbench.ingest.standardise.social import check_qq, check_short_video_id, check_wechat
from workbench.ingest.standardise.text import PLACEHOLDERS, clean_text

__all__ = [
    "PLACEHOLDERS",
    "SCIENTIFIC_NUMBER",
    "check_qq",
    "check_short_video_id",
    "check_wechat",
    "clean_text",
    "company_core",
    "id_birth_gender",
    "name_family",
    "name_pinyin",
    "parse_datetime",
    "phone_type",
    "province_city",
    "standardise_age",
    "standardise_amount",
    "standardise_city",
    "standardise_date",
    "standardise_datetime",
    "standardise_email",
    "standardise_frame",
    "standardise_gender",
    "standardise_id_number",
    "standardise_name",
    "standardise_phone",
    "standardise_province",
]
