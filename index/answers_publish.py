"""Answers written by portal operators (the answer editor of the admin area): create,
change, remove and undo, each recorded in a change log that names who did it; what the
web app calls (bot/answers_admin.py) and what the answer-unit loader merges
(index/retrieval/units.py).

It mirrors index/publish.py and shares its machinery: the same history folder
(setting `index.history_dir`), the same one-change-at-a-time lock, atomic writes, the
same change-record shape and undo rule (only an item's latest change is undoable).

    <history_dir>/answers/published.json   {"version": str, "answers": [Answer]}
    <history_dir>/answers/changes.jsonl    the change log, one JSON object per line

Answer: {"id": "op-<8 hex>", "answer": str (≤ ANSWER_MAX_CHARS), "examples": [str],
"source": {"document": str, "number": str, "date": str, "url": str},
"valid_until": "YYYY-MM-DD" | null, "by": operator name, "created_at", "updated_at"}.

Change: {"id", "at" (UTC ISO 8601), "action" (create | update | delete | undo),
"answer": answer id, "before": Answer | null, "after": Answer | null, "undoes": id |
null, "by": operator name, "version": the published version after the change}.

Publishing needs no retraining and no restart: published.json is replaced atomically
(a new inode), and the action server compares `answers_version()` (one stat) on every
unit lookup and rebuilds its small unit index when it changed (only the new answers'
few texts are embedded).

Errors: index.publish.PublishError(code, detail=field) with `code` one of
ANSWER_ERRORS; the web app turns the code into Vietnamese (bot/messages.yml).
"""
import json
import os
import re
import unicodedata
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

from index.publish import PublishError, _exclusive, _write_atomically, history_dir

# A phone screen's worth: the length rule of data/knowledge/answer_units.yml.
ANSWER_MAX_CHARS = 450
EXAMPLE_MAX_CHARS = 200
FIELD_MAX_CHARS = 300
MAX_EXAMPLES = 20
ID_PATTERN = re.compile(r"op-[0-9a-f]{8}")

ANSWER_ERRORS = ("bad_body", "empty_answer", "answer_too_long", "html_not_allowed", "no_examples",
                 "bad_example", "too_many_examples", "no_source", "bad_source_field", "bad_url",
                 "bad_valid_until", "past_valid_until", "unknown_answer", "unknown_change", "stale_change")

# Markup of any kind: tags, comments, entities. The answer is shown as text, so markup
# would reach citizens as literal "<b>" or be a sign of pasted web content.
_HTML = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);")
_URL = re.compile(r"https?://[^\s<>\"']+\.[^\s<>\"']+", re.IGNORECASE)
_CONTROL = {"Cc", "Cf", "Cs"}


def answers_dir() -> Path:
    return history_dir() / "answers"


def _published_path() -> Path:
    return answers_dir() / "published.json"


def _log_path() -> Path:
    return answers_dir() / "changes.jsonl"


def answers_version() -> str | None:
    """What changes with every publication (inode and mtime of published.json: it is
    replaced, never edited in place); None when nothing was ever published. One stat."""
    try:
        stat = os.stat(_published_path())
    except OSError:
        return None
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"


def published() -> dict:
    """{"version": str | None, "answers": [Answer]} as last published."""
    try:
        with open(_published_path(), encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        return {"version": None, "answers": []}
    return {"version": document.get("version"), "answers": list(document.get("answers") or [])}


def live_answers(today: date | None = None) -> list[dict]:
    """The published answers still valid on `today` (an answer whose valid_until has
    passed is no longer given)."""
    today = today or date.today()
    return [a for a in published()["answers"]
            if not a.get("valid_until") or date.fromisoformat(a["valid_until"]) >= today]


def as_unit(answer: dict) -> dict:
    """An answer in the shape of an answer unit of data/knowledge/answer_units.yml, as
    the unit index and actions/answers/programmes.py read it ("operator": True)."""
    source = answer["source"]
    return {"id": answer["id"], "answer": answer["answer"], "label": answer["examples"][0][:60],
            "examples": list(answer["examples"]), "source": dict(source),
            "valid_until": answer.get("valid_until"), "related": [], "operator": True}


def changes() -> list[dict]:
    """Every change, oldest first (shape: see the module docstring)."""
    path = _log_path()
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# ---------------------------------------------------------------------- checking input

def _text(value, code: str, limit: int, field: str, multiline: bool = False) -> str:
    """NFC text without control characters; whitespace runs become one space (newlines
    kept when `multiline`). Raises PublishError `code` when not a string,
    html_not_allowed on markup, and answer_too_long / bad_example / bad_source_field
    when over `limit`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PublishError(code, field)
    text = unicodedata.normalize("NFC", value)
    text = "".join(ch for ch in text if ch in "\n" or unicodedata.category(ch) not in _CONTROL)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = ("\n".join(line for line in lines if line) if multiline else " ".join(lines)).strip()
    if _HTML.search(text):
        raise PublishError("html_not_allowed", field)
    if len(text) > limit:
        raise PublishError("answer_too_long" if field == "answer" else code, field)
    return text


def check(body) -> dict:
    """The operator's input checked and cleaned: {"answer", "examples", "source",
    "valid_until"}. Raises PublishError with the first problem found (detail: the field)."""
    if not isinstance(body, dict):
        raise PublishError("bad_body")
    answer = _text(body.get("answer"), "empty_answer", ANSWER_MAX_CHARS, "answer", multiline=True)
    if not answer:
        raise PublishError("empty_answer", "answer")
    raw_examples = body.get("examples")
    if raw_examples is None or raw_examples == []:
        raise PublishError("no_examples", "examples")
    if not isinstance(raw_examples, list):
        raise PublishError("bad_example", "examples")
    if len(raw_examples) > MAX_EXAMPLES:
        raise PublishError("too_many_examples", "examples")
    examples = [_text(e, "bad_example", EXAMPLE_MAX_CHARS, "examples") for e in raw_examples]
    examples = list(dict.fromkeys(e for e in examples if e))
    if not examples:
        raise PublishError("no_examples", "examples")
    raw_source = body.get("source")
    if raw_source is None or raw_source == {} or raw_source == "":
        raise PublishError("no_source", "source")
    if not isinstance(raw_source, dict):
        raise PublishError("bad_source_field", "source")
    source = {field: _text(raw_source.get(field), "bad_source_field", FIELD_MAX_CHARS, f"source.{field}")
              for field in ("document", "number", "date", "url")}
    if not source["document"]:
        raise PublishError("no_source", "source.document")
    if source["url"] and not _URL.fullmatch(source["url"]):
        raise PublishError("bad_url", "source.url")
    valid_until = body.get("valid_until")
    if valid_until in (None, ""):
        valid_until = None
    else:
        if not isinstance(valid_until, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", valid_until):
            raise PublishError("bad_valid_until", "valid_until")
        try:
            day = date.fromisoformat(valid_until)
        except ValueError:
            raise PublishError("bad_valid_until", "valid_until") from None
        if day < date.today():
            raise PublishError("past_valid_until", "valid_until")
    return {"answer": answer, "examples": examples, "source": source, "valid_until": valid_until}


# ---------------------------------------------------------------------- changes

def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _write_published(answers: list[dict]) -> str:
    version = f"{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    data = json.dumps({"version": version, "answers": answers}, ensure_ascii=False, indent=1)
    _write_atomically(_published_path(), data.encode("utf-8"))
    return version


def _record(action: str, answer_id: str, before: dict | None, after: dict | None,
            by: str, version: str, undoes: str | None = None) -> dict:
    change = {"id": uuid.uuid4().hex[:12], "at": _now(), "action": action, "answer": answer_id,
              "before": before, "after": after, "undoes": undoes, "by": by, "version": version}
    path = _log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(change, ensure_ascii=False) + "\n")
    return change


def _set(answer_id: str, target: dict | None) -> tuple[dict | None, str]:
    """Put `target` (None: nothing) in place of answer `answer_id`; (previous, version)."""
    answers = published()["answers"]
    position = next((i for i, a in enumerate(answers) if a["id"] == answer_id), None)
    previous = answers[position] if position is not None else None
    if target is None:
        if position is not None:
            del answers[position]
    elif position is None:
        answers.append(target)
    else:
        answers[position] = target
    return previous, _write_published(answers)


def create(body, by: str) -> dict:
    """Publish a new answer; returns the change (its "after" is the answer). Raises
    PublishError (see check)."""
    fields = check(body)
    with _exclusive():
        now = _now()
        answer = {"id": f"op-{uuid.uuid4().hex[:8]}", **fields, "by": by, "created_at": now, "updated_at": now}
        _, version = _set(answer["id"], answer)
        return _record("create", answer["id"], None, answer, by, version)


def find(answer_id: str) -> dict:
    """A published answer; PublishError unknown_answer."""
    if not ID_PATTERN.fullmatch(answer_id or ""):
        raise PublishError("unknown_answer", answer_id)
    found = next((a for a in published()["answers"] if a["id"] == answer_id), None)
    if found is None:
        raise PublishError("unknown_answer", answer_id)
    return found


def update(answer_id: str, body, by: str) -> dict:
    """Replace a published answer's fields; returns the change. Raises unknown_answer
    and the errors of check."""
    fields = check(body)
    with _exclusive():
        current = find(answer_id)
        answer = {**current, **fields, "by": by, "updated_at": _now()}
        _, version = _set(answer_id, answer)
        return _record("update", answer_id, current, answer, by, version)


def delete(answer_id: str, by: str) -> dict:
    """Stop giving an answer (it stays in the log, so undo brings it back)."""
    with _exclusive():
        current = find(answer_id)
        _, version = _set(answer_id, None)
        return _record("delete", answer_id, current, None, by, version)


def undo(change_id: str, by: str) -> dict:
    """Put back what a change replaced. Only an answer's latest change can be undone
    (else stale_change); unknown ids give unknown_change. The undo is itself a change."""
    with _exclusive():
        change = next((c for c in changes() if c["id"] == change_id), None)
        if change is None:
            raise PublishError("unknown_change", change_id)
        current = next((a for a in published()["answers"] if a["id"] == change["answer"]), None)
        if current != change["after"]:
            raise PublishError("stale_change", change_id)
        _, version = _set(change["answer"], change["before"])
        return _record("undo", change["answer"], current, change["before"], by, version, undoes=change_id)
