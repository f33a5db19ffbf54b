"""Load test of the chat API: N concurrent simulated users, each holding multi-turn
conversations through POST /api/chat, as the widget would.

    .venv/bin/python -m scripts.load_test [--users 10,50,100] [--conversations 3]
        [--think 0] [--web-url http://127.0.0.1:8000] [--env KEY=VALUE ...] [--json OUT]
    .venv/bin/python -m scripts.load_test --scaleout 2      # the scale-out profile
    .venv/bin/python -m scripts.load_test --users 50 --versus-init

Each conversation has four turns, every one checked:
  1. a target question naming no province   → kind "clarify"
  2. the user's own province ("Sóc Trăng")   → kind "target", meta.sources[0].province
                                               is that province
  3. "còn năm 2030 thì sao?"                 → the same indicator and province, 2030
  4. "thế còn <another province>?"           → the same indicator, the other province
Users get different (question, province, other province) scenarios (100 distinct), so a
reply that belongs to another user's conversation shows: every reply must equal, in kind,
source provinces and text, the reply the same scenario got when run alone before the
load (the reference run, which is also the warm-up). Such a reply counts as "mixed up";
a request that fails or times out counts as an error (lost turn).

Uses the stack at --web-url when it answers (a running `make run`; its per-address rate
limit will throttle a load from one address: the report says so), otherwise starts one
with stack/runner.py with the rate limit off (HTS_WEB_RATE_LIMIT_PER_MINUTE=0) plus any
--env settings (e.g. --env HTS_WEB_THREADS=16), and stops it at the end. --scaleout N
starts the scale-out profile instead (stack/scaleout.py: PostgreSQL, Redis, N Rasa
servers, one action server, N web apps), and every conversation's turns alternate
between the N web apps, hence between the Rasa servers. Reports throughput, latency percentiles, errors, and the resident memory (RSS, peak
while loaded) and CPU use of each process: Rasa, the action server, the web app
(waitress), this load generator (it shares the machine's cores) and everything else on the
machine ("other": another job competing for the cores shows there), with PostgreSQL and
Redis in the scale-out profile; and the Rasa CPU time per turn, the cost that bounds the
throughput. --think T makes each
user pause between turns, uniformly 0.5 T to 1.5 T, and arrive at a random moment of
the first T seconds (a person reading the answer and typing the next question); 0 is a
closed loop — every user sends the next turn as soon as the answer is in — the hardest case.

--versus-init: after the levels, the same levels against the bare assistant `rasa init`
makes (scripts/rasa_init_peer.py: built and trained in a temporary folder, in-memory
tracker store, no action server, its mood-bot conversation of four turns through Rasa's
REST channel), measured in the same run on the same machine while this stack is idle;
prints both throughputs and their ratio (this stack / the peer).

Exit status 1 when a turn was lost or mixed up; latency is reported, not asserted.
"""
import argparse
import json
import random
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import psutil
import requests

import stack as stack_module
from scripts.measure import percentile
from stack import (
    scaleout,  # OwnStack: stack.Stack with a sound endpoints file; ScaleOut
)

ROOT = Path(__file__).resolve().parent.parent

TIMEOUT = 30.0         # seconds per request on the client side; the web app gives up on Rasa after 10
TARGET_USERS, TARGET_P95_MS = 50, 1000

PROVINCES = ["Tiền Giang", "Tuyên Quang", "Sóc Trăng", "Hậu Giang", "Bình Phước"]
# Indicators with a 2025 and a 2030 target in all five plans, asked without a province.
QUESTIONS = [
    "Mục tiêu số thuê bao băng rộng di động trên 100 dân năm 2025 là bao nhiêu?",
    "Mục tiêu tỷ lệ thuê bao sử dụng điện thoại thông minh năm 2025?",
    "Mục tiêu tỷ lệ dân số trưởng thành có điện thoại thông minh năm 2025?",
    "Mục tiêu tỷ lệ thôn được phủ sóng di động băng rộng năm 2025 là bao nhiêu?",
    "Mục tiêu tỷ lệ hộ gia đình có cáp quang năm 2025?",
]
FOLLOW_UP = "còn năm 2030 thì sao?"


def scenarios() -> list[tuple[str, str, str]]:
    """(question, province, other province): 5 x 5 x 4 = 100 distinct conversations;
    consecutive ones differ in question and in province."""
    combos = []
    for i in range(100):
        q, p, shift = i % 5, (i + i // 5) % 5, 1 + i // 25
        combos.append((QUESTIONS[q], PROVINCES[p], PROVINCES[(p + shift) % 5]))
    return combos


def turns(scenario: tuple[str, str, str]) -> list[tuple[str, str, str | None]]:
    """(message, expected kind, expected first source province)."""
    question, province, other = scenario
    return [(question, "clarify", None), (province, "target", province),
            (FOLLOW_UP, "target", province), (f"thế còn {other}?", "target", other)]


def summary_of(answer: dict) -> tuple:
    meta = answer.get("meta") or {}
    return (meta.get("kind"), tuple(s.get("province") for s in meta.get("sources") or []),
            "\n".join(m.get("text", "") for m in answer.get("messages") or []))


@dataclass
class Turn:
    user: int
    turn: int
    seconds: float
    status: int | None          # None: no HTTP answer (timeout, connection error)
    problem: str = ""           # "" when the reply is the expected one


@dataclass
class Level:
    users: int
    turns: list[Turn] = field(default_factory=list)
    wall: float = 0.0
    cpu: dict = field(default_factory=dict)
    rss: dict = field(default_factory=dict)


def post(session: requests.Session, url: str, sender: str, message: str) -> tuple[int | None, dict, float]:
    started = time.perf_counter()
    try:
        response = session.post(url, json={"sender": sender, "message": message}, timeout=TIMEOUT)
        elapsed = time.perf_counter() - started
        try:
            body = response.json()
        except ValueError:
            body = {}
        return response.status_code, body, elapsed
    except requests.RequestException as error:
        detail = str(error)[:160]
        return None, {"error": {"code": f"{type(error).__name__}: {detail}"}}, time.perf_counter() - started


def reference_run(chat_url: str, pool: list[tuple[str, str, str]]) -> dict:
    """Each scenario alone, one turn at a time: the replies the load must reproduce."""
    reference, session = {}, requests.Session()
    for scenario in pool:
        sender = f"ref-{uuid.uuid4().hex[:12]}"
        replies = []
        for message, kind, province in turns(scenario):
            status, body, _ = post(session, chat_url, sender, message)
            summary = summary_of(body)
            if status != 200 or summary[0] != kind or (province and (not summary[1] or summary[1][0] != province)):
                raise SystemExit(f"reference run: {scenario} turn {message!r} got HTTP {status} {summary[:2]} "
                                 f"(expected {kind} {province}); fix the scenario or the assistant first")
            replies.append(summary)
        reference[scenario] = replies
    return reference


def run_user(user: int, chat_urls: list[str], pool, reference, conversations: int, think: float,
             start: threading.Event, out: list[Turn]) -> None:
    """Several web apps (scale-out): the turns of a conversation alternate between them."""
    session = requests.Session()
    rng = random.Random(user)                   # the same pauses on every run
    start.wait()
    if think:                                   # arrive spread over one pause, not all at once
        time.sleep(rng.uniform(0, think))
    for c in range(conversations):
        scenario = pool[(user + c * 7) % len(pool)]
        sender = f"load-{user}-{c}-{uuid.uuid4().hex[:8]}"
        for t, (message, kind, province) in enumerate(turns(scenario)):
            status, body, elapsed = post(session, chat_urls[(user + t) % len(chat_urls)], sender, message)
            problem = ""
            if status != 200:
                problem = f"HTTP {status} {(body.get('error') or {}).get('code', '')}".strip()
            else:
                summary = summary_of(body)
                if summary[0] != kind or (province and (not summary[1] or summary[1][0] != province)):
                    problem = f"mixed up: expected {kind}/{province}, got {summary[0]}/{summary[1][:1]}"
                elif summary != reference[scenario][t]:
                    problem = "mixed up: reply differs from the reference run"
            out.append(Turn(user, t, elapsed, status, problem))
            if status != 200:
                break          # the conversation cannot go on meaningfully without this turn
            if think:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))


# ------------------------------------------------------------------ processes

def _listener(port: int) -> psutil.Process | None:
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid:
            return psutil.Process(connection.pid)
    return None


def _gunicorn_master(process: psutil.Process) -> psutil.Process:
    """Under gunicorn the worker listens too (inherited socket): report the master with its
    workers. The web app now runs under waitress (one process): returned as it is."""
    parent = process.parent()
    if parent is not None and "gunicorn" in " ".join(parent.cmdline()):
        return parent
    return process


def service_processes(rasa_urls: list[str], actions_urls: list[str], web_urls: list[str],
                      extra_ports: dict[str, int] | None = None) -> dict[str, psutil.Process]:
    """The process (tree) listening on each service's port; "rasa-2" etc. when several."""
    found = {}
    for name, urls in (("rasa", rasa_urls), ("actions", actions_urls), ("web", web_urls)):
        for i, url in enumerate(urls):
            process = _listener(urlparse(url).port)
            if process:
                label = name if len(urls) == 1 else f"{name}-{i + 1}"
                found[label] = _gunicorn_master(process) if name == "web" else process
    for name, port in (extra_ports or {}).items():
        process = _listener(port)
        if process:
            found[name] = process
    return found


def tree(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(process: psutil.Process) -> float:
    total = 0.0
    for p in tree(process):
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def rss_mb(process: psutil.Process) -> float:
    total = 0
    for p in tree(process):
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def _own_cpu(process: psutil.Process) -> float:
    """This process alone: the services it may have started are its children."""
    times = process.cpu_times()
    return times.user + times.system


def _busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idle (this machine, every process)."""
    times = psutil.cpu_times()
    return sum(getattr(times, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal"))


class Sampler(threading.Thread):
    """Peak RSS of each service while the load runs."""

    def __init__(self, processes: dict[str, psutil.Process]):
        super().__init__(daemon=True)
        self.processes, self.peak, self.stopped = processes, {n: 0.0 for n in processes}, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            for name, process in self.processes.items():
                self.peak[name] = max(self.peak[name], rss_mb(process))
            self.stopped.wait(0.5)


def run_level(chat_urls: list[str], users: int, pool, reference, conversations: int, think: float,
              processes: dict[str, psutil.Process]) -> Level:
    level, start = Level(users), threading.Event()
    me = psutil.Process()
    before = {name: cpu_seconds(p) for name, p in processes.items()}
    before["load generator"] = _own_cpu(me)
    before["machine"] = _busy_seconds()
    sampler = Sampler(processes)
    sampler.start()
    with ThreadPoolExecutor(max_workers=users) as executor:
        futures = [executor.submit(run_user, u, chat_urls, pool, reference, conversations, think, start, level.turns)
                   for u in range(users)]
        began = time.perf_counter()
        start.set()
        for future in futures:
            future.result()
        level.wall = time.perf_counter() - began
    sampler.stopped.set()
    sampler.join()
    after = {name: cpu_seconds(p) for name, p in processes.items()}
    after["load generator"] = _own_cpu(me)
    after["machine"] = _busy_seconds()
    level.cpu = {name: 100 * (after[name] - before[name]) / level.wall for name in before}
    # everything else on the machine (another job competing for the cores shows here)
    level.cpu["other"] = max(0.0, level.cpu["machine"] - sum(v for k, v in level.cpu.items() if k != "machine"))
    level.rss = sampler.peak
    return level


# ------------------------------------------------------------------ report



def level_row(level: Level, conversations: int) -> dict:
    latencies = [t.seconds * 1000 for t in level.turns if t.status is not None]
    expected = level.users * conversations * 4
    errors = [t for t in level.turns if t.problem and not t.problem.startswith("mixed up")]
    mixed = [t for t in level.turns if t.problem.startswith("mixed up")]
    return {
        "users": level.users, "requests": len(level.turns), "expected_requests": expected,
        "seconds": round(level.wall, 1), "throughput_rps": round(len(level.turns) / level.wall, 1),
        "p50_ms": round(percentile(latencies, 50)), "p95_ms": round(percentile(latencies, 95)),
        "p99_ms": round(percentile(latencies, 99)), "max_ms": round(max(latencies, default=0)),
        "mean_ms": round(statistics.mean(latencies)) if latencies else None,
        "errors": len(errors), "lost_turns": expected - len(level.turns) + len(errors), "mixed_up": len(mixed),
        "error_kinds": sorted({t.problem for t in errors + mixed})[:5],
        # CPU the Rasa server(s) spent per answered turn: the cost that bounds throughput
        "rasa_cpu_ms_per_turn": round(sum(v for k, v in level.cpu.items() if k.startswith("rasa")) * 10
                                      * level.wall / max(1, len(level.turns))),
        "rss_mb": {k: round(v) for k, v in level.rss.items()},
        "cpu_percent": {k: round(v) for k, v in level.cpu.items()},
    }


def markdown(rows: list[dict], names: list[str]) -> str:
    head = ("| users | requests | throughput (req/s) | p50 ms | p95 ms | p99 ms | max ms | errors | mixed up | "
            "Rasa CPU ms/turn | "
            + " | ".join(f"RSS {n} MB" for n in names) + " | "
            + " | ".join(f"CPU {n} %" for n in [*names, "load generator", "other", "machine"]) + " |")
    lines = [head, "|" + "---:|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(f"| {r['users']} | {r['requests']} | {r['throughput_rps']} | {r['p50_ms']} | {r['p95_ms']} | "
                     f"{r['p99_ms']} | {r['max_ms']} | {r['errors']} | {r['mixed_up']} | {r['rasa_cpu_ms_per_turn']} | "
                     + " | ".join(str(r["rss_mb"].get(n, "-")) for n in names) + " | "
                     + " | ".join(str(r["cpu_percent"].get(n, "-")) for n in [*names, "load generator", "other", "machine"]) + " |")
    return "\n".join(lines)


def versus_init(levels: list[int], conversations: int) -> list[dict]:
    """The same closed-loop levels against the bare `rasa init` assistant."""
    from scripts.rasa_init_peer import RasaInitPeer
    print("building the bare `rasa init` assistant (it trains; 1-3 min) ...", file=sys.stderr, flush=True)
    rows = []
    with RasaInitPeer() as peer:
        process = psutil.Process(peer.pid)
        for users in levels:
            cpu_before = cpu_seconds(process)
            latencies, failures, wall = peer.load(users, conversations)
            answered = len(latencies)
            rows.append({"users": users, "requests": answered + failures, "errors": failures,
                         "throughput_rps": round(answered / wall, 1),
                         "p50_ms": round(percentile([x * 1000 for x in latencies], 50)),
                         "p95_ms": round(percentile([x * 1000 for x in latencies], 95)),
                         "rasa_cpu_ms_per_turn": round((cpu_seconds(process) - cpu_before) * 1000 / max(1, answered))})
            print("rasa init:", json.dumps(rows[-1]), file=sys.stderr, flush=True)
            time.sleep(2)
    return rows


class Target:
    """What the load goes to: a running stack, one started here, or the scale-out profile."""

    def __init__(self, args):
        self.started, self.stop = "", lambda: None
        extra_env = {"HTS_WEB_RATE_LIMIT_PER_MINUTE": "0", **dict(item.split("=", 1) for item in args.env)}
        if args.scaleout:
            profile = scaleout.ScaleOut(rasa=args.scaleout, actions=1, web=args.scaleout,
                                        extra_env=dict(item.split("=", 1) for item in args.env))
            print(f"starting the scale-out profile: {args.scaleout} Rasa servers, 1 action server, "
                  f"{args.scaleout} web apps, PostgreSQL, Redis ...", file=sys.stderr, flush=True)
            profile.start()
            self.started, self.stop = f"scale-out profile started by this script ({args.scaleout} Rasa servers)", \
                profile.stop
            self.web, self.rasa, self.actions = profile.web_urls, profile.rasa_urls, profile.actions_urls
            self.extra_ports = {"postgres": profile.postgres.port, "redis": profile.redis.port}
            return
        web_port = urlparse(args.web_url).port if args.web_url else None
        stack = scaleout.OwnStack(rasa_url=args.rasa_url, actions_url=args.actions_url, web_port=web_port,
                                   extra_env=extra_env)
        if not stack_module.http_ok(f"{stack.web_url}/healthz"):
            print(f"starting the stack (about a minute), extra environment {extra_env} ...",
                  file=sys.stderr, flush=True)
            stack.start()
            self.started, self.stop = "embedded profile started by this script", stack.stop
        elif args.env:
            print("warning: --env ignored, the stack at the web address is already running", file=sys.stderr)
        self.web, self.rasa, self.actions = [stack.web_url], [stack.rasa_url], [stack.actions_url]
        self.extra_ports = {}
        self.started = self.started or "running stack"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="10,50,100", help="comma-separated concurrency levels")
    parser.add_argument("--conversations", type=int, default=3, help="conversations per user and level")
    parser.add_argument("--think", type=float, default=0.0, help="seconds between a user's turns")
    parser.add_argument("--web-url", help="a running web app (default: web.host/web.port of the settings)")
    parser.add_argument("--rasa-url", help="its Rasa server, for the process report")
    parser.add_argument("--actions-url", help="its action server, for the process report")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the processes this script starts")
    parser.add_argument("--scaleout", type=int, default=0, metavar="N",
                        help="start the scale-out profile (stack/scaleout.py) with N Rasa servers and N web "
                             "apps instead; each conversation alternates between them")
    parser.add_argument("--versus-init", action="store_true",
                        help="also load a bare `rasa init` assistant at the same levels and print the ratio")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    levels = [int(u) for u in args.users.split(",") if u.strip()]

    target = Target(args)
    chat_urls = [f"{url}/api/chat" for url in target.web]
    try:
        processes = service_processes(target.rasa, target.actions, target.web, target.extra_ports)
        names = list(processes)
        pool = scenarios()[:max(levels)]
        print(f"reference run: {len(pool)} conversations, one at a time (also the warm-up) ...",
              file=sys.stderr, flush=True)
        began = time.perf_counter()
        reference = reference_run(chat_urls[0], pool)
        single = (time.perf_counter() - began) / (len(pool) * 4) * 1000
        idle_rss = {n: round(rss_mb(p)) for n, p in processes.items()}
        rows = []
        for users in levels:
            print(f"{users} users x {args.conversations} conversations x 4 turns ...", file=sys.stderr, flush=True)
            level = run_level(chat_urls, users, pool, reference, args.conversations, args.think, processes)
            rows.append(level_row(level, args.conversations))
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
            time.sleep(2)
        peer_rows = versus_init(levels, args.conversations) if args.versus_init else []
    finally:
        target.stop()

    cpu_model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"# Chat API under load ({target.started}; {psutil.cpu_count()} cores {cpu_model}, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB)\n")
    print(f"Command: {' '.join(['.venv/bin/python', 'scripts/load_test.py', *sys.argv[1:]])}\n"
          f"Closed loop, think time {args.think:g} s, {args.conversations} conversations of 4 turns per user; "
          f"one user alone: {single:.0f} ms per turn on average (reference run).\n"
          f"Idle RSS after the warm-up (MB): " + ", ".join(f"{k} {v}" for k, v in idle_rss.items()) + "\n")
    print(markdown(rows, names))
    if peer_rows:
        print("\nSide by side with the bare `rasa init` assistant (same run, same machine, same users):\n")
        print("| users | this stack req/s | p95 ms | rasa init req/s | p95 ms | Rasa CPU ms/turn (init) | ratio |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for ours, peer in zip(rows, peer_rows):
            print(f"| {ours['users']} | {ours['throughput_rps']} | {ours['p95_ms']} | {peer['throughput_rps']} | "
                  f"{peer['p95_ms']} | {peer['rasa_cpu_ms_per_turn']} | "
                  f"**{ours['throughput_rps'] / peer['throughput_rps']:.2f}×** |")
    rate_limited = any("429" in kind for r in rows for kind in r["error_kinds"])
    if rate_limited:
        print("\nnote: HTTP 429 — the running web app limits requests per address; restart it with "
              "HTS_WEB_RATE_LIMIT_PER_MINUTE=0 (or let this script start its own stack).")
    goal = next((r for r in rows if r["users"] == TARGET_USERS), None)
    if goal:
        met = goal["p95_ms"] < TARGET_P95_MS and goal["errors"] == 0 and goal["mixed_up"] == 0
        print(f"\ntarget ({TARGET_USERS} users, p95 < {TARGET_P95_MS} ms, no error): "
              f"{'met' if met else 'MISSED'} (p95 {goal['p95_ms']} ms, {goal['errors']} errors)")
    if args.json:
        args.json.write_text(json.dumps({"command": sys.argv[1:], "think": args.think,
                                         "conversations": args.conversations, "single_user_ms": round(single),
                                         "idle_rss_mb": idle_rss, "levels": rows,
                                         "rasa_init_levels": peer_rows}, ensure_ascii=False, indent=1))
    broken = sum(r["lost_turns"] + r["mixed_up"] for r in rows)
    if broken:
        print(f"\n{broken} turns lost or mixed up", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
