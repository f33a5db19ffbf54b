"""What the assistant did not serve, for portal operators: the insights page and its data.

    GET /admin/insights                 the earlier JSON summary (top unanswered, feedback counts)
    GET /admin/questions                the page (same login as /admin/plans; bot/templates/insights.html)
    GET /admin/api/insights?from=YYYY-MM-DD&to=YYYY-MM-DD
        -> {"from", "to", "bucket": "day" | "week", "series": [{"period", "answered",
            "declined", "thumbs_down"}], "groups": [Group], "grouped_by": "meaning" | "wording"}
    GET /admin/api/insights.csv?from=…&to=…   the groups as CSV (UTF-8 with BOM, CSV_COLUMNS)

Group: {"group": n, "question": the most asked wording, "wordings": [other wordings],
"count", "first_seen", "last_seen" (UTC ISO 8601), "kinds": {answer kind: n},
"declined", "thumbs_down", "unresolved_clarify" (counts), "comments": [str]}.

The rows are the store's problem rows (bot/store.py: a decline, a thumbs-down with its
comment, a clarification never resolved); the questions are stored masked (bot/text.py
scrub), so nothing here can hold a phone, e-mail or ID number. Wordings are grouped by
meaning with the project's embeddings, asked from the action server (POST /hts/embed,
actions/operator_api.py; the web app never loads the model): a wording joins the group of
the first more frequent wording whose cosine reaches GROUP_MIN_COSINE. When the action
server cannot be reached, the groups fall back to the folded wording ("wording").

Every route needs an operator token (bot/auth.py). Bad dates: 400 insights_bad_date.
"""
import csv
import io
import logging
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import requests
import yaml
from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from bot import operators
from bot.auth import require_admin
from bot.errors import ApiError
from bot.store import UNANSWERED_KINDS, StoreUnavailable
from bot.text import question_key

log = logging.getLogger(__name__)

bp = Blueprint("insights", __name__)

WORDS: dict = yaml.safe_load(Path(__file__).with_name("insights_words.yml").read_text(encoding="utf-8"))

# Two wordings are one question when their e5 cosine reaches this ("query: " on both
# sides). e5's cosines are compressed: measured on the stack (2026-12-06), the same
# question reworded "làm chữ ký số ở đâu" / "chữ ký số đăng ký ở đâu" 0.964, while other
# questions of the same shape reach 0.89 ("chữ ký số đăng ký ở đâu" / "Tài khoản định
# danh điện tử mức 2 đăng ký ở đâu?") and unrelated ones 0.80–0.83. An unaccented
# rewording may stay apart (0.83 for "dang ky vneid muc 2 o dau"): a separate group,
# never a wrong merge.
GROUP_MIN_COSINE = 0.92
DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_WORDINGS = 400              # distinct wordings sent to the embedding route, most asked first
EMBED_TIMEOUT = 20.0            # seconds
CSV_COLUMNS = ("group", "question", "count", "first_seen", "last_seen", "answer_kinds",
               "declined", "thumbs_down", "unresolved_clarify", "comments", "other_wordings")


@bp.get("/admin/insights")
def insights():
    require_admin()
    try:
        limit = max(1, min(int(request.args.get("limit", 20)), 200))
    except ValueError:
        limit = 20
    try:
        data = current_app.extensions["hts.store"].insights(limit)
    except StoreUnavailable as error:
        log.error("insights unavailable: %s", error)
        raise ApiError(503, "feedback_unavailable") from None
    data["unanswered_kinds"] = list(UNANSWERED_KINDS)
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/questions")
def page():
    if not operators.enabled(current_app.config["HTS"]):
        abort(404)
    response = current_app.make_response(render_template("insights.html", words=WORDS))
    response.headers["Cache-Control"] = "no-store"
    return response


def date_range() -> tuple[date, date]:
    """?from= and ?to= (YYYY-MM-DD, UTC days, both included); default the last
    DEFAULT_DAYS days. ApiError 400 on a malformed date, from after to, or over MAX_DAYS."""
    today = datetime.now(timezone.utc).date()
    try:
        until = date.fromisoformat(request.args.get("to") or today.isoformat())
        since = date.fromisoformat(request.args.get("from") or (until - timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    except ValueError:
        raise ApiError(400, "insights_bad_date") from None
    if since > until or (until - since).days >= MAX_DAYS:
        raise ApiError(400, "insights_bad_date")
    return since, until


def _embed(texts: list[str]) -> np.ndarray | None:
    """The e5 vectors of `texts` from the action server, None when it cannot answer."""
    url = current_app.config["HTS"].actions_url + "/hts/embed"
    try:
        reply = requests.post(url, json={"texts": texts}, timeout=EMBED_TIMEOUT)
        reply.raise_for_status()
        vectors = np.asarray(reply.json()["vectors"], dtype=np.float32)
    except (requests.RequestException, ValueError, KeyError) as error:
        log.warning("insights grouped by wording only: the action server did not embed (%s)", error)
        return None
    return vectors if vectors.shape[0] == len(texts) else None


def group_rows(rows: list[dict]) -> tuple[list[dict], str]:
    """The problem rows grouped (see the module docstring); most asked groups first."""
    by_key: dict[str, list[dict]] = {}
    for row in rows:
        by_key.setdefault(question_key(row["question"]), []).append(row)
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), k))
    embedded = keys[:MAX_WORDINGS]
    vectors = _embed([Counter(r["question"] for r in by_key[k]).most_common(1)[0][0] for k in embedded]) \
        if embedded else None
    grouped_by = "meaning" if vectors is not None else "wording"
    leaders: list[int] = []
    members: dict[int, list[str]] = {}
    for number, key in enumerate(keys):
        home = None
        if vectors is not None and number < len(embedded) and leaders:
            similarities = vectors[leaders] @ vectors[number]
            best = int(np.argmax(similarities))
            if similarities[best] >= GROUP_MIN_COSINE:
                home = leaders[best]
        if home is None:
            leaders.append(number)
            members[number] = [key]
        else:
            members[home].append(key)
    groups = []
    for leader in leaders:
        items = [row for key in members[leader] for row in by_key[key]]
        wordings = Counter(row["question"] for row in items)
        problems = Counter(row["problem"] for row in items)
        times = sorted(row["at"] for row in items)
        groups.append({
            "question": wordings.most_common(1)[0][0],
            "wordings": [w for w, _ in wordings.most_common()[1:]],
            "count": len(items), "first_seen": times[0], "last_seen": times[-1],
            "kinds": dict(Counter(row["kind"] or "" for row in items).most_common()),
            "declined": problems["declined"], "thumbs_down": problems["thumbs_down"],
            "unresolved_clarify": problems["unresolved_clarify"],
            "comments": [row["comment"] for row in items if row["comment"]],
        })
    groups.sort(key=lambda g: g["last_seen"], reverse=True)
    groups.sort(key=lambda g: g["count"], reverse=True)        # stable: most asked, then latest
    for number, group in enumerate(groups, 1):
        group["group"] = number
    return groups, grouped_by


def series(days: list[dict], since: date, until: date) -> tuple[str, list[dict]]:
    """Counts per day (ranges up to 62 days) or per ISO week (Monday's date), every
    period of the range present, zeros included."""
    bucket = "day" if (until - since).days < 62 else "week"
    start = lambda d: d if bucket == "day" else d - timedelta(days=d.weekday())   # noqa: E731
    periods: dict[str, dict] = {}
    day = since
    while day <= until:
        key = start(day).isoformat()
        periods.setdefault(key, {"period": key, "answered": 0, "declined": 0, "thumbs_down": 0})
        day += timedelta(days=1)
    for row in days:
        entry = periods.get(start(date.fromisoformat(row["day"])).isoformat())
        if entry:
            for field in ("answered", "declined", "thumbs_down"):
                entry[field] += row[field]
    return bucket, list(periods.values())


def _report() -> dict:
    since, until = date_range()
    store = current_app.extensions["hts.store"]
    try:
        rows = store.problem_rows(since.isoformat(), until.isoformat())
        days = store.daily_counts(since.isoformat(), until.isoformat())
    except StoreUnavailable as error:
        log.error("insights unavailable: %s", error)
        raise ApiError(503, "feedback_unavailable") from None
    groups, grouped_by = group_rows(rows)
    bucket, points = series(days, since, until)
    return {"from": since.isoformat(), "to": until.isoformat(), "bucket": bucket, "series": points,
            "groups": groups, "grouped_by": grouped_by}


@bp.get("/admin/api/insights")
def report():
    require_admin()
    response = jsonify(_report())
    response.headers["Cache-Control"] = "no-store"
    return response


def _cell(value) -> str:
    """A CSV cell Excel will not run: text starting with = + - @ (a citizen's question
    could) gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(groups: list[dict]) -> str:
    """The groups as CSV text with a header (CSV_COLUMNS), lists joined by " | "."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in groups:
        writer.writerow([group["group"], _cell(group["question"]), group["count"], group["first_seen"],
                         group["last_seen"], " | ".join(f"{k or '?'}: {n}" for k, n in group["kinds"].items()),
                         group["declined"], group["thumbs_down"], group["unresolved_clarify"],
                         _cell(" | ".join(group["comments"])), _cell(" | ".join(group["wordings"]))])
    return buffer.getvalue()


@bp.get("/admin/api/insights.csv")
def report_csv():
    require_admin()
    data = _report()
    body = "\ufeff" + csv_text(data["groups"])       # the BOM: Excel then reads UTF-8
    response = Response(body.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="cau-hoi-chua-tra-loi-{data["from"]}-{data["to"]}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
