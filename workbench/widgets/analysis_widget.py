"""The customer analysis by hand: choose period, attribution and k, see the channel table and
the segments (the same functions `workbench analyse` runs)."""

from __future__ import annotations

import html
import logging

import ipywidgets as widgets

from workbench.analysis.customers import ATTRIBUTIONS
from workbench.analysis.effectiveness import chinese
from workbench.analysis.report import CustomerAnalysis, run_analysis, segment_table
from workbench.errors import WorkbenchError
from workbench.store.pool import Pool

log = logging.getLogger(__name__)


class AnalysisWidget:
    """Period, attribution and k in; the channel table and the segments out.

    Example:
        screen = AnalysisWidget(pool, as_of="2026-06-30")
        screen.attribution.value, screen.k.value = "shared", 3
        screen.run_button.click()
        screen.result.channels[["channel", "conversion"]]
    """

    def __init__(self, pool: Pool, *, as_of: str = "") -> None:
        self.pool = pool
        self.as_of = as_of
        self.result: CustomerAnalysis | None = None
        self.since = widgets.Text(description="since 从", placeholder="YYYY-MM")
        self.until = widgets.Text(description="until 到", placeholder="YYYY-MM")
        self.attribution = widgets.Dropdown(
            description="归因", options=[(text.split(":")[0], key)
                                       for key, text in ATTRIBUTIONS.items()], value="first")
        self.k = widgets.IntSlider(description="k 分群数", value=4, min=2, max=12)
        self.run_button = widgets.Button(description="analyse 分析", button_style="primary")
        self.run_button.on_click(lambda _b: self.run())
        self.table = widgets.HTML()
        self.segments = widgets.HTML()
        self.message = widgets.HTML()
        self.widget = widgets.VBox([
            widgets.HBox([self.since, self.until]), widgets.HBox([self.attribution, self.k]),
            self.run_button, self.message, widgets.HTML("<b>渠道效果</b>"), self.table,
            widgets.HTML("<b>客户分群</b>"), self.segments,
        ])

    def run(self) -> CustomerAnalysis | None:
        """Analyse with the chosen values; a bad value is said in the message, nothing else."""
        try:
            self.result = run_analysis(self.pool, since=self.since.value.strip(),
                                       until=self.until.value.strip(), as_of=self.as_of,
                                       attribution=self.attribution.value, k=self.k.value)
        except WorkbenchError as err:
            self.message.value = f"<span style='color:#b00'>{html.escape(str(err))}</span>"
            return None
        self.message.value = ""
        self.table.value = chinese(self.result.channels).to_html(index=False, border=0,
                                                                 na_rep="—", escape=True)
        segments = segment_table(self.result)
        self.segments.value = (html.escape(segments) if isinstance(segments, str) else
                               segments.to_html(index=False, border=0, escape=True))
        return self.result

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
