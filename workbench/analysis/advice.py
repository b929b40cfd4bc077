"""The 优化建议 column: declarative rules over a channel's figures.

A rule is a name, a few conditions and the advice it writes. A condition compares one figure of
the channel with a number, or with a multiple of the same figure over all channels together
(`relative=True`: "cost above 1.2 × the overall cost"). A channel gets the advice of every
rule whose conditions all hold, joined by '；', or `DEFAULT_ADVICE`.

Example:
    >>> rule = AdviceRule("review_targeting", (Condition.above("acquisition_cost", 1.2, relative=True),
    ...                   Condition.below("conversion", 0.8, relative=True)), "复查投放定向")
    >>> rule.holds({"acquisition_cost": 300, "conversion": 5}, {"acquisition_cost": 200, "conversion": 10})
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from workbench.analysis.conditions import Condition

DEFAULT_ADVICE = "保持现状，持续观察"
@dataclass(frozen=True)
class AdviceRule:
    """Advice written when every condition holds."""

    name: str
    when: tuple[Condition, ...]
    advice: str

    def holds(self, row: Mapping, overall: Mapping) -> bool:
        return all(c.holds(row, overall) for c in self.when)


STANDARD_RULES: tuple[AdviceRule, ...] = (
    AdviceRule("no_cost", (Condition.missing("spend"), Condition.above("leads", 0)),
               "补录渠道成本后再评估获客成本"),
    AdviceRule("no_leads", (Condition.above("spend", 0), Condition.equals("leads", 0)),
               "有花费无线索：核对投放与线索回传"),
    AdviceRule("no_customers", (Condition.above("leads", 0), Condition.equals("customers", 0)),
               "暂无成交：检查线索质量与跟进"),
    AdviceRule("review_targeting", (Condition.above("acquisition_cost", 1.2, relative=True),
                                    Condition.below("conversion", 0.8, relative=True)),
               "成本高、转化低：复查投放定向"),
    AdviceRule("scale_up", (Condition.below("acquisition_cost", 0.8, relative=True),
                            Condition.at_least("conversion", 1.0, relative=True)),
               "成本低、转化高：可加大预算"),
    AdviceRule("retention", (Condition.above("customers", 0),
                             Condition.below("repeat_rate", 0.5, relative=True)),
               "复购率低：加强老客运营"),
    AdviceRule("high_value", (Condition.above("customers", 0),
                              Condition.at_least("high_value_share", 1.5, relative=True)),
               "高价值客户多：重点维护"),
)


def advise(table: pd.DataFrame, overall: Mapping,
           rules: Sequence[AdviceRule] = STANDARD_RULES) -> pd.Series:
    """The advice of each row of `table` (rows of figures), against the `overall` figures."""
    out = []
    for row in table.to_dict("records"):
        said = [r.advice for r in rules if r.holds(row, overall)]
        out.append("；".join(said) if said else DEFAULT_ADVICE)
    return pd.Series(out, index=table.index, dtype=object)


def fired(row: Mapping, overall: Mapping, rules: Sequence[AdviceRule] = STANDARD_RULES) -> list[str]:
    """The names of the rules that hold for one row (for tests and explanations)."""
    return [r.name for r in rules if r.holds(row, overall)]
