"""Benchmark: the full KPI report on a SQLite store with 1,000,000 ledger rows.

Usage: python bench/report.py [--rows 1000000] [--db PATH] [--keep]

Fills a fresh SQLite store (schema from the migrations) with `--rows` ledger rows over twelve months,
40 reps in 4 teams, 5 sources, 2 languages, 2 rulesets and an A/B split, plus proportional outcomes
(a held meeting after ~60 % of qualified calls, an opportunity after ~17 %) and ~2 signals per connected
call, using executemany in chunks. Then computes the full report (`compute_report`, JSON, HTML, exports)
in a fresh child process and prints its wall time and peak memory (max RSS of that process, which
includes SQLite's own memory), plus its CPU time (wall time suffers when the machine is shared).
Targets: under 10 s and under 500 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START = datetime(2025, 12, 1)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
CHUNK = 50_000
SIGNALS = ["need:met", "budget:met", "authority:met", "timing:met", "budget:not_met", "need:not_met"]
PHRASES = {
    "fr": [
        "budget validé",
        "besoin confirmé",
        "je décide",
        "pas de budget",
        "rappelez en septembre",
        "démo mardi",
    ],
    "en": [
        "budget approved",
        "clear need",
        "i sign off",
        "no budget",
        "call me next quarter",
        "demo tuesday",
    ],
}

LEDGER_COLUMNS = (
    "pipeline",
    "call_id",
    "fingerprint",
    "ruleset",
    "variant",
    "status",
    "reason",
    "next_step",
    "score",
    "language",
    "occurred_at",
    "outcome",
    "duration_s",
    "owner",
    "source",
    "prospect_id",
    "company_id",
    "phone",
    "consumer",
    "recontact_on",
    "outputs",
    "evidence",
    "state",
    "decided_at",
    "applied_at",
)
LEDGER_EXTRAS = {"direction": "outbound"}  # columns added by later migrations, filled when present


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(path: Path, rows: int, seed: int = 7) -> dict[str, int]:
    """Create the schema (migrations) and insert `rows` ledger rows plus outcomes and signals."""
    from connector.store import open_store

    open_store(f"sqlite:///{path}").close()
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    span = (NOW.replace(tzinfo=None) - START).total_seconds() - 86400 * 40
    prospects = max(1, rows // 3)
    present = {row[1] for row in db.execute("PRAGMA table_info(ledger)")}
    extra = [(name, value) for name, value in LEDGER_EXTRAS.items() if name in present]
    names = [*LEDGER_COLUMNS, *(name for name, _ in extra)]
    tail = tuple(value for _, value in extra)
    ledger_sql = f"INSERT INTO ledger ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    counts = {"ledger": 0, "outcomes": 0, "signals": 0}
    ledger: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    signals: list[tuple[object, ...]] = []

    def flush(force: bool = False) -> None:
        if ledger and (force or len(ledger) >= CHUNK):
            db.executemany(ledger_sql, ledger)
            counts["ledger"] += len(ledger)
            ledger.clear()
        if events and (force or len(events) >= CHUNK):
            db.executemany("INSERT OR IGNORE INTO outcomes VALUES (?,?,?,?,?,?,?)", events)
            counts["outcomes"] += len(events)
            events.clear()
        if signals and (force or len(signals) >= CHUNK):
            db.executemany("INSERT OR IGNORE INTO signals VALUES (?,?,?,?,?)", signals)
            counts["signals"] += len(signals)
            signals.clear()

    for i in range(rows):
        at = START + timedelta(seconds=rng.random() * span)
        stamp = _ts(at)
        prospect = rng.randrange(prospects)
        connected = rng.random() < 0.75
        variant = "A" if rng.random() < 0.5 else "B"
        qualified = connected and rng.random() < (0.40 if variant == "A" else 0.42)
        status = "qualified" if qualified else ("nurture" if connected else "unreached")
        language = "fr" if prospect % 3 else "en"
        call_id = f"c{i:07d}"
        ledger.append(
            (
                "bench",
                call_id,
                "f",
                f"bant-{i % 2}",
                variant,
                status,
                None,
                "meeting" if qualified else "none",
                80.0 if qualified else 40.0,
                language,
                stamp,
                "connected" if connected else "no_answer",
                rng.randrange(60, 900) if connected else 0,
                f"rep{rng.randrange(40):02d}",
                f"src{rng.randrange(5)}",
                f"p{prospect:07d}",
                f"co{prospect // 4:07d}",
                None,
                0,
                None,
                "{}",
                "[]",
                "applied",
                stamp,
                stamp,
                *tail,
            )
        )
        if qualified and rng.random() < 0.6:
            met = at + timedelta(days=rng.uniform(0.5, 20))
            events.append(("bench", "meeting", f"m{i}", _ts(met), f"p{prospect:07d}", None, None))
            if rng.random() < 0.28:
                opp = met + timedelta(days=rng.uniform(1, 30))
                events.append(("bench", "opportunity", f"o{i}", _ts(opp), f"p{prospect:07d}", None, 5000.0))
        if connected:
            phrases = PHRASES[language]
            for k in rng.sample(range(len(SIGNALS)), 2):
                signals.append(("bench", call_id, SIGNALS[k], phrases[k], language))
        flush()
    flush(force=True)
    db.commit()
    db.close()
    return counts


def compute(path: Path, out: Path) -> dict[str, float]:
    """Compute and write the full report; return wall time (s) and Python heap peak (MB)."""
    import tracemalloc

    from connector.kpi import KpiSettings, compute_report
    from connector.report import write_exports, write_html
    from connector.store import open_store

    settings = KpiSettings(
        cost_per_rep_hour=35.0,
        cost_per_call=0.4,
        handling_overhead_s=90,
        monthly_fixed={"dialer": 1200.0},
        teams={f"rep{i:02d}": f"team{i % 4}" for i in range(40)},
    )
    store = open_store(f"sqlite:///{path}")
    tracemalloc.start()
    started = time.perf_counter()
    with store.engine.connect() as conn:
        report = compute_report(conn, pipeline="bench", settings=settings, now=NOW, period="month")
    computed = time.perf_counter() - started
    write_html(report, out / "report.html")
    write_exports(report, out)
    total = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    store.close()
    return {
        "compute_s": computed,
        "total_s": total,
        "python_peak_mb": peak,
        "handled": report["totals"]["calls_handled"],
    }


def main() -> None:
    """Fill (unless --db exists) and time the report in a child process; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        figures = compute(args.child, args.child.parent)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        figures["max_rss_mb"] = usage.ru_maxrss / 1024
        figures["cpu_s"] = usage.ru_utime + usage.ru_stime
        print(json.dumps(figures))
        return
    folder = Path(tempfile.mkdtemp(prefix="qualicall-bench-"))
    path = args.db or folder / "bench.sqlite"
    if not path.exists():
        started = time.perf_counter()
        counts = fill(path, args.rows)
        print(f"filled {counts} in {time.perf_counter() - started:.1f} s ({path})")
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], check=True, capture_output=True, text=True
    )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"report on {figures['handled']:,} ledger rows: compute {figures['compute_s']:.2f} s, "
        f"with HTML and exports {figures['total_s']:.2f} s (child process CPU {figures['cpu_s']:.2f} s, "
        f"imports included); peak memory {figures['max_rss_mb']:.0f} MB RSS "
        f"(Python heap peak {figures['python_peak_mb']:.1f} MB)"
    )
    ok = figures["total_s"] < 10 and figures["max_rss_mb"] < 500
    print("targets (< 10 s, < 500 MB):", "met" if ok else "NOT met")
    if not args.keep and args.db is None:
        for item in sorted(folder.iterdir()):
            item.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
