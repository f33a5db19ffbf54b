"""`python -m index show ...`: the structured knowledge as JSON or a readable table."""
import json
import sys

from core.text import fold
from index.plans.catalog import plan_standing
from index.plans.checks import plan_warnings
from index.plans.knowledge import Knowledge, load_knowledge

WHAT = ("facts", "duties", "documents", "plans", "warnings")


def _number(value: float) -> str:
    """22.69 → "22,69", 80.0 → "80": numbers as Vietnamese readers write them."""
    text = f"{value:g}" if value != int(value) else str(int(value))
    return text.replace(".", ",")


def _records(what: str, province: str | None) -> list[dict]:
    knowledge = load_knowledge()
    if what == "facts":
        rows = [r.as_dict() for r in knowledge.values]
    elif what == "duties":
        rows = [r.as_dict() for r in knowledge.duties]
    elif what == "documents":
        rows = [f.as_dict() for f in knowledge.document_facts]
    elif what == "warnings":
        rows = warning_rows(knowledge)
    else:
        catalog = tuple(plan.info for plan in knowledge.plans)
        rows = []
        for plan in knowledge.plans:
            standing = plan_standing(plan.info, catalog)
            rows.append(dict(plan.info.__dict__, document=plan.info.document, standing=standing.code,
                             superseded_by=standing.superseded_by.id if standing.superseded_by else ""))
    if province:
        rows = [row for row in rows if fold(row["province"]) == fold(province)]
    return rows


def warning_rows(knowledge: Knowledge) -> list[dict]:
    """[{plan, province, warning}] for every published plan (index/plans/checks.py)."""
    return [{"plan": plan.id, "province": plan.info.province, "warning": warning}
            for plan in knowledge.plans
            for warning in plan_warnings(plan, [v for v in knowledge.values if v.plan == plan.id])]


def _table(what: str, rows: list[dict]) -> str:
    if what == "facts":
        lines = [f"{'Tỉnh':<12} {'Loại':<9} {'Năm':<5} {'Chỉ tiêu':<40} Giá trị"]
        for r in rows:
            kind = "mục tiêu" if r["kind"] == "target" else "hiện trạng"
            value = f"{r['qualifier'] + ' ' if r['qualifier'] else ''}{_number(r['value'])}"
            if r["denominator"]:
                value += f"/{r['denominator']}"
            lines.append(f"{r['province']:<12} {kind:<9} {r['year'] or '':<5} "
                         f"{(r['indicator'] or '(chưa phân loại)'):<40} {value} {r['unit']}")
        return "\n".join(lines)
    if what == "duties":
        out = []
        for r in rows:
            out.append(f"{r['province']} — {r['agency_label']} ({r['agency']}), mục {r['section']}")
            for duty in r["duties"]:
                deadline = f"  [hạn: {'; '.join(duty['deadlines'])}]" if duty["deadlines"] else ""
                out.append(f"  • {duty['text'][:150]}{deadline}")
        return "\n".join(out)
    if what == "warnings":
        return "\n".join(f"{r['plan']:<12} {r['warning']}" for r in rows) or "(không có cảnh báo)"
    if what == "documents":
        return "\n".join(f"{r['province']:<12} {r['kind']:<12} {r['text'][:110]}" for r in rows)
    return "\n".join(f"{r['id']:<12} {r['province']:<12} {r['status']:<7} {r['standing']:<10} "
                     f"{r['number'] or '(chưa số)':<14} {r['date']:<11} {r['title']}" for r in rows)


def run(what: str, as_json: bool, province: str | None) -> int:
    knowledge = load_knowledge()
    for error in knowledge.errors:
        print(f"cảnh báo: {error}", file=sys.stderr)
    if what != "warnings":
        for row in warning_rows(knowledge):
            if not province or fold(row["province"]) == fold(province):
                print(f"cảnh báo: {row['plan']}: {row['warning']}", file=sys.stderr)
    rows = _records(what, province)
    if as_json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print(_table(what, rows))
    return 0
