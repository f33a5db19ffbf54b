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


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._schema_ready = False
        self._lock = threading.Lock()

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
