"""Conditions over figures, shared by the advice rules (one channel's row) and the tag rules
(a frame of customers).

A condition compares one column with a number, or with a multiple of the same figure over all
channels together (`relative=True`), or asks whether the value is missing.

Example:
    >>> Condition.above("recency_days", 180).holds({"recency_days": 200}, {})
    True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

_OPS = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, "==": lambda a, b: a == b}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


@dataclass(frozen=True)
class Condition:
    """One comparison of a channel's figure. Make them with the named constructors."""

    column: str
    op: str  # one of > >= < <= == , or 'missing'
    value: float | None = None
    relative: bool = False

    @classmethod
    def above(cls, column: str, value: float, *, relative: bool = False) -> Condition:
        return cls(column, ">", value, relative)

    @classmethod
    def below(cls, column: str, value: float, *, relative: bool = False) -> Condition:
        return cls(column, "<", value, relative)

    @classmethod
    def at_least(cls, column: str, value: float, *, relative: bool = False) -> Condition:
        return cls(column, ">=", value, relative)

    @classmethod
    def equals(cls, column: str, value: float) -> Condition:
        return cls(column, "==", value)

    @classmethod
    def missing(cls, column: str) -> Condition:
        return cls(column, "missing")

    def holds(self, row: Mapping, overall: Mapping) -> bool:
        value = row.get(self.column)
        if self.op == "missing":
            return _missing(value)
        limit = self.value
        if self.relative:
            base = overall.get(self.column)
            if _missing(base):
                return False
            limit = limit * base
        if _missing(value) or limit is None:
            return False
        return bool(_OPS[self.op](value, limit))

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """True for the rows of `frame` where the condition holds (missing values fail every
        comparison); relative conditions are for rows of figures, not for frames."""
        if self.relative:
            raise ValueError(f"a relative condition on {self.column} needs the overall figure")
        values = pd.to_numeric(frame[self.column], errors="coerce").astype(float).to_numpy()
        if self.op == "missing":
            return np.isnan(values)
        with np.errstate(invalid="ignore"):
            return ~np.isnan(values) & _OPS[self.op](values, self.value)


