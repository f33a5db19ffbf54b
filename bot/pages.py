"""HTML pages: the demo portal page, the plan (source) pages, and the widget's files."""
import logging
from pathlib import Path

from flask import Blueprint, current_app, render_template, send_from_directory, url_for

from bot import plans_view

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
# The widget is fetched by every portal page view; a short cache keeps updates quick.
WIDGET_MAX_AGE = 300

bp = Blueprint("pages", __name__)


def not_found_page(message: str | None = None):
    return render_template("404.html", message=message or plans_view.WORDS["not_found"]), 404


def _plans_or_unavailable():
    try:
        return plans_view.plans(), None
    except Exception:  # a missing catalogue must give an error page, not a crash
        log.exception("cannot load the plans")
        page = render_template("error.html", message=plans_view.WORDS["plans_unavailable"]), 503
        return None, page


@bp.get("/")
def demo():
    """The demo portal page. The widget's URL comes from web.public_url (or is relative
    to this server), never from the request's Host header, which a client can forge."""
    public_url = current_app.config["HTS"].public_url
    return render_template("demo.html", widget_url=public_url + url_for("pages.widget_js"))


@bp.get("/plans")
def plan_list():
    plans, error_page = _plans_or_unavailable()
    if error_page:
        return error_page
    rows = [{"id": plan.id, **plans_view.header(plan)} for plan in plans.values()]
    return render_template("plans.html", plans=rows)


@bp.get("/plans/<plan_id>")
def plan_page(plan_id: str):
    plans, error_page = _plans_or_unavailable()
    if error_page:
        return error_page
    plan = plans.get(plan_id)
    if plan is None:
        return not_found_page(plans_view.WORDS["plan_not_found"])
    return render_template("plan.html", plan=plan, header=plans_view.header(plan),
                           blocks=plans_view.blocks, heading_level=plans_view.heading_level)


@bp.get("/widget.js")
def widget_js():
    return send_from_directory(STATIC, "widget.js", mimetype="text/javascript", max_age=WIDGET_MAX_AGE)


@bp.get("/widget.css")
def widget_css():
    return send_from_directory(STATIC, "widget.css", mimetype="text/css", max_age=WIDGET_MAX_AGE)
