"""Social accounts: WeChat, QQ, Douyin, Kuaishou."""

from __future__ import annotations

import re

from workbench.ingest.standardise.phones import _MOBILE
from workbench.ingest.standardise.text import (
    _FLOAT_ZEROS,
    clean_text,
)

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

