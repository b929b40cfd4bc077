"""Map the headers a channel uses (手机号, 联系电话, Mobile …) to the standard fields.

A mapping is found in this order: what the user says (`--map 电话号=phone`), what was saved for the
channel last time, an exact alias, an alias inside the header ("客户手机号码" holds "手机号"), then
a fuzzy match with its confidence. Headers that map to nothing are kept as extra attributes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from rapidfuzz import process
from rapidfuzz.distance import Indel

from workbench.errors import InputError
from workbench.fields import HELPER_FIELDS, STANDARD_FIELDS

# Aliases per field, Chinese and English. Compared after `normalise_header`.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "联系人", "客户姓名", "客户名称", "客户", "联系人姓名", "称呼",
             "name", "fullname", "full name", "contact", "contact name", "customer name"),
    "phone": ("手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "联系方式", "移动电话",
              "座机", "固话", "电话/手机", "mobile", "mobile phone", "phone", "phone number", "tel",
              "telephone", "cell", "cellphone"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "邮件", "邮箱地址", "email", "e-mail", "mail",
              "email address"),
    "wechat": ("微信", "微信号", "微信id", "wechat", "wechat id", "weixin", "wx"),
    "qq": ("qq", "qq号", "qq号码"),
    "douyin": ("抖音", "抖音号", "抖音id", "douyin", "tiktok"),
    "kuaishou": ("快手", "快手号", "快手id", "kuaishou"),
    "company": ("公司", "公司名称", "单位", "单位名称", "工作单位", "企业", "企业名称", "所在公司",
                "company", "company name", "organisation", "organization", "employer"),
    "title": ("职务", "职位", "岗位", "头衔", "title", "job title", "position", "role"),
    "province": ("省", "省份", "所在省份", "province", "state", "raw state"),
    "city": ("城市", "市", "所在城市", "地市", "city", "suburb", "town", "locality", "raw city"),
    "address": ("地址", "详细地址", "联系地址", "通讯地址", "住址", "公司地址", "address",
                "street address", "full address"),
    "postcode": ("邮编", "邮政编码", "postcode", "post code", "zip", "zip code", "zipcode",
                 "postal code"),
    "id_number": ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "id number", "id card",
                  "national id", "soc sec id", "ssn", "social security number"),
    "birth_date": ("出生日期", "生日", "出生年月", "birthday", "birth date", "birthdate",
                   "date of birth", "dob"),
    "gender": ("性别", "gender", "sex"),
    "age": ("年龄", "age"),
    "amount": ("金额", "订单金额", "消费金额", "预算", "amount", "budget", "order amount"),
    "registered_at": ("注册时间", "注册日期", "开户时间", "入会时间", "首次购买时间", "registered at",
                      "registration date", "signup date", "sign up date"),
    "last_order_at": ("最近消费时间", "最近购买时间", "最后消费时间", "最近下单时间", "最近订单时间",
                      "last order", "last order at", "last order date", "last purchase"),
    "orders": ("订单数", "订单数量", "购买次数", "消费次数", "下单次数", "orders", "order count",
               "number of orders", "purchases"),
    "total_amount": ("累计消费金额", "累计消费", "累计金额", "消费总额", "总消费金额", "total amount",
                     "total spent", "lifetime value", "ltv"),
    "status": ("客户状态", "线索状态", "跟进状态", "状态", "status", "lead status", "customer status"),
    "tags": ("客户标签", "标签", "线索标签", "tags", "tag", "labels"),
    "owner": ("负责人", "销售", "跟进人", "所属销售", "归属销售", "销售负责人", "owner",
              "sales owner", "salesperson"),
    "remark": ("备注", "说明", "留言", "需求", "remark", "remarks", "note", "notes", "comment"),
    "channel": ("来源", "渠道", "来源渠道", "线索来源", "source", "channel"),
    "source_id": ("客户id", "客户编号", "客户号", "线索编号", "线索id", "会员id", "会员号", "用户id",
                  "customer id", "customer_id", "lead id", "lead_id", "member id", "user id", "id"),
    "updated_at": ("更新时间", "修改时间", "最后更新", "提交时间", "创建时间", "登记时间", "日期",
                   "时间", "updated at", "updated", "update time", "last modified", "date",
                   "timestamp", "created at"),
    "surname": ("姓", "姓氏", "surname", "last name", "family name", "lastname", "last",
                "family", "lname", "lname c1", "raw inventor name last"),
    "surname_2": ("lname c2", "second surname"),
    "given_name": ("名", "given name", "first name", "firstname", "given", "first", "forename",
                   "fname", "fname c1", "raw inventor name first"),
    "given_name_2": ("fname c2", "middle name"),
    "street_number": ("street number", "street no", "house number", "门牌号"),
    "address_1": ("address 1", "address1", "address line 1", "street"),
    "address_2": ("address 2", "address2", "address line 2"),
    "birth_year": ("by", "birth year", "year of birth", "出生年份"),
    "birth_month": ("bm", "birth month", "month of birth"),
    "birth_day": ("bd", "birth day", "day of birth"),
}
# Aliases too short to be looked for inside a longer header ("created by" is no birth year).
_EXACT_ONLY = frozenset({"by", "bm", "bd", "last", "first", "given", "family"})

# Fields that several columns may feed: their values are joined into one cell.
MULTI_COLUMN_FIELDS = {"phone", "remark"}
FUZZY_CUTOFF = 0.8
MAPPABLE = set(STANDARD_FIELDS) | set(HELPER_FIELDS)


@dataclass(frozen=True)
class HeaderMatch:
    """How one header was mapped: field None means it stays an extra attribute."""

    header: str
    field: str | None
    confidence: float
    how: str  # 'given' | 'saved' | 'exact' | 'contains' | 'fuzzy' | 'none'

    def to_dict(self) -> dict:
        return asdict(self)


def normalise_header(header: str) -> str:
    """Fold a header for comparison: full-width to ASCII, lower case, no spaces or marks.

    Example:
        >>> normalise_header(" 手机号码（必填）* ")
        '手机号码'
    """
    text = unicodedata.normalize("NFKC", str(header)).lower()
    text = re.sub(r"#\d+$", "", text)  # the reader's counter on repeated headers
    text = re.sub(r"[(\[【（].*?[)\]】）]", "", text)  # (必填), [选填]
    text = re.sub(r"[\s_*:：.\-]+", " ", text).strip()
    return text


_EXACT = {normalise_header(a): f for f, aliases in ALIASES.items() for a in aliases}
# Longest aliases first, so that 手机号码 wins over 手机 inside "客户手机号码".
_CONTAINED = sorted(
    ((normalise_header(a), f) for f, aliases in ALIASES.items() for a in aliases
     if len(normalise_header(a)) >= 2 and a not in _EXACT_ONLY),
    key=lambda pair: -len(pair[0]),
)


def match_header(header: str) -> HeaderMatch:
    """Map one header by alias, containment or fuzzy similarity.

    Example:
        >>> match_header("联系电话").field
        'phone'
    """
    key = normalise_header(header)
    if not key:
        return HeaderMatch(header, None, 0.0, "none")
    if key in _EXACT:
        return HeaderMatch(header, _EXACT[key], 1.0, "exact")
    compact = key.replace(" ", "")
    for alias, field in _CONTAINED:
        # ASCII aliases must stand as words ('tel' is not inside 'hotel').
        if alias.isascii():
            if re.search(rf"\b{re.escape(alias)}\b", key):
                return HeaderMatch(header, field, 0.9, "contains")
        elif alias.replace(" ", "") in compact:
            return HeaderMatch(header, field, 0.9, "contains")
    found = process.extractOne(key, list(_EXACT), scorer=Indel.normalized_similarity)
    if found and found[1] >= FUZZY_CUTOFF:
        return HeaderMatch(header, _EXACT[found[0]], round(float(found[1]), 2), "fuzzy")
    return HeaderMatch(header, None, 0.0, "none")


def header_score(cells: list[str]) -> int:
    """How many cells of a row look like headers we know: used to find the header row."""
    return sum(1 for c in cells if c and len(c) <= 40 and match_header(c).field is not None)


def map_headers(
    headers: list[str],
    *,
    given: dict[str, str] | None = None,
    saved: dict[str, str] | None = None,
) -> list[HeaderMatch]:
    """Map every header to a standard field or to nothing.

    Args:
        headers: the column names as read.
        given: the user's own choices, header → field (a field of '' or 'extra' keeps the
            column as an extra attribute).
        saved: the channel's saved mapping from earlier imports.

    Returns:
        One HeaderMatch per header, in order. A field other than phone and remark is taken by
        one column only (the most confident); the others stay extras.

    Example:
        >>> [m.field for m in map_headers(["姓名", "手机号", "备用电话", "爱好"])]
        ['name', 'phone', 'phone', None]
    """
    given = given or {}
    saved = saved or {}
    unknown = {f for f in given.values() if f and f != "extra" and f not in MAPPABLE}
    if unknown:
        raise InputError(
            f"unknown field name(s) in the mapping: {', '.join(sorted(unknown))}.",
            fix=f"Use one of: {', '.join(STANDARD_FIELDS)} (or 'extra').",
        )
    matches = []
    for header in headers:
        if header in given:
            field = given[header]
            field = None if field in ("", "extra") else field
            matches.append(HeaderMatch(header, field, 1.0, "given"))
        elif header in saved:
            field = saved[header] or None
            matches.append(HeaderMatch(header, field, 1.0, "saved"))
        else:
            matches.append(match_header(header))
    # One column per field, except fields that join several columns.
    best: dict[str, HeaderMatch] = {}
    for m in matches:
        if m.field and m.field not in MULTI_COLUMN_FIELDS:
            if m.field not in best or m.confidence > best[m.field].confidence:
                best[m.field] = m
    return [
        m if not m.field or m.field in MULTI_COLUMN_FIELDS or best[m.field] is m
        else HeaderMatch(m.header, None, m.confidence, "duplicate")
        for m in matches
    ]


def parse_mapping_options(options: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Turn `--map 电话号=phone` options into a header → field dict."""
    mapping = {}
    for option in options:
        header, sep, field = option.partition("=")
        if not sep or not header.strip():
            raise InputError(
                f"'{option}' is not a mapping.",
                fix="Write it as HEADER=FIELD, for example --map 电话号=phone.",
            )
        mapping[header.strip()] = field.strip()
    return mapping
