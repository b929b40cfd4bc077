"""Commands of the customer analysis: channel costs, the channel table, tags, segments, and
the `analyse` report. Registered on the root group by `register(main)`."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.app import PoolCommand, PoolGroup
from workbench.store.pool import Pool

_ATTRIBUTION = click.Choice(["first", "last", "shared"])


def _show(frame) -> str:
    return frame.to_string(index=False, na_rep="—")


@click.command("costs", cls=PoolCommand)
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path))
@click.option("--history", is_flag=True, help="Show every change of the costs instead.")
@click.option("--reason", help="Why (kept in the history).")
@click.pass_obj
def costs_command(pool: Pool, file, history, reason):
    """Import channel costs from FILE (.xlsx/.csv: 渠道, 月份, 花费), or show them."""
    from workbench.analysis.costs import cost_history, current_costs, import_costs
    if file:
        result = import_costs(pool, file, reason=reason)
        if result.event_id is None:
            click.echo(f"{result.rows} 行成本, 无变化 (no change).")
        else:
            click.echo(f"{result.rows} 行成本, {result.changed} 个渠道月份有变化 "
                       f"(event {result.event_id}).")
        return
    with pool.connect(read_only=True) as con:
        frame = cost_history(con) if history else current_costs(con)
    click.echo(_show(frame) if len(frame) else "还没有渠道成本 (no costs yet): "
               "workbench channels costs FILE.xlsx")


def _settings(as_of, attribution, since, until, k=4):
    from workbench.analysis.customers import AnalysisSettings, since_month
    return AnalysisSettings(as_of=as_of, attribution=attribution, since=since_month(since),
                            until=since_month(until), k=k).validate()


_period = [
    click.option("--since", help="Only touches from this month on (YYYY-MM)."),
    click.option("--until", help="Only touches up to this month (YYYY-MM)."),
    click.option("--as-of", help="The day recency is counted to (YYYY-MM-DD; today)."),
]


def _with_period(func):
    for option in reversed(_period):
        func = option(func)
    return func


@click.group("analysis", cls=PoolGroup)
def analysis_group():
    """Channel effectiveness, tags and segments over the golden leads."""


@analysis_group.command("channels")
@_with_period
@click.option("--attribution", type=_ATTRIBUTION, default="first", show_default=True,
              help="first / last touch takes a person whole; shared splits them equally.")
@click.option("--by-month", is_flag=True, help="One row per channel and month.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the table as an .xlsx sheet.")
@click.pass_obj
def channels_command(pool: Pool, since, until, as_of, attribution, by_month, out):
    """The channel-effectiveness table (渠道效果) with its 优化建议."""
    from workbench.analysis.effectiveness import channel_table, chinese
    from workbench.store.workbook import write_workbook
    settings = _settings(as_of, attribution, since, until)
    with pool.connect(read_only=True) as con:
        table = chinese(channel_table(con, settings, by_month=by_month))
    click.echo(_show(table))
    if out:
        write_workbook(out, {"渠道效果": table})
        click.echo(f"Workbook: {out}")


@analysis_group.command("tags")
@_with_period
@click.pass_obj
def tags_command(pool: Pool, since, until, as_of):
    """Compute the customer tags and keep their changes in the pool."""
    from workbench.analysis.tags import apply_tags
    change = apply_tags(pool, _settings(as_of, "first", since, until))
    click.echo(f"标签: {change.added} 个新增, {change.removed} 个取消"
               + (f" (event {change.event_id})." if change.event_id else " (no change)."))


@analysis_group.command("segments")
@_with_period
@click.option("-k", "k", type=int, default=4, show_default=True, help="Number of segments.")
@click.pass_obj
def segments_command(pool: Pool, since, until, as_of, k):
    """K-Means segments on RFM, described, with the silhouette."""
    from workbench.analysis.segments import chinese_summary, segment_customers
    with pool.connect(read_only=True) as con:
        result = segment_customers(con, _settings(as_of, "first", since, until, k))
    click.echo(f"k = {result.k}, 轮廓系数 silhouette = {result.silhouette:.3f}")
    click.echo(_show(chinese_summary(result)))


@click.command("analyse", cls=PoolCommand)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the HTML report, the workbook and the executed notebook.")
@_with_period
@click.option("--attribution", type=_ATTRIBUTION, default="first", show_default=True)
@click.option("-k", "k", type=int, default=4, show_default=True, help="Number of segments.")
@click.option("--tags", "materialise_tags", is_flag=True,
              help="Also keep the computed tags (and their changes) in the pool.")
@click.option("--unmasked", is_flag=True,
              help="Show personal data in full (recorded in the history; needs --reason).")
@click.option("--reason", help="Why an unmasked report is needed.")
@click.pass_obj
def analyse_command(pool: Pool, out_dir, since, until, as_of, attribution, k, materialise_tags,
                    unmasked, reason):
    """Write the customer analysis: HTML with charts and an .xlsx, personal data masked."""
    from workbench.jobs.analyse import write_analysis
    files = write_analysis(pool, out_dir, since=since or "", until=until or "",
                           as_of=as_of or "", attribution=attribution, k=k,
                           masked=not unmasked, reason=reason,
                           materialise_tags=materialise_tags)
    click.echo(f"Report: {files.html}")
    if files.workbook:
        click.echo(f"Workbook: {files.workbook}")
    click.echo(f"Executed notebook: {files.notebook}")


def register(main: click.Group) -> None:
    """Add `channels costs`, `analysis …` and `analyse` to the root group."""
    main.commands["channels"].add_command(costs_command)
    main.add_command(analysis_group)
    main.add_command(analyse_command)
