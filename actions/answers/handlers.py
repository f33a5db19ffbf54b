"""Requests and complaints → who handles them (issue 19, part 3).

A citizen's message that asks who handles something, or tells of a harm or a lack
("dây cáp thòng xuống … không ai xử lý", "đề nghị lắp trạm cho thôn …", "kêu ai nữa?"),
gets the bodies that handle its subject and where to send it, with sources — never
"which province?": the subject is the same in every province. When the province is known
(named, or the user's own place) and the subject has a plan indicator, the province
plan's target on it follows.

Everything said is data: data/knowledge/handlers.yml (subjects, their words, answers,
sources with URL, date and confidence; the asking and complaint words).
"""
from dataclasses import dataclass
from functools import lru_cache

from actions.answers.places import plan_label
from actions.answers.programmes import unit_buttons
from actions.reply import Reply
from core import knowledge
from core.text import fold
from core.vocabulary import phrase_text

HANDLERS_FILE = "handlers.yml"


@dataclass(frozen=True)
class Request:
    """What a message asks to have handled: its subject (a handlers.yml `subjects` entry)
    and whether the subject was read from the previous message."""
    subject: dict
    carried: bool = False


@lru_cache(maxsize=None)
def _data() -> dict:
    return knowledge.load(HANDLERS_FILE)


@lru_cache(maxsize=None)
def _folded(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(p) for p in phrases)


def _holds(text: str, phrases) -> bool:
    """Whether `text` (from phrase_text) holds one of `phrases` as whole folded words."""
    return any(f" {p} " in text for p in _folded(tuple(phrases)))


def subject_of(text: str) -> dict | None:
    """The first subject of handlers.yml whose words `text` holds; None without one."""
    folded = phrase_text(text)
    return next((s for s in _data()["subjects"] if _holds(folded, s["words"])), None)


def asks_who(text: str, subject: dict | None = None) -> bool:
    """The message asks who or where (handlers.yml meta.asking, or the subject's own
    `asks`)."""
    folded = phrase_text(text)
    return _holds(folded, _data()["meta"]["asking"]) or bool(subject and _holds(folded, subject.get("asks", ())))


def tells_complaint(text: str) -> bool:
    """The message tells of a harm or a lack (handlers.yml meta.complaint)."""
    return _holds(phrase_text(text), _data()["meta"]["complaint"])


def asks_other(text: str) -> bool:
    """The message asks for a number or a date (handlers.yml meta.asks_other)."""
    return _holds(phrase_text(text), _data()["meta"]["asks_other"])


def names_other_body(agencies) -> bool:
    """Whether `agencies` (agency ids a message names) hold a body other than those a
    citizen's request names as the one to act (meta.citizen_agencies): then the
    message is an official's question about that body."""
    return any(a not in _data()["meta"]["citizen_agencies"] for a in agencies)


def read_request(text: str, previous_text: str = "") -> Request | None:
    """The request or complaint `text` makes, None when it makes none. A message asking
    who without a subject of its own takes the subject of `previous_text` (the last
    message of the conversation) when that one had a subject."""
    subject = subject_of(text)
    if subject is not None:
        if asks_who(text, subject) or (tells_complaint(text) and not asks_other(text)):
            return Request(subject)
        return None
    if previous_text and asks_who(text) and (earlier := subject_of(previous_text)) is not None:
        return Request(earlier, carried=True)
    return None


def sources_of(subject: dict) -> list[dict]:
    """The subject's sources as reply sources: {province: "", document, section, url}."""
    return [{"province": "", "document": s["title"], "section": _data()["meta"]["source_section"].format(confidence=s["confidence"]),
             "url": s["url"]} for s in subject["sources"]]


def plan_target(subject: dict, plan_ids: tuple[str, ...]):
    """The province plan's target lines on the subject: (text, sources), or None when the
    subject has no plan indicator or the plan sets no target on it."""
    from actions.answers import values                 # the plan answers; imported late (cycle)
    from actions.understanding import recall_question
    query = subject.get("target_query")
    if not query or not plan_ids:
        return None
    # The subject's query is data, not the user's message: recalled, not read again.
    reply = values.answer_values(recall_question({"intent": "ask_target", "text": query}), plan_ids[:1])
    if reply is None or reply.kind != "target":
        return None
    lines = reply.text.split("\n")[: int(_data()["meta"]["max_target_lines"])]
    heading = _data()["meta"]["target_heading"].format(plan=plan_label(plan_ids[0]))
    return "\n".join([heading, *lines[1:]] if len(lines) > 1 else [heading, *lines]), reply.sources[:2]


def answer_request(request: Request, text: str, plan_ids: tuple[str, ...]) -> Reply:
    """Who handles the request's subject, with its sources; then the target of the plan
    of `plan_ids` (the province named or the user's own) on it, when there is one."""
    subject = request.subject
    lines, sources = [" ".join(subject["answer"].split())], sources_of(subject)
    if (target := plan_target(subject, plan_ids)) is not None:
        lines.append(target[0])
        sources += target[1]
    return Reply("programme", "\n".join(lines), sources, buttons=unit_buttons(subject.get("related", [])),
                 context={"intent": "ask_programme", "text": text, "plan_ids": list(plan_ids)})


def with_where_to_ask(reply: Reply, text: str) -> Reply:
    """A reply that has no plan for the province named ("Lào Cai còn bao nhiêu thôn chưa
    có sóng?"), followed by where that province's figures on the message's subject can be
    asked (the subject's `ask_where`, a referral: the no-plan reply cites no source);
    unchanged otherwise."""
    subject = subject_of(text)
    if subject is None or not subject.get("ask_where"):
        return reply
    reply.text = f"{reply.text}\n{subject['ask_where']}"
    return reply
