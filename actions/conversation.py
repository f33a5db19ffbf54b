"""The conversation's state, kept in Rasa slots (domain/dialogue.yml). How a new
message is read against it is actions/dialogue.py; its cue words (conversation.yml
`cues`) are matched by core/cues.py.

State (one slot each, visible in the tracker, cleared with the session):
    topic           intent of the last answered question: one of the `topics` of
                    data/knowledge/intent_groups.yml
    topic_text      that question's text
    plans           plan ids it was answered from (["tien-giang"])
    indicators      indicator ids (data/knowledge/indicators.yml)
    years           years asked ([2025])
    agencies        agency ids (data/knowledge/agencies.yml)
    value_kind      target | status | both: what kind of value was given
    document_field  the document fact asked (document_fields.yml id, "" for a summary)
    compare_plans   the set a comparison ranked
    answer_kind     kind of the last reply (actions/reply.py KINDS)
    home_plans      plans of the user's own place ("tôi ở Đồng Xoài"), kept for the whole
                    conversation
    pending_question  a question waiting for its province (set by a clarification)

A new topic replaces every topic slot (what it does not set is cleared); home_plans is
replaced only when the user names another place of their own.
"""
from functools import lru_cache

from core import knowledge

CONVERSATION_FILE = "conversation.yml"

# slot name -> key of a reply's context dict (actions/reply.py Reply.context)
TOPIC_SLOTS = {
    "topic": "intent",
    "topic_text": "text",
    "plans": "plan_ids",
    "indicators": "indicators",
    "years": "years",
    "agencies": "agencies",
    "value_kind": "kind",
    "document_field": "field",
    "compare_plans": "compare_plans",
}
HOME_SLOT = "home_plans"
PENDING_SLOT = "pending_question"
ANSWER_KIND_SLOT = "answer_kind"


@lru_cache(maxsize=None)
def _data() -> dict:
    return knowledge.load(CONVERSATION_FILE)


def short_follow_up_words() -> int:
    return int(_data()["short_follow_up_words"])


def state_from_slots(slots: dict) -> dict | None:
    """The last topic as a context dict (keys of TOPIC_SLOTS' values), None without one."""
    if not slots.get("topic"):
        return None
    return {key: slots.get(slot) for slot, key in TOPIC_SLOTS.items() if slots.get(slot) not in (None, "")}


def topic_slot_values(context: dict) -> dict:
    """Slot values for a new topic: every topic slot, None where the context has no value."""
    return {slot: context.get(key) for slot, key in TOPIC_SLOTS.items()}
