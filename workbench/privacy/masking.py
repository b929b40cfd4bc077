"""Masking of personal data (PIPL, 个人信息保护法) for display and exported reports.

A mobile shows its first three and last four digits (138****5678), a name keeps only the
surname (张*), other contact IDs keep a little of each end. Masking keeps the length roughly,
so a reader can still tell a short value from a long one, and never reveals more than the
rule allows. `mask_frame` masks every personal column of a frame (fields.PERSONAL_FIELDS, their
`_raw` twins and the derived columns that repeat them).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd

from workbench.errors import InputError
from workbench.fields import PERSONAL_FIELDS
from workbench.store import sql
from workbench.store.log import log_event
from workbench.store.pool import current_actor, run

STAR = "*"
# Two-character surnames; a name starting with one keeps both characters.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 独孤 "
    "南宫 西门 万俟 闻人 澹台 申屠 太史 赫连 呼延 钟离 百里 东郭 第五".split()
)
_CJK = re.compile(r"[\u3400-\u9fff]")


def _is_blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or value == ""


def mask_phone(value: object) -> object:
    """Keep the first three and last four digits of a phone number.

    Example:
        >>> mask_phone("+8613812345678"), mask_phone("138-1234-5678")
        ('138****5678', '138****5678')
    """
    if _is_blank(value):
        return value
    digits = re.sub(r"\D", "", str(value))
    if digits.startswith("86") and len(digits) > 11:
        digits = digits[2:]
    if len(digits) < 7:
        return STAR * max(len(digits), 4)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(value: object) -> object:
    """Keep the surname only: 张伟 → 张*, 欧阳娜娜 → 欧阳**, Zhang Wei → Zhang ***.

    Example:
        >>> mask_name("张伟")
        '张*'
    """
    if _is_blank(value):
        return value
    text = str(value).strip()
    if _CJK.match(text):
        keep = 2 if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else 1
        return text[:keep] + STAR * max(len(text) - keep, 1)
    words = text.split()
    if len(words) > 1:
        return " ".join([words[0], *(STAR * len(w) for w in words[1:])])
    return text[:1] + STAR * max(len(text) - 1, 1)


def mask_email(value: object) -> object:
    """Keep the first character of the local part and the domain.

    Example:
        >>> mask_email("zhangwei@163.com")
        'z***@163.com'
    """
    if _is_blank(value):
        return value
    local, at, domain = str(value).partition("@")
    if not at:
        return mask_text(value)
    return f"{local[:1]}***@{domain}"


def mask_id_number(value: object) -> object:
    """Keep the first three and the last four characters of an ID number.

    Example:
        >>> mask_id_number("110101199003071234")
        '110***********1234'
    """
    if _is_blank(value):
        return value
    text = re.sub(r"\s", "", str(value))
    if len(text) < 8:
        return STAR * len(text)
    return text[:3] + STAR * (len(text) - 7) + text[-4:]


def mask_text(value: object) -> object:
    """Keep a little of each end of an account ID (WeChat, QQ, Douyin, Kuaishou).

    Example:
        >>> mask_text("wxid_zhangwei88")
        'wx***********88'
    """
    if _is_blank(value):
        return value
    text = str(value)
    if len(text) <= 4:
        return text[:1] + STAR * (len(text) - 1 or 1)
    return text[:2] + STAR * (len(text) - 4) + text[-2:]


def mask_address(value: object) -> object:
    """Keep the first six characters (province, city, district), mask the street and number.

    Example:
        >>> mask_address("北京市朝阳区建国路88号")
        '北京市朝阳区****'
    """
    if _is_blank(value):
        return value
    text = str(value)
    return text[: min(6, len(text) // 2)] + "****"


def mask_date(value: object) -> object:
    """Keep the year of a date: 1990-03-07 → 1990-**-**.

    Example:
        >>> mask_date("1990-03-07")
        '1990-**-**'
    """
    if _is_blank(value):
        return value
    text = str(value)
    return text[:4] + "-**-**" if re.match(r"\d{4}", text) else STAR * 4


def mask_pinyin(value: object) -> object:
    """Keep the first syllable (the surname) of a pinyin name: 'zhang wei' → 'zhang ***'."""
    return mask_name(value)


_ID_IN_TEXT = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, possibly with +, spaces or dashes between: phone numbers in any format.
_PHONE_IN_TEXT = re.compile(r"\+?\d[\d\s-]{5,}\d")


def mask_free_text(value: object) -> object:
    """Mask ID numbers, emails and phone numbers wherever they appear in free text.

    Used on remarks and on messages that quote values (reject reasons, problem notes).

    Example:
        >>> mask_free_text("phone '13812345678' is not valid, 邮箱 zw@163.com")
        "phone '138****5678' is not valid, 邮箱 z***@163.com"
    """
    if _is_blank(value) or not isinstance(value, str):
        return value
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), value)
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)
    return _PHONE_IN_TEXT.sub(
        lambda m: mask_phone(m.group()) if len(re.sub(r"\D", "", m.group())) >= 7 else m.group(),
        text,
    )


def _mask_list(masker: Callable[[object], object]) -> Callable[[object], object]:
    def mask(value: object) -> object:
        if value is None or isinstance(value, str) or not hasattr(value, "__iter__"):
            return masker(value)
        return [masker(v) for v in value]

    return mask


# Which masker each personal field, and each column derived from one, uses.
MASKERS: dict[str, Callable[[object], object]] = {
    "name": mask_name,
    "phone": mask_phone,
    "email": mask_email,
    "wechat": mask_text,
    "qq": mask_text,
    "douyin": mask_text,
    "kuaishou": mask_text,
    "address": mask_address,
    "id_number": mask_id_number,
    "birth_date": mask_date,
}
DERIVED_MASKERS: dict[str, Callable[[object], object]] = {
    "phones": _mask_list(mask_phone),
    "phone_last8": lambda v: v if _is_blank(v) else STAR * 4 + str(v)[-4:],
    "email_local": lambda v: v if _is_blank(v) else str(v)[:1] + "***",
    "name_pinyin": mask_pinyin,
}


# Columns of free text that may quote personal values: searched and masked where found.
FREE_TEXT_COLUMNS = ("remark", "remark_raw", "extra", "reject_reason", "problems", "reasons",
                     "message")


def personal_columns(columns: Iterable[str]) -> dict[str, Callable[[object], object]]:
    """The columns among `columns` that hold personal data, with the masker of each."""
    found: dict[str, Callable[[object], object]] = {}
    for column in columns:
        field = column[:-4] if column.endswith("_raw") else column
        if field in PERSONAL_FIELDS and field in MASKERS:
            found[column] = MASKERS[field]
        elif column in DERIVED_MASKERS:
            found[column] = DERIVED_MASKERS[column]
        elif column in FREE_TEXT_COLUMNS:
            found[column] = mask_free_text
    return found


def mask_frame(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of `frame` with its personal columns masked.

    Columns are recognised by their standard names (`phone`, `phone_raw`, `phones`, ...);
    free-text columns (remarks, reject reasons) have phones, emails and ID numbers in them
    masked; `columns` maps other column names to the field they hold (e.g. {"手机号": "phone"}).

    Example:
        >>> mask_frame(pd.DataFrame({"name": ["张伟"], "phone": ["+8613812345678"]}))
          name        phone
        0   张*  138****5678
    """
    maskers = personal_columns(frame.columns)
    for column, field in (columns or {}).items():
        if column in frame.columns:
            maskers[column] = MASKERS.get(field) or DERIVED_MASKERS.get(field) or mask_text
    masked = frame.copy()
    for column, masker in maskers.items():
        masked[column] = frame[column].map(masker).astype(object)
    return masked


# --- who may see personal data unmasked ------------------------------------------------------

_GRANTS_KEY = "privacy_authorised"
_ADMINS_KEY = "privacy_admins"


def authorised_users(con) -> list[str]:
    """The people allowed to export personal data unmasked (kept in the pool's meta table)."""
    return _meta_list(con, _GRANTS_KEY)


def privacy_admins(con) -> list[str]:
    """The administrators who may approve others for unmasked data (never themselves)."""
    return _meta_list(con, _ADMINS_KEY)


def _meta_list(con, key: str) -> list[str]:
    row = run(con, sql.meta_value_sql(), {"key": key}).fetchone()
    return json.loads(row[0]) if row else []


def os_login() -> str:
    """The operating-system account running this process (not `WORKBENCH_USER`, which anyone
    can set): the only identity that may name the first administrator."""
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def pool_owner(pool) -> str:
    """The operating-system account that owns the pool file."""
    import pwd

    return pwd.getpwuid(Path(pool.path).stat().st_uid).pw_name


def add_admin(pool, user: str, *, allow: bool = True, actor: str | None = None,
              reason: str | None = None) -> list[str]:
    """Make `user` a privacy administrator (or with `allow=False`, no longer one); an event.

    The first administrator can be named only by the operating-system account that owns the
    pool file; after that only an administrator names others, and never removes the last one.

    Example:
        >>> add_admin(Pool(), "张经理", reason="数据负责人")
        ['张经理']
    """
    actor = actor or current_actor()
    with pool.transaction() as con:
        admins = privacy_admins(con)
        if admins:
            _require_admin(admins, actor, f"change the administrators ('{user}')")
        elif os_login() != pool_owner(pool):
            raise InputError(
                f"the first privacy administrator can be named only by the account that owns "
                f"the pool file ('{pool_owner(pool)}'), not by '{os_login()}'.",
                file=str(pool.path),
                fix="Ask that account to run `workbench privacy admin USER`.",
            )
        users = [u for u in admins if u != user] + ([user] if allow else [])
        if not users:
            raise InputError(f"'{user}' is the last privacy administrator.",
                             fix="Name another administrator first, then remove this one.")
        run(con, sql.set_meta_value_sql(),
            {"key": _ADMINS_KEY, "value": json.dumps(sorted(users), ensure_ascii=False)})
        log_event(con, "privacy_admin_added" if allow else "privacy_admin_removed",
                  f"user:{user}", actor=actor if admins else os_login(), reason=reason)
    return sorted(users)


def _require_admin(admins: list[str], actor: str, what: str) -> None:
    if actor not in admins:
        raise InputError(
            f"'{actor}' is not a privacy administrator and may not {what}.",
            fix=f"Ask an administrator ({', '.join(admins) or 'none yet'}) to do it; the "
            "account that owns the pool file names the first one with "
            "`workbench privacy admin USER`.",
        )


def authorise(pool, user: str, *, allow: bool = True, reason: str | None = None,
              actor: str | None = None) -> list[str]:
    """Allow (or with `allow=False`, stop allowing) `user` to export unmasked; an event.

    Only a privacy administrator may grant, and never to themselves (审批留痕: the approver
    and the approved are two people, both in the event).

    Raises:
        InputError: the actor is not an administrator, or grants themselves.

    Example:
        authorise(Pool(), "zhao.gong", reason="数据分析师，经审批", actor="张经理")
        ['zhao.gong']
    """
    actor = actor or current_actor()
    with pool.transaction() as con:
        admins = privacy_admins(con)
        _require_admin(admins, actor, f"authorise '{user}'")
        if allow and actor == user:
            raise InputError(
                f"'{actor}' may not authorise themselves for unmasked personal data.",
                fix="Ask another privacy administrator to approve you.",
            )
        users = [u for u in authorised_users(con) if u != user] + ([user] if allow else [])
        run(con, sql.set_meta_value_sql(),
            {"key": _GRANTS_KEY, "value": json.dumps(sorted(users), ensure_ascii=False)})
        log_event(con, "privacy_authorised" if allow else "privacy_revoked", f"user:{user}",
                  actor=actor, reason=reason)
    return sorted(users)


def check_unmasked_access(con, actor: str) -> None:
    """Refuse unmasked personal data to anyone not authorised.

    Raises:
        InputError: naming the actor and how to get authorised.
    """
    if actor not in authorised_users(con):
        raise InputError(
            f"'{actor}' is not authorised to see personal data unmasked (PIPL).",
            fix="Ask a privacy administrator to run `workbench privacy authorise USER "
            "--reason ...`, or leave the output masked.",
        )
