"""A person to turn to: "tổng đài số mấy?", "muốn gặp cán bộ", "muốn nói chuyện với người
thật", "cho xin số điện thoại của cán bộ X".

The answer names the body that answers citizens for this portal and its channels
(settings.yml `contact`: body, phone, email, url, hours; each overridable per portal by
HTS_CONTACT_<KEY>; an empty one is left out) and the operators' customer-care lines (a
sourced fact of data/knowledge/cases.yml `contacts.operators`). It never gives an
official's own number. The words are in domain/responses/cases.yml.
"""
from actions.case import cases_data, read_case
from actions.phrases import say
from actions.reply import Reply
from core import settings
from core.vocabulary import phrase_text

CHANNELS = ("phone", "email", "url", "hours")


def _has_phrase(text: str, phrases) -> bool:
    folded = phrase_text(text)
    return any(phrase_text(str(p)) in folded for p in phrases)


def asks_for_person(text: str) -> bool:
    """Whether the message asks for a person, a switchboard or an official's number, and
    names no emergency number (111–115: a question about that number)."""
    person = cases_data()["person"]
    if not _has_phrase(text, [*person["asks"], *person["personal_number"]]):
        return False
    return not read_case(text).get("number")


def body() -> str:
    """The body that answers citizens on this portal (settings `contact.body`)."""
    return str(settings.get("contact", "body", "") or "").strip()


def channels() -> str:
    """" (điện thoại 0123; trang https://...)" from the configured channels; "" when none."""
    parts = [say(f"utter_contact_{key}", value=str(value).strip()) for key in CHANNELS
             if (value := settings.get("contact", key, "")) and str(value).strip()]
    return say("utter_contact_channels", channels="; ".join(parts)) if parts else ""


def operators() -> dict:
    return cases_data()["contacts"]["operators"]


def operators_source() -> dict:
    from actions.answers.programmes import fact_source      # one lookup of source names
    return fact_source(operators()["source"], say("utter_contact_source_section"))


def contact_lines() -> str:
    """One sentence: the portal's body and channels, and the operators' lines."""
    return say("utter_contact_lines", body=body(), channels=channels(), operators=operators()["text"])


def answer_contact(text: str) -> Reply:
    lines = []
    if _has_phrase(text, cases_data()["person"]["personal_number"]):
        lines.append(say("utter_contact_personal_number"))
    lines.append(say("utter_contact_person", body=body(), channels=channels(), operators=operators()["text"]))
    return Reply("programme", " ".join(lines), [operators_source()], context={"intent": "ask_programme"})
