"""The notebooks as papermill runs them: committed without outputs, declared parameters, and
each one executed headlessly by `workbench run` in a fresh working folder, on its defaults
(the bundled sample), asserting on the files it wrote."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from click.testing import CliRunner

from workbench import Pool
from workbench.cli import main
from workbench.jobs.runs import NOTEBOOK_DIR, parse_value
from workbench.store.pool import run

PARAMETERS = {
    "import": {"pool_path", "files", "channel", "out_dir"},
    "tune_model": {"pool_path", "threshold", "save_version", "out_dir"},
    "review_clusters": {"pool_path", "auto_merge_threshold", "out_dir"},
    "leads_history": {"pool_path", "query", "out_dir"},
}
ALL_NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_and_with_literal_parameters(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.Assign)
        ast.literal_eval(node.value)  # literals only: papermill overrides them


@pytest.mark.parametrize(("name", "expected"), sorted(PARAMETERS.items()))
def test_declared_parameters(name, expected):
    assert set(papermill.inspect_notebook(str(NOTEBOOK_DIR / f"{name}.ipynb"))) == expected


@pytest.mark.parametrize(("text", "value"), [
    ("0.9", 0.9), ("3", 3), ("true", True), ("False", False), ("none", None),
    ('["a.csv", "b.xlsx"]', ["a.csv", "b.xlsx"]), ("张伟", "张伟"), ("[oops", "[oops"),
])
def test_parameter_values_from_the_command_line(text, value):
    assert parse_value(text) == value


def test_an_unknown_parameter_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "review_clusters", "-p", "auto_merge", "0.9"])
    assert result.exit_code == 2
    assert "no parameter auto_merge" in result.output and "auto_merge_threshold" in result.output
    assert not (tmp_path / "data").exists()


def run_cli(args: list[str]) -> tuple[Path, list[str]]:
    """Run `workbench ARGS` and return the run folder and what it printed."""
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()  # stderr carries papermill's progress bar
    executed = Path(next(x for x in lines if x.startswith("Executed notebook:")).split(": ", 1)[1])
    assert executed.exists() and executed.with_suffix(".html").exists()
    return executed.parent, lines


def executed_ok(folder: Path, name: str) -> None:
    nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """A fresh working folder with no pool and no WORKBENCH_POOL: as on a new checkout."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKBENCH_POOL", raising=False)
    return tmp_path


def pool_counts(path: Path) -> dict:
    with Pool(path).connect(read_only=True) as con:
        return {t: run(con, f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("records", "batches", "models", "pairs", "events")}


@pytest.mark.slow
def test_import_notebook_on_its_defaults_imports_the_sample(fresh):
    folder, _ = run_cli(["run", "import"])
    assert folder.resolve().parent == fresh / "data" / "runs" and folder.name.endswith("-import")
    executed_ok(folder, "import")
    log = pd.read_excel(folder / "import_log.xlsx", sheet_name="sync log")
    counts = pool_counts(fresh / "data" / "leadpool.duckdb")
    assert len(log) == counts["batches"] == 5
    assert log["rows"].sum() == counts["records"]
    assert counts["models"] == 1 and counts["pairs"] > 0  # the first import trains and links


@pytest.mark.slow
def test_review_notebook_on_its_defaults_merges_and_exports(fresh):
    folder, _ = run_cli(["run", "review_clusters"])
    executed_ok(folder, "review_clusters")
    summary = json.loads((folder / "review_summary.json").read_text())
    assert summary["auto_merge_threshold"] == 0.99 and summary["merged_clusters"] > 0
    queue = pd.read_excel(folder / "review_queue.xlsx")
    assert queue.iloc[:, 0].dropna().nunique() == summary["queue"] > 0
    # a second run has nothing left that is safe at 0.99
    again, _ = run_cli(["run", "review_clusters"])
    assert json.loads((again / "review_summary.json").read_text())["merged_clusters"] == 0
    assert again != folder


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tune_model", "leads_history"])
def test_other_notebooks_on_their_defaults(fresh, sample_pool, name):
    (fresh / "data").mkdir()
    shutil.copy(sample_pool.path, fresh / "data" / "leadpool.duckdb")
    folder, _ = run_cli(["run", name])
    executed_ok(folder, name)
    if name == "tune_model":
        table = pd.read_excel(folder / "thresholds.xlsx", sheet_name="thresholds")
        assert table["pairs_above"].is_monotonic_decreasing
        assert (folder / "match_weights.html").exists()
        assert json.loads((folder / "tuning.json").read_text())["saved_version"] is None
    else:
        sheets = pd.read_excel(folder / "leads_lookup.xlsx", sheet_name=None)
        assert len(sheets["leads"]) > 0
        assert sheets["leads"]["name"].astype(str).str.startswith("张").all()


@pytest.mark.slow
def test_parameters_decide_a_headless_run(fresh, sample_pool):
    folder, _ = run_cli(["--pool", str(sample_pool.path), "run", "tune_model",
                         "-p", "threshold", "0.9", "-p", "save_version", "true"])
    assert json.loads((folder / "tuning.json").read_text())["saved_version"] == 2
    with sample_pool.connect(read_only=True) as con:
        assert run(con, "SELECT threshold FROM models ORDER BY version DESC LIMIT 1"
                   ).fetchone()[0] == pytest.approx(0.9)
    folder, _ = run_cli(["--pool", str(sample_pool.path), "run", "review_clusters",
                         "-p", "auto_merge_threshold", "none"])
    assert json.loads((folder / "review_summary.json").read_text())["merged_clusters"] == 0


@pytest.mark.slow
def test_quality_report_notebook_runs_the_same_way(fresh):
    """`workbench run` fills an empty pool with the sample, so the report notebook (which
    opens the pool itself) also runs on a fresh checkout."""
    folder, lines = run_cli(["run", "quality_report"])
    assert "loading the bundled sample" in lines[0]
    executed_ok(folder, "quality_report")
    assert (folder / "quality_report.xlsx").exists()
    assert any(line.endswith("quality_report.xlsx") for line in lines)
    assert pool_counts(fresh / "data" / "leadpool.duckdb")["batches"] == 5
