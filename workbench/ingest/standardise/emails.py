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


