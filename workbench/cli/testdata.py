"""The generate command: synthetic Chinese leads with ground truth."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.app import main


@main.command("generate")
@click.option("--rows", type=click.IntRange(min=1), default=2500, show_default=True,
              help="How many records to make.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="The folder to write into.")
@click.option("--duplicate-share", type=click.FloatRange(0, 1, max_open=True), default=0.35,
              show_default=True, help="Share of records that repeat a person.")
@click.option("--people", is_flag=True,
              help="Write one generic person file (people.csv) instead of channel files.")
def generate_command(rows: int, seed: int, out_dir: Path, duplicate_share: float,
                     people: bool) -> None:
    """Write seeded synthetic Chinese leads as channel files, plus truth.csv."""
    from workbench.testdata.generate import (
        generate_leads,
        generate_people,
        write_channel_files,
        write_truth,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    if people:
        frame = generate_people(rows, seed, duplicate_share=duplicate_share)
        path = out_dir / "people.csv"
        frame.drop(columns="entity_id").to_csv(path, index=False, encoding="utf-8")
        paths = [path]
    else:
        frame = generate_leads(rows, seed, duplicate_share=duplicate_share)
        paths = write_channel_files(frame, out_dir, seed=seed)
    for path in [*paths, write_truth(frame, out_dir / "truth.csv")]:
        click.echo(f"{path}")
    click.echo(f"{len(frame)} records of {frame['entity_id'].nunique()} people, seed {seed}.")
