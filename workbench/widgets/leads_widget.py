"""Leads and history: find a lead by mobile, name, WeChat, e-mail or company; see its story;
edit one field with a reason (one-by-one processing, 1对1加工); recent events; undo."""

from __future__ import annotations

import html
import logging

import ipywidgets as widgets
import pandas as pd

from workbench.analysis.tags import tags_of
from workbench.errors import WorkbenchError
from workbench.leads.lookup import find_leads, lead_row, recent_events
from workbench.leads.merge import edit_lead
from workbench.leads.restore import lead_history, undo
from workbench.leads.survivorship import GOLDEN_FIELDS
from workbench.store.pool import Pool

log = logging.getLogger(__name__)


def _html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, na_rep="", escape=True)


class LeadsWidget:
    """Find a lead, read its story, edit a field with a reason, undo recent events.

    Example:
        >>> leads = LeadsWidget(pool, query="张伟")
        >>> leads.select(int(leads.found.lead_id[0]))
        >>> leads.field.value, leads.value.value, leads.reason.value = "title", "采购总监", "电话确认"
        >>> leads.save_button.click()
    """

    def __init__(self, pool: Pool, *, query: str = "") -> None:
        self.pool = pool
        self.found = pd.DataFrame()
        self.lead_id: int | None = None
        self.search = widgets.Text(value=query, description="find",
                                   placeholder="mobile, name, WeChat, e-mail or company")
        self.find_button = widgets.Button(description="find 查找", button_style="primary")
        self.find_button.on_click(lambda _b: self.find())
        self.results = widgets.Dropdown(description="lead", options=[],
                                        layout={"width": "40em"})
        self.results.observe(lambda c: c["new"] is not None and self.select(c["new"]),
                             names="value")
        self.lead_view = widgets.HTML()
        self.story = widgets.HTML()
        self.field = widgets.Dropdown(options=list(GOLDEN_FIELDS), value="title",
                                      description="field")
        self.value = widgets.Text(description="new value")
        self.reason = widgets.Text(description="reason", placeholder="why (required)")
        self.save_button = widgets.Button(description="save edit 保存", button_style="success")
        self.save_button.on_click(lambda _b: self.save())
        self.events = widgets.HTML()
        self.undo_choice = widgets.Dropdown(description="event", options=[],
                                            layout={"width": "40em"})
        self.undo_button = widgets.Button(description="undo 撤销", button_style="danger")
        self.undo_button.on_click(lambda _b: self.undo())
        self.message = widgets.HTML()
        self.widget = widgets.VBox([
            widgets.HBox([self.search, self.find_button]), self.results, self.lead_view,
            widgets.HTML("<b>Story of the lead</b>"), self.story,
            widgets.HTML("<b>Edit one field</b>"),
            widgets.HBox([self.field, self.value]), widgets.HBox([self.reason, self.save_button]),
            widgets.HTML("<hr><b>Recent events</b>"), self.events,
            widgets.HBox([self.undo_choice, self.undo_button]), self.message,
        ])
        self.refresh_events()
        if query:
            self.find()

    def find(self) -> pd.DataFrame:
        """Search for the text in the box; the first lead found is shown."""
        self.found = find_leads(self.pool, self.search.value)
        self.results.options = [
            (f"{int(r.lead_id)} · {r.name or ''} · {r.phone or ''} · {r.company or ''}",
             int(r.lead_id)) for r in self.found.itertuples()]
        # ipywidgets leaves the value empty after new options: show the first lead found.
        self.results.value = self.results.options[0][1] if self.results.options else None
        if self.found.empty:
            self.message.value = f"No lead matches '{html.escape(self.search.value)}'."
        return self.found

    def select(self, lead_id: int) -> None:
        """Show one lead and its story."""
        self.lead_id = int(lead_id)
        row = lead_row(self.pool, self.lead_id)
        shown = {k: v for k, v in row.items() if k in (*GOLDEN_FIELDS, "members")
                 and v is not None and not (isinstance(v, float) and pd.isna(v))}
        with self.pool.connect(read_only=True) as con:  # computed tags beside the channels'
            computed = tags_of(con, self.lead_id)
        if computed:
            shown["客户标签"] = computed
        self.lead_view.value = _html(pd.DataFrame([shown]))
        self.story.value = _html(lead_history(self.pool, self.lead_id))
        current = row.get(self.field.value)
        self.value.value = "" if current is None or pd.isna(current) else str(current)

    def save(self) -> int | None:
        """Store the edit of the chosen field (a reason is required); returns the event."""
        if self.lead_id is None:
            self.message.value = "Find and choose a lead first."
            return None
        if not self.reason.value.strip():
            self.message.value = "<span style='color:#b00'>Give a reason for the edit.</span>"
            return None
        event_id = edit_lead(self.pool, self.lead_id, self.field.value,
                             self.value.value.strip() or None,
                             reason=self.reason.value.strip()).event_id
        self.message.value = f"lead {self.lead_id}: {self.field.value} saved (event {event_id})"
        self.select(self.lead_id)
        self.refresh_events()
        return event_id

    def refresh_events(self) -> None:
        events = recent_events(self.pool)
        self.events.value = _html(events)
        self.undo_choice.options = [
            (f"{int(e.event_id)} · {e.kind} · {e.target} · {e.actor}", int(e.event_id))
            for e in events.itertuples() if not e.undone and e.kind != "undo"]
        self.undo_choice.value = (self.undo_choice.options[0][1] if self.undo_choice.options
                                  else None)

    def undo(self) -> int | None:
        """Undo the chosen event (a new event reverses it); returns the undo's event."""
        if self.undo_choice.value is None:
            return None
        reason = self.reason.value.strip() or "undone in the notebook"
        try:
            event_id = undo(self.pool, int(self.undo_choice.value), reason=reason).event_id
        except WorkbenchError as err:  # e.g. later events depend on it: say so, change nothing
            self.message.value = f"<span style='color:#b00'>{html.escape(str(err))}</span>"
            return None
        self.message.value = f"event {self.undo_choice.value} undone (event {event_id})"
        self.refresh_events()
        if self.lead_id is not None and lead_row(self.pool, self.lead_id):
            self.select(self.lead_id)
        return event_id

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
