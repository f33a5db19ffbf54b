"""Publishing plans: upload, publish (new or replacing), remove and undo, each recorded
in a change log; what the admin page of the web app calls (bot/admin.py).

Where things live (settings `index.plans_dir`, `index.history_dir`):
    data/plans/<id>.<txt|docx|pdf>     the published plan files, as received
    data/plans/catalog.yml             their catalogue entries (rewritten in place,
                                       comments kept, by ruamel.yaml)
    var/plan-history/uploads/<sha256>.<ext>   uploaded files waiting to be published
    var/plan-history/files/<sha256>.<ext>     every file ever published or replaced
    var/plan-history/changes.jsonl            the change log, one JSON object per line
    var/plan-history/pending.json             the journal: the change being made, if any

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

All or nothing, whatever dies when: a change is first written whole to the journal
(both plan files already kept in the history), then made live (file, catalogue entry),
re-indexed and appended to the change log; the journal is removed last. A journal found
while nobody holds the lock is a change whose process died (the web app, its build, or
both): `recover()` (the web app at start-up, and every operation before its own) carries
it out again from the start; every step is idempotent, and a build that fails puts the
former state back. So the change log always lists what is live, and the index is built
from the live plans (index.retrieval.store.plans_mismatch, reported by /readyz). While
the journal exists the publication signal (index.published.version) is withheld: the
action server and the plan pages keep what they loaded until the change is complete.

Errors: PublishError(code) with `code` one of UPLOAD_ERRORS / CHANGE_ERRORS; the
caller turns the code into words (bot/admin_words.yml).
"""
import fcntl
import hashlib
import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
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
from index.plans.readers import SUFFIXES, PlanParseError, PlanTooLarge
from index.preview import preview

log = logging.getLogger(__name__)

# The catalogue fields an operator may set; id and file are chosen here.
EDITABLE = ("province", "title", "number", "date", "period", "status", "signer", "signer_title")
STATUSES = ("issued", "draft")
# One upload limit (settings.yml web.max_upload_mb, README: 50 MB): here, in the web
# server (bot/serve.py) and in the compose proxy (deploy/compose/nginx.conf).
MAX_UPLOAD_BYTES = int(float(settings.get("web", "max_upload_mb", 50)) * 1024 * 1024)
BUILD_TIMEOUT = 600          # seconds; a cold build of the whole corpus takes ~20 s here

UPLOAD_ERRORS = ("bad_file_type", "empty_file", "file_too_large", "unreadable_plan", "plan_too_large")
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
def _exclusive(wait: bool = True):
    """One change at a time, across threads and processes; yields False when `wait` is
    False and another holder has the lock. The lock dies with its process, so a journal
    found with the lock free is an interrupted change."""
    directory = history_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=f".{path.name}.") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
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
    except PlanTooLarge as error:
        raise PublishError("plan_too_large", f"{error.limit}: {error}") from None
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


def _make_live(plan_id: str, target: dict | None) -> None:
    """Make the published state of `plan_id` `target` (file from the history, catalogue
    entry); idempotent, so that recovery can run it again after a crash half-way."""
    current = _state(plan_id)
    if target is not None:
        live = plans_dir() / target["file"]
        if not live.is_file() or _sha256(live) != target["sha256"]:
            _write_atomically(live, _kept_file(target).read_bytes())
    if current is None or current["entry"] != (target or {}).get("entry"):
        _set_entry(plan_id, target["entry"] if target else None)
    if current is not None and (target is None or target["file"] != current["file"]):
        (plans_dir() / current["file"]).unlink(missing_ok=True)


def _fault(step: str) -> None:
    """Fault injection for tests/test_faults.py: HTS_PUBLISH_FAULT=<step>[:<seconds>]
    kills this process's whole group (SIGKILL: the web app and its index build) at that
    step of a change, after the seconds given. Unset in production: does nothing."""
    wanted = os.environ.get("HTS_PUBLISH_FAULT", "")
    if wanted.split(":")[0] != step:
        return
    if ":" in wanted:
        time.sleep(float(wanted.split(":")[1]))
    os.killpg(0, signal.SIGKILL)


def reindex() -> str:
    """`python -m index build` in a child process (same settings, same environment);
    returns its summary line. Raises PublishError index_failed."""
    child = subprocess.Popen([sys.executable, "-m", "index", "build"], cwd=settings.PROJECT_ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(settings.PROJECT_ROOT)})
    _fault("building")
    try:
        stdout, stderr = child.communicate(timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise PublishError("index_failed", f"index build took over {BUILD_TIMEOUT} s") from None
    if child.returncode != 0:
        raise PublishError("index_failed", stderr.strip()[-2000:])
    return stdout.strip().splitlines()[-1] if stdout.strip() else ""


def _log_path() -> Path:
    return history_dir() / "changes.jsonl"


def _journal_path() -> Path:
    from index.published import journal_path      # the publication signal reads it too

    return journal_path()


def changes() -> list[dict]:
    """Every change, oldest first (shape: see the module docstring). A line cut short by a
    crash while it was appended (never a whole change: the journal still holds it) is
    skipped."""
    path = _log_path()
    if not path.is_file():
        return []
    found = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    found.append(json.loads(line))
                except ValueError:
                    log.warning("change log %s: an unreadable line skipped", path)
    return found


def _field_changes(before: dict | None, after: dict | None) -> dict:
    old, new = (before or {}).get("entry") or {}, (after or {}).get("entry") or {}
    return {name: [old.get(name, ""), new.get(name, "")] for name in PlanInfo.__dataclass_fields__
            if old.get(name, "") != new.get(name, "")}


def _append(change: dict) -> None:
    """Add a change to the log once (a recovered change may already be there)."""
    if any(old["id"] == change["id"] for old in changes()):
        return
    path = _log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as handle:
        if handle.tell() and not path.read_bytes().endswith(b"\n"):
            handle.write(b"\n")                   # after a line cut short by a crash
        handle.write((json.dumps(change, ensure_ascii=False) + "\n").encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def _change(action: str, plan_id: str, target: dict | None, source: Path | None,
            undoes: str | None = None, by: str | None = None) -> dict:
    """Keep both files in the history, write the journal, then finish it (_finish)."""
    current = _state(plan_id)
    if current is not None and current["sha256"]:
        _keep(plans_dir() / current["file"], current["sha256"])
    if target is not None:
        _keep(source, target["sha256"])
    change = {"id": uuid.uuid4().hex[:12], "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "action": action, "plan": plan_id, "sha256": (target or {}).get("sha256"),
              "before": current, "after": target, "fields": _field_changes(current, target),
              "undoes": undoes, "index": "", "by": by}
    _write_atomically(_journal_path(), json.dumps(change, ensure_ascii=False).encode("utf-8"))
    _fault("journal")
    return _finish(change)


def _finish(change: dict) -> dict:
    """Carry out a journalled change: make its `after` live, re-index, log it, drop the
    journal. A failed build puts `before` back (and re-indexes) and drops the journal:
    PublishError index_failed. Safe to run again from any point (recover)."""
    plan_id = change["plan"]
    _make_live(plan_id, change["after"])
    _fault("live")
    try:
        change["index"] = reindex()
    except PublishError as error:
        _make_live(plan_id, change["before"])
        try:
            reindex()
        finally:
            _journal_path().unlink(missing_ok=True)
        raise PublishError("index_failed", error.detail) from None
    _fault("indexed")
    _append(change)
    _fault("logged")
    _journal_path().unlink(missing_ok=True)
    return change


def _recover_locked() -> dict | None:
    """With the lock held: a journal left behind means its change was interrupted
    (the process that held the lock died). Finish it; if its build fails it is rolled
    back. Returns {"change": id, "outcome": "finished" | "rolled_back"} or None."""
    path = _journal_path()
    if not path.is_file():
        return None
    try:
        change = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        # Cut short while written: nothing was applied yet (the journal comes first).
        path.unlink(missing_ok=True)
        log.warning("publish journal unreadable: dropped (no change had been applied)")
        return {"change": None, "outcome": "rolled_back"}
    try:
        _finish(change)
    except PublishError as error:
        log.error("interrupted change %s rolled back: %s", change["id"], error.code)
        return {"change": change["id"], "outcome": "rolled_back"}
    log.warning("interrupted change %s (%s %s) finished", change["id"], change["action"], change["plan"])
    return {"change": change["id"], "outcome": "finished"}


def recover(wait: bool = True) -> dict | None:
    """Finish or roll back a change interrupted by a crash (see _recover_locked). The web
    app calls it at start-up with wait=False: when another process holds the lock a
    change is in progress, not interrupted, and there is nothing to do (None)."""
    if not _journal_path().is_file():
        return None
    with _exclusive(wait) as held:
        return _recover_locked() if held else None


def in_progress() -> bool:
    """A change is being made right now (its journal exists and its lock is held)."""
    if not _journal_path().is_file():
        return False
    with _exclusive(False) as held:
        return not held


# ---------------------------------------------------------------------- the operations

def publish(sha256: str, fields: dict | None = None, plan_id: str | None = None, by: str | None = None) -> dict:
    """Publish a staged upload under `plan_id` (default: new_plan_id of its catalogue),
    with the fields proposed from its header overridden by `fields` (EDITABLE keys).
    A published plan with that id is replaced. Returns the change.
    Raises PublishError unknown_upload, unreadable_plan, bad_field, index_failed."""
    with _exclusive():
        _recover_locked()
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
        _recover_locked()
        if _state(plan_id) is None:
            raise PublishError("unknown_plan", plan_id)
        return _change("remove", plan_id, None, None, by=by)


def undo(change_id: str, by: str | None = None) -> dict:
    """Put back the state a change replaced. Only a plan's latest change can be undone
    (else PublishError stale_change); unknown ids give unknown_change. Returns the new
    change (action "undo", "undoes": change_id)."""
    with _exclusive():
        _recover_locked()
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
