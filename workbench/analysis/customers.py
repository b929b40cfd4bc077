"""The customers behind the golden leads: one row per person with touches, orders, RFM.

Everything the analysis counts starts here, from golden leads: a person who came from three
channels is one row (their orders and spend added up by survivorship, each channel's figure
once), with the channel of the first and of the last touch and every channel in between.

Settings are a typed value (`AnalysisSettings`) that round-trips through JSON, so a report can
store the settings it ran with.

Example:
    with pool.connect(read_only=True) as con:
            frame = customer_frame(con, AnalysisSettings(as_of="2026-06-30"))
    frame[["lead_id", "first_channel", "orders", "total_amount", "rfm"]].head()
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from workbench.analysis import sql
from workbench.errors import InputError
from workbench.leads.golden import golden_leads_sql, has_cache, load_rules
from workbench.store.pool import run

ATTRIBUTIONS: dict[str, str] = {
    "first": "首次触达 first touch: the channel a person came from first takes them whole",
    "last": "末次触达 last touch: the channel a person came from last takes them whole",
    "shared": "平均分摊 shared: each channel a person came from takes an equal share",
}
CONVERTED = "已转化"


@dataclass(frozen=True)
class AnalysisSettings:
    """The choices behind one analysis.

    Attributes:
        as_of: the day recency is counted to ('YYYY-MM-DD'); today when None.
        attribution: one of `ATTRIBUTIONS`.
        since, until: only touches in months from `since` to `until` ('YYYY-MM'), inclusive.
        high_value_amount: a customer with at least this total spend (元) is of high value.
        dormant_days: a customer whose last order is older than this is dormant.
        active_days: a customer who ordered within this many days is active.
        new_days: a person first seen within this many days is new.
        k: the number of segments.
    """

    as_of: str | None = None
    attribution: str = "first"
    since: str | None = None
    until: str | None = None
    high_value_amount: float = 5000.0
    dormant_days: int = 180
    active_days: int = 90
    new_days: int = 30
    k: int = 4

    def validate(self) -> AnalysisSettings:
        """Raise one InputError listing every problem; returns self."""
        problems = []
        if self.attribution not in ATTRIBUTIONS:
            problems.append(f"attribution '{self.attribution}' is not one of "
                            f"{', '.join(ATTRIBUTIONS)}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value and not _is_month(value):
                problems.append(f"{name} '{value}' is not a month YYYY-MM")
        if self.as_of:
            try:
                dt.date.fromisoformat(self.as_of)
            except ValueError:
                problems.append(f"as_of '{self.as_of}' is not a day YYYY-MM-DD")
        if not 2 <= self.k <= 12:
            problems.append(f"k {self.k} is not between 2 and 12")
        if problems:
            raise InputError("分析参数有误 (the analysis settings have problems): "
                             + "; ".join(problems) + ".",
                             fix="Correct them and run again.")
        return self

    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of) if self.as_of else dt.date.today()

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AnalysisSettings:
        return cls(**json.loads(text)).validate()

    def with_(self, **changes) -> AnalysisSettings:
        return replace(self, **changes).validate()


DEFAULT_SETTINGS = AnalysisSettings()


def _is_month(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y-%m")
    except ValueError:
        return False
    return True


def since_month(text: str | None) -> str | None:
    """'YYYY-MM' of a month or a day ('2026-03' or '2026-03-15'); None stays None."""
    if not text:
        return None
    return text[:7]


def golden_customers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The customer fields of every golden lead: from the `leads` cache when there is one."""
    if has_cache(con):
        return run(con, sql.customers_sql()).df()
    # No cache yet (`workbench leads --rebuild` makes it): survivorship over the history, and
    # only the columns the analysis reads leave DuckDB.
    return run(con, sql.customers_sql(golden_leads_sql(load_rules(con)))).df()


def touches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """(lead_id, channel, touched_at, month, n_channels, first, last): each lead's first
    touch from each of its channels, and which of them was its first and last."""
    frame = run(con, sql.touches_sql()).df()
    frame["month"] = frame["touched_at"].str[:7]
    order = frame.groupby("lead_id").cumcount()
    frame["n_channels"] = frame.groupby("lead_id")["channel"].transform("size")
    frame["first"] = order == 0
    frame["last"] = order == frame["n_channels"] - 1
    return frame


def _quintile(values: pd.Series, *, low_is_good: bool = False) -> pd.Series:
    """Scores 1–5 by rank (5 best), ties broken by order so the split is always by fifths."""
    ranked = values.rank(method="first", ascending=not low_is_good)
    return np.ceil(ranked * 5 / len(values)).astype("Int64")


def customer_frame(con: duckdb.DuckDBPyConnection,
                   settings: AnalysisSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """One row per golden lead with what the analysis reads.

    Columns: lead_id, channels (list), first_channel, last_channel, first_seen, orders (int),
    total_amount (float), last_order_at, recency_days (days since the last order, None without
    one), is_customer (已转化, or at least one order), high_value, repeat (≥ 2 orders),
    r_score/f_score/m_score (1–5 among customers, 5 best) and rfm ('555'), status, tags (what
    the channels sent).
    """
    settings.validate()
    frame = golden_customers(con)
    touch = touches(con)
    first = touch[touch["first"]].set_index("lead_id")
    last = touch[touch["last"]].set_index("lead_id")
    frame["first_channel"] = frame["lead_id"].map(first["channel"])
    frame["last_channel"] = frame["lead_id"].map(last["channel"])
    frame["first_seen"] = frame["lead_id"].map(first["touched_at"])
    frame["channels"] = frame["channels"].map(lambda v: list(v) if v is not None else [])
    frame["orders"] = pd.to_numeric(frame["orders"], errors="coerce").fillna(0).astype(int)
    frame["total_amount"] = pd.to_numeric(frame["total_amount"], errors="coerce").fillna(0.0)
    day = pd.Timestamp(settings.day())
    last_order = pd.to_datetime(frame["last_order_at"], errors="coerce")
    frame["recency_days"] = (day - last_order.dt.normalize()).dt.days.astype("Int64")
    seen = pd.to_datetime(frame["first_seen"], errors="coerce")
    frame["seen_days"] = (day - seen.dt.normalize()).dt.days.astype("Int64")
    frame["is_customer"] = (frame["status"] == CONVERTED) | (frame["orders"] >= 1)
    frame["high_value"] = frame["is_customer"] & (
        frame["total_amount"] >= settings.high_value_amount)
    frame["repeat"] = frame["is_customer"] & (frame["orders"] >= 2)
    for score in ("r_score", "f_score", "m_score"):
        frame[score] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    buyers = frame["is_customer"] & frame["recency_days"].notna()
    if buyers.any():
        sub = frame[buyers]
        frame.loc[buyers, "r_score"] = _quintile(sub["recency_days"].astype(float),
                                                 low_is_good=True).to_numpy()
        frame.loc[buyers, "f_score"] = _quintile(sub["orders"].astype(float)).to_numpy()
        frame.loc[buyers, "m_score"] = _quintile(sub["total_amount"]).to_numpy()
    frame["rfm"] = [
        f"{r}{f}{m}" if buyer else None
        for r, f, m, buyer in zip(frame["r_score"], frame["f_score"], frame["m_score"], buyers,
                                  strict=True)]
    return frame
