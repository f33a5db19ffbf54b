"""The admin token: `Authorization: Bearer <web.admin_token>` on /admin/* requests.

Compared in constant time, on SHA-256 digests so that not even the token's length shows
in the timing. Wrong tokens are limited per client (bot/ratelimit.py); with an empty
web.admin_token the admin pages do not exist (404).
"""
import hashlib
import hmac
import logging

from flask import abort, current_app, request

from bot.errors import ApiError

log = logging.getLogger(__name__)


def authorized(token: str) -> bool:
    """Whether the request carries `Bearer <token>`."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    given_digest = hashlib.sha256(given.strip().encode("utf-8", "replace")).digest()
    token_digest = hashlib.sha256(token.encode("utf-8")).digest()
    return hmac.compare_digest(given_digest, token_digest) and scheme.lower() == "bearer"


def require_admin() -> None:
    """404 when no admin token is configured; ApiError 401 (counted by the rate limit)
    when the request's token is missing or wrong."""
    token = current_app.config["HTS"].admin_token
    if not token:
        abort(404)
    if not authorized(token):
        log.warning("%s refused: missing or wrong admin token", request.path)
        raise ApiError(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
