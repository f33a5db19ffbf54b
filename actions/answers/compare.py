"""Comparisons across provinces, ranked from the structured values."""
from collections import Counter

from actions import knowledge_base as kb
from actions.answers.values import format_value, wanted_kind
from actions.reply import Reply, record_source, short_section
from actions.understanding import Question
from core.vocabulary import indicator_by_id


def _year_to_compare(records, asked: list[int]) -> int | None:
    """The year asked for, else the horizon most plans share (2025)."""
    if asked:
        return asked[0]
    years = Counter(r.year for r in records if r.year)
    return years.most_common(1)[0][0] if years else None


def answer_compare(question: Question, plan_ids: tuple[str, ...]) -> Reply | None:
    if not question.indicators:
        return None
    indicator = question.indicators[0]
    kind = wanted_kind(question)
    records = [r for r in kb.plans().values if r.indicator == indicator and r.kind == kind and r.plan in plan_ids]
    year = _year_to_compare(records, question.years) if kind == "target" else None
    if year:
        records = [r for r in records if r.year == year]
    best_per_plan = {}
    for record in records:                  # one value per plan: the first the plan states
        best_per_plan.setdefault(record.plan, record)
    ranked = sorted(best_per_plan.values(), key=lambda r: -r.value)
    name = indicator_by_id(indicator).name
    what = f"mục tiêu {name.lower()}" + (f" năm {year}" if year else "") if kind == "target" \
        else f"hiện trạng {name.lower()}"
    if not ranked:
        return Reply("compare", f"Không kế hoạch nào nêu {what}.", context=_context(question, kind))
    lines = [f"{i}. {r.province}: {format_value(r)}" for i, r in enumerate(ranked, 1)]
    missing = [p.info.province for p in kb.plans().plans if p.id in plan_ids and p.id not in best_per_plan]
    text = f"So sánh {what}, từ cao đến thấp:\n" + "\n".join(lines)
    if len(ranked) > 1:
        top = [r.province for r in ranked if r.value == ranked[0].value]
        text += f"\nCao nhất: {', '.join(top)} ({format_value(ranked[0])})."
    if missing:
        text += f"\nKhông nêu chỉ tiêu này: {', '.join(missing)}."
    table = {"columns": ["Tỉnh", "Giá trị", "Năm", "Nguồn"],
             "rows": [[r.province, format_value(r), r.year or "hiện trạng", short_section(r.section)] for r in ranked]}
    return Reply("compare", text, [record_source(r) for r in ranked], table=table,
                 context=_context(question, kind))


def _context(question: Question, kind: str) -> dict:
    return {"intent": "ask_compare", "indicators": question.indicators, "years": question.years, "kind": kind}
