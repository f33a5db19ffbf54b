"""Warm latency per answer kind, one user at a time, through Rasa's REST channel
(NLU + dialogue + action server + index), as the web app calls it.

    .venv/bin/python -m scripts.bench_chat [--rounds 5] [--json OUT]
    .venv/bin/python -m scripts.bench_chat --long 120 [--runs 5]

Starts the stack (stack/runner.py) unless it is already running, sends every question
once to warm up, then `rounds` more times, each in a fresh conversation, and prints
p50/p95 per kind in milliseconds.

--long N: the cost of a turn against the length of the conversation instead. `runs`
conversations of N turns each (LONG_CONVERSATION over and over: questions, provinces,
follow-ups, small talk, as a person who keeps asking would type them); prints the median
latency at each turn position over the runs, by windows of 10 turns, and the last cycle
of the conversation (turns N-9..N) against the first (turns 1..10), each as the median of
its cycle so that the kind of message at one position does not decide the ratio (a flat
cost per turn: the ratio stays near 1).

A benchmark reports numbers; it asserts nothing.
"""
import argparse
import json
import statistics
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import stack as stack_module
from scripts.measure import percentile

# A few questions per kind; the kind is what the assistant answered, measured per reply.
QUESTIONS = [
    "Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025?",
    "muc tieu ty le ho gia dinh co cap quang cua binh phuoc",
    "Hiện trạng dùng chung BTS của Tiền Giang?",
    "tuyen quang co bao nhieu duong truyen so lieu chuyen dung",
    "Sở Xây dựng Hậu Giang phải làm gì?",
    "nhiệm vụ của công an tỉnh",
    "Tỉnh nào có mục tiêu tốc độ di động cao nhất?",
    "Kế hoạch của Sóc Trăng đã ban hành chưa?",
    "kế hoạch bình phước căn cứ tờ trình nào",
    "Hộ nghèo có được hỗ trợ điện thoại thông minh không?",
    "khi nao tat song 2g",
    "Kế hoạch Tiền Giang nói gì về IPv6?",
    "Mục tiêu tốc độ 4G năm 2025?",
    "Kế hoạch hạ tầng số của Lào Cai?",
    "Bình Phước bây giờ thuộc tỉnh nào?",
    "giá vàng hôm nay",
    "xin chào",
    "Tôi có được hỗ trợ điện thoại không?",        # starts the eligibility form
    "Kế hoạch Sóc Trăng nói gì về máy bay không người lái?",   # nothing reliable: fallback
]


# One person's conversation, repeated to make a long one: a question, its follow-ups,
# another topic, small talk.
LONG_CONVERSATION = [
    "Mục tiêu tốc độ băng rộng cố định năm 2025?",
    "Tuyên Quang",
    "còn năm 2030 thì sao?",
    "thế còn Bình Phước?",
    "hien nay dat bao nhieu",
    "Tỉnh nào có mục tiêu tốc độ di động cao nhất?",
    "Hộ nghèo có được hỗ trợ điện thoại thông minh không?",
    "khi nao tat song 2g",
    "Sở Xây dựng Hậu Giang phải làm gì?",
    "cảm ơn",
]


# The web app channel's token (dialogue/channel.py): the stack's, set in main().
TOKEN = {"value": ""}


def post(url: str, sender: str, message: str) -> list[dict]:
    request = urllib.request.Request(url, data=json.dumps({"sender": sender, "message": message}).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {TOKEN['value']}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def kind_of(events: list[dict]) -> str:
    return next((e["custom"].get("kind", "?") for e in events if isinstance(e.get("custom"), dict)), "none")




def measure(url: str, rounds: int) -> dict[str, list[float]]:
    for question in QUESTIONS:                      # warm-up: first calls load caches
        post(url, f"warm-{uuid.uuid4().hex[:8]}", question)
    by_kind: dict[str, list[float]] = {}
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            events = post(url, f"bench-{uuid.uuid4().hex[:8]}", question)
            by_kind.setdefault(kind_of(events), []).append((time.perf_counter() - started) * 1000)
    return by_kind


def measure_long(url: str, turns: int, runs: int) -> list[list[float]]:
    """Milliseconds per turn: runs x turns, one sender per run."""
    post(url, f"warm-{uuid.uuid4().hex[:8]}", LONG_CONVERSATION[0])
    latencies = []
    for _ in range(runs):
        sender, row = f"long-{uuid.uuid4().hex[:8]}", []
        for turn in range(turns):
            started = time.perf_counter()
            post(url, sender, LONG_CONVERSATION[turn % len(LONG_CONVERSATION)])
            row.append((time.perf_counter() - started) * 1000)
        latencies.append(row)
    return latencies


def report_long(latencies: list[list[float]]) -> tuple[str, dict]:
    """Median over the runs at each turn position, by windows of 10; last cycle / first cycle."""
    turns = len(latencies[0])
    at = [statistics.median(row[t] for row in latencies) for t in range(turns)]
    rows = ["| turns | median ms |", "|---|---:|"]
    windows = {}
    for start in range(0, turns, 10):
        window = at[start:start + 10]
        windows[f"{start + 1}-{start + len(window)}"] = statistics.median(window)
        rows.append(f"| {start + 1}–{start + len(window)} | {statistics.median(window):.0f} |")
    cycle = len(LONG_CONVERSATION)
    first = statistics.median(at[:cycle])
    last = statistics.median(at[-cycle:])
    rows.append(f"\nturns 1–{cycle}: {first:.0f} ms; turns {turns - cycle + 1}–{turns}: {last:.0f} ms; "
                f"ratio {last / first:.2f} (flat: near 1)")
    return "\n".join(rows), {"windows_ms": windows, "first_cycle_ms": first, "last_cycle_ms": last,
                            "ratio": last / first, "runs": len(latencies), "turns": turns}


def report(by_kind: dict[str, list[float]]) -> str:
    everything = [v for values in by_kind.values() for v in values]
    rows = ["| kind | n | p50 ms | p95 ms |", "|---|---:|---:|---:|"]
    for kind, values in sorted(by_kind.items()):
        rows.append(f"| {kind} | {len(values)} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f} |")
    rows.append(f"| **all** | {len(everything)} | {percentile(everything, 50):.0f} | {percentile(everything, 95):.0f} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--long", type=int, default=0, metavar="N",
                        help="measure N-turn conversations instead of the kinds")
    parser.add_argument("--runs", type=int, default=5, help="conversations of --long turns")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    stack = stack_module.Stack()
    started_here = not stack_module.http_ok(f"{stack.rasa_url}/")
    if started_here:
        print("starting the stack (about a minute)...", file=sys.stderr)
        stack.start()
    # a stack already running took its token from HTS_RASA_TOKEN (or rasa.token) if set
    TOKEN["value"] = stack.token
    url = f"{stack.rasa_url}/webhooks/webapp/webhook"
    try:
        if args.long:
            table, summary = report_long(measure_long(url, args.long, args.runs))
            print(f"# Latency against conversation length ({args.runs} conversations of {args.long} turns)\n")
            print(table)
            if args.json:
                args.json.write_text(json.dumps(summary, indent=1))
            return 0
        by_kind = measure(url, args.rounds)
    finally:
        if started_here:
            stack.stop()
    print(f"# Warm chat latency through the REST channel, one user ({args.rounds} rounds)\n")
    print(report(by_kind))
    if args.json:
        summary = {kind: {"n": len(v), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95),
                          "mean_ms": statistics.mean(v)} for kind, v in by_kind.items()}
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
