"""Commands on the pool file: backup, backups, restore (the event log is `cli/events.py`)."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.app import main
from workbench.store.pool import Pool


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
        event_id = restore_as_of(pool, as_of, reason=reason).event_id
        click.echo(f"The pool's leads are back as of {as_of} (event {event_id}).")
        return
    from workbench.store.backup import restore
    aside = restore(pool, snapshot, reason=reason)
    click.echo(f"Restored {snapshot}. The previous pool is kept at {aside}.")
