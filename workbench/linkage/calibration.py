"""Choosing the threshold on the data in hand, and saying how good it is expected to be.

A threshold tuned on one data set says nothing about the next. Here it is chosen on the pairs
the model has just scored: the model's own match probabilities estimate, without labels, how
many of the pairs above a threshold are true (their mean probability, as fastLink does) and how
many true pairs lie below it. The threshold is the one with the best estimated F1; where
reviewers' labels exist, the precision they show above the threshold is reported beside the
estimate. (A floor on the estimated precision was tried and dropped: on RLdata the model is
underconfident, its true pairs sit at p 0.88, and a floor of 0.9 threw away 96 % of them.)

The estimate is only as good as the model's calibration (its m, u and prior); it is printed with
every result so that a person can see what the run believes of itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Thresholds considered (match probability).
GRID: tuple[float, ...] = tuple(sorted(
    {0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 0.9995,
     0.9999, 0.99999, 0.999999}))
# Below this many scored pairs above 0.5 the estimate is noise: the default threshold stays.
MIN_PAIRS = 20


@dataclass(frozen=True)
class Calibration:
    """A threshold chosen on the scored pairs and what it is expected to give."""

    threshold: float  # match probability
    precision: float  # estimated share of true pairs among the links
    recall: float  # estimated share of the scored true pairs that link
    links: int
    labelled_precision: float | None = None  # from reviewers' labels, when there are some
    labelled_pairs: int = 0

    def summary(self) -> str:
        """One line for a person, Chinese first."""
        text = (f"估计精确率 {self.precision:.2f}（p ≥ {self.threshold:g}，{self.links:,} 对链接）"
                f" · estimated precision {self.precision:.2f} at p ≥ {self.threshold:g}")
        if self.labelled_precision is not None:
            text += (f"；审核标注 {self.labelled_pairs:,} 对中精确率 {self.labelled_precision:.2f}"
                     f" · labelled precision {self.labelled_precision:.2f}")
        return text

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "links": self.links,
                "labelled_precision": self.labelled_precision,
                "labelled_pairs": self.labelled_pairs}


def weight_to_probability(weight: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.asarray(weight, dtype="float64")))


def estimate(probability: np.ndarray, threshold: float) -> tuple[float, float, int]:
    """Estimated precision, recall and number of links at `threshold`.

    Example:
        >>> estimate(np.array([0.99, 0.99, 0.6, 0.1]), 0.9)
        (0.99, 0.738..., 2)
    """
    p = np.asarray(probability, dtype="float64")
    above = p >= threshold
    links = int(above.sum())
    expected_true = float(p[above].sum())
    total_true = float(p.sum())
    precision = expected_true / links if links else 1.0
    recall = expected_true / total_true if total_true else 0.0
    return precision, recall, links


def choose_threshold(probability: np.ndarray, default: float, *,
                     labels: pd.DataFrame | None = None) -> Calibration:
    """The threshold of the grid with the best estimated F1 (`default` when there are too few
    pairs to estimate anything).

    Args:
        probability: the match probability of every scored pair.
        default: the threshold to keep when the pairs are too few to estimate anything.
        labels: reviewers' decisions on scored pairs: columns match_probability, is_match.
    """
    p = np.asarray(probability, dtype="float64")
    if int((p >= 0.5).sum()) < MIN_PAIRS:
        precision, recall, links = estimate(p, default)
        return _with_labels(Calibration(default, precision, recall, links), labels)
    best: Calibration | None = None
    best_f1 = -1.0
    for t in GRID:
        precision, recall, links = estimate(p, t)
        if not links:
            continue
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = Calibration(t, precision, recall, links), f1
    if best is None:
        precision, recall, links = estimate(p, GRID[-1])
        best = Calibration(GRID[-1], precision, recall, links)
    return _with_labels(best, labels)


def _with_labels(calibration: Calibration, labels: pd.DataFrame | None) -> Calibration:
    if labels is None or not len(labels):
        return calibration
    above = labels[labels["match_probability"] >= calibration.threshold]
    if not len(above):
        return calibration
    share = float(above["is_match"].astype(bool).mean())
    return Calibration(calibration.threshold, calibration.precision, calibration.recall,
                       calibration.links, round(share, 4), len(above))


def probability_to_weight(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))
