"""Company names and their core (no legal suffix, brackets or region)."""

from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from importlib import resources

import pandas as pd

from workbench.ingest import regions
from workbench.ingest.standardise.text import (
    _clean_array,
    _objects,
    clean_text,
    fold_traditional,
)

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

    Traditional characters are folded to simplified ones first (字節跳動 → 字节跳动). An
    English name of a well-known Chinese company (the bundled `company_aliases.csv`) gives the
    core of its Chinese name, so that ByteDance Ltd. and 北京字节跳动科技有限公司 agree.

    Example:
        >>> company_core("深圳市华为技术有限公司"), company_core("腾讯科技（深圳）有限公司")
        ('华为技术', '腾讯科技')
        >>> company_core("ByteDance Ltd."), company_core("北京字節跳動科技有限公司")
        ('字节跳动科技', '字节跳动科技')
    """
    text = fold_traditional(clean_text(company))
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
    core = core.lower()
    if core.isascii():
        chinese = _english_names().get(_english_key(core))
        if chinese is not None:
            return company_core(chinese)
    return core or None


# Words after an English company name that say what kind of business it is (ByteDance
# Technology, Alibaba Group Holding): the name is looked up without them.
_ENGLISH_KIND_WORDS = frozenset(
    "technology technologies tech group holding holdings network networks software "
    "international china electronics internet information".split()
)
_ENGLISH_WORD = re.compile(r"[a-z0-9]+")


def _english_key(core: str) -> str:
    """'ByteDance Technology' → 'bytedance', 'JD.com' → 'jdcom'."""
    words = _ENGLISH_WORD.findall(core.lower())
    while len(words) > 1 and words[-1] in _ENGLISH_KIND_WORDS:
        words.pop()
    return "".join(words)


@cache
def _english_names() -> dict[str, str]:
    """English name key → the company's Chinese name, from company_aliases.csv."""
    found: dict[str, str] = {}
    with resources.files("workbench.ingest").joinpath("company_aliases.csv").open(
        encoding="utf-8"
    ) as handle:
        for row in csv.DictReader(handle):
            for english in row["english"].split("|"):
                found[_english_key(english)] = row["chinese"]
    return found


COMPANY_MAX_LENGTH = 100


def _company_columns(values: pd.Series) -> dict[str, list]:
    cleaned = _objects(_clean_array(values.to_numpy(dtype=object)))
    company = [c if c is not None and len(c) <= COMPANY_MAX_LENGTH else None for c in cleaned]
    return {"company": company, "company_core": [company_core(c) for c in company]}


