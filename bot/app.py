"""The web app: chat API, feedback, insights, the plan admin page, health checks, plan
pages and the widget.

    create_app()                                  settings from settings.yml / HTS_* env
    create_app({"rasa.url": "http://...:1"})      overrides "section.key", for tests
"""
import logging
import threading

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import admin, answers_admin, chat, cors, feedback, health, insights, metrics, pages, ratelimit, sessions
from bot.config import load_config
from bot.errors import register_error_handlers
from bot.rasa_client import RasaClient
from bot.store import Store
from index import publish

log = logging.getLogger(__name__)

# Whole request bodies above this are refused (413) before being parsed; the message
# limit itself (config.DEFAULT_MAX_MESSAGE_CHARS) is checked on the cleaned text.
MAX_BODY_BYTES = 64 * 1024

# Pages are ours only: scripts and styles from this origin, no inline script at all.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'self'")


def _recover_publish() -> None:
    try:
        outcome = publish.recover(wait=False)
    except Exception:                      # never fatal: /readyz reports the mismatch
        log.exception("recovery of an interrupted publish failed")
        return
    if outcome:
        log.warning("interrupted publish %s: %s", outcome["change"], outcome["outcome"])


def create_app(overrides: dict | None = None) -> Flask:
    config = load_config(overrides)
    app = Flask(__name__)
    app.config["HTS"] = config
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False   # Vietnamese stays readable in JSON answers
    if config.trusted_proxy:
        # One reverse proxy we trust: take the client address, scheme and host from the
        # headers it sets (the last X-Forwarded-* hop). Never without one: anyone could
        # forge them to dodge the rate limit.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.extensions["hts.rasa"] = RasaClient(config.rasa_url, config.rasa_timeout, token=config.rasa_token)
    if not config.rasa_token:
        log.warning("rasa.token is empty: the offered buttons cannot be read from Rasa's tracker, "
                    "so every '/intent' payload (button clicks too) is sent as text")
    app.extensions["hts.store"] = Store(config.database)
    app.extensions["hts.sessions"] = sessions.Signer(config.session_secret, config.session_hours)

    # Origin check first: a refused origin does not spend the client's rate budget.
    cors.install(app, config.cors_origins)
    app.extensions["hts.limiter"] = ratelimit.install(
        app, config.rate_limit_per_minute, config.ratelimit_storage_uri, config.admin_failures_per_minute)
    metrics.install(app)
    for blueprint in (chat.bp, sessions.bp, feedback.bp, insights.bp, admin.bp, answers_admin.bp, health.bp, pages.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app, pages.not_found_page)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # A publish interrupted by a crash (index/publish.py's journal) is finished or rolled
    # back in the background: the build may take seconds, start-up does not wait for it.
    threading.Thread(target=_recover_publish, name="publish-recovery", daemon=True).start()

    log.info("web app ready: rasa=%s actions=%s database=%s cors=%s rate=%d/min (%s)",
             config.rasa_url, config.actions_url, config.database,
             ",".join(config.cors_origins) or "-", config.rate_limit_per_minute,
             config.ratelimit_storage_uri.split("://")[0])
    return app
