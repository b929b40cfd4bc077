"""Commands that run jobs: demo, report, schedule, run (a notebook headlessly)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.app import main
from workbench.store.pool import Pool


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
