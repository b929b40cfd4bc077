"""The `workbench` command: a thin layer over the package's public functions."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from workbench.errors import WorkbenchError
from workbench.store.pool import Pool


class _Group(click.Group):
    """Shows a WorkbenchError as a plain message and exit code 2, without a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WorkbenchError as err:
            click.secho(f"Error: {err}", fg="red", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.option(
    "--pool",
    "pool_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="WORKBENCH_POOL",
    default=Path("data") / "leadpool.duckdb",
    show_default=True,
    help="The lead pool's DuckDB file (or set WORKBENCH_POOL).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens step by step.")
@click.pass_context
def main(ctx: click.Context, pool_path: Path, verbose: bool) -> None:
    """Lead Data Factory: import, clean, deduplicate and repair a sales-lead pool."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")
    ctx.obj = Pool(pool_path)


# --- commands are added below, one section per area ------------------------------------------


# --- import, add, export ----------------------------------------------------------------------


@main.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--channel", "-c", required=True, help="The channel the files came from (渠道).")
@click.option("--sheet", help="Read only this sheet of a workbook (default: every sheet).")
@click.option("--map", "maps", multiple=True, metavar="HEADER=FIELD",
              help="Map a header to a standard field, e.g. --map 电话号=phone. Repeatable.")
@click.option("--force", is_flag=True, help="Import a file again even if it was imported before.")
@click.option("--handler", help="Who runs the import (default: the current user).")
@click.option("--no-link", is_flag=True, help="Do not match the new batch against the pool.")
@click.pass_obj
def import_command(pool: Pool, files, channel, sheet, maps, force, handler, no_link):
    """Import Excel/CSV/JSONL FILES into the lead pool, one batch per file."""
    from workbench.ingest.headers import parse_mapping_options
    from workbench.ingest.importer import import_file
    from workbench.linkage.link import link_batch
    mapping = parse_mapping_options(maps)
    for path in files:
        result = import_file(pool, path, channel=channel, sheet=sheet, mapping=mapping,
                             force=force, handler=handler, progress=True)
        if not no_link and result.batch_id is not None and result.imported:
            result.linked = link_batch(pool, result.batch_id)
        click.echo(result.summary())
        if result.rejected:
            click.echo(f"  Rejected rows and reasons: workbench export rejects --batch "
                       f"{result.batch_id} --out rejects_{result.batch_id}.xlsx")
        if result.linked:
            link = result.linked
            click.echo(f"  Matched against the pool: {link['links']:,} links, "
                       f"{link['duplicates']:,} records in clusters with others.")
        elif not no_link and result.imported:
            click.echo("  Not matched yet: no linkage model. Run `workbench dedupe` once.")


@main.command("add")
@click.argument("values", nargs=-1, required=True, metavar="FIELD=VALUE...")
@click.option("--channel", "-c", required=True, help="The channel the lead came from.")
@click.option("--entered-by", help="Who entered it (default: the current user).")
@click.pass_obj
def add_command(pool: Pool, values, channel, entered_by):
    """Enter one lead by hand (手动补录), e.g. `add -c 线下门店 name=张伟 phone=13812345678`."""
    from workbench.ingest.headers import parse_mapping_options
    from workbench.ingest.importer import add_record
    result = add_record(pool, channel, parse_mapping_options(values), entered_by=entered_by)
    click.echo(result.summary())
    if result.rejected:
        click.echo(f"  Not usable: {_reject_reason(pool, result.batch_id)}")


def _reject_reason(pool: Pool, batch_id: int) -> str:
    with pool.connect() as con:
        row = con.execute("SELECT reject_reason FROM records WHERE batch_id = ?",
                          [batch_id]).fetchone()
    return row[0] if row else ""


@main.command("export")
@click.argument("kind")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .csv or .xlsx file to write.")
@click.option("--batch", type=int, help="Only this batch.")
@click.option("--mask", is_flag=True, help="Mask personal data (138****5678, 张*).")
@click.pass_obj
def export_command(pool: Pool, kind, out, batch, mask):
    """Write KIND (records, batches, rejects, ...) to a .csv or .xlsx file."""
    from workbench.leads.export import export_table
    path, rows = export_table(pool, kind, out, batch=batch, mask=mask)
    click.echo(f"Wrote {rows:,} rows to {path}.")


# --- the main job -----------------------------------------------------------------------------


@main.command("demo")
@click.option("--out", "out_dir", default="data", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Where reports and exports go.")
@click.pass_obj
def demo_command(pool: Pool, out_dir: Path):
    """Run the whole path on the bundled sample: import, dedupe, merge what is safe, report."""
    from workbench.jobs.demo import run_demo
    result = run_demo(pool, out_dir=out_dir)
    for one in result.imports:
        click.echo(one.summary())
    for step in result.steps:
        click.echo(step)
    click.echo(f"\nThe lead pool is {result.pool}.")
    if result.look_at:
        click.echo("Where to look:")
        for what, where in result.look_at:
            click.echo(f"  {what}: {where}")


# --- review, merge, history, backup -----------------------------------------------------------


@main.group("review")
def review_group():
    """Review proposed clusters: patterns, batch decisions, and the Excel round-trip."""


@review_group.command("export")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", "out_option", type=click.Path(dir_okay=False, path_type=Path),
              help="The .xlsx to write (or give it as the argument).")
@click.option("--pattern", help="Only clusters of this pattern (see `review patterns`).")
@click.option("--limit", type=int, help="At most this many clusters.")
@click.pass_obj
def review_export_command(pool: Pool, out, out_option, pattern, limit):
    """Write the review queue to OUT (.xlsx) with a decision drop-down per cluster."""
    from workbench.errors import InputError
    from workbench.leads.review import export_review
    out = out or out_option
    if out is None:
        raise InputError("Where should the review file go?",
                         fix="Give it: `workbench review export 待审.xlsx`.")
    path, n = export_review(pool, out, pattern=pattern, limit=limit)
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
        event_id = decide_pattern(pool, pattern, decision, reason=reason)
    else:
        queue = review_queue(pool)
        row = queue[queue.cluster_id == cluster_id]
        if row.empty:
            raise InputError(f"Cluster {cluster_id} is not in the review queue.",
                             fix="See the pending clusters with `workbench review export`.")
        ids = tuple(int(x) for x in row.iloc[0].signature.split(","))
        leaving = tuple(int(x) for x in leave.split(",")) if leave else ()
        event_id = decide(pool, Decision(cluster_id, ids, decision, leaving=leaving),
                          reason=reason)
    click.echo(f"Done as event {event_id} (undo with `workbench undo {event_id}`).")


@main.command("merge")
@click.option("--threshold", type=float, default=0.95, show_default=True,
              help="Merge clusters whose every scored pair has at least this probability.")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def merge_command(pool: Pool, threshold, reason):
    """Commit the safe merges: pending clusters above THRESHOLD become one lead each."""
    from workbench.leads.merge import commit_merges
    result = commit_merges(pool, threshold, reason=reason)
    if not result["clusters"]:
        click.echo(f"No pending cluster is safe at {threshold:g}; {result['leads']:,} leads.")
        return
    click.echo(f"Merged {result['clusters']:,} clusters ({result['records_moved']:,} records "
               f"moved) as event {result['event_id']}; the pool has {result['leads']:,} leads.")


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
    event_id = edit_lead(pool, lead_id, field, None if clear else value, reason=reason)
    click.echo(f"Lead {lead_id}: {field} {'override removed' if clear else '= ' + value} "
               f"(event {event_id}).")


@main.command("leads")
@click.option("--as-of", "as_of", help="Show the leads as they were then (YYYY-MM-DD HH:MM:SS).")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write them to a .csv or .xlsx file instead of showing a summary.")
@click.option("--rebuild", is_flag=True, help="Rebuild the golden leads table first.")
@click.pass_obj
def leads_command(pool: Pool, as_of, out, rebuild):
    """The golden leads, now or as of a past moment."""
    from workbench.leads.golden import golden_leads, rebuild_leads
    from workbench.leads.restore import leads_as_of
    from workbench.store.workbook import write_workbook
    if rebuild:
        click.echo(f"Rebuilt {rebuild_leads(pool):,} golden leads.")
    if as_of:
        frame = leads_as_of(pool, as_of)
    else:
        with pool.connect() as con:
            frame = golden_leads(con)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        flat = frame.apply(lambda s: s.map(lambda v: ", ".join(map(str, v))
                                           if hasattr(v, "__len__") and not isinstance(v, str)
                                           else v))
        if out.suffix.lower() == ".xlsx":
            write_workbook(out, {"leads": flat})
        else:
            flat.to_csv(out, index=False, encoding="utf-8-sig")
        click.echo(f"Wrote {len(frame):,} leads to {out}.")
        return
    click.echo(f"{len(frame):,} leads{' as of ' + as_of if as_of else ''}, "
               f"{int(frame['members'].sum()) if len(frame) else 0:,} records.")
    cols = [c for c in ("lead_id", "name", "phone", "email", "company", "owner", "members")
            if c in frame]
    if len(frame):
        from workbench.privacy.masking import mask_frame
        # On screen personal data is masked (PIPL); files written with --out are not.
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


@main.command("events")
@click.option("--limit", type=int, default=20, show_default=True)
@click.pass_obj
def events_command(pool: Pool, limit):
    """The latest events of the history, newest first."""
    from workbench.store.log import undone_events
    with pool.connect(read_only=True) as con:
        rows = con.execute("SELECT event_id, happened_at, actor, kind, target, reason, undoes "
                           "FROM events ORDER BY event_id DESC LIMIT ?", [limit]).fetchall()
        undone = undone_events(con)
    for e, at, actor, kind, target, reason, undoes in rows:
        extra = f" (undoes {undoes})" if undoes else ""
        flag = "  [undone]" if e in undone else ""
        click.echo(f"{e:>6}  {at:%Y-%m-%d %H:%M:%S}  {actor:<10} {kind:<12} {target or ''}"
                   f"{extra}{' — ' + reason if reason else ''}{flag}")


@main.command("undo")
@click.argument("event_id", type=int, required=False)
@click.option("--last", is_flag=True, help="Undo the newest event still in force.")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def undo_command(pool: Pool, event_id, last, reason):
    """Reverse EVENT_ID (or --last) by writing a new event; undo an undo to redo."""
    from workbench.leads.restore import undo
    new_id = undo(pool, event_id, last=last, reason=reason)
    click.echo(f"Undone as event {new_id} (undo that to bring it back).")


@main.command("backup")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path),
              help="Where snapshots go (default: backups/ beside the pool).")
@click.option("--keep", type=int, default=30, show_default=True,
              help="How many snapshots of this pool to keep.")
@click.pass_obj
def backup_command(pool: Pool, dest, keep):
    """Write a consistent snapshot of the pool and print its path."""
    from workbench.store.backup import backup
    click.echo(str(backup(pool, dest, keep=keep)))


@main.command("backups")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def backups_command(pool: Pool, dest):
    """List this pool's snapshots, newest first."""
    from workbench.store.backup import list_backups
    frame = list_backups(pool, dest)
    click.echo(frame.to_string(index=False) if len(frame) else "No snapshots yet.")


@main.command("restore")
@click.argument("snapshot", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of",
              help="Instead of a snapshot: bring leads, edits and constraints back to this "
                   "moment as a new, undoable event.")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def restore_command(pool: Pool, snapshot, as_of, reason):
    """Restore the pool from SNAPSHOT (checked first; the current pool is kept aside)."""
    from workbench.errors import InputError
    if bool(snapshot) == bool(as_of):
        raise InputError("Give either a SNAPSHOT or --as-of TIME.",
                         fix="List snapshots with `workbench backups`.")
    if as_of:
        from workbench.leads.restore import restore_as_of
        event_id = restore_as_of(pool, as_of, reason=reason)
        click.echo(f"The pool's leads are back as of {as_of} (event {event_id}).")
        return
    from workbench.store.backup import restore
    aside = restore(pool, snapshot, reason=reason)
    click.echo(f"Restored {snapshot}. The previous pool is kept at {aside}.")


# --- quality reports, channels, scheduled runs ------------------------------------------------


def _percent(value) -> str:
    return "—" if value is None or value != value else f"{value:.1%}"


@main.group("channels", invoke_without_command=True)
@click.pass_context
def channels_group(ctx: click.Context):
    """Channels with owner, priority, status and recent quality scores (the default)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(channels_list)


@channels_group.command("list")
@click.option("--recent", default=5, show_default=True, help="How many recent scores to show.")
@click.pass_obj
def channels_list(pool: Pool, recent: int = 5):
    """List channels: owner, priority, status, threshold, recent batch scores."""
    from workbench.ingest.channels import list_channels
    frame = list_channels(pool, recent=recent)
    if frame.empty:
        click.echo("No channels yet: they appear with their first import.")
        return
    for row in frame.itertuples():
        scores = " ".join(_percent(s) for s in row.recent_scores) or "no scored batch"
        status = click.style(row.status, fg="red" if row.status == "paused" else "green")
        click.echo(f"{row.name}  [{status}]  owner: {row.owner or '—'}  priority: {row.priority}"
                   f"  kind: {row.kind}  threshold: {_percent(row.threshold)}  "
                   f"batches: {row.batches}  recent: {scores}")
        if row.status == "paused":
            click.echo(f"    paused: {row.status_reason}")


@channels_group.command("set")
@click.argument("name")
@click.option("--owner", help="Who answers for the channel (gets its alerts).")
@click.option("--contact", help="How to reach the owner (email, phone, WeCom id).")
@click.option("--priority", type=int, help="Higher wins conflicts; own channels above others.")
@click.option("--kind", type=click.Choice(["own", "third_party"]))
@click.option("--threshold", type=float, help="The channel's own quality threshold, e.g. 0.85.")
@click.pass_obj
def channels_set(pool: Pool, name, owner, contact, priority, kind, threshold):
    """Create channel NAME or change its settings."""
    from workbench.ingest.channels import set_channel
    after = set_channel(pool, name, owner=owner, contact=contact, priority=priority, kind=kind,
                        threshold=threshold)
    click.echo(", ".join(f"{k}: {v}" for k, v in after.items() if k in
                         ("name", "owner", "contact", "priority", "kind", "quality_threshold",
                          "status")))


@channels_group.command("resume")
@click.argument("name")
@click.option("--reason", required=True, help="What the channel fixed (kept in the history).")
@click.pass_obj
def channels_resume(pool: Pool, name, reason):
    """Resume paused channel NAME: imports from it are accepted again."""
    from workbench.ingest.channels import resume_channel
    event_id = resume_channel(pool, name, reason=reason)
    click.echo(f"Channel '{name}' is active again (event {event_id}); its earlier batches no "
               "longer count towards the gate.")


@channels_group.command("pause")
@click.argument("name")
@click.option("--reason", required=True, help="Why (kept in the history, sent to the owner).")
@click.pass_obj
def channels_pause(pool: Pool, name, reason):
    """Pause channel NAME by hand; its owner is alerted."""
    from workbench.ingest.channels import pause_channel
    event_id = pause_channel(pool, name, reason=reason)
    click.echo(f"Channel '{name}' is paused (event {event_id}).")


@channels_group.command("threshold")
@click.argument("value", type=float)
@click.pass_obj
def channels_threshold(pool: Pool, value):
    """Set the pool's default quality threshold VALUE (e.g. 0.9) for the channel gate."""
    from workbench.ingest.channels import set_pool_threshold
    set_pool_threshold(pool, value)
    click.echo(f"Channels without their own threshold now pause below {value:.0%}.")


@main.command("quality")
@click.option("--since", help="Only batches imported on or after YYYY-MM-DD (or e.g. 30d).")
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable).")
@click.pass_obj
def quality_command(pool: Pool, since, channels):
    """Show the pool's quality figures: overall and per channel."""
    from workbench.quality.measures import quality_report, summary_table
    report = quality_report(pool, since=since, channels=list(channels) or None)
    for row in summary_table(report).itertuples():
        click.echo(f"{row.measure:>16}  {row.value}")
    if not report.channels.empty:
        columns = ["channel", "batches", "rows", "completeness", "validity", "reachability",
                   "duplicate_rate", "score"]
        table = report.channels[columns].copy()
        for column in columns[3:]:
            table[column] = table[column].map(_percent)
        click.echo("")
        click.echo(table.to_string(index=False))


@main.command("report")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the HTML report, the workbook and the executed notebook.")
@click.option("--since", help="Only batches imported on or after YYYY-MM-DD (or e.g. 30d).")
@click.option("--until", help="Only batches imported before YYYY-MM-DD.")
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable).")
@click.option("--unmasked", is_flag=True,
              help="Show personal data in full (recorded in the history; needs --reason).")
@click.option("--reason", help="Why an unmasked report is needed.")
@click.pass_obj
def report_command(pool: Pool, out_dir, since, until, channels, unmasked, reason):
    """Write the quality report: HTML with charts and an .xlsx workbook, personal data masked."""
    from workbench.jobs.report import write_report
    files = write_report(pool, out_dir, since=since, until=until, channels=list(channels),
                         masked=not unmasked, reason=reason)
    click.echo(f"Report: {files.html}")
    if files.workbook:
        click.echo(f"Workbook: {files.workbook}")
    click.echo(f"Executed notebook: {files.notebook}")


@main.command("schedule")
@click.option("--file", "schedule_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("schedule.toml"), show_default=True, help="The schedule file.")
@click.option("--job", "jobs", multiple=True, help="Run this job now, due or not (repeatable).")
@click.option("--list", "list_only", is_flag=True, help="Show the jobs and when they last ran.")
@click.pass_obj
def schedule_command(pool: Pool, schedule_file, jobs, list_only):
    """Run the scheduled notebooks that are due (start it from cron or a systemd timer)."""
    import datetime as dt

    from workbench.jobs.schedule import last_runs, load_schedule, run_due
    schedule = load_schedule(schedule_file)
    if list_only:
        last, now = last_runs(pool), dt.datetime.now()
        for job in schedule.jobs:
            ran = last.get(job.name)
            due = "due" if job.is_due(now, ran) else "not due"
            click.echo(f"{job.name}: {job.notebook}, every {job.every} at {job.at}; "
                       f"last run {ran or 'never'} ({due})")
        return
    outcomes = run_due(schedule, pool, only=list(jobs) or None)
    if not outcomes:
        click.echo("Nothing is due.")
    failed = False
    for outcome in outcomes:
        if outcome.status == "success":
            click.echo(f"{outcome.job}: ok → {outcome.out_dir}")
        else:
            failed = True
            click.secho(f"{outcome.job}: failed after {outcome.attempts} attempts: "
                        f"{outcome.error}", fg="red", err=True)
    if failed:
        sys.exit(1)


# --- generate: synthetic lead data with ground truth -----------------------------------------

@main.command("generate")
@click.option("--rows", type=click.IntRange(min=1), default=2500, show_default=True,
              help="How many records to make.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="The folder to write into.")
@click.option("--duplicate-share", type=click.FloatRange(0, 1, max_open=True), default=0.35,
              show_default=True, help="Share of records that repeat a person.")
@click.option("--people", is_flag=True,
              help="Write one generic person file (people.csv) instead of channel files.")
def generate_command(rows: int, seed: int, out_dir: Path, duplicate_share: float,
                     people: bool) -> None:
    """Write seeded synthetic Chinese leads as channel files, plus truth.csv."""
    from workbench.testdata.generate import (
        generate_leads,
        generate_people,
        write_channel_files,
        write_truth,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    if people:
        frame = generate_people(rows, seed, duplicate_share=duplicate_share)
        path = out_dir / "people.csv"
        frame.drop(columns="entity_id").to_csv(path, index=False, encoding="utf-8")
        paths = [path]
    else:
        frame = generate_leads(rows, seed, duplicate_share=duplicate_share)
        paths = write_channel_files(frame, out_dir, seed=seed)
    for path in [*paths, write_truth(frame, out_dir / "truth.csv")]:
        click.echo(f"{path}")
    click.echo(f"{len(frame)} records of {frame['entity_id'].nunique()} people, seed {seed}.")


# --- linkage: deduplicate the pool or a file --------------------------------------------------

@main.command("dedupe")
@click.argument("input_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="With INPUT: where to write id, cluster_id (.csv or .xlsx).")
@click.option("--pairs", "pairs_out", type=click.Path(dir_okay=False, path_type=Path),
              help="With INPUT: also write the scored pairs here.")
@click.option("--threshold", type=float,
              help="Link at this match probability (≤ 1) or match weight (> 1).")
@click.option("--id-column", default="lead_id", show_default=True,
              help="With INPUT: the column that identifies a row.")
@click.option("--retrain", is_flag=True, help="Pool: train a new model version first.")
@click.option("--seed", default=42, show_default=True, help="Training seed.")
@click.pass_obj
def dedupe_command(pool: Pool, input_file, out, pairs_out, threshold, id_column, retrain, seed):
    """Deduplicate the whole pool, or (with INPUT) one CSV/Excel file without a pool.

    Without INPUT: trains a model if the pool has none, links every record, and stores the
    scored pairs and clusters. With INPUT: writes one row per input row (its id and
    cluster_id) to --out, and the scored pairs to --pairs.
    """
    if input_file is not None:
        from workbench.linkage.standalone import dedupe_file
        if out is None:
            raise click.UsageError("Give --out FILE for the clusters of INPUT.")
        result = dedupe_file(input_file, out, pairs_out=pairs_out, threshold=threshold,
                             id_column=id_column, seed=seed)
        click.echo(result.summary())
        return
    from workbench.linkage.link import dedupe_pool
    result = dedupe_pool(pool, threshold=threshold, retrain=retrain, seed=seed, progress=True)
    for row in result.blocking:
        click.echo(f"  blocking {row['blocking_rule']}: {row['marginal_comparison_count']} "
                   "comparisons")
    click.echo(result.summary())


@main.command("explain")
@click.argument("record_l", type=int)
@click.argument("record_r", type=int)
@click.pass_obj
def explain_command(pool: Pool, record_l: int, record_r: int):
    """Show which fields of a scored pair agreed or disagreed, and by how much."""
    from workbench.linkage.link import explain_pair
    frame = explain_pair(pool, record_l, record_r)
    click.echo(f"match probability {frame.attrs['match_probability']:.4f}, "
               f"weight {frame.attrs['match_weight']:.2f}")
    click.echo(frame.to_string(index=False))


# --- notebooks: headless runs ----------------------------------------------------------------

@main.command("run")
@click.argument("notebook")
@click.option("-p", "--parameter", "parameters", nargs=2, multiple=True,
              metavar="NAME VALUE", help="Set a notebook parameter (repeatable); values are "
              "read as numbers, true/false, none, JSON lists, else text.")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data") / "runs", show_default=True,
              help="Executed notebooks are kept here, one timestamped folder per run.")
@click.pass_obj
def run_command(pool: Pool, notebook, parameters, runs_dir):
    """Run NOTEBOOK headlessly with papermill (a path, or a name in notebooks/ such as
    review_clusters); the parameters decide where a person would click."""
    from workbench.jobs.report import notebook_parameters
    from workbench.jobs.runs import find_notebook, open_pool, parse_value, pool_records, run_kept
    values = {name: parse_value(value) for name, value in parameters}
    path = find_notebook(notebook)
    declared = notebook_parameters(path)
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise click.UsageError(f"The notebook '{path.name}' has no parameter "
                               f"{', '.join(unknown)}. Its parameters are: "
                               f"{', '.join(sorted(declared))}.")
    if "pool_path" in declared and "pool_path" not in values:
        values["pool_path"] = str(pool.path)
        # As on a fresh checkout: a notebook's defaults run on the bundled sample. The import
        # notebook imports the sample itself (its files parameter), so it starts empty.
        if path.stem != "import" and pool_records(pool) == 0:
            click.echo(f"The pool {pool.path} is empty: loading the bundled sample first.")
            open_pool(pool.path)
    files = run_kept(notebook, values, runs_dir=runs_dir)
    click.echo(f"Executed notebook: {files.notebook}")
    click.echo(f"HTML: {files.html}")
    for path in sorted(files.out_dir.iterdir()):
        if path not in (files.notebook, files.html):
            click.echo(f"Wrote: {path}")


@main.group("privacy")
def privacy_group():
    """Who may see personal data unmasked (PIPL); every grant is an event."""


@privacy_group.command("authorise")
@click.argument("user")
@click.option("--reason", required=True, help="The approval behind it (kept in the history).")
@click.pass_obj
def privacy_authorise(pool: Pool, user, reason):
    """Allow USER (a WORKBENCH_USER / login name) to export reports unmasked."""
    from workbench.privacy.masking import authorise
    users = authorise(pool, user, reason=reason)
    click.echo(f"Authorised for unmasked reports: {', '.join(users)}")


@privacy_group.command("revoke")
@click.argument("user")
@click.option("--reason", required=True, help="Why (kept in the history).")
@click.pass_obj
def privacy_revoke(pool: Pool, user, reason):
    """Stop USER from exporting reports unmasked."""
    from workbench.privacy.masking import authorise
    users = authorise(pool, user, allow=False, reason=reason)
    click.echo(f"Authorised for unmasked reports: {', '.join(users) or 'nobody'}")


from workbench.cli.analysis import register as _register_analysis  # noqa: E402

_register_analysis(main)


if __name__ == "__main__":
    main()
