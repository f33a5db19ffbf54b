"""GET /admin/insights: what the assistant could not answer, and how answers were rated.

Disabled (404, as if it did not exist) unless web.admin_token is set; then it needs
`Authorization: Bearer <token>`. Wrong tokens are limited to web.admin_failures_per_minute
per client (then 429, bot/ratelimit.py).
"""
import logging

from flask import Blueprint, current_app, jsonify, request

from bot.auth import require_admin
from bot.errors import ApiError
from bot.store import UNANSWERED_KINDS, StoreUnavailable

log = logging.getLogger(__name__)

bp = Blueprint("insights", __name__)


@bp.get("/admin/insights")
def insights():
    require_admin()
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
