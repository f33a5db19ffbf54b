"""Retention job: deletes conversations and answered questions older than
privacy.retention_days (settings.yml, default 30) and keeps the files private.

    python -m stack.retention --endpoints endpoints.yml --database var/assistant.sqlite3
        [--days 30] [--every 60] [--once]

What it deletes, each run:
- Rasa's tracker store (the `tracker_store` of the endpoints file Rasa was started
  with; ${VAR} expanded from the environment as Rasa does; an SQLite file together
  with the files test and benchmark stacks left beside it, rasa_tracker-<port>.db):
  every event whose
  `timestamp` (epoch seconds) is older than the cut-off. Rasa only loads the events of
  the current session (domain.yml: sessions expire after 60 minutes), so a conversation
  still going on keeps what it needs. SQLite with the standard library, PostgreSQL (or
  any SQL dialect) with SQLAlchemy, which Rasa's virtualenv has; stack/runner.py and
  stack/scaleout.py run this module with .venv-rasa/bin/python.
- The web app's database (web.database): answers whose `created_at` (UTC, ISO 8601) is
  older, and the feedback on them.
Files: the SQLite files of both (and their -journal/-wal/-shm) are set to mode 0600.

Each run logs one line with the counts (no content). --every N repeats every N
minutes (privacy.purge_interval_minutes) until SIGTERM; --once runs once and exits.
Exit status 1 when a store could not be purged (the loop logs and carries on).
"""
import argparse
import logging
import os
import re
import signal
import sqlite3
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from core import settings

log = logging.getLogger("stack.retention")

PRIVATE_MODE = 0o600
_ENV_VAR = re.compile(r"\$\{(\w+)\}")
_SQLITE_COMPANIONS = ("", "-journal", "-wal", "-shm")
# Tracker store types that keep Rasa's `events` table: Rasa's own and ours.
SQL_STORE_TYPES = {"SQL", "DIALOGUE.TRACKER_STORE.WINDOWEDSQLTRACKERSTORE"}


def _expand(value):
    """${NAME} replaced by the environment variable NAME (KeyError when it is unset)."""
    if isinstance(value, str):
        return _ENV_VAR.sub(lambda m: os.environ[m.group(1)], value)
    return value


def tracker_store(endpoints: Path) -> dict | None:
    """The `tracker_store` section of an endpoints file with ${VAR} expanded, or None
    when Rasa keeps trackers in memory (nothing on disk to purge)."""
    config = yaml.safe_load(Path(endpoints).read_text(encoding="utf-8")) or {}
    store = config.get("tracker_store")
    if not store or str(store.get("type", "")).upper() not in SQL_STORE_TYPES:
        return None
    return {key: _expand(value) for key, value in store.items()}


def sqlite_path(store: dict) -> Path | None:
    """The SQLite file of a tracker store section (relative to the project root, Rasa's
    working directory), or None for another dialect."""
    if str(store.get("dialect", "sqlite")) != "sqlite":
        return None
    return settings.project_path(str(store.get("db", "rasa.db")))


def restrict(path: Path) -> None:
    """Mode 0600 for an SQLite file and its journal files, where they exist."""
    for suffix in _SQLITE_COMPANIONS:
        companion = Path(f"{path}{suffix}")
        if companion.exists() and (companion.stat().st_mode & 0o777) != PRIVATE_MODE:
            os.chmod(companion, PRIVATE_MODE)


def _purge_sqlite(path: Path, cutoff: float) -> int:
    restrict(path)
    with closing(sqlite3.connect(path, timeout=10)) as db, db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").fetchone():
            return 0
        return db.execute("DELETE FROM events WHERE timestamp < ?", (cutoff,)).rowcount


def siblings(path: Path) -> list[Path]:
    """The tracker files other stacks of this checkout left beside the configured one
    (stack.scaleout.OwnStack, used by the tests and benchmarks: var/rasa_tracker-<port>.db):
    they hold conversations too, so the same retention applies to them."""
    return sorted(p for p in path.parent.glob(f"{path.stem}-*{path.suffix}")
                  if p.is_file() and p != path and not p.name.endswith(_SQLITE_COMPANIONS[1:]))


def purge_tracker(store: dict, cutoff: float) -> int:
    """Deletes tracker events older than `cutoff` (epoch seconds), in an SQLite store
    also in its siblings (see `siblings`); the number deleted."""
    path = sqlite_path(store)
    if path is not None:
        return sum(_purge_sqlite(found, cutoff) for found in [path, *siblings(path)] if found.exists())
    import sqlalchemy as sa   # Rasa's virtualenv; only for a server database

    url = sa.engine.url.URL.create(
        str(store["dialect"]), username=store.get("username") or None, password=store.get("password") or None,
        host=store.get("url") or None, port=int(store["port"]) if store.get("port") else None,
        database=store.get("db") or None)
    engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table("events"):
                return 0
            result = connection.execute(sa.text("DELETE FROM events WHERE timestamp < :cutoff"),
                                        {"cutoff": cutoff})
            return result.rowcount
    finally:
        engine.dispose()


def purge_answers(database: Path, cutoff: datetime) -> int:
    """Deletes answered questions (and their feedback) recorded before `cutoff`; the
    number of answers deleted."""
    database = Path(database)
    if not database.exists():
        return 0
    restrict(database)
    stamp = cutoff.astimezone(timezone.utc).isoformat(timespec="seconds")
    with closing(sqlite3.connect(database, timeout=10)) as db, db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "answers" not in tables:
            return 0
        if "feedback" in tables:
            db.execute("DELETE FROM feedback WHERE created_at < ? OR message_id IN "
                       "(SELECT message_id FROM answers WHERE created_at < ?)", (stamp, stamp))
        if "clarify_resolved" in tables:
            db.execute("DELETE FROM clarify_resolved WHERE message_id IN "
                       "(SELECT message_id FROM answers WHERE created_at < ?)", (stamp,))
        return db.execute("DELETE FROM answers WHERE created_at < ?", (stamp,)).rowcount


def run_once(endpoints: Path | None, database: Path | None, days: float, now: float | None = None) -> bool:
    """One purge of both stores; False when one of them failed (logged)."""
    now = time.time() if now is None else now
    ok, events, answers = True, 0, 0
    if endpoints is not None:
        try:
            store = tracker_store(endpoints)
            events = purge_tracker(store, now - days * 86400) if store else 0
        except Exception as error:   # a database that is down must not end the job
            log.error("tracker store not purged: %s: %s", type(error).__name__, error)
            ok = False
    if database is not None:
        try:
            answers = purge_answers(database, datetime.fromtimestamp(now, timezone.utc) - timedelta(days=days))
        except (sqlite3.Error, OSError) as error:
            log.error("answers database not purged: %s: %s", type(error).__name__, error)
            ok = False
    log.info("retention %.0f days: deleted %d tracker events and %d answers", days, events, answers)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", type=Path, help="the endpoints file Rasa was started with")
    parser.add_argument("--database", type=Path, help="the web app's database (web.database)")
    parser.add_argument("--days", type=float, default=float(settings.get("privacy", "retention_days", 30)))
    parser.add_argument("--every", type=float, default=float(settings.get("privacy", "purge_interval_minutes", 60)),
                        help="minutes between runs")
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args(argv)
    from core import logs

    logs.configure()
    os.umask(0o077)
    if args.once:
        return 0 if run_once(args.endpoints, args.database, args.days) else 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        run_once(args.endpoints, args.database, args.days)
        time.sleep(max(1.0, args.every * 60))


if __name__ == "__main__":
    sys.exit(main())
