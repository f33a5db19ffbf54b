"""Publishing plans: upload, publish (new or replacing), remove and undo, each recorded
in a change log; what the admin page of the web app calls (bot/admin.py).

Where things live (settings `index.plans_dir`, `index.history_dir`):
    data/plans/<id>.<txt|docx|pdf>     the published plan files, as received
    data/plans/catalog.yml             their catalogue entries (rewritten in place,
                                       comments kept, by ruamel.yaml)
    var/plan-history/uploads/<sha256>.<ext>   uploaded files waiting to be published
    var/plan-history/files/<sha256>.<ext>     every file ever published or replaced
    var/plan-history/changes.jsonl            the change log, one JSON object per line

A change is {"id", "at" (UTC, ISO 8601), "action" (publish | replace | remove | undo),
"plan", "sha256" (the plan file after the change, or null when removed),
"before": {"entry", "sha256", "file"} | null, "after": the same | null,
"fields": {field: [old, new]} (catalogue fields that changed), "undoes": id | null,
"index": the index build's summary, "by": the operator's name (bot/operators.py) | null}. Undo puts back the plan's `before` state (file and
catalogue entry) and re-indexes; it is itself a change, so an undo can be undone.

Publishing re-indexes with `python -m index build` in a child process: only the
changed plan is re-embedded, and the embedding model (~900 MB) is never loaded into
the caller (the web app). The build writes a new index manifest last; the action
server sees the new manifest on its next request and reloads (actions/knowledge_base.py).
One change at a time: every operation holds an exclusive lock on history_dir/lock.

Errors: PublishError(code) with `code` one of UPLOAD_ERRORS / CHANGE_ERRORS; the
caller turns the code into words (bot/admin_words.yml).
"""
import fcntl
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from core import settings
from core.text import fold
from index.plans.catalog import PlanInfo, load_catalog, plan_standing, plans_dir
from index.plans.readers import SUFFIXES, PlanParseError
from index.preview import preview

# The catalogue fields an operator may set; id and file are chosen here.
EDITABLE = ("province", "title", "number", "date", "period", "status", "signer", "signer_title")
STATUSES = ("issued", "draft")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
BUILD_TIMEOUT = 600          # seconds; a cold build of the whole corpus takes ~20 s here

UPLOAD_ERRORS = ("bad_file_type", "empty_file", "file_too_large", "unreadable_plan")
CHANGE_ERRORS = ("unknown_upload", "unknown_plan", "bad_field", "unknown_change",
                 "stale_change", "index_failed")


class PublishError(ValueError):
    """A refused change; `code` names why (see the module docstring), `detail` is for logs."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def history_dir() -> Path:
    return settings.project_path(settings.get("index", "history_dir", "var/plan-history"))


@contextmanager
def _exclusive():
    """One change at a time, across threads and processes."""
    directory = history_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=f".{path.name}.") as handle:
        handle.write(data)
        temporary = Path(handle.name)
    os.replace(temporary, path)


# ---------------------------------------------------------------------- uploads

@dataclass(frozen=True)
class Upload:
    sha256: str          # identifies the upload in later calls
    file_name: str       # the name the operator's file had (only its suffix is used)
    path: Path


def _upload_path(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise PublishError("unknown_upload")
    found = [history_dir() / "uploads" / f"{sha256}{suffix}" for suffix in SUFFIXES]
    for path in found:
        if path.is_file():
            return path
    raise PublishError("unknown_upload", sha256)


def stage_upload(file_name: str, data: bytes) -> Upload:
    """Keep an uploaded plan file (bytes as received) until it is published.
    Raises PublishError bad_file_type (not .txt/.docx/.pdf), empty_file, file_too_large
    (over MAX_UPLOAD_BYTES)."""
    suffix = Path(file_name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise PublishError("bad_file_type", suffix)
    if not data:
        raise PublishError("empty_file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PublishError("file_too_large", str(len(data)))
    sha256 = hashlib.sha256(data).hexdigest()
    path = history_dir() / "uploads" / f"{sha256}{suffix}"
    if not path.is_file():
        _write_atomically(path, data)
    return Upload(sha256, Path(file_name).name, path)


def preview_upload(sha256: str, fields: dict | None = None) -> dict:
    """index.preview.preview of a staged upload with the operator's fields applied, plus
    "upload": sha256, "plan_id": the id it would be published under, "standing": what
    it would be once published (current | ended | superseded, index.plans.catalog) and
    "replaces": that id when a plan with it is already published (else null).
    Raises PublishError unknown_upload, unreadable_plan (detail: the parser's message),
    bad_field (a field over 300 characters or on several lines, a status other than
    issued/draft, an id other than lower-case ASCII letters, digits and hyphens)."""
    path = _upload_path(sha256)
    try:
        result = preview(path, _clean_fields(fields or {}))
    except PlanParseError as error:
        raise PublishError("unreadable_plan", str(error)) from None
    catalog = load_catalog()
    plan_id = (fields or {}).get("id") or _same_plan(result["catalog"], catalog) or new_plan_id(result["catalog"])
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", plan_id):
        raise PublishError("bad_field", "id")
    result["catalog"]["file"] = f"{plan_id}{path.suffix.lower()}"
    result["catalog"]["id"] = plan_id
    candidate = PlanInfo(**result["catalog"])
    standing = plan_standing(candidate, tuple(info for info in catalog if info.id != plan_id) + (candidate,))
    return {**result, "upload": sha256, "plan_id": plan_id, "standing": standing.code,
            "replaces": plan_id if plan_id in {info.id for info in catalog} else None}


def _same_plan(fields: dict, catalog: tuple[PlanInfo, ...]) -> str | None:
    """The published plan of the same province and period: a new version of it."""
    for info in catalog:
        if fold(info.province) == fold(fields.get("province") or "") and \
                re.findall(r"20\d\d", info.period) == re.findall(r"20\d\d", fields.get("period") or ""):
            return info.id
    return None


def new_plan_id(catalog: dict) -> str:
    """"Cần Thơ", "2025 - 2030" -> "can-tho-2025-2030": the province, folded, and the
    period's years, so that a newer plan of a province does not replace the older one.
    Replacing is asked for by passing the published plan's id."""
    years = re.findall(r"20\d\d", catalog.get("period") or "")
    words = [fold(catalog.get("province") or "plan"), *years[:1], *years[1:][-1:]]
    return re.sub(r"[^a-z0-9]+", "-", " ".join(words)).strip("-") or "plan"


def _clean_fields(fields: dict) -> dict:
    """Only editable fields, as trimmed strings; status must be issued or draft."""
    cleaned = {}
    for key in EDITABLE:
        if key in fields and fields[key] is not None:
            value = str(fields[key]).strip()
            if len(value) > 300 or "\n" in value:
                raise PublishError("bad_field", key)
            cleaned[key] = value
    if "status" in cleaned and cleaned["status"] not in STATUSES:
        raise PublishError("bad_field", "status")
    return cleaned


# ---------------------------------------------------------------------- the catalogue

def _yaml() -> YAML:
    yaml = YAML()                 # round trip: comments and layout of catalog.yml are kept
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _read_catalog_document():
    with open(plans_dir() / "catalog.yml", encoding="utf-8") as handle:
        return _yaml().load(handle)


def _write_catalog_document(document) -> None:
    from io import StringIO
    buffer = StringIO()
    _yaml().dump(document, buffer)
    _write_atomically(plans_dir() / "catalog.yml", buffer.getvalue().encode("utf-8"))


def _entry_of(plan_id: str) -> dict | None:
    for entry in _read_catalog_document()["plans"]:
        if str(entry.get("id")) == plan_id:
            return {name: str(entry.get(name) or "") for name in PlanInfo.__dataclass_fields__}
    return None


def _set_entry(plan_id: str, entry: dict | None) -> None:
    """Replace (or add, at the end) the catalogue entry of `plan_id`; None removes it."""
    document = _read_catalog_document()
    entries = document["plans"]
    position = next((i for i, old in enumerate(entries) if str(old.get("id")) == plan_id), None)
    if entry is None:
        if position is not None:
            del entries[position]
    else:
        written = {name: DoubleQuotedScalarString(entry[name]) if name == "date" else entry[name]
                   for name in PlanInfo.__dataclass_fields__}
        if position is None:
            entries.append(written)
        else:
            entries[position] = written
    _write_catalog_document(document)


# ---------------------------------------------------------------------- states and changes

def _state(plan_id: str) -> dict | None:
    """{"entry", "sha256", "file"} of a published plan, None when it is not published."""
    entry = _entry_of(plan_id)
    if entry is None:
        return None
    path = plans_dir() / entry["file"]
    return {"entry": entry, "file": entry["file"], "sha256": _sha256(path) if path.is_file() else None}


def _keep(path: Path, sha256: str) -> None:
    """A copy of a plan file in the history, so that undo can bring it back."""
    kept = history_dir() / "files" / f"{sha256}{path.suffix.lower()}"
    if not kept.is_file():
        _write_atomically(kept, path.read_bytes())


def _kept_file(state: dict) -> Path:
    path = history_dir() / "files" / f"{state['sha256']}{Path(state['file']).suffix.lower()}"
    if not path.is_file():
        raise PublishError("stale_change", f"{path.name} is missing from the history")
    return path


def _apply(plan_id: str, current: dict | None, target: dict | None, source: Path | None) -> None:
    """Make the published state of `plan_id` `target`, its file taken from `source`."""
    if current is not None:
        old = plans_dir() / current["file"]
        if old.is_file():
            _keep(old, current["sha256"])
    if target is not None:
        _write_atomically(plans_dir() / target["file"], source.read_bytes())
        _keep(source, target["sha256"])
    _set_entry(plan_id, target["entry"] if target else None)
    if current is not None and (target is None or target["file"] != current["file"]):
        (plans_dir() / current["file"]).unlink(missing_ok=True)


def reindex() -> str:
    """`python -m index build` in a child process (same settings, same environment);
    returns its summary line. Raises PublishError index_failed."""
    done = subprocess.run([sys.executable, "-m", "index", "build"], cwd=settings.PROJECT_ROOT,
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                          env={**os.environ, "PYTHONPATH": str(settings.PROJECT_ROOT)})
    if done.returncode != 0:
        raise PublishError("index_failed", done.stderr.strip()[-2000:])
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _log_path() -> Path:
    return history_dir() / "changes.jsonl"


def changes() -> list[dict]:
    """Every change, oldest first (shape: see the module docstring)."""
    path = _log_path()
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _field_changes(before: dict | None, after: dict | None) -> dict:
    old, new = (before or {}).get("entry") or {}, (after or {}).get("entry") or {}
    return {name: [old.get(name, ""), new.get(name, "")] for name in PlanInfo.__dataclass_fields__
            if old.get(name, "") != new.get(name, "")}


def _record(action: str, plan_id: str, before: dict | None, after: dict | None,
            undoes: str | None, summary: str, by: str | None = None) -> dict:
    change = {"id": uuid.uuid4().hex[:12], "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "action": action, "plan": plan_id, "sha256": (after or {}).get("sha256"),
              "before": before, "after": after, "fields": _field_changes(before, after),
              "undoes": undoes, "index": summary, "by": by}
    path = _log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(change, ensure_ascii=False) + "\n")
    return change


def _change(action: str, plan_id: str, target: dict | None, source: Path | None,
            undoes: str | None = None, by: str | None = None) -> dict:
    """Apply, re-index, record; on a failed index build the previous state is put back."""
    current = _state(plan_id)
    _apply(plan_id, current, target, source)
    try:
        summary = reindex()
    except (PublishError, subprocess.TimeoutExpired) as error:
        _apply(plan_id, _state(plan_id), current, _kept_file(current) if current else None)
        reindex()
        raise PublishError("index_failed", str(error)) from None
    return _record(action, plan_id, current, target, undoes, summary, by)


# ---------------------------------------------------------------------- the operations

def publish(sha256: str, fields: dict | None = None, plan_id: str | None = None, by: str | None = None) -> dict:
    """Publish a staged upload under `plan_id` (default: new_plan_id of its catalogue),
    with the fields proposed from its header overridden by `fields` (EDITABLE keys).
    A published plan with that id is replaced. Returns the change.
    Raises PublishError unknown_upload, unreadable_plan, bad_field, index_failed."""
    with _exclusive():
        source = _upload_path(sha256)
        checked = preview_upload(sha256, {**(fields or {}), **({"id": plan_id} if plan_id else {})})
        plan_id = checked["plan_id"]
        entry = {name: str(checked["catalog"].get(name) or "") for name in PlanInfo.__dataclass_fields__}
        target = {"entry": entry, "file": entry["file"], "sha256": sha256}
        action = "replace" if checked["replaces"] else "publish"
        return _change(action, plan_id, target, source, by=by)


def remove(plan_id: str, by: str | None = None) -> dict:
    """Unpublish a plan (its file and entry are kept in the history). Returns the change.
    Raises PublishError unknown_plan, index_failed."""
    with _exclusive():
        if _state(plan_id) is None:
            raise PublishError("unknown_plan", plan_id)
        return _change("remove", plan_id, None, None, by=by)


def undo(change_id: str, by: str | None = None) -> dict:
    """Put back the state a change replaced. Only a plan's latest change can be undone
    (else PublishError stale_change); unknown ids give unknown_change. Returns the new
    change (action "undo", "undoes": change_id)."""
    with _exclusive():
        change = next((c for c in changes() if c["id"] == change_id), None)
        if change is None:
            raise PublishError("unknown_change", change_id)
        current = _state(change["plan"])
        after = change["after"]
        if (current or {}).get("sha256") != (after or {}).get("sha256") or \
                (current or {}).get("entry") != (after or {}).get("entry"):
            raise PublishError("stale_change", change_id)
        before = change["before"]
        return _change("undo", change["plan"], before, _kept_file(before) if before else None, change_id, by)


def published() -> list[dict]:
    """The published plans: {"id", "file", "province", ..., "sha256"} per catalogue entry."""
    rows = []
    for info in load_catalog():
        path = plans_dir() / info.file
        rows.append({**info.__dict__, "sha256": _sha256(path) if path.is_file() else None})
    return rows


def remove_upload(sha256: str) -> None:
    """Forget a staged upload that will not be published."""
    _upload_path(sha256).unlink(missing_ok=True)
