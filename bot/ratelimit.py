"""Rate limits with flask-limiter (MIT): per client address, answered with 429, a
Retry-After header and the Vietnamese JSON error of bot/errors.py.

    /api/*            web.rate_limit_per_minute requests per minute per client, all
                      /api routes together (0: off); OPTIONS preflights are free
    /admin/*          web.admin_failures_per_minute refused tokens (401) per minute per
                      client; past that, every /admin request of that client with a
                      missing or wrong token gets 429 until the window moves on; the
                      right token always gets through (it is never counted or refused)

Counters live in web.ratelimit_storage_uri: memory:// (per process, the embedded
profile) or redis://host:port/db (shared, the scale-out profile: the limit then holds
across web app instances). When that storage is down requests are let through and the
error is logged (swallow_errors). The client is request.remote_addr: the socket peer,
or, only when web.trusted_proxy is set, the address our proxy put last in
X-Forwarded-For (ProxyFix in bot/app.py); otherwise anyone could forge the header to
get a fresh budget.
"""
import logging
import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from bot import admin, answers_admin, insights, metrics
from bot.auth import request_operator
from bot.errors import error_response

log = logging.getLogger(__name__)

WINDOW, WINDOW_SECONDS = "minute", 60
STORAGE_TIMEOUT = 0.5          # seconds: a Redis that does not answer must not hold a request


def _client() -> str:
    return request.remote_addr or "unknown"


def _right_admin_token() -> bool:
    return request_operator() is not None


def _not_api() -> bool:
    return not request.path.startswith("/api/") or request.method == "OPTIONS"


def install(app: Flask, per_minute: int, storage_uri: str = "memory://",
            admin_failures_per_minute: int = 5) -> Limiter:
    options = {}
    if storage_uri.startswith(("redis://", "rediss://")):
        options = {"socket_timeout": STORAGE_TIMEOUT, "socket_connect_timeout": STORAGE_TIMEOUT}
    limiter = Limiter(
        _client, app=app,
        application_limits=[f"{per_minute}/{WINDOW}"] if per_minute > 0 else [],
        application_limits_exempt_when=_not_api,
        storage_uri=storage_uri, storage_options=options, strategy="moving-window",
        swallow_errors=True, headers_enabled=False, key_prefix="hts")
    if admin_failures_per_minute > 0:
        # Counted only when the answer is 401 (wrong or missing token); one budget for
        # every admin route (insights and the plan admin page).
        # A request with the right token is exempt: wrong tokens sent from the operator's
        # address (or anyone behind the same NAT) never lock the operator out.
        admin_auth = limiter.shared_limit(f"{admin_failures_per_minute}/{WINDOW}", scope="admin-auth",
                                          key_func=_client, exempt_when=_right_admin_token,
                                          deduct_when=lambda response: response.status_code == 401)
        admin_auth(insights.bp)
        admin_auth(admin.bp)
        admin_auth(metrics.bp)
        admin_auth(answers_admin.bp)

    @app.errorhandler(RateLimitExceeded)
    def _limited(error: RateLimitExceeded):
        current = limiter.current_limit
        # window: (epoch seconds when a request is allowed again, requests remaining)
        reset_at = current.window[0] if current is not None else time.time() + WINDOW_SECONDS
        seconds = min(WINDOW_SECONDS, max(1, math.ceil(reset_at - time.time())))
        log.warning("rate limit hit by a client on %s (retry in %d s)", request.path, seconds)
        return error_response(429, "rate_limited", headers={"Retry-After": str(seconds)}, seconds=seconds)

    return limiter

