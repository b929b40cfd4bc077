"""Province, city, address and postcode."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from workbench.ingest import regions
from workbench.ingest.standardise.text import (
    _FLOAT_ZEROS,
    _per_distinct,
    clean_text,
    fold_traditional,
)


def province_city(address: str | None) -> tuple[str | None, str | None]:
    """(province, city), full official names, named at the start of an address.

    Example:
        >>> province_city("深圳南山区科技园"), province_city("廣東省深圳市南山區")
        (('广东省', '深圳市'), ('广东省', '深圳市'))
    """
    return regions.parse_region(fold_traditional(clean_text(address)))


def standardise_province(text: str | None) -> str | None:
    """Full province name ("广东" → "广东省", "广西" → "广西壮族自治区"), None if unknown.

    Traditional characters are folded (廣東 → 广东省) and a pinyin name is looked up
    ("Guangdong Province" → 广东省, see `regions.find_province_latin`).

    Example:
        >>> standardise_province("广东"), standardise_province("guangdong sheng")
        ('广东省', '广东省')
    """
    cleaned = fold_traditional(clean_text(text))
    if cleaned is None:
        return None
    if cleaned.isascii():
        return regions.find_province_latin(cleaned)
    found = regions.find_province(cleaned.replace(" ", ""))
    if found is None:
        found = regions.parse_region(cleaned)[0]
    return found


def standardise_city(text: str | None) -> str | None:
    """Full city name ("深圳" → "深圳市", "北京" → "北京市"), None if unknown.

    Traditional characters are folded (廣州 → 广州市) and a pinyin name is looked up
    ("Beijing", "beijing shi", "BEIJING" → 北京市, see `regions.find_city_latin`).

    Example:
        >>> standardise_city("深圳"), standardise_city("Beijing"), standardise_city("廣州")
        ('深圳市', '北京市', '广州市')
    """
    cleaned = fold_traditional(clean_text(text))
    if cleaned is None:
        return None
    if cleaned.isascii():
        return regions.find_city_latin(cleaned)
    found = regions.find_city(cleaned.replace(" ", ""))
    if found is not None:
        return found[0]
    if cleaned.replace(" ", "") in regions.MUNICIPALITIES or regions.find_province(cleaned) in (
        regions.MUNICIPALITIES
    ):
        return regions.find_province(cleaned)
    return regions.parse_region(cleaned)[1]


def _address_region(address: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # The region sits in the first characters; distinct prefixes are far fewer than addresses.
    prefix = np.array([a[:20] for a in address], dtype=object)

    def work(values: pd.Series) -> dict[str, list]:
        pairs = [regions.parse_region(v) for v in values]
        return {"province": [p for p, _ in pairs], "city": [c for _, c in pairs]}

    found = _per_distinct(prefix, work)
    return found["province"], found["city"]


_POSTCODE = re.compile(r"\d{6}")


def _postcode(text: str | None) -> str | None:
    cleaned = clean_text(text)
    return None if cleaned is None else _postcode_cleaned(cleaned)


def _postcode_cleaned(cleaned: str) -> str | None:
    value = _FLOAT_ZEROS.sub("", cleaned.replace(" ", ""))
    return value if _POSTCODE.fullmatch(value) else None


def _address(text: str | None) -> str | None:
    cleaned = clean_text(text)
    return None if cleaned is None else _address_cleaned(cleaned)


def _address_cleaned(cleaned: str) -> str | None:
    # One or two characters, or digits only, do not locate anybody.
    if len(cleaned) < 3 or cleaned.replace(" ", "").isdigit():
        return None
    # One writing of each address: 廣東省深圳市南山區 is 广东省深圳市南山区.
    return fold_traditional(cleaned)


