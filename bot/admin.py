"""The plan admin page (/admin/plans) and its JSON API (/admin/api/*): upload a plan,
check its preview, correct the catalogue fields, publish; remove a plan; undo a change.

The page itself holds no data: its script asks for the admin token and sends it as
`Authorization: Bearer <token>` with every API call (bot/auth.py: 404 without a
configured token, 401 and the per-client failure limit of bot/ratelimit.py otherwise).
The work is done by index/publish.py; this module only checks requests and shapes
answers. The page's words are in bot/admin_words.yml, error texts in bot/messages.yml.

    GET    /admin/plans                          the page
    GET    /admin/api/me                         {"name": the operator's name} (the login's check)
    GET    /admin/api/plans                      {"plans": [PlanRow], "changes": [Change, newest first], "operator": name}
    POST   /admin/api/uploads                    multipart "file" -> Preview
    POST   /admin/api/uploads/<sha256>/preview   {"catalog": {field: value}, "plan_id"?} -> Preview
    POST   /admin/api/uploads/<sha256>/publish   same body -> {"change": Change}
    DELETE /admin/api/plans/<plan_id>            -> {"change": Change}
    POST   /admin/api/changes/<change_id>/undo   -> {"change": Change}

Preview: index.publish.preview_upload's dict. Change: index.publish's change record,
plus "undoable" in lists. PlanRow: a catalogue entry with "sha256" and "standing"
(current | ended | superseded) and "draft". Errors: {"error": {"code", "message"}}
with 400/404/409/413/415/422/503 (see STATUS).
"""
import logging
from pathlib import Path

import yaml
from flask import Blueprint, abort, current_app, jsonify, render_template, request

from bot import operators
from bot.auth import require_admin
from bot.errors import ApiError
from index import publish
from index.plans import load_catalog, plan_standing

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__)

WORDS: dict = yaml.safe_load(Path(__file__).with_name("admin_words.yml").read_text(encoding="utf-8"))

# HTTP status of each index.publish error code.
STATUS = {"bad_file_type": 415, "empty_file": 400, "file_too_large": 413, "unreadable_plan": 422,
          "plan_too_large": 413,
          "unknown_upload": 404, "unknown_plan": 404, "unknown_change": 404, "bad_field": 400,
          "stale_change": 409, "index_failed": 503}


def _refused(error: publish.PublishError) -> ApiError:
    log.warning("admin change refused: %s", error)
    return ApiError(STATUS.get(error.code, 400), f"admin_{error.code}")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/plans")
def page():
    if not operators.enabled(current_app.config["HTS"]):
        abort(404)
    return _no_store(current_app.make_response(render_template("admin.html", words=WORDS)))


def _plan_rows() -> list[dict]:
    catalog = load_catalog()
    rows = []
    for row in publish.published():
        info = next(info for info in catalog if info.id == row["id"])
        standing = plan_standing(info, catalog)
        rows.append({**row, "standing": standing.code, "draft": standing.draft})
    return rows


def _change_rows() -> list[dict]:
    """Newest first; a change is undoable when it is the latest of its plan."""
    rows, seen = [], set()
    for change in reversed(publish.changes()):
        rows.append({**change, "undoable": change["plan"] not in seen})
        seen.add(change["plan"])
    return rows


@bp.get("/admin/api/me")
def me():
    """Who the token belongs to: the login checks the token with this at once."""
    return _no_store(jsonify({"name": require_admin()}))


@bp.get("/admin/api/plans")
def plans():
    operator = require_admin()
    return _no_store(jsonify({"plans": _plan_rows(), "changes": _change_rows(), "operator": operator}))


def _body() -> tuple[dict, str | None]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("catalog", {}), dict):
        raise ApiError(400, "admin_bad_field")
    plan_id = body.get("plan_id")
    if plan_id is not None and not isinstance(plan_id, str):
        raise ApiError(400, "admin_bad_field")
    return body.get("catalog") or {}, plan_id or None


def _fields(catalog: dict, plan_id: str | None) -> dict:
    return {**catalog, **({"id": plan_id} if plan_id else {})}


@bp.post("/admin/api/uploads")
def upload():
    require_admin()
    request.max_content_length = publish.MAX_UPLOAD_BYTES + 1024 * 1024   # form overhead, as bot/serve.py
    file = request.files.get("file")
    if file is None:
        raise ApiError(400, "admin_empty_file")
    try:
        staged = publish.stage_upload(file.filename or "", file.read())
        return _no_store(jsonify(publish.preview_upload(staged.sha256)))
    except publish.PublishError as error:
        raise _refused(error) from None


@bp.post("/admin/api/uploads/<sha256>/preview")
def preview(sha256: str):
    require_admin()
    catalog, plan_id = _body()
    try:
        return _no_store(jsonify(publish.preview_upload(sha256, _fields(catalog, plan_id))))
    except publish.PublishError as error:
        raise _refused(error) from None


@bp.post("/admin/api/uploads/<sha256>/publish")
def publish_upload(sha256: str):
    by = require_admin()
    catalog, plan_id = _body()
    try:
        change = publish.publish(sha256, catalog, plan_id, by=by)
    except publish.PublishError as error:
        raise _refused(error) from None
    log.info("plan %s published (%s, change %s)", change["plan"], change["action"], change["id"])
    return _no_store(jsonify({"change": change}))


@bp.delete("/admin/api/plans/<plan_id>")
def remove(plan_id: str):
    by = require_admin()
    try:
        change = publish.remove(plan_id, by=by)
    except publish.PublishError as error:
        raise _refused(error) from None
    log.info("plan %s removed (change %s)", plan_id, change["id"])
    return _no_store(jsonify({"change": change}))


@bp.post("/admin/api/changes/<change_id>/undo")
def undo(change_id: str):
    by = require_admin()
    try:
        change = publish.undo(change_id, by=by)
    except publish.PublishError as error:
        raise _refused(error) from None
    log.info("change %s undone (change %s)", change_id, change["id"])
    return _no_store(jsonify({"change": change}))
