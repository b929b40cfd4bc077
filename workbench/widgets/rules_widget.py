"""The rules and events screen: switch the automatic rules, dry-run an event file, see recent
events, retry the parked ones, and deliver the outbox."""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from workbench.events.delivery import outbox, send_due
from workbench.events.intake import dry_run, recent_events, retry_parked
from workbench.events.rules import list_rules, switch_rule
from workbench.privacy.masking import mask_free_text
from workbench.store.pool import Pool


def _html(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<i>—</i>"
    return frame.astype(object).where(frame.notna(), "").to_html(index=False, escape=True)


class RulesWidget:
    """One checkbox per rule (a switch is a new version of the rule, in the history), the dry
    run of `events_file`, the recent and parked events with a retry button, the outbox with a
    send button.

    Example:
        RulesWidget(pool, events_file="app_events.jsonl")
    """

    def __init__(self, pool: Pool, *, events_file: str | Path | None = None) -> None:
        self.pool = pool
        self.events_file = events_file
        self.switches: dict[str, widgets.Checkbox] = {}
        rules = list_rules(pool)
        for row in rules.itertuples():
            box = widgets.Checkbox(value=bool(row.enabled), description=row.rule,
                                   indent=False)
            box.observe(lambda change, name=row.rule: self.switch(name, change["new"]),
                        names="value")
            self.switches[row.rule] = box
        self.rules = widgets.HTML()
        self.dry = widgets.HTML()
        self.events = widgets.HTML()
        self.parked = widgets.HTML()
        self.outbox = widgets.HTML()
        self.message = widgets.HTML()
        self.retry_button = widgets.Button(description="重试暂存 retry parked")
        self.retry_button.on_click(lambda _b: self.retry())
        self.send_button = widgets.Button(description="发送通知 send due")
        self.send_button.on_click(lambda _b: self.send())
        self.widget = widgets.VBox([
            widgets.HTML("<b>规则 Rules</b>"), widgets.HBox(list(self.switches.values())),
            self.rules,
            widgets.HTML("<b>试运行 Dry run</b>"), self.dry,
            widgets.HTML("<b>最近事件 Recent events</b>"), self.events,
            widgets.HTML("<b>暂存 Parked</b>"), self.parked, self.retry_button,
            widgets.HTML("<b>发件箱 Outbox</b>"), self.outbox, self.send_button, self.message,
        ])
        self.refresh()

    def switch(self, name: str, enabled: bool) -> None:
        """Switch rule `name` on or off (as the checkbox says)."""
        rule = switch_rule(self.pool, name, enabled, reason="switched in the notebook")
        self.message.value = f"{name}: {'on' if enabled else 'off'} (version {rule.version})"
        self.refresh()

    def retry(self) -> dict:
        counts = retry_parked(self.pool)
        self.message.value = html.escape(f"retried: {counts or 'nothing parked'}")
        self.refresh()
        return counts

    def send(self) -> dict:
        counts = send_due(self.pool)
        self.message.value = html.escape(f"delivered: {counts}")
        self.refresh()
        return counts

    def refresh(self) -> None:
        self.rules.value = _html(list_rules(self.pool))
        if self.events_file:
            planned, refused = dry_run(self.pool, self.events_file)
            notes = "".join(f"<br>refused: {html.escape(str(r))}" for r in refused)
            self.dry.value = _html(planned) + notes
        self.events.value = _html(recent_events(self.pool))
        self.parked.value = _html(recent_events(self.pool, status="parked"))
        messages = outbox(self.pool)
        messages["message"] = messages["message"].map(mask_free_text)
        self.outbox.value = _html(messages)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
