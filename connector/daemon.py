"""The daemon behind `qualicall run`: APScheduler, one job per pipeline.

Guarantees:
- never two runs of the same pipeline at once: APScheduler's max_instances=1 within this process,
  a per-pipeline lock against a manual trigger, and the store's lease across processes and hosts;
- missed ticks are coalesced into one run;
- `shutdown()` (SIGTERM / SIGINT) asks every running pipeline to stop after its current batch, waits
  for it, and returns; `serve()` then exits with status 0.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from connector.config import Schedule, Settings
from connector.pipeline import RunResult

log = structlog.get_logger("qualicall.daemon")

RunOnce = Callable[[str, threading.Event], RunResult]
"""Runs one pipeline once; must return soon after the event is set."""


def make_trigger(schedule: Schedule) -> IntervalTrigger | CronTrigger:
    """The APScheduler trigger for a pipeline's schedule."""
    if schedule.cron is not None:
        return CronTrigger.from_crontab(schedule.cron, timezone=schedule.timezone)
    assert schedule.interval_minutes is not None
    return IntervalTrigger(seconds=schedule.interval_minutes * 60, timezone=schedule.timezone)


class Daemon:
    """Schedules every pipeline of the settings; `run_once` does the work of one run."""

    def __init__(self, settings: Settings, run_once: RunOnce, scheduler: Any = None) -> None:
        self.settings = settings
        self.run_once = run_once
        self.scheduler = scheduler or BackgroundScheduler(timezone="UTC")
        self.stop = threading.Event()
        self.finished = threading.Event()
        self._locks = {name: threading.Lock() for name in settings.pipelines}
        self.results: list[RunResult] = []

    def start(self, run_now: bool = True) -> None:
        """Add one job per pipeline and start the scheduler (first runs at once when run_now)."""
        for name, ps in self.settings.pipelines.items():
            options: dict[str, Any] = {}
            if run_now:
                options["next_run_time"] = datetime.now(UTC)
            self.scheduler.add_job(
                self.tick,
                make_trigger(ps.schedule),
                args=[name],
                id=f"pipeline:{name}",
                name=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                **options,
            )
        self.scheduler.start()
        log.info("daemon.started", pipelines=list(self.settings.pipelines))

    def tick(self, name: str) -> RunResult | None:
        """One scheduled run of `name`; skipped when that pipeline is already running or stopping."""
        if self.stop.is_set():
            return None
        lock = self._locks[name]
        if not lock.acquire(blocking=False):
            log.info("run.skipped", pipeline=name, why="already running")
            return None
        try:
            result = self.run_once(name, self.stop)
            self.results.append(result)
            log.info("run.done", pipeline=name, status=result.status, message=result.message)
            return result
        except Exception:  # one failing pipeline must not kill the daemon
            log.exception("run.crashed", pipeline=name)
            return None
        finally:
            lock.release()

    def shutdown(self) -> None:
        """Stop after the current batches: no new runs, wait for running ones, stop the scheduler."""
        self.stop.set()
        self.scheduler.shutdown(wait=True)
        self.finished.set()
        log.info("daemon.stopped")

    def serve(self) -> int:
        """Run until SIGTERM or SIGINT; return the process exit status (0 on a clean stop)."""

        def _handle(signum: int, _frame: FrameType | None) -> None:
            log.info("daemon.signal", signal=signal.Signals(signum).name)
            self.stop.set()

        signal.signal(signal.SIGTERM, _handle)
        signal.signal(signal.SIGINT, _handle)
        self.start()
        self.stop.wait()
        self.shutdown()
        return 0
