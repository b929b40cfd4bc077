"""Review clusters: a queue ordered by usefulness, each cluster side by side, the pair
explanation, the golden lead it would make, four decisions (with keys), batch decisions.

Usefulness follows active learning: a cluster whose weakest pair the model is least sure of
(match probability nearest 0.5) is shown first, because the reviewer's decision on it
teaches the model the most (each decision becomes pair labels that the next training reads).
Each decision is stored in the pool the moment it is made, as its own event, so a crashed
kernel loses nothing and any decision can be undone from the history.
"""

from __future__ import annotations

import html
import logging

import ipywidgets as widgets
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.leads.decisions import Decision, decide
from workbench.leads.lookup import cluster_records, lead_of_record, ordered_queue, preview_golden
from workbench.leads.merge import edit_lead
from workbench.leads.review import SHOWN_FIELDS, decide_pattern, preview_pattern
from workbench.linkage.link import cluster_explanations
from workbench.store.pool import Pool
from workbench.widgets.keys import KeyBox

log = logging.getLogger(__name__)

# The golden fields a reviewer may set by hand while merging.
OVERRIDE_FIELDS: tuple[str, ...] = ("name", "phone", "email", "wechat", "company", "title",
                                    "city", "address")
KEYS: dict[str, str] = {"m": "merge", "s": "split", "n": "not_duplicates", "k": "skip",
                        "1": "merge", "2": "split", "3": "not_duplicates", "4": "skip"}
_DIFF = "background:#ffe08a"


def side_by_side_html(records: pd.DataFrame, fields=SHOWN_FIELDS) -> str:
    """The records as columns and fields as rows; cells of a field on which the records
    differ are highlighted."""
    head = "".join(f"<th>record {int(r)}<br><small>lead {int(lead)}</small></th>"
                   for r, lead in zip(records["record_id"], records["lead_id"], strict=True))
    rows = []
    for f in fields:
        values = ["" if pd.isna(v) else str(v) for v in records[f]]
        present = {v for v in values if v}
        differs = len(present) > 1
        cells = "".join(
            f"<td style='{_DIFF if differs and v else ''}'>{html.escape(v)}</td>" for v in values)
        rows.append(f"<tr><th style='text-align:left'>{f}</th>{cells}</tr>")
    return (f"<table class='wb-cluster' style='border-collapse:collapse'>"
            f"<tr><th></th>{head}</tr>{''.join(rows)}</table>")


def _table_html(frame: pd.DataFrame, **kwargs) -> str:
    return frame.to_html(index=False, border=0, escape=True, na_rep="", **kwargs)


class ReviewWidget:
    """Review the pending clusters one at a time, or decide a whole pattern at once.

    Args:
        pool: the lead pool.
        reason: stored with every decision in the history.

    Attributes:
        queue: the pending clusters, most useful first (see `ordered_queue`).
        current: the queue row on show (None when the queue is done).
        decided: (cluster_id, decision, event_id) of every decision made here.

    Example:
        >>> review = ReviewWidget(pool)
        >>> type(review.widget).__name__   # in a notebook, `review.widget` shows the screen
        'VBox'
        >>> review.decide("merge")         # what the merge button (or the key m) does
        11
        >>> [decision for _, decision, _ in review.decided]
        ['merge']
    """

    def __init__(self, pool: Pool, *, reason: str = "reviewed in the notebook") -> None:
        self.pool = pool
        self.reason = reason
        self.decided: list[tuple[int, str, int]] = []
        self.queue = ordered_queue(pool)
        self.position = 0
        self.records = pd.DataFrame()
        self.golden: dict = {}
        self.title = widgets.HTML()
        self.progress = widgets.IntProgress(min=0, max=max(len(self.queue), 1), value=0,
                                            description="done", layout={"width": "24em"})
        self.counts = widgets.HTML()
        self.table = widgets.HTML()
        self.leave = widgets.VBox()
        self.explanation = widgets.HTML()
        self.overrides = {f: widgets.Text(description=f, layout={"width": "28em"})
                          for f in OVERRIDE_FIELDS}
        self.buttons = {}
        for name, label, style in (("merge", "merge 合并 (m)", "success"),
                                   ("split", "split 拆分 (s)", "warning"),
                                   ("not_duplicates", "not duplicates 不是重复 (n)", "danger"),
                                   ("skip", "skip 跳过 (k)", "")):
            button = widgets.Button(description=label, button_style=style,
                                    layout={"width": "14em"})
            button.add_class(f"wb-{name}")
            button.on_click(lambda _b, d=name: self.decide(d))
            self.buttons[name] = button
        self.keys = KeyBox({k: (lambda d=d: self.decide(d)) for k, d in KEYS.items()},
                           placeholder="keys: m s n k (click here first)")
        self.message = widgets.HTML()
        # Batch decisions for conflicts of the same kind (同类项批处理).
        self.pattern = widgets.Dropdown(description="pattern", layout={"width": "34em"})
        self.batch_decision = widgets.Dropdown(
            options=[("merge", "merge"), ("not duplicates", "not_duplicates"),
                     ("skip", "skip")], value="merge", description="decision")
        self.preview_button = widgets.Button(description="preview")
        self.preview_button.on_click(lambda _b: self.preview_batch())
        self.apply_button = widgets.Button(description="decide all of this pattern",
                                           button_style="primary", layout={"width": "18em"})
        self.apply_button.on_click(lambda _b: self.apply_batch())
        self.batch_output = widgets.HTML()
        self.widget = widgets.VBox([
            self.title, widgets.HBox([self.progress, self.counts]),
            self.table, widgets.HTML("<b>Leaves the cluster on a split</b>"), self.leave,
            widgets.HTML("<b>Why the weakest pair scored so</b>"), self.explanation,
            widgets.HTML("<b>Golden lead after a merge</b> (edit a field to override it)"),
            widgets.VBox(list(self.overrides.values())),
            widgets.HBox(list(self.buttons.values())), self.keys.widget, self.message,
            widgets.HTML("<hr><b>Batch decision for one pattern</b>"),
            widgets.HBox([self.pattern, self.batch_decision]),
            widgets.HBox([self.preview_button, self.apply_button]), self.batch_output,
        ])
        self._refresh_patterns()
        self.show()

    # --- state -------------------------------------------------------------------------------

    @property
    def current(self):
        return None if self.position >= len(self.queue) else self.queue.iloc[self.position]

    @property
    def record_ids(self) -> tuple[int, ...]:
        row = self.current
        return () if row is None else tuple(int(x) for x in row.signature.split(","))

    def show(self) -> None:
        """Show the cluster at the head of the queue (or say the queue is done)."""
        done, left = len(self.decided), max(len(self.queue) - self.position, 0)
        self.progress.max = max(done + left, 1)
        self.progress.value = done
        self.counts.value = f"&nbsp;done <b>{done}</b> · left <b>{left}</b>"
        row = self.current
        if row is None:
            self.title.value = "<h3>The review queue is empty.</h3>"
            for part in (self.table, self.explanation):
                part.value = ""
            self.leave.children = ()
            return
        p = "?" if pd.isna(row.p_min) else f"{row.p_min:.2f}"
        self.title.value = (f"<h3 class='wb-title' data-cluster='{int(row.cluster_id)}'>"
                            f"cluster {int(row.cluster_id)} · {html.escape(row.pattern)} · "
                            f"weakest pair p={p}</h3>")
        self.records = cluster_records(self.pool, self.record_ids)
        self.table.value = side_by_side_html(self.records)
        self.leave.children = tuple(
            widgets.Checkbox(value=False, description=f"record {int(r)}", indent=False)
            for r in self.records["record_id"])
        explained = cluster_explanations(self.pool, self.record_ids)
        pair = explained.attrs.get("pair")
        self.explanation.value = (
            (f"pair {pair[0]}–{pair[1]}: " if pair else "")
            + _table_html(explained.sort_values("weight", key=abs, ascending=False)))
        self.golden = preview_golden(self.pool, self.record_ids)
        for f, box in self.overrides.items():
            value = self.golden.get(f)
            box.value = "" if value is None or (not isinstance(value, str) and pd.isna(value)) \
                else str(value)

    def leaving(self) -> tuple[int, ...]:
        """The records ticked to leave the cluster."""
        return tuple(int(r) for r, box in zip(self.records["record_id"], self.leave.children,
                                              strict=True) if box.value)

    # --- actions -----------------------------------------------------------------------------

    def decide(self, decision: str) -> int | None:
        """Store `decision` on the cluster on show, then show the next one; returns the event.

        A merge also stores every golden field the reviewer changed, as an edit of the lead.
        """
        row = self.current
        if row is None:
            self.message.value = "Nothing left to review."
            return None
        leaving = self.leaving() if decision == "split" else ()
        try:
            event_id = decide(self.pool, Decision(int(row.cluster_id), self.record_ids, decision,
                                                  leaving=leaving, pattern=row.pattern),
                              reason=self.reason).event_id
        except WorkbenchError as err:  # shown to the reviewer; the pool is unchanged
            self.message.value = f"<span style='color:#b00'>{html.escape(str(err))}</span>"
            log.warning("decision %s on cluster %s refused: %s", decision, row.cluster_id, err)
            return None
        if decision == "merge":
            self._store_overrides()
        self.decided.append((int(row.cluster_id), decision, event_id))
        self.message.value = f"cluster {int(row.cluster_id)}: {decision} (event {event_id})"
        self.position += 1
        self.show()
        return event_id

    def _store_overrides(self) -> None:
        changed = {}
        for f, box in self.overrides.items():
            before = self.golden.get(f)
            before = "" if before is None or (not isinstance(before, str) and pd.isna(before)) \
                else str(before)
            if box.value.strip() != before:
                changed[f] = box.value.strip() or None
        if not changed:
            return
        lead = lead_of_record(self.pool, self.record_ids[0])
        for f, value in changed.items():
            edit_lead(self.pool, int(lead), f, value, reason=f"{self.reason}: set while merging")

    def _refresh_patterns(self) -> None:
        counts = self.queue["pattern"].value_counts() if len(self.queue) else pd.Series()
        self.pattern.options = [(f"{p} ({n})", p) for p, n in counts.items()]
        self.pattern.value = self.pattern.options[0][1] if self.pattern.options else None

    def preview_batch(self) -> pd.DataFrame:
        """What deciding the chosen pattern would do, per cluster."""
        frame = preview_pattern(self.pool, self.pattern.value, self.batch_decision.value)
        self.batch_output.value = _table_html(frame.head(50))
        return frame

    def apply_batch(self) -> int:
        """Decide every pending cluster of the chosen pattern at once (one undoable event)."""
        pattern, decision = self.pattern.value, self.batch_decision.value
        event_id = decide_pattern(self.pool, pattern, decision, reason=self.reason).event_id
        chosen = self.queue[self.queue["pattern"] == pattern]
        self.decided += [(int(c), decision, event_id) for c in chosen["cluster_id"]]
        self.batch_output.value = (f"{len(chosen)} clusters of '{html.escape(pattern)}': "
                                   f"{decision} (event {event_id})")
        self.queue = ordered_queue(self.pool)
        self.position = 0
        self._refresh_patterns()
        self.show()
        return event_id

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
