"""GET /admin/insights: what the assistant could not answer, and how answers were rated.

Disabled (404, as if it did not exist) unless web.admin_token is set; then it needs
`Authorization: Bearer <token>`. Wrong tokens are limited to web.admin_failures_per_minute
per client (then 429, bot/ratelimit.py).
"""
import hashlib
import hmac
import logging

from flask import Blueprint, abort, current_app, jsonify, request

from bot.errors import ApiError
from bot.store import UNANSWERED_KINDS, StoreUnavailable

log = logging.getLogger(__name__)

bp = Blueprint("insights", __name__)


def _authorized(token: str) -> bool:
    """Compared in constant time, on SHA-256 digests so that not even the token's length
    shows in the timing. Failed attempts are rate limited per client (bot/ratelimit.py)."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    given_digest = hashlib.sha256(given.strip().encode("utf-8", "replace")).digest()
    token_digest = hashlib.sha256(token.encode("utf-8")).digest()
    return hmac.compare_digest(given_digest, token_digest) and scheme.lower() == "bearer"


@bp.get("/admin/insights")
def insights():
    token = current_app.config["HTS"].admin_token
    if not token:
        abort(404)
    if not _authorized(token):
        log.warning("insights refused: missing or wrong token")
        raise ApiError(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
    try:
        limit = max(1, min(int(request.args.get("limit", 20)), 200))
    except ValueError:
        limit = 20
    try:
        data = current_app.extensions["hts.store"].insights(limit)
    except StoreUnavailable as error:
        log.error("insights unavailable: %s", error)
        raise ApiError(503, "feedback_unavailable") from None
    data["unanswered_kinds"] = list(UNANSWERED_KINDS)
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response
