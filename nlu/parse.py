"""Parse messages with a trained Rasa model and print the NLU results as JSON.

    .venv-rasa/bin/python -m nlu.parse models/ "khi nao tat song 2g" "Sở TT&TT phải làm gì"
    echo '["câu 1", "câu 2"]' | .venv-rasa/bin/python -m nlu.parse models/ -

MODEL is a model archive or a directory (its newest archive is used). Output: one JSON
object {"model", "load_seconds", "latency_ms": {"mean", "p95"}, "results": [{text,
intent, confidence, ranking (top 3), entities [{entity, value, text, start, end,
extractor}]}]}. Used by tests/test_nlu.py and for measuring parse latency.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def newest_model(path: Path) -> Path:
    if path.is_file():
        return path
    archives = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not archives:
        raise SystemExit(f"no model archive in {path}")
    return archives[-1]


async def _parse_all(model: Path, texts: list[str]) -> dict:
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(str(model))
    load_seconds = time.perf_counter() - started
    await agent.parse_message("xin chào")  # warm-up: first call builds the TF graph

    results, timings = [], []
    for text in texts:
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        timings.append((time.perf_counter() - started) * 1000)
        results.append({
            "text": text,
            "intent": parsed["intent"]["name"],
            "confidence": round(float(parsed["intent"]["confidence"]), 4),
            "ranking": [(r["name"], round(float(r["confidence"]), 4))
                        for r in parsed.get("intent_ranking", [])[:3]],
            "entities": [{
                "entity": e["entity"], "value": e["value"],
                "text": text[e["start"]:e["end"]], "start": e["start"], "end": e["end"],
                "extractor": e.get("extractor"),
            } for e in parsed.get("entities", [])],
        })
    timings.sort()
    return {
        "model": str(model),
        "load_seconds": round(load_seconds, 2),
        "latency_ms": {
            "mean": round(statistics.mean(timings), 1) if timings else None,
            "p95": round(timings[int(0.95 * (len(timings) - 1))], 1) if timings else None,
        },
        "results": results,
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    model = newest_model(Path(argv[0]))
    texts = json.load(sys.stdin) if argv[1:] == ["-"] else argv[1:]
    logging.disable(logging.WARNING)
    output = asyncio.run(_parse_all(model, texts))
    print(json.dumps(output, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
