"""`workbench events`, `workbench rules`, `workbench notify`: events from other systems, the
automatic rules, and the delivery of the outbox."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from workbench.cli.app import PoolGroup
from workbench.store.pool import Pool


def _echo_refusals(refused) -> None:
    for err in refused[:20]:
        click.secho(f"  Refused: {err}", fg="yellow", err=True)
    if len(refused) > 20:
        click.secho(f"  … and {len(refused) - 20:,} more refused.", fg="yellow", err=True)


# --- events ---------------------------------------------------------------------------------


@click.group("events", cls=PoolGroup, invoke_without_command=True)
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--status", type=click.Choice(["applied", "parked", "review", "ignored", "failed"]),
              help="Only events from other systems with this outcome.")
@click.pass_context
def events_group(ctx: click.Context, limit, status):
    """The latest events: the history (undoable), then the events from other systems (埋点)
    and what became of each."""
    if ctx.invoked_subcommand is not None:
        return
    pool: Pool = ctx.obj
    from workbench.events.intake import recent_events
    if status is None:
        from workbench.leads.lookup import recent_events as history
        click.echo("历史 history (workbench undo ID):")
        # Masked where a person looks: edited phones, e-mails and ID numbers.
        for row in history(pool, limit).itertuples():
            extra = f" (undoes {int(row.undoes)})" if pd.notna(row.undoes) else ""
            flag = "  [undone]" if row.undone else ""
            reason = f" — {row.reason}" if isinstance(row.reason, str) and row.reason else ""
            click.echo(f"{row.event_id:>6}  {row.happened_at:%Y-%m-%d %H:%M:%S}  "
                       f"{row.actor:<10} {row.kind:<12} {row.target or ''}{extra}{reason}{flag}")
    inbound = recent_events(pool, limit=limit, status=status)
    if status is None:
        from workbench.events.intake import Inbox, inbox_path
        refused = Inbox(inbox_path(pool)).refusals(limit) if inbox_path(pool).exists() else []
        if len(refused):
            click.echo("拒收的事件 refused events (not kept):")
            for row in refused.itertuples():
                click.echo(f"  {row.event_id or '?':<16} {row.received_at[:19]}  {row.source}: "
                           f"field '{row.field}': {row.reason}")
    if not len(inbound):
        if status:
            click.echo(f"No events from other systems are {status}.")
        return
    click.echo("来自其他系统的事件 events from other systems:")
    for row in inbound.itertuples():
        history = json.loads(row.history_events or "[]")
        did = f" as event {', '.join(map(str, history))}" if history else ""
        rule = "" if pd.isna(row.rule) else f" rule {row.rule} v{row.rule_version}"
        lead = "" if pd.isna(row.lead_id) else f" lead {row.lead_id}"
        click.echo(f"  {row.event_id:<16} {row.system:<8} {row.type:<14} {row.status:<8}"
                   f"{lead}{rule}{did} — {row.reason}"
                   + (f" (tried {row.attempts}×)" if row.attempts > 1 else ""))


@events_group.command("ingest")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def events_ingest(pool: Pool, files):
    """Take the events of .jsonl FILES (one event per line) and apply them to the pool."""
    from workbench.events.intake import ingest_file
    refused = 0
    for path in files:
        result = ingest_file(pool, path)
        click.echo(f"{path}: {result.summary()}")
        _echo_refusals(result.refused)
        refused += len(result.refused)
    if refused:
        click.echo("Parked and refused events: `workbench events --status parked`.")


@events_group.command("retry")
@click.pass_obj
def events_retry(pool: Pool):
    """Try the parked events again (their lead may have arrived since)."""
    from workbench.events.intake import apply_all, retry_parked
    waiting = apply_all(pool)
    counts = retry_parked(pool)
    if waiting:
        click.echo("Waiting in the inbox: " + ", ".join(f"{n} {s}" for s, n in waiting.items()))
    click.echo("Parked events tried again: "
               + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none parked"))


@events_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@click.pass_obj
def events_serve(pool: Pool, host, port):
    """Take events over HTTP (POST /events with a system's token) until stopped."""
    from workbench.events.server import serve
    click.echo(f"Taking events at http://{host}:{port}/events for the pool {pool.path} "
               "(Ctrl+C stops).")
    serve(pool, host=host, port=port)


@events_group.group("token")
def token_group():
    """Per-system tokens of the HTTP intake (only their hash is kept)."""


@token_group.command("add")
@click.argument("system")
@click.pass_obj
def token_add(pool: Pool, system):
    """Make a new token for SYSTEM and print it once."""
    from workbench.events.server import add_token
    token = add_token(pool, system)
    click.echo(f"Token for {system} (shown once; keep it in that system's settings):\n{token}")


@token_group.command("revoke")
@click.argument("system")
@click.pass_obj
def token_revoke(pool: Pool, system):
    """Revoke every token of SYSTEM."""
    from workbench.events.server import revoke_tokens
    click.echo(f"Revoked {revoke_tokens(pool, system)} token(s) of {system}.")


# --- rules ----------------------------------------------------------------------------------


@click.group("rules", cls=PoolGroup, invoke_without_command=True)
@click.pass_context
def rules_group(ctx: click.Context):
    """The automatic rules that events trigger: list, switch, dry-run."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(rules_list)


@rules_group.command("list")
@click.pass_obj
def rules_list(pool: Pool):
    """Every rule, its switch and version, and what it does."""
    from workbench.events.rules import list_rules
    for row in list_rules(pool).itertuples():
        state = "on " if row.enabled else "off"
        click.echo(f"{row.rule:<15} {state} v{row.version:<3} {row.sets:<36} {row.description}")


@rules_group.command("enable")
@click.argument("name")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def rules_enable(pool: Pool, name, reason):
    """Switch rule NAME on."""
    from workbench.events.rules import switch_rule
    rule = switch_rule(pool, name, True, reason=reason)
    click.echo(f"Rule {rule.name} is on (version {rule.version}).")


@rules_group.command("disable")
@click.argument("name")
@click.option("--reason", help="Why, for the history.")
@click.pass_obj
def rules_disable(pool: Pool, name, reason):
    """Switch rule NAME off: its events are recorded as ignored."""
    from workbench.events.rules import switch_rule
    rule = switch_rule(pool, name, False, reason=reason)
    click.echo(f"Rule {rule.name} is off (version {rule.version}).")


@rules_group.command("dry-run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def rules_dry_run(pool: Pool, file):
    """Show what the events of FILE would change; changes nothing."""
    from workbench.events.intake import dry_run
    frame, refused = dry_run(pool, file)
    if len(frame):
        click.echo(frame.astype(object).fillna("").to_string(index=False))
    _echo_refusals(refused)
    click.echo(f"{len(frame):,} events looked at, {len(refused):,} refused; nothing changed.")


# --- notify ---------------------------------------------------------------------------------


@click.group("notify", cls=PoolGroup, invoke_without_command=True)
@click.option("--limit", type=int, default=30, show_default=True)
@click.pass_context
def notify_group(ctx: click.Context, limit):
    """The outbox: messages to salespeople and channel owners, and their delivery."""
    if ctx.invoked_subcommand is not None:
        return
    from workbench.events.delivery import outbox, recipients
    from workbench.privacy.masking import mask_free_text
    people = recipients(ctx.obj)
    click.echo("收件人 recipients: " + (", ".join(f"{r.recipient} ({r.kind})"
                                               for r in people.itertuples()) or "none yet "
                                        "(`workbench notify add NAME --email …`)"))
    for row in outbox(ctx.obj, limit).itertuples():
        if not pd.isna(row.delivered_at):
            state = f"delivered {row.delivered_at:%m-%d %H:%M}"
        elif pd.isna(row.last_status):
            state = "waiting"
        else:
            state = f"{row.last_status} ×{row.attempts}: {row.last_error}"
        click.echo(f"{row.notification_id:>5} {row.created_at:%m-%d %H:%M} {row.recipient:<8} "
                   f"{row.kind:<14} {state}  {mask_free_text(row.message)[:60]}")


@notify_group.command("add")
@click.argument("recipient")
@click.option("--email", help="An e-mail address (sent over SMTP: WORKBENCH_SMTP_HOST …).")
@click.option("--wecom", help="A 企业微信 group robot's webhook URL.")
@click.option("--dingtalk", help="A 钉钉 group robot's webhook URL.")
@click.option("--secret", help="The 钉钉 robot's signing secret (加签).")
@click.option("--webhook", help="A plain JSON webhook URL.")
@click.option("--remove", is_flag=True, help="Take the given address away instead.")
@click.pass_obj
def notify_add(pool: Pool, recipient, email, wecom, dingtalk, secret, webhook, remove):
    """Say where RECIPIENT's messages go (a lead owner or channel owner, as the outbox names
    them)."""
    from workbench.errors import InputError
    from workbench.events.delivery import set_recipient
    given = {k: v for k, v in (("email", email), ("wecom", wecom), ("dingtalk", dingtalk),
                               ("webhook", webhook)) if v}
    if not given:
        raise InputError("Give an address.", fix="e.g. `workbench notify add 李销售 --email "
                                                 "li@example.com`.")
    for kind, address in given.items():
        set_recipient(pool, recipient, kind, address,
                      secret=secret if kind == "dingtalk" else None, active=not remove)
    click.echo(f"{recipient}: {', '.join(given)} {'removed' if remove else 'set'}.")


@notify_group.command("send")
@click.pass_obj
def notify_send(pool: Pool):
    """Deliver what is due: one digest per recipient and address; failures are retried with
    backoff on later calls (run it from cron), then kept as dead letters."""
    from workbench.events.delivery import send_due
    result = send_due(pool)
    click.echo(f"Digests: {result['sent']} sent, {result['failed']} failed (tried again later), "
               f"{result['dead']} given up.")


COMMANDS = (events_group, rules_group, notify_group)
