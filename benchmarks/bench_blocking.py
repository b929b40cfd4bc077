"""Blocking benchmark for issue 11: what each prediction blocking rule costs and reaches.

    .venv/bin/python benchmarks/bench_blocking.py [--sets febrl rldata patents ours b2b b2c b2b-v2 b2c-v2]
        [--sizes 10000] [--seed 11]

For every data set of `bench_matching.py` (same files, same truth), the engine's own linkage
input and blocking rules, as `workbench.dedupe_file` builds them at its defaults. Per rule:
Splink's count of the comparisons the rule adds (marginal, in rule order, from
`count_comparisons_from_blocking_rules`), the share of true pairs whose two records agree on the
rule's columns (what the rule alone reaches), and the share reached by this rule or an earlier
one (cumulative). The last line of each set is the share of true pairs no rule reaches.
Nothing here is tuned on: it reports.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_matching import load_sets  # noqa: E402


def _link_input(data):
    from workbench.ingest.read import read_file
    from workbench.ingest.standardise import standardise_frame
    from workbench.linkage.model import (
        column_coverage,
        lead_blocking_rules,
        load_table,
        prepare_link_input,
        splink_connection,
    )
    from workbench.linkage.standalone import _linkage_columns, mapped_frame

    frame = read_file(data.path)[0].frame
    raw = mapped_frame(frame.reset_index(drop=True), data.id_column, str(data.path))
    std = standardise_frame(raw)
    std["wb_row"] = np.arange(len(std), dtype="int64")
    mem = splink_connection()
    load_table(mem, "wb_std", std, select=_linkage_columns(std.columns))
    prepare_link_input(mem, "wb_std", id_column="wb_row")
    rules = lead_blocking_rules(column_coverage(mem))
    truth = data.truth.astype(str).reindex(frame[data.id_column].astype(str)).to_numpy()
    return mem, rules, truth


def rule_table(data) -> pd.DataFrame:
    from workbench.linkage.model import blocking_counts, column_coverage, lead_settings, make_linker

    mem, rules, truth = _link_input(data)
    settings = lead_settings(column_coverage(mem))
    counts = blocking_counts(make_linker(mem, settings))
    mem.register("wb_truth", pd.DataFrame({"unique_id": np.arange(len(truth)), "person": truth}))
    mem.execute("""CREATE TABLE wb_true AS SELECT a.unique_id AS l_id, b.unique_id AS r_id
                   FROM wb_truth a JOIN wb_truth b ON a.person = b.person
                   AND a.unique_id < b.unique_id""")
    total = mem.execute("SELECT count(*) FROM wb_true").fetchall()[0][0]
    rows, reached = [], "false"
    for rule, count in zip(rules, counts["marginal_comparison_count"], strict=True):
        alone = mem.execute(f"""SELECT count(*) FROM wb_true t JOIN link_input l ON l.unique_id = t.l_id
                                JOIN link_input r ON r.unique_id = t.r_id WHERE {rule}""").fetchall()[0][0]
        reached = f"({reached}) OR coalesce({rule}, false)"
        cumulative = mem.execute(f"""SELECT count(*) FROM wb_true t JOIN link_input l ON l.unique_id = t.l_id
                                     JOIN link_input r ON r.unique_id = t.r_id WHERE {reached}""").fetchall()[0][0]
        rows.append({"data": data.name, "rule": rule, "comparisons": int(count),
                     "reach_alone": round(alone / total, 4) if total else None,
                     "reach_cumulative": round(cumulative / total, 4) if total else None})
    mem.close()
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+",
                        default=["febrl", "rldata", "patents", "ours", "b2b-v2", "b2c-v2"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10000])
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-blocking-"))
    for make in load_sets(args.sets, args.sizes, args.seed, work):
        data = make()
        if data.name.endswith("-raw") or data.name == "patents-named":
            continue
        started = time.process_time()
        table = rule_table(data)
        print(f"\n### {data.name} ({len(data.truth):,} rows, {time.process_time() - started:.1f} CPU s)\n")
        print("| rule | comparisons | true pairs it reaches | reached so far |")
        print("|---|---:|---:|---:|")
        for r in table.itertuples():
            print(f"| `{r.rule}` | {r.comparisons:,} | {r.reach_alone:.3f} | {r.reach_cumulative:.3f} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
