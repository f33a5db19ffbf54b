"""Which answer a question gets.

Rasa gives the intent; the router reads the question (places, indicators, agencies,
years), resolves it against the conversation's state (actions/conversation.py: the last
topic, a pending clarification, the user's own place), asks which province when a
province-specific question names none and the conversation gives none, refuses to
answer one province from another's plan, and falls back to retrieval — or to an
honest "nothing reliable" — when no structured answer covers the question.
"""
from dataclasses import dataclass, replace

from actions import conversation
from actions import knowledge_base as kb
from actions.answers import chitchat, compare, documents, duties, eligibility, places, programmes, retrieval, values
from actions.phrases import buttons, say
from actions.reply import Reply
from actions.understanding import Question, has_cue, indicator_words, indicators_with_words, read_question
from core import regions
from core.vocabulary import indicator_by_id

CHITCHAT = ("greet", "goodbye", "thank", "bot_help", "affirm", "deny", "cancel")
# Intents whose answer depends on one province's plan.
PROVINCE_SPECIFIC = ("ask_target", "ask_status", "ask_duty", "ask_document")


@dataclass
class Turn:
    """A user message as the router sees it, with the conversation's state."""
    text: str
    intent: str
    entities: list[dict]
    context: dict | None = None          # the last topic (conversation.state_from_slots)
    pending: dict | None = None          # a question waiting for its province
    home: tuple[str, ...] = ()           # plans of the user's own place
    form_active: bool = False            # the eligibility form waits for an answer


def all_plan_ids() -> tuple[str, ...]:
    return tuple(plan.id for plan in kb.plans().plans)


# Topics a later message can continue ("còn X thì sao?").
VALUE_TOPICS = ("ask_target", "ask_status")
TOPICS = (*VALUE_TOPICS, "ask_compare", "ask_duty", "ask_document", "ask_plan_info", "inform_province")
# Intents whose message is never a follow-up; programmes, places and the eligibility
# check are read as they are unless the message names a plan subject. A short message
# asking for a target or today's value after one ("đạt chưa?") is one whatever its intent.
NEVER_FOLLOW_UPS = (*CHITCHAT, "out_of_scope")
# At most this many indicators are offered when a follow-up names several in part.
MAX_INDICATOR_BUTTONS = 5


def _asks_value_again(turn: Turn) -> bool:
    """"đạt chưa?", "hiện nay thế nào?" right after a target, status or comparison."""
    return (turn.context or {}).get("intent") in (*VALUE_TOPICS, "ask_compare") and \
        len(turn.text.split()) <= conversation.short_follow_up_words() and \
        (has_cue(turn.text, "status") or has_cue(turn.text, "target"))


def _names_subject(question: Question) -> bool:
    """The message names a plan subject: an indicator or an agency."""
    return bool(question.indicators or question.agencies)


def _follow_up_wording(turn: Turn, question: Question) -> bool:
    """Short, or worded as a continuation ("còn ...", "thế còn ...", "so với ...")."""
    return (conversation.has_cue(turn.text, "follow_up") or conversation.has_cue(turn.text, "compare_others")
            or len(turn.text.split()) <= conversation.short_follow_up_words())


def is_follow_up_turn(turn: Turn) -> bool:
    """Whether the message continues the last topic rather than starting one: worded as a
    continuation, and leaving out something the topic has (the province, the indicator or
    the agency). A question naming both its subject and its province is a new one."""
    state = turn.context
    if not state or state.get("intent") not in TOPICS:
        return False
    if turn.intent in NEVER_FOLLOW_UPS and not _asks_value_again(turn):
        return False
    question = read_question(turn.text, turn.intent, turn.entities)
    if turn.intent in ("ask_programme", "check_eligibility", "inform_household", "ask_place") and \
            not _names_subject(question):
        return False
    if turn.intent == "ask_place" and conversation.has_cue(turn.text, "place_change"):
        return False                        # "Sở KH&ĐT giờ là sở nào?" asks about the rename
    if not _follow_up_wording(turn, question):
        return False
    names_place = bool(question.places or question.all_plans)
    if conversation.has_cue(turn.text, "compare_others") and not question.places:
        return True
    return not (names_place and _names_subject(question))


def _continue(turn: Turn, question: Question) -> Question:
    """The last topic with what this message changes: a province, an indicator, an
    agency, a year, target or status, or "compare with the others"."""
    state = turn.context
    topic = state["intent"]
    merged = replace(question, indicators=question.indicators or list(state.get("indicators") or []),
                     agencies=question.agencies or list(state.get("agencies") or []))
    if not question.indicators and not question.agencies:
        choices = _other_indicators(question, state)
        if len(choices) == 1:
            merged.indicators = choices
        else:
            merged.indicator_choices = choices
    names_place = bool(question.places or question.all_plans)
    if not names_place:
        merged.plan_ids = tuple(state.get("compare_plans") or state.get("plan_ids") or ())
    asked = question.kind_asked()
    previous_kind = state.get("kind") or ("status" if topic == "ask_status" else "target")
    merged.kind = asked or previous_kind
    if not question.years and merged.kind == previous_kind:
        merged.years = list(state.get("years") or [])
    if (conversation.has_cue(turn.text, "compare_others") and not question.places) or \
            (topic == "ask_compare" and not names_place):
        merged.intent = "ask_compare"
        if topic != "ask_compare":
            merged.plan_ids = ()            # "so với các tỉnh khác": every plan
        return merged
    if question.agencies and not question.indicators:
        merged.intent = "ask_duty"
    elif question.indicators or topic in (*VALUE_TOPICS, "ask_compare"):
        merged.intent = "ask_status" if merged.kind == "status" else "ask_target"
    elif topic == "inform_province":
        merged.intent, merged.kind = question.intent, asked
    else:
        merged.intent = topic
    if not _names_subject(question) and merged.intent == topic:
        # "còn Tuyên Quang?" after "Bình Phước có những mục tiêu nào?": the previous
        # question's words say what is asked; its place gives way to this message's.
        merged.text = f"{_without_places(state.get('text', ''))} ; {turn.text}"
    return merged


def _other_indicators(question: Question, state: dict) -> list[str]:
    """"còn di động?" after fixed broadband: the indicators the message's own words name
    in part (none named in full) when those words are not the last topic's; [] when the
    message names nothing new ("còn Tuyên Quang?", "năm 2030 thì sao?")."""
    words = question.topic_words()
    previous = list(state.get("indicators") or [])
    if not words or not previous or words <= indicator_words(previous):
        return []
    return [i for i in indicators_with_words(words) if i not in previous]


def _ask_indicator(question: Question) -> Reply:
    """Which of several indicators a follow-up means; each button continues the topic."""
    names = [indicator_by_id(i).name for i in question.indicator_choices[:MAX_INDICATOR_BUTTONS]]
    options = [{"title": name, "payload": say("utter_follow_up_indicator", name=name)} for name in names]
    return Reply("clarify", say("utter_ask_indicator"), buttons=options)


def _without_places(text: str) -> str:
    """`text` with the places it names cut out."""
    for place in sorted(regions.find_places(text), key=lambda p: -p.span[0]):
        text = text[:place.span[0]] + text[place.span[1]:]
    return text


def _answer_pending(turn: Turn, question: Question) -> Question | None:
    """A clarification's question, with the province this message gives."""
    base = turn.pending
    if not base or not (question.places or question.all_plans) or _names_subject(question):
        return None
    previous = read_question(base.get("text", ""), base["intent"])
    previous.indicators = base.get("indicators") or previous.indicators
    previous.agencies = base.get("agencies") or previous.agencies
    previous.years = question.years or base.get("years") or previous.years
    previous.places, previous.plan_ids, previous.all_plans = question.places, question.plan_ids, question.all_plans
    return previous


def _ask_province(question: Question, candidates: tuple[str, ...], offer_all: bool, lead: str = "") -> Reply:
    buttons = [{"title": kb.province_of(p),
                "payload": f'/inform_province{{"province":"{kb.province_of(p)}"}}'} for p in candidates]
    if offer_all:
        buttons.append({"title": say("utter_all_provinces_button"), "payload": '/inform_province{"province":"tất cả"}'})
    text = say("utter_ask_province", plans=", ".join(places.plan_label(p) for p in candidates))
    pending = {"intent": question.intent, "text": question.text, "indicators": question.indicators,
               "agencies": question.agencies, "years": question.years}
    return Reply("clarify", f"{lead} {text}".strip(), buttons=buttons, context={"pending": pending})


def _province_specific(question: Question, turn: Turn) -> Reply:
    """Targets, status, duties, document facts: they need to know the plan."""
    plan_ids = question.plan_ids or (all_plan_ids() if question.all_plans else _default_plans(turn))
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
    if not plan_ids:
        return _ask_province(question, all_plan_ids(), offer_all=question.intent != "ask_document")
    if question.intent == "ask_duty":
        return duties.agencies_of(plan_ids[0]) if len(plan_ids) == 1 else retrieval.answer_search(question, plan_ids)
    if question.intent == "ask_document":
        return documents.answer_document(question, plan_ids)
    return values.answer_values(question, plan_ids) or retrieval.answer_search(question, plan_ids)


# Intents a citizen's programme question is often given by the NLU ("thôn tôi chưa có
# sóng", "cả nước còn bao nhiêu thuê bao 2G?"): without a place or a plan indicator (a
# plan question whose province comes from the conversation), an accepted answer unit
# answers them (actions/answers/programmes.py); duties, documents and comparisons never.
UNIT_INTENTS = ("out_of_scope", "nlu_fallback", "ask_plan_info", "ask_target", "ask_status")


def eligibility_check_applies(turn: Turn) -> bool:
    """The eligibility form runs for a question about the asker's own household on the
    smartphone support (actions/answers/eligibility.py)."""
    return eligibility.check_applies(turn.text)


def resolve(turn: Turn) -> Question:
    """The question this message asks, once the conversation's state is applied."""
    question = read_question(turn.text, turn.intent, turn.entities)
    if turn.intent == "check_eligibility":      # the form did not apply (see eligibility_check_applies)
        question.intent = "ask_programme"
    if (answered := _answer_pending(turn, question)) is not None:
        return answered
    if is_follow_up_turn(turn):
        return _continue(turn, question)
    return question


def _default_plans(turn: Turn) -> tuple[str, ...]:
    """Plans of a question that names no place: the user's own place, else the province
    the conversation is about."""
    return turn.home or tuple((turn.context or {}).get("plan_ids") or ())


def _shared_name(question: Question) -> Reply | None:
    """"Châu Thành": a former district name of several provinces → which one?"""
    shared = [p for p in question.places if p.status == regions.LOCALITY and len(p.plan_ids) > 1]
    if not shared or any(p.status != regions.LOCALITY for p in question.places):
        return None
    return _ask_province(question, shared[0].plan_ids, offer_all=False, lead=shared[0].note)


def _with_place_notes(reply: Reply, question: Question) -> Reply:
    """A merged unit or a former district named in the question: say what it covers
    (which former provinces, which plans the data has) before the answer."""
    notes = [p.note for p in question.places if p.status in (regions.NEW_UNIT, regions.LOCALITY) and p.note]
    notes += [p.note for p in question.no_plan_places if p.note and reply.kind == "compare"]
    missing = [p.name for p in question.no_plan_places if not p.note]
    if missing and reply.kind in ("compare", "target", "status"):
        notes.append(say("utter_no_plan_named", names=", ".join(missing)))
    notes = [note for note in dict.fromkeys(notes) if note not in reply.text]    # said by the answer itself
    if notes and reply.kind not in ("clarify", "no_plan"):
        reply.text = "\n".join([*notes, reply.text])
    return reply


def _home_context(turn: Turn, question: Question) -> dict:
    """"tôi ở X": X's plans become the user's own place for the conversation."""
    if question.plan_ids and conversation.has_cue(turn.text, "home"):
        return {"home": list(question.plan_ids)}
    return {}


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


def _answer(turn: Turn, question: Question) -> Reply:
    intent = question.intent
    if _is_yes_no_payload(turn.text) and not turn.form_active:
        # A yes/no button of a question that has closed (the eligibility check ended).
        return Reply("chitchat", say("utter_question_closed"), buttons=buttons("utter_examples"))
    if intent in CHITCHAT:
        return chitchat.answer_chitchat(intent)
    if question.indicator_choices:
        return _ask_indicator(question)
    if turn.intent in UNIT_INTENTS and not question.places and not question.indicators and \
            (unit := programmes.answer_if_unit(replace(question, plan_ids=question.plan_ids or _default_plans(turn)))):
        return unit
    if intent == "out_of_scope":
        return chitchat.answer_out_of_scope()
    if intent == "ask_place":
        return places.place_change(question)
    if conversation.has_cue(question.text, "national") and not question.places and not question.plan_ids:
        return _national(question)
    if (clarify := _shared_name(question)) is not None:
        return clarify
    if question.no_plan_places and not question.plan_ids and intent != "ask_programme":
        return places.no_plan(question)
    if intent == "ask_programme":
        return programmes.answer_programme(question)
    if intent in ("inform_province", "inform_year"):
        return places.province_intro(question) if question.places else \
            _province_specific(replace(question, intent="ask_target"), turn)
    if intent == "ask_compare":
        plan_ids = all_plan_ids() if question.all_plans or not question.plan_ids else question.plan_ids
        return compare.answer_compare(question, plan_ids) or compare.shared_table(question, plan_ids)
    if intent in PROVINCE_SPECIFIC:
        return _province_specific(question, turn)
    if question.indicators and not question.plan_ids and not _default_plans(turn):
        # A plan subject without a province: never answered from one picked by search.
        return _ask_province(replace(question, intent="ask_target"), all_plan_ids(), offer_all=True)
    plan_ids = question.plan_ids or _default_plans(turn)
    if plan_ids and documents.asks_reference(question):
        # "Kế hoạch có dẫn quyết định nào về ...?": the clauses citing one, never the
        # nearest passage.
        return documents.answer_references(question, plan_ids)
    return retrieval.answer_search(question, plan_ids or None)


def route(turn: Turn) -> Reply:
    question = resolve(turn)
    reply = _with_place_notes(_answer(turn, question), question)
    home = _home_context(turn, question)
    if home:
        reply.context = {**(reply.context or {}), **home}
    if reply.context is not None and "pending" not in reply.context:
        reply.context.setdefault("text", question.text)
    return reply
