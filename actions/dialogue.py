"""What a turn continues or asks: the conversation's state (actions/conversation.py)
applied to one message, read once.

`read_turn` reads the message (understanding.read_question, the only call per turn)
and decides whether it continues the last topic ("còn Tuyên Quang?"), answers a pending
clarification (the province asked for), or is a new question; `starts_form` says
whether it starts the eligibility form. What answers the resulting Question is the
router's dispatch table (actions/router.py). How each intent is treated is data:
data/knowledge/intent_groups.yml.
"""
from dataclasses import dataclass, replace
from functools import lru_cache

from actions import conversation
from actions.answers import eligibility, handlers
from actions.understanding import FOLLOW_UP_JOIN, Question, indicator_words, indicators_with_words, read_question, recall_question
from core import knowledge, regions
from core.cues import has_cue

INTENT_GROUPS_FILE = "intent_groups.yml"
# The answer kind of an intent data/knowledge/intent_groups.yml does not list.
DEFAULT_ANSWER = "search"
# The intent a programme question is answered as, whatever the NLU called it.
PROGRAMME_INTENT = "ask_programme"
# Answer kinds whose intents are never follow-ups (unless they ask a value again).
NEVER_FOLLOW_UP_ANSWERS = ("chitchat", "out_of_scope")


@lru_cache(maxsize=None)
def _intents() -> dict:
    return knowledge.load(INTENT_GROUPS_FILE)


def answer_of(intent: str) -> str:
    """The answer kind that answers `intent` (intent_groups.yml `answers`)."""
    return _intents()["answers"].get(intent, DEFAULT_ANSWER)


def group(name: str) -> tuple[str, ...]:
    """The intents of a dialogue role (intent_groups.yml `groups`). KeyError: no such role."""
    return tuple(_intents()["groups"][name])


@dataclass
class Turn:
    """A user message as the dialogue sees it, with the conversation's state."""
    text: str
    intent: str
    entities: list[dict]
    context: dict | None = None          # the last topic (conversation.state_from_slots)
    pending: dict | None = None          # a question waiting for its province
    home: tuple[str, ...] = ()           # plans of the user's own place
    form_active: bool = False            # the eligibility form waits for an answer


@dataclass
class Reading:
    """One turn, read once."""
    question: Question        # what it asks, once the conversation's state is applied
    follow_up: bool           # it continues the last topic
    default_plans: tuple[str, ...]   # plans when it names none: the user's own place, else the topic's
    # the previous message when it was a citizen's question, not a plan topic: the case it
    # states (the asker's phone, SIM ...) carries over to this one (actions/case.py)
    earlier: str = ""


def read_turn(turn: Turn) -> Reading:
    """The turn's question, read once and resolved against the conversation."""
    said = read_question(turn.text, turn.intent, turn.entities)
    follow_up = is_follow_up(turn, said)
    state = turn.context or {}
    earlier = "" if not state or state.get("intent") in group("topics") else str(state.get("text") or "")
    return Reading(question=_resolve(turn, said, follow_up), follow_up=follow_up,
                   default_plans=turn.home or tuple((turn.context or {}).get("plan_ids") or ()), earlier=earlier)


def starts_form(turn: Turn, reading: Reading) -> bool:
    """Whether the turn starts the eligibility form: a household named, or a question
    about the asker's own household on the smartphone support; never a follow-up."""
    if reading.follow_up:
        return False
    if (request := handlers.read_request(turn.text)) is not None and request.subject.get("not_eligibility"):
        return False                    # "xã chứng thực hộ nghèo thế nào?": who handles it
    return turn.intent in group("starts_form") or \
        (turn.intent in group("starts_form_if_it_applies") and eligibility_check_applies(turn))


def home_context(turn: Turn, question: Question) -> dict:
    """"tôi ở X": X's plans become the user's own place for the conversation
    ({"home": plan ids} for the reply's context; {} otherwise)."""
    if question.plan_ids and has_cue(turn.text, "home"):
        return {"home": list(question.plan_ids)}
    return {}


def eligibility_check_applies(turn: Turn) -> bool:
    """The eligibility form runs for a question about the asker's own household on the
    smartphone support (actions/answers/eligibility.py)."""
    return eligibility.check_applies(turn.text)


def _asks_value_again(turn: Turn) -> bool:
    """"đạt chưa?", "hiện nay thế nào?" right after a target, status or comparison."""
    return (turn.context or {}).get("intent") in (*group("value_topics"), "ask_compare") and \
        len(turn.text.split()) <= conversation.short_follow_up_words() and \
        (has_cue(turn.text, "status") or has_cue(turn.text, "target"))


def names_subject(question: Question) -> bool:
    """The message names a plan subject: an indicator or an agency."""
    return bool(question.indicators or question.agencies)


def _follow_up_wording(turn: Turn) -> bool:
    """Short, or worded as a continuation ("còn ...", "thế còn ...", "so với ...")."""
    return (has_cue(turn.text, "follow_up") or has_cue(turn.text, "compare_others")
            or len(turn.text.split()) <= conversation.short_follow_up_words())


def is_follow_up(turn: Turn, said: Question) -> bool:
    """Whether the message (`said`: read on its own) continues the last topic rather than
    starting one: worded as a continuation, and leaving out something the topic has (the
    province, the indicator or the agency). A question naming both its subject and its
    province is a new one."""
    state = turn.context
    if not state or state.get("intent") not in group("topics"):
        return False
    if answer_of(turn.intent) in NEVER_FOLLOW_UP_ANSWERS and not _asks_value_again(turn):
        return False
    if turn.intent in group("read_as_named") and not names_subject(said):
        return False
    if answer_of(turn.intent) == "place" and has_cue(turn.text, "place_change"):
        return False                        # "Sở KH&ĐT giờ là sở nào?" asks about the rename
    if not _follow_up_wording(turn):
        return False
    names_place = bool(said.places or said.all_plans)
    if has_cue(turn.text, "compare_others") and not said.places:
        return True
    return not (names_place and names_subject(said))


def _resolve(turn: Turn, question: Question, follow_up: bool) -> Question:
    """The question this message asks, once the conversation's state is applied."""
    if turn.intent in group("starts_form_if_it_applies"):     # the form did not apply (starts_form)
        question.intent = PROGRAMME_INTENT
    if (answered := _answer_pending(turn, question)) is not None:
        return answered
    if follow_up:
        return _continue(turn, question)
    return question


def _continue(turn: Turn, question: Question) -> Question:
    """The last topic with what this message changes: a province, an indicator, an
    agency, a year, target or status, or "compare with the others"."""
    state = turn.context
    topic = state["intent"]
    value_topics = group("value_topics")
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
    if (has_cue(turn.text, "compare_others") and not question.places) or \
            (topic == "ask_compare" and not names_place):
        merged.intent = "ask_compare"
        if topic != "ask_compare":
            merged.plan_ids = ()            # "so với các tỉnh khác": every plan
        return merged
    if question.agencies and not question.indicators:
        merged.intent = "ask_duty"
    elif question.indicators or topic in (*value_topics, "ask_compare"):
        merged.intent = "ask_status" if merged.kind == "status" else "ask_target"
    elif topic == "inform_province":
        merged.intent, merged.kind = question.intent, asked
    else:
        merged.intent = topic
    if not names_subject(question) and merged.intent == topic:
        # "còn Tuyên Quang?" after "Bình Phước có những mục tiêu nào?": the previous
        # question's words say what is asked; its place gives way to this message's.
        merged.text = f"{regions.without_places(state.get('text', ''))}{FOLLOW_UP_JOIN}{turn.text}"
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


def _answer_pending(turn: Turn, question: Question) -> Question | None:
    """A clarification's question (kept in the pending slot), with the province this
    message gives; None when the message gives none or asks something of its own."""
    base = turn.pending
    if not base or not (question.places or question.all_plans) or names_subject(question):
        return None
    previous = recall_question(base)
    previous.years = question.years or previous.years
    previous.places, previous.plan_ids, previous.all_plans = question.places, question.plan_ids, question.all_plans
    return previous
