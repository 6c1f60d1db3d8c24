"""Accuracy of a rule pack on a labelled call set: status, reason and next-step accuracy + confusion.

Usage:
    python bench/accuracy.py [FILE] [--rules bant|champ|path] [--misses]
    python bench/accuracy.py --calls connector/data/sample_calls.jsonl \
        --labels connector/data/sample_labels.jsonl

FILE (default tests/data/eval_set.jsonl) has one {"call": {...}, "expected": {"status", "reason",
"next_step", "recontact_months"}, "tags": [...]} per line. Alternatively --calls/--labels give calls
and labels ({id, status, reason, next_step, recontact_months}) in two files. Prints accuracies,
recontact-month agreement (±1 month) where labelled, the status confusion matrix, the reason confusion
matrix and, with --misses, every call whose status, reason or next step differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.model import Call
from connector.rules import load_ruleset, qualify


def _pairs(args: argparse.Namespace) -> Iterator[tuple[Call, dict[str, Any], list[str]]]:
    if args.calls:
        labels = {}
        with open(args.labels, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    d = json.loads(line)
                    labels[d["id"]] = d
        with open(args.calls, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    call = Call.model_validate_json(line)
                    if call.id in labels:
                        yield call, labels[call.id], []
        return
    with open(args.file, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                yield Call.model_validate(d["call"]), d["expected"], list(d.get("tags", []))


def _matrix(title: str, pairs: list[tuple[str, str]]) -> str:
    labels = sorted({a for a, _ in pairs} | {b for _, b in pairs})
    counts = Counter(pairs)
    width = max([len(x) for x in labels] + [12])
    out = [f"{title} (rows = expected, columns = predicted)"]
    out.append(" " * (width + 1) + " ".join(f"{x[:10]:>10}" for x in labels))
    for a in labels:
        out.append(f"{a:<{width}} " + " ".join(f"{counts[(a, b)] or '.':>10}" for b in labels))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the pack over the labelled set and print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("file", nargs="?", default="tests/data/eval_set.jsonl")
    p.add_argument("--calls")
    p.add_argument("--labels")
    p.add_argument("--rules", default="bant")
    p.add_argument("--misses", action="store_true")
    args = p.parse_args(argv)
    rules = load_ruleset(args.rules)
    n = ok_s = ok_r = ok_n = rec_n = rec_ok = 0
    st_pairs: list[tuple[str, str]] = []
    re_pairs: list[tuple[str, str]] = []
    misses: list[str] = []
    tag_miss: Counter[str] = Counter()
    for call, exp, tags in _pairs(args):
        now = call.occurred_at if isinstance(call.occurred_at, datetime) else datetime.now()
        res = qualify(call, rules, now)
        n += 1
        s_ok = res.status == exp["status"]
        r_ok = (res.reason or None) == (exp.get("reason") or None)
        n_ok = res.next_step == exp["next_step"]
        ok_s += s_ok
        ok_r += r_ok
        ok_n += n_ok
        st_pairs.append((exp["status"], res.status))
        re_pairs.append((exp.get("reason") or "-", res.reason or "-"))
        months = exp.get("recontact_months")
        if months is not None:
            rec_n += 1
            if res.recontact_on is not None:
                got = (res.recontact_on - call.occurred_at.date()).days / 30.44
                rec_ok += abs(got - months) <= 1.0
        if not (s_ok and r_ok and n_ok):
            tag_miss.update(tags)
            exp_t = f"{exp['status']}/{exp.get('reason')}/{exp['next_step']}"
            got_t = f"{res.status}/{res.reason}/{res.next_step}"
            text = (call.notes or call.transcript).replace("\n", " | ")[:300]
            misses.append(f"{call.id}: expected {exp_t} got {got_t}\n    {text}\n    {res.explanation[:300]}")
    if n == 0:
        print("no calls", file=sys.stderr)
        return 1
    print(f"ruleset {rules.version} on {args.calls or args.file}: {n} calls")
    print(f"status accuracy    {ok_s / n:6.1%}  ({ok_s}/{n})")
    print(f"reason accuracy    {ok_r / n:6.1%}  ({ok_r}/{n})")
    print(f"next-step accuracy {ok_n / n:6.1%}  ({ok_n}/{n})")
    if rec_n:
        print(f"recontact ±1 month {rec_ok / rec_n:6.1%}  ({rec_ok}/{rec_n} labelled)")
    print()
    print(_matrix("status", st_pairs))
    print()
    print(_matrix("reason", re_pairs))
    if tag_miss:
        print("\nmisses by tag: " + ", ".join(f"{t}={c}" for t, c in tag_miss.most_common()))
    if args.misses:
        print("\n" + "\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
