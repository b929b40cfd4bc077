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
