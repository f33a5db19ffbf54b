"""Targets (mục tiêu) and current status (hiện trạng) of one or more plans; both, when
the question asks for neither ("tỷ lệ hộ có cáp quang Tuyên Quang"). The words are
responses in domain/responses/plans.yml."""
import re
from dataclasses import replace

from actions import knowledge_base as kb
from actions.answers import retrieval
from actions.answers.places import plan_label, plan_reference
from actions.phrases import say
from actions.reply import Reply, cite, number_text, record_source
from actions.understanding import Question
from index.plans import ValueRecord, best_matches, share, value_words
from core.vocabulary import indicator_by_id

_LONG_LABEL = 90      # a prose clause, not a label: show the indicator's name instead
_LONG_SENTENCE = 240  # a sentence that states its value is quoted up to this length


def format_value(record: ValueRecord) -> str:
    number = number_text(record.value)
    if record.denominator:
        number += f"/{record.denominator}"
    unit = record.unit
    text = f"{number}%" if unit == "%" else f"{number} {unit}"
    return f"{record.qualifier} {text}".strip()


def label_of(record: ValueRecord) -> str:
    """The plan's label; a prose clause gives way to the indicator's name, or is cut at a
    word when the value has no canonical indicator."""
    label = record.label
    if len(label) > _LONG_LABEL:
        label = indicator_by_id(record.indicator).name if record.indicator else \
            label[:_LONG_LABEL].rsplit(" ", 1)[0] + " …"
    return label[:1].upper() + label[1:]


def states_value(record: ValueRecord) -> bool:
    """Whether the record's label is the plan's sentence with the value inside it ("5G
    phủ sóng 100% dân số các khu vực có nhu cầu sử dụng"): the words after the number
    may narrow it, so the sentence is quoted rather than the indicator's name."""
    number = re.escape(number_text(record.value)).replace(r"\.", r"[.,]?")
    unit = r"\s?%" if record.unit == "%" else r"\s?Mb"
    return re.search(rf"(?<![\d.,]){number}{unit}", record.label) is not None


def value_line(record: ValueRecord) -> str:
    """One bullet: the plan's label and the value, or the plan's sentence when it states
    the value itself (at most _LONG_SENTENCE characters), with the year or "hiện trạng"."""
    when = say("utter_value_year", year=record.year) if record.year else say("utter_value_now")
    if states_value(record) and len(record.label) <= _LONG_SENTENCE:
        sentence = record.label[:1].upper() + record.label[1:]
        return say("utter_value_sentence", sentence=sentence, when=when)
    return say("utter_value_line", label=label_of(record), value=format_value(record), when=when)


def _records(plan_ids, indicators, kind=None) -> list[ValueRecord]:
    return [r for r in kb.plans().values
            if r.plan in plan_ids and r.indicator in indicators and (kind is None or r.kind == kind)]


def phrase_records(question: Question, plan_ids, kind: str | None = None,
                   unlinked: bool = False) -> list[ValueRecord]:
    """The values of the plans whose own phrase holds most of the question's topic words
    (index/plans/phrases.py): every stated target is reachable, known to the vocabulary
    or not. Within one plan, `kind` when given and some record has it. `unlinked`: only
    values with no canonical indicator (when the question names an indicator, a value
    linked to another one is another indicator, however many words they share)."""
    records = [r for r in kb.plans().values if r.plan in plan_ids and not (unlinked and r.indicator)]
    found = best_matches(question.topic_words(), records, value_words)
    if kind in ("target", "status") and any(r.kind == kind for r in found):
        found = [r for r in found if r.kind == kind]
    if question.years:
        found = [r for r in found if r.year in question.years or r.kind == "status"] or found
    return found


def wanted_kind(question: Question) -> str:
    """target | status | both. "both" for a value question that says neither (no
    "mục tiêu", "hiện nay" or year): the plan's status and target in one answer."""
    if question.kind:
        return question.kind
    asked = question.kind_asked()
    if asked:
        return asked
    return "both" if question.intent in ("ask_target", "ask_status") else "target"


MAX_SUMMARY_LINES = 14


def summary(question: Question, plan_ids: tuple[str, ...]) -> Reply | None:
    """"Các mục tiêu của Tiền Giang?": every target (or status value) of the plan."""
    kind = "status" if wanted_kind(question) == "status" or (
        question.intent == "ask_status" and not question.wants("target")) else "target"
    records = [r for r in kb.plans().values if r.plan in plan_ids and r.kind == kind]
    if question.years:
        records = [r for r in records if r.year in question.years] or records
    if not records or len(plan_ids) > 1:
        return None
    shown = records[:MAX_SUMMARY_LINES]
    text = _text(shown, kind, [])
    if len(records) > len(shown):
        text += "\n" + say("utter_more_indicators", count=len(records) - len(shown))
    return Reply(kind, text, [record_source(r) for r in shown], context=_context(question, plan_ids, kind))


def answer_values(question: Question, plan_ids: tuple[str, ...]) -> Reply | None:
    """None when nothing structured answers the question (the caller then searches)."""
    if not question.indicators:
        asks_for_list = question.wants("target") or question.wants("status") or question.intent == "ask_status"
        if asks_for_list and not question.topic_words():
            return summary(question, plan_ids)
        return _phrase_answer(question, plan_ids)
    kind = wanted_kind(question)
    if kind == "both":
        return _both(question, plan_ids)
    records = _records(plan_ids, question.indicators, kind)
    notes = []
    if not records:
        other = "target" if kind == "status" else "status"
        records = _records(plan_ids, question.indicators, other)
        if records:
            notes.append(say("utter_no_target_but_status" if kind == "target" else "utter_no_status_but_target"))
            kind = other
    if records and question.years and kind == "target":
        in_years = [r for r in records if r.year in question.years]
        if not in_years:
            years = ", ".join(str(y) for y in sorted({r.year for r in records if r.year}))
            notes.append(say("utter_no_target_for_year", asked=", ".join(map(str, question.years)), years=years))
        else:
            records = in_years
    if not records:
        return _not_in_plan(question, plan_ids, kind)
    # The plan's own words may name the asked value better than the vocabulary's link
    # ("thí điểm mạng 5G dùng riêng cho bao nhiêu nhà máy?" names no 5G coverage).
    stated = phrase_records(question, plan_ids, kind, unlinked=True)
    topic = question.topic_words()
    if stated and not set(map(id, stated)) & set(map(id, records)) and \
            share(topic, stated[0], value_words) > max(share(topic, r, value_words) for r in records):
        kind = "status" if all(r.kind == "status" for r in stated) else "target"
        records, notes = stated, []
    return Reply(kind, _text(records, kind, notes), [record_source(r) for r in records],
                 context=_context(question, plan_ids, kind))


def _phrase_answer(question: Question, plan_ids, notes: list[str] | None = None) -> Reply | None:
    """The plan's values reached by their own words, or None."""
    asked = wanted_kind(question)
    records = phrase_records(question, plan_ids, asked if asked in ("target", "status") else None,
                             unlinked=bool(question.indicators))
    if not records:
        return None
    kind = "status" if all(r.kind == "status" for r in records) else "target"
    return Reply(kind, _text(records, kind, notes or []), [record_source(r) for r in records],
                 context=_context(question, plan_ids, kind))


def _not_in_plan(question: Question, plan_ids, kind: str) -> Reply:
    # A stated target is never denied: the plan's own phrase may name what the
    # vocabulary does not link to the asked indicator.
    stated = _phrase_answer(question, plan_ids)
    if stated is not None:
        return stated
    names = ", ".join(indicator_by_id(i).name.lower() for i in question.indicators)
    labels = " và ".join(plan_label(p) for p in plan_ids)
    text = say("utter_indicator_not_in_plan", plans=labels, names=names)
    # The indicator may be read loosely from the question: quote what the plan does
    # say on it, when the search finds a reliable passage.
    passage = retrieval.answer_search(question, plan_ids)
    if passage.kind == "search":
        passage.text = say("utter_related_passage", lead=text, passage=passage.text)
        return passage
    return Reply(kind if kind != "both" else "target", text, [], context=_context(question, plan_ids, kind))


def _both(question: Question, plan_ids) -> Reply:
    """Status first, then the targets of the asked years (all years when none)."""
    status = _records(plan_ids, question.indicators, "status")
    targets = _records(plan_ids, question.indicators, "target")
    if not status or not targets:
        kind = "status" if status else "target"
        return answer_values(replace(question, kind=kind), plan_ids) if (status or targets) else \
            _not_in_plan(question, plan_ids, "target")
    text = "\n\n".join([_text(status, "status", []), _text(targets, "target", [])])
    records = status + targets
    return Reply("target", text, [record_source(r) for r in records],
                 context=_context(question, plan_ids, "both"))


def _text(records: list[ValueRecord], kind: str, notes: list[str]) -> str:
    blocks = []
    for plan_id in dict.fromkeys(r.plan for r in records):
        mine = sorted((r for r in records if r.plan == plan_id), key=lambda r: (r.year or 0, r.line))
        heading = say("utter_targets_heading" if kind == "target" else "utter_status_heading",
                      plan=plan_reference(plan_id))
        lines = [f"• {value_line(r)}" for r in mine]
        sources = ", ".join(dict.fromkeys(cite(r) for r in mine))
        blocks.append("\n".join([heading, *lines, say("utter_sources_line", sections=sources)]))
    return "\n\n".join(notes + blocks)


def _context(question: Question, plan_ids, kind: str) -> dict:
    return {"intent": "ask_status" if kind == "status" else "ask_target", "plan_ids": list(plan_ids),
            "indicators": question.indicators, "years": question.years, "kind": kind}
