"""Assembling a standardised frame from a text frame of leads: every field over its
distinct values, then the fields that fill each other (name parts, region, ID number)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from workbench.fields import DERIVED_COLUMNS, STANDARD_FIELDS
from workbench.ingest import customer, regions
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
    "source_id": _cleaned("source_id"),
    # Customer fields (issue 13); their own parsers are in ingest/customer.py.
    "registered_at": lambda v: {"registered_at": _date_series(v, True)},
    "last_order_at": lambda v: {"last_order_at": _date_series(v, True)},
    "orders": _per_cleaned(customer.standardise_orders, "orders"),
    "total_amount": _per_cleaned(_amount, "total_amount"),
    "status": _per_cleaned(customer.standardise_status, "status"),
    "tags": _per_cleaned(customer.standardise_tags, "tags"),
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


def _parts(raw: pd.DataFrame, fields: tuple[str, ...]) -> list[list[str]]:
    """Per row, the cleaned non-empty values of the given helper columns, in order."""
    columns = [[clean_text(v) for v in _raw_column(raw, f)] for f in fields if f in raw.columns]
    return [[v for v in row if v] for row in zip(*columns, strict=True)] if columns else \
        [[] for _ in range(len(raw))]


def _join(parts: list[str], latin: str) -> str | None:
    if not parts:
        return None
    return "".join(parts) if all(_CJK.search(p) for p in parts) else latin.join(parts)


def _assemble_name(raw: pd.DataFrame) -> np.ndarray | None:
    """surname (+ surname_2) and given_name (+ given_name_2) → a name.

    Chinese parts are joined without a space (张 + 伟 → 张伟). Romanised names become
    'Given SURNAME': the given names title-cased when given in capitals, the surname's parts
    joined by '-' and in capitals, so that name_family finds the one upper-case word.
    """
    if not any(h in raw.columns for h in _NAME_PARTS):
        return None
    surnames = _parts(raw, ("surname", "surname_2"))
    givens = _parts(raw, ("given_name", "given_name_2"))
    joined = []
    for s_parts, g_parts in zip(surnames, givens, strict=True):
        parts = s_parts + g_parts
        if not parts:
            joined.append(None)
        elif all(_CJK.search(p) for p in parts):
            joined.append("".join(parts))
        else:
            given = " ".join(g.title() if g.isupper() else g for g in g_parts)
            surname = "-".join(s_parts).upper()
            joined.append(" ".join(p for p in (given, surname) if p))
    return np.array(joined, dtype=object)


_NAME_PARTS = ("surname", "surname_2", "given_name", "given_name_2")
_ADDRESS_PARTS = ("street_number", "address_1", "address_2")
_BIRTH_PARTS = ("birth_year", "birth_month", "birth_day")
_WHOLE_NUMBER = re.compile(r"^(\d+)(?:\.0+)?$")


def _birth_text(parts: tuple[str | None, ...]) -> str | None:
    """'1980-05-03' from ('1980', '5', '3'); a part missing or not a number keeps the text
    ('1980-?-3'), which the date check then finds invalid."""
    if not any(parts):
        return None
    shown = []
    for part, width in zip(parts, (4, 2, 2), strict=True):
        number = _WHOLE_NUMBER.match(part or "")
        shown.append(number.group(1).zfill(width) if number else (part or "?"))
    return "-".join(shown)


def _with_parts(raw: pd.DataFrame) -> pd.DataFrame:
    """`raw` with `address` and `birth_date` built from their parts where the row gives none.

    The address is the street number, address line 1 and line 2 in this order (joined by a
    space, Chinese parts without one); the birth date is 'year-month-day'. The built text is
    the field's raw value, so it is standardised and checked like a value given whole.
    """
    have_address = any(f in raw.columns for f in _ADDRESS_PARTS)
    have_birth = any(f in raw.columns for f in _BIRTH_PARTS)
    if not (have_address or have_birth):
        return raw
    raw = raw.copy(deep=False)
    if have_address:
        built = np.array([_join(p, " ") for p in _parts(raw, _ADDRESS_PARTS)], dtype=object)
        _fill(raw, "address", built)
    if have_birth:
        columns = [[clean_text(v) for v in _raw_column(raw, f)] for f in _BIRTH_PARTS]
        built = np.array([_birth_text(p) for p in zip(*columns, strict=True)], dtype=object)
        _fill(raw, "birth_date", built)
    return raw


def _fill(raw: pd.DataFrame, field: str, built: np.ndarray) -> None:
    """Put `built` into raw[field] where the row has no value of its own."""
    given = _raw_column(raw, field)
    empty = np.array([clean_text(v) is None for v in given], dtype=bool)
    given[empty] = built[empty]
    raw[field] = given


def standardise_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Standardise every standard field of a text frame of leads.

    Args:
        raw: columns named after standard fields (any subset) and the helper fields of
            `fields.HELPER_FIELDS` (name, address and birth date parts); values are str or
            None.

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
    raw = _with_parts(raw)
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
