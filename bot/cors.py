"""CORS for /api/*: only the portal origins listed in web.cors_origins may call the API.

The widget runs on the portals' pages and calls this server cross-origin, so the
browser asks first (preflight OPTIONS) and then needs Access-Control-Allow-Origin.
flask-cors (MIT) writes those headers, for the listed origins only (exact strings, no
wildcard by default). On top of it this module refuses, with 403 and a Vietnamese JSON
error, any request from an origin not in the list — including "simple" requests
(text/plain) a browser would send without asking — and answers an allowed preflight
with 204. Requests without Origin (curl, score.py) and same-origin ones (the demo
page) are not affected.
"""
import logging
from urllib.parse import urlsplit

from flask import Flask, request
from flask_cors import CORS

from bot.errors import ApiError

log = logging.getLogger(__name__)

ALLOWED_METHODS = ["GET", "POST", "OPTIONS"]
ALLOWED_HEADERS = ["Content-Type"]
PREFLIGHT_MAX_AGE = 600        # seconds a browser may cache a preflight answer


def _same_origin(origin: str) -> bool:
    """The page calling is one of ours (the demo page). Behind a trusted proxy,
    request.host is the host the client asked for (ProxyFix, see bot/app.py)."""
    return urlsplit(origin).netloc == request.host


def install(app: Flask, allowed_origins: tuple[str, ...]) -> None:
    allowed = [origin.rstrip("/") for origin in allowed_origins]
    if "*" in allowed:
        log.warning("web.cors_origins contains '*': any site may embed the assistant")
    CORS(app, resources={r"/api/*": {"origins": allowed}}, methods=ALLOWED_METHODS,
         allow_headers=ALLOWED_HEADERS, max_age=PREFLIGHT_MAX_AGE, vary_header=True,
         supports_credentials=False, automatic_options=True, always_send=False)
    listed = set(allowed)

    @app.before_request
    def _check_origin():
        if not request.path.startswith("/api/"):
            return None
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        if not ("*" in listed or origin in listed or _same_origin(origin)):
            log.warning("refused %s %s from origin %s", request.method, request.path, origin)
            raise ApiError(403, "forbidden_origin")
        if request.method == "OPTIONS":
            # flask-cors adds the Access-Control-* headers to this answer (after_request).
            return app.response_class(status=204)
        return None

    @app.after_request
    def _vary(response):
        # Every /api answer depends on Origin (headers, 403); flask-cors adds Vary only
        # when more than one origin is listed.
        if request.path.startswith("/api/"):
            response.vary.add("Origin")
        return response
