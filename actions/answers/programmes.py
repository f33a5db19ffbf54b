"""Citizens' questions about the public telecom programmes, the 2G shutdown, coverage
requests and look-alike programmes, answered from one answer unit
(data/knowledge/answer_units.yml) chosen by index/retrieval/units.py.

The answer is the unit's own sentence(s) (at most three), the sentence saying that its
rule's period is over when the unit does not say so already, the unit's source, and
2–3 related units as quick-reply buttons. A coverage request also gets the coverage
targets of the province's plan when the province is known, and otherwise asks which
province. Below the chooser's threshold the answer is an honest "no data" with where to
ask today; never a neighbouring unit. The words are in domain/responses/programmes.yml.
"""
from datetime import date

from actions import knowledge_base as kb
from actions.answers.places import plan_label
from actions.phrases import say
from actions.reply import Reply, record_source
from actions.understanding import Question, recall_question
from core import regions
from index.retrieval import Choice, unit_source

MAX_RELATED = 3
MAX_TARGET_LINES = 3
# The units whose question, asked about the asker's own household, is the eligibility
# check ("nhà tôi có được nhận điện thoại không?" may rank "is there support now" first).
SMARTPHONE_UNITS = ("smartphone-who", "smartphone-conditions", "smartphone-amount", "smartphone-priority",
                    "smartphone-registration", "smartphone-once", "after-2025")


def as_date(value) -> date | None:
    """A YAML date, or "YYYY-MM-DD" / "YYYY-MM" / "YYYY" (end of that month or year)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 4:
        parts = [int(p) for p in value.split("-")]
        return date(parts[0], parts[1] if len(parts) > 1 else 12, parts[2] if len(parts) > 2 else 28)
    return None


def day_text(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def source_of(unit: dict) -> dict:
    """The unit's source as a reply source: {province: "", document, section, url}."""
    return record_source(unit_source(unit, {**kb.programmes()["sources"], **kb.units_data()["sources"]}))


def ended_note(unit: dict) -> str:
    """"Quy định này áp dụng đến hết ngày 31/12/2025, nay đã kết thúc." when the unit's
    period is over and its answer does not already say so; else ""."""
    until = as_date(unit.get("valid_until"))
    if until is None or until >= kb.today() or any(word in unit["answer"] for word in kb.units_data()["meta"]["ended_words"]):
        return ""
    return say("utter_programme_ended", until=day_text(until))


def unit_buttons(unit_ids) -> list[dict]:
    """Quick replies for units: the label as title, the first example question as the
    message sent (it comes back to the chooser as that unit's own wording)."""
    by_id = kb.unit_index().by_id
    return [{"title": by_id[i]["label"], "payload": by_id[i]["examples"][0]} for i in unit_ids if i in by_id]


def _coverage_lines(question: Question) -> tuple[list[str], list[dict], dict | None]:
    """A coverage request: the province plan's coverage targets (lines, sources), or a
    province question (buttons + the pending question for the follow-up)."""
    from actions.answers import values              # the plan answers; imported late (cycle)
    query = kb.units_data()["meta"]["coverage_query"]
    if question.plan_ids:
        # The coverage query is data, not the user's message: recalled, not read again.
        targets = values.answer_values(recall_question({"intent": "ask_target", "text": query}), question.plan_ids[:1])
        if targets is None:
            return [], [], None
        label = plan_label(question.plan_ids[0])
        lines = targets.text.split("\n")[:MAX_TARGET_LINES]      # the answer stays short
        return [say("utter_coverage_plan", province=label, targets="\n".join(lines))], targets.sources[:2], None
    plan_ids = [plan.id for plan in kb.plans().plans]
    buttons = [{"title": kb.province_of(p),
                "payload": f'/inform_province{{"province":"{kb.province_of(p)}"}}'} for p in plan_ids]
    return [say("utter_coverage_ask_province")], buttons, {"intent": "ask_target", "text": query}


def answer_unit(unit: dict, question: Question) -> Reply:
    lines = [unit["answer"].strip()]
    if note := ended_note(unit):
        lines.append(note)
    sources = [source_of(unit)]
    buttons = unit_buttons(unit.get("related", [])[:MAX_RELATED])
    context = {"intent": "ask_programme", "unit": unit["id"]}
    if unit.get("kind") == "coverage":
        extra, more, pending = _coverage_lines(question)
        lines += extra
        if pending:
            buttons, context = more, {"pending": pending}
        else:
            sources += more
    return Reply("programme", "\n".join(lines), sources, buttons=buttons, context=context)


def no_data() -> Reply:
    return Reply("fallback", say("utter_programme_no_data"), buttons=unit_buttons(["where-to-ask"]),
                 context={"intent": "fallback"})


def choose(text: str) -> Choice:
    return kb.unit_index().choose(text)


def _asked(question: Question) -> str:
    """The question without the places it names: "nhà tôi ở xã Ea Kar, khi nào tắt sóng
    2G?" asks what "khi nào tắt sóng 2G?" asks (the place is said in a note)."""
    return regions.without_places(question.text, [p for p in question.places if p.span[1] <= len(question.text)])


def answer_programme(question: Question) -> Reply:
    """The best unit when the chooser accepts it, else "no data"."""
    choice = choose(_asked(question))
    return answer_unit(choice.unit, question) if choice.accepted else no_data()


def answer_if_unit(question: Question) -> Reply | None:
    """For a question the NLU did not call a programme question (out of scope, unsure,
    or a plan question naming no province): the unit when the chooser accepts one."""
    choice = choose(_asked(question))
    return answer_unit(choice.unit, question) if choice.accepted else None


def asks_about_smartphone_support(text: str) -> bool:
    """Whether the best unit (accepted or not) is about the smartphone support."""
    return choose(text).unit["id"] in SMARTPHONE_UNITS
