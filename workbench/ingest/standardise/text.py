"""Text cleaning shared by every field, and the machinery that works on distinct values only."""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


# Python's \s on ASCII text, spelled out for Arrow's RE2 (whose \s leaves out \v and \x1c-\x1f).
_ASCII_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
_FLOAT_ZEROS = re.compile(r"\.0+$")


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




# ---------------------------------------------------------------------------------------------
# Traditional characters


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@cache
def _traditional() -> re.Pattern:
    """The characters OpenCC's t2s changes on their own, as one character class.

    A text without any of them is left alone without calling OpenCC (nearly every lead).
    Built once from the CJK blocks; a character changed only inside a phrase (乾 of 乾燥)
    is not in it, so such a text keeps that character when it has no other traditional one.
    """
    chars = [chr(c) for c in range(0x3400, 0xA000)]
    folded = _t2s().convert("\n".join(chars)).split("\n")
    changed = [c for c, f in zip(chars, folded, strict=True) if c != f]
    return re.compile("[" + "".join(changed) + "]")


def fold_traditional(text: str | None) -> str | None:
    """Traditional characters as simplified ones (OpenCC t2s, phrases included).

    Example:
        >>> fold_traditional("北京字節跳動科技有限公司"), fold_traditional("廣東省深圳市")
        ('北京字节跳动科技有限公司', '广东省深圳市')
    """
    if not text or text.isascii() or not _traditional().search(text):
        return text
    return _t2s().convert(text)
