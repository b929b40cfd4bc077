"""Declarative checks over standardised leads: statuses, reachability, and a failures table.

A `Check` is a small value made by a named constructor (`Check.valid("email")`,
`Check.in_range("age", 0, 120)`); `validate_frame` runs a list of them over the output of
`standardise.standardise_frame` and returns the frame with `<field>_status`, `reachable`,
`rejected` and `reject_reason`, plus a table of failures (row, field, check, value, reason) that
reports and the rejects export read. Nothing parses messages.

Statuses: `missing` (no raw value, or a placeholder such as 暂无), `invalid` (a raw value that standardised to nothing, or that
failed a check of severity invalid), `abnormal` (a standardised value out of its plausible range:
it is kept, and does not reject the record), else `ok`.

Example:
    >>> import pandas as pd
    >>> from workbench.ingest.standardise import standardise_frame
    >>> frame, failures = validate_frame(standardise_frame(pd.DataFrame({"phone": ["12345"], "age": ["200"]})))
    >>> frame.loc[0, ["phone_status", "age_status", "reject_reason"]].tolist()
    ['invalid', 'abnormal', "no valid contact: phone '12345' is not a valid number; email, wechat, qq, douyin, kuaishou missing"]
    >>> failures[["field", "check"]].values.tolist()
    [['phone', 'valid'], ['age', 'in_range'], ['contact', 'has_contact']]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from workbench.fields import (
    CHECKED_FIELDS,
    CONTACT_FIELDS,
    REACHABLE_FIELDS,
    STATUS_ABNORMAL,
    STATUS_INVALID,
    STATUS_MASKED,
    STATUS_MISSING,
    STATUS_OK,
)
from workbench.ingest.standardise import SCIENTIFIC_NUMBER, clean_text

log = logging.getLogger(__name__)

FAILURE_COLUMNS: tuple[str, ...] = ("row", "field", "check", "value", "reason")

# What an invalid value of each field is not, in plain words for the reason column.
INVALID_REASONS: dict[str, str] = {
    "name": "is not a usable name (over 50 characters, or digits and symbols in it)",
    "phone": "is not a valid number",
    "email": "is not a valid email address",
    "wechat": "is not a WeChat ID (6–20 letters, digits, _ or -, starting with a letter) "
    "nor a mobile number",
    "qq": "is not a QQ number (5–11 digits, not starting with 0)",
    "douyin": "is not a Douyin ID (2–30 letters, digits, _ or .)",
    "kuaishou": "is not a Kuaishou ID (2–30 letters, digits, _ or .)",
    "company": "is not a usable company name (over 100 characters)",
    "province": "is not a province of China",
    "city": "is not a prefecture-level city of China",
    "address": "is too short to locate anybody",
    "postcode": "is not a 6-digit postcode",
    "id_number": "is not a resident ID number (18 characters with a valid check digit, or 15 "
                 "digits) nor another ID (6–20 letters and digits)",
    "birth_date": "is not a date",
    "gender": "is not a gender (男/女, M/F, male/female)",
    "age": "is not a whole number",
    "amount": "is not a number",
    "updated_at": "is not a date and time",
    "registered_at": "is not a date and time",
    "last_order_at": "is not a date and time",
    "orders": "is not a whole number of orders",
    "total_amount": "is not a number",
    "status": "is not a customer status (新线索 / 跟进中 / 已转化 / 流失)",
    "tags": "is not a list of tags (comma-separated, each at most 20 characters)",
}


@dataclass(frozen=True)
class Check:
    """One rule over one field. Make them with the named constructors.

    Attributes:
        field: the standard field checked.
        name: the check's name in the failures table (valid, not_null, in_range, ...).
        severity: the status a failing value gets: invalid, abnormal or missing.
        reason: a plain sentence for a failing value, with `{value}` for the raw value.
        test: given the standardised column (object, None when missing), True where the value
            fails; None means the check is the standardiser's own verdict (raw present, value
            None).

    Example:
        >>> Check.in_range("age", 0, 120).name
        'in_range'
    """

    field: str
    name: str
    severity: str
    reason: str
    test: Callable[[pd.Series], np.ndarray] | None = field(default=None, compare=False)

    @classmethod
    def valid(cls, field_name: str) -> Check:
        """The raw value standardised to a value (else: invalid)."""
        what = INVALID_REASONS.get(field_name, "is not valid")
        return cls(field_name, "valid", STATUS_INVALID, f"{field_name} '{{value}}' {what}")

    @classmethod
    def not_null(cls, field_name: str) -> Check:
        """The field has a value (else: missing, and a failure row)."""
        return cls(
            field_name, "not_null", STATUS_MISSING, f"{field_name} missing",
            lambda std: pd.isna(std.to_numpy(dtype=object)),
        )

    @classmethod
    def in_range(cls, field_name: str, low: float, high: float) -> Check:
        """The number lies in [low, high] (else: abnormal)."""

        def test(std: pd.Series) -> np.ndarray:
            number = pd.to_numeric(std, errors="coerce").to_numpy(dtype=float)
            return ~np.isnan(number) & ((number < low) | (number > high))

        return cls(
            field_name, "in_range", STATUS_ABNORMAL,
            f"{field_name} '{{value}}' is outside {low:g}–{high:g}", test,
        )

    @classmethod
    def non_negative(cls, field_name: str) -> Check:
        """The number is zero or more (else: abnormal)."""

        def test(std: pd.Series) -> np.ndarray:
            number = pd.to_numeric(std, errors="coerce").to_numpy(dtype=float)
            return ~np.isnan(number) & (number < 0)

        return cls(
            field_name, "non_negative", STATUS_ABNORMAL, f"{field_name} '{{value}}' is negative",
            test,
        )

    @classmethod
    def not_future(cls, field_name: str, today: date | None = None) -> Check:
        """The date (or date and time) is not after today (else: abnormal).

        `today` defaults to the day the check runs.
        """

        def test(std: pd.Series) -> np.ndarray:
            limit = (today or date.today()).isoformat()
            # ISO text compares in date order; the first 10 characters are the day.
            days, present = _days(std)
            return present & (days > limit)

        return cls(
            field_name, "not_future", STATUS_ABNORMAL, f"{field_name} '{{value}}' is in the future",
            test,
        )

    @classmethod
    def after(cls, field_name: str, earliest: str) -> Check:
        """The date is on or after `earliest` ('YYYY-MM-DD') (else: abnormal)."""
        datetime.strptime(earliest, "%Y-%m-%d")  # a wrong limit fails here, not per row

        def test(std: pd.Series) -> np.ndarray:
            days, present = _days(std)
            return present & (days < earliest)

        return cls(
            field_name, "after", STATUS_ABNORMAL,
            f"{field_name} '{{value}}' is before {earliest}", test,
        )

    @classmethod
    def custom(
        cls, field_name: str, name: str, fails: Callable[[str], bool], reason: str,
        severity: str = STATUS_INVALID,
    ) -> Check:
        """A rule of your own: `fails(value)` is True for a bad standardised value.

        Example:
            >>> c = Check.custom("email", "not_test", lambda v: v.endswith("@test.com"),
            ...                  "email '{value}' is a test address")
            >>> c.severity
            'invalid'
        """

        def test(std: pd.Series) -> np.ndarray:
            text = std.to_numpy(dtype=object)
            return np.array([v is not None and v == v and bool(fails(v)) for v in text], dtype=bool)

        return cls(field_name, name, severity, reason, test)


def _days(std: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(first 10 characters of each value as fixed-width text, where a value is present)."""
    text = std.to_numpy(dtype=object)
    present = ~pd.isna(text)
    days = np.full(len(text), "", dtype="<U10")
    # Casting to a 10-character dtype keeps the first 10 characters of str(value).
    days[present] = text[present].astype("<U10")
    return days, present


DEFAULT_CHECKS: tuple[Check, ...] = (
    *(Check.valid(f) for f in CHECKED_FIELDS),
    Check.in_range("age", 0, 120),
    Check.non_negative("amount"),
    Check.not_future("birth_date"),
    Check.after("birth_date", "1900-01-01"),
    Check.not_future("updated_at"),
    Check.non_negative("total_amount"),
    Check.not_future("registered_at"),
    Check.not_future("last_order_at"),
)

# Worse statuses win when several checks touch one value.
_RANK = {STATUS_OK: 0, STATUS_MISSING: 1, STATUS_MASKED: 2, STATUS_ABNORMAL: 3, STATUS_INVALID: 4}


def _column(std: pd.DataFrame, name: str) -> pd.Series:
    if name in std.columns:
        return std[name]
    return pd.Series(np.full(len(std), None, dtype=object), index=std.index, dtype=object)


def _given(raw: np.ndarray, has_value: np.ndarray) -> np.ndarray:
    """True where a raw value was given (not None, not a placeholder such as 暂无 or '-') but
    no standardised value came of it. Rows with a value are not looked at (False): every use
    of this mask is for rows without one."""
    given = np.zeros(len(raw), dtype=bool)
    empty = np.flatnonzero(~has_value)
    unsure = empty[~pd.isna(raw[empty])]
    if len(unsure):
        codes, uniques = pd.factorize(raw[unsure])
        real = np.array([clean_text(v) is not None for v in uniques], dtype=bool)
        given[unsure] = real[codes]
    return given


def _shown(value) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def validate_frame(
    std: pd.DataFrame, checks: Sequence[Check] = DEFAULT_CHECKS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give each checked field a status, judge reachability, and list every problem.

    Args:
        std: the output of `standardise_frame` (`<field>` and `<field>_raw` columns).
        checks: the checks to run; `DEFAULT_CHECKS` has `valid` for every checked field and
            the range checks on age, amount and dates.

    Returns:
        (frame, failures): `frame` is `std` plus `<field>_status` for every field of
        `fields.CHECKED_FIELDS`, `reachable`, `rejected` and `reject_reason`; `failures` has one
        row per problem with columns row (the index label), field, check, value (raw) and
        reason. A rejected record adds one row with field 'contact' and check 'has_contact'.

    Example:
        >>> from workbench.ingest.standardise import standardise_frame
        >>> frame, failures = validate_frame(standardise_frame(pd.DataFrame({"email": ["a@b.cn"]})))
        >>> frame.loc[0, "email_status"], bool(frame.loc[0, "reachable"]), len(failures)
        ('ok', True, 0)
    """
    n = len(std)
    # Statuses are kept as ranks (small integers) while checks run, made text at the end.
    ranks: dict[str, np.ndarray] = {}
    verdicts: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # field -> (has_value, has_raw)
    raws: dict[str, np.ndarray] = {}
    for name in CHECKED_FIELDS:
        has_value, has_raw = _standardised(std, name, verdicts, raws)
        rank = np.full(n, _RANK[STATUS_MISSING], dtype=np.int8)
        rank[has_value] = _RANK[STATUS_OK]
        rank[~has_value & has_raw] = _RANK[STATUS_INVALID]
        ranks[name] = rank
    # A masked phone (139****6789) is evidence kept in phone_masked, not an invalid value; it
    # is no contact either, so a record with nothing else is still rejected.
    masked = ~pd.isna(_column(std, "phone_masked").to_numpy(dtype=object))
    ranks["phone"][masked] = _RANK[STATUS_MASKED]

    failure_parts: list[pd.DataFrame] = []
    for check in checks:
        if check.test is None:
            has_value, has_raw = _standardised(std, check.field, verdicts, raws)
            failed = ~has_value & has_raw
            if check.field == "phone":
                failed &= ~masked
        else:
            failed = np.asarray(check.test(_column(std, check.field)), dtype=bool)
        if not failed.any():
            continue
        rows = np.flatnonzero(failed)
        if check.field in ranks:
            rank = ranks[check.field]
            severity = _RANK[check.severity]
            worse = rows[rank[rows] < severity]
            rank[worse] = severity
        raw = raws.get(check.field)
        if raw is None:
            raw = _column(std, f"{check.field}_raw").to_numpy(dtype=object)
        shown = [_shown(v) for v in raw[rows]]
        failure_parts.append(
            pd.DataFrame(
                {
                    "row": std.index[rows],
                    "field": check.field,
                    "check": check.name,
                    "value": pd.Series(shown, dtype=object).to_numpy(dtype=object),
                    "reason": [check.reason.format(value=v if v is not None else "")
                               + (_hint(check.field, v) if check.name == "valid" else "")
                               for v in shown],
                }
            )
        )

    names = np.empty(len(_RANK), dtype=object)
    for status, rank in _RANK.items():
        names[rank] = status
    added: dict[str, np.ndarray] = {
        f"{name}_status": names[ranks[name]] for name in CHECKED_FIELDS
    }
    reachable = np.zeros(n, dtype=bool)
    for name in REACHABLE_FIELDS:
        reachable |= ranks[name] == _RANK[STATUS_OK]
    has_contact = np.zeros(n, dtype=bool)
    for name in CONTACT_FIELDS:
        has_contact |= ranks[name] == _RANK[STATUS_OK]
    rejected = ~has_contact
    statuses = {name: added[f"{name}_status"] for name in CONTACT_FIELDS}
    contact_raws = {
        name: raws.get(name, _column(std, f"{name}_raw").to_numpy(dtype=object))
        for name in CONTACT_FIELDS
    }
    reasons = np.full(n, None, dtype=object)
    for i in np.flatnonzero(rejected):
        reasons[i] = _reject_reason(contact_raws, statuses, i)
    added["reachable"] = reachable
    added["rejected"] = rejected
    added["reject_reason"] = reasons
    frame = _with_columns(std, added)
    if rejected.any():
        failure_parts.append(
            pd.DataFrame(
                {
                    "row": std.index[rejected],
                    "field": "contact",
                    "check": "has_contact",
                    "value": pd.Series([None] * int(rejected.sum()), dtype=object).to_numpy(),
                    "reason": reasons[rejected],
                }
            )
        )

    if failure_parts:
        failures = pd.concat(failure_parts, ignore_index=True)
    else:
        failures = pd.DataFrame({c: pd.Series(dtype=object) for c in FAILURE_COLUMNS})
    failures = failures.astype(
        {"field": object, "check": object, "value": object, "reason": object}
    )[list(FAILURE_COLUMNS)]
    log.debug("validated %d rows: %d rejected, %d failures", n, int(rejected.sum()), len(failures))
    return frame, failures


def _standardised(
    std: pd.DataFrame, name: str, verdicts: dict, raws: dict
) -> tuple[np.ndarray, np.ndarray]:
    """(has a standardised value, was given a raw value) for a field, worked out once."""
    if name not in verdicts:
        value = _column(std, name).to_numpy(dtype=object)
        raw = _column(std, f"{name}_raw").to_numpy(dtype=object)
        has_value = ~pd.isna(value)
        verdicts[name] = has_value, _given(raw, has_value)
        raws[name] = raw
    return verdicts[name]


def _with_columns(std: pd.DataFrame, added: dict[str, np.ndarray]) -> pd.DataFrame:
    """`std` with the added columns at its end (or in place where they exist already).

    A shallow copy: std's own columns are shared, not copied (a deep copy of a million rows
    of text cost more than the checks), and std itself is left as it was.
    """
    frame = std.copy(deep=False)
    for name, values in added.items():
        dtype = bool if name in ("reachable", "rejected") else object
        frame[name] = pd.Series(values, index=std.index, dtype=dtype)
    return frame


# A long number Excel displayed in scientific notation (1.38123E+10) and saved that way: the
# digits past the shown ones are gone, and only the channel's source can give them back.
_SHORTENED_HINT = (" (Excel saved it in scientific notation and dropped digits: format the "
                   "column as text in the channel's export and send the file again)")
_NUMBER_FIELDS = ("phone", "qq", "id_number")


def _hint(field_name: str, value: object) -> str:
    """A hint for a value whose problem has a known cause, or ''."""
    if field_name in _NUMBER_FIELDS and isinstance(value, str) \
            and SCIENTIFIC_NUMBER.match(value.replace(" ", "")):
        return _SHORTENED_HINT
    return ""


def _reject_reason(raws: dict[str, np.ndarray], statuses: dict[str, np.ndarray], i: int) -> str:
    """'no valid contact: phone '12345' is not a valid number; email, wechat … missing'."""
    problems, missing = [], []
    for name in CONTACT_FIELDS:
        if statuses[name][i] == STATUS_MISSING:
            missing.append(name)
        elif statuses[name][i] == STATUS_MASKED:
            problems.append(f"{name} '{_shown(raws[name][i])}' is masked (evidence, not a contact)")
        else:
            shown = _shown(raws[name][i])
            problems.append(f"{name} '{shown}' {INVALID_REASONS[name]}{_hint(name, shown)}")
    if missing:
        problems.append(f"{', '.join(missing)} missing")
    return "no valid contact: " + "; ".join(problems)


__all__ = ["DEFAULT_CHECKS", "FAILURE_COLUMNS", "INVALID_REASONS", "Check", "validate_frame"]
