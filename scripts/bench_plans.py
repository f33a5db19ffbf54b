"""How well the plan reader reads plans of other shapes: per plan, recall and precision of
the target and status values (value + year + indicator phrase) and of the bodies given
duties, deadlines found, and header fields right, against hand-written gold.

    python -m scripts.bench_plans [DIR ...] [--gold GOLD_DIR] [--json]

Each DIR holds plan files (.txt, .docx, .pdf); a plan's gold is DIR/gold/<name>.yml, else
GOLD_DIR/<name>.yml. Defaults: /work/real_plans (real plans gathered from public pages,
kept outside the repository; skipped when absent) and ../shared/plans_other (read in
place), gold in /work/real_plans/gold. The CI shapes are tests/plans_shapes (own plans
written in the shapes found, gold beside them). Gold format: /work/real_plans/gold/
README.md and tests/plans_shapes/gold/*.yml:
    header: {province, title, number, date, status, signer, issuer, commune, kind}
    values: [[kind, year, value, unit, "indicator phrase"], ...]
    duties: [[body, [deadline, ...]], ...]

Matching: a value is found when a record has the same kind, year and value and its label
holds at least PHRASE_COVERAGE of the gold phrase's words (folded); each record matches at
most one gold row. A body is found when a record's name equals it or contains it (folded,
"Ủy ban nhân dân" = "UBND", "các" ignored). Titles compare folded; other header fields
exactly. Leading "# source:" / "# note:" lines of a copy are blanked before reading.
"""
import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.settings import PROJECT_ROOT
from core.text import fold
from index.plans.catalog import PlanInfo
from index.plans.document_header import propose_catalog, read_header
from index.plans.duties import extract_duties
from index.plans.readers import PlanParseError, read_document
from index.plans.sections import parse_plan
from index.plans.values import extract_values

REAL_PLANS = Path("/work/real_plans")
OTHER_PLANS = PROJECT_ROOT.parent / "shared" / "plans_other"
DEFAULT_GOLD = REAL_PLANS / "gold"
PHRASE_COVERAGE = 0.7
SUFFIXES = (".txt", ".docx", ".pdf")


@dataclass
class PlanScore:
    plan: str
    values_gold: int = 0
    values_read: int = 0
    values_right: int = 0
    bodies_gold: int = 0
    bodies_read: int = 0
    bodies_right: int = 0
    deadlines_gold: int = 0
    deadlines_right: int = 0
    header_gold: int = 0
    header_right: int = 0
    error: str = ""
    missed: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    wrong_header: dict = field(default_factory=dict)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


def _coverage(phrase: str, label: str) -> float:
    wanted = _words(phrase)
    return len(wanted & _words(label)) / len(wanted) if wanted else 1.0


def _body_key(name: str) -> str:
    text = " ".join(re.findall(r"\w+", fold(name)))
    text = re.sub(r"\buy ban nhan dan\b", "ubnd", text)
    return " ".join(word for word in text.split() if word != "cac")


def _same_body(gold: str, read: str) -> bool:
    a, b = _body_key(gold), _body_key(read)
    return a == b or f" {a} " in f" {b} " or f" {b} " in f" {a} "


def _text_of(path: Path) -> tuple[str, list[int]]:
    """The document's text with the leading "# source:" / "# note:" lines blanked."""
    document = read_document(path, cache=False)
    lines = document.text.split("\n")
    for index, line in enumerate(lines[:3]):
        if line.startswith(("# source:", "# note:")):
            lines[index] = ""
    return "\n".join(lines), document.pages


def gold_for(path: Path, gold_dir: Path | None) -> dict | None:
    for folder in (path.parent / "gold", gold_dir):
        if folder is not None and (folder / f"{path.stem}.yml").exists():
            return yaml.safe_load((folder / f"{path.stem}.yml").read_text(encoding="utf-8"))
    return None


def score_plan(path: Path, gold: dict) -> PlanScore:
    score = PlanScore(path.stem)
    gold_values = gold.get("values") or []
    gold_duties = gold.get("duties") or []
    gold_header = gold.get("header") or {}
    score.values_gold, score.bodies_gold, score.header_gold = len(gold_values), len(gold_duties), len(gold_header)
    score.deadlines_gold = sum(len(deadlines) for _, deadlines in gold_duties)
    text, pages = _text_of(path)
    fields = propose_catalog(text, path.name)
    fields["id"] = fields["id"] or path.stem
    found_header = {**fields, **read_header(text)}
    for key, expected in gold_header.items():
        got = found_header.get(key, "")
        right = fold(got) == fold(expected or "") if key == "title" else (got or "") == (expected or "")
        score.header_right += right
        if not right:
            score.wrong_header[key] = [expected, got]
    try:
        plan = parse_plan(text, PlanInfo(**fields), pages)
    except PlanParseError as error:
        score.error = str(error)
        score.missed = gold_values
        return score
    values = extract_values(plan)
    duties = extract_duties(plan)
    score.values_read = len(values)
    used: set[int] = set()
    for row in gold_values:
        kind, year, value, _unit, phrase = row
        match = next((i for i, record in enumerate(values) if i not in used and record.kind == kind
                      and record.year == year and abs(record.value - float(value)) < 1e-6
                      and _coverage(phrase, record.label) >= PHRASE_COVERAGE), None)
        if match is None:
            score.missed.append(row)
        else:
            used.add(match)
    score.values_right = len(used)
    score.extra = [[r.kind, r.year, r.value, r.unit, r.label[:80], r.line] for i, r in enumerate(values) if i not in used]
    labels = list(dict.fromkeys(record.agency_label for record in duties))
    score.bodies_read = len(labels)
    matched_labels: set[str] = set()
    for body, deadlines in gold_duties:
        label = next((label for label in labels if label not in matched_labels and _same_body(body, label)), None)
        if label is None:
            score.missed.append(["body", body])
            continue
        matched_labels.add(label)
        found = [d for record in duties if record.agency_label == label for duty in record.duties for d in duty.deadlines]
        for deadline in deadlines:
            if any(fold(deadline) in fold(d) or fold(d) in fold(deadline) for d in found):
                score.deadlines_right += 1
            else:
                score.missed.append(["deadline", body, deadline])
    score.bodies_right = len(matched_labels)
    score.extra += [["body", label] for label in labels if label not in matched_labels]
    return score


def plan_files(folders: list[Path]) -> list[Path]:
    return [path for folder in folders if folder.is_dir()
            for path in sorted(folder.iterdir()) if path.suffix.lower() in SUFFIXES]


def score_folders(folders: list[Path], gold_dir: Path | None = DEFAULT_GOLD) -> list[PlanScore]:
    """A score for every plan of `folders` that has gold (folders that do not exist are
    skipped)."""
    scores = []
    for path in plan_files(folders):
        gold = gold_for(path, gold_dir)
        if gold is not None:
            scores.append(score_plan(path, gold))
    return scores


def _share(right: int, total: int) -> str:
    return f"{right}/{total} ({right / total:.0%})" if total else "–"


def table(scores: list[PlanScore]) -> str:
    rows = ["| plan | values recall | values precision | bodies recall | bodies precision | deadlines | header |",
            "|---|---|---|---|---|---|---|"]
    total = PlanScore("**all**")
    for s in scores:
        rows.append(f"| {s.plan}{' (' + s.error[:40] + ')' if s.error else ''} | "
                    f"{_share(s.values_right, s.values_gold)} | {_share(s.values_right, s.values_read)} | "
                    f"{_share(s.bodies_right, s.bodies_gold)} | {_share(s.bodies_right, s.bodies_read)} | "
                    f"{_share(s.deadlines_right, s.deadlines_gold)} | {_share(s.header_right, s.header_gold)} |")
        for name in ("values_gold", "values_read", "values_right", "bodies_gold", "bodies_read", "bodies_right",
                     "deadlines_gold", "deadlines_right", "header_gold", "header_right"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
    rows.append(f"| **all** | {_share(total.values_right, total.values_gold)} | "
                f"{_share(total.values_right, total.values_read)} | {_share(total.bodies_right, total.bodies_gold)} | "
                f"{_share(total.bodies_right, total.bodies_read)} | "
                f"{_share(total.deadlines_right, total.deadlines_gold)} | "
                f"{_share(total.header_right, total.header_gold)} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[REAL_PLANS, OTHER_PLANS])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--details", action="store_true", help="list missed and extra values and bodies")
    args = parser.parse_args(argv)
    missing = [folder for folder in args.folders if not folder.is_dir()]
    for folder in missing:
        print(f"(bỏ qua: không có thư mục {folder})", file=sys.stderr)
    scores = score_folders(args.folders, args.gold)
    if args.json:
        print(json.dumps([s.__dict__ for s in scores], ensure_ascii=False, indent=1))
        return 0
    print(table(scores))
    if args.details:
        for s in scores:
            if s.missed or s.extra or s.wrong_header:
                print(f"\n{s.plan}:")
                for row in s.missed:
                    print(f"  missed {row}")
                for row in s.extra:
                    print(f"  extra  {row}")
                for key, (expected, got) in s.wrong_header.items():
                    print(f"  header {key}: expected {expected!r}, read {got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
