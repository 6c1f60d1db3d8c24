"""Salesforce sync benchmark through the wire-level fake (prints figures; asserts nothing).

    python bench/salesforce_sync.py [--calls 20000] [--small 5000] [--large 40000] [--naive 1000]
                                     [--faults 0.05] [--seed 7] [--only all|faults]

The fake runs in a child process (tests/fakes/salesforce/process.py), so tracemalloc measures only
this process: the real pipeline (connector/pipeline.py run_pipeline, SQLite store, bant rules) driving
the Salesforce adapter through simple-salesforce over loopback HTTPS.

1. API calls per 1,000 calls, by endpoint, for a full sync of --calls calls, beside the minimum the
   limits allow for that data (query pages of 2,000 rows, changed calls / 200 per collection update,
   follow-ups / 200 per collection upsert, one login, three outcome queries: the REST-collection
   minimum, whichever read path ran) and beside a naive
   one-record-at-a-time sync (GET the Task, its Who and its Account, PATCH the Task, upsert each
   follow-up alone) measured on --naive calls of the same data.
2. Peak traced memory of the sync at --small, --calls and --large calls, with the read path each took
   (below bulk_threshold: REST pages of 2,000; above: Bulk 2.0 results pages of 10,000), and per page:
   flat = the same figure for --calls and --large on the same path.
3. The same sync with --faults of the requests failing (5xx, UNABLE_TO_LOCK_ROW, lost responses,
   REQUEST_LIMIT_EXCEEDED, INVALID_SESSION_ID), rerun until a run ends "ok": faults injected (counted
   in the fake), calls written and follow-ups created vs. expected, duplicates.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.base import SourceRecord
from adapters.salesforce import Connection, SalesforceAdapter, connect
from connector.mapping import Mapping
from connector.pipeline import Pipeline, RunResult, run_pipeline
from connector.rules import load_ruleset, qualify
from connector.store import open_store
from tests.fakes.salesforce import process

ENV = {"SF_USER": "qualicall@example.com", "SF_PASSWORD": "s3cret", "SF_TOKEN": "TOKEN"}


def adapter_for(child: process.Child, max_attempts: int = 5) -> SalesforceAdapter:
    connection = Connection(
        username_env="SF_USER",
        password_env="SF_PASSWORD",
        security_token_env="SF_TOKEN",
        login_url=child.base_url,
        ca_file=child.ca_file,
        batch_size=2000,
        max_attempts=max_attempts,
    )
    later = child.now + timedelta(days=2)
    return connect(connection, Mapping.load("salesforce"), env=ENV, clock=lambda: later, sleep=lambda s: None)


def sync(
    n_calls: int, fault_rate: float, work: Path, *, traced: bool = True, seed: int = 7
) -> dict[str, Any]:
    """Run the pipeline until a run ends ok; returns fake stats, run results, peak memory, seconds.

    `traced` measures memory with tracemalloc (which slows Python allocation-heavy code ~2x)."""
    child = process.start(n_calls, fault_rate, seed)
    try:
        adapter = adapter_for(child)
        store = open_store(f"sqlite:///{work / f'state-{n_calls}-{fault_rate}.sqlite'}")
        pipeline_clock = adapter.clock
        runs: list[RunResult] = []
        page_peaks: list[int] = []

        def on_page(_: int) -> None:
            if traced:
                page_peaks.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.reset_peak()

        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        for _ in range(30):
            pipeline = Pipeline(
                name="bench",
                adapter=adapter,
                store=store,
                mapping=adapter.mapping,
                ruleset=load_ruleset("bant"),
                clock=pipeline_clock,
                batch_size=200,
                on_page=on_page,
            )
            runs.append(run_pipeline(pipeline))
            if runs[-1].status == "ok":
                break
        seconds = time.perf_counter() - started
        peak = max([tracemalloc.get_traced_memory()[1], *page_peaks]) if traced else 0
        if traced:
            tracemalloc.stop()
        stats = process.stats(child)
        pending = store.count_pending("bench")
        store.close()
        adapter.close()
        return {
            "stats": stats,
            "adapter": {
                "bulk_threshold": adapter.client.connection.bulk_threshold,
                "bulk_page_rows": adapter.bulk_page_rows,
            },
            "runs": runs,
            "peak": peak,
            "page_peaks": page_peaks,
            "seconds": seconds,
            "pending": pending,
        }
    finally:
        process.stop(child)


def naive(n_calls: int) -> dict[str, Any]:
    """One record at a time: list ids, then per call GET Task / Who / Account, PATCH, upsert each task."""
    child = process.start(n_calls)
    try:
        adapter = adapter_for(child)
        sf = adapter.client.salesforce()
        mapping, rules = adapter.mapping, load_ruleset("bant")
        now = adapter.clock()
        ids = [r["Id"] for r in sf.query_all_iter("SELECT Id FROM Task WHERE TaskSubtype = 'Call'")]
        for task_id in ids:
            task = sf.Task.get(task_id)
            who = sf.Contact.get(task["WhoId"]) if task.get("WhoId") else None
            account = sf.Account.get(task["AccountId"]) if task.get("AccountId") else None
            record = SourceRecord(id=task_id, modified_at=now, fields=task, prospect=who, company=account)
            result = qualify(mapping.to_call(record), rules, now)
            values = mapping.output_values(result.outputs(now))
            values = {
                k: (v.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(v, datetime) else (v or None))
                for k, v in values.items()
            }
            sf.Task.update(task_id, values)
            for follow_up in result.follow_ups:
                sf.Task.upsert(
                    f"Qualicall_Key__c/{follow_up.key}",
                    {"Subject": follow_up.subject, "ActivityDate": follow_up.due_at.date().isoformat()},
                )
        return {"stats": process.stats(child), "calls": len(ids)}
    finally:
        process.stop(child)


def read_path(stats: dict[str, Any], settings: dict[str, int]) -> str:
    """Which read path the sync took, from the fake's counters: a Bulk API 2.0 job means bulk."""
    requests = stats["requests"]
    if requests.get("jobs/query"):
        return (
            f"bulk (first sync above bulk_threshold {settings['bulk_threshold']}: Bulk API 2.0 queryAll "
            f"job, results pages of {settings['bulk_page_rows']} rows, Who lookups in "
            f"{requests.get('composite', 0)} composite requests of {stats['subrequests'].get('query', 0)} "
            "query subrequests in all)"
        )
    return f"rest (query / queryAll + query-more; bulk_threshold {settings['bulk_threshold']})"


def per_thousand(count: float, calls: int) -> str:
    return f"{1000 * count / calls:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=40_000, help="second size on the bulk path (0: skip)")
    parser.add_argument("--naive", type=int, default=1_000)
    parser.add_argument("--faults", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7, help="seed of the injected faults")
    parser.add_argument("--only", choices=("all", "faults"), default="all", help="run only the fault section")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.only == "faults":
            fault_section(args, work, None, None)
            return
        print(f"== clean sync of {args.calls} calls (pipeline + SQLite store + Salesforce adapter) ==")
        big = sync(args.calls, 0.0, work)
        stats, n = big["stats"], args.calls
        requests: Counter[str] = Counter(stats["requests"])
        follow_ups = stats["follow_ups"]
        minimum = {
            "login": 1,
            "queryAll": 1,
            "query-more": math.ceil(n / 2000) - 1,
            "composite/sobjects": math.ceil(stats["calls_written"] / 200),
            "composite/sobjects/upsert": math.ceil(follow_ups / 200),
            "query": 3,
        }
        print(
            f"runs: {[r.status for r in big['runs']]}  time: {big['seconds']:.1f} s  "
            f"largest collection: {stats['max_collection']} records"
        )
        print(f"calls written: {stats['calls_written']}/{stats['calls']}  follow-ups: {follow_ups}")
        print(f"read path: {read_path(stats, big['adapter'])}")
        small_naive = naive(args.naive)
        naive_requests: Counter[str] = Counter(small_naive["stats"]["requests"])
        print(
            f"\nAPI calls per 1,000 calls (naive measured on {small_naive['calls']} calls of the same data)"
        )
        print(f"{'endpoint':28} {'qualicall':>9} {'minimum':>9} {'naive':>9}")
        names = sorted(set(requests) | set(minimum) | set(naive_requests))
        for name in names:
            print(
                f"{name:28} {per_thousand(requests[name], n)} {per_thousand(minimum.get(name, 0), n)} "
                f"{per_thousand(naive_requests[name], small_naive['calls'])}"
            )
        total, least = sum(requests.values()), sum(minimum.values())
        naive_total = sum(naive_requests.values())
        print(
            f"{'total':28} {per_thousand(total, n)} {per_thousand(least, n)} "
            f"{per_thousand(naive_total, small_naive['calls'])}"
        )
        print(
            f"ratio to minimum: {total / least:.3f}x   naive / qualicall: "
            f"{(naive_total / small_naive['calls']) / (total / n):.1f}x"
        )

        print("\n== memory (tracemalloc peak of this process during the sync) ==")
        sizes = [(args.small, sync(args.small, 0.0, work)), (args.calls, big)]
        if args.large:
            sizes.append((args.large, sync(args.large, 0.0, work)))
        for label, result in sizes:
            pages = [f"{p / 1e6:.0f}" for p in result["page_peaks"]]
            path = "bulk" if result["stats"]["requests"].get("jobs/query") else "rest"
            print(
                f"{label:>6} calls ({path}): peak {result['peak'] / 1e6:7.1f} MB;",
                f"peak per page of 2,000 calls (MB): {' '.join(pages)}",
            )

        fault_section(args, work, follow_ups, total)


def fault_section(args: argparse.Namespace, work: Path, follow_ups: int | None, total: int | None) -> None:
    """The sync with injected faults, until a run ends ok; prints what was lost or duplicated."""
    print(f"\n== sync of {args.calls} calls with {args.faults:.0%} of requests failing ==")
    faulty = sync(args.calls, args.faults, work, traced=False, seed=args.seed)
    fstats = faulty["stats"]
    print(f"runs until ok: {len(faulty['runs'])} ({', '.join(r.status for r in faulty['runs'])})")
    faults = {k: n for k, n in fstats["faults"].items() if not k.startswith("sub")}
    sub_faults = {k: n for k, n in fstats["faults"].items() if k.startswith("sub")}
    injected = sum(faults.values())
    api_requests = sum(n for k, n in fstats["requests"].items() if k != "login")
    print(
        f"faults injected (counted in the fake): {injected} of {api_requests} API requests "
        f"({injected / api_requests:.1%}): {faults}  logins: {fstats['logins']}"
    )
    subrequests = sum(fstats["subrequests"].values())
    if subrequests:
        print(
            f"composite subrequests failed (counted in the fake): {sum(sub_faults.values())} of "
            f"{subrequests}: {sub_faults}"
        )
    print(
        f"calls written: {fstats['calls_written']}/{fstats['calls']}  "
        f"follow-ups: {fstats['follow_ups']} (clean run: {follow_ups}), unique keys: "
        f"{fstats['follow_up_keys_unique']}  outbox pending: {faulty['pending']}"
    )
    lost = fstats["calls"] - fstats["calls_written"]
    duplicated = fstats["follow_ups"] - fstats["follow_up_keys_unique"]
    print(
        f"lost: {lost}  duplicated: {duplicated}  "
        f"requests: {sum(fstats['requests'].values())} (clean: {total})"
    )


if __name__ == "__main__":
    main()
