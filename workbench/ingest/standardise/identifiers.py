"""Resident ID numbers, gender, age and amounts."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from workbench.ingest.standardise.text import (
    clean_text,
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@lru_cache(maxsize=100_000)
def standardise_id_number(text: str | None) -> str | None:
    """A personal ID number: a Chinese resident ID, or another country's ID kept as it is.

    A resident ID is 18 characters with a valid check digit (upper-case X) and a real birth
    day, or an old one of 15 digits. Any other value of 6–20 letters and digits with at
    least one digit (spaces and dashes dropped, upper-cased: a social security number, a
    passport) is kept as an 'other id', compared exactly and never read for a birth date or
    gender. A value of 15–18 digits that fails the resident checks is a mistyped resident ID,
    not another kind, so it is invalid; so is one character repeated (000000).

    Example:
        >>> standardise_id_number("11010519491231002x"), standardise_id_number("110105194912310021")
        ('11010519491231002X', None)
        >>> standardise_id_number("123-45-6789"), standardise_id_number("E1234567")
        ('123456789', 'E1234567')
    """
    cleaned = clean_text(text)
    return None if cleaned is None else _id_number(cleaned)


_ID_18 = re.compile(r"\d{17}[\dX]")
_ID_15 = re.compile(r"\d{15}")
_RESIDENT_LIKE = re.compile(r"\d{15,18}|\d{17}X")
_OTHER_ID = re.compile(r"(?=.*\d)[A-Z0-9]{6,20}")
_ID_NOISE = re.compile(r"[\s\-]")


def is_resident_id(number: str | None) -> bool:
    """True for a standardised Chinese resident ID (not an 'other id')."""
    return bool(number) and (_ID_18.fullmatch(number) or _ID_15.fullmatch(number)) is not None


@lru_cache(maxsize=100_000)
def _id_number(cleaned: str) -> str | None:
    number = _ID_NOISE.sub("", cleaned).upper()
    if _ID_18.fullmatch(number):
        total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
        if _ID_CHECK[total % 11] != number[17]:
            return None
        birth = number[6:14]
    elif _ID_15.fullmatch(number):
        birth = "19" + number[6:12]
    elif _RESIDENT_LIKE.fullmatch(number) or len(set(number)) == 1:
        return None
    else:
        return number if _OTHER_ID.fullmatch(number) else None
    # Eight digits as YYYYMMDD: a real day (what strptime "%Y%m%d" accepts of eight digits).
    return number if _is_birth_day(birth) else None


@lru_cache(maxsize=50_000)
def _is_birth_day(digits: str) -> bool:
    try:
        datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return True


def id_birth_gender(id_number: str | None) -> tuple[str | None, str | None]:
    """(birth date 'YYYY-MM-DD', gender 男/女) read from a valid resident ID number.

    Example:
        >>> id_birth_gender("11010519491231002X")
        ('1949-12-31', '女')
    """
    if not is_resident_id(id_number):
        return None, None
    if len(id_number) == 18:
        birth, sex_digit = id_number[6:14], id_number[16]
    else:
        birth, sex_digit = "19" + id_number[6:12], id_number[14]
    return f"{birth[:4]}-{birth[4:6]}-{birth[6:]}", ("男" if int(sex_digit) % 2 else "女")


_GENDERS = {
    "男": "男", "女": "女", "m": "男", "f": "女", "male": "男", "female": "女", "先生": "男",
    "女士": "女", "男性": "男", "女性": "女", "man": "男", "woman": "女", "小姐": "女", "1": "男",
    "2": "女",
}


def standardise_gender(text: str | None) -> str | None:
    """'男' or '女' from 男/女/M/F/male/female/先生/女士, else None.

    Example:
        >>> standardise_gender("Female"), standardise_gender("先生")
        ('女', '男')
    """
    cleaned = clean_text(text)
    return _gender(cleaned) if cleaned else None


def _gender(cleaned: str) -> str | None:
    return _GENDERS.get(cleaned.lower())


_NUMBER_NOISE = re.compile(r"[¥$,\s元块]|rmb|cny|人民币", re.IGNORECASE)


def standardise_amount(text: str | None) -> str | None:
    """A plain decimal number text: "¥1,234.50元" → '1234.5', "1.2万" → '12000'.

    Example:
        >>> standardise_amount("¥ 1,234.50 元"), standardise_amount("-30"), standardise_amount("abc")
        ('1234.5', '-30', None)
    """
    cleaned = clean_text(text)
    return None if cleaned is None else _amount(cleaned)


_AMOUNT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.IGNORECASE)


def _amount(cleaned: str) -> str | None:
    number = _NUMBER_NOISE.sub("", cleaned)
    scale = 1
    if number.endswith("万"):
        number, scale = number[:-1], 10_000
    if not _AMOUNT.fullmatch(number):
        return None
    try:
        value = Decimal(number) * scale
    except InvalidOperation:
        return None
    shown = format(value.normalize(), "f")
    return "0" if shown in ("-0", "+0") else shown


def standardise_age(text: str | None) -> str | None:
    """A whole number text: "35", "35岁", "35.0" → '35'; "35.5" or "abc" → None.

    Example:
        >>> standardise_age("35岁"), standardise_age("200"), standardise_age("三十")
        ('35', '200', None)
    """
    cleaned = clean_text(text)
    return None if cleaned is None else _age(cleaned)


_AGE = re.compile(r"([+-]?\d+)(?:\.0+)?\s*(?:岁|周岁|years?)?", re.IGNORECASE)


def _age(cleaned: str) -> str | None:
    match = _AGE.fullmatch(cleaned)
    return str(int(match.group(1))) if match else None


