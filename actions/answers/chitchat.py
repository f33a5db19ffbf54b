"""Greetings, thanks, help, and a polite decline for what is out of scope.

The words are responses in domain/responses/chitchat.yml; the list of provinces
comes from the plans' catalogue."""
from actions import knowledge_base as kb
from actions.phrases import buttons, say
from actions.reply import Reply

WITH_EXAMPLES = ("greet", "bot_help")


def capabilities() -> str:
    labels = [kb.province_of(plan.id) for plan in kb.plans().plans]
    return say("utter_capabilities", plans=", ".join(labels))


def answer_chitchat(intent: str) -> Reply:
    text = say(f"utter_{intent}", capabilities=capabilities())
    return Reply("chitchat", text, buttons=buttons("utter_examples") if intent in WITH_EXAMPLES else [])


def answer_out_of_scope() -> Reply:
    return Reply("out_of_scope", say("utter_out_of_scope", capabilities=capabilities()),
                 buttons=buttons("utter_examples")[:3])
