"""POST /api/chat: validate the question, ask Rasa, merge its messages into one answer.

Rasa's REST channel answers with a list of bot messages; the text ones (with their
buttons) become `messages`, and the `custom` payloads the actions attach (kind, sources,
table, ...) become `meta`, the first payload that carries a key winning. This is the
contract of shared/eval/score.py and of the widget.
"""
import logging
import re
import uuid

from flask import Blueprint, current_app, jsonify, request

from bot.errors import ApiError
from bot.sessions import check_sender
from bot.text import clean_message, scrub
from core.telex import from_telex

log = logging.getLogger(__name__)

# Sender ids: what the widget ("web-<hex>") and score.py ("score-<hex>") send. Restricted
# so a sender id can never carry markup or be abused as a free-text channel into Rasa.
SENDER_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

bp = Blueprint("chat", __name__)


def json_body():
    """The request's JSON, or None when it is not JSON. `silent` only silences
    ValueError: JSON nested thousands deep (a 64 KB body of "[[[[...") raises
    RecursionError, which would otherwise end as a 500."""
    try:
        return request.get_json(force=True, silent=True)
    except RecursionError:
        return None


def read_request(max_chars: int) -> tuple[str, str]:
    """(sender, cleaned message with personal data masked) of the request, or an
    ApiError. The masking comes first, so the raw phone or ID number never reaches
    Rasa, its tracker store, the feedback database or a log."""
    payload = json_body()
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json")
    sender = payload.get("sender")
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise ApiError(400, "invalid_sender")
    check_sender(sender)
    message = payload.get("message")
    if message is None:
        raise ApiError(400, "empty_message")
    if not isinstance(message, str):
        raise ApiError(400, "invalid_message")
    message = clean_message(message)
    if not message:
        raise ApiError(400, "empty_message")
    if len(message) > max_chars:
        raise ApiError(413, "message_too_long", limit=max_chars)
    return sender, from_telex(scrub(message))


# Rasa reads a message that starts with "/" as an intent with entities, skipping the
# NLU ("/restart", '/inform_province{"province": "..."}').
INTENT_PREFIX = "/"


def gate_payload(sender: str, message: str, rasa) -> str:
    """The message as Rasa may see it: an intent payload ("/...") goes through only when
    the assistant offered it as a button in its last reply to this sender; anything else
    starting with "/" is sent as plain text, the slashes dropped. ApiError 400 when
    nothing is left."""
    if not message.startswith(INTENT_PREFIX):
        return message
    if message in rasa.offered_payloads(sender):
        return message
    log.info("a typed intent payload was not offered to this sender: sent as text")
    text = message.lstrip(INTENT_PREFIX + " \u00a0")
    if not text:
        raise ApiError(400, "empty_message")
    return text


def _buttons(raw) -> list[dict]:
    if not isinstance(raw, list):
        return []
    return [{"title": str(b["title"]), "payload": str(b["payload"])}
            for b in raw if isinstance(b, dict) and b.get("title") and b.get("payload")]


def merge_events(events: list) -> dict:
    """The answer {"messages": [...], "meta": {...}} built from Rasa's bot messages."""
    messages, meta = [], {}
    for event in events:
        if not isinstance(event, dict):
            log.warning("ignoring a Rasa message that is not an object: %.200r", event)
            continue
        text = event.get("text")
        buttons = _buttons(event.get("buttons"))
        if isinstance(text, str) and text.strip():
            message = {"text": text}
            if buttons:
                message["buttons"] = buttons
            messages.append(message)
        elif buttons and messages and "buttons" not in messages[-1]:
            messages[-1]["buttons"] = buttons   # buttons sent on their own: attach them
        custom = event.get("custom")
        if isinstance(custom, dict):
            for key, value in custom.items():
                if value is not None:
                    meta.setdefault(key, value)
    sources = meta.get("sources")
    meta["sources"] = [s for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []
    meta.setdefault("kind", None)
    return {"messages": messages, "meta": meta}


@bp.post("/api/chat")
def chat():
    sender, message = read_request(current_app.config["HTS"].max_message_chars)
    rasa = current_app.extensions["hts.rasa"]
    message = gate_payload(sender, message, rasa)
    events = rasa.send(sender, message)
    answer = merge_events(events)
    if not answer["messages"]:
        # Rasa answers [] (or only payloads) when the action server is down or an
        # action failed: to the user that is "cannot answer right now", not silence.
        log.error("Rasa returned no message to show (%d events): is the action server up?", len(events))
        raise ApiError(503, "assistant_unavailable")
    message_id = uuid.uuid4().hex
    answer["meta"]["message_id"] = message_id
    store = current_app.extensions["hts.store"]
    if store.record_answer(message_id, answer["meta"]["kind"], message):
        store.note_turn(sender, message_id, answer["meta"]["kind"])
    current_app.extensions["hts.metrics"].answer(answer["meta"]["kind"])
    log.info("answered message %s kind=%s sources=%d", message_id, answer["meta"]["kind"],
             len(answer["meta"]["sources"]))
    return jsonify(answer)
