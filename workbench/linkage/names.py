"""When two names are one person's and when they are clearly two people's.

Organisation evidence (one company, one office, one switchboard) is shared by colleagues, so the
model needs a judgement about names that does not come from weights learnt on the data in
hand: two names *agree* when they are spellings of one name (the same pinyin, given and family
swapped, a typo, one name inside the other), and they *differ clearly* when no such variant
explains them. Between the two lies a grey zone (李明 and 李敏) that neither confirms nor
refutes.

The judgement is written once as SQL (for Splink's comparisons, generic-value detection and
blocking) and once in Python (for clustering, which meets pairs Splink never scored); both read
the same per-record parts, computed by `name_parts_sql`, and `tests` check that they agree.

Parts of a name, from its pinyin (`wang jun xuan`, `wei zhang`):
- flat: the letters without spaces (`wangjunxuan`);
- key: the letters sorted (one key for every order of the parts);
- given: for a Chinese name the pinyin after the surname (`junxuan`), else NULL;
- cjk: whether the name is written in Chinese characters.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

# Chinese names: given names whose pinyin is at least this alike may be one name mistyped
# (建国 / 建图); below it they are two names (建 / 强). Whole Chinese names are not compared this
# way: a shared surname makes any two of them look alike (liujian / liuqiang 0.91).
GIVEN_ALIKE = 0.85
# Romanised names: at least this alike (Jaro-Winkler of the letters) is a typo or a variant.
LATIN_ALIKE = 0.80
# Romanised names: a first or last word at least this like one of the other name's.
TOKEN_ALIKE = 0.85
# Names agree at this similarity of their letters.
AGREE = 0.92


def name_given_sql(pinyin: str, cjk: str) -> str:
    """SQL: the pinyin of a Chinese name after its surname, without spaces; NULL for other
    names. `cjk` is an SQL truth value: the name is written in Chinese characters."""
    return (f"CASE WHEN {cjk} THEN nullif(replace(substr({pinyin}, "
            f"length(split_part({pinyin}, ' ', 1)) + 2), ' ', ''), '') END")


def name_cjk_sql(name: str) -> str:
    """SQL: whether the name is written in Chinese characters."""
    return f"regexp_matches({name}, '[\\x{{4e00}}-\\x{{9fff}}]')"


def name_key_sql(pinyin: str) -> str:
    """SQL: the letters of the pinyin sorted: equal for every order of the name's parts."""
    return f"array_to_string(list_sort(string_split(replace({pinyin}, ' ', ''), '')), '')"


def names_agree_sql(l: str = "l", r: str = "r") -> str:  # noqa: E741 (l and r as Splink names them)
    """SQL: both records give a full name and the two are spellings of one name."""
    return f"""({l}.name_flat IS NOT NULL AND {r}.name_flat IS NOT NULL AND (
    {l}.name_key = {r}.name_key
    OR jaro_winkler_similarity({l}.name_flat, {r}.name_flat) >= {AGREE}
        AND NOT ({l}.name_cjk AND {r}.name_cjk)
    OR {l}.name_cjk AND {r}.name_cjk
        AND split_part({l}.name_pinyin, ' ', 1) = split_part({r}.name_pinyin, ' ', 1)
        AND jaro_winkler_similarity({l}.name_given, {r}.name_given) >= {AGREE}
    OR length({l}.name_flat) >= 4 AND length({r}.name_flat) >= 4
        AND (contains({l}.name_flat, {r}.name_flat) OR contains({r}.name_flat, {l}.name_flat))))"""


def names_differ_sql(l: str = "l", r: str = "r") -> str:  # noqa: E741
    """SQL: both records give a full name and no variant explains the two (see module doc)."""
    cjk = f"""{l}.name_cjk AND {r}.name_cjk AND (
        split_part({l}.name_pinyin, ' ', 1) <> split_part({r}.name_pinyin, ' ', 1)
        OR coalesce(jaro_winkler_similarity({l}.name_given, {r}.name_given), 0) < {GIVEN_ALIKE})"""
    ends = [(f"split_part({a}.name_pinyin, ' ', 1)", f"string_split({a}.name_pinyin, ' ')[-1]")
            for a in (l, r)]
    cross = " OR ".join(f"jaro_winkler_similarity({x}, {y}) >= {TOKEN_ALIKE}"
                        for x in ends[0] for y in ends[1])
    # Romanised (or one romanised): the letters unlike, and no first or last word of one like
    # one of the other's ('Tony Wang' and 王建国; 'Thohrpe Liam' and 'Liam Thorpe').
    latin = f"""NOT ({l}.name_cjk AND {r}.name_cjk)
        AND jaro_winkler_similarity({l}.name_flat, {r}.name_flat) < {LATIN_ALIKE}
        AND NOT ({cross})"""
    return f"""({l}.name_flat IS NOT NULL AND {r}.name_flat IS NOT NULL
    AND {l}.name_key <> {r}.name_key
    AND NOT contains({l}.name_flat, {r}.name_flat) AND NOT contains({r}.name_flat, {l}.name_flat)
    AND ({cjk} OR {latin}))"""


@dataclass(frozen=True)
class NameParts:
    """One record's name as `names_differ` reads it (see the module doc)."""

    pinyin: str
    flat: str
    key: str
    given: str | None
    cjk: bool

    @classmethod
    def of(cls, pinyin: str | None, flat: str | None, key: str | None, given: str | None,
           cjk: bool | None) -> NameParts | None:
        if not pinyin or not flat or not key:
            return None
        return cls(pinyin, flat, key, given or None, bool(cjk))


def _jw(a: str | None, b: str | None) -> float:
    if a is None or b is None:
        return 0.0
    return JaroWinkler.similarity(a, b)


def names_differ(a: NameParts | None, b: NameParts | None) -> bool:
    """Python twin of `names_differ_sql`.

    Example:
        >>> liu_jian = NameParts("liu jian", "liujian", "aiijlnu", "jian", True)
        >>> liu_qiang = NameParts("liu qiang", "liuqiang", "agiilnqu", "qiang", True)
        >>> names_differ(liu_jian, liu_qiang), names_differ(liu_jian, liu_jian)
        (True, False)
    """
    if a is None or b is None or a.key == b.key:
        return False
    if a.flat in b.flat or b.flat in a.flat:
        return False
    if a.cjk and b.cjk:
        return (a.pinyin.split(" ")[0] != b.pinyin.split(" ")[0]
                or _jw(a.given, b.given) < GIVEN_ALIKE)
    if _jw(a.flat, b.flat) >= LATIN_ALIKE:
        return False
    ends_a, ends_b = a.pinyin.split(" "), b.pinyin.split(" ")
    return not any(_jw(x, y) >= TOKEN_ALIKE for x in (ends_a[0], ends_a[-1])
                   for y in (ends_b[0], ends_b[-1]))


def sound_sql(token: str) -> str:
    """SQL: a Soundex-like key of one romanised word (its first letter and up to three
    consonant classes), so that Smith and Smyth, Meier and Meyer block together."""
    codes = f"string_split(translate({token}, 'aeiouybfpvcgjkqsxzdtlmnrhw', " \
            f"'000000111122222222334556'), '')"
    kept = f"array_to_string(list_filter({codes}, lambda x, i: i = 1 OR x <> {codes}[i - 1]), '')"
    return f"CASE WHEN {token} <> '' THEN left({token}, 1) || left(replace(substr({kept}, 2), '0', ''), 3) END"
