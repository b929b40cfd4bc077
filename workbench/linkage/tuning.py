"""Tuning the linkage model: per-level weights, threshold effects, estimated precision/recall.

The pool keeps every scored pair with the level each comparison reached (`pairs.gammas`), so a
changed m or u of one level, or a new threshold, is re-scored from the stored pairs at once,
without running Splink again: the change of a level's weight is log2(m'/u') - log2(m/u),
added to every pair at that level. What falls above a threshold is counted in pairs and in
clusters; reviewers' labels give precision and recall; without labels the model's own match
probabilities give an estimate (as fastLink does): expected precision is the mean probability
above the threshold, expected recall the share of all expected matches that lie above it.
"""

from __future__ import annotations

import copy
import json
import logging
import math

import numpy as np
import pandas as pd

from workbench.errors import InputError
from workbench.linkage import sql
from workbench.linkage.cluster import cluster_pairs
from workbench.linkage.model import (
    LINK_COLUMNS,
    LinkageModel,
    load_model,
    make_linker,
    splink_connection,
)
from workbench.store.pool import Pool, run

log = logging.getLogger(__name__)


def weight_of(probability: float) -> float:
    """A match probability as a match weight (log2 of the odds).

    Example:
        >>> round(weight_of(0.95), 3)
        4.248
    """
    p = min(max(float(probability), 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


def probability_of(weights) -> np.ndarray:
    """Match weights as match probabilities."""
    w = np.clip(np.asarray(weights, dtype=float), -60, 60)
    return 1.0 / (1.0 + np.exp2(-w))


def _levels(comparison: dict) -> list[dict]:
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]


def comparison_levels(model: LinkageModel) -> pd.DataFrame:
    """One row per comparison level: comparison, level (Splink's gamma), label, m, u, weight.

    Example:
        from workbench.linkage.model import load_model
        with pool.connect(read_only=True) as con:
                model = load_model(con)
        comparison_levels(model).query("comparison == 'phone'")[["level", "label", "weight"]].round(2)
            level                   label  weight
        8       6             same mobile   26.38
        9       5           same landline   11.85
        10      4      same last 8 digits   10.97
        11      3         shares a number   10.97
        12      2           one digit off   11.58
        13      1  a masked number agrees    8.97
        14      0                    else   -3.94
    """
    learnt = {(c["comparison"], c["level"]): c["learnt"]
              for c in model.training.get("clamped", [])}
    rows = []
    for comp in model.settings["comparisons"]:
        levels = _levels(comp)
        for i, lv in enumerate(levels):
            m, u = lv.get("m_probability"), lv.get("u_probability")
            label = lv.get("label_for_charts", str(len(levels) - 1 - i))
            rows.append({
                "comparison": comp["output_column_name"],
                "level": len(levels) - 1 - i,
                "label": label,
                "m": m, "u": u,
                "weight": math.log2(m / u) if m and u else None,
                # What training learnt where it was moved into its bounds (see clamp_levels).
                "learnt_weight": learnt.get((comp["output_column_name"], label)),
            })
    return pd.DataFrame(rows, columns=["comparison", "level", "label", "m", "u", "weight",
                                       "learnt_weight"])


def with_overrides(model: LinkageModel, overrides: dict[tuple[str, int], tuple[float, float]],
                   threshold: float | None = None) -> LinkageModel:
    """A copy of `model` with the m and u of some levels replaced (and the threshold, if given).

    Args:
        model: the model to start from.
        overrides: (comparison, level) → (m, u), each in (0, 1].
        threshold: a new threshold (match probability), or None to keep the model's.

    Raises:
        InputError: an unknown comparison or level, or an m/u outside (0, 1].

    Example:
        >>> from workbench.linkage.model import load_model
        >>> with pool.connect(read_only=True) as con:
        ...     model = load_model(con)
        >>> tuned = with_overrides(model, {("name", 0): (0.05, 0.9)}, threshold=0.9)
        >>> tuned.threshold, tuned.version
        (0.9, None)
    """
    settings = copy.deepcopy(model.settings)
    comps = {c["output_column_name"]: c for c in settings["comparisons"]}
    problems = []
    for (name, level), (m, u) in overrides.items():
        if name not in comps:
            problems.append(f"no comparison '{name}' (there are {', '.join(comps)})")
            continue
        levels = _levels(comps[name])
        if not 0 <= level < len(levels):
            problems.append(f"comparison '{name}' has no level {level} (0..{len(levels) - 1})")
            continue
        if not (0 < m <= 1 and 0 < u <= 1):
            problems.append(f"m={m}, u={u} for {name} level {level} are not in (0, 1]")
            continue
        lv = levels[len(levels) - 1 - level]
        lv["m_probability"], lv["u_probability"] = float(m), float(u)
    if problems:
        raise InputError("The weight overrides cannot be applied: " + "; ".join(problems) + ".",
                         fix="Pick comparisons and levels from comparison_levels(model).")
    training = dict(model.training)
    training["overrides"] = [[n, lvl, m, u] for (n, lvl), (m, u) in overrides.items()]
    return LinkageModel(
        settings=settings,
        threshold=model.threshold if threshold is None else float(threshold),
        threshold_kind="probability" if threshold is not None else model.threshold_kind,
        training=training,
    )


def scored_pairs(pool: Pool) -> pd.DataFrame:
    """The pool's stored pairs with their latest score: id_l, id_r, match_weight,
    match_probability, gammas (a dict per pair)."""
    with pool.connect(read_only=True) as con:
        frame = run(con, sql.latest_pairs_sql()).df()
    frame["gammas"] = frame["gammas"].map(lambda g: json.loads(g) if g else {})
    return frame


def pair_labels(pool: Pool) -> pd.DataFrame:
    """Reviewers' labels in force: id_l, id_r, is_match."""
    with pool.connect(read_only=True) as con:
        return run(con, sql.labelled_pairs_sql()).df()


def rescore(pairs: pd.DataFrame, base: LinkageModel, tuned: LinkageModel) -> pd.Series:
    """The match weight of each pair under `tuned`, from its weight under `base`.

    Only levels whose m or u differ between the two models move a pair's weight, by the
    difference of the level's log2(m/u); a pair scored at another level keeps its weight.
    """
    old = comparison_levels(base).set_index(["comparison", "level"])["weight"]
    new = comparison_levels(tuned).set_index(["comparison", "level"])["weight"]
    delta = (new - old).dropna()
    delta = delta[delta.abs() > 1e-12]
    weights = pairs["match_weight"].astype(float).to_numpy().copy()
    for (name, level), d in delta.items():
        hit = pairs["gammas"].map(lambda g, n=name, lv=level: g.get(n) == lv).to_numpy(bool)
        weights[hit] += d
    return pd.Series(weights, index=pairs.index, name="match_weight")


def threshold_summary(pairs: pd.DataFrame, threshold: float, *,
                      weights: pd.Series | None = None,
                      labels: pd.DataFrame | None = None) -> dict:
    """What falls above a threshold (match probability): pairs, clusters, records in them,
    precision and recall from labels (None without them), and the model's own estimate.

    Example:
        threshold_summary(scored_pairs(pool), 0.9, labels=pair_labels(pool))
        {'threshold': 0.9, 'threshold_weight': 3.17, 'pairs': 1849, 'pairs_above': 1327, 'clusters_above': 477, ...}
    """
    w = (pairs["match_weight"] if weights is None else weights).astype(float).to_numpy()
    cut = weight_of(threshold)
    above = w >= cut
    p = probability_of(w)
    ids = pd.unique(np.concatenate([pairs["id_l"].to_numpy(), pairs["id_r"].to_numpy()]))
    if len(ids):
        keys = cluster_pairs(ids, pd.DataFrame({"id_l": pairs["id_l"], "id_r": pairs["id_r"],
                                                "match_weight": w}), cut)
        sizes = keys.value_counts()
        clusters, in_clusters = int((sizes > 1).sum()), int(sizes[sizes > 1].sum())
    else:
        clusters = in_clusters = 0
    out = {
        "threshold": float(threshold),
        "threshold_weight": round(cut, 3),
        "pairs": int(len(w)),
        "pairs_above": int(above.sum()),
        "clusters_above": clusters,
        "records_in_clusters": in_clusters,
        "expected_precision": float(p[above].mean()) if above.any() else None,
        "expected_recall": float(p[above].sum() / p.sum()) if p.sum() > 0 else None,
        "labels": 0, "precision": None, "recall": None,
    }
    if labels is not None and len(labels):
        scored = pd.DataFrame({"id_l": pairs["id_l"].to_numpy(), "id_r": pairs["id_r"].to_numpy(),
                               "above": above})
        lab = labels.merge(scored, on=["id_l", "id_r"], how="left")
        lab["above"] = lab["above"].astype("boolean").fillna(False).astype(bool)  # not scored
        match = lab["is_match"].astype(bool)
        tp = int((lab["above"] & match).sum())
        fp = int((lab["above"] & ~match).sum())
        fn = int((~lab["above"] & match).sum())
        out.update(labels=int(len(lab)),
                   precision=tp / (tp + fp) if tp + fp else None,
                   recall=tp / (tp + fn) if tp + fn else None)
    return out


def threshold_table(pairs: pd.DataFrame, thresholds, *, weights: pd.Series | None = None,
                    labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """`threshold_summary` at several thresholds, one row each (for a headless run's file)."""
    return pd.DataFrame([threshold_summary(pairs, t, weights=weights, labels=labels)
                         for t in thresholds])


def current_model(pool: Pool) -> LinkageModel:
    """The pool's latest saved model.

    Raises:
        InputError: the pool has no model yet.
    """
    with pool.connect(read_only=True) as con:
        model = load_model(con)
    if model is None:
        raise InputError(f"The pool '{pool.path}' has no linkage model yet.",
                         fix="Run `workbench dedupe` (or the import notebook) first.")
    return model


def save_version(pool: Pool, model: LinkageModel, note: str | None = None) -> int:
    """Store a tuned model as a new version; the next linkage run uses it. Returns the version.

    Example:
        >>> from workbench.linkage.model import load_model
        >>> with pool.connect(read_only=True) as con:
        ...     model = load_model(con)
        >>> save_version(pool, with_overrides(model, {}, threshold=0.9), note="lower threshold")
        2
    """
    from workbench.linkage.model import save_model
    with pool.transaction() as con:
        return save_model(con, model, note=note or "tuned in the notebook")


def model_charts(model: LinkageModel):
    """Splink's match-weights chart and m/u chart of the model, as Splink chart objects
    (they display in a notebook and save to offline HTML with `.save(path, inline=True)`)."""
    mem = splink_connection()
    try:
        cols = ", ".join(f"{c} {'BIGINT' if c == 'unique_id' else 'VARCHAR'}"
                         for c in LINK_COLUMNS if c != "phones")
        run(mem, sql.empty_link_input_sql(cols))
        linker = make_linker(mem, model.settings)
        return (linker.visualisations.match_weights_chart(),
                linker.visualisations.m_u_parameters_chart())
    finally:
        mem.close()


def weight_histogram(weights, threshold: float, *, ax=None):
    """A histogram of match weights with the threshold marked; returns the matplotlib axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.6))
    w = np.clip(np.asarray(weights, dtype=float), -20, 40)
    ax.hist(w, bins=60, color="#4c78a8")
    ax.axvline(weight_of(threshold), color="#e45756", linestyle="--",
               label=f"threshold {threshold:g}")
    ax.set_xlabel("match weight")
    ax.set_ylabel("pairs")
    ax.legend(loc="upper left")
    return ax
