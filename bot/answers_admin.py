"""The answer editor's JSON API: operators write fixed answers for questions the
assistant could not serve; published at once, without retraining or restarting
(index/answers_publish.py does the work, the action server picks them up on the next
question). Every route needs an operator token (bot/auth.py); the change log names the
operator.

    GET    /admin/api/answers                  {"answers": [Answer], "changes": [Change, newest first, "undoable"], "operator": name}
    POST   /admin/api/answers                  AnswerBody -> 201 {**Answer, "change": Change}
    PUT    /admin/api/answers/<id>             AnswerBody -> {**Answer, "change": Change}
    DELETE /admin/api/answers/<id>             -> {"change": Change}
    POST   /admin/api/answers/preview          AnswerBody (+ "id" when editing) -> {"catches", "shadows", "asked"}
    POST   /admin/api/answer-changes/<id>/undo -> {"change": Change}

AnswerBody: {"answer": str, "examples": [str, …], "source": {"document": str,
"number"?: str, "date"?: str, "url"?: str}, "valid_until"?: "YYYY-MM-DD"}.
Answer and Change: see index/answers_publish.py. The preview's "catches"/"shadows" come
from the action server (actions/operator_api.py), tried on the questions recorded in
the last PREVIEW_DAYS days (masked, bot/store.py) and on the published units' own
examples; "asked": how many recorded questions were tried.
Errors: {"error": {"code": "answer_<code>", "message": Vietnamese}} with 400 (bad
input), 404 (unknown answer or change), 409 (stale undo), 503 (preview unavailable).
"""
import logging
from datetime import datetime, timedelta, timezone

import requests
from flask import Blueprint, current_app, jsonify, request

from bot.auth import require_admin
from bot.errors import ApiError
from bot.store import StoreUnavailable
from index import answers_publish as answers
from index.publish import PublishError

log = logging.getLogger(__name__)

bp = Blueprint("answers_admin", __name__)

STATUS = {"unknown_answer": 404, "unknown_change": 404, "stale_change": 409}
PREVIEW_DAYS = 90
PREVIEW_MAX_QUESTIONS = 300
PREVIEW_TIMEOUT = 60.0          # seconds: the action server tries every question twice


def _refused(error: PublishError) -> ApiError:
    log.info("answer change refused: %s", error)
    return ApiError(STATUS.get(error.code, 400), f"answer_{error.code}")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _body():
    try:
        return request.get_json(force=True, silent=True)
    except RecursionError:
        return None


def _change_rows() -> list[dict]:
    """Newest first; a change is undoable when it is the latest of its answer."""
    rows, seen = [], set()
    for change in reversed(answers.changes()):
        rows.append({**change, "undoable": change["answer"] not in seen})
        seen.add(change["answer"])
    return rows


@bp.get("/admin/api/answers")
def list_answers():
    operator = require_admin()
    return _no_store(jsonify({"answers": answers.published()["answers"], "changes": _change_rows(),
                              "operator": operator}))


@bp.post("/admin/api/answers")
def create():
    by = require_admin()
    try:
        change = answers.create(_body(), by)
    except PublishError as error:
        raise _refused(error) from None
    log.info("answer %s published by an operator (change %s)", change["answer"], change["id"])
    response = jsonify({**change["after"], "change": change})
    response.status_code = 201
    return _no_store(response)


@bp.put("/admin/api/answers/<answer_id>")
def update(answer_id: str):
    by = require_admin()
    try:
        change = answers.update(answer_id, _body(), by)
    except PublishError as error:
        raise _refused(error) from None
    log.info("answer %s changed (change %s)", answer_id, change["id"])
    return _no_store(jsonify({**change["after"], "change": change}))


@bp.delete("/admin/api/answers/<answer_id>")
def delete(answer_id: str):
    by = require_admin()
    try:
        change = answers.delete(answer_id, by)
    except PublishError as error:
        raise _refused(error) from None
    log.info("answer %s removed (change %s)", answer_id, change["id"])
    return _no_store(jsonify({"change": change}))


@bp.post("/admin/api/answer-changes/<change_id>/undo")
def undo(change_id: str):
    by = require_admin()
    try:
        change = answers.undo(change_id, by)
    except PublishError as error:
        raise _refused(error) from None
    log.info("answer change %s undone (change %s)", change_id, change["id"])
    return _no_store(jsonify({"change": change}))


def _recent_questions() -> list[str]:
    """Distinct masked questions of the last PREVIEW_DAYS days, latest first."""
    since = (datetime.now(timezone.utc) - timedelta(days=PREVIEW_DAYS)).isoformat(timespec="seconds")
    try:
        questions = current_app.extensions["hts.store"].recent_questions(since, PREVIEW_MAX_QUESTIONS)
    except StoreUnavailable as error:       # the preview works without them (examples only)
        log.warning("preview without recorded questions: %s", error)
        return []
    return [q for q in questions if 0 < len(q) <= 1000]


@bp.post("/admin/api/answers/preview")
def preview():
    require_admin()
    body = _body()
    try:
        draft = answers.check(body)
    except PublishError as error:
        raise _refused(error) from None
    answer_id = body.get("id") if isinstance(body.get("id"), str) and answers.ID_PATTERN.fullmatch(body["id"]) else None
    questions = _recent_questions()
    url = current_app.config["HTS"].actions_url + "/hts/answers/preview"
    try:
        reply = requests.post(url, json={"answer": {**draft, "id": answer_id}, "questions": questions},
                              timeout=PREVIEW_TIMEOUT)
        reply.raise_for_status()
        result = reply.json()
    except (requests.RequestException, ValueError) as error:
        log.error("answer preview unavailable: %s", error)
        raise ApiError(503, "answer_preview_unavailable") from None
    return _no_store(jsonify({**result, "asked": len(questions)}))
