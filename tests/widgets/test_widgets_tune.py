"""Tuning: threshold figures on hand-made pairs, re-scoring by level, and the widget on the
sample pool (slider, override, save as a new version, unattended files)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from workbench.jobs.headless import tune_unattended
from workbench.linkage.model import load_model
from workbench.linkage.tuning import (
    comparison_levels,
    current_model,
    rescore,
    scored_pairs,
    threshold_summary,
    weight_of,
    with_overrides,
)
from workbench.widgets.tune_widget import TuneWidget

# Four pairs over records 1..5: (1,2) and (2,3) strong, (4,5) near 0.5, (1,5) clearly apart.
PAIRS = pd.DataFrame({
    "id_l": [1, 2, 4, 1], "id_r": [2, 3, 5, 5],
    "match_weight": [10.0, 6.0, 0.0, -10.0],
    "gammas": [{"name": 2}, {"name": 1}, {"name": 1}, {"name": 0}],
})
LABELS = pd.DataFrame({"id_l": [1, 2, 4, 1, 3], "id_r": [2, 3, 5, 5, 9],
                       "is_match": [True, False, True, False, True]})

# threshold → (pairs above, clusters, precision, recall) with LABELS; (3, 9) was never scored.
CASES = [
    (0.5, 3, 2, 2 / 3, 2 / 3),
    (0.9, 2, 1, 1 / 2, 1 / 3),
    (0.999, 1, 1, 1.0, 1 / 3),
    (0.99999, 0, 0, None, 0.0),
]


@pytest.mark.parametrize(("threshold", "above", "clusters", "precision", "recall"), CASES)
def test_threshold_figures(threshold, above, clusters, precision, recall):
    got = threshold_summary(PAIRS, threshold, labels=LABELS)
    assert (got["pairs_above"], got["clusters_above"]) == (above, clusters)
    assert got["labels"] == 5
    assert got["precision"] == (pytest.approx(precision) if precision is not None else None)
    assert got["recall"] == pytest.approx(recall)


def test_expected_precision_and_recall_from_probabilities():
    p = [1 / (1 + 2 ** -w) for w in PAIRS["match_weight"]]
    got = threshold_summary(PAIRS, 0.9)
    assert got["expected_precision"] == pytest.approx((p[0] + p[1]) / 2)
    assert got["expected_recall"] == pytest.approx((p[0] + p[1]) / sum(p))
    assert got["precision"] is None and got["labels"] == 0


def test_rescore_moves_only_pairs_at_the_changed_level(sample_pool):
    model = current_model(sample_pool)
    pairs = scored_pairs(sample_pool)
    levels = comparison_levels(model).set_index(["comparison", "level"])
    top = int(levels.loc["phone"].index.max())
    tuned = with_overrides(model, {("phone", top): (0.5, 0.5)})
    weights = rescore(pairs, model, tuned)
    at_level = pairs["gammas"].map(lambda g: g.get("phone") == top)
    assert at_level.any() and (~at_level).any()
    drop = levels.loc[("phone", top), "weight"]
    assert (pairs["match_weight"][at_level] - weights[at_level]).to_numpy() == pytest.approx(drop)
    assert (weights[~at_level] == pairs["match_weight"][~at_level]).all()


def test_overrides_out_of_range_are_refused_together(sample_pool):
    model = current_model(sample_pool)
    with pytest.raises(Exception, match="no comparison 'shoe_size'.*not in"):
        with_overrides(model, {("shoe_size", 0): (0.5, 0.5), ("name", 0): (1.5, 0.5)})


def test_widget_threshold_override_and_save(sample_pool):
    tune = TuneWidget(sample_pool, charts=False)
    tune.threshold.value = 0.9
    loose = dict(tune.summary)
    assert loose == threshold_summary(tune.pairs, 0.9, labels=tune.labels)
    assert str(loose["pairs_above"]) in tune.summary_view.value
    tune.threshold.value = 0.999
    assert tune.summary["pairs_above"] <= loose["pairs_above"]
    # Make agreeing on a mobile worthless: pairs held together by it fall below the threshold.
    tune.comparison.value = "phone"
    tune.level.value = max(v for _, v in tune.level.options)
    tune.m.value, tune.u.value = 0.3, 0.3
    tune.apply_button.click()
    assert tune.summary["pairs_above"] < threshold_summary(tune.pairs, 0.999)["pairs_above"]
    assert "weight 0.00" in tune.level_info.value
    tune.note.value = "mobile agreement ignored"
    tune.save_button.click()
    with sample_pool.connect(read_only=True) as con:
        saved = load_model(con)
    assert saved.version == tune.saved[0] and saved.threshold == pytest.approx(0.999)
    weights = comparison_levels(saved).set_index(["comparison", "level"])["weight"]
    assert weights[("phone", tune.level.value)] == pytest.approx(0.0)
    assert saved.training["overrides"][0][:2] == ["phone", tune.level.value]


def test_unattended_tuning_writes_table_and_charts_and_saves(sample_pool, tmp_path):
    before = current_model(sample_pool).version
    result = tune_unattended(sample_pool, tmp_path, threshold=0.8, save=True)
    table = pd.read_excel(tmp_path / "thresholds.xlsx", sheet_name="thresholds")
    assert 0.8 in set(table["threshold"])
    assert table["pairs_above"].is_monotonic_decreasing
    assert (tmp_path / "match_weights.html").stat().st_size > 1000
    assert "vega" in (tmp_path / "m_u_parameters.html").read_text(encoding="utf-8").lower()
    assert result["saved_version"] == before + 1
    assert current_model(sample_pool).threshold == pytest.approx(0.8)
    assert json.loads((tmp_path / "tuning.json").read_text())["summary"]["threshold"] == 0.8
    assert math.isclose(weight_of(0.8), result["summary"]["threshold_weight"], abs_tol=1e-3)


@pytest.mark.slow
def test_retrain_makes_a_new_version_from_the_labels(sample_pool):
    from workbench.widgets.review_widget import ReviewWidget
    review = ReviewWidget(sample_pool)
    for _ in range(3):
        review.decide("merge")
    tune = TuneWidget(sample_pool, charts=False)
    before = tune.base.version
    tune.comparison.value = "name"
    tune.apply_override()
    result = tune.retrain_button.click() or tune.base
    assert result.version == before + 1
    assert tune.base.training["labels"] >= 3  # the reviewers' decisions taught it
    assert tune.overrides == {}
    assert "Linked the whole pool" in tune.message.value


def test_the_tune_screen_lists_where_training_was_clamped():
    from workbench.widgets.tune_widget import clamped_html

    shown = clamped_html([{"comparison": "city", "level": "exact", "learnt": 13.14, "kept": 10.0}])
    assert "city" in shown and "13.14" in shown and "10.00" in shown and "已限制" in shown
    assert "可接受范围内" in clamped_html([])
