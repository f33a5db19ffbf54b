"""Comparisons across provinces, ranked from the structured values; without an
indicator, a table of the indicators the plans share. The words are responses in
domain/responses/plans.yml."""
from collections import Counter

from actions import knowledge_base as kb
from actions.answers.values import format_value, wanted_kind
from actions.phrases import buttons, say
from actions.reply import Reply, cite, record_source
from actions.understanding import Question
from core.vocabulary import indicator_by_id

# The ranked table's column headers (responses in domain/responses/plans.yml).
TABLE_COLUMNS = ("utter_province_column", "utter_value_column", "utter_year_column", "utter_source_column")
MIN_SHARED_PLANS = 3     # an indicator in the "all indicators" table: set by this many plans


def _year_to_compare(records, asked: list[int]) -> int | None:
    """The year asked for, else the horizon most plans share (2025)."""
    if asked:
        return asked[0]
    years = Counter(r.year for r in records if r.year)
    return years.most_common(1)[0][0] if years else None


def _one_per_plan(indicator: str, kind: str, plan_ids, years: list[int]) -> tuple[dict, int | None]:
    """{plan id: the first value the plan states} for one indicator, and the year compared."""
    records = [r for r in kb.plans().values if r.indicator == indicator and r.kind == kind and r.plan in plan_ids]
    year = _year_to_compare(records, years) if kind == "target" else None
    if year:
        records = [r for r in records if r.year == year]
    per_plan: dict = {}
    for record in records:
        per_plan.setdefault(record.plan, record)
    return per_plan, year


def answer_compare(question: Question, plan_ids: tuple[str, ...]) -> Reply | None:
    """One indicator ranked across `plan_ids`; None when the question names no indicator."""
    if not question.indicators:
        return None
    indicator = question.indicators[0]
    kind = "status" if wanted_kind(question) == "status" else "target"
    best_per_plan, year = _one_per_plan(indicator, kind, plan_ids, question.years)
    ranked = sorted(best_per_plan.values(), key=lambda r: -r.value)
    name = indicator_by_id(indicator).name.lower()
    when = f" {say('utter_compare_year', year=year)}" if year else ""
    what = say("utter_compare_what_target", indicator=name, year=when) if kind == "target" \
        else say("utter_compare_what_status", indicator=name)
    context = _context(question, kind, plan_ids)
    if not ranked:
        return Reply("compare", say("utter_compare_none", what=what), context=context)
    lines = [f"{i}. {r.province}: {format_value(r)}" for i, r in enumerate(ranked, 1)]
    missing = [kb.province_of(p) for p in plan_ids if p not in best_per_plan]
    text = say("utter_compare_heading", what=what) + "\n" + "\n".join(lines)
    if len(ranked) > 1:
        # "tỉnh nào thấp nhất?" names the lowest; any other comparison the highest.
        end, response = (ranked[-1], "utter_compare_bottom") if question.wants("lowest") else (ranked[0], "utter_compare_top")
        ends = [r.province for r in ranked if r.value == end.value]
        text += "\n" + say(response, provinces=", ".join(ends), value=format_value(end))
    if missing:
        text += "\n" + say("utter_compare_missing", provinces=", ".join(missing))
    table = {"columns": [say(column) for column in TABLE_COLUMNS],
             "rows": [[r.province, format_value(r), r.year or say("utter_value_now"), cite(r)]
                      for r in ranked]}
    return Reply("compare", text, [record_source(r) for r in ranked], table=table, context=context)


def shared_table(question: Question, plan_ids: tuple[str, ...]) -> Reply:
    """"So sánh tất cả chỉ tiêu của 5 tỉnh": the targets that at least MIN_SHARED_PLANS
    plans set, one row per indicator and one column per plan, in the most common year;
    buttons to compare one of them."""
    kind = "status" if wanted_kind(question) == "status" else "target"
    counts = Counter(r.indicator for r in {(r.indicator, r.plan): r for r in kb.plans().values
                                           if r.kind == kind and r.plan in plan_ids}.values())
    shared = [i for i, n in counts.most_common() if n >= min(MIN_SHARED_PLANS, len(plan_ids))]
    provinces = [kb.province_of(p) for p in plan_ids]
    rows, sources = [], []
    for indicator in shared:
        per_plan, year = _one_per_plan(indicator, kind, plan_ids, question.years)
        label = indicator_by_id(indicator).name + (f" ({year})" if year else "")
        rows.append([label, *(format_value(per_plan[p]) if p in per_plan else "—" for p in plan_ids)])
        sources += [record_source(r) for r in per_plan.values()][:1]
    lines = [f"• {row[0]}: " + "; ".join(f"{province} {value}" for province, value in zip(provinces, row[1:]))
             for row in rows]
    text = say("utter_compare_shared_heading", count=len(rows)) + "\n" + "\n".join(lines)
    choices = [{"title": indicator_by_id(i).name[:60],
                "payload": say("utter_compare_one_payload", indicator=indicator_by_id(i).name.lower())}
               for i in shared[:4]]
    return Reply("compare", text, sources, buttons=choices or buttons("utter_examples"),
                 table={"columns": [say("utter_indicator_column"), *provinces], "rows": rows},
                 context={"intent": "ask_compare", "compare_plans": list(plan_ids), "kind": kind,
                          "indicators": [], "years": question.years})


def _context(question: Question, kind: str, plan_ids) -> dict:
    return {"intent": "ask_compare", "indicators": question.indicators, "years": question.years, "kind": kind,
            "compare_plans": list(plan_ids)}
