"""The main job on the embedded default: the bundled sample through the whole path.

Import every sample channel file into the pool, match the batches against each other, merge what
is safe, write the quality report, and say where to look. Running it again on the same pool
imports nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from workbench.ingest.importer import ImportResult, import_file
from workbench.store.pool import Pool

log = logging.getLogger(__name__)


@dataclass
class DemoResult:
    """What the main job did, step by step, for a person to read."""

    pool: Path
    imports: list[ImportResult] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    look_at: list[tuple[str, Path | str]] = field(default_factory=list)


def run_demo(pool: Pool, *, out_dir: str | Path = "data", progress: bool = True) -> DemoResult:
    """Run the whole path on the bundled sample data.

    Steps: set up the sample's channels, import each channel file (one batch each, skipped if
    already imported), link the whole pool (training the model on first run), merge the
    clusters that are safe (every pair in them above the merge threshold), and write the
    quality report (HTML and .xlsx, personal data masked).

    Args:
        pool: the lead pool to fill (created if new).
        out_dir: where reports and exports go.
        progress: show progress bars.

    Example (not run here: it trains a linkage model and runs the report notebook, a minute):
    `run_demo(Pool("data/leadpool.duckdb")).steps` lists each step with what it did; the
    `workbench demo` command prints the same.
    """
    from workbench.ingest.channels import set_channel
    from workbench.jobs.report import write_report
    from workbench.leads.merge import MERGE_PROBABILITY, commit_merges
    from workbench.linkage.link import dedupe_pool
    from workbench.sample import CHANNELS, sample_files
    out_dir = Path(out_dir)
    result = DemoResult(pool.path)
    for path, channel in sample_files():
        settings = CHANNELS[channel]
        set_channel(pool, channel, owner=settings.owner, priority=settings.priority,
                    kind=settings.kind)
        result.imports.append(
            import_file(pool, path, channel=channel, progress=progress)
        )
    new_rows = sum(r.rows for r in result.imports if not r.skipped)
    result.steps.append(f"Imported {len(result.imports)} sample files ({new_rows:,} new rows).")

    linked = dedupe_pool(pool, progress=progress)
    result.steps.append(linked.summary())

    merged = commit_merges(pool, MERGE_PROBABILITY, reason="demo: merge what is safe")
    result.steps.append(
        f"Merged {merged.clusters:,} safe clusters (every pair at or above "
        f"{MERGE_PROBABILITY:.0%}): {merged.records_moved:,} records moved, "
        f"{merged.leads:,} golden leads now."
    )

    files = write_report(pool, out_dir / "reports" / "latest", progress=progress)
    result.steps.append("Wrote the quality report (personal data masked).")
    result.look_at += [
        ("quality report", files.html),
        ("quality workbook", files.workbook or files.out_dir),
        ("clusters left for review", "workbench review export --out 待审.xlsx"),
        ("golden leads", "workbench export leads --out 线索.xlsx"),
        ("the history", "workbench events"),
        ("notebooks", "workbench/notebooks/ (jupyter lab workbench/notebooks)"),
    ]
    return result
