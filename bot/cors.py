"""CORS for /api/*: only the portal origins listed in web.cors_origins may call the API.

The widget runs on the portals' pages and calls this server cross-origin, so the
browser asks first (preflight OPTIONS) and then needs Access-Control-Allow-Origin. No
wildcard: an origin not in the list gets no CORS headers and its requests are refused,
including "simple" requests (text/plain) a browser would send without asking. Requests
without Origin (curl, score.py) and same-origin ones (the demo page) are not affected.
"""
import logging
from urllib.parse import urlsplit

from flask import Flask, request

from bot.errors import ApiError

log = logging.getLogger(__name__)

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE = "600"


def _same_origin(origin: str) -> bool:
    """The page calling is one of ours (the demo page). Behind a trusted proxy,
    request.host is the host the client asked for (ProxyFix, see bot/app.py)."""
    return urlsplit(origin).netloc == request.host


def install(app: Flask, allowed_origins: tuple[str, ...]) -> None:
    allowed = {origin.rstrip("/") for origin in allowed_origins}
    if "*" in allowed:
        log.warning("web.cors_origins contains '*': any site may embed the assistant")

    def origin_allowed(origin: str) -> bool:
        return "*" in allowed or origin in allowed or _same_origin(origin)

    @app.before_request
    def _check_origin():
        if not request.path.startswith("/api/"):
            return None
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        if not origin_allowed(origin):
            log.warning("refused %s %s from origin %s", request.method, request.path, origin)
            raise ApiError(403, "forbidden_origin")
        if request.method == "OPTIONS":
            response = app.make_default_options_response()
            response.status_code = 204
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
            return response
        return None

    @app.after_request
    def _add_headers(response):
        if request.path.startswith("/api/"):
            response.vary.add("Origin")
            origin = request.headers.get("Origin")
            if origin and origin_allowed(origin):
                response.headers["Access-Control-Allow-Origin"] = origin
        return response
