"""What channels send about customers, standardised: order counts, customer status, tags.

Kept apart from `standardise` so that the customer fields (issue 13) stay one small module;
`standardise` calls these on cleaned text (NFKC, trimmed, placeholders already None). Dates
(`registered_at`, `last_order_at`) and money (`total_amount`) use standardise's own parsers.

Example:
    >>> standardise_orders("3次"), standardise_status("成交"), standardise_tags("高价值，VIP、高价值")
    ('3', '已转化', '高价值,VIP')
"""

from __future__ import annotations

import re

# The customer statuses of the template, and the words channels use for each.
STATUSES: tuple[str, ...] = ("新线索", "跟进中", "已转化", "流失")
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "新线索": ("新线索", "新", "新客", "未跟进", "待跟进", "new", "lead", "new lead", "open"),
    "跟进中": ("跟进中", "跟进", "沟通中", "意向", "有意向", "洽谈中", "following", "follow up",
              "follow-up", "contacted", "in progress", "qualified"),
    "已转化": ("已转化", "转化", "已成交", "成交", "已购买", "已签约", "签约", "老客户", "客户",
              "converted", "won", "customer", "closed won", "paid"),
    "流失": ("流失", "已流失", "无效", "放弃", "沉默", "lost", "churned", "closed lost", "dead"),
}
_STATUS_OF = {word.lower(): status for status, words in STATUS_WORDS.items() for word in words}

_ORDERS = re.compile(r"(\d+)(?:\.0+)?\s*(?:次|单|笔|个|件|orders?)?", re.IGNORECASE)
# Tags are separated by commas (either width), 、, semicolons, slashes, | or spaces.
_TAG_SEPARATORS = re.compile(r"[,，、;；/|\s]+")
TAG_MAX_LENGTH = 20


def standardise_orders(cleaned: str) -> str | None:
    """A whole number of orders, zero or more: "3", "3次", "3.0" → '3'; "-1", "abc" → None."""
    match = _ORDERS.fullmatch(cleaned)
    return str(int(match.group(1))) if match else None


def standardise_status(cleaned: str) -> str | None:
    """One of `STATUSES` for the words channels use ("成交" → 已转化), else None (invalid)."""
    return _STATUS_OF.get(cleaned.strip().lower())


def standardise_tags(cleaned: str) -> str | None:
    """The tags as the template writes them, comma-separated, each once in the order given;
    None when a tag is longer than `TAG_MAX_LENGTH` characters (a sentence is not a tag)."""
    tags: list[str] = []
    for tag in _TAG_SEPARATORS.split(cleaned):
        if tag and tag not in tags:
            tags.append(tag)
    if not tags or any(len(t) > TAG_MAX_LENGTH for t in tags):
        return None
    return ",".join(tags)
