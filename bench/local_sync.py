"""Benchmark: a full pipeline run on the embedded CRM (real SQLite files for the CRM and the state).

Seeds N calls (default 20,000, varied FR/EN notes from the bundled sample set), runs one sync, then a
second sync (everything re-read, nothing rewritten), and prints calls/s and peak RSS after each, so
memory can be compared across sizes:

    python bench/local_sync.py --calls 20000
    python bench/local_sync.py --calls 100000
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.local import LocalAdapter, LocalCRM
from connector.callfile import iter_calls
from connector.demo import sample_path
from connector.mapping import Mapping
from connector.model import Call
from connector.pipeline import Pipeline, run_pipeline
from connector.rules import load_ruleset
from connector.store import open_store


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_calls(n: int) -> Iterator[Call]:
    """`n` calls cycling over the sample set with fresh ids, prospects and dates."""
    samples = [c for c in iter_calls(sample_path("sample_calls.jsonl")) if isinstance(c, Call)]
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    for i in range(n):
        base = samples[i % len(samples)]
        prospect = base.prospect.model_copy(update={"id": f"bp{i % 5000}"}) if base.prospect else None
        yield base.model_copy(
            update={"id": f"bench-{i:07d}", "occurred_at": start + timedelta(minutes=i), "prospect": prospect}
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        crm = LocalCRM(folder / "crm.sqlite")
        began = time.perf_counter()
        crm.import_calls(synthetic_calls(args.calls))
        seeded_s = time.perf_counter() - began
        print(f"seeded {args.calls} calls in {seeded_s:.1f} s; peak RSS {peak_rss_mb():.0f} MB")
        store = open_store(f"sqlite:///{folder / 'state.sqlite'}")
        adapter = LocalAdapter(crm, Mapping.load("local"), page_size=500)
        for label in ("first sync", "second sync (no change)"):
            pipeline = Pipeline(
                name="bench",
                adapter=adapter,
                store=store,
                mapping=adapter.mapping,
                ruleset=load_ruleset("bant"),
                clock=lambda: datetime.now(UTC),
                batch_size=200,
            )
            began = time.perf_counter()
            result = run_pipeline(pipeline)
            elapsed = time.perf_counter() - began
            s = result.stats
            print(
                f"{label}: {result.status}, {s.calls_read} read, {s.decided} decided, "
                f"{s.fields_written} fields, {s.tasks_created} tasks in {elapsed:.1f} s = "
                f"{s.calls_read / elapsed:,.0f} calls/s; peak RSS {peak_rss_mb():.0f} MB"
            )
        store.close()
        crm.close()


if __name__ == "__main__":
    main()
