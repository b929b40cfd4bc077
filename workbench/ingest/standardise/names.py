"""Personal names: honorifics, surnames, pinyin."""

from __future__ import annotations

import re
from functools import cache, lru_cache

import pandas as pd
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from workbench.ingest.standardise.text import (
    _clean_exact,
    clean_text,
)

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


