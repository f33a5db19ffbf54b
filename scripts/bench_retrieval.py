"""Retrieval benchmark over tests/retrieval/questions.yml.

    .venv/bin/python -m scripts.bench_retrieval [--json OUT] [--questions PATH] [--skip-build]

Reports, as Markdown:
  * recall@1, recall@5 and MRR@5 per mode (bm25, dense, hybrid), overall and per tag
    group (no_diacritics, paraphrase, new_name, no_province, typo);
  * the time to build the whole index from scratch (`python -m index build --force`
    into a temporary directory via HTS_INDEX_BUILD_DIR, so the real index is untouched);
  * warm hybrid query latency p50/p95 (after one warm-up pass over the questions), with
    the load average, since other processes on a small machine inflate the tail;
  * peak RSS of this process, which loads the model and the index and serves queries;
  * the questions hybrid misses at k=5, with its top hit, to see causes.

The scoring functions are also used by the quality gate in
tests/test_retrieval_questions.py: keep one implementation here.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from scripts.measure import percentile

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "retrieval" / "questions.yml"
MODES = ("bm25", "dense", "hybrid")
TAG_GROUPS = ("no_diacritics", "paraphrase", "new_name", "no_province", "typo")
K = 5


@dataclass(frozen=True)
class Question:
    id: str
    q: str
    gold: frozenset[tuple[str, str]]      # acceptable (plan id, section anchor) pairs
    tags: tuple[str, ...]


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    with open(path, encoding="utf-8") as handle:
        items = yaml.safe_load(handle)
    return [Question(id=str(item["id"]), q=str(item["q"]),
                     gold=frozenset((str(plan), str(anchor)) for plan, anchor in item["gold"]),
                     tags=tuple(item.get("tags") or ()))
            for item in items]


# ------------------------------------------------------------------ scoring

def gold_rank(hits, gold: frozenset[tuple[str, str]]) -> int | None:
    """1-based rank of the first hit whose (plan, anchor) is gold; None if none is."""
    for rank, hit in enumerate(hits, 1):
        if (hit.plan, hit.anchor) in gold:
            return rank
    return None


def metrics(ranks: list[int | None], k: int = K) -> dict:
    """recall@1, recall@k and MRR@k of a list of gold ranks (None = not found)."""
    n = len(ranks)
    if n == 0:
        return {"n": 0, "recall@1": 0.0, f"recall@{k}": 0.0, f"mrr@{k}": 0.0}
    found = [r for r in ranks if r is not None and r <= k]
    return {"n": n,
            "recall@1": sum(r == 1 for r in found) / n,
            f"recall@{k}": len(found) / n,
            f"mrr@{k}": sum(1 / r for r in found) / n}


def run_mode(searcher, questions: list[Question], mode: str, k: int = K) -> dict[str, tuple]:
    """question id -> (gold rank, hits) for one retrieval mode."""
    results = {}
    for question in questions:
        hits = searcher.search(question.q, k=k, mode=mode)
        results[question.id] = (gold_rank(hits, question.gold), hits)
    return results


def group_metrics(questions: list[Question], results: dict[str, tuple], k: int = K) -> dict:
    """Metrics overall and per tag group."""
    out = {"all": metrics([results[q.id][0] for q in questions], k)}
    for tag in TAG_GROUPS:
        out[tag] = metrics([results[q.id][0] for q in questions if tag in q.tags], k)
    return out


# ------------------------------------------------------------------ costs

def time_build() -> dict:
    """Seconds to build the whole index from scratch, in a throwaway directory."""
    with tempfile.TemporaryDirectory(prefix="hts-bench-index-") as directory:
        env = dict(os.environ, HTS_INDEX_BUILD_DIR=directory)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "index", "build", "--force"], cwd=ROOT,
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"index build failed ({done.returncode}): {done.stderr.strip()}")
    # RUSAGE_CHILDREN: the largest child so far, i.e. the build process
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(child_rss, 1),
            "output": done.stdout.strip()}




def query_latency(searcher, questions: list[Question], mode: str = "hybrid") -> dict:
    """Warm latency in ms: one untimed pass, then one timed pass over the questions."""
    for question in questions:
        searcher.search(question.q, k=K, mode=mode)
    times = []
    for question in questions:
        started = time.perf_counter()
        searcher.search(question.q, k=K, mode=mode)
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2),
            "mean_ms": round(statistics.fmean(times), 2), "max_ms": round(max(times), 2),
            "n": len(times), "loadavg_1min": round(os.getloadavg()[0], 2)}


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ------------------------------------------------------------------ report

def metrics_table(by_mode: dict[str, dict], k: int = K) -> str:
    header = f"| mode | group | n | recall@1 | recall@{k} | MRR@{k} |"
    lines = [header, "|---|---|---:|---:|---:|---:|"]
    for group in ("all",) + TAG_GROUPS:
        for mode, groups in by_mode.items():
            m = groups[group]
            lines.append(f"| {mode} | {group} | {m['n']} | {m['recall@1']:.3f} | "
                         f"{m[f'recall@{k}']:.3f} | {m[f'mrr@{k}']:.3f} |")
    return "\n".join(lines)


def misses(questions: list[Question], results: dict[str, tuple],
           other_modes: dict[str, dict[str, tuple]] | None = None) -> list[dict]:
    """Questions with no gold section in the top k, with what came first instead and,
    when given, the gold rank in the other modes (None: not in their top k either)."""
    out = []
    for question in questions:
        rank, hits = results[question.id]
        if rank is None:
            top = hits[0] if hits else None
            out.append({"id": question.id, "q": question.q,
                        "gold": sorted(f"{plan}#{anchor}" for plan, anchor in question.gold),
                        "top": f"{top.plan}#{top.anchor} ({top.section})" if top else "(no hit)",
                        "top_k": [f"{hit.plan}#{hit.anchor}" for hit in hits],
                        "other_modes": {mode: other[question.id][0]
                                        for mode, other in (other_modes or {}).items()}})
    return out


def misses_table(rows: list[dict]) -> str:
    if not rows:
        return "(none)"
    lines = ["| id | question | gold | top hit | gold rank in other modes |", "|---|---|---|---|---|"]
    for row in rows:
        others = ", ".join(f"{mode} {rank or '-'}" for mode, rank in row["other_modes"].items())
        lines.append(f"| {row['id']} | {row['q']} | {', '.join(row['gold'])} | {row['top']} | {others} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write all numbers here")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, metavar="PATH")
    parser.add_argument("--skip-build", action="store_true", help="skip the timed index build")
    args = parser.parse_args(argv)

    from index.retrieval.search import load_searcher

    questions = load_questions(args.questions)
    report: dict = {"questions": len(questions), "k": K}
    if not args.skip_build:
        report["build"] = time_build()     # a child process: not counted in our own RSS

    started = time.perf_counter()
    searcher = load_searcher()
    report["load_seconds"] = round(time.perf_counter() - started, 2)

    results = {mode: run_mode(searcher, questions, mode) for mode in MODES}
    report["metrics"] = {mode: group_metrics(questions, results[mode]) for mode in MODES}
    report["latency_hybrid"] = query_latency(searcher, questions)
    report["peak_rss_mb"] = peak_rss_mb()
    report["ranks"] = {mode: {qid: rank for qid, (rank, _) in results[mode].items()} for mode in MODES}
    report["hybrid_misses"] = misses(questions, results["hybrid"],
                                     {mode: results[mode] for mode in MODES if mode != "hybrid"})

    print(f"# Retrieval benchmark ({len(questions)} questions, k={K})\n")
    print(metrics_table(report["metrics"]))
    print()
    if "build" in report:
        print(f"- index build from scratch: {report['build']['seconds']} s "
              f"(build process peak RSS {report['build']['peak_rss_mb']} MB)")
    print(f"- searcher load (model + index): {report['load_seconds']} s")
    latency = report["latency_hybrid"]
    print(f"- warm hybrid latency: p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms "
          f"(mean {latency['mean_ms']} ms, max {latency['max_ms']} ms, n={latency['n']}, "
          f"load average {latency['loadavg_1min']} on {os.cpu_count()} CPUs)")
    print(f"- peak RSS of the serving process: {report['peak_rss_mb']} MB")
    print(f"\n## Hybrid misses at k={K} ({len(report['hybrid_misses'])})\n")
    print(misses_table(report["hybrid_misses"]))

    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
