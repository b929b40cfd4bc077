"""Scheduled runs: which notebook, with which parameters, when; run what is due.

The schedule is a TOML file in the repository (`schedule.toml`). `workbench schedule`, started
every few minutes by cron or a systemd timer, runs each job whose time has come since its last
run. Each run executes the notebook with papermill into `data/runs/<timestamp>/<job>/` (the
executed notebook, its HTML, and whatever files the notebook writes). A failing run is tried
again, three times by default with a pause between; when every attempt failed, the job's
owner gets an alert in the outbox and the sync log gets a failed row. Every run, good or bad,
is a row in the sync log (kind 'scheduled_run', channel 'schedule:<job>'), which is also where
"when did this job last run" is read from: the pool stays the only store of state.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from workbench.errors import InputError, WorkbenchError
from workbench.ingest import sql as import_sql
from workbench.ingest.channels import queue_alert
from workbench.jobs.report import ReportFiles, notebook_parameters, run_notebook
from workbench.quality import sql
from workbench.store.log import log_event
from workbench.store.pool import Pool, current_actor, run

log = logging.getLogger(__name__)

DEFAULT_SCHEDULE = Path("schedule.toml")
RUN_KIND = "scheduled_run"
EVERY_WORDS = {"hour", "day", "week"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^(\d+)\s*([mh])$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h)?$")


@dataclass(frozen=True)
class Job:
    """One scheduled notebook run.

    Attributes:
        name: the job's name (letters, digits, - and _).
        notebook: the notebook to run, relative to where `workbench schedule` runs.
        every: 'hour', 'day', 'week', or an interval such as '30m' or '6h'.
        at: 'HH:MM' for day and week jobs, ':MM' for hour jobs.
        weekday: 'mon' … 'sun' for week jobs.
        parameters: papermill parameters of the notebook.
        retries: further attempts after a failure.
        retry_pause: seconds between attempts.
        alert: who gets the alert in the outbox when every attempt failed.
    """

    name: str
    notebook: Path
    every: str = "day"
    at: str = "00:00"
    weekday: str = "mon"
    parameters: dict = field(default_factory=dict)
    retries: int = 3
    retry_pause: float = 600.0
    alert: str = "data-team"

    def last_slot(self, now: dt.datetime) -> dt.datetime | None:
        """The latest moment at or before `now` the job was due (None for intervals)."""
        hour, minute = _clock(self.at)
        if self.every == "hour":
            slot = now.replace(minute=minute, second=0, microsecond=0)
            return slot if slot <= now else slot - dt.timedelta(hours=1)
        slot = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if self.every == "day":
            return slot if slot <= now else slot - dt.timedelta(days=1)
        if self.every == "week":
            slot -= dt.timedelta(days=(now.weekday() - WEEKDAYS.index(self.weekday)) % 7)
            return slot if slot <= now else slot - dt.timedelta(days=7)
        return None

    def interval(self) -> dt.timedelta | None:
        match = _INTERVAL.match(self.every)
        if not match:
            return None
        n, unit = int(match.group(1)), match.group(2)
        return dt.timedelta(minutes=n) if unit == "m" else dt.timedelta(hours=n)

    def is_due(self, now: dt.datetime, last_run: dt.datetime | None) -> bool:
        """Whether the job should run now, given when it last ran (started)."""
        if last_run is None:
            return True
        interval = self.interval()
        if interval is not None:
            return now - last_run >= interval
        return last_run < self.last_slot(now)


@dataclass(frozen=True)
class Schedule:
    """The schedule file: jobs and where their runs go."""

    jobs: tuple[Job, ...]
    runs_dir: Path = Path("data") / "runs"


def _clock(text: str) -> tuple[int, int]:
    hour, _, minute = text.partition(":")
    return int(hour or 0), int(minute or 0)


def _seconds(value) -> float:
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError(value)
    n, unit = float(match.group(1)), match.group(2) or "s"
    return n * {"s": 1, "m": 60, "h": 3600}[unit]


def load_schedule(path: str | Path = DEFAULT_SCHEDULE) -> Schedule:
    """Read and check a schedule file; every problem found is reported at once.

    Example:
        >>> _ = Path("schedule.toml").write_text(
        ...     'jobs = [{name = "daily-quality-report", notebook = "quality_report.ipynb",'
        ...     ' every = "day", at = "23:00"}]', encoding="utf-8")
        >>> schedule = load_schedule("schedule.toml")
        >>> [job.name for job in schedule.jobs]
        ['daily-quality-report']
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputError("There is no schedule file.", file=str(path),
                         fix="Create one (see schedule.toml in the repository) or pass --file.") from err
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"The schedule is not valid TOML: {err}.", file=str(path),
                         fix="Correct the line named.") from err
    defaults = data.get("defaults", {})
    problems: list[str] = []
    jobs = []
    names = set()
    for i, raw in enumerate(data.get("jobs", []), start=1):
        merged = {**defaults, **raw}
        merged.pop("runs_dir", None)
        name = str(merged.get("name", ""))
        where = f"job {i} ('{name}')" if name else f"job {i}"
        if not re.fullmatch(r"[\w-]+", name):
            problems.append(f"{where}: name must be letters, digits, - or _")
        if name in names:
            problems.append(f"{where}: the name is used twice")
        names.add(name)
        if "notebook" not in merged:
            problems.append(f"{where}: no notebook")
        every = str(merged.get("every", "day"))
        if every not in EVERY_WORDS and not _INTERVAL.match(every):
            problems.append(f"{where}: every = '{every}' is not hour, day, week or like '30m'/'6h'")
        at = str(merged.get("at", ":00" if every == "hour" else "00:00"))
        if not re.fullmatch(r"(\d{1,2})?:\d{2}", at) or not (
            _clock(at)[0] < 24 and _clock(at)[1] < 60
        ):
            problems.append(f"{where}: at = '{at}' is not HH:MM (or :MM for hourly jobs)")
        weekday = str(merged.get("weekday", "mon")).lower()[:3]
        if weekday not in WEEKDAYS:
            problems.append(f"{where}: weekday '{merged.get('weekday')}' is not mon … sun")
        try:
            pause = _seconds(merged.get("retry_pause", 600))
        except ValueError:
            problems.append(f"{where}: retry_pause '{merged['retry_pause']}' is not like 600, "
                            "'10m' or '30s'")
            pause = 0.0
        retries = merged.get("retries", 3)
        if not isinstance(retries, int) or retries < 0:
            problems.append(f"{where}: retries must be a whole number of 0 or more")
            retries = 0
        if problems:
            continue
        jobs.append(Job(
            name=name, notebook=Path(merged["notebook"]), every=every, at=at, weekday=weekday,
            parameters=dict(merged.get("parameters", {})), retries=retries, retry_pause=pause,
            alert=str(merged.get("alert", "data-team")),
        ))
    if problems:
        raise InputError("The schedule has problems: " + "; ".join(problems) + ".",
                         file=str(path), fix="Correct them and run it again.")
    return Schedule(jobs=tuple(jobs), runs_dir=Path(defaults.get("runs_dir", "data/runs")))


@dataclass
class RunOutcome:
    """What happened to one job in one `run_due` call."""

    job: str
    status: str  # 'success' | 'failed'
    out_dir: Path
    attempts: int
    error: str | None = None
    batch_id: int | None = None
    files: ReportFiles | None = None


def last_runs(pool: Pool) -> dict[str, dt.datetime]:
    """When each job last ran (started), from the sync log."""
    if not pool.exists():
        return {}
    with pool.connect(read_only=True) as con:
        rows = run(con, sql.last_scheduled_runs_sql(), {"kind": RUN_KIND}).fetchall()
    return {channel.removeprefix("schedule:"): started for channel, started in rows}


def due_jobs(schedule: Schedule, pool: Pool, now: dt.datetime | None = None) -> list[Job]:
    """The jobs whose time has come since their last run.

    Example:
        >>> _ = Path("schedule.toml").write_text(
        ...     'jobs = [{name = "daily-quality-report", notebook = "quality_report.ipynb",'
        ...     ' every = "day", at = "23:00"}]', encoding="utf-8")
        >>> [job.name for job in due_jobs(load_schedule(), Pool())]   # never run: due
        ['daily-quality-report']
    """
    now = now or dt.datetime.now()
    last = last_runs(pool)
    return [job for job in schedule.jobs if job.is_due(now, last.get(job.name))]


def run_due(
    schedule: Schedule,
    pool: Pool,
    *,
    now: dt.datetime | None = None,
    only: list[str] | None = None,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> list[RunOutcome]:
    """Run every due job (or the jobs named in `only`, due or not), with retries.

    Runs of one call share a folder `runs_dir/<timestamp>/`, one sub-folder per job. A lock
    file in `runs_dir` keeps two overlapping calls (a slow run and the next cron tick) from
    running the same jobs twice.

    Example (not run here: each due job is a notebook run, a quarter of a minute):
    `for outcome in run_due(load_schedule(), Pool()): print(outcome.job, outcome.status,
    outcome.out_dir)` prints one line per job run, e.g.
    `daily-quality-report success data/runs/20261122-230001/daily-quality-report`.
    """
    now = now or dt.datetime.now()
    if only:
        unknown = sorted(set(only) - {job.name for job in schedule.jobs})
        if unknown:
            raise InputError(f"The schedule has no job {', '.join(unknown)}.",
                             fix=f"Its jobs: {', '.join(j.name for j in schedule.jobs)}.")
        jobs = [job for job in schedule.jobs if job.name in only]
    else:
        jobs = due_jobs(schedule, pool, now)
    if not jobs:
        log.info("no job is due")
        return []
    schedule.runs_dir.mkdir(parents=True, exist_ok=True)
    with (schedule.runs_dir / ".schedule.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise WorkbenchError(
                f"Another `workbench schedule` is running (lock on {lock.name}); its jobs will "
                "finish first. Run this again later."
            ) from err
        run_dir = schedule.runs_dir / f"{now:%Y%m%dT%H%M%S}"
        outcomes = []
        for job in tqdm(jobs, desc="scheduled jobs", unit="job", disable=not progress):
            outcomes.append(_run_job(job, pool, run_dir / job.name, progress, sleep))
    return outcomes


def _run_job(job: Job, pool: Pool, out_dir: Path, progress: bool,
             sleep: Callable[[float], None]) -> RunOutcome:
    started = dt.datetime.now().replace(microsecond=0)
    parameters = dict(job.parameters)
    if job.notebook.exists() and "pool_path" in notebook_parameters(job.notebook):
        parameters.setdefault("pool_path", str(pool.path.resolve()))
    error, files, attempts = None, None, 0
    for attempt in range(1, job.retries + 2):
        attempts = attempt
        try:
            files = run_notebook(job.notebook, out_dir, parameters, progress=progress)
            error = None
            break
        except WorkbenchError as err:
            error = str(err)
            log.warning("job %s failed (attempt %d of %d): %s", job.name, attempt,
                        job.retries + 1, error)
            if attempt <= job.retries:
                sleep(job.retry_pause)
    outcome = RunOutcome(job.name, "failed" if error else "success", out_dir, attempts, error,
                         files=files)
    outcome.batch_id = _log_run(pool, job, outcome, started, parameters)
    return outcome


def _log_run(pool: Pool, job: Job, outcome: RunOutcome, started: dt.datetime,
             parameters: dict) -> int:
    """A row in the sync log, an event, and on failure an alert in the outbox."""
    details = {"job": job.name, "notebook": str(job.notebook), "out_dir": str(outcome.out_dir),
               "attempts": outcome.attempts, "parameters": parameters}
    reasons = None
    if outcome.error:
        reasons = json.dumps([{"reason": outcome.error, "attempts": outcome.attempts}],
                             ensure_ascii=False)
    with pool.transaction() as con:
        batch_id = run(con, import_sql.next_batch_id_sql()).fetchone()[0]
        run(con, import_sql.insert_batch_sql(), {
            "batch_id": batch_id, "started_at": started, "channel": f"schedule:{job.name}",
            "file": str(outcome.out_dir), "sheet": None, "file_sha256": None, "kind": RUN_KIND,
            "status": outcome.status, "rows": 0, "error_rows": 0, "reasons": reasons,
            "handler": current_actor(), "mapping": None,
        })
        run(con, import_sql.finish_batch_sql(),
            {"finished_at": dt.datetime.now().replace(microsecond=0), "batch_id": batch_id})
        event_id = log_event(con, RUN_KIND, f"job:{job.name}", payload={
            **details, "status": outcome.status, "batch_id": batch_id, "error": outcome.error,
        })
        if outcome.error:
            message = (
                f"定时任务「{job.name}」失败 / Scheduled job '{job.name}' failed after "
                f"{outcome.attempts} attempts: {outcome.error}. The executed notebook is in "
                f"'{outcome.out_dir}'. Fix the cause, then run `workbench schedule --job "
                f"{job.name}`."
            )
            queue_alert(con, job.alert, "run_failed", f"job:{job.name}", message,
                        payload=details, event_id=event_id)
    return int(batch_id)
