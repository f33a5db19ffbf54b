"""The admin login: `Authorization: Bearer <token>` on /admin/* requests, where the
token is an operator's own (bot/operators.py: name + token hash in the file the
deployment provides) or the shared web.admin_token.

Compared in constant time, on SHA-256 digests so that not even the token's length shows
in the timing. Wrong tokens are limited per client (bot/ratelimit.py); with no shared
token and no operator account the admin pages do not exist (404).
"""
import logging

from flask import abort, current_app, g, request

from bot import operators
from bot.errors import ApiError

log = logging.getLogger(__name__)


def _given_token() -> str | None:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" else None


def require_admin() -> str:
    """The calling operator's name. 404 when the admin area is off; ApiError 401
    (counted by the rate limit) when the request's token is missing or wrong."""
    config = current_app.config["HTS"]
    if not operators.enabled(config):
        abort(404)
    given = _given_token()
    name = operators.operator_for(given, config) if given is not None else None
    if name is None:
        log.warning("%s refused: missing or wrong admin token", request.path)
        raise ApiError(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
    g.operator = name
    return name
