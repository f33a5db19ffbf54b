"""Which answer a question gets: the dispatch table of answer kinds.

actions/dialogue.py reads the turn once and resolves it against the conversation (a
follow-up, a pending clarification); the router then answers the resulting Question:
first what comes before any intent (a stale yes/no button, small talk, an indicator
to pick, an answer unit for a citizen's question, a place the data has no plan for),
then the answer kind the intent names (data/knowledge/intent_groups.yml `answers`,
this module's ANSWERS). It asks which province when a province-specific question names
none and the conversation gives none, refuses to answer one province from another's
plan, and falls back to retrieval — or to an honest "nothing reliable" — when no
structured answer covers the question.
"""
from dataclasses import replace
from typing import Callable

from actions import knowledge_base as kb
from actions.answers import chitchat, compare, contact, documents, duties, places, programmes, retrieval, values
from actions.answers import handlers
from actions.dialogue import Reading, Turn, answer_of, group, home_context, read_turn
from actions.phrases import buttons, say
from actions.reply import Reply
from actions.understanding import Question
from core import regions
from core.cues import has_cue
from core.vocabulary import indicator_by_id

# At most this many indicators are offered when a follow-up names several in part.
MAX_INDICATOR_BUTTONS = 5


def all_plan_ids() -> tuple[str, ...]:
    return tuple(plan.id for plan in kb.plans().plans)


def _ask_indicator(question: Question) -> Reply:
    """Which of several indicators a follow-up means; each button continues the topic."""
    names = [indicator_by_id(i).name for i in question.indicator_choices[:MAX_INDICATOR_BUTTONS]]
    options = [{"title": name, "payload": say("utter_follow_up_indicator", name=name)} for name in names]
    return Reply("clarify", say("utter_ask_indicator"), buttons=options)


def _ask_province(question: Question, candidates: tuple[str, ...], offer_all: bool, lead: str = "") -> Reply:
    buttons = [{"title": kb.province_of(p),
                "payload": f'/inform_province{{"province":"{kb.province_of(p)}"}}'} for p in candidates]
    if offer_all:
        buttons.append({"title": say("utter_all_provinces_button"), "payload": '/inform_province{"province":"tất cả"}'})
    text = say("utter_ask_province", plans=", ".join(places.plan_label(p) for p in candidates))
    pending = {"intent": question.intent, "text": question.text, "indicators": question.indicators,
               "agencies": question.agencies, "years": question.years}
    return Reply("clarify", f"{lead} {text}".strip(), buttons=buttons, context={"pending": pending})


# ------------------------------------------------------------------ the answer kinds

def _province_specific(reading: Reading, question: Question) -> Reply:
    """Targets, status, duties, document facts: they need to know the plan."""
    plan_ids = question.plan_ids or (all_plan_ids() if question.all_plans else reading.default_plans)
    if not plan_ids and not question.places and \
            (unit := programmes.answer_if_subject_unit(question, reading.earlier)):
        return unit                         # a national or citizen's subject ("BTS có hại không")
    if question.intent == "ask_duty" and question.agencies:
        if question.wants("deadline"):
            # Deadlines wherever the plan sets them (an agency's section, a group's, "Chế
            # độ báo cáo"); a named plan without one says so.
            reply = duties.answer_deadlines(question, question.plan_ids or all_plan_ids(),
                                            named=bool(question.plan_ids))
            if reply:
                return reply
        if not plan_ids:
            having = duties.plans_with(question.agencies[0], all_plan_ids())
            if len(having) == 1:            # "Công an tỉnh có nhiệm vụ gì?": only one plan names it
                return duties.answer_duties(question, tuple(having))
            return _ask_province(question, tuple(having) or all_plan_ids(), offer_all=True)
        return duties.answer_duties(question, plan_ids)
    if question.intent == "ask_duty":
        # A body the vocabulary does not know, named in the plan's own words ("Ban Quản lý
        # các khu công nghiệp"): its duties, from the plans that name it.
        named = duties.answer_named_body(question, plan_ids or all_plan_ids())
        if named is not None and (plan_ids or len({s["plan"] for s in named.sources}) == 1):
            return named
    if not plan_ids:
        return _ask_province(question, all_plan_ids(), offer_all=question.intent != "ask_document")
    if question.intent == "ask_duty":
        return duties.agencies_of(plan_ids[0]) if len(plan_ids) == 1 else retrieval.answer_search(question, plan_ids)
    if question.intent == "ask_document":
        return documents.answer_document(question, plan_ids)
    return values.answer_values(question, plan_ids) or retrieval.answer_search(question, plan_ids)


def _province(reading: Reading, question: Question) -> Reply:
    """A province or a year on its own: the province's plan, else its targets."""
    return places.province_intro(question) if question.places else \
        _province_specific(reading, replace(question, intent="ask_target"))


def _compare(reading: Reading, question: Question) -> Reply:
    plan_ids = all_plan_ids() if question.all_plans or not question.plan_ids else question.plan_ids
    return compare.answer_compare(question, plan_ids) or compare.shared_table(question, plan_ids)


def _plan_question(reading: Reading, question: Question) -> Reply:
    """Anything else about the plans: a reference clause, else the best passage."""
    if question.indicators and not question.plan_ids and not reading.default_plans:
        # A plan subject without a province: never answered from one picked by search.
        return _ask_province(replace(question, intent="ask_target"), all_plan_ids(), offer_all=True)
    plan_ids = question.plan_ids or reading.default_plans
    if plan_ids and documents.asks_reference(question):
        # "Kế hoạch có dẫn quyết định nào về ...?": the clauses citing one, never the
        # nearest passage.
        return documents.answer_references(question, plan_ids)
    return retrieval.answer_search(question, plan_ids or None)


# The dispatch table: answer kind (intent_groups.yml `answers`) -> its answer.
ANSWERS: dict[str, Callable[[Reading, Question], Reply]] = {
    "chitchat": lambda reading, question: chitchat.answer_chitchat(question.intent),
    "out_of_scope": lambda reading, question: chitchat.answer_out_of_scope(),
    "place": lambda reading, question: places.place_change(question),
    "programme": lambda reading, question: programmes.answer_programme(question, reading.earlier),
    "province": _province,
    "compare": _compare,
    "province_specific": _province_specific,
    "search": _plan_question,
}
# Answered before an answer unit is tried for the question; the other kinds after it.
BEFORE_UNITS = ("chitchat",)
# Answered before the checks of the question's places (a country-wide question, a
# shared district name, a place without a plan).
BEFORE_PLACES = ("out_of_scope", "place")


# ------------------------------------------------------------------ before the intent

def _shared_name(question: Question) -> Reply | None:
    """"Châu Thành": a former district name of several provinces → which one?"""
    shared = [p for p in question.places if p.status == regions.LOCALITY and len(p.plan_ids) > 1]
    if not shared or any(p.status != regions.LOCALITY for p in question.places):
        return None
    return _ask_province(question, shared[0].plan_ids, offer_all=False, lead=shared[0].note)


def _with_place_notes(reply: Reply, question: Question) -> Reply:
    """A merged unit or a former district named in the question: say what it covers
    (which former provinces, which plans the data has) before the answer."""
    notes = [p.note for p in question.places if p.status in (regions.NEW_UNIT, regions.LOCALITY, regions.FORMER) and p.note]
    notes += [p.note for p in question.no_plan_places if p.note and reply.kind == "compare"]
    # every named place the answer has no plan for is named, noted or not (a former
    # province's note says where it belongs, not that no data compares it)
    missing = [p.name for p in question.no_plan_places if not p.note or reply.kind == "compare"]
    if missing and reply.kind in ("compare", "target", "status"):
        notes.append(say("utter_no_plan_named", names=", ".join(dict.fromkeys(missing))))
    notes = [note for note in dict.fromkeys(notes) if note not in reply.text]    # said by the answer itself
    if notes and reply.kind not in ("clarify", "no_plan"):
        reply.text = "\n".join([*notes, reply.text])
    return reply


def _national(question: Question) -> Reply:
    """A country-wide question: the programme facts have some national figures; the
    plans are provincial, so never a province clarification."""
    return programmes.answer_if_unit(question) or \
        Reply("fallback", say("utter_no_national_figure", plans=places.covered_provinces()))


# The payloads of the eligibility form's yes/no buttons (domain/responses/eligibility.yml).
YES_NO_PAYLOADS = ("affirm", "deny")


def _is_yes_no_payload(text: str) -> bool:
    """"/affirm" (a button the assistant offered) or "affirm" (the web app passes a payload
    it did not offer in its last reply — a button of an earlier turn — as text without its
    slash): no person types these, whatever the NLU makes of them."""
    return text.strip().lstrip("/") in YES_NO_PAYLOADS


def _request(turn: Turn, question: Question) -> handlers.Request | None:
    """A citizen's request or complaint (actions/answers/handlers.py); never an official's
    question about a named body or a plan document."""
    if handlers.names_other_body(question.agencies) or question.intent in group("never_requests"):
        return None
    return handlers.read_request(question.text, str((turn.context or {}).get("text") or ""))


def _answer(turn: Turn, reading: Reading) -> Reply:
    question = reading.question
    kind = answer_of(question.intent)
    if _is_yes_no_payload(turn.text) and not turn.form_active:
        # A yes/no button of a question that has closed (the eligibility check ended).
        return Reply("chitchat", say("utter_question_closed"), buttons=buttons("utter_examples"))
    if (unit := programmes.unit_for_button(turn.text)) is not None:     # a unit's own quick reply
        return programmes.answer_unit(unit, question)
    if contact.asks_for_person(question.text):       # "tổng đài", "gặp cán bộ", "người thật"
        return contact.answer_contact(question.text)
    if kind in BEFORE_UNITS:
        return ANSWERS[kind](reading, question)
    if question.indicator_choices:
        return _ask_indicator(question)
    if (request := _request(turn, question)) is not None:
        # "dây cáp thòng xuống … ai xử lý?", "đề nghị lắp trạm cho thôn …": who handles
        # it, the same in every province (never "which province?").
        return handlers.answer_request(request, question.text, question.plan_ids or reading.default_plans)
    own_case = not reading.follow_up and programmes.states_case(question.text)   # the asker's phone, SIM ...
    if (turn.intent in group("units_first") or own_case) and not question.places:
        # A plan indicator named ("trạm BTS", "5G") leaves it to a unit with a subject of its
        # own, unless the message states the asker's own case.
        unit_question = replace(question, plan_ids=question.plan_ids or reading.default_plans)
        answer_unit = programmes.answer_if_subject_unit if question.indicators and not own_case \
            else programmes.answer_if_unit
        if unit := answer_unit(unit_question, reading.earlier):
            return unit
    if kind in BEFORE_PLACES:
        return ANSWERS[kind](reading, question)
    if has_cue(question.text, "national") and not question.places and not question.plan_ids:
        return _national(question)
    if (clarify := _shared_name(question)) is not None:
        return clarify
    if question.no_plan_places and not question.plan_ids and kind != "programme":
        return handlers.with_where_to_ask(places.no_plan(question), question.text)
    return ANSWERS[kind](reading, question)


def route(turn: Turn, reading: Reading | None = None) -> Reply:
    """The reply to `turn`; `reading`: the turn already read (dialogue.read_turn), else
    read here."""
    reading = reading or read_turn(turn)
    question = reading.question
    reply = _with_place_notes(_answer(turn, reading), question)
    home = home_context(turn, question)
    if home:
        reply.context = {**(reply.context or {}), **home}
    if reply.context is not None and "pending" not in reply.context:
        reply.context.setdefault("text", question.text)
    return reply
