"""Measure the answer-unit chooser on tests/citizen_questions.yml and calibrate its
acceptance threshold (data/knowledge/answer_units.yml meta.threshold).

In scope: questions with a unit; their best unit should be accepted (and be the right
one). Out of scope: questions marked `unit: null`; their best unit must not be accepted
(a neighbouring topic is worse than "I don't know"). A choice is accepted when its dense
cosine >= min_dense AND its keyword coverage >= min_coverage; the grid search keeps the
pairs that accept the most in-scope questions while accepting at most MAX_FALSE_ACCEPT
of the out-of-scope ones (the rule of scripts/calibrate_fallback.py), and takes the middle
of them.

    .venv/bin/python -m scripts.calibrate_units [--write]

Prints top-1 accuracy (right unit, or "no data" for the null questions), the threshold
and each failure.
"""
import argparse
import sys

import numpy as np
import yaml

from index.retrieval import load_unit_index
from core import knowledge
from core.settings import PROJECT_ROOT
from scripts.measure import best_threshold_pairs, write_thresholds

QUESTIONS = PROJECT_ROOT / "tests" / "citizen_questions.yml"
MAX_FALSE_ACCEPT = 0.05


def load_questions() -> list[dict]:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]


def top1_correct(choice, expected: str | None) -> bool:
    """Right unit accepted, or nothing accepted for a "no data" question."""
    if expected is None:
        return not choice.accepted
    return choice.accepted and choice.unit["id"] == expected


def calibrate(inside: np.ndarray, outside: np.ndarray) -> dict:
    """inside/outside: (n, 2) arrays of (dense, coverage) of each question's best unit.

    Among the best pairs of the grid (scripts/measure.py, best_threshold_pairs), the one
    in the middle of that region (median dense bound, then median coverage bound): the
    region's edges sit on single questions of this small set.
    Returns {min_dense, min_coverage, in_scope_accepted, out_of_scope_accepted}."""
    best = best_threshold_pairs(inside, outside, np.arange(0.80, 0.95, 0.0025),
                                np.arange(0.0, 0.9, 0.02), MAX_FALSE_ACCEPT)
    dense_values = sorted({pair["min_dense"] for pair in best})
    middle = [pair for pair in best if pair["min_dense"] == dense_values[len(dense_values) // 2]]
    return sorted(middle, key=lambda pair: pair["min_coverage"])[len(middle) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the threshold in answer_units.yml")
    args = parser.parse_args()
    index = load_unit_index()
    questions = load_questions()
    choices = [index.choose(item["q"]) for item in questions]
    # A question that names none of the subject words is never accepted: (-1, 0).
    features = [(c.dense, c.coverage) if index.names_subject(q["q"]) else (-1.0, 0.0)
                for c, q in zip(choices, questions)]
    inside = np.array([f for f, q in zip(features, questions) if q["unit"]])
    outside = np.array([f for f, q in zip(features, questions) if not q["unit"]])
    result = calibrate(inside, outside)
    print(f"{len(inside)} in-scope and {len(outside)} no-data questions; threshold: {result}")
    ranked_right = sum(c.unit["id"] == q["unit"] for c, q in zip(choices, questions) if q["unit"])
    print(f"best-ranked unit right (before the threshold): {ranked_right}/{len(inside)}")
    correct = sum(top1_correct(c, q["unit"]) for c, q in zip(choices, questions))
    print(f"top-1 with the current threshold ({index.min_dense}, {index.min_coverage}): "
          f"{correct}/{len(questions)} = {correct / len(questions):.1%}")
    for choice, item in zip(choices, questions):
        if not top1_correct(choice, item["unit"]):
            print(f"  FAIL {item['q']!r}: want {item['unit']}, got {choice.unit['id']} "
                  f"(dense {choice.dense}, coverage {choice.coverage}, accepted {choice.accepted})")
    if args.write:
        write_thresholds(knowledge.path("answer_units.yml"), 4,
                         {k: result[k] for k in ("min_dense", "min_coverage")})
        print("written to data/knowledge/answer_units.yml (meta.threshold)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
