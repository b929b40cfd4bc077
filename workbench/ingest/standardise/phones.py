"""Phone numbers: every valid number in a cell as E.164, its type, and the fast path over
Arrow for the common shapes."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from workbench.ingest.standardise.text import (
    _ASCII_SPACES,
    _clean_array,
    _objects,
    clean_text,
)

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Separators between several numbers in one cell. "-" is not one: it sits inside numbers.
_PHONE_SPLIT = re.compile(r"[/,;、|\n]|或|及|和")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*\d{1,6}$", re.IGNORECASE)
# A number as Excel shows a long one (1.38123E+10); validate names the cause when digits are lost.
SCIENTIFIC_NUMBER = re.compile(r"^([+-]?\d)(?:\.(\d+))?e\+?(\d+)$", re.IGNORECASE)
_FLOAT_TAIL = re.compile(r"^(\+?\d+)\.0+$")
_SPECIAL_TYPES = {
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
}
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


_PHONE_PUNCTUATION = re.compile(r"[\s\-.()（）]")
_ANY_DIGIT = re.compile(r"\d")
_NOT_PHONE = re.compile(r"[a-zA-Z\u4e00-\u9fff@]")


def _unscientific(text: str) -> str | None:
    """'1.3812345678E+10' → '13812345678'; None when the mantissa lost digits."""
    match = SCIENTIFIC_NUMBER.match(text.replace(" ", ""))
    if not match:
        return text
    lead, fraction, exponent = match.group(1), match.group(2) or "", int(match.group(3))
    digits = lead.lstrip("+-") + fraction
    if len(digits) - 1 != exponent:
        # Fewer digits than the number has: Excel rounded the rest away; more: not an integer.
        # (Trailing zeros are kept by Excel only when they were typed, so a short mantissa
        # means lost digits.)
        return None
    return digits


def _parse_one_phone(text: str) -> tuple[str, str] | None:
    """(E.164, type) for one number written any common way, else None."""
    text = _EXTENSION.sub("", text.strip()).strip()
    if not text:
        return None
    unsci = _unscientific(text)
    if unsci is None:
        return None
    text = unsci
    float_tail = _FLOAT_TAIL.match(text)
    if float_tail:
        text = float_tail.group(1)
    compact = _PHONE_PUNCTUATION.sub("", text)
    if compact.startswith("0086"):
        text = "+86" + compact[4:]
    elif compact.startswith("86") and len(compact) == 13 and compact[2] == "1":
        text = "+" + compact
    elif _MOBILE.match(compact):
        return "+86" + compact, "mobile"
    if not _ANY_DIGIT.search(text) or _NOT_PHONE.search(text):
        return None
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    if kind in _MOBILE_TYPES:
        label = "mobile"
    elif kind in _SPECIAL_TYPES:
        label = "special"
    else:
        label = "landline"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), label


@lru_cache(maxsize=100_000)
def _parse_phone_cell(text: str) -> tuple[tuple[str, str], ...]:
    """Every valid number in one cell, in order, without repeats."""
    found: list[tuple[str, str]] = []
    for part in _PHONE_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        parsed = _parse_one_phone(part)
        if parsed is not None:
            found.append(parsed)
        elif " " in part:
            # "13812345678 13987654321": whitespace between full numbers.
            found.extend(p for p in map(_parse_one_phone, part.split()) if p is not None)
    seen: set[str] = set()
    unique = []
    for number, kind in found:
        if number not in seen:
            seen.add(number)
            unique.append((number, kind))
    return tuple(unique)


def standardise_phone(text: str | None) -> list[str]:
    """Every valid phone number in a cell as E.164, mobiles and landlines alike.

    Accepts "+86 138-1234-5678", "0086…", "86 13812345678", "(010)12345678",
    "010-12345678转123" (the extension is dropped), "13812345678.0", "1.3812345678E+10"
    (scientific notation with too few digits is invalid: Excel lost them), and several numbers
    separated by / , ; 、 或 or spaces.

    Example:
        >>> standardise_phone("138 1234 5678 / 010-12345678转8")
        ['+8613812345678', '+861012345678']
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return []
    return [number for number, _ in _parse_phone_cell(cleaned)]


def phone_type(e164: str | None) -> str:
    """mobile / landline / special (400, 800 service numbers) / invalid / missing (a frame's
    phone_type is also 'masked' for a masked mobile, see `masked_phone`).

    Example:
        >>> phone_type("+8613812345678"), phone_type("+864008001234"), phone_type(None)
        ('mobile', 'special', 'missing')
    """
    if e164 is None:
        return "missing"
    parsed = _parse_one_phone(e164)
    return parsed[1] if parsed else "invalid"


def _parsed_shape_type(key: str) -> str | None:
    parsed = _parse_one_phone("+86" + key)
    return parsed[1] if parsed else None


# phonenumbers' own type decision over a national number (its _number_type_helper: the general
# pattern, then each special type, then fixed line and mobile), with the metadata's patterns
# compiled once, without the cost of parsing text.
_CN_METADATA = phonenumbers.PhoneMetadata.metadata_for_region("CN")
_Kind = phonenumbers.PhoneNumberType


def _compiled_desc(desc) -> tuple[frozenset[int], re.Pattern] | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)


_CN_DESCS = None if _CN_METADATA is None else {
    "general": _compiled_desc(_CN_METADATA.general_desc),
    "special": [
        (kind, _compiled_desc(getattr(_CN_METADATA, attribute)))
        for kind, attribute in (
            (_Kind.PREMIUM_RATE, "premium_rate"), (_Kind.TOLL_FREE, "toll_free"),
            (_Kind.SHARED_COST, "shared_cost"), (_Kind.VOIP, "voip"),
            (_Kind.PERSONAL_NUMBER, "personal_number"), (_Kind.PAGER, "pager"),
            (_Kind.UAN, "uan"), (_Kind.VOICEMAIL, "voicemail"),
        )
    ],
    "fixed": _compiled_desc(_CN_METADATA.fixed_line),
    "mobile": _compiled_desc(_CN_METADATA.mobile),
}


def _matches(number: str, desc: tuple[frozenset[int], re.Pattern] | None) -> bool:
    if desc is None:
        return False
    lengths, pattern = desc
    if lengths and len(number) not in lengths:
        return False
    return pattern.fullmatch(number) is not None


def _cn_number_type(number: str) -> int:
    """phonenumbers' type of a Chinese national significant number (digits only)."""
    descs = _CN_DESCS
    if not _matches(number, descs["general"]):
        return _Kind.UNKNOWN
    for kind, desc in descs["special"]:
        if _matches(number, desc):
            return kind
    same = _CN_METADATA.same_mobile_and_fixed_line_pattern
    if _matches(number, descs["fixed"]):
        if same or _matches(number, descs["mobile"]):
            return _Kind.FIXED_LINE_OR_MOBILE
        return _Kind.FIXED_LINE
    if not same and _matches(number, descs["mobile"]):
        return _Kind.MOBILE
    return _Kind.UNKNOWN


# Numbers that begin like a carrier-selection prefix (1[12]xx, 179xx): parsing may strip it,
# so only a full parse decides them.
_CARRIER_LIKE = ("11", "12", "179")


@lru_cache(maxsize=100_000)
def _national_shape_type(key: str) -> str | None:
    """mobile / landline / special for a Chinese national number shape, None if invalid.

    The same verdict as parsing "+86<key>" with phonenumbers (tests hold them together).
    """
    if _CN_DESCS is None or key.startswith(_CARRIER_LIKE):
        return _parsed_shape_type(key)
    kind = _cn_number_type(key)
    if kind == _Kind.UNKNOWN:
        return None
    if kind in _MOBILE_TYPES:
        return "mobile"
    return "special" if kind in _SPECIAL_TYPES else "landline"


_PHONE_NOISE = re.compile(r"[\s\-()]")
_PHONE_STEPS: tuple[tuple[str, str], ...] = (
    (r"\.0+$", ""),
    (r"^(?:\+86|0086)", ""),
    (r"^86(1[3-9]\d{9})$", r"\1"),
    (r"^0([1-9])", r"\1"),
)
_PHONE_STEPS_PY = tuple((re.compile(p), r) for p, r in _PHONE_STEPS)
_PLAIN_NATIONAL = re.compile(r"[1-9]\d{6,11}")
_MOBILE_NATIONAL = re.compile(r"1[3-9]\d{9}")
_SHAPE_PADS = tuple("5" * max(0, size - 6) for size in range(13))


def _national_python(text: str) -> str:
    """The national-number reduction of one cleaned cell, in Python (for non-ASCII text)."""
    text = _PHONE_NOISE.sub("", text)
    for pattern, replacement in _PHONE_STEPS_PY:
        text = pattern.sub(replacement, text)
    return text


def _national_numbers(cleaned: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each cleaned cell reduced to a would-be national number, and which are plain / mobile.

    Returns (national, plain, mobile): an object array (None for null) and two boolean arrays.
    ASCII cells go through Arrow's regex kernels; on ASCII text they agree with Python's re for
    these patterns. The rare non-ASCII cells (Unicode digits, Chinese words) take Python's re.
    """
    reduced = pc.replace_substring_regex(cleaned, f"[{_ASCII_SPACES}\\-()]", "")
    for pattern, replacement in _PHONE_STEPS:
        reduced = pc.replace_substring_regex(reduced, pattern, replacement)
    national = _objects(reduced)
    plain = pc.fill_null(pc.match_substring_regex(reduced, "^[1-9][0-9]{6,11}$"), False)
    mobile = pc.fill_null(pc.match_substring_regex(reduced, "^1[3-9][0-9]{9}$"), False)
    plain = plain.to_numpy(zero_copy_only=False).copy()
    mobile = mobile.to_numpy(zero_copy_only=False).copy()
    non_ascii = np.flatnonzero(
        ~pc.fill_null(pc.string_is_ascii(cleaned), True).to_numpy(zero_copy_only=False)
    )
    if len(non_ascii):
        texts = _objects(cleaned)
        for i in non_ascii:
            number = _national_python(texts[i])
            national[i] = number
            plain[i] = _PLAIN_NATIONAL.fullmatch(number) is not None
            mobile[i] = _MOBILE_NATIONAL.fullmatch(number) is not None
    return national, plain, mobile


def _phone_columns(values: pd.Series) -> pd.DataFrame:
    cleaned = _clean_array(values.to_numpy(dtype=object))
    cleaned_values = _objects(cleaned)
    # Most cells hold one Chinese number with spaces, dashes, a country code or a float tail.
    # Reduce those to the national number in C; parse only the other shapes one by one.
    national, plain, mobile = _national_numbers(cleaned)
    n = len(values)
    phone = np.full(n, None, dtype=object)
    kind = np.full(n, "missing", dtype=object)
    phones = np.full(n, None, dtype=object)
    kind[mobile] = "mobile"
    # Other plain numbers (landlines, 400/800): validity and type depend on the first digits
    # (area code, service prefix) and the length, so one verdict per shape decides them all.
    others = np.flatnonzero(plain & ~mobile)
    if len(others):
        keys = [number[:6] + _SHAPE_PADS[len(number)] for number in national[others]]
        codes, shapes = pd.factorize(np.asarray(keys, dtype=object))
        verdicts = np.array([_national_shape_type(k) or "invalid" for k in shapes], dtype=object)
        kind[others] = verdicts[codes]
    fast = np.flatnonzero(plain & (kind != "invalid"))
    numbers = ["+86" + number for number in national[fast]]
    phone[fast] = numbers
    singles = np.empty(len(fast), dtype=object)
    singles[:] = [[number] for number in numbers]
    phones[fast] = singles
    slow = ~plain & pc.is_valid(cleaned).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(slow):
        found = _parse_phone_cell(cleaned_values[i])
        if not found:
            kind[i] = "invalid"
            continue
        first = next((f for f in found if f[1] == "mobile"), found[0])
        phone[i], kind[i] = first
        phones[i] = [number for number, _ in found]
    last8 = np.array([p[-8:] if p is not None else None for p in phone], dtype=object)
    masked = np.full(n, None, dtype=object)
    for i in np.flatnonzero(kind == "invalid"):
        masked[i] = masked_phone(cleaned_values[i])
        if masked[i] is not None:
            kind[i] = "masked"
    return {"phone": phone, "phone_type": kind, "phones": phones, "phone_last8": last8,
            "phone_masked": masked}


# A mobile with its middle four digits hidden, as channels send it: 139****6789,
# 139-****-6789, 139 xxxx 6789, +86 139****6789 (NFKC has made ＊ and ｘ ASCII).
_MASKED_MOBILE = re.compile(r"^(?:\+?86)?[\s\-]*(1[3-9]\d)[\s\-]*[*xX×]{4}[\s\-]*(\d{4})$")


def masked_phone(text: str | None) -> str | None:
    """A masked mobile in the one form '139****6789' (first 3 and last 4 digits), else None.

    Such a value is evidence (its digits can be compared with a full number) but not a
    contact: the record's `phone` stays None and its phone status is 'masked'.

    Example:
        >>> masked_phone("139-****-6789"), masked_phone("+86 139xxxx6789"), masked_phone("139****67")
        ('139****6789', '139****6789', None)
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    match = _MASKED_MOBILE.match(cleaned)
    return f"{match.group(1)}****{match.group(2)}" if match else None


def is_placeholder_phone(e164: str | None) -> bool:
    """True for a number people type when they have none; every other number phonenumbers
    finds valid for China is a real one, however easy to remember (13988886666,
    18600001111, 021-55556666, 400-888-8888 are real: companies and people buy them).

    The rule, on the national number (without +86):
    - all one digit (11111111111), or one digit after the mobile prefix 1x (13333333333,
      13888888888);
    - a mobile whose subscriber part (the last eight digits) is all zero (13800000000);
    - the digits counting up or down: 12345678901, 13812345678 (last eight 12345678,
      23456789, 87654321 or 01234567 after a three-digit prefix);
    - the textbook example 13800138000 (China Mobile's service number written as a mobile).

    Example:
        >>> [is_placeholder_phone(p) for p in ("+8613988886666", "+8613800000000", "+8613333333333")]
        [False, True, True]
    """
    if not e164:
        return False
    national = e164.removeprefix("+86")
    if len(set(national)) == 1 or national in PLACEHOLDER_NATIONAL:
        return True
    if len(national) == 11 and national.startswith("1"):
        if len(set(national[2:])) == 1 or national[3:] == "00000000":
            return True
        if national[3:] in PLACEHOLDER_RUNS:
            return True
    return national in PLACEHOLDER_RUN_NUMBERS


# The rule's lists, also read by the linkage input's SQL twin (`linkage.sql`).
PLACEHOLDER_RUNS = frozenset({"12345678", "23456789", "87654321", "01234567", "98765432"})
PLACEHOLDER_RUN_NUMBERS = frozenset({"12345678901", "1234567890", "12345678", "87654321"})
PLACEHOLDER_NATIONAL = frozenset({"13800138000"})


