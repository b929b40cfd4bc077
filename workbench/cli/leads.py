"""Commands that change or show leads: review, merge, edit, leads, history, undo, export."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.app import linkage_threshold_options, main
from workbench.store.pool import Pool


@main.group("review")
def review_group():
    """Review proposed clusters: patterns, batch decisions, and the Excel round-trip."""


@review_group.command("export")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", "out_option", type=click.Path(dir_okay=False, path_type=Path),
              help="The .xlsx to write (or give it as the argument).")
@click.option("--pattern", help="Only clusters of this pattern (see `review patterns`).")
@click.option("--limit", type=int, help="At most this many clusters.")
@click.option("--mask/--unmasked", default=True, show_default=True,
              help="Personal data masked; --unmasked only if authorised.")
@click.option("--reason", help="Why, recorded with the export.")
@click.pass_obj
def review_export_command(pool: Pool, out, out_option, pattern, limit, mask, reason):
    """Write the review queue to OUT (.xlsx) with a decision drop-down per cluster."""
    from workbench.errors import InputError
    from workbench.leads.review import export_review
    out = out or out_option
    if out is None:
        raise InputError("Where should the review file go?",
                         fix="Give it: `workbench review export 待审.xlsx`.")
    path, n = export_review(pool, out, pattern=pattern, limit=limit, mask=mask, reason=reason)
    click.echo(f"Wrote {n:,} clusters to {path}. Choose a decision per cluster (for a split, "
               f"mark leaving records with x), then `workbench review apply {path}`.")


@review_group.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Refuse the whole file if any cluster changed.")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def review_apply_command(pool: Pool, file, strict, reason):
    """Apply the decisions in a review FILE written by `review export`."""
    from workbench.leads.review import apply_review
    click.echo(apply_review(pool, file, strict=strict, reason=reason).summary())


@review_group.command("patterns")
@click.pass_obj
def review_patterns_command(pool: Pool):
    """Pending clusters grouped by pattern (which fields agree, which conflict), with counts."""
    from workbench.leads.review import queue_patterns
    frame = queue_patterns(pool)
    if frame.empty:
        click.echo("The review queue is empty.")
        return
    for row in frame.itertuples():
        click.echo(f"{row.clusters:>7,} clusters {row.records:>8,} records   {row.pattern}"
                   f"   (e.g. cluster {row.example_cluster})")


@review_group.command("decide")
@click.option("--pattern", help="Decide every pending cluster of this pattern.")
@click.option("--cluster", "cluster_id", type=int, help="Decide one cluster.")
@click.option("--decision", required=True,
              type=click.Choice(["merge", "split", "not_duplicates", "skip"]))
@click.option("--leave", help="For a split: the record ids that leave, comma-separated.")
@click.option("--yes", is_flag=True, help="Apply without showing the preview first.")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def review_decide_command(pool: Pool, pattern, cluster_id, decision, leave, yes, reason):
    """Decide one cluster, or a whole pattern at once (同类项批处理) after a preview."""
    from workbench.errors import InputError
    from workbench.leads.decisions import Decision, decide
    from workbench.leads.review import decide_pattern, preview_pattern, review_queue
    if bool(pattern) == bool(cluster_id):
        raise InputError("Give either --pattern or --cluster.",
                         fix="See the patterns with `workbench review patterns`.")
    if pattern:
        preview = preview_pattern(pool, pattern, decision)
        click.echo(preview.to_string(index=False, max_rows=20))
        if not yes and not click.confirm(f"Apply '{decision}' to these {len(preview)} clusters?"):
            return
        result = decide_pattern(pool, pattern, decision, reason=reason)
    else:
        queue = review_queue(pool)
        row = queue[queue.cluster_id == cluster_id]
        if row.empty:
            raise InputError(f"Cluster {cluster_id} is not in the review queue.",
                             fix="See the pending clusters with `workbench review export`.")
        ids = tuple(int(x) for x in row.iloc[0].signature.split(","))
        leaving = tuple(int(x) for x in leave.split(",")) if leave else ()
        result = decide(pool, Decision(cluster_id, ids, decision, leaving=leaving),
                          reason=reason)
    click.echo(result.summary())


@main.command("merge")
@linkage_threshold_options("Merge clusters whose every scored pair has at least this match "
                           "probability (0 < P < 1; default 0.95).")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def merge_command(pool: Pool, threshold, min_weight, reason):
    """Commit the safe merges: pending clusters above the threshold become one lead each."""
    from workbench.leads.merge import MERGE_PROBABILITY, commit_merges
    result = commit_merges(pool, threshold, min_weight=min_weight, reason=reason)
    if result.event_id is None:
        bar = f"weight {min_weight:g}" if min_weight is not None else \
            f"{threshold if threshold is not None else MERGE_PROBABILITY:g}"
        click.echo(f"No pending cluster is safe at {bar}; {result.leads:,} leads.")
        return
    click.echo(f"Merged {result.clusters:,} clusters ({result.records_moved:,} records "
               f"moved) as event {result.event_id}; the pool has {result.leads:,} leads.")


@main.command("edit")
@click.argument("lead_id", type=int)
@click.argument("field")
@click.argument("value", required=False)
@click.option("--clear", is_flag=True, help="Remove the override; survivorship decides again.")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def edit_command(pool: Pool, lead_id, field, value, clear, reason):
    """Override FIELD of lead LEAD_ID with VALUE (or --clear the override)."""
    from workbench.errors import InputError
    from workbench.leads.merge import edit_lead
    if value is None and not clear:
        raise InputError("Give a VALUE or --clear.", fix="e.g. `workbench edit 42 title 采购总监`.")
    event_id = edit_lead(pool, lead_id, field, None if clear else value, reason=reason).event_id
    click.echo(f"Lead {lead_id}: {field} {'override removed' if clear else '= ' + value} "
               f"(event {event_id}).")


@main.command("leads")
@click.option("--as-of", "as_of", help="Show the leads as they were then (YYYY-MM-DD HH:MM:SS).")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write them to a .csv or .xlsx file instead of showing a summary.")
@click.option("--rebuild", is_flag=True, help="Rebuild the golden leads table first.")
@click.option("--mask/--unmasked", default=True, show_default=True,
              help="In --out files personal data masked; --unmasked only if authorised.")
@click.option("--reason", help="Why, recorded with an export.")
@click.pass_obj
def leads_command(pool: Pool, as_of, out, rebuild, mask, reason):
    """The golden leads, now or as of a past moment."""
    from workbench.leads.golden import golden_leads, rebuild_leads
    from workbench.leads.restore import leads_as_of
    if rebuild:
        click.echo(f"Rebuilt {rebuild_leads(pool):,} golden leads.")
    if as_of:
        frame = leads_as_of(pool, as_of)
    else:
        with pool.connect() as con:
            frame = golden_leads(con)
    if out:
        from workbench.leads.export import export_frame
        export_frame(pool, "leads", frame, out, mask=mask, reason=reason)
        click.echo(f"Wrote {len(frame):,} leads to {out}.")
        return
    click.echo(f"{len(frame):,} leads{' as of ' + as_of if as_of else ''}, "
               f"{int(frame['members'].sum()) if len(frame) else 0:,} records.")
    cols = [c for c in ("lead_id", "name", "phone", "email", "company", "owner", "members")
            if c in frame]
    if len(frame):
        from workbench.privacy.masking import mask_frame
        # On screen personal data is always masked (PIPL).
        click.echo(mask_frame(frame[cols].head(20)).to_string(index=False))


@main.command("history")
@click.argument("lead_id", type=int)
@click.pass_obj
def history_command(pool: Pool, lead_id):
    """The whole story of lead LEAD_ID: who joined and left it, edits, conflicts, undos."""
    from workbench.leads.restore import lead_history
    frame = lead_history(pool, lead_id)
    for row in frame.itertuples():
        flag = "  [undone]" if row.undone else ""
        reason = f" — {row.reason}" if isinstance(row.reason, str) and row.reason else ""
        click.echo(f"{row.at:%Y-%m-%d %H:%M:%S}  event {row.event_id:<5} {row.kind or '':<10} "
                   f"{row.actor or '':<10} {row.what}: {row.detail}{reason}{flag}")


@main.command("undo")
@click.argument("event_id", type=int, required=False)
@click.option("--last", is_flag=True, help="Undo the newest event still in force.")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def undo_command(pool: Pool, event_id, last, reason):
    """Reverse EVENT_ID (or --last) by writing a new event; undo an undo to redo."""
    from workbench.leads.restore import undo
    new_id = undo(pool, event_id, last=last, reason=reason).event_id
    click.echo(f"Undone as event {new_id} (undo that to bring it back).")


@main.command("export")
@click.argument("kind")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .csv or .xlsx file to write.")
@click.option("--batch", type=int, help="Only this batch.")
@click.option("--mask/--unmasked", default=True, show_default=True,
              help="Personal data masked (138****5678, 张*); --unmasked only if authorised.")
@click.option("--reason", help="Why, recorded with the export.")
@click.pass_obj
def export_command(pool: Pool, kind, out, batch, mask, reason):
    """Write KIND (records, batches, rejects, ...) to a .csv or .xlsx file."""
    from workbench.leads.export import export_table
    path, rows = export_table(pool, kind, out, batch=batch, mask=mask, reason=reason)
    click.echo(f"Wrote {rows:,} rows to {path}.")
