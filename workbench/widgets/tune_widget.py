"""Tune the model: Splink's match-weight and m/u charts, per-level weight overrides with their
effect, a threshold control with live counts, precision and recall, retraining, and saving
the tuned model as a new version."""

from __future__ import annotations

import html
import logging

import ipywidgets as widgets
import pandas as pd

from workbench.linkage.tuning import (
    comparison_levels,
    current_model,
    model_charts,
    pair_labels,
    rescore,
    save_version,
    scored_pairs,
    threshold_summary,
    weight_histogram,
    weight_of,
    with_overrides,
)
from workbench.store.pool import Pool

log = logging.getLogger(__name__)



def _percent(value) -> str:
    return "–" if value is None else f"{value:.1%}"


def clamped_html(clamped: list[dict]) -> str:
    """Where training's weights were moved into the bounds a person can defend."""
    if not clamped:
        return "<p>训练得到的权重都在可接受范围内 · every learnt weight is within its bounds.</p>"
    rows = "".join(f"<tr><td>{html.escape(c['comparison'])}</td><td>{html.escape(c['level'])}</td>"
                   f"<td>{c['learnt']:.2f}</td><td>{c['kept']:.2f}</td></tr>" for c in clamped)
    return ("<b>训练权重已限制 · weights clamped by training</b><table><tr><th>比较 comparison</th>"
            "<th>级别 level</th><th>学到的权重 learnt</th><th>采用的权重 kept</th></tr>"
            f"{rows}</table>")


def summary_html(summary: dict) -> str:
    """One threshold's effect in a line or two for the widget."""
    labelled = (f"precision <b>{_percent(summary['precision'])}</b>, recall "
                f"<b>{_percent(summary['recall'])}</b> on {summary['labels']} labelled pairs"
                if summary["labels"] else "no labelled pairs yet")
    return (f"<div class='wb-threshold'>At p ≥ {summary['threshold']:g} (weight "
            f"{summary['threshold_weight']:.2f}): <b>{summary['pairs_above']}</b> of "
            f"{summary['pairs']} pairs, <b>{summary['clusters_above']}</b> clusters holding "
            f"{summary['records_in_clusters']} records.<br>Estimated from the model: precision "
            f"{_percent(summary['expected_precision'])}, recall "
            f"{_percent(summary['expected_recall'])}; {labelled}.</div>")


class TuneWidget:
    """Tune the current model's weights and threshold and save the result as a new version.

    Example (in a notebook; outside one the charts print as text, so this is not run as a
    doctest; tests/widgets/test_widgets_tune.py drives the same steps)::

        tune = TuneWidget(pool)
        tune.threshold.value = 0.9               # the counts below follow at once
        tune.comparison.value, tune.level.value = "name", 0
        tune.m.value, tune.u.value = 0.2, 0.8    # then:
        tune.apply_button.click()                # every pair at that level is re-scored
        tune.save_button.click()                 # a new model version: tune.saved == [2]
    """

    def __init__(self, pool: Pool, *, charts: bool = True) -> None:
        self.pool = pool
        self.overrides: dict[tuple[str, int], tuple[float, float]] = {}
        self.saved: list[int] = []
        self._load()
        self.charts = widgets.Output()
        self.comparison = widgets.Dropdown(description="comparison")
        self.level = widgets.Dropdown(description="level", layout={"width": "34em"})
        self.m = widgets.BoundedFloatText(description="m", min=1e-12, max=1.0, step=0.01)
        self.u = widgets.BoundedFloatText(description="u", min=1e-12, max=1.0, step=0.01)
        self.level_info = widgets.HTML()
        self.apply_button = widgets.Button(description="apply override", button_style="primary")
        self.apply_button.on_click(lambda _b: self.apply_override())
        self.reset_button = widgets.Button(description="reset overrides")
        self.reset_button.on_click(lambda _b: self.reset())
        self.threshold = widgets.FloatSlider(value=min(max(self._base_probability(), 0.5), 0.999),
                                             min=0.5, max=0.999, step=0.001,
                                             description="threshold", readout_format=".3f",
                                             continuous_update=False, layout={"width": "40em"})
        self.summary_view = widgets.HTML()
        self.histogram = widgets.Output()
        self.retrain_button = widgets.Button(description="retrain 重新训练",
                                             button_style="warning")
        self.retrain_button.on_click(lambda _b: self.retrain())
        self.note = widgets.Text(description="note", placeholder="why this version")
        self.save_button = widgets.Button(description="save as new version",
                                          button_style="success")
        self.save_button.on_click(lambda _b: self.save())
        self.message = widgets.HTML()
        self.clamped_view = widgets.HTML(clamped_html(self.base.training.get("clamped", [])))
        self.widget = widgets.VBox([
            self.charts, self.clamped_view,
            widgets.HTML("<b>Weight of one comparison level</b>"),
            widgets.HBox([self.comparison, self.level]),
            widgets.HBox([self.m, self.u, self.apply_button, self.reset_button]),
            self.level_info,
            widgets.HTML("<b>Threshold</b>"), self.threshold, self.summary_view, self.histogram,
            widgets.HBox([self.retrain_button, self.note, self.save_button]), self.message,
        ])
        self.comparison.observe(lambda _c: self._fill_levels(), names="value")
        self.level.observe(lambda _c: self._show_level(), names="value")
        self.threshold.observe(lambda _c: self.update(), names="value")
        self._fill_comparisons()
        if charts:
            self.show_charts()
        self.update()

    # --- state -------------------------------------------------------------------------------

    def _load(self) -> None:
        self.base = current_model(self.pool)
        self.pairs = scored_pairs(self.pool)
        self.labels = pair_labels(self.pool)

    def _base_probability(self) -> float:
        if self.base.threshold_kind == "probability":
            return float(self.base.threshold)
        return float(1 / (1 + 2 ** -self.base.threshold))

    def tuned(self):
        """The model as tuned so far (overrides and the threshold on the slider)."""
        return with_overrides(self.base, self.overrides, threshold=self.threshold.value)

    def levels(self) -> pd.DataFrame:
        return comparison_levels(self.tuned())

    def _fill_comparisons(self) -> None:
        names = list(dict.fromkeys(self.levels()["comparison"]))
        self.comparison.options = names
        if names:
            self.comparison.value = names[0]
        self._fill_levels()

    def _fill_levels(self) -> None:
        frame = self.levels()
        frame = frame[frame["comparison"] == self.comparison.value]
        self.level.options = [(f"{int(r.level)}: {r.label}", int(r.level))
                              for r in frame.itertuples()]
        # ipywidgets leaves the value empty after new options: start at the top level.
        self.level.value = self.level.options[0][1] if self.level.options else None
        self._show_level()

    def _show_level(self) -> None:
        if self.level.value is None:
            return
        frame = self.levels().set_index(["comparison", "level"])
        row = frame.loc[(self.comparison.value, self.level.value)]
        self.m.value = float(row["m"] or 1e-12)
        self.u.value = float(row["u"] or 1e-12)
        hits = int(self.pairs["gammas"].map(
            lambda g: g.get(self.comparison.value) == self.level.value).sum())
        weight = "–" if pd.isna(row["weight"]) else f"{row['weight']:.2f}"
        clamped = ""
        if not pd.isna(row["learnt_weight"]):
            clamped = (f"；训练学到的权重 {row['learnt_weight']:.2f} 超出可接受范围，已限制为 "
                       f"{weight} · learnt {row['learnt_weight']:.2f}, clamped")
        self.level_info.value = (f"权重 {weight}（log2 m/u），{hits:,} 对已存储的记录对在此级别"
                                 f"{clamped} · weight {weight}; {hits:,} stored pairs at this level")

    # --- actions -----------------------------------------------------------------------------

    def show_charts(self) -> None:
        """Splink's match-weight and m/u charts of the model as tuned."""
        from IPython.display import display

        weights_chart, mu_chart = model_charts(self.tuned())
        self.charts.clear_output()
        with self.charts:
            display(weights_chart)
            display(mu_chart)

    def apply_override(self) -> dict:
        """Set the chosen level's m and u; every stored pair is re-scored at once."""
        self.overrides[(self.comparison.value, int(self.level.value))] = (self.m.value,
                                                                          self.u.value)
        self._show_level()
        return self.update()

    def reset(self) -> dict:
        self.overrides.clear()
        self._show_level()
        return self.update()

    def update(self) -> dict:
        """Recount what falls above the threshold with the overrides; returns the summary."""
        tuned = self.tuned()
        weights = rescore(self.pairs, self.base, tuned) if self.overrides else None
        self.summary = threshold_summary(self.pairs, self.threshold.value, weights=weights,
                                         labels=self.labels)
        self.summary_view.value = summary_html(self.summary)
        self.histogram.clear_output(wait=True)
        import matplotlib.pyplot as plt
        from IPython.display import display

        ax = weight_histogram(self.pairs["match_weight"] if weights is None else weights,
                              self.threshold.value)
        with self.histogram:
            display(ax.figure)
        plt.close(ax.figure)  # shown once, in the output area; not again by the inline backend
        return self.summary

    def retrain(self):
        """Train a new model version on the pool (with reviewers' labels) and re-link."""
        from workbench.linkage.link import dedupe_pool
        result = dedupe_pool(self.pool, retrain=True)
        self.overrides.clear()
        self._load()
        self._fill_comparisons()
        self.message.value = html.escape(result.summary())
        self.update()
        return result

    def save(self) -> int:
        """Store the tuned model (overrides and threshold) as a new version."""
        version = save_version(self.pool, self.tuned(),
                               note=self.note.value.strip() or "tuned in the notebook")
        self.saved.append(version)
        self.message.value = (f"saved as model version {version} (threshold "
                              f"{self.threshold.value:g}, weight "
                              f"{weight_of(self.threshold.value):.2f}); the next linkage run "
                              "uses it")
        return version

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
