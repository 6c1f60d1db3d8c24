"""Benchmark: sync N HubSpot calls (default 20,000) through the wire-level fake, on VIRTUAL time.

The fake HubSpot (tests.fakes.hubspot) runs in a child process on 127.0.0.1 with HubSpot's limits
(100 requests / 10 s burst, 5 searches / s) and a fraction of injected faults (429 with Retry-After,
500 / 502 / 503, and lost responses: processed, then the connection drops). The adapter and the fake
share one VIRTUAL clock (a double in shared memory): every wait (rate limiter, backoff, Retry-After)
advances it instantly, so a sync that would take minutes of wall time against HubSpot runs in seconds;
"elapsed" below is that virtual time, the wall time is printed beside it.

The sync is the real pipeline (connector.pipeline.run_pipeline) with the bant ruleset, except that every
call gets exactly one follow-up task (so tasks = calls). The bench prints:
- HTTP requests per 1,000 calls, by endpoint (retries shown apart), against the minimum the batch
  limits allow for this data: search pages (200), association reads (1,000 per kind: contact, company,
  deal), distinct related records / 100, changed calls / 100, tasks / 100;
- elapsed virtual time against the lower bound the burst and search limits allow for the requests sent;
- peak memory of this process (RSS, or tracemalloc with --memory tracemalloc; the fake lives in the child)
  at 5k and at N calls;
- checks: every call written once, one task per key, nothing missing; then a second run (after our own
  writes bumped hs_lastmodifieddate) that must write nothing;
- a naive baseline: the same adapter and pipeline with every batch size at 1 (one call per search page,
  per association read, per batch read, update and task), on a sample (default 200 calls) of the same
  kind of data, scaled per 1,000 calls; at page size 1 every call also costs the keyset paging's
  timestamp-tie check (about 3 searches per call).

    python bench/hubspot_sync.py [--calls 20000] [--faults 0.05] [--naive-calls 200]
        [--memory rss|tracemalloc]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import multiprocessing as mp
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.hubspot import Connection, HubSpotAdapter, build
from connector.callfile import iter_calls
from connector.demo import sample_path
from connector.mapping import Mapping
from connector.model import Call, FollowUp, Result
from connector.pipeline import Pipeline, run_pipeline
from connector.rules import load_ruleset, qualify
from connector.store import open_store
from tests.contract.harness_hubspot import OUTCOME_GUIDS, define_qualicall_properties
from tests.fakes.hubspot import TOKEN, FakeHubSpot, iso

BURST, WINDOW, SEARCH_PER_S = 100, 10.0, 5


class SharedClock:
    """Virtual time in shared memory: the same clock for the adapter (parent) and the fake (child)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self) -> float:
        return float(self.value.value)

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self(), tz=UTC)

    def sleep(self, seconds: float) -> None:
        with self.value.get_lock():
            self.value.value += max(0.0, seconds)


@dataclasses.dataclass(frozen=True)
class Dataset:
    calls: int
    contacts: int
    companies: int
    deal_share: float = 0.3
    tie_share: float = 0.05


def _seed(fake: FakeHubSpot, data: Dataset, now_ms: int) -> None:
    """Contacts, companies, deals and calls (modified over the last days, some sharing a timestamp)."""
    ruleset, now = load_ruleset("bant"), datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    # calls whose decision sets the contact's do-not-call flag are left out: two of them sharing a contact
    # in one page plan the same "dnc:<contact>" outbox key twice, which the pipeline does not handle yet
    samples = [
        c
        for c in iter_calls(sample_path("sample_calls.jsonl"))
        if isinstance(c, Call) and not qualify(c, ruleset, now).do_not_call
    ]
    contacts = [
        fake.create("contacts", {"firstname": f"P{i}", "lastname": "Doe", "email": f"p{i}@example.com"})
        for i in range(data.contacts)
    ]
    companies = [
        fake.create("companies", {"name": f"Company {i}", "numberofemployees": 50 + i % 900})
        for i in range(data.companies)
    ]
    stamp = now_ms - data.calls * 1000 - 60_000
    for i in range(data.calls):
        if (i * 7919) % 100 >= data.tie_share * 100:
            stamp += 997
        base = samples[i % len(samples)]
        call_id = fake.create(
            "calls",
            {
                "hs_timestamp": iso(stamp - 3_600_000),
                "hs_call_body": base.notes,
                "hs_call_direction": "OUTBOUND",
                "hs_call_duration": (base.duration_s or 60) * 1000,
                "hs_call_disposition": OUTCOME_GUIDS[base.outcome.value],
                "hubspot_owner_id": "42",
            },
            modified_ms=stamp,
        )
        fake.associate("calls", call_id, "contacts", contacts[(i * 31) % data.contacts], 194)
        fake.associate("calls", call_id, "companies", companies[(i * 17) % data.companies], 182)
        if (i * 13) % 100 < data.deal_share * 100:
            deal = fake.create("deals", {"dealname": f"Deal {i}", "createdate": iso(stamp)})
            fake.associate("calls", call_id, "deals", deal, 206)


def _serve(pipe: Pipe, value: Any, data: Dataset, fault_rate: float) -> None:
    """Child process: run the fake until told to stop; answer state queries over `pipe`."""
    clock = SharedClock(value)
    fake = FakeHubSpot(clock=clock, burst=BURST, search_per_s=SEARCH_PER_S, seed=11, fault_rate=fault_rate)
    define_qualicall_properties(fake, Mapping.load("hubspot"))
    _seed(fake, data, fake.now_ms())
    fake.start()
    pipe.send(fake.base_url)
    while True:
        command, argument = pipe.recv()
        if command == "faults":
            fake.fault_rate = float(argument)
            pipe.send(None)
        elif command == "reset_counters":
            fake.requests.clear()
            fake.faults.clear()
            fake.writes.clear()
            pipe.send(None)
        elif command == "state":
            tasks = fake.tasks_by_key()
            call_writes = {i: n for i, n in fake.writes.items() if i in fake.objects["calls"]}
            pipe.send(
                {
                    "requests": dict(fake.requests),
                    "faults": dict(fake.faults),
                    "writes": Counter(call_writes.values()),
                    "written_calls": len(call_writes),
                    "written_contacts": len(fake.writes) - len(call_writes),
                    "unwritten": sum(
                        1
                        for o in fake.objects["calls"].values()
                        if not o["properties"].get("qualicall_status")
                    ),
                    "tasks": sum(tasks.values()),
                    "task_keys": len(tasks),
                    "duplicate_keys": sum(1 for n in tasks.values() if n > 1),
                    "rejected": list(fake.rejected[:5]),
                }
            )
        elif command == "stop":
            fake.stop()
            pipe.send(None)
            return


class FakeProcess:
    """The fake HubSpot in a child process, sharing the virtual clock."""

    def __init__(self, data: Dataset, fault_rate: float) -> None:
        ctx = mp.get_context("fork")
        self.value = ctx.Value("d", 1_790_000_000.0)
        self.clock = SharedClock(self.value)
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, self.value, data, fault_rate), daemon=True)
        self.process.start()
        self.base_url: str = self.pipe.recv()

    def ask(self, command: str, argument: Any = None) -> Any:
        self.pipe.send((command, argument))
        return self.pipe.recv()

    def close(self) -> None:
        self.ask("stop")
        self.process.join(timeout=10)


def one_task_per_call(ruleset: Any) -> Callable[[Call, datetime], Result]:
    """The engine's decision, with exactly one follow-up task per call (tasks = calls in the bench)."""

    def decide(call: Call, now: datetime) -> Result:
        result = qualify(call, ruleset, now)
        task = FollowUp(
            key=f"qc-{call.id}-next",
            kind="callback",
            subject=f"Follow up call {call.id}",
            body=result.explanation[:200],
            due_at=now + timedelta(days=2),
            owner=call.owner,
            call_id=call.id,
        )
        return dataclasses.replace(result, follow_ups=(task,))

    return decide


@dataclasses.dataclass
class RunFigures:
    calls: int
    sent: Counter[str]
    retries: Counter[str]
    virtual_s: float
    wall_s: float
    status: str
    runs: int
    memory: dict[str, float]
    stats: list[dict[str, Any]]


def _memory_mb(mode: str) -> tuple[float, float]:
    """(current, peak) MB: tracemalloc's traced memory, or (peak RSS, peak RSS) for mode "rss"."""
    if mode == "tracemalloc":
        current, peak = tracemalloc.get_traced_memory()
        return current / 2**20, peak / 2**20
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return rss, rss


def sync(
    fake: FakeProcess, connection: Connection, store: Any, *, batch_size: int, calls: int, memory: str = ""
) -> RunFigures:
    """Run the pipeline until a run finishes "ok" (at most 5 runs); return what it sent and how long it took.

    `memory`: "" (not measured), "rss" (peak RSS) or "tracemalloc" (traced Python memory, slower).
    """
    mapping = Mapping.load("hubspot")
    adapter: HubSpotAdapter = build(
        connection, mapping, env={"HUBSPOT_TOKEN": TOKEN}, clock=fake.clock.datetime, sleep=fake.clock.sleep
    )
    ruleset = load_ruleset("bant")
    marks: dict[str, float] = {}
    seen = 0

    def on_page(n: int) -> None:
        nonlocal seen
        before, seen = seen, seen + n
        if memory and before < 5000 <= seen:
            marks["current_at_5k_mb"], marks["peak_at_5k_mb"] = _memory_mb(memory)

    if memory == "tracemalloc":
        tracemalloc.start()
    start_virtual, start_wall = fake.clock(), time.perf_counter()
    status, runs = "", 0
    stats: list[dict[str, Any]] = []
    while status != "ok" and runs < 5:
        pipeline = Pipeline(
            name="bench",
            adapter=adapter,
            store=store,
            mapping=mapping,
            ruleset=ruleset,
            clock=fake.clock.datetime,
            qualifier=one_task_per_call(ruleset),
            batch_size=batch_size,
            on_page=on_page,
        )
        result = run_pipeline(pipeline)
        status, runs = result.status, runs + 1
        stats.append({"status": status, "message": result.message, **result.stats.as_dict()})
    if memory:
        marks[f"current_at_{calls // 1000}k_mb"], marks[f"peak_at_{calls // 1000}k_mb"] = _memory_mb(memory)
    if memory == "tracemalloc":
        tracemalloc.stop()
    figures = RunFigures(
        calls=calls,
        sent=Counter(adapter.transport.stats),
        retries=Counter(adapter.transport.retries),
        virtual_s=fake.clock() - start_virtual,
        wall_s=time.perf_counter() - start_wall,
        status=status,
        runs=runs,
        memory=marks,
        stats=stats,
    )
    adapter.close()
    return figures


def lower_bound(requests: int, searches: int) -> float:
    """Seconds the limits force for `requests` (a burst of 100 at once, then 100 per 10 s)."""
    burst = max(0, math.ceil(requests / BURST) - 1) * WINDOW
    search = max(0, math.ceil(searches / SEARCH_PER_S) - 1) * 1.0
    return max(burst, search)


def minimum(data: Dataset) -> dict[str, int]:
    """The fewest requests the batch limits allow for this data."""
    n = data.calls
    return {
        "search pages (200/page)": math.ceil(n / 200),
        "association reads (3 kinds x 1000)": 3 * math.ceil(n / 1000),
        "distinct contacts / 100": math.ceil(min(n, data.contacts) / 100),
        "distinct companies / 100": math.ceil(min(n, data.companies) / 100),
        "changed calls / 100": math.ceil(n / 100),
        "tasks / 100": math.ceil(n / 100),
    }


def _is_outcome(endpoint: str) -> bool:
    """Requests of `read_outcomes` (KPIs), counted apart from the sync."""
    return endpoint.startswith(("meetings.", "deals.", "associations.meetings.", "associations.deals."))


def _table(figures: RunFigures, per: float) -> list[tuple[str, float, float]]:
    rows = []
    for endpoint in sorted(figures.sent):
        first_tries = figures.sent[endpoint] - figures.retries[endpoint]
        rows.append((endpoint, first_tries * per, figures.retries[endpoint] * per))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--faults", type=float, default=0.05, help="fraction of requests failing")
    parser.add_argument("--naive-calls", type=int, default=200, help="calls in the naive baseline sample")
    parser.add_argument("--no-second-run", action="store_true")
    parser.add_argument(
        "--memory",
        choices=("rss", "tracemalloc"),
        default="rss",
        help="peak RSS (default, no overhead) or tracemalloc (Python allocations only, ~2x slower)",
    )
    args = parser.parse_args(argv)
    data = Dataset(calls=args.calls, contacts=max(1, args.calls * 2 // 5), companies=max(1, args.calls // 10))
    print(
        f"HubSpot sync bench: {data.calls:,} calls, {data.contacts:,} contacts, {data.companies:,} companies;"
    )
    print(
        f"limits {BURST} req/{WINDOW:.0f} s burst, {SEARCH_PER_S} searches/s; "
        f"{args.faults:.0%} injected faults"
    )
    print(
        "(429 with Retry-After, 500/502/503, lost responses). Time is VIRTUAL: waits advance a shared clock."
    )

    fake = FakeProcess(data, args.faults)
    tmp = tempfile.TemporaryDirectory()
    try:
        store = open_store(f"sqlite:///{tmp.name}/state.sqlite")
        fake.ask("faults", args.faults)
        connection = Connection(
            base_url=fake.base_url, daily_limit=10_000_000, daily_share=1.0, timeout=30, settle_seconds=0
        )
        figures = sync(fake, connection, store, batch_size=100, calls=data.calls, memory=args.memory)
        state = fake.ask("state")
        second: RunFigures | None = None
        second_state: dict[str, Any] = {}
        if not args.no_second_run:
            fake.ask("faults", 0.0)
            fake.ask("reset_counters")
            fake.clock.sleep(60.0)
            second = sync(fake, connection, store, batch_size=100, calls=data.calls)
            second_state = fake.ask("state")
        store.engine.dispose()
    finally:
        fake.close()
        tmp.cleanup()

    per = 1000 / data.calls
    mins = minimum(data)
    min_total = sum(mins.values())
    kpi = {k: v for k, v in figures.sent.items() if _is_outcome(k)}
    kpi_first = sum(kpi.values()) - sum(figures.retries[k] for k in kpi)
    first_tries = sum(figures.sent.values()) - sum(figures.retries.values()) - kpi_first
    total_sent = sum(figures.sent.values())
    searches = figures.sent["calls.search"]
    bound = lower_bound(total_sent, searches)
    print(f"\n== Batched sync (pipeline, {figures.runs} run(s), status {figures.status}) ==")
    for run in figures.stats:
        print(
            "  run:",
            {
                k: run[k]
                for k in (
                    "status",
                    "calls_read",
                    "decided",
                    "calls_updated",
                    "tasks_created",
                    "tasks_existing",
                    "write_failures",
                )
            },
        )
    print(f"{'endpoint':32} {'req / 1k calls':>15} {'retries / 1k':>13}")
    for endpoint, value, retried in _table(figures, per):
        print(f"{endpoint:32} {value:15.2f} {retried:13.2f}")
    print(f"{'total':32} {(first_tries + kpi_first) * per:15.2f} {sum(figures.retries.values()) * per:13.2f}")
    print(f"  of which reading KPI outcomes (meetings, deals; not part of the sync): {kpi_first * per:.2f}")
    print("\nMinimum the batch limits allow for this data:")
    for name, count in mins.items():
        print(f"  {name:36} {count:6d}")
    print(f"  {'total':36} {min_total:6d}  ({min_total * per:.2f} per 1k calls)")
    print(
        f"Sync requests sent, retries and KPI outcome reads excluded: {first_tries} = "
        f"{first_tries / min_total:.3f} x minimum (target <= 1.1)"
    )
    print(f"Requests sent, retries included: {total_sent} (faults injected by the fake: {state['faults']})")
    print(
        f"Elapsed (virtual): {figures.virtual_s:.1f} s; lower bound for {total_sent} requests / "
        f"{searches} searches: "
        f"{bound:.1f} s -> {figures.virtual_s / bound if bound else float('nan'):.3f} x (target <= 1.25); "
        f"wall time {figures.wall_s:.1f} s"
    )
    what = "Peak RSS" if args.memory == "rss" else "Traced Python memory"
    print(f"{what} of this process (adapter + pipeline + SDK; the fake runs in a child process):")
    for name, value in figures.memory.items():
        print(f"  {name:22} {value:8.1f} MB")
    lost = state["unwritten"]
    print(
        f"Checks: calls written {state['written_calls']}/{data.calls} "
        f"(update requests applied per call: {dict(state['writes'])}; a second one is the idempotent "
        f"re-send of a batch whose response was lost), "
        f"contacts flagged do-not-call {state['written_contacts']}, "
        f"unwritten {lost}; tasks {state['tasks']} for {state['task_keys']} keys, "
        f"duplicates {state['duplicate_keys']}; bodies the fake rejected: {state['rejected'] or 'none'}"
    )
    ok = (
        lost == 0
        and state["duplicate_keys"] == 0
        and state["tasks"] == data.calls
        and state["written_calls"] == data.calls
    )
    if second is not None:
        print(
            f"Second run, no faults (everything re-read after our own writes bumped hs_lastmodifieddate): "
            f"{sum(second.sent.values())} requests {dict(second.sent)}; calls re-read "
            f"{second.stats[-1]['calls_read']}, unchanged {second.stats[-1]['unchanged']}, "
            f"call writes {second_state['written_calls']}, tasks {second_state['tasks']}; "
            f"virtual {second.virtual_s:.1f} s, wall {second.wall_s:.1f} s"
        )
        ok = ok and second_state["written_calls"] == 0 and second_state["tasks"] == data.calls

    naive_data = Dataset(
        calls=args.naive_calls,
        contacts=max(1, args.naive_calls * 2 // 5),
        companies=max(1, args.naive_calls // 10),
    )
    naive_fake = FakeProcess(naive_data, args.faults)
    naive_tmp = tempfile.TemporaryDirectory()
    try:
        naive_store = open_store(f"sqlite:///{naive_tmp.name}/state.sqlite")
        naive_connection = Connection(
            base_url=naive_fake.base_url,
            page_size=1,
            read_batch=1,
            cache_size=0,
            settle_seconds=0,
            daily_limit=10**8,
            daily_share=1.0,
        )
        naive = sync(naive_fake, naive_connection, naive_store, batch_size=1, calls=naive_data.calls)
        naive_state = naive_fake.ask("state")
        naive_store.engine.dispose()
    finally:
        naive_fake.close()
        naive_tmp.cleanup()
    naive_per = 1000 / naive_data.calls
    naive_total = sum(naive.sent.values())
    naive_kpi = sum(v - naive.retries[k] for k, v in naive.sent.items() if _is_outcome(k))
    naive_first = naive_total - sum(naive.retries.values()) - naive_kpi
    print(f"\n== Naive baseline: same adapter + pipeline, every batch size 1, {naive_data.calls:,} calls ==")
    print(f"{'endpoint':32} {'req / 1k calls':>15} {'retries / 1k':>13}")
    for endpoint, value, retried in _table(naive, naive_per):
        print(f"{endpoint:32} {value:15.2f} {retried:13.2f}")
    print(
        f"{'total':32} {(naive_first + naive_kpi) * naive_per:15.2f} "
        f"{sum(naive.retries.values()) * naive_per:13.2f}"
    )
    print(f"  of which reading KPI outcomes: {naive_kpi * naive_per:.2f}")
    scale = data.calls / naive_data.calls
    print(
        f"Elapsed (virtual): {naive.virtual_s:.1f} s for {naive_data.calls:,} calls -> about "
        f"{naive.virtual_s * scale / 3600:.2f} h for {data.calls:,} "
        f"(batched: {figures.virtual_s / 60:.1f} min); "
        f"wall {naive.wall_s:.1f} s; tasks {naive_state['tasks']}, duplicates {naive_state['duplicate_keys']}"
    )
    print(
        f"\nSync requests (first tries, KPI reads excluded), batched vs naive: {first_tries * per:.1f} vs "
        f"{naive_first * naive_per:.1f} per 1k calls "
        f"({naive_first * naive_per / (first_tries * per):.0f}x fewer)"
    )
    print("RESULT:", "OK - nothing lost or duplicated" if ok else "PROBLEM - see the checks above")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
