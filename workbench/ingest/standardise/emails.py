"""E-mail addresses."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.ingest.standardise.text import (
    _ASCII_SPACES,
    _clean_array,
    _objects,
)

_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$"
)


def standardise_email(text: str | None) -> str | None:
    """The canonical inbox (see `canonical_email`) of a lower-cased address without "mailto:",
    or None when the syntax is not local@domain.tld.

    Example:
        >>> standardise_email(" MailTo:Zhang.Wei@Example.COM "), standardise_email("zhang@qq")
        ('zhang.wei@example.com', None)
        >>> standardise_email("Li.Lei+crm@GoogleMail.com")
        'lilei@gmail.com'
    """
    return _email_columns(pd.Series([text], dtype=object))["email"][0]


_EMAIL_BODY = re.compile(_EMAIL.pattern[1:-1])
_MAILTO = re.compile(r"^mailto:")


_GMAIL = "gmail.com"
_GMAIL_ALIASES = ("googlemail.com",)
_PLUS_TAG = re.compile(r"^([^+]+)\+.*$")


def canonical_email(address: str) -> str:
    """The inbox a valid lower-case address delivers to.

    - A plus tag is dropped: li.lei+crm@qq.com → li.lei@qq.com (sub-addressing; every large
      provider delivers it to the same inbox, and CRMs add tags per campaign).
    - googlemail.com is gmail.com.
    - At gmail.com only, dots in the local part are dropped (Gmail ignores them; other
      providers do not, so li.lei@qq.com and lilei@qq.com stay two inboxes).

    Example:
        >>> canonical_email("li.lei+crm@qq.com"), canonical_email("li.lei@googlemail.com")
        ('li.lei@qq.com', 'lilei@gmail.com')
    """
    local, _, domain = address.rpartition("@")
    local = _PLUS_TAG.sub(r"\1", local)
    if domain in _GMAIL_ALIASES:
        domain = _GMAIL
    if domain == _GMAIL:
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def _email_one(cleaned: str | None) -> str | None:
    if cleaned is None:
        return None
    # Chinese keyboards type 。 for the dot; NFKC leaves it alone.
    text = _MAILTO.sub("", cleaned.lower().replace("。", ".")).strip().strip("<>")
    return canonical_email(text) if _EMAIL_BODY.fullmatch(text) else None


def _canonical_array(local: pa.Array, domain: pa.Array) -> tuple[pa.Array, pa.Array]:
    """canonical_email over Arrow arrays of local parts and domains (the same rules)."""
    local = pc.replace_substring_regex(local, _PLUS_TAG.pattern, r"\1")
    domain = pc.if_else(pc.is_in(domain, value_set=pa.array(_GMAIL_ALIASES)),
                        pa.scalar(_GMAIL), domain)
    undotted = pc.replace_substring(local, ".", "")
    gmail = pc.and_(pc.equal(domain, _GMAIL), pc.greater(pc.utf8_length(undotted), 0))
    local = pc.if_else(pc.fill_null(gmail, False), undotted, local)
    return local, domain


def _email_columns(values: pd.Series) -> dict[str, np.ndarray]:
    cleaned = _clean_array(values.to_numpy(dtype=object))
    # ASCII cells in Arrow: lower-casing, stripping (Python's ASCII whitespace spelled out) and
    # the pattern agree with Python's on ASCII text. Other cells one by one in Python.
    text = pc.replace_substring_regex(pc.utf8_lower(cleaned), "^mailto:", "")
    text = pc.utf8_trim(pc.utf8_trim(text, characters=_ASCII_SPACES), characters="<>")
    ok = pc.fill_null(pc.match_substring_regex(text, f"^(?:{_EMAIL_BODY.pattern})$"), False)
    email_array = pc.if_else(ok, text, pa.scalar(None, pa.string()))
    local_array, domain_array = _canonical_array(
        pc.replace_substring_regex(email_array, "@[^@]*$", ""),
        pc.replace_substring_regex(email_array, "^.*@", ""),
    )
    email = _objects(pc.binary_join_element_wise(local_array, domain_array, "@"))
    local, domain = _objects(local_array), _objects(domain_array)
    non_ascii = np.flatnonzero(
        ~pc.fill_null(pc.string_is_ascii(cleaned), True).to_numpy(zero_copy_only=False)
    )
    for i, value in zip(non_ascii, _objects(pc.take(cleaned, non_ascii)), strict=True):
        found = _email_one(value)
        email[i] = found
        local[i], domain[i] = found.rsplit("@", 1) if found else (None, None)
    return {"email": email, "email_local": local, "email_domain": domain}


