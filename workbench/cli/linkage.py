"""Commands for who is who: dedupe (the pool or a file), explain."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.app import linkage_threshold_options, main
from workbench.store.pool import Pool


@main.command("dedupe")
@click.argument("input_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="With INPUT: where to write id, cluster_id (.csv or .xlsx).")
@click.option("--pairs", "pairs_out", type=click.Path(dir_okay=False, path_type=Path),
              help="With INPUT: also write the scored pairs here.")
@linkage_threshold_options("Link at this match probability (0 < P < 1).")
@click.option("--id-column", default="lead_id", show_default=True,
              help="With INPUT: the column that identifies a row.")
@click.option("--retrain", is_flag=True, help="Pool: train a new model version first.")
@click.option("--seed", default=42, show_default=True, help="Training seed.")
@click.pass_obj
def dedupe_command(pool: Pool, input_file, out, pairs_out, threshold, min_weight, id_column,
                   retrain, seed):
    """Deduplicate the whole pool, or (with INPUT) one CSV/Excel file without a pool.

    Without INPUT: trains a model if the pool has none, links every record, and stores the
    scored pairs and clusters. With INPUT: writes one row per input row (its id and
    cluster_id) to --out, and the scored pairs to --pairs.
    """
    if input_file is not None:
        from workbench.linkage.standalone import dedupe_file
        if out is None:
            raise click.UsageError("Give --out FILE for the clusters of INPUT.")
        result = dedupe_file(input_file, out, pairs_out=pairs_out, threshold=threshold,
                             min_weight=min_weight, id_column=id_column, seed=seed)
        click.echo(result.summary())
        return
    from workbench.linkage.link import dedupe_pool
    result = dedupe_pool(pool, threshold=threshold, min_weight=min_weight, retrain=retrain,
                         seed=seed, progress=True)
    for row in result.blocking:
        click.echo(f"  blocking {row['blocking_rule']}: {row['marginal_comparison_count']} "
                   "comparisons")
    click.echo(result.summary())


@main.command("explain")
@click.argument("record_l", type=int)
@click.argument("record_r", type=int)
@click.pass_obj
def explain_command(pool: Pool, record_l: int, record_r: int):
    """Show which fields of a scored pair agreed or disagreed, and by how much."""
    from workbench.linkage.link import explain_pair
    frame = explain_pair(pool, record_l, record_r)
    click.echo(f"match probability {frame.attrs['match_probability']:.4f}, "
               f"weight {frame.attrs['match_weight']:.2f}")
    click.echo(frame.to_string(index=False))
