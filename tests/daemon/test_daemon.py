"""The daemon: one job per pipeline on its schedule, no overlapping runs, clean shutdown on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from adapters.local.crm import LocalCRM
from connector.config import validate_settings
from connector.daemon import Daemon, make_trigger
from connector.pipeline import RunResult, RunStats
from tests.factories import make_calls


def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return validate_settings(
        {
            "pipelines": {
                "every5": {"crm": "local", "schedule": {"interval_minutes": 5}},
                "office": {
                    "crm": "local",
                    "schedule": {"cron": "*/10 8-19 * * 1-5", "timezone": "Europe/Paris"},
                },
            }
        },
        base_dir=tmp_path,
    )


def test_one_job_per_pipeline_with_its_trigger_and_no_overlap(tmp_path: Path) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    daemon = Daemon(settings(tmp_path), lambda name, stop: RunResult(name, "ok", RunStats()), scheduler)
    try:
        daemon.start(run_now=False)
        jobs = {job.name: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"every5", "office"}
        assert isinstance(jobs["every5"].trigger, IntervalTrigger)
        assert jobs["every5"].trigger.interval == timedelta(minutes=5)
        assert isinstance(jobs["office"].trigger, CronTrigger)
        assert str(jobs["office"].trigger.timezone) == "Europe/Paris"
        assert all(j.max_instances == 1 and j.coalesce for j in jobs.values())
    finally:
        scheduler.shutdown(wait=False)
    assert isinstance(make_trigger(settings(tmp_path).pipelines["office"].schedule), CronTrigger)


def test_a_tick_while_the_same_pipeline_runs_is_skipped(tmp_path: Path) -> None:
    entered, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def run_once(name: str, stop: threading.Event) -> RunResult:
        runs.append(name)
        entered.set()
        release.wait(5)
        return RunResult(name, "ok", RunStats())

    daemon = Daemon(settings(tmp_path), run_once, BackgroundScheduler())
    worker = threading.Thread(target=daemon.tick, args=["every5"])
    worker.start()
    assert entered.wait(5)
    assert daemon.tick("every5") is None  # skipped: already running
    other = threading.Thread(target=daemon.tick, args=["office"])
    other.start()  # another pipeline is not blocked by it
    for _ in range(100):
        if "office" in runs:
            break
        other.join(0.05)
    assert "office" in runs
    release.set()
    worker.join(5)
    other.join(5)
    assert runs.count("every5") == 1


def test_shutdown_lets_the_current_run_finish_its_batch(tmp_path: Path) -> None:
    started = threading.Event()
    finished: list[str] = []

    def run_once(name: str, stop: threading.Event) -> RunResult:
        started.set()
        stop.wait(10)  # a run checks the stop flag between batches
        finished.append(name)
        return RunResult(name, "stopped", RunStats())

    s = validate_settings({"pipelines": {"one": {"crm": "local"}}}, base_dir=tmp_path)
    daemon = Daemon(s, run_once)
    daemon.start()
    assert started.wait(5)
    daemon.shutdown()
    assert finished == ["one"] and daemon.finished.is_set()
    assert daemon.tick("one") is None  # no new run after shutdown


def test_sigterm_finishes_the_current_batch_and_exits_0(tmp_path: Path) -> None:
    crm = LocalCRM(tmp_path / "crm.sqlite")
    crm.import_calls(make_calls(3000))
    crm.close()
    config = tmp_path / "q.toml"
    config.write_text(
        '[store]\nurl = "sqlite:///state.sqlite"\n'
        '[pipelines.big]\ncrm = "local"\nbatch_size = 50\n'
        '[pipelines.big.connection]\npath = "crm.sqlite"\npage_size = 50\n',
        encoding="utf-8",
    )
    exe = Path(sys.executable).with_name("qualicall")
    proc = subprocess.Popen(
        [str(exe), "run", "--config", str(config)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    state = tmp_path / "state.sqlite"
    deadline = time.monotonic() + 60
    engine = None
    while time.monotonic() < deadline:  # wait until the first pages are applied
        if state.exists():
            engine = engine or sa.create_engine(f"sqlite:///{state}")
            try:
                with engine.connect() as conn:
                    applied = conn.execute(
                        sa.text("SELECT count(*) FROM outbox WHERE state='applied'")
                    ).scalar()
                if applied:
                    break
            except sa.exc.OperationalError:
                pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr[-2000:]
    assert engine is not None
    with engine.connect() as conn:
        status, stats = conn.execute(sa.text("SELECT status, stats FROM runs ORDER BY id DESC LIMIT 1")).one()
        pending = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE state='pending'")).scalar()
        cursor = conn.execute(sa.text("SELECT value FROM cursors")).scalar()
    assert status == "stopped", stats
    assert pending == 0, "the current batch was finished, nothing left half-written"
    assert cursor is not None
    engine.dispose()
