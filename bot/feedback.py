"""POST /api/feedback: thumbs up/down (and an optional comment) on one answer."""
import logging

from flask import Blueprint, current_app, jsonify

from bot.chat import SENDER_PATTERN, json_body
from bot.errors import ApiError
from bot.store import StoreUnavailable
from bot.text import clean_message

log = logging.getLogger(__name__)

MAX_COMMENT_CHARS = 1000

bp = Blueprint("feedback", __name__)


@bp.post("/api/feedback")
def feedback():
    payload = json_body()
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_feedback")
    message_id, helpful, comment = payload.get("message_id"), payload.get("helpful"), payload.get("comment")
    # message ids are ours (uuid hex), the sender pattern is a safe superset.
    if not isinstance(message_id, str) or not SENDER_PATTERN.fullmatch(message_id):
        raise ApiError(400, "invalid_feedback")
    if not isinstance(helpful, bool):
        raise ApiError(400, "invalid_feedback")
    if comment is not None and not isinstance(comment, str):
        raise ApiError(400, "invalid_feedback")
    comment = clean_message(comment) if comment else None
    if comment and len(comment) > MAX_COMMENT_CHARS:
        raise ApiError(413, "comment_too_long", limit=MAX_COMMENT_CHARS)
    try:
        known = current_app.extensions["hts.store"].save_feedback(message_id, helpful, comment or None)
    except StoreUnavailable as error:
        log.error("feedback on %s not stored: %s", message_id, error)
        raise ApiError(503, "feedback_unavailable") from None
    if not known:
        log.info("feedback on unknown message %s", message_id)
        raise ApiError(404, "unknown_message")
    log.info("feedback on %s: helpful=%s comment=%s", message_id, helpful, bool(comment))
    return jsonify({"stored": True})
