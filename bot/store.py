"""SQLite storage of answered questions and the feedback on them.

What is stored is chosen for the insights page and nothing more: the message id (to
join feedback), the answer kind, the question with personal data scrubbed and a UTC
timestamp. No sender id, no IP address. The file is created with mode 0600, and rows
older than privacy.retention_days are deleted by stack/retention.py. The database is
optional for the chat: when it cannot be written (read-only disk, disk full) the chat
logs and carries on.
"""
import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from bot.text import question_key, scrub

log = logging.getLogger(__name__)

# Answer kinds that mean the assistant could not answer from its sources.
UNANSWERED_KINDS = ("fallback", "no_plan", "out_of_scope")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    message_id   TEXT PRIMARY KEY,
    kind         TEXT,
    question     TEXT NOT NULL,   -- scrubbed of phone numbers, e-mails, ID numbers
    question_key TEXT NOT NULL,   -- folded form, groups the same question typed differently
    created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_kind ON answers (kind, question_key);
-- Clarifying questions the user went on to answer (the next turn of the same
-- conversation got something other than another clarification or a decline). The
-- conversation itself is never stored: the pairing is kept in memory (Store._pending).
CREATE TABLE IF NOT EXISTS clarify_resolved (
    message_id TEXT PRIMARY KEY REFERENCES answers (message_id)
);
CREATE TABLE IF NOT EXISTS feedback (
    message_id TEXT PRIMARY KEY REFERENCES answers (message_id),
    helpful    INTEGER NOT NULL,
    comment    TEXT,
    created_at TEXT NOT NULL
);
"""


class StoreUnavailable(Exception):
    """The database cannot be opened or written."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# Kinds that ask the user something back instead of answering.
CLARIFY_KINDS = ("clarify",)
# Remembered open clarifications (sender -> message id), in memory only, at most this many.
MAX_PENDING = 5000


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._schema_ready = False
        self._lock = threading.Lock()
        self._pending: OrderedDict[str, str] = OrderedDict()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                # Owner only, whatever the umask (SQLite's journal files take this mode).
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            connection = sqlite3.connect(self.path, timeout=2.0)
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(f"cannot open {self.path}: {error}") from error
        if not self._schema_ready:
            with self._lock:
                try:
                    with connection:
                        connection.executescript(_SCHEMA)
                except sqlite3.Error as error:
                    connection.close()
                    raise StoreUnavailable(f"cannot create tables in {self.path}: {error}") from error
                self._schema_ready = True
        return connection

    def record_answer(self, message_id: str, kind: str | None, question: str) -> bool:
        """Store one answered question; False (logged) when the database is unusable."""
        scrubbed = scrub(question)
        try:
            with closing(self._connect()) as db, db:
                db.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?)",
                           (message_id, kind, scrubbed, question_key(scrubbed), _now()))
            return True
        except (StoreUnavailable, sqlite3.Error) as error:
            log.warning("answer %s not recorded, the chat goes on: %s", message_id, error)
            return False

    def note_turn(self, sender: str, message_id: str, kind: str | None) -> None:
        """Follow clarifications: when this sender's previous answer asked something back
        and this one is an answer (not another clarification or a decline), that
        clarification is marked resolved. Only the last message id per sender is kept,
        in memory; the sender is never written anywhere."""
        with self._lock:
            previous = self._pending.pop(sender, None)
            if kind in CLARIFY_KINDS:
                self._pending[sender] = message_id
                while len(self._pending) > MAX_PENDING:
                    self._pending.popitem(last=False)
        if previous and kind not in CLARIFY_KINDS and kind not in UNANSWERED_KINDS:
            try:
                with closing(self._connect()) as db, db:
                    db.execute("INSERT OR IGNORE INTO clarify_resolved VALUES (?)", (previous,))
            except (StoreUnavailable, sqlite3.Error) as error:
                log.warning("clarification %s not marked resolved: %s", previous, error)

    def problem_rows(self, since: str, until: str) -> list[dict]:
        """The questions the assistant did not serve, asked between `since` and `until`
        (ISO dates, both included): {"question", "kind", "at", "problem": declined |
        thumbs_down | unresolved_clarify, "comment"}. A thumbs-down on a declined answer
        counts once, as thumbs_down (it carries the comment)."""
        marks = ",".join("?" * len(UNANSWERED_KINDS))
        clarify = ",".join("?" * len(CLARIFY_KINDS))
        bounds = (since, until + "T99")
        try:
            with closing(self._connect()) as db:
                rows = db.execute(
                    f"SELECT a.question, COALESCE(a.kind, ''), a.created_at, "
                    f"CASE WHEN f.helpful = 0 THEN 'thumbs_down' "
                    f"     WHEN a.kind IN ({marks}) THEN 'declined' ELSE 'unresolved_clarify' END, "
                    f"CASE WHEN f.helpful = 0 THEN f.comment END "
                    f"FROM answers a LEFT JOIN feedback f USING (message_id) "
                    f"LEFT JOIN clarify_resolved r USING (message_id) "
                    f"WHERE a.created_at >= ? AND a.created_at <= ? AND ("
                    f"  f.helpful = 0 OR a.kind IN ({marks}) "
                    f"  OR (a.kind IN ({clarify}) AND r.message_id IS NULL)) "
                    f"ORDER BY a.created_at",
                    (*UNANSWERED_KINDS, *bounds, *UNANSWERED_KINDS, *CLARIFY_KINDS)).fetchall()
        except sqlite3.Error as error:
            raise StoreUnavailable(f"cannot read {self.path}: {error}") from error
        return [{"question": q, "kind": k, "at": at, "problem": p, "comment": c} for q, k, at, p, c in rows]

    def recent_questions(self, since: str, limit: int) -> list[str]:
        """Distinct (by folded wording) masked questions asked since `since`, latest first."""
        try:
            with closing(self._connect()) as db:
                rows = db.execute("SELECT question FROM answers WHERE created_at >= ? GROUP BY question_key "
                                  "ORDER BY MAX(created_at) DESC LIMIT ?", (since, limit)).fetchall()
        except sqlite3.Error as error:
            raise StoreUnavailable(f"cannot read {self.path}: {error}") from error
        return [row[0] for row in rows]

    def daily_counts(self, since: str, until: str) -> list[dict]:
        """Per UTC day with any answer: {"day", "answered", "declined", "thumbs_down"}.
        Answered: every kind but a decline (a clarification included)."""
        marks = ",".join("?" * len(UNANSWERED_KINDS))
        try:
            with closing(self._connect()) as db:
                rows = db.execute(
                    f"SELECT substr(a.created_at, 1, 10) AS day, "
                    f"SUM(CASE WHEN a.kind IN ({marks}) THEN 0 ELSE 1 END), "
                    f"SUM(CASE WHEN a.kind IN ({marks}) THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN f.helpful = 0 THEN 1 ELSE 0 END) "
                    f"FROM answers a LEFT JOIN feedback f USING (message_id) "
                    f"WHERE a.created_at >= ? AND a.created_at <= ? GROUP BY day ORDER BY day",
                    (*UNANSWERED_KINDS, *UNANSWERED_KINDS, since, until + "T99")).fetchall()
        except sqlite3.Error as error:
            raise StoreUnavailable(f"cannot read {self.path}: {error}") from error
        return [{"day": d, "answered": a, "declined": n, "thumbs_down": t} for d, a, n, t in rows]

    def save_feedback(self, message_id: str, helpful: bool, comment: str | None) -> bool:
        """Store (or change) the feedback on an answer; False if the answer is unknown."""
        comment = scrub(comment) if comment else None
        try:
            with closing(self._connect()) as db, db:
                known = db.execute("SELECT 1 FROM answers WHERE message_id = ?", (message_id,)).fetchone()
                if not known:
                    return False
                db.execute(
                    "INSERT INTO feedback VALUES (?, ?, ?, ?) ON CONFLICT (message_id) DO UPDATE SET "
                    "helpful = excluded.helpful, comment = COALESCE(excluded.comment, feedback.comment), "
                    "created_at = excluded.created_at",
                    (message_id, int(helpful), comment, _now()))
            return True
        except sqlite3.Error as error:
            raise StoreUnavailable(f"feedback not stored in {self.path}: {error}") from error

    def insights(self, limit: int = 20) -> dict:
        """The most frequent unanswered questions, and feedback counts per answer kind."""
        marks = ",".join("?" * len(UNANSWERED_KINDS))
        try:
            with closing(self._connect()) as db:
                groups = db.execute(
                    f"SELECT question_key, COUNT(*) AS n, MAX(created_at) AS last FROM answers "
                    f"WHERE kind IN ({marks}) GROUP BY question_key ORDER BY n DESC, last DESC LIMIT ?",
                    (*UNANSWERED_KINDS, limit)).fetchall()
                unanswered = []
                for key, count, last in groups:
                    kinds = dict(db.execute(
                        f"SELECT kind, COUNT(*) FROM answers WHERE question_key = ? AND kind IN ({marks}) "
                        f"GROUP BY kind ORDER BY COUNT(*) DESC", (key, *UNANSWERED_KINDS)).fetchall())
                    example = db.execute(
                        "SELECT question FROM answers WHERE question_key = ? ORDER BY created_at DESC LIMIT 1",
                        (key,)).fetchone()[0]
                    unanswered.append({"question": example, "count": count, "kinds": kinds, "last_asked": last})
                answers_by_kind = dict(db.execute(
                    "SELECT COALESCE(kind, ''), COUNT(*) FROM answers GROUP BY kind").fetchall())
                rows = db.execute(
                    "SELECT COALESCE(a.kind, ''), f.helpful, COUNT(*) FROM feedback f "
                    "JOIN answers a USING (message_id) GROUP BY a.kind, f.helpful").fetchall()
        except sqlite3.Error as error:
            raise StoreUnavailable(f"cannot read {self.path}: {error}") from error
        total = {"helpful": 0, "not_helpful": 0}
        by_kind: dict[str, dict[str, int]] = {}
        for kind, helpful, count in rows:
            field = "helpful" if helpful else "not_helpful"
            by_kind.setdefault(kind, {"helpful": 0, "not_helpful": 0})[field] += count
            total[field] += count
        return {
            "unanswered": unanswered,
            "answers_by_kind": answers_by_kind,
            "feedback": {"total": total, "by_kind": by_kind},
        }
