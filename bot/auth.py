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


def request_operator() -> str | None:
    """The name of the operator whose token the request carries, else None (also when
    the admin area is off). The rate limit uses it so wrong guesses from the same
    address never lock out a right token."""
    config = current_app.config["HTS"]
    given = _given_token()
    if given is None or not operators.enabled(config):
        return None
    return operators.operator_for(given, config)


def require_admin() -> str:
    """The calling operator's name. 404 when the admin area is off; ApiError 401
    (counted by the rate limit) when the request's token is missing or wrong."""
    if not operators.enabled(current_app.config["HTS"]):
        abort(404)
    name = request_operator()
    if name is None:
        log.warning("%s refused: missing or wrong admin token", request.path)
        raise ApiError(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
    g.operator = name
    return name
