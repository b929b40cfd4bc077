"""Scheduled runs: the schedule file, what is due, runs with retries, the sync log and alerts."""

import datetime as dt
import fcntl
import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from support.quality_data import GOOD, import_batch

from workbench.cli import main
from workbench.errors import InputError, WorkbenchError
from workbench.jobs.report import QUALITY_NOTEBOOK
from workbench.jobs.schedule import Job, due_jobs, load_schedule, run_due
from workbench.quality.measures import quality_report
from workbench.store.pool import Pool

REPO = Path(__file__).resolve().parents[2]


def _notebook(path: Path, body: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('out_dir = "."\npool_path = ""\nfail = False')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell(body)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, path)
    return path


def _schedule(tmp_path: Path, jobs: str) -> Path:
    path = tmp_path / "schedule.toml"
    path.write_text(
        f'[defaults]\nruns_dir = "{tmp_path / "runs"}"\nretries = 3\nretry_pause = "10m"\n'
        f'alert = "数据组"\n\n{jobs}', encoding="utf-8")
    return path


@pytest.fixture
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_batch(pool, tmp_path, "官网", GOOD, start=1)
    return pool


def test_the_repository_schedule_loads():
    schedule = load_schedule(REPO / "schedule.toml")
    assert [j.name for j in schedule.jobs] == ["daily-quality-report",
                                               "weekly-quality-report-30-days",
                                               "deliver-notifications",
                                               "weekly-customer-analysis"]
    daily = schedule.jobs[0]
    assert (daily.every, daily.at, daily.retries, daily.retry_pause) == ("day", "23:00", 3, 600)
    assert daily.notebook == Path("notebooks/quality_report.ipynb")
    assert schedule.runs_dir == Path("data/runs")


def test_every_problem_of_a_schedule_is_reported_at_once(tmp_path):
    path = _schedule(tmp_path, """
[[jobs]]
name = "a b"
every = "fortnight"
at = "25:00"

[[jobs]]
name = "ok"
notebook = "x.ipynb"
retry_pause = "soon"
""")
    with pytest.raises(InputError) as problems:
        load_schedule(path)
    message = str(problems.value)
    for part in ("name must be", "no notebook", "fortnight", "25:00", "retry_pause 'soon'"):
        assert part in message


# (every, at, weekday, now, last run, due?)
DUE = [
    ("day", "23:00", "mon", "2026-11-22 10:00", None, True),
    ("day", "23:00", "mon", "2026-11-22 10:00", "2026-11-21 23:00", False),
    ("day", "23:00", "mon", "2026-11-22 10:00", "2026-11-21 22:59", True),
    ("day", "23:00", "mon", "2026-11-22 23:01", "2026-11-21 23:05", True),
    ("hour", ":15", "mon", "2026-11-22 10:20", "2026-11-22 10:16", False),
    ("hour", ":15", "mon", "2026-11-22 10:20", "2026-11-22 09:16", True),
    ("week", "07:30", "mon", "2026-11-22 10:00", "2026-11-16 07:31", False),  # 22nd is a Sunday
    ("week", "07:30", "mon", "2026-11-23 07:30", "2026-11-16 07:31", True),
    ("30m", "00:00", "mon", "2026-11-22 10:00", "2026-11-22 09:31", False),
    ("30m", "00:00", "mon", "2026-11-22 10:00", "2026-11-22 09:30", True),
]


@pytest.mark.parametrize(("every", "at", "weekday", "now", "last", "due"), DUE)
def test_is_due(every, at, weekday, now, last, due):
    job = Job("j", Path("x.ipynb"), every=every, at=at, weekday=weekday)
    last = dt.datetime.fromisoformat(last) if last else None
    assert job.is_due(dt.datetime.fromisoformat(now), last) is due


def test_a_second_schedule_run_waits_for_the_first(pool, tmp_path):
    path = _schedule(tmp_path, '[[jobs]]\nname = "x"\nnotebook = "x.ipynb"\n')
    (tmp_path / "runs").mkdir()
    with (tmp_path / "runs" / ".schedule.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(WorkbenchError, match="Another `workbench schedule` is running"):
            run_due(load_schedule(path), pool, progress=False)


@pytest.mark.slow
def test_a_failing_job_is_retried_then_alerts_and_logs_a_failed_row(pool, tmp_path):
    notebook = _notebook(tmp_path / "boom.ipynb", "raise RuntimeError('接口超时')")
    schedule = load_schedule(_schedule(tmp_path, f"""
[[jobs]]
name = "sync"
notebook = "{notebook}"
alert = "张经理"
"""))
    pauses = []
    (outcome,) = run_due(schedule, pool, progress=False, sleep=pauses.append)
    assert (outcome.status, outcome.attempts) == ("failed", 4)
    assert pauses == [600.0] * 3
    assert "接口超时" in outcome.error
    assert (outcome.out_dir / "boom.ipynb").exists()  # the executed notebook, with the error
    with pool.connect() as con:
        (channel, kind, status, reasons, finished), = con.execute(
            "SELECT channel, kind, status, reasons, finished_at FROM batches "
            "WHERE kind = 'scheduled_run'").fetchall()
        (recipient, note_kind, message), = con.execute(
            "SELECT recipient, kind, message FROM notifications").fetchall()
    assert (channel, kind, status) == ("schedule:sync", "scheduled_run", "failed")
    assert json.loads(reasons)[0]["attempts"] == 4 and finished is not None
    assert (recipient, note_kind) == ("张经理", "run_failed")
    assert "接口超时" in message and "workbench schedule --job sync" in message
    # the failed run counts as this slot's run: the next cron tick does not retry it again
    assert due_jobs(schedule, pool) == []
    assert quality_report(pool).summary["batches"] == 1  # runs are not data batches


@pytest.mark.slow
def test_a_due_report_job_runs_into_a_timestamped_folder(pool, tmp_path):
    flaky = _notebook(tmp_path / "flaky.ipynb", """
import pathlib
marker = pathlib.Path(out_dir).parent.parent / "tried"
if not marker.exists():
    marker.write_text("once")
    raise RuntimeError("first attempt fails")
pathlib.Path(out_dir, "done.txt").write_text(pool_path)
""")
    schedule = load_schedule(_schedule(tmp_path, f"""
[[jobs]]
name = "quality"
notebook = "{QUALITY_NOTEBOOK}"
every = "day"
at = "00:00"
[jobs.parameters]
since = "30d"

[[jobs]]
name = "flaky"
notebook = "{flaky}"
"""))
    now = dt.datetime.now()
    outcomes = run_due(schedule, pool, now=now, progress=False, sleep=lambda s: None)
    assert [(o.job, o.status) for o in outcomes] == [("quality", "success"), ("flaky", "success")]
    run_dir = tmp_path / "runs" / f"{now:%Y%m%dT%H%M%S}"
    quality_dir = run_dir / "quality"
    for name in ("quality_report.ipynb", "quality_report.html", "quality_report.xlsx",
                 "figures.json"):
        assert (quality_dir / name).exists(), name
    figures = json.loads((quality_dir / "figures.json").read_text(encoding="utf-8"))
    assert figures["summary"]["rows"] == 10 and figures["summary"]["score"] == 1.0
    assert outcomes[1].attempts == 2
    assert (run_dir / "flaky" / "done.txt").read_text() == str(pool.path.resolve())
    assert due_jobs(schedule, pool) == []
    with pool.connect() as con:
        statuses = con.execute("SELECT channel, status FROM batches WHERE kind = "
                               "'scheduled_run' ORDER BY batch_id").fetchall()
        events = con.execute("SELECT count(*) FROM events WHERE kind = 'scheduled_run'"
                             ).fetchone()[0]
    assert statuses == [("schedule:quality", "success"), ("schedule:flaky", "success")]
    assert events == 2
    assert run_due(schedule, pool, progress=False) == []


def test_cli_lists_jobs_and_when_they_last_ran(pool, tmp_path):
    path = _schedule(tmp_path, '[[jobs]]\nname = "nightly"\nnotebook = "x.ipynb"\nat = "02:00"\n')
    result = CliRunner().invoke(main, ["--pool", str(pool.path), "schedule", "--file",
                                       str(path), "--list"])
    assert result.exit_code == 0, result.output
    assert "nightly: x.ipynb, every day at 02:00; last run never (due)" in result.output
