"""Summarise a `rasa test nlu --cross-validation --successes` output directory.

    python -m nlu.cv_report ~/.cache/hatangso/nlu-cv/<hash>            # stdlib only, either venv
    python -m nlu.cv_report ~/.cache/hatangso/nlu-cv/<hash> --errors   # also list misclassified

Prints intent F1 (weighted and per intent), the confusion pairs, entity F1 per entity
(DIETClassifier and RegexEntityExtractor), and the intent-confidence distribution of
correct and wrong predictions with the weighted F1 that each FallbackClassifier
threshold would give (a prediction below the threshold becomes nlu_fallback, which is
wrong for every labelled example). `rasa test nlu` reverts the FallbackClassifier's
predictions before scoring, so the confidences in a CV directory are the raw ones of
the intent classifier even when config.yml has a fallback; this table is how the
threshold in config.yml was chosen.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def weighted_f1(pairs: list[tuple[str, str]]) -> float:
    """Weighted F1 over gold labels for (gold, predicted) pairs."""
    gold_counts = Counter(g for g, _ in pairs)
    pred_counts = Counter(p for _, p in pairs)
    hits = Counter(g for g, p in pairs if g == p)
    total = sum(gold_counts.values())
    score = 0.0
    for label, support in gold_counts.items():
        precision = hits[label] / pred_counts[label] if pred_counts[label] else 0.0
        recall = hits[label] / support
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        score += f1 * support / total
    return score


def quantiles(values: list[float], qs=(0.05, 0.1, 0.25, 0.5)) -> list[float]:
    values = sorted(values)
    if not values:
        return [float("nan")] * len(qs)
    return [values[min(len(values) - 1, int(q * len(values)))] for q in qs]


def threshold_table(successes, errors, thresholds) -> list[dict]:
    predictions = [(s["intent"], s["intent_prediction"]["name"], s["intent_prediction"]["confidence"])
                   for s in successes + errors]
    rows = []
    for t in thresholds:
        pairs = [(g, p if c >= t else "nlu_fallback") for g, p, c in predictions]
        correct_lost = sum(1 for g, p, c in predictions if g == p and c < t)
        wrong_caught = sum(1 for g, p, c in predictions if g != p and c < t)
        rows.append({
            "threshold": t,
            "weighted_f1": round(weighted_f1(pairs), 4),
            "correct_to_fallback": correct_lost,
            "errors_to_fallback": wrong_caught,
            "errors_total": sum(1 for g, p, _ in predictions if g != p),
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--errors", action="store_true", help="list misclassified examples")
    args = parser.parse_args(argv)
    d = args.directory

    intents = _load(d / "intent_report.json")
    print(f"intent weighted F1 {intents['weighted avg']['f1-score']:.3f}  "
          f"accuracy {intents.get('accuracy', 0):.3f}")
    rows = sorted(((k, v) for k, v in intents.items() if isinstance(v, dict) and "confused_with" in v),
                  key=lambda kv: kv[1]["f1-score"])
    for name, v in rows:
        print(f"  {name:18} F1 {v['f1-score']:.3f}  P {v['precision']:.3f}  R {v['recall']:.3f}  "
              f"n={v['support']:<4} confused with {v['confused_with']}")

    for extractor in ("DIETClassifier", "RegexEntityExtractor"):
        report = _load(d / f"{extractor}_report.json")
        if report:
            per = ", ".join(f"{k} {v['f1-score']:.3f} (n={v['support']})" for k, v in report.items()
                            if isinstance(v, dict) and "avg" not in k)
            print(f"entities {extractor}: weighted F1 {report['weighted avg']['f1-score']:.3f}; {per}")

    successes = _load(d / "intent_successes.json") or []
    errors = _load(d / "intent_errors.json") or []
    if successes:
        ok = [s["intent_prediction"]["confidence"] for s in successes]
        bad = [e["intent_prediction"]["confidence"] for e in errors]
        fmt = lambda qs: " ".join(f"{q:.2f}" for q in qs)  # noqa: E731
        print(f"confidence quantiles 5/10/25/50%: correct {fmt(quantiles(ok))} (n={len(ok)}); "
              f"wrong {fmt(quantiles(bad))} (n={len(bad)})")
        print("threshold  weighted-F1  correct→fallback  errors→fallback")
        for row in threshold_table(successes, errors, [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]):
            print(f"  {row['threshold']:.1f}      {row['weighted_f1']:.3f}        "
                  f"{row['correct_to_fallback']:4}              "
                  f"{row['errors_to_fallback']:4}/{row['errors_total']}")
    if args.errors:
        pairs = defaultdict(list)
        for e in errors:
            pairs[(e["intent"], e["intent_prediction"]["name"])].append(e)
        for (gold, pred), items in sorted(pairs.items(), key=lambda kv: -len(kv[1])):
            for e in items:
                print(f"  {gold:16} → {pred:16} {e['intent_prediction']['confidence']:.2f}  {e['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
