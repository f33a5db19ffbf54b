"""GET /metrics: the web app's Prometheus metrics (prometheus-client, Apache-2.0),
protected like the admin API (`Authorization: Bearer <web.admin_token>`; 404 while no
token is configured; wrong tokens count towards the admin failure limit). A Prometheus
job sets the token with `authorization: {credentials: ...}`.

    hts_http_requests_total{route, method, status}     every request, by URL rule
    hts_http_request_seconds{route}                    latency histogram
    hts_answers_total{kind}                            answers by kind (actions/reply.py KINDS)
    hts_declines_total{kind}                           answers that decline: no_plan,
                                                       out_of_scope, fallback
    hts_component_up{component}                        Rasa and the action server
                                                       answering (1) or not (0), probed
                                                       when /metrics is read (bot/health.py)

Routes are the URL rules ("/plans/<plan_id>"), never the raw path, so a client cannot
grow the label set; no label carries what a user wrote. Per process: with several web
app processes each is scraped on its own.
"""
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.auth import require_admin
from bot.health import check_actions, check_rasa

bp = Blueprint("metrics", __name__)

DECLINES = ("no_plan", "out_of_scope", "fallback")
# seconds: a cached page answers in milliseconds, a question through Rasa in 0.1–3 s
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 15)


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("hts_http_requests", "HTTP requests by route, method and status",
                                ("route", "method", "status"), registry=self.registry)
        self.latency = Histogram("hts_http_request_seconds", "HTTP request latency by route",
                                 ("route",), buckets=BUCKETS, registry=self.registry)
        self.answers = Counter("hts_answers", "Answers by kind", ("kind",), registry=self.registry)
        self.declines = Counter("hts_declines", "Answers that decline (no plan, out of scope, fallback)",
                                ("kind",), registry=self.registry)
        self.up = Gauge("hts_component_up", "Rasa and the action server answering (1) or not (0)",
                        ("component",), registry=self.registry)

    def answer(self, kind: str | None) -> None:
        kind = kind or "none"
        self.answers.labels(kind).inc()
        if kind in DECLINES:
            self.declines.labels(kind).inc()


def install(app: Flask) -> Metrics:
    metrics = Metrics()
    app.extensions["hts.metrics"] = metrics

    @app.before_request
    def _started():
        g.hts_started = time.perf_counter()

    @app.after_request
    def _count(response):
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        metrics.requests.labels(route, request.method, str(response.status_code)).inc()
        started = getattr(g, "hts_started", None)
        if started is not None:
            metrics.latency.labels(route).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)
    return metrics


@bp.get("/metrics")
def metrics():
    require_admin()
    config = current_app.config["HTS"]
    collected: Metrics = current_app.extensions["hts.metrics"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        rasa = pool.submit(check_rasa, config.rasa_url, config.rasa_token, config.readiness_timeout)
        actions = pool.submit(check_actions, config.actions_url, config.readiness_timeout)
        collected.up.labels("rasa").set(1 if rasa.result()["ready"] else 0)
        collected.up.labels("actions").set(1 if actions.result()["ready"] else 0)
    response = Response(generate_latest(collected.registry), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
