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

from .errors import InputError
from .fields import CHECKED_FIELDS, STANDARD_FIELDS
from .sql import quote_ident

# What each rule orders the candidate values by, most preferred first.
RULES: dict[str, str] = {
    "latest": "most recently updated record, then own channel, then channel priority",
    "priority": "own channel, then channel priority, then most recently updated",
    "prefer_mobile": "a valid mobile number over a landline, then latest",
    "most_common": "the value most member records agree on, then latest",
    "earliest": "the record updated first (keeps the original value)",
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


_LATEST = ["_updated", "_own", "_priority", "record_id"]


def order_key_sql(rule: str) -> list[str]:
    """The parts of a key that sorts the preferred candidate highest, for `arg_max`."""
    if rule == "latest":
        return _LATEST
    if rule == "priority":
        return ["_own", "_priority", "_updated", "record_id"]
    if rule == "prefer_mobile":
        return ["coalesce(phone_type = 'mobile', false)", *_LATEST]
    if rule == "earliest":
        return ["_earliest", "_own", "_priority", "-record_id"]
    raise InputError(f"Survivorship rule '{rule}' has no ordering.", fix=f"Use one of {list(RULES)}.")


def select_sql(rules: Survivorship) -> list[str]:
    """The aggregate expressions of every golden field under `rules`."""
    out = []
    for name in GOLDEN_FIELDS:
        rule = rules.rule_for(name)
        col, valid = quote_ident(name), valid_sql(name)
        if rule.rule == "most_common":
            pick = f"mode({col}) FILTER (WHERE {valid})"
        else:
            key = "struct_pack(" + ", ".join(
                f"k{i} := {part}" for i, part in enumerate(order_key_sql(rule.rule))
            ) + ")"
            pick = f"arg_max({col}, {key}) FILTER (WHERE {valid})"
        out.append(f"{pick} AS {col}")
        if rule.keep_all:
            out.append(
                f"list(DISTINCT {col} ORDER BY {col}) FILTER (WHERE {valid}) "
                f"AS {quote_ident(name + '_all')}"
            )
    return out


def finish_sql(rules: Survivorship, golden: str, edits: str) -> str:
    """Apply field overrides to the golden rows and turn `_all` lists into `_others`."""
    cols = []
    for name in GOLDEN_FIELDS:
        col = quote_ident(name)
        cols.append(
            f"CASE WHEN list_contains(e._fields, '{name}') "
            f"THEN map_extract(e._values, '{name}')[1] ELSE g.{col} END AS {col}"
        )
        if rules.rule_for(name).keep_all:
            cols.append(
                f"list_filter(g.{quote_ident(name + '_all')}, lambda x: x IS DISTINCT FROM "
                f"(CASE WHEN list_contains(e._fields, '{name}') "
                f"THEN map_extract(e._values, '{name}')[1] ELSE g.{col} END)) "
                f"AS {quote_ident(name + '_others')}"
            )
    body = ",\n       ".join(cols)
    return f"""
SELECT g.lead_id, {body},
       g.members, g.record_ids, g.channels, g.last_updated,
       coalesce(e._fields, []) AS overridden
FROM ({golden}) g
LEFT JOIN (SELECT lead_id, list(field ORDER BY field) AS _fields, map(list(field), list(value)) AS _values
           FROM ({edits}) GROUP BY lead_id) e USING (lead_id)"""
