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
import json
import logging
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from ..errors import WorkbenchError
from ..merge import Decision, apply_decisions, decide, edit_lead
from ..pool import Pool, run
from ..review import SHOWN_FIELDS, decide_pattern, preview_pattern, review_queue
from ..sql import notebooks as sql
from .keys import KeyBox

log = logging.getLogger(__name__)

# The golden fields a reviewer may set by hand while merging.
OVERRIDE_FIELDS: tuple[str, ...] = ("name", "phone", "email", "wechat", "company", "title",
                                    "city", "address")
KEYS: dict[str, str] = {"m": "merge", "s": "split", "n": "not_duplicates", "k": "skip",
                        "1": "merge", "2": "split", "3": "not_duplicates", "4": "skip"}
_DIFF = "background:#ffe08a"


def ordered_queue(pool: Pool) -> pd.DataFrame:
    """The pending clusters, most useful first: the least certain (weakest pair nearest a
    match probability of 0.5) at the top, clusters without a scored pair last.

    Example:
        >>> ordered_queue(pool)[["cluster_id", "p_min", "pattern"]].head()
    """
    queue = review_queue(pool)
    queue["uncertainty"] = (queue["p_min"].astype(float) - 0.5).abs().fillna(1.0)
    return queue.sort_values(["uncertainty", "cluster_id"], kind="stable",
                             ignore_index=True)


def cluster_records(pool: Pool, record_ids) -> pd.DataFrame:
    """The records of a cluster with their current lead and the fields a reviewer compares."""
    with pool.connect(read_only=True) as con:
        return run(con, sql.cluster_records_sql(list(SHOWN_FIELDS)),
                   [[int(r) for r in record_ids]]).df()


def cluster_explanations(pool: Pool, record_ids) -> pd.DataFrame:
    """Why the weakest pair of the cluster scored as it did: one row per comparison."""
    from ..link import explain_pair

    with pool.connect(read_only=True) as con:
        pairs = run(con, sql.cluster_pairs_sql(), [[int(r) for r in record_ids]]).df()
    if pairs.empty:
        return pd.DataFrame(columns=["comparison", "level", "weight", "verdict"])
    weakest = pairs.iloc[0]
    frame = explain_pair(pool, int(weakest.record_id_l), int(weakest.record_id_r))
    frame.attrs["pair"] = (int(weakest.record_id_l), int(weakest.record_id_r))
    return frame


def preview_golden(pool: Pool, record_ids) -> dict:
    """The golden lead the records would make if merged now, by the pool's survivorship rules.

    The merge is really applied inside a transaction and rolled back, so the preview is what
    the merge will give, field by field, without writing anything.

    Example:
        >>> preview_golden(pool, [17, 4031])["phone"]
        '+8613812345678'
    """
    ids = [int(r) for r in record_ids]
    with pool.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            apply_decisions(con, [Decision(0, tuple(ids), "merge")], reason="preview")
            lead = run(con, sql.lead_of_record_sql(), [ids[0]]).fetchone()[0]
            row = run(con, sql.lead_row_sql(), [lead]).df()
        finally:
            con.execute("ROLLBACK")
    return {} if row.empty else row.iloc[0].to_dict()


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


def review_unattended(pool: Pool, out_dir: str | Path, *,
                      auto_merge_threshold: float | None = 0.99, limit: int | None = None
                      ) -> dict:
    """What the review notebook does when no person is there: merge every cluster that is safe
    at `auto_merge_threshold` (None: merge nothing), then export what is left to review to
    `out_dir/review_queue.xlsx` (for the Excel round-trip) and a summary to
    `out_dir/review_summary.json`.

    Example:
        >>> review_unattended(pool, "data/runs/today", auto_merge_threshold=0.99)
        {'merged_clusters': 410, 'queue': 51, 'review_file': 'data/runs/today/review_queue.xlsx'}
    """
    from ..merge import commit_merges
    from ..review import export_review

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    merged = {"clusters": 0, "event_id": None}
    if auto_merge_threshold is not None:
        merged = commit_merges(pool, float(auto_merge_threshold),
                               reason=f"unattended review: auto-merge at {auto_merge_threshold}")
    path, clusters = export_review(pool, out / "review_queue.xlsx", limit=limit)
    summary = {"auto_merge_threshold": auto_merge_threshold,
               "merged_clusters": int(merged["clusters"]), "merge_event": merged["event_id"],
               "queue": int(clusters), "review_file": str(path)}
    (out / "review_summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    return summary


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
        >>> review.widget          # in a notebook: the review screen
        >>> review.decide("merge") # what the merge button (or the key m) does
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
                              reason=self.reason)
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
        with self.pool.connect(read_only=True) as con:
            lead = run(con, sql.lead_of_record_sql(), [self.record_ids[0]]).fetchone()[0]
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
        event_id = decide_pattern(self.pool, pattern, decision, reason=self.reason)
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
