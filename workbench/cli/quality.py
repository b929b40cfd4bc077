"""The quality command: the pool's figures, overall and per channel."""

from __future__ import annotations

import click

from workbench.cli.app import main, percent
from workbench.store.pool import Pool


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
            table[column] = table[column].map(percent)
        click.echo("")
        click.echo(table.to_string(index=False))
