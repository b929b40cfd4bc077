"""Survivorship: which value of each field a golden lead takes from its member records.

By default a field takes the value of the most recently updated record, ties broken by
channel (own channels over third parties, then higher priority); values that failed
validation never win. Rules are set per field, and phones and e-mails keep every other
valid value as secondary contacts instead of dropping them.

Example:
    >>> rules = Survivorship.standard().with_rule("name", FieldRule("priority"))
    >>> Survivorship.from_json(rules.to_json()) == rules
    True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

from workbench.errors import InputError
from workbench.fields import CHECKED_FIELDS, STANDARD_FIELDS
from workbench.leads import sql as leads_sql
from workbench.store.sql import quote_ident

# What each rule orders the candidate values by, most preferred first.
RULES: dict[str, str] = {
    "latest": "most recently updated record, then own channel, then channel priority",
    "priority": "own channel, then channel priority, then most recently updated",
    "prefer_mobile": "a valid mobile number over a landline, then latest",
    "most_common": "the value most member records agree on, then latest",
    "earliest": "the record updated first (keeps the original value)",
    # Rules over values rather than records, for what channels report about customers.
    "max": "the largest value (dates: the most recent)",
    "min": "the smallest value (dates: the earliest)",
    "sum_channels": "the sum over channels of each channel's latest value: a channel reports "
    "its running total, so its older records are not added again",
    "union": "every tag any record gives, each once, comma-separated",
}

# Fields of the golden lead. `channel` and `updated_at` become `channels` and `last_updated`.
GOLDEN_FIELDS: tuple[str, ...] = tuple(
    f for f in STANDARD_FIELDS if f not in ("channel", "updated_at")
)


@dataclass(frozen=True)
class FieldRule:
    """How one field survives.

    Args:
        rule: one of `RULES`.
        keep_all: also keep every other distinct valid value, in `<field>_others`.
    """

    rule: str = "latest"
    keep_all: bool = False


# Customer fields: registered when first seen anywhere, last order the most recent one, orders
# and spend added up across channels (each channel counted once), tags from every channel.
CUSTOMER_RULES: dict[str, FieldRule] = {
    "registered_at": FieldRule("min"),
    "last_order_at": FieldRule("max"),
    "orders": FieldRule("sum_channels"),
    "total_amount": FieldRule("sum_channels"),
    "tags": FieldRule("union"),
}


@dataclass(frozen=True)
class Survivorship:
    """Survivorship rules for every golden field; fields not listed use `default`."""

    fields: dict[str, FieldRule] = field(default_factory=dict)
    default: FieldRule = FieldRule()

    @classmethod
    def standard(cls) -> Survivorship:
        """Latest wins; phones prefer a valid mobile; every phone and e-mail is kept."""
        return cls(
            fields={
                "phone": FieldRule("prefer_mobile", keep_all=True),
                "email": FieldRule("latest", keep_all=True),
                **CUSTOMER_RULES,
            }
        )

    def rule_for(self, name: str) -> FieldRule:
        return self.fields.get(name, self.default)

    def with_rule(self, name: str, rule: FieldRule) -> Survivorship:
        return replace(self, fields={**self.fields, name: rule})

    def validate(self) -> None:
        """Raise one InputError listing every unknown field or rule."""
        problems = [
            f"unknown field '{name}'" for name in self.fields if name not in GOLDEN_FIELDS
        ]
        for name, rule in [*self.fields.items(), ("(default)", self.default)]:
            if rule.rule not in RULES:
                problems.append(f"unknown rule '{rule.rule}' for {name}")
        if problems:
            raise InputError(
                "The survivorship rules have problems: " + "; ".join(problems) + ".",
                fix=f"Fields are {', '.join(GOLDEN_FIELDS)}; rules are {', '.join(RULES)}.",
            )

    def to_json(self) -> str:
        return json.dumps(
            {"fields": {k: asdict(v) for k, v in self.fields.items()},
             "default": asdict(self.default)},
            ensure_ascii=False, sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Survivorship:
        data = json.loads(text)
        rules = cls(
            fields={k: FieldRule(**v) for k, v in data.get("fields", {}).items()},
            default=FieldRule(**data.get("default", {})),
        )
        rules.validate()
        return rules


def valid_sql(name: str) -> str:
    """SQL that is true where a member's value of `name` may win: present and not failed."""
    col = quote_ident(name)
    cond = f"{col} IS NOT NULL AND trim({col}) <> ''"
    if name in CHECKED_FIELDS:
        cond += f" AND coalesce({quote_ident(name + '_status')}, 'ok') = 'ok'"
    return cond


_LATEST = "_updated DESC NULLS LAST, _own DESC, _priority DESC, record_id DESC"

# The window of each rule's candidates, most preferred first: inside one lead, or for
# sum_channels inside one lead's records from one channel.
WINDOW: dict[str, str] = {
    "latest": f"PARTITION BY lead_id ORDER BY {_LATEST}",
    "priority": "PARTITION BY lead_id "
    "ORDER BY _own DESC, _priority DESC, _updated DESC NULLS LAST, record_id DESC",
    "prefer_mobile": "PARTITION BY lead_id "
    f"ORDER BY coalesce(phone_type = 'mobile', false) DESC, {_LATEST}",
    "earliest": "PARTITION BY lead_id "
    "ORDER BY _updated ASC NULLS LAST, _own DESC, _priority DESC, record_id ASC",
    "sum_channels": "PARTITION BY lead_id, channel ORDER BY _updated DESC NULLS LAST, "
    "record_id DESC",
}
# Rules that pick by value, with no rank of records.
_BY_VALUE = {"most_common", "max", "min", "union"}


def rank_columns(rules: Survivorship) -> dict[str, str]:
    """The rank columns the rules need (`_r_<rule>`: 1 for the preferred member of a lead),
    each with its window. Ranking once per rule is much cheaper than ordering per field."""
    used = {rules.rule_for(f).rule for f in GOLDEN_FIELDS} - _BY_VALUE
    return {f"_r_{rule}": WINDOW[rule] for rule in sorted(used)}


def select_sql(rules: Survivorship) -> list[str]:
    """The aggregate expressions of every golden field under `rules`, over members that carry
    the `rank_columns`."""
    out = []
    for name in GOLDEN_FIELDS:
        rule = rules.rule_for(name)
        col, valid = quote_ident(name), valid_sql(name)
        if rule.rule == "most_common":
            pick = f"mode({col}) FILTER (WHERE {valid})"
        elif rule.rule in ("max", "min"):
            pick = f"{rule.rule}({col}) FILTER (WHERE {valid})"
        elif rule.rule == "sum_channels":
            # Each channel's latest value once; the total is text like every golden field.
            pick = (f"CAST(sum(TRY_CAST({col} AS DECIMAL(18, 2))) FILTER "
                    f"(WHERE {valid} AND _r_sum_channels = 1) AS VARCHAR)")
            if name == "orders":
                pick = (f"CAST(sum(TRY_CAST({col} AS BIGINT)) FILTER "
                        f"(WHERE {valid} AND _r_sum_channels = 1) AS VARCHAR)")
        elif rule.rule == "union":
            pick = (f"nullif(array_to_string(list_sort(list_distinct(flatten(list("
                    f"string_split({col}, ',')) FILTER (WHERE {valid})))), ','), '')")
        else:
            pick = f"arg_min({col}, _r_{rule.rule}) FILTER (WHERE {valid})"
        out.append(f"{pick} AS {col}")
        if rule.keep_all:
            out.append(
                f"list(DISTINCT {col} ORDER BY {col}) FILTER (WHERE {valid}) "
                f"AS {quote_ident(name + '_all')}"
            )
    return out


def finish_sql(rules: Survivorship, golden: str, edits: str) -> str:
    """Apply field overrides to the golden rows and turn `_all` lists into `_others`."""
    keep_all = {name for name in GOLDEN_FIELDS if rules.rule_for(name).keep_all}
    return leads_sql.overrides_applied_sql(list(GOLDEN_FIELDS), keep_all, golden, edits)
