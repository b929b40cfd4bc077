"""The root of the `workbench` command: the click group every area module adds commands to.

`--pool PATH` (or `WORKBENCH_POOL`) chooses the lead pool. It is one option, defined once here,
carried by the root group and by every command and subgroup under it, so that both
`workbench --pool p.duckdb import f.xlsx` and `workbench import f.xlsx --pool p.duckdb` work;
the innermost one given wins, then WORKBENCH_POOL, then data/leadpool.duckdb.
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

import click

from workbench.errors import WorkbenchError
from workbench.store.pool import Pool

DEFAULT_POOL = Path("data") / "leadpool.duckdb"


def _use_pool(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    """Make the pool at `value` the context's object (commands get it with `pass_obj`)."""
    if value is not None:
        ctx.obj = Pool(value)


def pool_option(*, root: bool = False) -> click.Option:
    """The `--pool` option. On the root group it reads WORKBENCH_POOL and has the default;
    on a command or subgroup it only overrides what the root chose when it is given."""
    return click.Option(
        ["--pool"],
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="WORKBENCH_POOL" if root else None,
        default=DEFAULT_POOL if root else None,
        show_default=root,
        expose_value=False,
        callback=_use_pool,
        help="The lead pool's DuckDB file (or set WORKBENCH_POOL).",
    )


class PoolCommand(click.Command):
    """A command that accepts `--pool` after its name too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(pool_option())


class PoolGroup(click.Group):
    """A subgroup (`review`, `channels`, ...) whose commands and itself accept `--pool`."""

    command_class = PoolCommand

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(pool_option())


PoolGroup.group_class = PoolGroup


class _Group(click.Group):
    """The root: shows a WorkbenchError as a plain message and exit code 2, without a
    traceback; its commands and subgroups carry `--pool` as well."""

    command_class = PoolCommand
    group_class = PoolGroup

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WorkbenchError as err:
            click.secho(f"Error: {err}", fg="red", err=True)
            sys.exit(2)


@click.group(cls=_Group, params=[pool_option(root=True)])
@click.option("-v", "--verbose", is_flag=True, help="Log what happens step by step.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Lead Data Factory: import, clean, deduplicate and repair a sales-lead pool."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


def percent(value) -> str:
    """A share for the screen, '93.4%', or '—' when there is none."""
    return "—" if value is None or value != value else f"{value:.1%}"


def _probability(_ctx: click.Context, param: click.Parameter, value: float | None):
    if value is not None and not 0 < value < 1:
        raise click.BadParameter(
            f"{value:g} 不是 0 与 1 之间的匹配概率 is not a match probability between 0 and 1 "
            f"(e.g. 0.95). For a match weight use --min-weight {value:g}.", param=param)
    return value


def linkage_threshold_options(probability_help: str):
    """`--threshold P` (a match probability, 0 < P < 1) and `--min-weight W` (a match weight)
    for a command that links or merges; at most one of them. The command receives both as the
    keyword arguments `threshold` and `min_weight`, as the linkage functions take them."""
    def decorate(command):
        @functools.wraps(command)
        def checked(*args, threshold, min_weight, **kwargs):
            if threshold is not None and min_weight is not None:
                raise click.UsageError("阈值只能给一种 give --threshold (a match probability) or "
                                       "--min-weight (a match weight), not both.")
            return command(*args, threshold=threshold, min_weight=min_weight, **kwargs)

        checked = click.option(
            "--min-weight", "min_weight", type=float, metavar="W",
            help="Or link at this match weight (log2 Bayes factor, e.g. 8) instead.")(checked)
        return click.option("--threshold", type=float, metavar="P", callback=_probability,
                            help=probability_help)(checked)
    return decorate
