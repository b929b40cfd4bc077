"""The `workbench` command: a thin layer over the package's public functions."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .errors import WorkbenchError
from .pool import Pool


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
    from .headers import parse_mapping_options
    from .importer import import_file

    mapping = parse_mapping_options(maps)
    for path in files:
        result = import_file(pool, path, channel=channel, sheet=sheet, mapping=mapping,
                             force=force, handler=handler, progress=True, link=not no_link)
        click.echo(result.summary())
        if result.rejected:
            click.echo(f"  Rejected rows and reasons: workbench export rejects --batch "
                       f"{result.batch_id} --out rejects_{result.batch_id}.xlsx")
        if result.linked:
            click.echo(f"  Matched against the pool: {result.linked}")


@main.command("add")
@click.argument("values", nargs=-1, required=True, metavar="FIELD=VALUE...")
@click.option("--channel", "-c", required=True, help="The channel the lead came from.")
@click.option("--entered-by", help="Who entered it (default: the current user).")
@click.pass_obj
def add_command(pool: Pool, values, channel, entered_by):
    """Enter one lead by hand (手动补录), e.g. `add -c 线下门店 name=张伟 phone=13812345678`."""
    from .headers import parse_mapping_options
    from .importer import add_record

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
    from .export import export_table

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
    from .demo import run_demo

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
