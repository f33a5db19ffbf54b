"""Which answer a question gets.

Rasa gives the intent; the router reads the question (places, indicators, agencies,
years), fills in a follow-up from the previous answer's context, asks which province
when a province-specific question names none (keeping the question), refuses to
answer one province from another's plan, and falls back to retrieval — or to an
honest "nothing reliable" — when no structured answer covers the question.
"""
from dataclasses import dataclass

from actions import knowledge_base as kb
from actions.answers import chitchat, compare, documents, duties, eligibility, places, programmes, retrieval, values
from actions.reply import Reply
from actions.understanding import Question, read_question
from core import regions

CHITCHAT = ("greet", "goodbye", "thank", "bot_help", "affirm", "deny", "cancel")
FOLLOW_UPS = ("inform_province", "inform_year")
# Intents whose answer depends on one province's plan.
PROVINCE_SPECIFIC = ("ask_target", "ask_status", "ask_duty", "ask_document")


@dataclass
class Turn:
    """A user message as the router sees it."""
    text: str
    intent: str
    entities: list[dict]
    context: dict | None = None          # what the previous answer was about
    pending: dict | None = None          # a question waiting for its province


def all_plan_ids() -> tuple[str, ...]:
    return tuple(plan.id for plan in kb.plans().plans)


def _follow_up(turn: Turn, question: Question) -> Question | None:
    """"còn năm 2030 thì sao?", "thế còn Bình Phước?": the previous question with the
    new province or year."""
    base = turn.pending or turn.context
    if not base or base.get("intent") in (None, "inform_province", "fallback"):
        return None
    previous = read_question(base.get("text", ""), base["intent"])
    previous.indicators = base.get("indicators") or previous.indicators
    previous.agencies = base.get("agencies") or previous.agencies
    if question.places or question.all_plans:
        previous.places, previous.plan_ids = question.places, question.plan_ids
        previous.all_plans = question.all_plans
    elif base.get("plan_ids"):
        previous.plan_ids = tuple(base["plan_ids"])
    if question.years:
        previous.years = question.years
    elif turn.intent == "inform_province":
        previous.years = base.get("years") or previous.years
    return previous


def _ask_province(question: Question, candidates: tuple[str, ...], offer_all: bool) -> Reply:
    buttons = [{"title": regions.province_of_plan(p),
                "payload": f'/inform_province{{"province":"{regions.province_of_plan(p)}"}}'} for p in candidates]
    if offer_all:
        buttons.append({"title": "Tất cả các tỉnh", "payload": '/inform_province{"province":"tất cả"}'})
    text = "Bạn hỏi về kế hoạch của tỉnh nào? Tôi có kế hoạch của: " + \
        ", ".join(places.plan_label(p) for p in candidates) + "."
    pending = {"intent": question.intent, "text": question.text, "indicators": question.indicators,
               "agencies": question.agencies, "years": question.years}
    return Reply("clarify", text, buttons=buttons, context={"pending": pending})


def _province_specific(question: Question) -> Reply:
    """Targets, status, duties, document facts: they need to know the plan."""
    plan_ids = question.plan_ids or (all_plan_ids() if question.all_plans else ())
    if question.intent == "ask_duty" and question.agencies:
        if question.wants("deadline") and not question.plan_ids:
            reply = duties.answer_deadlines(question, all_plan_ids())
            if reply:
                return reply
        if not plan_ids:
            having = duties.plans_with(question.agencies[0], all_plan_ids())
            if len(having) == 1:            # "Công an tỉnh có nhiệm vụ gì?": only one plan names it
                return duties.answer_duties(question, tuple(having))
            return _ask_province(question, tuple(having) or all_plan_ids(), offer_all=True)
        return duties.answer_duties(question, plan_ids)
    if not plan_ids:
        return _ask_province(question, all_plan_ids(), offer_all=question.intent != "ask_document")
    if question.intent == "ask_duty":
        return duties.agencies_of(plan_ids[0]) if len(plan_ids) == 1 else retrieval.answer_search(question, plan_ids)
    if question.intent == "ask_document":
        return documents.answer_document(question, plan_ids)
    return values.answer_values(question, plan_ids) or retrieval.answer_search(question, plan_ids)


SHORT_FOLLOW_UP_WORDS = 6
# Intents a citizen's programme question is often given by the NLU ("thôn tôi chưa có
# sóng", "cả nước còn bao nhiêu thuê bao 2G?"): without a place or a plan indicator (a
# plan question whose province comes from the conversation), an accepted answer unit
# answers them (actions/answers/programmes.py); duties, documents and comparisons never.
UNIT_INTENTS = ("out_of_scope", "nlu_fallback", "ask_plan_info", "ask_target", "ask_status")


def eligibility_check_applies(turn: Turn) -> bool:
    """The eligibility form runs for a question about the asker's own household on the
    smartphone support (actions/answers/eligibility.py)."""
    return eligibility.check_applies(turn.text)


def _is_bare_follow_up(turn: Turn, question: Question) -> bool:
    """"còn hiện nay thì sao?": a short target/status question naming no indicator and
    no place, right after a target or status answer."""
    previous = (turn.context or {}).get("intent")
    return (turn.intent in ("ask_target", "ask_status") and previous in ("ask_target", "ask_status")
            and not question.indicators and not question.places
            and len(question.text.split()) <= SHORT_FOLLOW_UP_WORDS)


def route(turn: Turn) -> Reply:
    question = read_question(turn.text, turn.intent, turn.entities)
    if turn.intent == "check_eligibility":      # the form did not apply (see eligibility_check_applies)
        turn.intent = question.intent = "ask_programme"
    if _is_bare_follow_up(turn, question):
        follow_up = _follow_up(turn, question)
        follow_up.intent, follow_up.text = turn.intent, turn.text     # its cues decide the kind
        question = follow_up
    if turn.intent in CHITCHAT:
        return chitchat.answer_chitchat(turn.intent)
    if turn.intent in UNIT_INTENTS and not question.places and not question.indicators and \
            (unit := programmes.answer_if_unit(question)):
        return unit
    if turn.intent == "out_of_scope":
        return chitchat.answer_out_of_scope()
    if turn.intent in FOLLOW_UPS:
        follow_up = _follow_up(turn, question)
        if follow_up is None:
            return places.province_intro(question) if question.places else \
                retrieval.answer_search(question, None)
        question = follow_up
    if turn.intent == "ask_place":
        return places.place_change(question)
    if question.no_plan_places and not question.plan_ids and question.intent not in ("ask_programme",):
        return places.no_plan(question)
    if question.intent == "ask_programme":
        return programmes.answer_programme(question)
    if question.intent == "ask_compare":
        return compare.answer_compare(question, question.plan_ids or all_plan_ids()) or \
            retrieval.answer_search(question, None)
    if question.intent in PROVINCE_SPECIFIC:
        reply = _province_specific(question)
    else:                                     # ask_plan_info, nlu_fallback, anything else
        reply = retrieval.answer_search(question, question.plan_ids or None)
    if reply.context is not None and "pending" not in reply.context:
        reply.context.setdefault("text", question.text)
    return reply
