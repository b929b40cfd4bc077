"""Dates and times."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.ingest.standardise.text import (
    _ASCII_SPACES,
    _arrow_text,
    _objects,
    clean_text,
)

_EXCEL_EPOCH = datetime(1899, 12, 30)
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]*(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*分?(?:\s*:?\s*(\d{1,2})(?:\.\d+)?\s*秒?)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")
_EXCEL_SERIAL = re.compile(r"^\d{1,5}(?:\.\d+)?$")


@lru_cache(maxsize=100_000)
def parse_datetime(text: str | None) -> datetime | None:
    """A date or time written any common way, else None.

    Accepts Excel serials ("45123", "45123.5"), 2024/5/3, 2024.05.03, 2024-5-3, 2024年5月3日,
    20240503, and ISO forms with a time ("2024-05-03T08:30:00+08:00"; the offset is dropped).

    Example:
        >>> parse_datetime("2024年5月3日"), parse_datetime("45123.5")
        (datetime.datetime(2024, 5, 3, 0, 0), datetime.datetime(2023, 7, 16, 12, 0))
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    parts = None
    match = _DATE_TEXT.match(cleaned) or _DATE_COMPACT.match(cleaned)
    if match:
        parts = [int(p) if p else 0 for p in match.groups()]
    elif _EXCEL_SERIAL.match(cleaned):
        serial = float(cleaned)
        # A bare four-digit number between 1900 and 2100 is a year, not a date.
        if 1900 <= serial <= 2100 and "." not in cleaned:
            return None
        if serial < 1:
            return None
        moment = _EXCEL_EPOCH + timedelta(days=serial)
        return moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))
    if parts is None:
        return None
    try:
        return datetime(*parts[:6])
    except ValueError:
        return None


def standardise_date(text: str | None) -> str | None:
    """'YYYY-MM-DD', or None when the text is not a date.

    Example:
        >>> standardise_date("2024/5/3"), standardise_date("20240503"), standardise_date("明天")
        ('2024-05-03', '2024-05-03', None)
    """
    moment = parse_datetime(text)
    return moment.strftime("%Y-%m-%d") if moment else None


def standardise_datetime(text: str | None) -> str | None:
    """'YYYY-MM-DD HH:MM:SS', or None when the text is not a date or time.

    Example:
        >>> standardise_datetime("2024-05-03T08:30")
        '2024-05-03 08:30:00'
    """
    moment = parse_datetime(text)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else None


# The canonical shapes, with a year of four digits from 1000 (strftime writes smaller years
# without padding, so those take the slow path) and a time of day that exists.
_ISO_DAY = "[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}"
_ISO_SHAPES = f"^{_ISO_DAY}(?: (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])?$"


def _is_real_day(day: str) -> bool:
    try:
        datetime(int(day[:4]), int(day[5:7]), int(day[8:10]))
    except ValueError:
        return False
    return True


def _date_series(values: pd.Series, with_time: bool) -> np.ndarray:
    """Standardise distinct date texts: the canonical shapes in C, the rest one by one.

    A canonical text ('2024-05-03' or '2024-05-03 08:30:00', ASCII spaces around it) on a real
    day is its own standard form; the few distinct days are checked in Python. Everything else
    goes through standardise_date / standardise_datetime, so both paths give the same answer.
    """
    raw = values.to_numpy(dtype=object)
    out = np.full(len(raw), None, dtype=object)
    if len(raw) == 0:
        return out
    text = pc.utf8_trim(_arrow_text(raw), characters=_ASCII_SPACES)
    shaped = pc.fill_null(pc.match_substring_regex(text, _ISO_SHAPES), False)
    day = pc.utf8_slice_codeunits(text, 0, 10)
    days = pc.unique(pc.filter(day, shaped)).to_pylist()
    real = pa.array([d for d in days if _is_real_day(d)], type=pa.string())
    ok = pc.and_(shaped, pc.is_in(day, value_set=real))
    if with_time:
        shown = pc.if_else(
            pc.greater(pc.utf8_length(text), 10), text,
            pc.binary_join_element_wise(text, " 00:00:00", ""),
        )
    else:
        shown = day
    ok_rows = ok.to_numpy(zero_copy_only=False)
    out[ok_rows] = _objects(pc.filter(shown, ok))
    # Shaped texts that are not a real day (2024-02-30) stay None: invalid.
    convert = standardise_datetime if with_time else standardise_date
    for i in np.flatnonzero(~shaped.to_numpy(zero_copy_only=False)):
        out[i] = convert(raw[i])
    return out


