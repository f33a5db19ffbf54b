"""Targets (mục tiêu) and current status (hiện trạng) of one or more plans."""
from actions import knowledge_base as kb
from actions.answers import retrieval
from actions.answers.places import plan_label, plan_reference
from actions.reply import Reply, number_text, record_source, short_section
from actions.understanding import Question
from index.plans.values import ValueRecord
from core.vocabulary import indicator_by_id

_LONG_LABEL = 90      # a prose clause, not a label: show the indicator's name instead


def format_value(record: ValueRecord) -> str:
    number = number_text(record.value)
    if record.denominator:
        number += f"/{record.denominator}"
    unit = record.unit
    text = f"{number}%" if unit == "%" else f"{number} {unit}"
    return f"{record.qualifier} {text}".strip()


def label_of(record: ValueRecord) -> str:
    label = record.label if len(record.label) <= _LONG_LABEL else indicator_by_id(record.indicator).name
    return label[:1].upper() + label[1:]


def value_line(record: ValueRecord) -> str:
    when = f"năm {record.year}" if record.year else "hiện trạng"
    return f"{label_of(record)}: {format_value(record)} ({when})"


def _records(plan_ids, indicators, kind=None) -> list[ValueRecord]:
    return [r for r in kb.plans().values
            if r.plan in plan_ids and r.indicator in indicators and (kind is None or r.kind == kind)]


def wanted_kind(question: Question) -> str:
    if question.intent == "ask_status" and not question.wants("target"):
        return "status"
    if question.wants("status") and not question.wants("target"):
        return "status"
    return "target"


MAX_SUMMARY_LINES = 14


def summary(question: Question, plan_ids: tuple[str, ...]) -> Reply | None:
    """"Các mục tiêu của Tiền Giang?": every target (or status value) of the plan."""
    kind = wanted_kind(question)
    records = [r for r in kb.plans().values if r.plan in plan_ids and r.kind == kind]
    if question.years:
        records = [r for r in records if r.year in question.years] or records
    if not records or len(plan_ids) > 1:
        return None
    shown = records[:MAX_SUMMARY_LINES]
    text = _text(shown, kind, [])
    if len(records) > len(shown):
        text += f"\n(Còn {len(records) - len(shown)} chỉ tiêu khác; bạn có thể hỏi riêng từng chỉ tiêu.)"
    return Reply(kind, text, [record_source(r) for r in shown], context=_context(question, plan_ids, kind))


def answer_values(question: Question, plan_ids: tuple[str, ...]) -> Reply | None:
    """None when nothing structured answers the question (the caller then searches)."""
    if not question.indicators:
        asks_for_list = question.wants("target") or question.wants("status") or question.intent == "ask_status"
        return summary(question, plan_ids) if asks_for_list and not question.topic_words() else None
    kind = wanted_kind(question)
    records = _records(plan_ids, question.indicators, kind)
    notes = []
    if not records:
        other = "target" if kind == "status" else "status"
        records = _records(plan_ids, question.indicators, other)
        if records:
            notes.append("Kế hoạch không nêu mục tiêu cho chỉ tiêu này; dưới đây là số liệu hiện trạng."
                         if kind == "target" else
                         "Kế hoạch không nêu số liệu hiện trạng của chỉ tiêu này; dưới đây là mục tiêu.")
            kind = other
    if records and question.years and kind == "target":
        in_years = [r for r in records if r.year in question.years]
        if not in_years:
            years = ", ".join(str(y) for y in sorted({r.year for r in records if r.year}))
            notes.append(f"Kế hoạch không đặt mục tiêu cho năm {', '.join(map(str, question.years))}; "
                         f"mục tiêu có trong kế hoạch là của năm {years}.")
        else:
            records = in_years
    names = ", ".join(indicator_by_id(i).name.lower() for i in question.indicators)
    if not records:
        labels = " và ".join(plan_label(p) for p in plan_ids)
        text = f"Kế hoạch của {labels} không nêu chỉ tiêu về {names}."
        # The indicator may be read loosely from the question: quote what the plan does
        # say on it, when the search finds a reliable passage.
        passage = retrieval.answer_search(question, plan_ids)
        if passage.kind == "search":
            passage.text = f"{text} Nội dung liên quan trong kế hoạch:\n{passage.text}"
            return passage
        return Reply(kind, text, [], context=_context(question, plan_ids, kind))
    return Reply(kind, _text(records, kind, notes), [record_source(r) for r in records],
                 context=_context(question, plan_ids, kind))


def _text(records: list[ValueRecord], kind: str, notes: list[str]) -> str:
    blocks = []
    for plan_id in dict.fromkeys(r.plan for r in records):
        mine = sorted((r for r in records if r.plan == plan_id), key=lambda r: (r.year or 0, r.line))
        heading = ("Mục tiêu" if kind == "target" else "Hiện trạng (số liệu khi lập kế hoạch)") + \
            f" theo {plan_reference(plan_id)}:"
        lines = [f"• {value_line(r)}" for r in mine]
        sources = ", ".join(dict.fromkeys(short_section(r.section) for r in mine))
        blocks.append("\n".join([heading, *lines, f"Nguồn: {sources}."]))
    return "\n\n".join(notes + blocks)


def _context(question: Question, plan_ids, kind: str) -> dict:
    return {"intent": "ask_status" if kind == "status" else "ask_target", "plan_ids": list(plan_ids),
            "indicators": question.indicators, "years": question.years}
