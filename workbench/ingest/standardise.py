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
"""

from __future__ import annotations

import gc
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from workbench.fields import DERIVED_COLUMNS, HELPER_FIELDS, STANDARD_FIELDS
from workbench.ingest import customer, regions

log = logging.getLogger(__name__)

# Strings that mean "no value", compared after cleaning and lower-casing.
PLACEHOLDERS: frozenset[str] = frozenset(
    s.lower()
    for s in (
        "", "-", "--", "---", "/", "//", "无", "暂无", "没有", "N/A", "NA", "n.a.", "null", "None",
        "nan", "——", "—", "未知", "不详", "?", "？", ".",
    )
)

_PLACEHOLDER_ARRAY = pa.array(sorted(PLACEHOLDERS), type=pa.string())


# ---------------------------------------------------------------------------------------------
# Text cleaning shared by every field


def clean_text(value: str | None) -> str | None:
    """Strip, NFKC-normalise (full-width → ASCII) and collapse inner whitespace.

    Placeholder strings ("", "-", "无", "暂无", "N/A", "null", "未知" …) become None.

    Example:
        >>> clean_text("  １３８  1234 ") , clean_text("暂无")
        ('138 1234', None)
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    # str.split() splits on exactly the characters regex \s matches, and drops the ends.
    text = " ".join(unicodedata.normalize("NFKC", str(value)).split())
    if text.lower() in PLACEHOLDERS:
        return None
    return text


def _arrow_text(values: np.ndarray) -> pa.Array:
    """An object array of str/None as an Arrow string array (other objects through str)."""
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array(
            [None if v is None or v != v else str(v) for v in values], type=pa.string()
        )


def _clean_array(values: np.ndarray) -> pa.Array:
    """The cleaning phone, e-mail, company and the plain text fields have always had, in Arrow.

    Like clean_text except for rare whitespace Arrow's \\s leaves alone (\\v, \\x1c-\\x1f,
    \\x85, \\u2028 …); kept as it is so those fields' output does not change. Fields whose
    functions clean with clean_text use `_clean_exact`. Placeholders are null.
    """
    array = _arrow_text(values)
    # NFKC has no Arrow kernel: run it in Python on the non-ASCII values only.
    non_ascii = np.flatnonzero(~pc.fill_null(pc.string_is_ascii(array), True).to_numpy(
        zero_copy_only=False))
    if len(non_ascii):
        texts = array.to_numpy(zero_copy_only=False).astype(object)
        texts[non_ascii] = [unicodedata.normalize("NFKC", t) for t in texts[non_ascii]]
        array = pa.array(texts, type=pa.string(), from_pandas=True)
    # After NFKC every space is ASCII, which Arrow's \s covers.
    array = pc.utf8_trim_whitespace(pc.replace_substring_regex(array, r"\s+", " "))
    placeholder = pc.is_in(pc.utf8_lower(array), value_set=_PLACEHOLDER_ARRAY)
    return pc.if_else(placeholder, pa.scalar(None, pa.string()), array)


def _objects(array: pa.Array) -> np.ndarray:
    """An Arrow string array as an object array with None for null."""
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)


def _none_if_nan(array: np.ndarray) -> np.ndarray:
    out = np.asarray(array, dtype=object).copy()
    mask = pd.isna(out)
    out[mask] = None
    return out


def _per_distinct(raw: np.ndarray, work: Callable[[pd.Series], pd.DataFrame]) -> dict[str, np.ndarray]:
    """Run `work` once per distinct non-missing value of `raw`, spread back to every row.

    `work` receives a Series of distinct raw strings (RangeIndex) and returns a DataFrame (or a
    dict of arrays) with one row per input value. Rows whose raw value is missing get None in
    every column. The result maps each column to an object array of len(raw).
    """
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    return _spread(codes, uniques, work)


def _spread(codes: np.ndarray, uniques: np.ndarray, work) -> dict[str, np.ndarray]:
    """`work` over the distinct values, each result spread to the rows of its code."""
    result = work(pd.Series(uniques, dtype=object))
    out = {}
    for column, values in result.items():
        # One None after the distinct results: the missing code -1 picks it.
        distinct = np.empty(len(uniques) + 1, dtype=object)
        distinct[:-1] = _none_if_nan(values)
        out[column] = distinct[codes]
    return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of small acyclic objects.

    Every list and tuple made counts towards the next collection, and the full collections
    grow with what is alive: on a million rows they cost more than the work itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ---------------------------------------------------------------------------------------------
# Phone numbers

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
    """mobile / landline / special (400, 800 service numbers) / invalid / missing.

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


# Python's \s on ASCII text, spelled out for Arrow's RE2 (whose \s leaves out \v and \x1c-\x1f).
_ASCII_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
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
    return {"phone": phone, "phone_type": kind, "phones": phones, "phone_last8": last8}


# ---------------------------------------------------------------------------------------------
# Email

_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$"
)


def standardise_email(text: str | None) -> str | None:
    """Lower-cased address without "mailto:", or None when the syntax is not local@domain.tld.

    Example:
        >>> standardise_email(" MailTo:Zhang.Wei@Example.COM "), standardise_email("zhang@qq")
        ('zhang.wei@example.com', None)
    """
    return _email_columns(pd.Series([text], dtype=object))["email"][0]


_EMAIL_BODY = re.compile(_EMAIL.pattern[1:-1])
_MAILTO = re.compile(r"^mailto:")


def _email_one(cleaned: str | None) -> str | None:
    if cleaned is None:
        return None
    # Chinese keyboards type 。 for the dot; NFKC leaves it alone.
    text = _MAILTO.sub("", cleaned.lower().replace("。", ".")).strip().strip("<>")
    return text if _EMAIL_BODY.fullmatch(text) else None


def _email_columns(values: pd.Series) -> dict[str, np.ndarray]:
    cleaned = _clean_array(values.to_numpy(dtype=object))
    # ASCII cells in Arrow: lower-casing, stripping (Python's ASCII whitespace spelled out) and
    # the pattern agree with Python's on ASCII text. Other cells one by one in Python.
    text = pc.replace_substring_regex(pc.utf8_lower(cleaned), "^mailto:", "")
    text = pc.utf8_trim(pc.utf8_trim(text, characters=_ASCII_SPACES), characters="<>")
    ok = pc.fill_null(pc.match_substring_regex(text, f"^(?:{_EMAIL_BODY.pattern})$"), False)
    email_array = pc.if_else(ok, text, pa.scalar(None, pa.string()))
    email = _objects(email_array)
    local = _objects(pc.replace_substring_regex(email_array, "@[^@]*$", ""))
    domain = _objects(pc.replace_substring_regex(email_array, "^.*@", ""))
    non_ascii = np.flatnonzero(
        ~pc.fill_null(pc.string_is_ascii(cleaned), True).to_numpy(zero_copy_only=False)
    )
    for i, value in zip(non_ascii, _objects(pc.take(cleaned, non_ascii)), strict=True):
        found = _email_one(value)
        email[i] = found
        local[i], domain[i] = found.rsplit("@", 1) if found else (None, None)
    return {"email": email, "email_local": local, "email_domain": domain}


# ---------------------------------------------------------------------------------------------
# Names

COMPOUND_SURNAMES: frozenset[str] = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 宇文 长孙 司徒 夏侯 轩辕 端木 独孤 "
    "南宫 西门 万俟 闻人 赫连 澹台 公冶 宗政 濮阳 太叔 申屠 钟离 呼延 百里 东郭 单于 司空 "
    "拓跋 完颜 纳兰 第五 梁丘 左丘 乐正 公羊 谷梁 段干 亓官 司寇 巫马 仲孙 淳于".split()
)
# Readings of surnames that differ from the character's everyday reading (pypinyin 0.55 has
# no surname mode, so the surname is read here and the given name by pypinyin).
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou",
    "盖": "ge", "缪": "miao", "乐": "yue", "覃": "qin", "召": "shao", "繁": "po", "员": "yun",
    "祭": "zhai", "翟": "zhai", "秘": "bi", "句": "gou", "任": "ren", "沈": "shen", "华": "hua",
    "宁": "ning", "燕": "yan", "都": "du", "柏": "bai", "种": "chong", "石": "shi", "尉": "yu",
    "薄": "bo", "长": "chang", "厍": "she", "冼": "xian", "折": "she", "禚": "zhuo",
    "尉迟": "yu chi", "万俟": "mo qi", "长孙": "zhang sun", "单于": "chan yu", "澹台": "tan tai",
    "令狐": "ling hu", "亓官": "qi guan", "乐正": "yue zheng", "査": "zha",
    "藏": "zang", "曲": "qu", "重": "chong", "阚": "kan", "车": "che", "朝": "chao",
}
_LONGEST_PHRASE = max(map(len, PHRASES_DICT), default=2)
_HONORIFICS_ZH = (
    "先生", "女士", "小姐", "总经理", "总监", "经理", "老师", "老板", "师傅", "医生", "博士",
    "教授", "主任", "同学", "总", "姐", "哥",
)
_HONORIFIC_ZH = re.compile(f"^(.+?)(?:{'|'.join(_HONORIFICS_ZH)})$")
_HONORIFIC_EN = re.compile(r"^(?:mr|mrs|ms|miss|mx|dr|prof|sir|madam)\.?\s+", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_NAME_BAD = re.compile(r"[0-9@#$%^&*=+<>{}\[\]\\|/]")
NAME_MAX_LENGTH = 50


def standardise_name(text: str | None) -> str | None:
    """Trimmed name without honorifics; Chinese names without inner spaces.

    "王先生", "张总", "陈老师" keep the surname only; "Mr. Wang" → "Wang". A name longer than
    50 characters, or with digits or symbols in it, is invalid (None).

    Example:
        >>> standardise_name("张 伟"), standardise_name("李女士"), standardise_name("Ms Li")
        ('张伟', '李', 'Li')
    """
    cleaned = clean_text(text)
    return None if cleaned is None else _name(cleaned)


def _name(cleaned: str) -> str | None:
    if _CJK.search(cleaned):
        name = cleaned.replace(" ", "")
        match = _HONORIFIC_ZH.match(name)
        if match and _CJK.search(match.group(1)):
            name = match.group(1)
    else:
        name = _HONORIFIC_EN.sub("", cleaned).strip()
    if not name or len(name) > NAME_MAX_LENGTH or _NAME_BAD.search(name):
        return None
    return name


def name_family(name: str | None) -> str | None:
    """The surname: 欧阳 for 欧阳娜娜, 张 for 张伟; for romanised names the upper-case word
    ("Wei ZHANG" → 'zhang'), else None because the order is not known.

    Example:
        >>> name_family("诸葛亮"), name_family("Wei ZHANG"), name_family("Wei Zhang")
        ('诸葛', 'zhang', None)
    """
    if not name:
        return None
    if _CJK.match(name):
        if name[:2] in COMPOUND_SURNAMES:
            return name[:2]
        return name[0]
    words = name.split()
    upper = [w for w in words if w.isupper() and len(w) > 1]
    if len(words) > 1 and len(upper) == 1:
        return upper[0].lower()
    return None


def _given_pinyin_slow(given: str) -> tuple[str, ...]:
    return tuple(p for p in lazy_pinyin(given, style=Style.NORMAL) if p.strip("·"))


@cache
def _char_pinyin(char: str) -> str:
    # Bounded by the characters in use (a few thousand).
    return lazy_pinyin(char, style=Style.NORMAL)[0]


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _has_phrase(text: str) -> bool:
    """True when some run of two or more characters of `text` is in pypinyin's phrase table."""
    size = len(text)
    return any(
        text[start:end] in PHRASES_DICT
        for start in range(size - 1)
        for end in range(start + 2, min(size, start + _LONGEST_PHRASE) + 1)
    )


@lru_cache(maxsize=100_000)
def _given_pinyin(given: str) -> tuple[str, ...]:
    """Readings of a given name, as pypinyin's lazy_pinyin gives them.

    pypinyin reads a run of Chinese characters word by word from its phrase table and every
    other character on its own; a given name with no phrase in it (nearly all) is therefore
    the readings of its characters, which are cached one by one. Tests hold the two together.
    """
    if (
        _HAN_RUN.fullmatch(given)
        and all(ord(c) in PINYIN_DICT for c in given)
        and not _has_phrase(given)
    ):
        return tuple(_char_pinyin(c) for c in given)
    return _given_pinyin_slow(given)


_ROMAN_BREAKS = re.compile(r"[\s.\-·]+")


@lru_cache(maxsize=10_000)
def _family_pinyin(family: str) -> str:
    return " ".join(lazy_pinyin(family, style=Style.NORMAL))


@lru_cache(maxsize=200_000)
def name_pinyin(name: str | None) -> str | None:
    """Lower-case pinyin, surname first and read as a surname; romanised names lower-cased.

    Example:
        >>> name_pinyin("单雄信"), name_pinyin("曾国藩"), name_pinyin("Wei ZHANG")
        ('shan xiong xin', 'zeng guo fan', 'wei zhang')
    """
    if not name:
        return None
    if not _CJK.search(name):
        return " ".join(_ROMAN_BREAKS.split(name.lower())).strip() or None
    family = name_family(name) or ""
    reading = SURNAME_READINGS.get(family)
    if reading is None:
        reading = _family_pinyin(family)
    tokens = [reading, *_given_pinyin(name[len(family):])] if reading else list(
        _given_pinyin(name[len(family):])
    )
    return " ".join(t.lower() for t in tokens if t).replace("ü", "v") or None


def _name_columns(values: pd.Series) -> dict[str, list]:
    name = [None if c is None else _name(c) for c in _clean_exact(values.to_numpy(dtype=object))]
    return {
        "name": name,
        "name_pinyin": [name_pinyin(n) for n in name],
        "name_family": [name_family(n) for n in name],
    }


# ---------------------------------------------------------------------------------------------
# Companies

_LEGAL_SUFFIX = re.compile(
    r"(?:股份有限公司|有限责任公司|集团有限公司|集团股份有限公司|有限公司|集团公司|分公司|总公司|"
    r"集团|公司|工作室|事务所|商行|"
    r"\bco\.?,?\s*ltd\.?|\bcompany\s+limited|\blimited|\bltd\.?|\binc\.?|\bllc\.?|\bcorp\.?|"
    r"\bcorporation|\bco\.?|\bgmbh)[\s.,]*$",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")


def _sizes_by(edge: int) -> dict[str, tuple[int, ...]]:
    """First (or last) character -> lengths of the region names with it, longest first."""
    sizes: dict[str, set[int]] = {}
    for name in regions.COMPANY_REGION_NAMES:
        sizes.setdefault(name[edge], set()).add(len(name))
    return {char: tuple(sorted(found, reverse=True)) for char, found in sizes.items()}


_REGION_SIZES_FIRST = _sizes_by(0)
_REGION_SIZES_LAST = _sizes_by(-1)


def _strip_region(core: str, at_start: bool) -> str:
    """Drop the longest region name at the start (or end) when at least 2 characters remain."""
    if not core:
        return core
    # Only names that begin (end) with the core's first (last) character can match.
    sizes = (_REGION_SIZES_FIRST if at_start else _REGION_SIZES_LAST).get(
        core[0] if at_start else core[-1], ()
    )
    length = len(core)
    for size in sizes:
        if length - size < 2:
            continue
        part = core[:size] if at_start else core[-size:]
        if part in regions.COMPANY_REGION_NAMES:
            return core[size:] if at_start else core[:-size]
    return core


# Every legal suffix ends, before trailing spaces, dots and commas, in one of these characters
# or in a letter.
_SUFFIX_LAST = frozenset("司团室所行")


def _may_end_in_suffix(core: str) -> bool:
    """False only when _LEGAL_SUFFIX cannot match: the last real character is a CJK ideograph
    that no suffix ends with (the pattern then need not be tried at every position)."""
    end = len(core)
    while end and (core[end - 1] in ".," or core[end - 1].isspace()):
        end -= 1
    if not end:
        return True
    last = core[end - 1]
    return last in _SUFFIX_LAST or not "\u4e00" <= last <= "\u9fff"


@lru_cache(maxsize=200_000)
def company_core(company: str | None) -> str | None:
    """The company name without legal suffix, bracketed parts and region prefix, lower-cased.

    Example:
        >>> company_core("深圳市华为技术有限公司"), company_core("腾讯科技（深圳）有限公司")
        ('华为技术', '腾讯科技')
    """
    text = clean_text(company)
    if text is None:
        return None
    core = _BRACKETS.sub("", text).strip()
    for _ in range(4):
        before = core
        if _may_end_in_suffix(core):
            core = _LEGAL_SUFFIX.sub("", core)
        core = core.strip(" ,.")
        # 华为技术有限公司深圳分公司: the branch's city sits before 分公司.
        core = _strip_region(_strip_region(core, at_start=False), at_start=True).strip()
        if core == before:
            break
    return core.lower() or None


COMPANY_MAX_LENGTH = 100


def _company_columns(values: pd.Series) -> dict[str, list]:
    cleaned = _objects(_clean_array(values.to_numpy(dtype=object)))
    company = [c if c is not None and len(c) <= COMPANY_MAX_LENGTH else None for c in cleaned]
    return {"company": company, "company_core": [company_core(c) for c in company]}


# ---------------------------------------------------------------------------------------------
# Regions


def province_city(address: str | None) -> tuple[str | None, str | None]:
    """(province, city), full official names, named at the start of an address.

    Example:
        >>> province_city("深圳南山区科技园")
        ('广东省', '深圳市')
    """
    return regions.parse_region(clean_text(address))


def standardise_province(text: str | None) -> str | None:
    """Full province name ("广东" → "广东省", "广西" → "广西壮族自治区"), None if unknown.

    Example:
        >>> standardise_province("广东")
        '广东省'
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    found = regions.find_province(cleaned.replace(" ", ""))
    if found is None:
        found = regions.parse_region(cleaned)[0]
    return found


def standardise_city(text: str | None) -> str | None:
    """Full city name ("深圳" → "深圳市", "北京" → "北京市"), None if unknown.

    Example:
        >>> standardise_city("深圳")
        '深圳市'
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
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


# ---------------------------------------------------------------------------------------------
# Dates

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


# ---------------------------------------------------------------------------------------------
# Identity numbers, gender, numbers

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@lru_cache(maxsize=100_000)
def standardise_id_number(text: str | None) -> str | None:
    """An 18-character resident ID with a valid checksum (upper-case X) or a 15-digit old one.

    Example:
        >>> standardise_id_number("11010519491231002x"), standardise_id_number("110105194912310021")
        ('11010519491231002X', None)
    """
    cleaned = clean_text(text)
    return None if cleaned is None else _id_number(cleaned)


_ID_18 = re.compile(r"\d{17}[\dX]")
_ID_15 = re.compile(r"\d{15}")


@lru_cache(maxsize=100_000)
def _id_number(cleaned: str) -> str | None:
    number = cleaned.replace(" ", "").upper()
    if _ID_18.fullmatch(number):
        total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
        if _ID_CHECK[total % 11] != number[17]:
            return None
        birth = number[6:14]
    elif _ID_15.fullmatch(number):
        birth = "19" + number[6:12]
    else:
        return None
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
    if not id_number:
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


# ---------------------------------------------------------------------------------------------
# Social accounts

_WECHAT_ID = re.compile(r"^[a-z][a-z0-9_-]{5,19}$")
_QQ = re.compile(r"^[1-9]\d{4,10}$")
# Douyin and Kuaishou account IDs: 2 to 30 letters, digits, underscores and dots (the rule
# both apps show when an ID is chosen); lower-cased because the apps match them without case.
_SHORT_VIDEO_ID = re.compile(r"^[a-z0-9_.]{2,30}$")


def check_wechat(text: str | None) -> str | None:
    """A WeChat ID (6–20 characters, starts with a letter, then letters, digits, _ or -),
    lower-cased; or a mobile number used as the ID, kept as its 11 digits.

    Example:
        >>> check_wechat("Zhang_Wei88"), check_wechat("+86 138 1234 5678"), check_wechat("1abc")
        ('zhang_wei88', '13812345678', None)
    """
    cleaned = clean_text(text)
    return None if cleaned is None else _wechat(cleaned)


_WECHAT_NOISE = re.compile(r"[\s\-]")


def _wechat(cleaned: str) -> str | None:
    value = cleaned.lower()
    if _WECHAT_ID.match(value):
        return value
    digits = _WECHAT_NOISE.sub("", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits if _MOBILE.match(digits) else None


def check_qq(text: str | None) -> str | None:
    """A QQ number: 5–11 digits not starting with 0 ("12345@qq.com" gives its number).

    Example:
        >>> check_qq("12345678"), check_qq("12345678@qq.com"), check_qq("0123")
        ('12345678', '12345678', None)
    """
    cleaned = clean_text(text)
    return None if cleaned is None else _qq(cleaned)


_QQ_MAIL = re.compile(r"@qq\.com$")
_FLOAT_ZEROS = re.compile(r"\.0+$")


def _qq(cleaned: str) -> str | None:
    value = cleaned.lower().replace(" ", "")
    value = _QQ_MAIL.sub("", value)
    value = _FLOAT_ZEROS.sub("", value)
    return value if _QQ.match(value) else None


def check_short_video_id(text: str | None) -> str | None:
    """A Douyin or Kuaishou ID: 2–30 letters, digits, _ and ., lower-cased, without a leading @.

    Example:
        >>> check_short_video_id("@Dy_Shop.01"), check_short_video_id("店 铺")
        ('dy_shop.01', None)
    """
    cleaned = clean_text(text)
    return None if cleaned is None else _short_video_id(cleaned)


def _short_video_id(cleaned: str) -> str | None:
    value = cleaned.lower().lstrip("@")
    return value if _SHORT_VIDEO_ID.match(value) else None


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
    return cleaned


# ---------------------------------------------------------------------------------------------
# The frame


def _per_value(func: Callable[[str | None], str | None], name: str):
    def work(values: pd.Series) -> dict[str, list]:
        return {name: [func(v) for v in values]}

    return work


# Python's whitespace (str.isspace, which regex \s and str.split use) that can remain after
# NFKC: NFKC turns the other spaces (no-break, ideographic, en/em …) into " ". A test checks this
# against every code point.
_NFKC_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\u1680\u2028\u2029"


def _clean_exact(values: np.ndarray) -> np.ndarray:
    """clean_text over an object array of distinct values, in Arrow but for NFKC: the same
    text as clean_text gives, as an object array with None."""
    array = _arrow_text(values)
    non_ascii = np.flatnonzero(
        ~pc.fill_null(pc.string_is_ascii(array), True).to_numpy(zero_copy_only=False)
    )
    if len(non_ascii):
        texts = _objects(array)
        texts[non_ascii] = [unicodedata.normalize("NFKC", t) for t in texts[non_ascii]]
        array = pa.array(texts, type=pa.string(), from_pandas=True)
    array = pc.utf8_trim(
        pc.replace_substring_regex(array, f"[{_NFKC_SPACES}]+", " "), characters=" "
    )
    placeholder = pc.is_in(pc.utf8_lower(array), value_set=_PLACEHOLDER_ARRAY)
    return _objects(pc.if_else(placeholder, pa.scalar(None, pa.string()), array))


def _per_cleaned(core: Callable[[str], str | None], name: str):
    """`core` over the cleaned distinct values: the same as a function that cleans first."""

    def work(values: pd.Series) -> dict[str, list]:
        cleaned = _clean_exact(values.to_numpy(dtype=object))
        return {name: [None if c is None else core(c) for c in cleaned]}

    return work


def _cleaned(name: str):
    def work(values: pd.Series) -> dict[str, np.ndarray]:
        return {name: _objects(_clean_array(values.to_numpy(dtype=object)))}

    return work


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
    # Customer fields (issue 13); their own parsers are in ingest/customer.py.
    "registered_at": lambda v: {"registered_at": _date_series(v, True)},
    "last_order_at": lambda v: {"last_order_at": _date_series(v, True)},
    "orders": _per_cleaned(customer.standardise_orders, "orders"),
    "total_amount": _per_cleaned(_amount, "total_amount"),
    "status": _per_cleaned(customer.standardise_status, "status"),
    "tags": _per_cleaned(customer.standardise_tags, "tags"),
    "phone": _phone_columns,
    "email": _email_columns,
    "name": _name_columns,
    "company": _company_columns,
}


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


__all__ = [
    "PLACEHOLDERS",
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
