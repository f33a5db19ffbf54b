"""Rasa custom actions: thin adapters between the tracker and the answer code.

action_answer answers every question intent: actions/dialogue.py reads the turn once
(what it continues or asks, whether it starts the form) and actions/router.py answers
it from its dispatch table of answer kinds; the eligibility form
asks three questions (the domain's utter_ask_<slot> responses) and
action_eligibility_result turns the answers into what the rules say. Every message
carries {"kind", "sources"} as a custom payload.
"""
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation
from actions import knowledge_base as kb
from actions.answers.eligibility import eligibility_result, form_opening, household_from_text, household_types
from actions.phrases import say
from actions.reply import Reply
from actions.dialogue import Turn, read_turn, starts_form
from actions.router import route

logger = logging.getLogger(__name__)

try:                       # load the plans, the model and the index before the first question
    kb.warm_up()
except Exception:          # noqa: BLE001 — a broken index must not stop the other answers
    logger.exception("warm-up failed; retrieval answers will report the problem")


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    """The text (with its buttons) and the payload as one message: the REST channel then
    returns them in order, text first, and the web app merges the payload into `meta`."""
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None, json_message=reply.payload())


def _turn(tracker: Tracker) -> Turn:
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name") or "nlu_fallback"
    return Turn(text=message.get("text") or "", intent=intent, entities=message.get("entities") or [],
                context=conversation.state_from_slots(tracker.current_slot_values()),
                pending=tracker.get_slot(conversation.PENDING_SLOT),
                home=tuple(tracker.get_slot(conversation.HOME_SLOT) or ()),
                form_active=bool((tracker.active_loop or {}).get("name")))


def state_events(reply: Reply) -> list[EventType]:
    """The slot events that record what `reply` was about (actions/conversation.py):
    a clarification keeps its question pending and the topic as it was; an answer with a
    context replaces the whole topic; the user's own place is replaced when named."""
    context = reply.context or {}
    events: list[EventType] = [SlotSet(conversation.ANSWER_KIND_SLOT, reply.kind)]
    if "home" in context:
        events.append(SlotSet(conversation.HOME_SLOT, context["home"]))
    if "pending" in context:
        return events + [SlotSet(conversation.PENDING_SLOT, context["pending"])]
    events.append(SlotSet(conversation.PENDING_SLOT, None))
    if reply.context is not None:
        events += [SlotSet(slot, value) for slot, value in conversation.topic_slot_values(context).items()]
    return events


FORM_SLOTS = ("household_type", "received_device", "bought_smartphone")


def form_stop_events() -> list[EventType]:
    """End the eligibility form and forget its answers."""
    return [ActiveLoop(None), SlotSet("requested_slot", None), *(SlotSet(slot, None) for slot in FORM_SLOTS)]


class ActionAnswer(Action):
    leaves_form = False     # ActionAnswerLeavingForm: the answer also ends the eligibility check

    def name(self) -> str:
        return "action_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        turn = _turn(tracker)
        try:
            with kb.pinned():               # one version of the published plans per answer
                reading = read_turn(turn)   # the turn's one read of its question
                form = not turn.form_active and starts_form(turn, reading)
                reply = None if form else route(turn, reading)
        except Exception:  # noqa: BLE001 — say so instead of leaving the user without an answer
            logger.exception("answering %r failed", turn.text)
            reply = Reply("fallback", say("utter_error"))
        if reply is None:
            # The form asks what it still needs; a household named already is kept.
            household = household_from_text(turn.text)
            if (opening := form_opening()) is not None:
                send(dispatcher, opening)   # a programme that has ended says so before asking
            return ([SlotSet("household_type", household)] if household else []) + \
                [FollowupAction("eligibility_form")]
        send(dispatcher, reply)
        # Another question while the eligibility check waits for an answer ends the check:
        # its question is not appended to every later answer (data/rules/eligibility.yml).
        return (form_stop_events() if self.leaves_form else []) + state_events(reply)


class ActionAnswerLeavingForm(ActionAnswer):
    """Another question while the eligibility check waits: answered, and the check ends
    (its own action, because Rasa's rules need the action that ends a loop to be one
    that always does)."""

    leaves_form = True

    def name(self) -> str:
        return "action_answer_leaving_form"


class ValidateEligibilityForm(FormValidationAction):
    """Free text for the household ("nhà tôi cận nghèo") is mapped to one of the types;
    a household that is not eligible does not need the other two questions."""

    def name(self) -> str:
        return "validate_eligibility_form"

    def validate_household_type(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: dict) -> dict[str, Any]:
        household = household_from_text(str(slot_value or "")) or \
            household_from_text((tracker.latest_message or {}).get("text") or "")
        if household is None:
            dispatcher.utter_message(response="utter_household_unclear")
            return {"household_type": None}
        eligible = any(entry["id"] == household and entry["eligible"] for entry in household_types())
        skip = {} if eligible else {"received_device": False, "bought_smartphone": False}
        return {"household_type": household, **skip}


class ActionEligibilityResult(Action):
    def name(self) -> str:
        return "action_eligibility_result"

    def run(self, dispatcher, tracker, domain):
        reply = eligibility_result(tracker.get_slot("household_type"), tracker.get_slot("received_device"),
                                   tracker.get_slot("bought_smartphone"))
        send(dispatcher, reply)
        return [SlotSet("household_type", None), SlotSet("received_device", None),
                SlotSet("bought_smartphone", None), *state_events(reply)]


class ActionCancelForm(Action):
    def name(self) -> str:
        return "action_cancel_form"

    def run(self, dispatcher, tracker, domain):
        send(dispatcher, Reply("chitchat", say("utter_form_stopped")))
        return form_stop_events() + [SlotSet(conversation.PENDING_SLOT, None)]
