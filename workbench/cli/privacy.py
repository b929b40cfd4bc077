"""Who may see personal data unmasked: privacy authorise, privacy revoke."""

from __future__ import annotations

import click

from workbench.cli.app import main
from workbench.store.pool import Pool


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


@privacy_group.command("admin")
@click.argument("user")
@click.option("--remove", is_flag=True, help="No longer an administrator.")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def privacy_admin(pool: Pool, user, remove, reason):
    """Make USER a privacy administrator, who approves others (never themselves)."""
    from workbench.privacy.masking import add_admin
    admins = add_admin(pool, user, allow=not remove, reason=reason)
    click.echo(f"Privacy administrators: {', '.join(admins)}")


@privacy_group.command("revoke")
@click.argument("user")
@click.option("--reason", required=True, help="Why (kept in the history).")
@click.pass_obj
def privacy_revoke(pool: Pool, user, reason):
    """Stop USER from exporting reports unmasked."""
    from workbench.privacy.masking import authorise
    users = authorise(pool, user, allow=False, reason=reason)
    click.echo(f"Authorised for unmasked reports: {', '.join(users) or 'nobody'}")
