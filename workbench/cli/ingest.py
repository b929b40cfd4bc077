"""Commands that bring files in and keep the channels: import, add, channels."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.app import linkage_threshold_options, main, percent
from workbench.store.pool import Pool


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
@linkage_threshold_options("Match the new batch at this match probability (0 < P < 1) "
                           "instead of the model's threshold.")
@click.pass_obj
def import_command(pool: Pool, files, channel, sheet, maps, force, handler, no_link, threshold,
                   min_weight):
    """Import Excel/CSV/JSONL FILES into the lead pool, one batch per file."""
    from workbench.ingest.headers import parse_mapping_options
    from workbench.ingest.importer import import_file
    from workbench.linkage.link import link_batch
    mapping = parse_mapping_options(maps)
    for path in files:
        result = import_file(pool, path, channel=channel, sheet=sheet, mapping=mapping,
                             force=force, handler=handler, progress=True)
        if not no_link and result.batch_id is not None and result.imported:
            result.linked = link_batch(pool, result.batch_id, threshold=threshold,
                                       min_weight=min_weight)
        click.echo(result.summary())
        if result.rejected:
            click.echo(f"  Rejected rows and reasons: workbench export rejects --batch "
                       f"{result.batch_id} --out rejects_{result.batch_id}.xlsx")
        link = result.linked
        if link is not None and link.skipped:
            click.echo("  Not matched yet: no linkage model. Run `workbench dedupe` once.")
        elif link is not None:
            click.echo(f"  Matched against the pool: {link.links:,} links, "
                       f"{link.duplicates:,} records in clusters with others.")


@main.command("add")
@click.argument("values", nargs=-1, required=True, metavar="FIELD=VALUE...")
@click.option("--channel", "-c", required=True, help="The channel the lead came from.")
@click.option("--entered-by", help="Who entered it (default: the current user).")
@click.pass_obj
def add_command(pool: Pool, values, channel, entered_by):
    """Enter one lead by hand (手动补录), e.g. `add -c 线下门店 name=张伟 phone=13812345678`."""
    from workbench.ingest.headers import parse_mapping_options
    from workbench.ingest.importer import add_record, reject_reason
    result = add_record(pool, channel, parse_mapping_options(values), entered_by=entered_by)
    click.echo(result.summary())
    if result.rejected:
        click.echo(f"  Not usable: {reject_reason(pool, result.batch_id)}")


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
        scores = " ".join(percent(s) for s in row.recent_scores) or "no scored batch"
        status = click.style(row.status, fg="red" if row.status == "paused" else "green")
        click.echo(f"{row.name}  [{status}]  owner: {row.owner or '—'}  priority: {row.priority}"
                   f"  kind: {row.kind}  threshold: {percent(row.threshold)}  "
                   f"batches: {row.batches}  recent: {scores}")
        if row.status == "paused":
            click.echo(f"    paused: {row.status_reason}")


@channels_group.command("set")
@click.argument("name")
@click.option("--owner", help="Who answers for the channel (gets its alerts).")
@click.option("--contact", help="How to reach the owner (email, phone, WeCom id).")
@click.option("--priority", type=int, help="Higher wins conflicts; own channels above others.")
@click.option("--kind", type=click.Choice(["own", "third_party"]))
@click.option("--min-score", "min_score", type=float,
              help="The channel's own gate: the batch quality score it must reach, e.g. 0.85.")
@click.pass_obj
def channels_set(pool: Pool, name, owner, contact, priority, kind, min_score):
    """Create channel NAME or change its settings."""
    from workbench.ingest.channels import set_channel
    after = set_channel(pool, name, owner=owner, contact=contact, priority=priority, kind=kind,
                        threshold=min_score)
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
