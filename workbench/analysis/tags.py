"""Customer tags: declarative rules over golden leads, materialised per lead with a history.

A `TagRule` gives a tag to every customer for whom all its conditions hold (high value,
dormant, active, new, repeat buyer), or, made with `TagRule.per_value`, a tag carrying a value
(偏好渠道:抖音, the channel a person came from most). `apply_tags` compares what the rules give
now with the tags in force and appends the differences to `lead_tags` under one 'tags' event:
a tag given is a row with active = true, a tag taken away one with active = false, so the
tags of any past day can be read back. Tags a channel sent stay in the golden lead's `tags`
field, beside the computed ones.

Example:
    change = apply_tags(pool, AnalysisSettings(as_of="2026-06-30"))
    change.added, change.removed
    (1204, 37)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from workbench.analysis import sql
from workbench.analysis.conditions import Condition
from workbench.analysis.customers import DEFAULT_SETTINGS, AnalysisSettings, customer_frame, touches
from workbench.store import sql as store_sql
from workbench.store.log import log_event, now
from workbench.store.pool import Pool, run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TagRule:
    """A tag and when a lead gets it.

    Attributes:
        name: the rule's name in the history.
        tag: the tag; for `per_value` rules a pattern with `{value}`.
        when: conditions that must all hold (over the columns of `customer_frame` plus
            n_channels and preferred_channel).
        value_column: for `per_value` rules, the column whose value fills `{value}`.
    """

    name: str
    tag: str
    when: tuple[Condition, ...] = ()
    value_column: str | None = None

    @classmethod
    def where(cls, name: str, tag: str, *when: Condition) -> TagRule:
        return cls(name, tag, tuple(when))

    @classmethod
    def per_value(cls, name: str, tag: str, column: str, *when: Condition) -> TagRule:
        return cls(name, tag, tuple(when), column)

    def tags(self, frame: pd.DataFrame) -> pd.DataFrame:
        """(lead_id, tag, rule) of the leads of `frame` that get this tag."""
        hit = np.ones(len(frame), dtype=bool)
        for condition in self.when:
            hit &= condition.mask(frame)
        chosen = frame[hit]
        if self.value_column:
            chosen = chosen[chosen[self.value_column].notna()]
            tags = [self.tag.format(value=v) for v in chosen[self.value_column]]
        else:
            tags = [self.tag] * len(chosen)
        return pd.DataFrame({"lead_id": chosen["lead_id"].to_numpy(), "tag": tags,
                             "rule": self.name})


def standard_rules(settings: AnalysisSettings = DEFAULT_SETTINGS) -> tuple[TagRule, ...]:
    """高价值, 沉睡, 活跃, 新客, 复购 and 偏好渠道 with the thresholds of `settings`.

    Do-not-contact (勿扰) will come from the events issue's opt-outs when it lands.
    """
    customer = Condition.equals("is_customer", 1)
    return (
        TagRule.where("high_value", "高价值", customer,
                      Condition.at_least("total_amount", settings.high_value_amount)),
        TagRule.where("dormant", "沉睡", customer,
                      Condition.above("recency_days", settings.dormant_days)),
        TagRule.where("active", "活跃", customer,
                      Condition.at_least("recency_days", 0),
                      Condition(("recency_days"), "<=", settings.active_days)),
        TagRule.where("new", "新客", Condition.at_least("seen_days", 0),
                      Condition("seen_days", "<=", settings.new_days)),
        TagRule.where("repeat", "复购", customer, Condition.at_least("orders", 2)),
        TagRule.per_value("channel_preference", "偏好渠道:{value}", "preferred_channel",
                          Condition.at_least("n_channels", 2)),
    )


def _with_preference(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """Add n_channels and preferred_channel: the channel that sent most of a lead's records,
    ties to the one it came from most recently."""
    touch = touches(con).sort_values(["lead_id", "records", "touched_at", "channel"],
                                     ascending=[True, False, False, True])
    best = touch.drop_duplicates("lead_id").set_index("lead_id")
    out = frame.copy()
    out["n_channels"] = out["lead_id"].map(best["n_channels"]).fillna(0).astype(int)
    out["preferred_channel"] = out["lead_id"].map(best["channel"])
    return out


def computed_tags(con: duckdb.DuckDBPyConnection, settings: AnalysisSettings = DEFAULT_SETTINGS,
                  rules: tuple[TagRule, ...] | None = None,
                  customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """(lead_id, tag, rule) that the rules give now, one row per lead and tag."""
    frame = customer_frame(con, settings) if customers is None else customers
    frame = _with_preference(con, frame)
    parts = [rule.tags(frame) for rule in (rules or standard_rules(settings))]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["lead_id", "tag", "rule"])
    return out.drop_duplicates(["lead_id", "tag"]).sort_values(["lead_id", "tag"]).reset_index(
        drop=True)


@dataclass(frozen=True)
class TagChange:
    """What one `apply_tags` did: tags given, tags taken away, the event (None: no change)."""

    added: int
    removed: int
    event_id: int | None


def apply_tags(pool: Pool, settings: AnalysisSettings = DEFAULT_SETTINGS,
               rules: tuple[TagRule, ...] | None = None, *, actor: str | None = None
               ) -> TagChange:
    """Materialise the computed tags: append what changed since the tags in force.

    Example:
        apply_tags(pool, AnalysisSettings(as_of="2026-06-30", dormant_days=90))
        TagChange(added=12, removed=3, event_id=41)
    """
    with pool.transaction() as con:
        wanted = computed_tags(con, settings, rules)
        current = run(con, sql.current_tags_sql()).df()
        merged = wanted.merge(current[["lead_id", "tag", "rule"]], on=["lead_id", "tag"],
                              how="outer", suffixes=("", "_was"), indicator=True)
        added = merged[merged["_merge"] == "left_only"].assign(active=True)
        removed = merged[merged["_merge"] == "right_only"].assign(active=False)
        removed["rule"] = removed["rule_was"]
        changes = pd.concat([added, removed], ignore_index=True)[
            ["lead_id", "tag", "active", "rule"]]
        if changes.empty:
            return TagChange(0, 0, None)
        event_id = log_event(con, "tags", "leads", actor=actor,
                             payload={"settings": settings.to_json(), "added": len(added),
                                      "removed": len(removed)})
        first = run(con, sql.next_tag_seq_sql()).fetchall()[0][0]
        changes.insert(0, "seq", np.arange(first, first + len(changes), dtype=np.int64))
        changes["lead_id"] = changes["lead_id"].astype(np.int64)
        con.register("incoming_tags", changes)
        try:
            run(con, sql.insert_tags_sql("incoming_tags"),
                {"recorded_at": now(), "event_id": event_id})
        finally:
            con.unregister("incoming_tags")
    log.info("tags: %d given, %d taken away", len(added), len(removed))
    return TagChange(len(added), len(removed), event_id)


def lead_tags(con: duckdb.DuckDBPyConnection, settings: AnalysisSettings = DEFAULT_SETTINGS,
              customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per lead: the computed tags in force, the tags channels sent, and the RFM scores
    (lead_id, computed_tags, channel_tags, r_score, f_score, m_score, rfm)."""
    frame = customer_frame(con, settings) if customers is None else customers
    current = run(con, sql.current_tags_sql()).df()
    joined = current.groupby("lead_id")["tag"].agg(",".join) if len(current) else pd.Series(
        dtype=object)
    out = frame[["lead_id", "tags", "r_score", "f_score", "m_score", "rfm"]].rename(
        columns={"tags": "channel_tags"})
    out.insert(1, "computed_tags", out["lead_id"].map(joined))
    return out


def tag_history(con: duckdb.DuckDBPyConnection, lead_id: int | None = None) -> pd.DataFrame:
    """Every change of computed tags (of one lead when given), oldest first."""
    return run(con, sql.tag_history_sql(), {"lead_id": lead_id}).df()


def tags_of(con: duckdb.DuckDBPyConnection, lead_id: int) -> str | None:
    """The computed tags in force of one lead, comma-separated, for the leads screen (None in
    a pool made before the analysis tables)."""
    if not run(con, store_sql.table_exists_sql(), {"table": "lead_tags"}).fetchall()[0][0]:
        return None
    return run(con, sql.tags_of_lead_sql(), {"lead_id": int(lead_id)}).fetchall()[0][0]
