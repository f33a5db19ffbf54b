"""Warm latency per answer kind, one user at a time, through Rasa's REST channel
(NLU + dialogue + action server + index), as the web app calls it.

    .venv/bin/python -m scripts.bench_chat [--rounds 5] [--json OUT]

Starts the stack (stack/runner.py) unless it is already running, sends every question
once to warm up, then `rounds` more times, each in a fresh conversation, and prints
p50/p95 per kind in milliseconds. A benchmark reports numbers; it asserts nothing.
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


def post(url: str, sender: str, message: str) -> list[dict]:
    request = urllib.request.Request(url, data=json.dumps({"sender": sender, "message": message}).encode(),
                                     headers={"Content-Type": "application/json"})
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
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    stack = stack_module.Stack()
    started_here = not stack_module.http_ok(f"{stack.rasa_url}/")
    if started_here:
        print("starting the stack (about a minute)...", file=sys.stderr)
        stack.start()
    try:
        by_kind = measure(f"{stack.rasa_url}/webhooks/rest/webhook", args.rounds)
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
