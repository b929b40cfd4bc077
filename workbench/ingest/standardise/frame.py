"""Assembling a standardised frame from a text frame of leads: every field over its
distinct values, then the fields that fill each other (name parts, region, ID number)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from workbench.fields import DERIVED_COLUMNS, HELPER_FIELDS, STANDARD_FIELDS
from workbench.ingest import regions
from workbench.ingest.standardise.companies import _company_columns
from workbench.ingest.standardise.dates import _date_series
from workbench.ingest.standardise.emails import _email_columns
from workbench.ingest.standardise.identifiers import (
    _age,
    _amount,
    _gender,
    _id_number,
    id_birth_gender,
)
from workbench.ingest.standardise.names import _CJK, _name_columns
from workbench.ingest.standardise.phones import _phone_columns
from workbench.ingest.standardise.places import (
    _address_cleaned,
    _address_region,
    _postcode_cleaned,
    standardise_city,
    standardise_province,
)
from workbench.ingest.standardise.social import _qq, _short_video_id, _wechat
from workbench.ingest.standardise.text import (
    _cleaned,
    _gc_paused,
    _none_if_nan,
    _per_cleaned,
    _per_distinct,
    _per_value,
    _spread,
    clean_text,
)

_SIMPLE_FIELDS: dict[str, Callable[[pd.Series], dict]] = {
    "wechat": _per_cleaned(_wechat, "wechat"),
    "qq": _per_cleaned(_qq, "qq"),
    "douyin": _per_cleaned(_short_video_id, "douyin"),
    "kuaishou": _per_cleaned(_short_video_id, "kuaishou"),
    "title": _cleaned("title"),
    "address": _per_cleaned(_address_cleaned, "address"),
    "postcode": _per_cleaned(_postcode_cleaned, "postcode"),
    "id_number": _per_cleaned(_id_number, "id_number"),
    "gender": _per_cleaned(_gender, "gender"),
    "age": _per_cleaned(_age, "age"),
    "amount": _per_cleaned(_amount, "amount"),
    "owner": _cleaned("owner"),
    "remark": _cleaned("remark"),
    "channel": _cleaned("channel"),
    "province": _per_value(standardise_province, "province"),
    "city": _per_value(standardise_city, "city"),
    "birth_date": lambda v: {"birth_date": _date_series(v, False)},
    "updated_at": lambda v: {"updated_at": _date_series(v, True)},
    "phone": _phone_columns,
    "email": _email_columns,
    "name": _name_columns,
    "company": _company_columns,
}

log = logging.getLogger(__name__)


def _raw_column(raw: pd.DataFrame, field: str) -> np.ndarray:
    """The field's raw values as an object array with None for missing (None or NaN)."""
    if field not in raw.columns:
        return np.full(len(raw), None, dtype=object)
    return _none_if_nan(raw[field].to_numpy(dtype=object))


def _factorized_raw(raw: pd.DataFrame, field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raw values with None for missing, codes, distinct values) of one field."""
    if field not in raw.columns:
        return np.full(len(raw), None, dtype=object), np.full(len(raw), -1), np.array([], object)
    # Factorised as it is (Arrow text is encoded without a Python string per row); the raw
    # column is then the distinct values spread back, with None for missing (None or NaN).
    codes, uniques = pd.factorize(raw[field], use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    values = np.append(uniques, None)[codes]
    return values, codes, uniques


def _is_none(values: np.ndarray) -> np.ndarray:
    return pd.isna(values)


def _assemble_name(raw: pd.DataFrame) -> pd.Series | None:
    """surname + given_name → a name (Chinese joined without a space)."""
    if not any(h in raw.columns for h in HELPER_FIELDS):
        return None
    surname = [clean_text(v) for v in _raw_column(raw, "surname")]
    given = [clean_text(v) for v in _raw_column(raw, "given_name")]
    joined = []
    for s, g in zip(surname, given, strict=True):
        parts = [p for p in (s, g) if p]
        if not parts:
            joined.append(None)
        elif all(_CJK.search(p) for p in parts):
            joined.append("".join(parts))
        else:
            # Romanised: given name first, surname in capitals so that name_family finds it.
            joined.append(" ".join([g, s.upper()] if s and g else parts))
    return np.array(joined, dtype=object) if joined else np.array([], dtype=object)


def standardise_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Standardise every standard field of a text frame of leads.

    Args:
        raw: columns named after standard fields (any subset) and the helper fields surname and
            given_name; values are str or None.

    Returns:
        A frame with the same index: for each standard field `<field>` (None when missing or
        invalid) and `<field>_raw` (as given), plus every column of `fields.DERIVED_COLUMNS`.
        All columns are object dtype holding str, list (phones) or None.

    Example:
        >>> std = standardise_frame(pd.DataFrame({"city": ["深圳"], "phone": ["12345"]}))
        >>> std.loc[0, ["city", "province", "phone", "phone_raw", "phone_type"]].tolist()
        ['深圳市', '广东省', None, '12345', 'invalid']
    """
    with _gc_paused():
        return _standardise(raw)


def _standardise(raw: pd.DataFrame) -> pd.DataFrame:
    columns: dict[str, np.ndarray] = {}
    raws: dict[str, np.ndarray] = {}
    for field in STANDARD_FIELDS:
        raws[field], codes, uniques = _factorized_raw(raw, field)
        columns.update(_spread(codes, uniques, _SIMPLE_FIELDS[field]))
    n = len(raw)
    # phone_type is "missing" for rows without any raw phone (the per-distinct spread gave None).
    columns["phone_type"][_is_none(columns["phone_type"])] = "missing"

    assembled = _assemble_name(raw)
    if assembled is not None:
        fill = _is_none(columns["name"]) & _is_none(raws["name"]) & ~_is_none(assembled)
        if fill.any():
            filled = _per_distinct(assembled[fill], _name_columns)
            for column, values in filled.items():
                columns[column][fill] = values

    # Province and city: a city fills its province, the address fills what is still missing.
    province = columns["province"]
    city = columns["city"]
    city_codes, city_names = pd.factorize(city)
    city_province = np.array(
        [regions.CITIES[c][0] for c in city_names] + [None], dtype=object
    )[city_codes]
    use_city = _is_none(province) & ~_is_none(city_province)
    province[use_city] = city_province[use_city]
    need = (_is_none(province) | _is_none(city)) & ~_is_none(columns["address"])
    if need.any():
        addr_province, addr_city = _address_region(columns["address"][need])
        p, c = province[need], city[need]
        p_missing = _is_none(p)
        p[p_missing] = addr_province[p_missing]
        # The address's city is taken only when it agrees with the province we have.
        take_city = _is_none(c) & ~_is_none(addr_city) & (p == addr_province)
        c[take_city] = addr_city[take_city]
        province[need], city[need] = p, c

    # A valid ID number fills a missing birth date and gender.
    ids = columns["id_number"]
    has_id = ~_is_none(ids)
    if has_id.any():
        birth_gender = [id_birth_gender(v) for v in ids[has_id]]
        births = np.array([b for b, _ in birth_gender], dtype=object)
        genders = np.array([g for _, g in birth_gender], dtype=object)
        for column, values in (("birth_date", births), ("gender", genders)):
            current = columns[column]
            sub = current[has_id]
            empty = _is_none(sub)
            sub[empty] = values[empty]
            current[has_id] = sub

    out: dict[str, np.ndarray] = {}
    for field in STANDARD_FIELDS:
        out[field] = columns[field]
        out[f"{field}_raw"] = raws[field]
    for column in DERIVED_COLUMNS:
        out[column] = columns[column]
    # copy=False: one block per column, not one consolidated copy of fifty object columns.
    frame = pd.DataFrame(out, index=raw.index, copy=False)
    log.debug("standardised %d rows", n)
    return frame
