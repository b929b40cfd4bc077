"""The managed automatic rules: what an event of each type does to its lead, as values.

A rule is a small frozen value: the event type it handles, which lead fields it sets from
which data fields, and whether it needs the event to say `verified: true`. `plan` turns an
event into a `Plan` (the field edits, or why it goes to review); the intake applies the plan
through `workbench.leads.merge.edit_lead`, so every fix is a history event that names the
triggering event and `workbench undo` reverses.

Rules live in the pool as versions: switching one on or off appends a row to `event_rules`.

Example:
    Rule.phone_changed().plan(event).edits
    (('phone', '+8613987654321'),)
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, replace

import duckdb
import pandas as pd

from workbench.errors import InputError
from workbench.events import sql
from workbench.events.contract import EVENT_TYPES, Event
from workbench.store.log import log_event, now
from workbench.store.pool import Pool, current_actor, run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What a rule would do with one event: `status` 'apply' (with `edits`), 'review' (a person
    decides; nothing changes) or 'ignored'."""

    status: str
    edits: tuple[tuple[str, str], ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Rule:
    """One automatic rule.

    Args:
        name: the event type it handles.
        sets: lead field -> the `data` field its new value comes from (standardised as an
            imported value of that field is).
        needs_verified: only events with `data.verified` true are applied; the others go to
            review.
        enabled: switched on.
        version: its version in the pool.
        description: what it does, for people.
    """

    name: str
    sets: dict[str, str] = field(default_factory=dict)
    needs_verified: bool = False
    enabled: bool = True
    version: int = 1
    description: str = ""

    @classmethod
    def phone_changed(cls) -> Rule:
        return cls("phone_changed", {"phone": "new_phone"}, needs_verified=True,
                   description="客户在APP验证新旧号码后更换手机号: 线索手机号改为新号, 旧号留在其他电话中; "
                               "未验证的进入人工复核")

    @classmethod
    def wechat_bound(cls) -> Rule:
        return cls("wechat_bound", {"wechat": "wechat"},
                   description="客户绑定微信: 线索的微信号改为绑定的微信号")

    @classmethod
    def job_changed(cls) -> Rule:
        return cls("job_changed", {"company": "company", "title": "title"},
                   description="客户更换工作: 公司和职位改为新的")

    @classmethod
    def to_review(cls, name: str, description: str) -> Rule:
        """A rule that changes nothing by itself: its events wait for a person."""
        return cls(name, {}, description=description)

    def plan(self, event: Event) -> Plan:
        """What this rule does with `event` (changes nothing)."""
        if not self.enabled:
            return Plan("ignored", reason=f"规则已停用 rule {self.name} is disabled")
        if not self.sets:
            return Plan("review", reason=f"{self.name}: 需人工处理 waits for a person "
                                         "(no automatic change for this type yet)")
        if self.needs_verified and event.data.get("verified") is not True:
            return Plan("review", reason=f"{self.name}: 未验证, 待人工复核 not verified, "
                                         "queued for review")
        given = {f: event.data[d] for f, d in self.sets.items() if event.data.get(d)}
        values = standard_values(given)
        edits = tuple((f, v) for f, v in values.items() if v is not None)
        bad = sorted(set(given) - {f for f, _ in edits})
        if bad:
            return Plan("review", reason=f"{self.name}: 值无效 invalid value for "
                                         f"{', '.join(bad)}, queued for review")
        return Plan("apply", edits)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def builtin_rules() -> dict[str, Rule]:
    """The built-in rules, one per event type, as they are before anyone switches them."""
    rules = [
        Rule.phone_changed(),
        Rule.wechat_bound(),
        Rule.job_changed(),
        Rule.to_review("email_bounced", "邮件退信: 待人工标记无效 (尚未自动处理)"),
        Rule.to_review("unsubscribed", "退订 (PIPL): 待人工设为勿扰 (尚未自动处理)"),
        Rule.to_review("referral_visit", "推荐链接访问: 待人工记录来源 (尚未自动处理)"),
    ]
    assert {r.name for r in rules} == set(EVENT_TYPES)
    return {r.name: r for r in rules}


def standard_values(values: dict[str, str]) -> dict[str, str | None]:
    """Each value standardised as the importer does (phones to E.164, …); None when invalid."""
    from workbench.ingest.standardise import standardise_frame
    if not values:
        return {}
    std = standardise_frame(pd.DataFrame({k: [v] for k, v in values.items()}, dtype=object))
    return {k: std.loc[0, k] for k in values}


def load_rules(con: duckdb.DuckDBPyConnection) -> dict[str, Rule]:
    """The rules in force: the built-ins with the pool's switches applied."""
    rules = builtin_rules()
    for name, version, enabled, _settings, _at, _by in run(con, sql.current_rules_sql()).fetchall():
        if name in rules:
            rules[name] = replace(rules[name], version=int(version), enabled=bool(enabled))
    return rules


def list_rules(pool: Pool) -> pd.DataFrame:
    """Every rule with its switch, version and what it does."""
    with pool.connect() as con:
        rules = load_rules(con)
    return pd.DataFrame([{"rule": r.name, "enabled": r.enabled, "version": r.version,
                          "sets": ", ".join(f"{f} ← data.{d}" for f, d in r.sets.items()) or "—",
                          "needs_verified": r.needs_verified, "description": r.description}
                         for r in rules.values()])


def switch_rule(pool: Pool, name: str, enabled: bool, *, actor: str | None = None,
                reason: str | None = None) -> Rule:
    """Switch a rule on or off as a new version of it (an event in the history)."""
    with pool.transaction() as con:
        rules = load_rules(con)
        if name not in rules:
            raise InputError(f"There is no rule '{name}'.",
                             fix=f"Rules: {', '.join(rules)} (`workbench rules list`).")
        rule = replace(rules[name], enabled=enabled, version=rules[name].version + 1)
        actor = actor or current_actor()
        event_id = log_event(con, "rule_switch", f"rule:{name}", actor=actor, reason=reason,
                             payload={"enabled": enabled, "version": rule.version})
        run(con, sql.insert_rule_sql(), {"name": name, "version": rule.version,
                                         "enabled": enabled, "settings": rule.to_json(),
                                         "changed_at": now(), "changed_by": actor,
                                         "event_id": event_id})
    log.info("rule %s %s (version %d)", name, "enabled" if enabled else "disabled", rule.version)
    return rule
