"""Calibrate the retrieval threshold below which the assistant says it found nothing
reliable (settings.yml: search.min_dense, search.min_coverage).

In-scope: the retrieval question set (tests/retrieval/questions.yml), whose best hit
should be quoted. Out of scope: tests/retrieval/out_of_scope.yml, whose best hit must
not be. A hit is accepted when its dense cosine >= min_dense AND its keyword coverage (the
share of the question's keyword weight found in the passage, index/retrieval/bm25.py) >=
min_coverage. The grid search keeps the pair that accepts the most in-scope questions
while accepting at most MAX_FALSE_ACCEPT of the out-of-scope ones (a wrong quote is
worse than "I don't know").

    .venv/bin/python -m scripts.calibrate_fallback [--write]
"""
import argparse
import re
import sys
from pathlib import Path

import numpy as np
import yaml

from index.retrieval.search import load_searcher

ROOT = Path(__file__).resolve().parent.parent

MAX_FALSE_ACCEPT = 0.05


def top_hits(searcher, questions: list[str]) -> np.ndarray:
    """(dense, coverage) of the best hit of each question; a question with no hit at all
    (e.g. it names a province without a plan) scores (-1, 0)."""
    rows = []
    for question in questions:
        hits = searcher.search(question, k=1)
        rows.append((hits[0].dense, hits[0].coverage) if hits else (-1.0, 0.0))
    return np.array(rows)


def accept_rate(scores: np.ndarray, min_dense: float, min_coverage: float) -> float:
    return float(np.mean((scores[:, 0] >= min_dense) & (scores[:, 1] >= min_coverage)))


def calibrate(inside: np.ndarray, outside: np.ndarray) -> dict:
    best = None
    for min_dense in np.arange(0.78, 0.90, 0.0025):
        for min_coverage in np.arange(0.0, 0.8, 0.01):
            false_accept = accept_rate(outside, min_dense, min_coverage)
            if false_accept > MAX_FALSE_ACCEPT:
                continue
            true_accept = accept_rate(inside, min_dense, min_coverage)
            key = (true_accept, -false_accept)
            if best is None or key > best["key"]:
                best = {"key": key, "min_dense": round(float(min_dense), 4),
                        "min_coverage": round(float(min_coverage), 2),
                        "in_scope_accepted": round(true_accept, 3), "out_of_scope_accepted": round(false_accept, 3)}
    best.pop("key")
    return best


def write_settings(result: dict) -> None:
    path = ROOT / "settings.yml"
    text = path.read_text(encoding="utf-8")
    for key in ("min_dense", "min_coverage"):
        text = re.sub(rf"(\n  {key}: )[0-9.]+", rf"\g<1>{result[key]}", text)
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the thresholds in settings.yml")
    args = parser.parse_args()
    searcher = load_searcher()
    inside_questions = [item["q"] for item in yaml.safe_load((ROOT / "tests/retrieval/questions.yml").read_text())]
    outside_questions = yaml.safe_load((ROOT / "tests/retrieval/out_of_scope.yml").read_text())["questions"]
    result = calibrate(top_hits(searcher, inside_questions), top_hits(searcher, outside_questions))
    print(f"{len(inside_questions)} in-scope and {len(outside_questions)} out-of-scope questions: {result}")
    if args.write:
        write_settings(result)
        print("written to settings.yml (search.min_dense, search.min_coverage)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
