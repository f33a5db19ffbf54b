"""JSON errors of the API: one exception type; the Vietnamese texts are in bot/messages.yml.

Every error answer has the shape {"error": {"code": "...", "message": "..."}}; the
message is what the widget shows the user, so it is Vietnamese and never echoes what
the user typed.
"""
import logging
from pathlib import Path

import yaml
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES: dict[str, str] = yaml.safe_load(
    (Path(__file__).with_name("messages.yml")).read_text(encoding="utf-8"))["errors"]


class ApiError(Exception):
    def __init__(self, status: int, code: str, headers: dict | None = None, **values):
        super().__init__(code)
        self.status = status
        self.code = code
        self.headers = headers or {}
        self.message = MESSAGES[code].format(**values) if values else MESSAGES[code]


def _json_error(error: ApiError):
    # Upstream failures were logged with their cause where they happened; this line
    # records every refused request too (400, 413, 429...), without its content.
    level = logging.WARNING if error.status >= 500 else logging.INFO
    log.log(level, "%s %s -> %d %s", request.method, request.path, error.status, error.code)
    response = jsonify({"error": {"code": error.code, "message": error.message}})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def error_response(status: int, code: str, headers: dict | None = None, **values):
    return _json_error(ApiError(status, code, headers, **values))


def _is_api() -> bool:
    return request.path.startswith(("/api/", "/admin/"))


def register_error_handlers(app: Flask, html_not_found) -> None:
    """JSON errors under /api and /admin; pages get the Vietnamese HTML 404."""

    app.register_error_handler(ApiError, _json_error)

    @app.errorhandler(404)
    def _not_found(error):
        if _is_api():
            return error_response(404, "not_found")
        return html_not_found()

    @app.errorhandler(405)
    def _not_allowed(error):
        response = error_response(405, "method_not_allowed")
        response.headers["Allow"] = ", ".join(error.valid_methods or [])
        return response

    @app.errorhandler(413)
    def _too_large(error):
        return error_response(413, "body_too_large")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # Any other werkzeug error (400 from a malformed request line, ...): plain JSON.
        log.info("HTTP %s on %s %s", error.code, request.method, request.path)
        if error.code == 400:
            return error_response(400, "invalid_json")
        response = jsonify({"error": {"code": "http_error", "message": MESSAGES["internal_error"]}})
        response.status_code = error.code or 500
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error")
